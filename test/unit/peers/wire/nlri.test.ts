/**
 * NLRI prefix codec: golden bytes both ways, RFC 7911 path ids, host-bit masking, the 3/10
 * reactions of reliability.md §1.5 E, and the text helpers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePrefixes, encodePrefix, forEachPrefix, parsePrefix, prefixToString } from '../../../../peers/wire/nlri.js';
import { ByteWriter } from '../../../../peers/wire/writer.js';
import type { Prefix } from '../../../../peers/wire/types.js';
import { hex, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const p = (text: string): Prefix => parsePrefix(text) ?? assert.fail(`bad prefix ${text}`);

function enc(ps: Prefix[], addPath = false): string {
  const w = new ByteWriter();
  for (const x of ps) encodePrefix(w, x, addPath);
  return toHex(w.finish());
}

test('IPv4 prefixes: golden bytes both ways', () => {
  const bytes = hex`
    18 0a0100      # 10.1.0.0/24
    08 0a          # 10.0.0.0/8
    20 c0000201    # 192.0.2.1/32
    00             # 0.0.0.0/0 (valid encoding; policy decides)`;
  const ps = expectOk(decodePrefixes(bytes, 1, false));
  assert.deepEqual(ps.map(prefixToString), ['10.1.0.0/24', '10.0.0.0/8', '192.0.2.1/32', '0.0.0.0/0']);
  assert.equal(enc(ps), toHex(bytes));
});

test('IPv6 prefixes: golden bytes both ways', () => {
  const bytes = hex`
    40 fd000001 00000000   # fd00:1::/64
    30 20010db8 0000       # 2001:db8::/48
    80 fe800000 00000000 00000000 00000001  # fe80::1/128`;
  const ps = expectOk(decodePrefixes(bytes, 2, false));
  assert.deepEqual(ps.map(prefixToString), ['fd00:1::/64', '2001:db8::/48', 'fe80::1/128']);
  assert.equal(enc(ps), toHex(bytes));
});

test('ADD-PATH (RFC 7911): 4-octet path id before each prefix', () => {
  const bytes = hex`
    00000001 18 0a0100   # path 1, 10.1.0.0/24
    fffffffe 18 0a0100   # path 4294967294 (never negative), same prefix`;
  const ps = expectOk(decodePrefixes(bytes, 1, true));
  assert.deepEqual(ps.map((x) => x.pathId), [1, 0xfffffffe]);
  assert.equal(prefixToString(ps[1] as Prefix), '10.1.0.0/24 path 4294967294');
  assert.equal(enc(ps, true), toHex(bytes));
  // A path id with no prefix after it is a truncated field.
  expectError(decodePrefixes(hex`00000001`, 1, true), 3, 10);
});

test('host bits past the length are masked to zero (10.1.1.1/8 -> 10.0.0.0/8)', () => {
  const ps = expectOk(decodePrefixes(hex`08 0a  0f 0a01`, 1, false));
  assert.deepEqual(ps.map(prefixToString), ['10.0.0.0/8', '10.0.0.0/15']);
  // The masking form is also accepted for a mid-octet length: 10.1.1.255/31 -> 10.1.1.254/31.
  const [x] = expectOk(decodePrefixes(hex`1f 0a0101ff`, 1, false));
  assert.equal(prefixToString(x as Prefix), '10.1.1.254/31');
});

test('IPv4 prefix length > 32 (33, 255) -> 3/10 Invalid Network Field, reset', () => {
  expectError(decodePrefixes(hex`21 0a010000 00`, 1, false), 3, 10);
  expectError(decodePrefixes(hex`ff 0a010000`, 1, false), 3, 10);
});

test('IPv6 prefix length > 128 -> 3/10 reset', () => {
  expectError(decodePrefixes(hex`81 ${'00'.repeat(17)}`, 2, false), 3, 10);
});

test('too few address octets after the length (plen1-short, plenn-long) -> 3/10 reset', () => {
  expectError(decodePrefixes(hex`18 0a01`, 1, false), 3, 10);
  expectError(decodePrefixes(hex`18 0a0100 20`, 1, false), 3, 10);
  expectError(decodePrefixes(hex`40 fd00`, 2, false), 3, 10);
});

test('forEachPrefix visits raw octets without allocating, and stops on errors before visiting', () => {
  const seen: string[] = [];
  const err = forEachPrefix(hex`18 0a0100 08 0b`, 1, false, (b, at, len) => seen.push(`${b[at]}/${len}`));
  assert.equal(err, null);
  assert.deepEqual(seen, ['10/24', '11/8']);
  const bad: string[] = [];
  const e = forEachPrefix(hex`18 0a0100 21`, 1, false, () => bad.push('x'));
  assert.equal(e?.subcode, 10);
  assert.deepEqual(bad, []);
});

test('parsePrefix / prefixToString', () => {
  assert.equal(prefixToString(p('10.1.0.0/24')), '10.1.0.0/24');
  assert.equal(prefixToString(p('fd00:1::/64')), 'fd00:1::/64');
  assert.equal(prefixToString(p('192.0.2.7')), '192.0.2.7/32');
  assert.equal(p('fd00:1::/64').afi, 2);
  for (const bad of ['10.1.0.1/24', '10.1.0.0/33', 'fd00::/129', '10.1.0/24', 'x/8', '10.1.0.0/', '10.1.0.0/024x']) {
    assert.equal(parsePrefix(bad), null, bad);
  }
});
