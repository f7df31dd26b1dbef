/** Pure parts of payments: money at the edge, the ledger's arithmetic, previews, settings. */
import { describe, expect, it } from 'vitest';
import { previewOf } from '../../src/modules/payments/content-access.js';
import { feeOf, paymentEntries, refundEntries } from '../../src/modules/payments/ledger.js';
import { readPaymentsConfig } from '../../src/platform/payments/config.js';
import { formatYuan, parseYuan } from '../../src/platform/payments/money.js';

describe('money at the edge', () => {
  it('formats cents as yuan with two decimals and parses them back exactly', () => {
    expect([0, 1, 10, 99, 100, 1230, 123456789].map(formatYuan)).toEqual([
      '0.00',
      '0.01',
      '0.10',
      '0.99',
      '1.00',
      '12.30',
      '1234567.89',
    ]);
    expect(parseYuan('12.30')).toBe(1230);
    expect(parseYuan('12.3')).toBe(1230);
    expect(parseYuan('12')).toBe(1200);
    expect(parseYuan('0.01')).toBe(1);
    for (const bad of [
      '',
      '-1.00',
      '+1',
      '1e3',
      '1.234',
      ' 1.00',
      '1.00 ',
      '01.00',
      '1,00',
      'NaN',
      '0x10',
      '99999999999.00',
      undefined,
    ]) {
      expect(parseYuan(bad), String(bad)).toBeNull();
    }
    expect(() => formatYuan(-1)).toThrow();
    expect(() => formatYuan(1.5)).toThrow();
    for (let c = 0; c < 2000; c += 7) expect(parseYuan(formatYuan(c))).toBe(c);
  });
});

describe('ledger arithmetic', () => {
  const order = { buyer_id: 1n, author_id: 2n, amount_cents: 999, fee_cents: feeOf(999, 1000) };

  it('takes the fee in basis points, rounding down', () => {
    expect(feeOf(999, 1000)).toBe(99);
    expect(feeOf(1, 1000)).toBe(0);
    expect(feeOf(10_000, 250)).toBe(250);
    expect(feeOf(123, 0)).toBe(0);
    expect(feeOf(123, 10_000)).toBe(123);
  });

  it('writes balanced sets, and refunds in any parts give back exactly the fee', () => {
    const balance = (entries: ReturnType<typeof paymentEntries>) =>
      entries.reduce((s, e) => s + (e.direction === 'debit' ? e.amount_cents : -e.amount_cents), 0);
    expect(balance(paymentEntries(order))).toBe(0);
    for (const parts of [[999], [1, 998], [333, 333, 333], [7, 100, 500, 392], Array(9).fill(111)]) {
      let before = 0;
      let platform = 0;
      let author = 0;
      for (const part of parts) {
        const entries = refundEntries(order, before, part);
        expect(balance(entries)).toBe(0);
        platform += entries.find((e) => e.account === 'platform')!.amount_cents;
        author += entries.find((e) => e.account === 'author')!.amount_cents;
        for (const e of entries) expect(e.amount_cents).toBeGreaterThanOrEqual(0);
        before += part;
      }
      expect(platform).toBe(order.fee_cents);
      expect(author).toBe(order.amount_cents - order.fee_cents);
    }
  });
});

