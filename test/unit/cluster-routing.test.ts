import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { headOf, hashOf, sessionIdFor, slotFor, workerOfSession } from '../../src/platform/cluster/routing.js';

const request = (target: string, headers: string[] = []) =>
  Buffer.from([`GET ${target} HTTP/1.1`, 'Host: x', ...headers, '', ''].join('\r\n'));
const SID = 'AbCdEfGhIjKlMnOpQr-_';

describe('cluster routing', () => {
  it('reads the Engine.IO session id from the request line only', () => {
    expect(headOf(request(`/socket.io/?EIO=3&transport=polling&sid=${SID}`), '1.2.3.4', false).sid).toBe(SID);
    expect(headOf(request(`/socket.io/?sid=${SID}&EIO=4`), '1.2.3.4', false).sid).toBe(SID);
    expect(headOf(request('/socket.io/?EIO=3&transport=polling'), '1.2.3.4', false).sid).toBeUndefined();
    expect(headOf(request('/app/v1_0/user', [`Cookie: sid=${SID}`]), '1.2.3.4', false).sid).toBeUndefined();
    expect(headOf(request(`/x?sid=${SID}x`), '1.2.3.4', false).sid).toBeUndefined();
  });

  it('routes by the peer unless TRUST_PROXY trusts it, then by the forwarded client', () => {
    const forwarded = request('/', ['X-Forwarded-For: 203.0.113.7, 10.0.0.2']);
    expect(headOf(forwarded, '::ffff:10.0.0.1', false).client).toBe('10.0.0.1');
    expect(headOf(forwarded, '10.0.0.1', ['10.0.0.0/8']).client).toBe('203.0.113.7');
    expect(headOf(forwarded, '10.0.0.1', 1).client).toBe('10.0.0.2');
    // A head cut off by the first chunk falls back to the peer.
    expect(headOf(forwarded.subarray(0, 30), '10.0.0.1', true).client).toBe('10.0.0.1');
    expect(headOf(Buffer.from('\x16\x03\x01 not http'), '10.0.0.1', true)).toEqual({
      sid: undefined,
      client: '10.0.0.1',
    });
  });

  it('sends each client to one slot, spreads clients, and skips slots that are not ready', () => {
    const ready = [true, true, true, true];
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[slotFor(`10.${i >> 8}.${i & 255}.1`, ready)!]! += 1;
    for (const count of counts) expect(count).toBeGreaterThan(800);
    const client = '198.51.100.23';
    const home = slotFor(client, ready)!;
    expect(slotFor(client, ready)).toBe(home);
    expect(home).toBe(hashOf(client) % 4);
    const restarting = ready.map((_, slot) => slot !== home);
    expect(slotFor(client, restarting)).toBe((home + 1) % 4);
    expect(slotFor(client, [false, false])).toBeUndefined();
  });

  it('stamps session ids with the worker that made them, in the shape Engine.IO ids have', () => {
    for (const workerId of [1, 2, 35, 36, 1000, 36 ** 4 - 1]) {
      const sid = sessionIdFor(workerId, randomBytes(12));
      expect(sid).toMatch(/^[\w-]{20}$/);
      expect(workerOfSession(sid)).toBe(workerId);
      expect(headOf(request(`/socket.io/?EIO=3&transport=polling&sid=${sid}`), '1.2.3.4', false).sid).toBe(sid);
    }
    expect(workerOfSession('AbCdEfGhIjKlMnOpQr-_')).toBeUndefined();
    expect(sessionIdFor(7, randomBytes(12))).not.toBe(sessionIdFor(7, randomBytes(12)));
  });
});
