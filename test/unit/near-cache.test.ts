import { describe, expect, it } from 'vitest';
import { NearCache } from '../../src/platform/cache/near-cache.js';
import { pause } from '../helpers/wait.js';

const bytes = (text: string) => Buffer.from(text);
/** Buffers counted by length, 10 bytes in all. */
const tenBytes = () =>
  new NearCache<string, Buffer>({ max: 100, ttlMs: 60_000, maxBytes: 10, sizeOf: (b) => b.length });

describe('NearCache', () => {
  it('keeps values within the byte budget, dropping the oldest first', () => {
    const cache = tenBytes();
    cache.set('a', bytes('aaaa'));
    cache.set('b', bytes('bbbb'));
    expect(cache.bytes).toBe(8);
    cache.set('c', bytes('cccc'));
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')?.value?.toString()).toBe('bbbb');
    expect(cache.peek('c')?.value?.toString()).toBe('cccc');
    expect(cache.bytes).toBe(8);
  });

  it('counts a replaced or deleted value out of the budget', () => {
    const cache = tenBytes();
    cache.set('a', bytes('aaaaaaaa'));
    cache.set('a', bytes('aa'));
    expect(cache.bytes).toBe(2);
    cache.set('b', bytes('bbbbbbbb'));
    expect(cache.peek('a')?.value?.toString()).toBe('aa');
    cache.delete('a', 'b');
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });

  it('does not keep a value larger than the whole budget, nor drop others for it', () => {
    const cache = tenBytes();
    cache.set('small', bytes('s'));
    cache.set('huge', bytes('h'.repeat(11)));
    expect(cache.peek('huge')).toBeUndefined();
    expect(cache.peek('small')?.value?.toString()).toBe('s');
  });

  it('still bounds the count, and keeps known absences', () => {
    const cache = new NearCache<number, string>({ max: 2, ttlMs: 60_000 });
    cache.set(1, 'one');
    cache.set(2, undefined);
    cache.set(3, 'three');
    expect(cache.peek(1)).toBeUndefined();
    expect(cache.peek(2)).toEqual(expect.objectContaining({ value: undefined }));
    expect(cache.size).toBe(2);
  });

  it('drops expired entries on the next write, so reads over many keys hold one TTL of them', async () => {
    const cache = new NearCache<number, Buffer>({ max: 1_000, ttlMs: 20, maxBytes: 1 << 20, sizeOf: (b) => b.length });
    for (let i = 0; i < 100; i++) cache.set(i, bytes('x'.repeat(100)));
    expect([cache.size, cache.bytes]).toEqual([100, 10_000]);
    await pause(40);
    cache.set(1_000, bytes('new'));
    expect([cache.size, cache.bytes]).toEqual([1, 3]);
  });

  it('answers from the loader once per key until the entry expires', async () => {
    const cache = new NearCache<string, number>({ max: 10, ttlMs: 30 });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('k', load)).toBe(1);
    expect(await cache.get('k', load)).toBe(1);
    await pause(50);
    expect(await cache.get('k', load)).toBe(2);
  });
});
