/**
 * `inkstone ledger-check`: proves the ledger balances and matches the orders.
 * - Overall and per order, debits equal credits.
 * - Every paid (or refunded) order has exactly one payment set: buyer debit = amount, author
 *   credit = amount − fee, platform credit = fee. Pending and closed orders have no entries.
 * - Every succeeded refund has exactly one reversing set, balanced, whose buyer credit is the refund;
 *   the refunds sum to the order's refunded total; refunded ≤ reserved ≤ amount (refunds ≤ paid);
 *   an order is `refunded` exactly when its refunds reach the amount.
 * - No entry or refund points at a missing order.
 * Orders are read in id order, a chunk at a time, with their entries aggregated by the database.
 */
import type { Db } from '../../platform/db/database.js';
import { formatYuan } from '../../platform/payments/money.js';

const CHUNK = 1000;
const LISTED_PROBLEMS = 50;

export interface LedgerReport {
  ok: boolean;
  orders: number;
  byStatus: Record<string, number>;
  byKind: Record<string, number>;
  entries: number;
  debits: number;
  credits: number;
  paidVolume: number;
  refunded: number;
  platformNet: number;
  authorNet: number;
  refunds: Record<string, number>;
  problemCount: number;
  /** The first few problems, one line each. */
  problems: string[];
}

const num = (v: unknown) => Number(v ?? 0);

