/**
 * UPDATE packer: messages fill up to the negotiated maximum, never exceed it, and decode back to
 * exactly the prefixes and attributes packed (IPv4 classic, IPv6 MP_REACH, withdrawals, ADD-PATH).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packUpdates, packWithdrawals } from '../../../../peers/wire/update-pack.js';
import { decodeUpdate } from '../../../../peers/wire/update.js';
import { prefixToString, prefixWireLen } from '../../../../peers/wire/nlri.js';
import type { CodecContext } from '../../../../peers/wire/context.js';
import type { PathAttributes, Prefix, UpdateMsg } from '../../../../peers/wire/types.js';
import { ADDPATH, EBGP, expectClean } from './update-fixtures.js';

const ATTRS: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 4200000001] }],
  nextHop: new Uint8Array([192, 0, 2, 1]),
  communities: [0xfde80001],
};

function v4(n: number, len = 24, pathId?: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => {
    const addr = new Uint8Array([10 + (i >>> 16), (i >>> 8) & 255, i & 255, 0]);
    return pathId === undefined ? { afi: 1, len, addr } : { afi: 1, len, addr, pathId: pathId + i };
  });
}

function v6(n: number): Prefix[] {
  return Array.from({ length: n }, (_, i) => {
    const addr = new Uint8Array(16);
    addr.set([0xfd, 0x00, (i >>> 24) & 255, (i >>> 16) & 255, (i >>> 8) & 255, i & 255]);
    return { afi: 2, len: 64, addr };
  });
}

function decodeAll(msgs: Uint8Array[], ctx: CodecContext): UpdateMsg[] {
  return msgs.map((m) => {
    assert.equal(((m[16] as number) << 8) | (m[17] as number), m.length, 'header length field');
    return expectClean(decodeUpdate(m.subarray(19), ctx));
  });
}

/** Every message ≤ max, and every message but the last had no room for the next prefix. */
function assertFilled(msgs: Uint8Array[], ps: Prefix[], counts: number[], max: number, addPath: boolean): void {
  let at = 0;
  msgs.forEach((m, i) => {
    assert.ok(m.length <= max, `message ${i} is ${m.length} > ${max}`);
    at += counts[i] as number;
    if (i < msgs.length - 1) assert.ok(m.length + prefixWireLen(ps[at] as Prefix, addPath) > max, `message ${i} (${m.length}) not full`);
  });
}

test('IPv4 classic: fills 4096-byte messages and round-trips 10,000 /24s', () => {
  const ps = v4(10000);
  const msgs = packUpdates(ATTRS, ps, EBGP);
  const decoded = decodeAll(msgs, EBGP);
  assertFilled(msgs, ps, decoded.map((d) => d.nlri.length), 4096, false);
  assert.deepEqual(decoded.flatMap((d) => d.nlri.map(prefixToString)), ps.map(prefixToString));
  for (const d of decoded) assert.deepEqual(d.attrs, ATTRS);
  assert.equal(msgs.length, Math.ceil(10000 / Math.floor((4096 - 23 - 31) / 4)));
});

test('IPv4 classic with Extended Message: fills 65535-byte messages', () => {
  const ctx = { ...EBGP, extendedMessage: true };
  const ps = v4(40000);
  const msgs = packUpdates(ATTRS, ps, ctx);
  const decoded = decodeAll(msgs, ctx);
  assertFilled(msgs, ps, decoded.map((d) => d.nlri.length), 65535, false);
  assert.ok((msgs[0]?.length ?? 0) > 65530);
  assert.equal(decoded.reduce((n, d) => n + d.nlri.length, 0), 40000);
});

test('IPv6 MP_REACH: MP_REACH first, fills the message, round-trips, NEXT_HOP not sent', () => {
  const ps = v6(3000);
  const nextHop = { global: new Uint8Array(16).fill(0x20), linkLocal: new Uint8Array(16).fill(0xfe) };
  const msgs = packUpdates(ATTRS, ps, EBGP, { nextHop });
  const decoded = decodeAll(msgs, EBGP);
  assertFilled(msgs, ps, decoded.map((d) => d.mpReach?.nlri.length ?? 0), 4096, false);
  assert.equal(msgs[0]?.[23 + 1], 14, 'first attribute is MP_REACH_NLRI');
  assert.deepEqual(decoded.flatMap((d) => d.mpReach?.nlri.map(prefixToString) ?? []), ps.map(prefixToString));
  for (const d of decoded) {
    assert.equal(d.attrs.nextHop, undefined);
    assert.deepEqual(d.mpReach?.nextHop, nextHop);
    assert.deepEqual(d.attrs.asPath, ATTRS.asPath);
  }
});

test('IPv6 MP_REACH with a short value uses a 1-octet attribute length', () => {
  const [m] = packUpdates(ATTRS, v6(2), EBGP, { nextHop: { global: new Uint8Array(16) } });
  assert.equal(m?.[23], 0x80);
  const d = expectClean(decodeUpdate((m as Uint8Array).subarray(19), EBGP));
  assert.equal(d.mpReach?.nlri.length, 2);
});

test('ADD-PATH: path ids are packed and counted in the size', () => {
  const ps = v4(3000, 24, 1);
  const msgs = packUpdates(ATTRS, ps, ADDPATH);
  const decoded = decodeAll(msgs, ADDPATH);
  assertFilled(msgs, ps, decoded.map((d) => d.nlri.length), 4096, true);
  assert.deepEqual(decoded.flatMap((d) => d.nlri.map((x) => x.pathId)), ps.map((x) => x.pathId));
});

test('packWithdrawals: IPv4 in the withdrawn field, IPv6 in MP_UNREACH, both full and exact', () => {
  const ps4 = v4(5000);
  const m4 = packWithdrawals(ps4, 1, EBGP);
  const d4 = decodeAll(m4, EBGP);
  assertFilled(m4, ps4, d4.map((d) => d.withdrawn.length), 4096, false);
  assert.deepEqual(d4.flatMap((d) => d.withdrawn.map(prefixToString)), ps4.map(prefixToString));
  const ps6 = v6(2000);
  const m6 = packWithdrawals(ps6, 2, EBGP);
  const d6 = decodeAll(m6, EBGP);
  assertFilled(m6, ps6, d6.map((d) => d.mpUnreach?.withdrawn.length ?? 0), 4096, false);
  assert.deepEqual(d6.flatMap((d) => d.mpUnreach?.withdrawn.map(prefixToString) ?? []), ps6.map(prefixToString));
});

test('nothing to pack -> no messages; caller bugs throw RangeError', () => {
  assert.deepEqual(packUpdates(ATTRS, [], EBGP), []);
  assert.deepEqual(packWithdrawals([], 2, EBGP), []);
  assert.throws(() => packUpdates({ origin: 0, asPath: [] }, v4(1), EBGP), RangeError);
  assert.throws(() => packUpdates(ATTRS, v6(1), EBGP), RangeError);
  assert.throws(() => packUpdates(ATTRS, [...v4(1), ...v6(1)], EBGP), RangeError);
});
