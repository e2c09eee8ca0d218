/**
 * reliability.md §1.5 table D, attributes 14 and up: MP_REACH/MP_UNREACH, extended / IPv6 /
 * large communities, AS4_PATH / AS4_AGGREGATOR, Tunnel Encapsulation, BGP-LS, AIGP, OTC,
 * PREFIX_SID and unknown attributes (the §1.3 incident payloads 23, 28, 35, 40, 255). Pure: no I/O.
 */
import { L, attr, h16, ipHex, update, type Line } from './hex.js';
import { NH6, NLRI, NLRI6, NLRI6_TEXT, NLRI_TEXT, asPath, base, mpReach, nextHop, origin, rawAttr, type VecDef } from './common.js';

type Opt = Partial<Pick<VecDef, 'ctx' | 'withdraws' | 'checks'>>;
const D = (name: string, rfc: string, desc: string, expect: string, attrs: Line[], o: Opt = {}): VecDef => ({
  name, table: 'D', rfc, desc, expect, lines: update({ attrs, nlri: NLRI }), ...(expect.startsWith('treat') ? { withdraws: NLRI_TEXT } : {}), ...o,
});
const plus = (extra: Line[]): Line[] => [...base(false), ...extra];
const V6 = { ctx: 'ebgp as2 v6' };
/** An IPv6-only UPDATE whose MP_REACH is `mp`. */
const D6 = (name: string, rfc: string, desc: string, expect: string, mp: Line[], o: Opt = {}): VecDef => ({
  name, table: 'D', rfc, desc, expect, lines: update({ attrs: [...mp, ...origin(), ...asPath([[2, [65001]]], false)] }), ...V6, ...o,
});
const RD = 'reset-or-disable 3/*';
/** AS_PATH [65002 23456 65001] as a 2-octet speaker sends it when one ASN needs 4 octets. */
const AS2_WITH_TRANS = (): Line[] => [...origin(), ...asPath([[2, [65002, 23456, 65001]]], false), ...nextHop()];
const as4Path = (hex: string, note: string, flags = 0xc0): Line[] => rawAttr(flags, 17, hex, note);
const MERGED = 'as-path 2:65002,23456,65001';

