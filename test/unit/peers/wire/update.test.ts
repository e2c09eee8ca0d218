/**
 * UPDATE decode/encode: whole-message golden vectors, MP_REACH with IPv6 link-local next hop,
 * RFC 8950 IPv6 next hop for IPv4 NLRI, ADD-PATH, RFC 6793 on a 2-octet session, End-of-RIB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeUpdate, encodeUpdate, endOfRib, isEndOfRib } from '../../../../peers/wire/update.js';
import { parsePrefix, prefixToString } from '../../../../peers/wire/nlri.js';
import type { Prefix, UpdateMsg } from '../../../../peers/wire/types.js';
import { MARKER } from '../../../support/hex.js';
import { ADDPATH, AS2, EBGP, attr, body, concat, expectClean, hex, toHex } from './update-fixtures.js';

const p = (t: string): Prefix => parsePrefix(t) ?? assert.fail(t);
const NONE = new Uint8Array(0);

test('golden: whole IPv4 UPDATE both ways', () => {
  const bytes = hex`
    ${MARKER} 003a 02        # marker, length 58, UPDATE
    0004 18 0a0900           # withdrawn: 10.9.0.0/24
    001b                     # total path attribute length 27
    40 01 01 00              # ORIGIN IGP
    40 02 06 02 01 0000fde9  # AS_PATH 65001
    40 03 04 c0000201        # NEXT_HOP 192.0.2.1
    80 04 04 00000000        # MED 0
    18 0a0100                # NLRI 10.1.0.0/24`;
  const m = expectClean(decodeUpdate(bytes.subarray(19), EBGP));
  assert.deepEqual(m.withdrawn.map(prefixToString), ['10.9.0.0/24']);
  assert.deepEqual(m.nlri.map(prefixToString), ['10.1.0.0/24']);
  assert.deepEqual(m.attrs, {
    origin: 0,
    asPath: [{ type: 2, asns: [65001] }],
    nextHop: new Uint8Array([192, 0, 2, 1]),
    med: 0,
  });
  assert.equal(toHex(encodeUpdate(m, EBGP)), toHex(bytes));
});

test('MP_REACH IPv6 with global + link-local next hop (length 32, RFC 2545 §3)', () => {
  const mp = attr(0x80, 14, `
    0002 01 20
    20010db8 00000000 00000000 00000001   # global 2001:db8::1
    fe800000 00000000 00000000 00000001   # link-local fe80::1
    00
    40 fd000001 00000000`);
  const b = body(NONE, concat(mp, hex`40 01 01 00 40 02 00`), NONE);
  const m = expectClean(decodeUpdate(b, EBGP));
  assert.equal(toHex(m.mpReach?.nextHop.linkLocal ?? NONE), 'fe800000000000000000000000000001');
  assert.deepEqual(m.mpReach?.nlri.map(prefixToString), ['fd00:1::/64']);
  assert.equal(toHex(encodeUpdate(m, EBGP).subarray(19)), toHex(b));
});

test('RFC 8950: IPv4 NLRI in MP_REACH with a 16-octet IPv6 next hop', () => {
  const mp = attr(0x80, 14, '0001 01 10 20010db8000000000000000000000001 00 18 0a0100');
  const b = body(NONE, concat(mp, hex`40 01 01 00 40 02 00`), NONE);
  const m = expectClean(decodeUpdate(b, EBGP));
  assert.equal(m.mpReach?.afi, 1);
  assert.equal(m.mpReach?.nextHop.global.length, 16);
  assert.deepEqual(m.mpReach?.nlri.map(prefixToString), ['10.1.0.0/24']);
  assert.equal(toHex(encodeUpdate(m, EBGP).subarray(19)), toHex(b));
});

test('ADD-PATH: classic IPv4 NLRI and withdrawn carry path ids both ways', () => {
  const b = body(hex`00000002 18 0a0900`, hex`40 01 01 00 40 02 00 40 03 04 c0000201`, hex`00000007 18 0a0100  00000008 18 0a0100`);
  const m = expectClean(decodeUpdate(b, ADDPATH));
  assert.deepEqual(m.nlri.map((x) => x.pathId), [7, 8]);
  assert.deepEqual(m.withdrawn.map((x) => x.pathId), [2]);
  assert.equal(toHex(encodeUpdate(m, ADDPATH).subarray(19)), toHex(b));
  // Without ADD-PATH negotiated the same bytes read as other prefixes (0.0.0.0/0, ...).
  const plain = decodeUpdate(b, EBGP);
  assert.ok(!plain.ok || plain.value.nlri.length !== 2);
});

test('ADD-PATH: IPv6 MP_REACH NLRI with path ids', () => {
  const mp = attr(0x80, 14, `0002 01 10 20010db8000000000000000000000001 00 00000005 40 fd000001 00000000`);
  const b = body(NONE, concat(mp, hex`40 01 01 00 40 02 00`), NONE);
  const m = expectClean(decodeUpdate(b, ADDPATH));
  assert.equal(m.mpReach?.nlri[0]?.pathId, 5);
  assert.equal(toHex(encodeUpdate(m, ADDPATH).subarray(19)), toHex(b));
});

test('RFC 6793 on a 2-octet session: full UPDATE merges AS4_PATH and re-encodes it', () => {
  const b = body(
    NONE,
    hex`
      40 01 01 00
      40 02 08 02 03 fde9 5ba0 5ba0          # AS_PATH 65001 AS_TRANS AS_TRANS
      40 03 04 c0000201
      c0 11 0a 02 02 fa56ea01 fa56ea02        # AS4_PATH 4200000001 4200000002`,
    hex`18 0a0100`,
  );
  const m = expectClean(decodeUpdate(b, AS2));
  assert.deepEqual(m.attrs.asPath, [{ type: 2, asns: [65001, 4200000001, 4200000002] }]);
  // Re-encoded for a 2-octet peer: AS_TRANS in AS_PATH + the full AS4_PATH.
  const again = expectClean(decodeUpdate(encodeUpdate(m, AS2).subarray(19), AS2));
  assert.deepEqual(again.attrs.asPath, m.attrs.asPath);
  // The same message on a 4-octet session: AS4_PATH is ignored (RFC 6793 §4.1).
  const four = hex`
    40 01 01 00
    40 02 0e 02 03 0000fde9 00005ba0 00005ba0
    40 03 04 c0000201
    c0 11 0a 02 02 fa56ea01 fa56ea02`;
  const m4 = expectClean(decodeUpdate(body(NONE, four, hex`18 0a0100`), EBGP));
  assert.deepEqual(m4.attrs.asPath, [{ type: 2, asns: [65001, 23456, 23456] }]);
});

test('RFC 6793: AGGREGATOR not AS_TRANS -> AS4_PATH and AS4_AGGREGATOR ignored', () => {
  const b = body(
    NONE,
    hex`
      40 01 01 00
      40 02 06 02 02 fde9 5ba0
      40 03 04 c0000201
      c0 07 06 fdea c0000201                  # AGGREGATOR 65002 (not AS_TRANS)
      c0 11 06 02 01 fa56ea01
      c0 12 08 fa56ea01 c0000201`,
    hex`18 0a0100`,
  );
  const m = expectClean(decodeUpdate(b, AS2));
  assert.deepEqual(m.attrs.asPath, [{ type: 2, asns: [65001, 23456] }]);
  assert.equal(m.attrs.aggregator?.asn, 65002);
});

test('End-of-RIB: encoder bytes and isEndOfRib round trip', () => {
  assert.equal(toHex(endOfRib(1, 1, EBGP)), `${MARKER}001702` + '00000000');
  assert.equal(toHex(endOfRib(2, 1, EBGP)), `${MARKER}001d02` + '0000 0006 800f03 000201'.replace(/ /g, ''));
  for (const [afi, safi] of [[1, 1], [2, 1]] as const) {
    const m = expectClean(decodeUpdate(endOfRib(afi, safi, EBGP).subarray(19), EBGP));
    assert.deepEqual(isEndOfRib(m), { afi, safi });
  }
});

test('isEndOfRib: withdrawals or attributes mean not End-of-RIB', () => {
  const base: UpdateMsg = { type: 2, withdrawn: [], attrs: {}, nlri: [] };
  assert.deepEqual(isEndOfRib(base), { afi: 1, safi: 1 });
  assert.equal(isEndOfRib({ ...base, withdrawn: [p('10.0.0.0/8')] }), null);
  assert.equal(isEndOfRib({ ...base, attrs: { origin: 0 } }), null);
  assert.equal(isEndOfRib({ ...base, mpUnreach: { afi: 2, safi: 1, withdrawn: [p('fd00::/8')] } }), null);
});

test('encodeUpdate refuses a message above the negotiated maximum', () => {
  const nlri = Array.from({ length: 1100 }, (_, i) => p(`10.${i >> 8}.${i & 255}.0/24`));
  const m: UpdateMsg = { type: 2, withdrawn: [], nlri, attrs: { origin: 0, asPath: [], nextHop: new Uint8Array([192, 0, 2, 1]) } };
  assert.throws(() => encodeUpdate(m, EBGP), RangeError);
  assert.equal(encodeUpdate(m, { ...EBGP, extendedMessage: true }).length, 19 + 4 + 14 + 1100 * 4);
});

test('decodeUpdate never throws on truncations of a valid message', () => {
  const full = encodeUpdate(
    {
      type: 2,
      withdrawn: [p('10.9.0.0/24')],
      attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: new Uint8Array([192, 0, 2, 1]), communities: [1, 2] },
      nlri: [p('10.1.0.0/24'), p('10.2.0.0/16')],
      mpReach: { afi: 2, safi: 1, nextHop: { global: new Uint8Array(16) }, nlri: [p('fd00:1::/64')] },
    },
    EBGP,
  ).subarray(19);
  for (let n = 0; n <= full.length; n++) {
    const d = decodeUpdate(full.subarray(0, n), EBGP);
    assert.ok(d.ok || d.error.code === 3);
  }
});