export async function checkLedger(db: Db): Promise<LedgerReport> {
  const report: LedgerReport = {
    ok: true,
    orders: 0,
    byStatus: {},
    byKind: {},
    entries: 0,
    debits: 0,
    credits: 0,
    paidVolume: 0,
    refunded: 0,
    platformNet: 0,
    authorNet: 0,
    refunds: {},
    problemCount: 0,
    problems: [],
  };
  const problem = (text: string) => {
    report.problemCount++;
    if (report.problems.length < LISTED_PROBLEMS) report.problems.push(text);
  };

  const totals = await db
    .selectFrom('ledger_entries')
    .select([
      'direction',
      'account',
      (eb) => eb.fn.sum<string>('amount_cents').as('total'),
      (eb) => eb.fn.countAll().as('n'),
    ])
    .groupBy(['direction', 'account'])
    .execute();
  for (const row of totals) {
    const amount = num(row.total);
    report.entries += num(row.n);
    if (row.direction === 'debit') report.debits += amount;
    else if (row.direction === 'credit') report.credits += amount;
    else problem(`entries with direction ${JSON.stringify(row.direction)}`);
    const signed = row.direction === 'credit' ? amount : -amount;
    if (row.account === 'platform') report.platformNet += signed;
    if (row.account === 'author') report.authorNet += signed;
  }
  if (report.debits !== report.credits) problem(`overall: debits ${report.debits} ≠ credits ${report.credits}`);

  const orphanEntries = await db
    .selectFrom('ledger_entries as e')
    .leftJoin('payment_orders as o', 'o.id', 'e.order_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('o.id', 'is', null)
    .executeTakeFirstOrThrow();
  if (num(orphanEntries.n) > 0) problem(`${num(orphanEntries.n)} ledger entries belong to no order`);
  const orphanRefunds = await db
    .selectFrom('payment_refunds as r')
    .leftJoin('payment_orders as o', 'o.id', 'r.order_id')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('o.id', 'is', null)
    .executeTakeFirstOrThrow();
  if (num(orphanRefunds.n) > 0) problem(`${num(orphanRefunds.n)} refunds belong to no order`);

  let after = -1n;
  for (;;) {
    const orders = await db
      .selectFrom('payment_orders')
      .select(['id', 'kind', 'status', 'amount_cents', 'fee_cents', 'refunded_cents', 'refund_reserved_cents'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(CHUNK)
      .execute();
    if (orders.length === 0) break;
    after = orders[orders.length - 1]!.id;
    const ids = orders.map((o) => o.id);
    const [entries, refunds] = await Promise.all([
      db
        .selectFrom('ledger_entries')
        .select([
          'order_id',
          'event_key',
          'refund_id',
          'account',
          'direction',
          (eb) => eb.fn.sum<string>('amount_cents').as('amount'),
          (eb) => eb.fn.countAll().as('n'),
        ])
        .where('order_id', 'in', ids)
        .groupBy(['order_id', 'event_key', 'refund_id', 'account', 'direction'])
        .execute(),
      db
        .selectFrom('payment_refunds')
        .select(['id', 'order_id', 'status', 'amount_cents'])
        .where('order_id', 'in', ids)
        .execute(),
    ]);
    type Line = { account: string; direction: string; amount: number; n: number; refundId: bigint | null };
    const byOrder = new Map<bigint, Map<string, Line[]>>();
    for (const e of entries) {
      let events = byOrder.get(e.order_id);
      if (!events) byOrder.set(e.order_id, (events = new Map<string, Line[]>()));
      const lines = events.get(e.event_key) ?? [];
      lines.push({
        account: e.account,
        direction: e.direction,
        amount: num(e.amount),
        n: num(e.n),
        refundId: e.refund_id,
      });
      events.set(e.event_key, lines);
    }
    const refundsOf = new Map<bigint, typeof refunds>();
    for (const r of refunds) {
      report.refunds[r.status] = (report.refunds[r.status] ?? 0) + 1;
      refundsOf.set(r.order_id, [...(refundsOf.get(r.order_id) ?? []), r]);
    }

    for (const o of orders) {
      report.orders++;
      report.byStatus[o.status] = (report.byStatus[o.status] ?? 0) + 1;
      report.byKind[o.kind] = (report.byKind[o.kind] ?? 0) + 1;
      const tag = `order ${o.id} (${o.status})`;
      const events = byOrder.get(o.id) ?? new Map<string, Line[]>();
      const amount = (lines: Line[] | undefined, account: string, direction: string) =>
        (lines ?? [])
          .filter((l) => l.account === account && l.direction === direction)
          .reduce((t, l) => t + l.amount, 0);
      const rows = (lines: Line[] | undefined) => (lines ?? []).reduce((t, l) => t + l.n, 0);

      let debit = 0;
      let credit = 0;
      for (const lines of events.values()) {
        for (const l of lines) {
          if (l.direction === 'debit') debit += l.amount;
          else credit += l.amount;
          if (l.amount < 0) problem(`${tag}: negative entry`);
        }
      }
      if (debit !== credit) problem(`${tag}: debits ${debit} ≠ credits ${credit}`);
      if (o.amount_cents <= 0 || o.fee_cents < 0 || o.fee_cents > o.amount_cents)
        problem(`${tag}: amount ${o.amount_cents} / fee ${o.fee_cents} out of range`);

      const settled = o.status === 'paid' || o.status === 'refunded';
      if (!settled) {
        if (events.size > 0) problem(`${tag}: has ledger entries but was never paid`);
        if (o.refunded_cents !== 0 || o.refund_reserved_cents !== 0) problem(`${tag}: refunds on an unpaid order`);
        continue;
      }
      report.paidVolume += o.amount_cents;
      report.refunded += o.refunded_cents;

      const payment = events.get('payment');
      if (rows(payment) !== 3) problem(`${tag}: ${rows(payment)} payment entries (expected exactly one set of 3)`);
      if (amount(payment, 'buyer', 'debit') !== o.amount_cents)
        problem(`${tag}: buyer paid ${amount(payment, 'buyer', 'debit')} ≠ amount ${o.amount_cents}`);
      if (amount(payment, 'author', 'credit') !== o.amount_cents - o.fee_cents)
        problem(`${tag}: author credit ≠ amount − fee`);
      if (amount(payment, 'platform', 'credit') !== o.fee_cents) problem(`${tag}: platform credit ≠ fee`);

      if (!(
        o.refunded_cents >= 0 &&
        o.refunded_cents <= o.refund_reserved_cents &&
        o.refund_reserved_cents <= o.amount_cents
      )) {
        problem(
          `${tag}: refunded ${o.refunded_cents}, reserved ${o.refund_reserved_cents}, amount ${o.amount_cents} (refunds exceed what was paid)`,
        );
      }
      if ((o.status === 'refunded') !== (o.refunded_cents === o.amount_cents))
        problem(`${tag}: status does not match refunded ${o.refunded_cents} of ${o.amount_cents}`);

      const orderRefunds = refundsOf.get(o.id) ?? [];
      const succeeded = orderRefunds.filter((r) => r.status === 'succeeded');
      const open = orderRefunds.filter((r) => r.status === 'pending');
      const sumOf = (list: typeof refunds) => list.reduce((t, r) => t + r.amount_cents, 0);
      if (sumOf(succeeded) !== o.refunded_cents)
        problem(`${tag}: succeeded refunds ${sumOf(succeeded)} ≠ refunded ${o.refunded_cents}`);
      if (sumOf(succeeded) + sumOf(open) !== o.refund_reserved_cents)
        problem(`${tag}: refunds asked ${sumOf(succeeded) + sumOf(open)} ≠ reserved ${o.refund_reserved_cents}`);
      let refundEntries = 0;
      for (const [key, lines] of events) {
        if (key === 'payment') continue;
        const refund = succeeded.find((r) => key === `refund:${r.id}`);
        if (!refund) {
          problem(`${tag}: entries for ${key}, which is not a succeeded refund`);
          continue;
        }
        if (rows(lines) !== 3) problem(`${tag}: ${rows(lines)} entries for ${key} (expected 3)`);
        if (amount(lines, 'buyer', 'credit') !== refund.amount_cents)
          problem(`${tag}: ${key} gives back ${amount(lines, 'buyer', 'credit')} ≠ ${refund.amount_cents}`);
        refundEntries += amount(lines, 'buyer', 'credit');
      }
      if (refundEntries !== o.refunded_cents)
        problem(`${tag}: reversing entries ${refundEntries} ≠ refunded ${o.refunded_cents}`);
      for (const r of succeeded)
        if (!events.has(`refund:${r.id}`)) problem(`${tag}: refund ${r.id} succeeded without entries`);
    }
  }

  report.ok = report.problemCount === 0;
  return report;
}

export function formatLedgerReport(report: LedgerReport): string[] {
  const yuan = (cents: number) => `${cents < 0 ? '-' : ''}¥${formatYuan(Math.abs(cents))}`;
  const list = (record: Record<string, number>) =>
    Object.entries(record)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const lines = [
    `ledger-check: ${report.ok ? 'OK' : 'MISMATCH'}`,
    `  orders        ${report.orders} (${list(report.byStatus)}; ${list(report.byKind)})`,
    `  entries       ${report.entries}: debits ${yuan(report.debits)} ${report.debits === report.credits ? '=' : '≠'} credits ${yuan(report.credits)}`,
    `  paid          ${yuan(report.paidVolume)}, refunded ${yuan(report.refunded)}`,
    `  platform fees ${yuan(report.platformNet)} net, authors ${yuan(report.authorNet)} net`,
    `  refunds       ${list(report.refunds)}`,
    `  problems      ${report.problemCount}`,
  ];
  for (const p of report.problems) lines.push(`    - ${p}`);
  if (report.problemCount > report.problems.length)
    lines.push(`    … and ${report.problemCount - report.problems.length} more`);
  return lines;
}

/** The CLI command: prints the summary, resolves the exit code (0 balanced, 1 mismatch). */
export async function ledgerCheckCommand(db: Db, print: (line: string) => void): Promise<number> {
  const report = await checkLedger(db);
  for (const line of formatLedgerReport(report)) print(line);
  return report.ok ? 0 : 1;
}