export const optAttrCases: VecDef[] = [
  D6('attr-mpreach-nhlen-9', 'RFC 7606 §7.11', 'MP_REACH next-hop length 9', RD, mpReach(2, 1, [L(ipHex('2001:db8::1').slice(0, 18), 'nine octets')], NLRI6)),
  D6('attr-mpreach-nhlen-64-overrun', 'RFC 7606 §7.11', 'next-hop length 64 with 17 octets left in the attribute', RD,
    mpReach(2, 1, [L(ipHex('2001:db8::1') + '00', '17 octets')], [], { nhLen: 64 })),
  D6('attr-mpreach-nhlen-16-short', 'RFC 7606 §7.11', 'next-hop length 16 with 8 octets present and no NLRI', RD,
    mpReach(2, 1, [L('20010db800000000', 'eight octets')], [], { nhLen: 16 })),
  D6('attr-mpreach-nhlen-0-v6', 'RFC 7606 §7.11 (GoBGP 2026)', 'zero-length next hop for IPv6 unicast', RD, mpReach(2, 1, [], NLRI6)),
  D6('attr-mpreach-nhlen-4-v6', 'RFC 4760 §3, RFC 7606 §7.11', 'a 4-octet next hop for IPv6 unicast (no extended next hop)', RD,
    mpReach(2, 1, [L('c0000201', '192.0.2.1')], NLRI6)),
  D6('attr-mpreach-len-3', 'RFC 7606 §7.11', 'MP_REACH holding only AFI and SAFI', RD, rawAttr(0x80, 14, '000201', 'AFI 2 SAFI 1, nothing else')),
  D6('attr-mpreach-linklocal-ok', 'RFC 2545 §3', 'next-hop length 32: global + link-local', 'ok',
    mpReach(2, 1, [...NH6, L(ipHex('fe80::1'), 'link-local fe80::1')], NLRI6), { checks: [`mp-nlri ${NLRI6_TEXT}`] }),
  D6('attr-mpreach-reserved-nonzero-ok', 'RFC 4760 §3', 'reserved octet 0xff (ignored on receipt)', 'ok', mpReach(2, 1, NH6, NLRI6, { reserved: 0xff }),
    { checks: [`mp-nlri ${NLRI6_TEXT}`] }),
  D6('attr-mpunreach-len-2', 'RFC 7606 §7.12, RFC 4760 §7', 'MP_UNREACH of length 2', RD, rawAttr(0x80, 15, '0002', 'AFI only')),
  D('attr-extcomm-len-0', 'RFC 7606 §7.14', 'EXTENDED_COMMUNITIES of length 0', 'treat-as-withdraw', plus(rawAttr(0xc0, 16, '', ''))),
  D('attr-extcomm-len-7', 'RFC 7606 §7.14', 'EXTENDED_COMMUNITIES of length 7', 'treat-as-withdraw', plus(rawAttr(0xc0, 16, '0002fde9000001', 'seven octets'))),
  D('attr-extcomm-len-9', 'RFC 7606 §7.14', 'EXTENDED_COMMUNITIES of length 9', 'treat-as-withdraw', plus(rawAttr(0xc0, 16, '0002fde90000000100', 'nine octets'))),
  D('attr-extcomm-flag-nontransitive', 'RFC 7606 §3(c)', 'EXTENDED_COMMUNITIES with flags 0x80', 'treat-as-withdraw 3/4',
    plus(rawAttr(0x80, 16, '0002fde900000001', 'route target 65001:1'))),
  D('attr-extcomm-ok', 'RFC 4360', 'one route-target extended community', 'ok', plus(rawAttr(0xc0, 16, '0002fde900000001', 'route target 65001:1')),
    { checks: ['present 16'] }),
  D('attr-v6extcomm-len-0', 'RFC 7606 §7.15', 'IPv6 extended communities of length 0', 'treat-as-withdraw', plus(rawAttr(0xc0, 25, '', ''))),
  D('attr-v6extcomm-len-19', 'RFC 7606 §7.15', 'IPv6 extended communities of length 19', 'treat-as-withdraw', plus(rawAttr(0xc0, 25, '00'.repeat(19), '19 octets'))),
  D('attr-v6extcomm-ok', 'RFC 5701', 'one IPv6 extended community (20 octets)', 'ok', plus(rawAttr(0xc0, 25, '0002' + ipHex('2001:db8::1') + '0001', 'RT 2001:db8::1:1'))),
  D('attr-largecomm-len-0', 'RFC 8092 §6', 'LARGE_COMMUNITY of length 0', 'treat-as-withdraw', plus(rawAttr(0xc0, 32, '', ''))),
  D('attr-largecomm-len-11', 'RFC 8092 §6', 'LARGE_COMMUNITY of length 11', 'treat-as-withdraw', plus(rawAttr(0xc0, 32, '0000fde9000000010000ff', '11 octets'))),
  D('attr-largecomm-len-13', 'RFC 8092 §6', 'LARGE_COMMUNITY of length 13', 'treat-as-withdraw', plus(rawAttr(0xc0, 32, '0000fde9000000010000000200', '13 octets'))),
  D('attr-largecomm-flag-nontransitive', 'RFC 7606 §3(c)', 'LARGE_COMMUNITY with flags 0x80', 'treat-as-withdraw 3/4',
    plus(rawAttr(0x80, 32, '0000fde90000000100000002', '65001:1:2'))),
  D('attr-largecomm-ok', 'RFC 8092', 'one large community 65001:1:2', 'ok', plus(rawAttr(0xc0, 32, '0000fde90000000100000002', '65001:1:2')),
    { checks: ['large-communities 65001:1:2'] }),
  D('attr-as4path-merge-ok', 'RFC 6793 §4.2.3', 'AS_PATH [65002 23456 65001] + AS4_PATH [4200000001 65001]', 'ok',
    [...AS2_WITH_TRANS(), ...as4Path('0202fa56ea010000fde9', 'AS_SEQUENCE 4200000001 65001')], { checks: ['as-path 2:65002,4200000001,65001'] }),
  D('attr-as4path-longer-ignored', 'RFC 6793 §4.2.3', 'AS4_PATH longer than AS_PATH is ignored', 'ok',
    [...AS2_WITH_TRANS(), ...as4Path('0204' + 'fa56ea01'.repeat(4), 'AS_SEQUENCE of 4 ASNs')], { checks: [MERGED] }),
  D('attr-as4path-on-as4-session', 'RFC 6793 §4.1', 'AS4_PATH received on a 4-octet session is ignored', 'ok',
    [...origin(), ...asPath([[2, [65002, 65001]]], true), ...nextHop(), ...as4Path('0201fa56ea01', 'AS_SEQUENCE 4200000001')],
    { ctx: 'ebgp as4', checks: ['as-path 2:65002,65001'] }),
  D('attr-as4path-seg-type-0', 'RFC 6793 §6', 'AS4_PATH with segment type 0', 'discard 17 ; treat-as-withdraw',
    [...AS2_WITH_TRANS(), ...as4Path('0002fa56ea010000fde9', 'segment type 0')], { checks: [MERGED] }),
  D('attr-as4path-first-malformed', 'RFC 6793 §6 (GoBGP CVE-2026-41643)', 'malformed AS4_PATH placed before AS_PATH', 'discard 17 ; treat-as-withdraw',
    [...as4Path('02ff' + 'fa56ea01', 'segment length 255, one ASN'), ...AS2_WITH_TRANS()]),
  D('attr-as4path-flag-nontransitive', 'RFC 7606 §3(c), RFC 6793 §6', 'AS4_PATH with flags 0x80', 'discard 17 ; treat-as-withdraw',
    [...AS2_WITH_TRANS(), ...as4Path('0202fa56ea010000fde9', 'AS_SEQUENCE 4200000001 65001', 0x80)]),
  D('attr-as4path-len-odd', 'RFC 6793 §6', 'AS4_PATH of length 7', 'discard 17 ; treat-as-withdraw', [...AS2_WITH_TRANS(), ...as4Path('0201fa56ea0100', 'seven octets')]),
  D('attr-as4path-as0', 'RFC 7607 §2', 'AS4_PATH containing AS 0', 'discard 17 ; treat-as-withdraw', [...AS2_WITH_TRANS(), ...as4Path('0202' + '00000000' + '0000fde9', 'AS_SEQUENCE 0 65001')]),
  D('attr-as4path-confed', 'PSN-2009-01-200, RFC 6793 §6', 'AS4_PATH carrying ( 65490 65410 ) 8758 196621', 'ok ; discard 17',
    [...origin(), ...asPath([[2, [8758, 23456]]], false), ...nextHop(), ...as4Path('0302' + '0000ffd2' + '0000ff82' + '0202' + '00002236' + '0003000d', 'confed seq + seq')]),
  D('attr-as4aggr-len-6', 'RFC 6793 §6', 'AS4_AGGREGATOR of length 6', 'discard 18',
    plus([...rawAttr(0xc0, 7, h16(23456) + 'c0000209', 'AS_TRANS, 192.0.2.9'), ...rawAttr(0xc0, 18, 'fde9c0000209', 'six octets')]),
    { checks: ['aggregator 23456 192.0.2.9'] }),
  D('attr-as4aggr-len-9', 'RFC 6793 §6', 'AS4_AGGREGATOR of length 9', 'discard 18',
    plus([...rawAttr(0xc0, 7, h16(23456) + 'c0000209', 'AS_TRANS, 192.0.2.9'), ...rawAttr(0xc0, 18, 'fa56ea01c000020900', 'nine octets')]),
    { checks: ['aggregator 23456 192.0.2.9'] }),
  D('attr-as4aggr-as0', 'RFC 7607 §2', 'AS4_AGGREGATOR with AS 0', 'discard 18',
    plus([...rawAttr(0xc0, 7, h16(23456) + 'c0000209', 'AS_TRANS, 192.0.2.9'), ...rawAttr(0xc0, 18, '00000000c0000209', 'AS 0')])),
  D('attr-as4aggr-merge-ok', 'RFC 6793 §4.2.3', 'AGGREGATOR AS_TRANS + AS4_AGGREGATOR 4200000001', 'ok',
    plus([...rawAttr(0xc0, 7, h16(23456) + 'c0000209', 'AS_TRANS, 192.0.2.9'), ...rawAttr(0xc0, 18, 'fa56ea01c0000209', '4200000001, 192.0.2.9')]),
    { checks: ['aggregator 4200000001 192.0.2.9'] }),
  D('attr-tunnel-len-3', 'RFC 9012 §13 (CVE-2023-38802)', 'Tunnel Encapsulation of length 3', 'treat-as-withdraw', plus(rawAttr(0xc0, 23, '000800', 'three octets'))),
  D('attr-tunnel-outer-mismatch', 'RFC 9012 §13', 'tunnel TLV length 10 with 4 octets of value', 'treat-as-withdraw',
    plus(rawAttr(0xc0, 23, '0008000a' + '01020000', 'type 8 VXLAN, length 10, 4 octets'))),
  D('attr-tunnel-subtlv-overrun', 'RFC 9012 §13', 'sub-TLV length 10 inside a 4-octet tunnel TLV', 'treat-as-withdraw',
    plus(rawAttr(0xc0, 23, '00080004' + '010a0000', 'type 8, length 4: sub-TLV 1 length 10'))),
  D('attr-linkstate-tlv-overrun', 'RFC 9552 §8.2.2', 'BGP-LS TLV length 20 with 4 octets', 'discard 29', plus(rawAttr(0x80, 29, '04000014' + '00000000', 'TLV 1024 length 20'))),
  D('attr-linkstate-truncated-tlv', 'RFC 9552 §8.2.2', 'BGP-LS attribute of 3 octets', 'discard 29', plus(rawAttr(0x80, 29, '040000', 'truncated TLV header'))),
  D('attr-linkstate-flag-transitive', 'RFC 9552 §8.2.2', 'BGP-LS with flags 0xC0', 'discard 29', plus(rawAttr(0xc0, 29, '04000004' + '00000001', 'TLV 1024 length 4'))),
  D('attr-aigp-len-2', 'RFC 7311 §3', 'AIGP attribute of 2 octets', 'discard 26 ; treat-as-withdraw ; ok', plus(rawAttr(0x80, 26, '0100', 'truncated TLV'))),
  D('attr-aigp-tlv-overrun', 'RFC 7311 §3 (GoBGP PR #2381)', 'AIGP TLV length 0xffff', 'discard 26 ; treat-as-withdraw ; ok', plus(rawAttr(0x80, 26, '01ffff0000000000000064', 'TLV length 65535'))),
  D('attr-otc-len-3', 'RFC 9234 §5', 'OTC of length 3', 'treat-as-withdraw', plus(rawAttr(0xc0, 35, '00fde9', 'three octets'))),
  D('attr-otc-len-5', 'RFC 9234 §5', 'OTC of length 5', 'treat-as-withdraw', plus(rawAttr(0xc0, 35, '0000fde900', 'five octets'))),
  D('attr-otc-len-1024', 'RFC 9234 §5 (NZIX/INEX Oct 2025)', 'OTC of length 1024 as rebuilt by BIRD <= 2.0.8', 'treat-as-withdraw',
    plus(attr(0xd0, 35, [L('0000fde9', 'AS 65001'), L('00', 'padding octet', 1020)]))),
  D('attr-otc-value-0', 'RFC 9234 §5, RFC 7607', 'OTC carrying AS 0', 'treat-as-withdraw ; ok', plus(rawAttr(0xc0, 35, '00000000', 'AS 0'))),
  D('attr-otc-ok', 'RFC 9234 §5', 'OTC 65001', 'ok', plus(rawAttr(0xc0, 35, '0000fde9', 'AS 65001')), { checks: ['otc 65001'] }),
  D('attr-prefixsid-all-zero-28', 'RFC 8669 §6 (20 May 2025)', 'PREFIX_SID: 28 octets of 0x00', 'discard 40', plus(rawAttr(0xc0, 40, '00'.repeat(28), 'all zero'))),
  D('attr-prefixsid-tlv-overrun', 'RFC 8669 §6', 'PREFIX_SID label-index TLV length 7 with 3 octets', 'discard 40', plus(rawAttr(0xc0, 40, '010007' + '000000', 'TLV 1 length 7'))),
  D('attr-prefixsid-truncated-header', 'RFC 8669 §6', 'PREFIX_SID of 2 octets', 'discard 40', plus(rawAttr(0xc0, 40, '0100', 'half a TLV header'))),
  D('attr-prefixsid-flag-nontransitive', 'RFC 8669 §6 (FRR PR #15628)', 'PREFIX_SID with flags 0x80', 'discard 40',
    plus(rawAttr(0x80, 40, '010007' + '00' + '0000' + '00000064', 'label index 100'))),
  D('attr-prefixsid-valid-unlabeled', 'RFC 8669 §4', 'valid PREFIX_SID on IPv4 unicast (not labeled)', 'ok ; discard 40',
    plus(rawAttr(0xc0, 40, '010007' + '00' + '0000' + '00000064', 'label index 100')), { checks: [`nlri ${NLRI_TEXT}`] }),
  D('attr-28-transitive-empty', 'RFC 6790 §5 (2 Jun 2023)', 'deprecated attribute 28, optional transitive, length 0', 'ok', plus(rawAttr(0xc0, 28, '', ''))),
  D('attr-28-all-zero', 'RFC 7447 (2 Jun 2023)', 'attribute 28 with 8 zero octets', 'ok', plus(rawAttr(0xc0, 28, '00'.repeat(8), 'zeros')), { checks: [`nlri ${NLRI_TEXT}`] }),
  D('attr-255-transitive', 'CVE-2019-5892', 'attribute 255 (reserved for development), optional transitive', 'ok', plus(rawAttr(0xc0, 255, 'deadbeef', 'payload'))),
  D('attr-254-transitive', 'RFC 4271 §5', 'unknown optional transitive 254', 'ok', plus(rawAttr(0xc0, 254, '0102', 'payload')), { checks: ['unknown 254'] }),
  D('attr-30-31-transitive', 'RFC 4271 §5', 'unknown optional transitive 30 and 31', 'ok', plus([...rawAttr(0xc0, 30, '01', 'x'), ...rawAttr(0xe0, 31, '02', 'x')])),
  D('attr-unknown-partial', 'RFC 4271 §5', 'unknown optional transitive 250 with Partial set', 'ok', plus(rawAttr(0xe0, 250, 'ab', 'payload')), { checks: ['unknown 250'] }),
  D('attr-unknown-nontransitive', 'RFC 4271 §5', 'unknown optional non-transitive 253: ignored, not kept', 'ok', plus(rawAttr(0x80, 253, 'ab', 'payload')),
    { checks: ['absent 253', `nlri ${NLRI_TEXT}`] }),
  D('attr-unknown-wellknown', 'RFC 4271 §6.3 (GoBGP CVE-2026-41642)', 'unknown attribute 254 with the Optional bit clear', 'treat-as-withdraw 3/2',
    plus(rawAttr(0x40, 254, '01', 'payload'))),
  D('attr-unknown-wellknown-255', 'RFC 4271 §6.3', 'attribute 255 with flags 0x40', 'treat-as-withdraw 3/2', plus(rawAttr(0x40, 255, '', ''))),
  D('attr-unknown-extlen-large', 'RFC 4271 §4.3', 'unknown transitive attribute with 3000 octets (extended length)', 'ok', plus(rawAttr(0xd0, 251, '5a', 'payload', { repeat: 3000 }))),
];