describe('previewOf', () => {
  const article = Array.from({ length: 8 }, (_, i) => `<p>第${i + 1}段：${'内容'.repeat(40)}</p>`).join('\n');

  it('keeps at most two whole blocks and at most ~30 % of the text', () => {
    const preview = previewOf(article);
    expect(preview.startsWith('<p>第1段')).toBe(true);
    expect(preview).toContain('<p>第2段');
    expect(preview).not.toContain('第3段');
    expect(preview.length).toBeLessThan(article.length * 0.35);
  });

  it('cuts a single long block inside, closing every open tag', () => {
    const html = `<div><p>Start <strong>bold <em>words ${'x'.repeat(2000)}</em></strong> end</p></div><p>next</p>`;
    const preview = previewOf(html);
    expect(preview).toMatch(/^<div><p>Start <strong>bold <em>words x+…<\/em><\/strong><\/p><\/div>$/);
    expect(preview.length).toBeLessThan(700);
  });

  it('never reveals a short article whole, never splits an entity, and survives bad markup', () => {
    const one = '<p>Only one paragraph here, with &amp; an entity &amp; more text that goes on.</p>';
    const preview = previewOf(one);
    expect(preview.length).toBeLessThan(one.length);
    expect(preview).not.toMatch(/&[a-z]*…/);
    expect(preview.endsWith('</p>')).toBe(true);
    expect(previewOf('<p>a <b>b</i> c</p></span><p>d</p><p>e</p><p>f</p>'.repeat(5))).not.toContain('</span>');
    expect(previewOf('<script>alert(1)</script><p>' + 'safe '.repeat(100) + '</p>')).not.toContain('script');
    expect(previewOf('<p><img src="a.png" alt="x>y">' + 'text '.repeat(100) + '</p>')).toContain(
      '<img src="a.png" alt="x>y">',
    );
    expect(previewOf('')).toBe('');
    expect(previewOf('plain text without any tags at all, long enough to be cut somewhere in the middle')).toMatch(
      /…$/,
    );
  });
});

describe('payment settings (PAYMENTS_*, ALIPAY_*)', () => {
  const fail = (name: string, problem: string) => new Error(`${name} ${problem}`);
  const read = (env: Record<string, string>) => (name: string) => env[name];
  const context = { env: 'development' as const, publicUrl: 'https://blog.example' };

  it('defaults to the simulator outside production and to off in production', () => {
    expect(readPaymentsConfig(read({}), context, fail)).toMatchObject({
      provider: 'simulator',
      orderTtlSeconds: 900,
      feeBasisPoints: 1000,
      tipMinCents: 1,
      tipMaxCents: 50_000,
      reconcileAfterSeconds: 180,
      resultUrl: 'https://blog.example/payments/result',
    });
    expect(readPaymentsConfig(read({}), { ...context, env: 'production' }, fail).provider).toBe('off');
    expect(() =>
      readPaymentsConfig(read({ PAYMENTS_PROVIDER: 'simulator' }), { ...context, env: 'production' }, fail),
    ).toThrow(/PAYMENTS_PROVIDER/);
  });

  it('needs the Alipay settings for alipay, and checks numbers', () => {
    expect(() => readPaymentsConfig(read({ PAYMENTS_PROVIDER: 'alipay' }), context, fail)).toThrow(/ALIPAY_APP_ID/);
    const config = readPaymentsConfig(
      read({
        PAYMENTS_PROVIDER: 'alipay',
        ALIPAY_APP_ID: '2021',
        ALIPAY_PRIVATE_KEY: 'a\\nb',
        ALIPAY_PUBLIC_KEY: 'c',
        ALIPAY_SELLER_ID: '2088',
        PAYMENTS_FEE_BPS: '500',
      }),
      context,
      fail,
    );
    expect(config.alipay).toEqual({
      appId: '2021',
      privateKey: 'a\nb',
      alipayPublicKey: 'c',
      gateway: 'https://openapi.alipay.com/gateway.do',
      sellerId: '2088',
    });
    expect(config.feeBasisPoints).toBe(500);
    expect(() => readPaymentsConfig(read({ PAYMENTS_FEE_BPS: '10001' }), context, fail)).toThrow(/PAYMENTS_FEE_BPS/);
    expect(() =>
      readPaymentsConfig(read({ PAYMENTS_TIP_MIN_CENTS: '100', PAYMENTS_TIP_MAX_CENTS: '10' }), context, fail),
    ).toThrow(/PAYMENTS_TIP_MAX_CENTS/);
    expect(() => readPaymentsConfig(read({ PAYMENTS_PROVIDER: 'stripe' }), context, fail)).toThrow(/PAYMENTS_PROVIDER/);
  });
});
