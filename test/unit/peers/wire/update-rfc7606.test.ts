/**
 * reliability.md §1.5 C (UPDATE framing), D (per attribute) and E (NLRI): one test per case,
 * checking the NOTIFICATION code/subcode and the RFC 7606 handling decodeUpdate chooses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isEndOfRib } from '../../../../peers/wire/update.js';
import {
  AS2,
  AS_PATH_65001,
  EBGP,
  IBGP,
  MANDATORY,
  NEXT_HOP,
  NLRI_24,
  ORIGIN_IGP,
  announce,
  attr,
  body,
  concat,
  decode,
  expectClean,
  expectDiscard,
  expectFail,
  expectWithdraw,
  hex,
  toHex,
} from './update-fixtures.js';

const NONE = new Uint8Array(0);
const V6_NH = '20010db8000000000000000000000001';
const mpReachV6 = (nlri = '40 fd000001 00000000'): Uint8Array => attr(0x80, 14, `0002 01 10 ${V6_NH} 00 ${nlri}`);

// ---- C. UPDATE framing ----

test('C: Withdrawn Routes Length overruns the message -> 3/1 reset', () => {
  expectFail(decode(hex`0010 0a 0000`), 1);
});

test('C: Total Attribute Length overruns the message -> 3/1 reset', () => {
  expectFail(decode(hex`0000 0040 40010100`), 1);
});

test('C: body shorter than the two length fields -> 3/1 reset', () => {
  expectFail(decode(hex`00`), 1);
});

test('C: last attribute overruns Total Attribute Length -> TaW, NLRI still found (§4)', () => {
  const attrs = concat(MANDATORY, hex`c0 08 08 fde80001`); // COMMUNITIES claims 8, has 4
  const d = decode(body(NONE, attrs, NLRI_24));
  expectWithdraw(d, 1);
  assert.equal(d.ok && d.value.nlri.length, 1);
});

test('C: 1-2 octets left after the last attribute -> TaW (§4)', () => {
  expectWithdraw(decode(body(NONE, concat(MANDATORY, hex`c0 08`), NLRI_24)), 1);
  expectWithdraw(decode(body(NONE, concat(MANDATORY, hex`c0`), NLRI_24)), 1);
});

test('C: 3 octets left with Extended Length set -> TaW (§4)', () => {
  expectWithdraw(decode(body(NONE, concat(MANDATORY, hex`d0 08 00`), NLRI_24)), 1);
});

test('C: duplicate ORIGIN -> first kept, rest discarded (§3(g))', () => {
  const m = expectDiscard(decode(announce(hex`40 01 01 02`)), 1, 1);
  assert.equal(m.attrs.origin, 0);
});

test('C: duplicate COMMUNITIES -> first kept (§3(g))', () => {
  const m = expectDiscard(decode(announce(hex`c0 08 04 00000001`, hex`c0 08 04 00000002`)), 1, 8);
  assert.deepEqual(m.attrs.communities, [1]);
});

test('C: duplicate unknown attribute -> first kept (§3(g))', () => {
  const m = expectDiscard(decode(announce(hex`c0 fe 01 01`, hex`c0 fe 01 02`)), 1, 0xfe);
  assert.deepEqual(m.attrs.unknown?.map((u) => toHex(u.value)), ['01']);
});

test('C: duplicate MP_REACH_NLRI -> 3/1 reset', () => {
  expectFail(decode(body(NONE, concat(mpReachV6(), mpReachV6(), ORIGIN_IGP, AS_PATH_65001), NONE)), 1);
});

test('C: duplicate MP_UNREACH_NLRI -> 3/1 reset', () => {
  const un = attr(0x80, 15, '0002 01');
  expectFail(decode(body(NONE, concat(un, un), NONE)), 1);
});

test('C: ORIGIN marked optional (0xC0) -> TaW 3/4 (§3(c))', () => {
  expectWithdraw(decode(body(NONE, concat(hex`c0 01 01 00`, AS_PATH_65001, NEXT_HOP), NLRI_24)), 4, 1);
});

test('C: ORIGIN marked partial (0x60) -> TaW 3/4', () => {
  expectWithdraw(decode(body(NONE, concat(hex`60 01 01 00`, AS_PATH_65001, NEXT_HOP), NLRI_24)), 4, 1);
});

test('C: MED marked transitive -> TaW 3/4', () => {
  expectWithdraw(decode(announce(hex`c0 04 04 00000064`)), 4, 4);
});

test('C: COMMUNITIES marked non-transitive -> TaW 3/4', () => {
  expectWithdraw(decode(announce(hex`80 08 04 00000001`)), 4, 8);
});

test('C: low 4 flag bits set (0xC8, the 2012 OpenBGPD incident) -> ignored, processed normally', () => {
  const m = expectClean(decode(body(NONE, concat(hex`4f 01 01 00`, AS_PATH_65001, NEXT_HOP, hex`c8 08 04 00000001`), NLRI_24)));
  assert.deepEqual(m.attrs.communities, [1]);
});

test('C: Extended Length bit on a short attribute -> valid', () => {
  const m = expectClean(decode(announce(hex`d0 08 0004 00000001`)));
  assert.deepEqual(m.attrs.communities, [1]);
});

test('C: attribute type 0 -> discarded, route kept', () => {
  expectDiscard(decode(announce(hex`c0 00 01 00`)), 1, 0);
});

test('C: missing ORIGIN with NLRI -> TaW 3/3, data = type 1 (§3(d))', () => {
  const w = expectWithdraw(decode(body(NONE, concat(AS_PATH_65001, NEXT_HOP), NLRI_24)), 3, 1);
  assert.equal(toHex(w.data), '01');
});

test('C: missing AS_PATH with NLRI -> TaW 3/3, data = type 2', () => {
  const w = expectWithdraw(decode(body(NONE, concat(ORIGIN_IGP, NEXT_HOP), NLRI_24)), 3, 2);
  assert.equal(toHex(w.data), '02');
});

test('C: missing NEXT_HOP with IPv4 NLRI and no MP_REACH -> TaW 3/3, data = type 3', () => {
  const w = expectWithdraw(decode(body(NONE, concat(ORIGIN_IGP, AS_PATH_65001), NLRI_24)), 3, 3);
  assert.equal(toHex(w.data), '03');
});

test('C: IPv6 MP_REACH without NEXT_HOP -> valid, not withdrawn', () => {
  const m = expectClean(decode(body(NONE, concat(mpReachV6(), ORIGIN_IGP, AS_PATH_65001), NONE)));
  assert.equal(m.mpReach?.nlri.length, 1);
});

test('C: iBGP without LOCAL_PREF -> valid (RFC 7606 does not require it)', () => {
  expectClean(decode(announce(), IBGP));
});

test('C: attribute error and no NLRI at all -> reset (§5.2, BIRD), the same on every run', () => {
  const b = body(hex`18 0a0100`, hex`40 01 01 07`, NONE); // withdraw-only UPDATE, ORIGIN value 7
  const first = expectFail(decode(b), 6);
  for (let i = 0; i < 3; i++) assert.deepEqual(expectFail(decode(b), 6), first);
  // Discard-level errors on a withdraw-only UPDATE are not a reset.
  const d = decode(body(hex`18 0a0100`, hex`40 06 01 00`, NONE));
  assert.ok(d.ok && d.value.treatAsWithdraw === undefined && d.warnings.length === 1);
});

test('C: empty UPDATE (23 bytes) = IPv4 End-of-RIB', () => {
  const m = expectClean(decode(hex`0000 0000`));
  assert.deepEqual(isEndOfRib(m), { afi: 1, safi: 1 });
});

test('C: MP_UNREACH with only AFI/SAFI = End-of-RIB for that family', () => {
  const m = expectClean(decode(body(NONE, attr(0x80, 15, '0002 01'), NONE)));
  assert.deepEqual(isEndOfRib(m), { afi: 2, safi: 1 });
  assert.equal(isEndOfRib(expectClean(decode(announce()))), null);
});

// ---- D. Per attribute ----

test('D: ORIGIN length 0 / 2 -> TaW 3/5', () => {
  for (const o of [hex`40 01 00`, hex`40 01 02 0000`]) {
    expectWithdraw(decode(body(NONE, concat(o, AS_PATH_65001, NEXT_HOP), NLRI_24)), 5, 1);
  }
});

test('D: ORIGIN value 3 / 4 / 255 -> TaW 3/6', () => {
  for (const v of ['03', '04', 'ff']) {
    expectWithdraw(decode(body(NONE, concat(hex`40 01 01 ${v}`, AS_PATH_65001, NEXT_HOP), NLRI_24)), 6, 1);
  }
});

function withAsPath(value: string, ctx = EBGP) {
  return decode(body(NONE, concat(ORIGIN_IGP, attr(0x40, 2, value), NEXT_HOP), NLRI_24), ctx);
}

test('D: AS_PATH segment type 0 / 5 -> TaW 3/11', () => {
  expectWithdraw(withAsPath('00 01 0000fde9'), 11, 2);
  expectWithdraw(withAsPath('05 01 0000fde9'), 11, 2);
});

test('D: AS_PATH segment length 0 -> TaW 3/11', () => {
  expectWithdraw(withAsPath('02 00'), 11, 2);
});

test('D: AS_PATH segment length 0xff overrunning the attribute -> TaW 3/11', () => {
  expectWithdraw(withAsPath('02 ff 0000fde9'), 11, 2);
});

test('D: AS_PATH containing AS 0 (RFC 7607) -> TaW 3/11', () => {
  expectWithdraw(withAsPath('02 02 0000fde9 00000000'), 11, 2);
});

test('D: AS_PATH confed segment from an eBGP peer -> TaW 3/11 (BIRD); accepted from iBGP', () => {
  expectWithdraw(withAsPath('03 01 0000fc00 02 01 0000fde9'), 11, 2);
  expectClean(withAsPath('03 01 0000fc00 02 01 0000fde9', IBGP));
});

test('D: AS_PATH size: 1,000+ ASNs, 255 x 255 two-octet segments, > 2,048 with Extended Message -> no crash', () => {
  const seg4 = (n: number): string => `02 ${n.toString(16).padStart(2, '0')} ${'0000fde9'.repeat(n)}`;
  const big4 = Array.from({ length: 5 }, () => seg4(255)).join(' ');
  const m1 = expectClean(decode(body(NONE, concat(ORIGIN_IGP, attr(0x50, 2, big4), NEXT_HOP), NLRI_24)));
  assert.equal(m1.attrs.asPath?.reduce((n, s) => n + s.asns.length, 0), 1275);
  const seg2 = `02 ff ${'fde9'.repeat(255)}`;
  const m2 = decode(body(NONE, concat(ORIGIN_IGP, attr(0x50, 2, Array(7).fill(seg2).join(' ')), NEXT_HOP), NLRI_24), AS2);
  assert.ok(m2.ok);
  const ext = { ...EBGP, extendedMessage: true };
  const huge = Array.from({ length: 10 }, () => seg4(255)).join(' ');
  const m3 = expectClean(decode(body(NONE, concat(ORIGIN_IGP, attr(0x50, 2, huge), NEXT_HOP), NLRI_24), ext));
  assert.equal(m3.attrs.asPath?.reduce((n, s) => n + s.asns.length, 0), 2550);
});

function withNextHop(value: string) {
  return decode(body(NONE, concat(ORIGIN_IGP, AS_PATH_65001, attr(0x40, 3, value)), NLRI_24));
}

test('D: NEXT_HOP length 3 / 5 -> TaW 3/5 (GoBGP CVE-2026-30405)', () => {
  expectWithdraw(withNextHop('c00002'), 5, 3);
  expectWithdraw(withNextHop('c0000201 01'), 5, 3);
});

test('D: NEXT_HOP 0.0.0.0 / 127.0.0.1 / 224.0.0.1 (martians) -> TaW 3/8', () => {
  for (const nh of ['00000000', '7f000001', 'e0000001']) expectWithdraw(withNextHop(nh), 8, 3);
});

test('D: MED length 0 / 3 / 5 -> TaW 3/5', () => {
  for (const v of ['', '000001', '0000000001']) expectWithdraw(decode(announce(attr(0x80, 4, v))), 5, 4);
});

test('D: LOCAL_PREF length 0 / 3 / 5 from iBGP -> TaW 3/5', () => {
  for (const v of ['', '000064', '0000000064']) expectWithdraw(decode(announce(attr(0x40, 5, v)), IBGP), 5, 5);
});

test('D: LOCAL_PREF from eBGP -> ignored (well-formed) / discarded (malformed)', () => {
  const m = expectClean(decode(announce(attr(0x40, 5, '00000064'))));
  assert.equal(m.attrs.localPref, undefined);
  const d = expectDiscard(decode(announce(attr(0x40, 5, '000064'))), 5, 5);
  assert.equal(d.attrs.localPref, undefined);
});

test('D: ATOMIC_AGGREGATE length 1 -> discard 3/5', () => {
  const m = expectDiscard(decode(announce(hex`40 06 01 00`)), 5, 6);
  assert.equal(m.attrs.atomicAggregate, undefined);
});

test('D: AGGREGATOR length 5 / 7 / 9 -> discard 3/5', () => {
  for (const v of ['0000fde9c0', '0000fde9c00002', '0000fde9c000020101']) expectDiscard(decode(announce(attr(0xc0, 7, v))), 5, 7);
});

test('D: AGGREGATOR AS 0 -> discard', () => {
  const m = expectDiscard(decode(announce(attr(0xc0, 7, '00000000 c0000201'))), 9, 7);
  assert.equal(m.attrs.aggregator, undefined);
});

test('D: AS4_AGGREGATOR length 7 / 9 or AS 0 on a 2-octet session -> discard', () => {
  const as2 = (a: Uint8Array) => decode(body(NONE, concat(ORIGIN_IGP, hex`40 02 04 02 01 fde9`, NEXT_HOP, a), NLRI_24), AS2);
  expectDiscard(as2(attr(0xc0, 18, 'fa56ea01 c00002')), 5, 18);
  expectDiscard(as2(attr(0xc0, 18, 'fa56ea01 c000020101')), 5, 18);
  expectDiscard(as2(attr(0xc0, 18, '00000000 c0000201')), 9, 18);
});

test('D: COMMUNITIES length 0 / 5 -> TaW 3/5', () => {
  expectWithdraw(decode(announce(attr(0xc0, 8, ''))), 5, 8);
  expectWithdraw(decode(announce(attr(0xc0, 8, '0000000101'))), 5, 8);
});

test('D: ORIGINATOR_ID length 3 / 5 -> discard from eBGP, TaW from iBGP', () => {
  for (const v of ['c00002', 'c000020101']) {
    expectDiscard(decode(announce(attr(0x80, 9, v))), 5, 9);
    expectWithdraw(decode(announce(attr(0x80, 9, v)), IBGP), 5, 9);
  }
});

test('D: CLUSTER_LIST length 0 / 5 -> discard from eBGP, TaW from iBGP', () => {
  for (const v of ['', 'c000020101']) {
    expectDiscard(decode(announce(attr(0x80, 10, v))), 5, 10);
    expectWithdraw(decode(announce(attr(0x80, 10, v)), IBGP), 5, 10);
  }
});

test('D: ORIGINATOR_ID / CLUSTER_LIST well-formed from eBGP -> disregarded', () => {
  const m = expectClean(decode(announce(attr(0x80, 9, 'c0000201'), attr(0x80, 10, '01010101'))));
  assert.equal(m.attrs.originatorId, undefined);
  assert.equal(m.attrs.clusterList, undefined);
});

function mpOnly(mp: Uint8Array, ctx = EBGP) {
  return decode(body(NONE, concat(mp, ORIGIN_IGP, AS_PATH_65001), NONE), ctx);
}

test('D: MP_REACH next-hop length 9 -> 3/1 reset (§7.11)', () => {
  expectFail(mpOnly(attr(0x80, 14, `0002 01 09 ${'00'.repeat(9)} 00 40 fd000001 00000000`)), 1);
});

test('D: MP_REACH next-hop length 64 with 17 octets left -> 3/1 reset', () => {
  expectFail(mpOnly(attr(0x80, 14, `0002 01 40 ${'00'.repeat(17)}`)), 1);
});

test('D: MP_REACH next-hop length 16 with 8 octets present and no NLRI -> 3/1 reset', () => {
  expectFail(mpOnly(attr(0x80, 14, `0002 01 10 ${'00'.repeat(8)}`)), 1);
});

test('D: MP_REACH zero-length next hop -> 3/1 reset', () => {
  expectFail(mpOnly(attr(0x80, 14, '0002 01 00 00 40 fd000001 00000000')), 1);
});

test('D: MP_REACH shorter than its fixed fields -> 3/1 reset', () => {
  expectFail(mpOnly(attr(0x80, 14, '0002 01 10')), 1);
});

test('D: MP_REACH for an AFI/SAFI that was not negotiated -> afisafi-disable 3/9', () => {
  const e = expectFail(mpOnly(attr(0x80, 14, '0001 85 04 c0000201 00 00')), 9, 'afisafi-disable'); // flowspec, len 0 NLRI
  assert.equal(e.family, (1 << 8) | 0x85);
  const v4only = { ...EBGP, families: new Set([(1 << 8) | 1]) };
  expectFail(mpOnly(mpReachV6(), v4only), 9, 'afisafi-disable');
});

test('D: MP_UNREACH withdrawn claims /64 with 4 octets of prefix -> 3/9 reset', () => {
  expectFail(decode(body(NONE, attr(0x80, 15, '0002 01 40 fd000001'), NONE)), 9);
});

test('D: EXTENDED_COMMUNITIES length 0 / 7 / non-transitive -> TaW', () => {
  expectWithdraw(decode(announce(attr(0xc0, 16, ''))), 5, 16);
  expectWithdraw(decode(announce(attr(0xc0, 16, '00020000000001'))), 5, 16);
  expectWithdraw(decode(announce(attr(0x80, 16, '0002fde900000064'))), 4, 16);
});

test('D: IPv6 EXTENDED_COMMUNITIES (25) length 0 / 19 -> TaW; well-formed -> not kept', () => {
  expectWithdraw(decode(announce(attr(0xc0, 25, ''))), 5, 25);
  expectWithdraw(decode(announce(attr(0xc0, 25, '00'.repeat(19)))), 5, 25);
  const m = expectClean(decode(announce(attr(0xc0, 25, '00'.repeat(20)))));
  assert.equal(m.attrs.unknown, undefined);
});

test('D: LARGE_COMMUNITY length 0 / 11 / non-transitive -> TaW', () => {
  expectWithdraw(decode(announce(attr(0xc0, 32, ''))), 5, 32);
  expectWithdraw(decode(announce(attr(0xc0, 32, '00'.repeat(11)))), 5, 32);
  expectWithdraw(decode(announce(attr(0x80, 32, '00'.repeat(12)))), 4, 32);
});

test('D: AS4_PATH segment type 0 on a 2-octet session -> discarded, AS_PATH used', () => {
  const b = body(NONE, concat(ORIGIN_IGP, hex`40 02 04 02 01 5ba0`, NEXT_HOP, attr(0xc0, 17, '00 01 fa56ea01')), NLRI_24);
  const m = expectDiscard(decode(b, AS2), 11, 17);
  assert.deepEqual(m.attrs.asPath, [{ type: 2, asns: [23456] }]);
});

test('D: AS4_PATH marked non-transitive -> discarded', () => {
  const b = body(NONE, concat(ORIGIN_IGP, hex`40 02 04 02 01 5ba0`, NEXT_HOP, attr(0x80, 17, '02 01 fa56ea01')), NLRI_24);
  expectDiscard(decode(b, AS2), 4, 17);
});

test('D: malformed AS4_PATH placed before AS_PATH (GoBGP CVE-2026-41643) -> discarded, no crash', () => {
  const b = body(NONE, concat(attr(0xc0, 17, '02 05 fa56ea01'), ORIGIN_IGP, hex`40 02 04 02 01 fde9`, NEXT_HOP), NLRI_24);
  const m = expectDiscard(decode(b, AS2), 11, 17);
  assert.deepEqual(m.attrs.asPath, [{ type: 2, asns: [65001] }]);
});

test('D: Tunnel Encapsulation (23) length 3 / outer-length mismatch / sub-TLV overrun -> TaW', () => {
  expectWithdraw(decode(announce(attr(0xc0, 23, '000700'))), 5, 23);
  expectWithdraw(decode(announce(attr(0xc0, 23, '0007 0010 01 02 0000'))), 5, 23);
  expectWithdraw(decode(announce(attr(0xc0, 23, '0007 0004 01 05 0000'))), 5, 23);
  const m = expectClean(decode(announce(attr(0xc0, 23, '0007 0004 01 02 0000'))));
  assert.equal(m.attrs.unknown, undefined);
});

test('D: BGP-LS (29) TLV overrun / truncated TLV / transitive flag -> discard', () => {
  expectDiscard(decode(announce(attr(0x80, 29, '0400 0010 00'))), 5, 29);
  expectDiscard(decode(announce(attr(0x80, 29, '0400 00'))), 5, 29);
  expectDiscard(decode(announce(attr(0xc0, 29, '0400 0000'))), 4, 29);
});

test('D: OTC (35) length 3 / 5 / 1024, value 0 -> TaW', () => {
  expectWithdraw(decode(announce(attr(0xc0, 35, '00fde9'))), 5, 35);
  expectWithdraw(decode(announce(attr(0xc0, 35, '0000fde900'))), 5, 35);
  expectWithdraw(decode(announce(attr(0xd0, 35, '00'.repeat(1024)))), 5, 35);
  expectWithdraw(decode(announce(attr(0xc0, 35, '00000000'))), 9, 35);
});

test('D: PREFIX_SID (40) all-zero 28 octets (May 2025) / TLV overrun / truncated -> discard, not propagated', () => {
  const m = expectDiscard(decode(announce(attr(0xc0, 40, '00'.repeat(28)))), 9, 40);
  assert.equal(m.attrs.unknown, undefined);
  expectDiscard(decode(announce(attr(0xc0, 40, '01 0010 00'))), 5, 40);
  expectDiscard(decode(announce(attr(0xc0, 40, '01 00'))), 5, 40);
});

test('D: AIGP (26) malformed TLV -> discard', () => {
  expectDiscard(decode(announce(attr(0x80, 26, '01 000b 0000'))), 5, 26);
});

test('D: unknown optional transitive (0xFE, 28, 30, 31, 255) -> kept with Partial set, session up', () => {
  for (const type of [0xfe, 28, 30, 31, 255]) {
    const m = expectClean(decode(announce(attr(0xc0, type, 'abcd'))));
    assert.deepEqual(m.attrs.unknown, [{ flags: 0xe0, type, value: hex`abcd` }]);
  }
});

test('D: unknown optional non-transitive (0xFD) -> ignored, not kept', () => {
  const m = expectClean(decode(announce(attr(0x80, 0xfd, 'abcd'))));
  assert.equal(m.attrs.unknown, undefined);
});

test('D: unknown well-known (Optional bit clear) -> TaW 3/2 (GoBGP CVE-2026-41642)', () => {
  const w = expectWithdraw(decode(announce(attr(0x40, 0xfc, 'abcd'))), 2, 0xfc);
  assert.equal(toHex(w.data), '40fc02abcd');
});

// ---- E. NLRI and withdrawn routes ----

test('E: IPv4 NLRI prefix length 33 / 255 -> 3/10 reset', () => {
  expectFail(decode(body(NONE, MANDATORY, hex`21 0a010000 00`)), 10);
  expectFail(decode(body(NONE, MANDATORY, hex`ff 0a010000`)), 10);
});

test('E: withdrawn prefix length 33 -> 3/10 reset', () => {
  expectFail(decode(body(hex`21 0a010000 00`, NONE, NONE)), 10);
});

test('E: IPv6 prefix length 129 inside MP_REACH -> reset', () => {
  expectFail(mpOnly(mpReachV6(`81 ${'00'.repeat(17)}`)), 9);
});

test('E: prefix length byte with too few octets (IPv4-nlrilen, plen1-short) -> 3/10 reset', () => {
  expectFail(decode(body(NONE, MANDATORY, hex`18 0a01`)), 10);
  expectFail(decode(body(NONE, MANDATORY, hex`18`)), 10);
});

test('E: host bits set past the length (10.1.1.1/8) -> masked to 10.0.0.0/8', () => {
  const m = expectClean(decode(body(NONE, MANDATORY, hex`08 0a`)));
  const n = expectClean(decode(body(NONE, MANDATORY, hex`0f 0a01`)));
  assert.equal(toHex(m.nlri[0]?.addr ?? new Uint8Array()), '0a000000');
  assert.equal(toHex(n.nlri[0]?.addr ?? new Uint8Array()), '0a000000');
});

test('E: prefix length 0 (0.0.0.0/0) -> valid encoding', () => {
  const m = expectClean(decode(body(NONE, MANDATORY, hex`00`)));
  assert.equal(m.nlri[0]?.len, 0);
});

test('E: the same prefix in withdrawn and NLRI -> both reported (engine applies withdrawn first)', () => {
  const m = expectClean(decode(body(NLRI_24, MANDATORY, NLRI_24)));
  assert.equal(m.withdrawn.length, 1);
  assert.equal(m.nlri.length, 1);
});

test('E: flowspec NLRI of length 0 for a family not negotiated -> afisafi-disable, no crash', () => {
  expectFail(decode(body(NONE, attr(0x80, 15, '0001 85'), NONE)), 9, 'afisafi-disable');
});

test('several errors: the strongest wins (discard + TaW -> TaW; TaW + reset -> reset)', () => {
  const d = decode(announce(hex`40 06 01 00`, attr(0xc0, 8, '')));
  expectWithdraw(d, 5, 8);
  assert.ok(d.ok && d.warnings.some((w) => w.handling === 'attribute-discard'));
  expectFail(decode(body(NONE, concat(hex`40 01 01 07`, AS_PATH_65001, NEXT_HOP, mpReachV6(), mpReachV6()), NLRI_24)), 1);
});
