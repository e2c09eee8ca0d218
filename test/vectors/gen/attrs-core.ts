/**
 * reliability.md §1.5 table D, attributes 1-10: ORIGIN, AS_PATH (incl. the > 1000 and > 2048 ASN
 * paths), NEXT_HOP, MED, LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES, ORIGINATOR_ID,
 * CLUSTER_LIST. Pure: no I/O.
 */
import { L, attr, h16, h32, type Line, update } from './hex.js';
import { NLRI, NLRI_TEXT, asPath, base, communities, localPref, nextHop, origin, rawAttr, segs, type Seg, type VecDef } from './common.js';

type Opt = Partial<Pick<VecDef, 'ctx' | 'withdraws' | 'checks'>>;
const D = (name: string, rfc: string, desc: string, expect: string, attrs: Line[], o: Opt = {}): VecDef => ({
  name, table: 'D', rfc, desc, expect, lines: update({ attrs, nlri: NLRI }), ...(expect.startsWith('treat') ? { withdraws: NLRI_TEXT } : {}), ...o,
});
const plus = (extra: Line[], as4 = false): Line[] => [...base(as4), ...extra];
const noOrigin = (o: Line[]): Line[] => [...o, ...base(false, { origin: false })];
const noPath = (p: Line[]): Line[] => [...origin(), ...p, ...nextHop()];
const noNh = (n: Line[]): Line[] => [...base(false, { nextHop: false }), ...n];
const IBGP = { ctx: 'ibgp as2' };
const AS4 = { ctx: 'ebgp as4' };

/** n ASNs 65001.. split into AS_SEQUENCE segments of at most 255. */
function longPath(n: number): Seg[] {
  const out: Seg[] = [];
  for (let i = 0; i < n; i += 255) out.push([2, Array.from({ length: Math.min(255, n - i) }, (_, k) => 65001 + ((i + k) % 400))]);
  return out;
}
/** `count` segments of 255 copies of one 2-octet ASN, written with the repeat syntax. */
function repeatedSegs(count: number): Line[] {
  const out: Line[] = [];
  for (let i = 0; i < count; i++) out.push(L('02ff', `segment AS_SEQUENCE ${i + 1}/${count}, 255 ASNs`), L('fde9', '  AS 65001', 255));
  return out;
}

export const coreAttrCases: VecDef[] = [
  D('attr-origin-len-0', 'RFC 7606 §7.1', 'ORIGIN of length 0', 'treat-as-withdraw 3/5', noOrigin(origin(0, 0x40, { raw: '' }))),
  D('attr-origin-len-2', 'RFC 7606 §7.1', 'ORIGIN of length 2', 'treat-as-withdraw 3/5', noOrigin(origin(0, 0x40, { raw: '0000' }))),
  D('attr-origin-value-3', 'RFC 7606 §7.1', 'ORIGIN value 3', 'treat-as-withdraw 3/6', noOrigin(origin(3))),
  D('attr-origin-value-4', 'RFC 7606 §7.1', 'ORIGIN value 4', 'treat-as-withdraw 3/6', noOrigin(origin(4))),
  D('attr-origin-value-255', 'RFC 7606 §7.1', 'ORIGIN value 255', 'treat-as-withdraw 3/6', noOrigin(origin(255))),
  D('attr-aspath-seg-type-0', 'RFC 7606 §7.2', 'AS_PATH segment type 0', 'treat-as-withdraw 3/11', noPath(asPath([[0, [65001]]], false))),
  D('attr-aspath-seg-type-5', 'RFC 7606 §7.2', 'AS_PATH segment type 5', 'treat-as-withdraw 3/11', noPath(asPath([[5, [65001]]], false))),
  D('attr-aspath-seg-len-0', 'RFC 7606 §7.2', 'AS_SEQUENCE with segment length 0', 'treat-as-withdraw 3/11', noPath(asPath([[2, []]], false))),
  D('attr-aspath-seg-overrun', 'RFC 7606 §7.2', 'segment length 255 with one ASN present', 'treat-as-withdraw 3/11',
    noPath(attr(0x40, 2, segs([[2, [65001]]], false, { count: 255 })))),
  D('attr-aspath-trailing-octet', 'RFC 7606 §7.2', 'a single octet left after the last segment', 'treat-as-withdraw 3/11',
    noPath(attr(0x40, 2, [...segs([[2, [65001]]], false), L('02', 'stray octet')]))),
  D('attr-aspath-as0', 'RFC 7607 §2', 'AS 0 in an AS_SEQUENCE', 'treat-as-withdraw 3/11', noPath(asPath([[2, [65001, 0]]], false))),
  D('attr-aspath-as0-as4', 'RFC 7607 §2', 'AS 0 in a 4-octet AS_SEQUENCE', 'treat-as-withdraw 3/11',
    [...origin(), ...asPath([[2, [0, 65001]]], true), ...nextHop()], AS4),
  D('attr-aspath-confed-seq-ebgp', 'RFC 5065 §5', 'AS_CONFED_SEQUENCE from an eBGP peer', 'treat-as-withdraw 3/11', noPath(asPath([[3, [65010]], [2, [65001]]], false))),
  D('attr-aspath-confed-set-ebgp', 'RFC 5065 §5', 'AS_CONFED_SET from an eBGP peer', 'treat-as-withdraw 3/11', noPath(asPath([[4, [65010, 65011]], [2, [65001]]], false))),
  D('attr-aspath-confed-seq-ibgp-ok', 'RFC 5065 §5', 'AS_CONFED_SEQUENCE from an iBGP peer', 'ok', noPath(asPath([[3, [65010]], [2, [65001]]], false)),
    { ...IBGP, checks: ['as-path 3:65010 2:65001'] }),
  D('attr-aspath-as4-bytes-on-as2', 'RFC 7606 §7.2', '4-octet encoding received on a 2-octet session', 'treat-as-withdraw 3/11',
    noPath(attr(0x40, 2, segs([[2, [4200000001]]], true)))),
  D('attr-aspath-as2-bytes-on-as4', 'RFC 7606 §7.2', '2-octet encoding (2 ASNs) received on a 4-octet session', 'treat-as-withdraw 3/11',
    noPath(attr(0x40, 2, segs([[2, [65001, 65002]]], false))), AS4),
  D('attr-aspath-empty-ibgp-ok', 'RFC 4271 §5.1.2', 'empty AS_PATH from an iBGP peer', 'ok', noPath(attr(0x40, 2, [])), { ...IBGP, checks: ['as-path-count 0'] }),
  D('attr-aspath-set-ok', 'RFC 4271 §4.3', 'AS_SET {65001 65002}', 'ok', noPath(asPath([[2, [65003]], [1, [65001, 65002]]], false)),
    { checks: ['as-path 2:65003 1:65001,65002'] }),
  D('attr-aspath-1001-asns', 'cisco-sa-20090729-bgp', 'AS_PATH with 1001 4-octet ASNs in 4 segments', 'ok',
    [...origin(), ...asPath(longPath(1001), true, 0x50), ...nextHop()], { ...AS4, checks: ['as-path-count 1001'] }),
  D('attr-aspath-1785-as2', 'RFC 4271 §4.3', 'seven full 255-ASN 2-octet segments', 'ok',
    [...origin(), ...attr(0x50, 2, repeatedSegs(7)), ...nextHop()], { checks: ['as-path-count 1785'] }),
  D('attr-aspath-2049-ext', 'CVE-2026-49943', 'AS_PATH with 2049 4-octet ASNs (Extended Message)', 'ok',
    [...origin(), ...asPath(longPath(2049), true, 0x50), ...nextHop()], { ctx: 'ebgp as4 ext', checks: ['as-path-count 2049'] }),
  D('attr-aspath-2049-no-ext', 'RFC 8654 §4', 'the 2049-ASN UPDATE (> 4096 bytes) without Extended Message', 'session-reset 1/2',
    [...origin(), ...asPath(longPath(2049), true, 0x50), ...nextHop()], AS4),
  D('attr-aspath-127x255-ext', 'reliability.md §1.5 D', '127 full 255-ASN 2-octet segments (32385 ASNs, Extended Message)', 'ok',
    [...origin(), ...attr(0x50, 2, repeatedSegs(127)), ...nextHop()], { ctx: 'ebgp as2 ext', checks: ['as-path-count 32385'] }),
  D('attr-nexthop-len-0', 'RFC 7606 §7.3', 'NEXT_HOP of length 0', 'treat-as-withdraw 3/5', noNh(nextHop('', 0x40, { raw: '' }))),
  D('attr-nexthop-len-3', 'RFC 7606 §7.3 (CVE-2026-30405)', 'NEXT_HOP of length 3', 'treat-as-withdraw 3/5', noNh(nextHop('', 0x40, { raw: 'c00002' }))),
  D('attr-nexthop-len-5', 'RFC 7606 §7.3', 'NEXT_HOP of length 5', 'treat-as-withdraw 3/5', noNh(nextHop('', 0x40, { raw: 'c000020100' }))),
  D('attr-nexthop-len-16', 'RFC 7606 §7.3', 'an IPv6 address in NEXT_HOP', 'treat-as-withdraw 3/5', noNh(nextHop('', 0x40, { raw: '20010db8' + '0'.repeat(22) + '01' }))),
  D('attr-nexthop-zero', 'RFC 4271 §6.3', 'NEXT_HOP 0.0.0.0', 'treat-as-withdraw 3/8', noNh(nextHop('0.0.0.0'))),
  D('attr-nexthop-loopback', 'RFC 4271 §6.3', 'NEXT_HOP 127.0.0.1', 'treat-as-withdraw 3/8', noNh(nextHop('127.0.0.1'))),
  D('attr-nexthop-multicast', 'RFC 4271 §6.3', 'NEXT_HOP 224.0.0.1', 'treat-as-withdraw 3/8', noNh(nextHop('224.0.0.1'))),
  D('attr-nexthop-broadcast', 'RFC 4271 §6.3', 'NEXT_HOP 255.255.255.255', 'treat-as-withdraw 3/8', noNh(nextHop('255.255.255.255'))),
  D('attr-med-len-0', 'RFC 7606 §7.4', 'MED of length 0', 'treat-as-withdraw 3/5', plus(rawAttr(0x80, 4, '', ''))),
  D('attr-med-len-3', 'RFC 7606 §7.4', 'MED of length 3', 'treat-as-withdraw 3/5', plus(rawAttr(0x80, 4, '000064', 'three octets'))),
  D('attr-med-len-5', 'RFC 7606 §7.4', 'MED of length 5', 'treat-as-withdraw 3/5', plus(rawAttr(0x80, 4, '0000006400', 'five octets'))),
  D('attr-localpref-len-0-ibgp', 'RFC 7606 §7.5', 'LOCAL_PREF of length 0 from iBGP', 'treat-as-withdraw 3/5', plus(rawAttr(0x40, 5, '', '')), IBGP),
  D('attr-localpref-len-3-ibgp', 'RFC 7606 §7.5', 'LOCAL_PREF of length 3 from iBGP', 'treat-as-withdraw 3/5', plus(rawAttr(0x40, 5, '0000c8', 'three octets')), IBGP),
  D('attr-localpref-len-5-ibgp', 'RFC 7606 §7.5', 'LOCAL_PREF of length 5 from iBGP', 'treat-as-withdraw 3/5', plus(rawAttr(0x40, 5, '000000c800', 'five octets')), IBGP),
  D('attr-localpref-flag-optional-ibgp', 'RFC 7606 §3(c)', 'LOCAL_PREF with flags 0x80 from iBGP', 'treat-as-withdraw 3/4', plus(localPref(200, 0x80)), IBGP),
  D('attr-localpref-len-3-ebgp', 'RFC 7606 §7.5', 'LOCAL_PREF of length 3 from eBGP', 'discard 5', plus(rawAttr(0x40, 5, '0000c8', 'three octets'))),
  D('attr-localpref-ebgp-ignored', 'RFC 4271 §5.1.5, RFC 7606 §7.5', 'valid LOCAL_PREF from eBGP is not used', 'ok ; discard 5', plus(localPref(300)),
    { checks: ['absent 5', `nlri ${NLRI_TEXT}`] }),
  D('attr-localpref-ibgp-ok', 'RFC 4271 §5.1.5', 'valid LOCAL_PREF from iBGP', 'ok', plus(localPref(300)), { ...IBGP, checks: ['local-pref 300'] }),
  D('attr-atomic-len-1', 'RFC 7606 §7.6', 'ATOMIC_AGGREGATE of length 1', 'discard 6', plus(rawAttr(0x40, 6, '00', 'one octet'))),
  D('attr-atomic-ok', 'RFC 4271 §5.1.6', 'valid ATOMIC_AGGREGATE', 'ok', plus(rawAttr(0x40, 6, '', '')), { checks: ['present 6'] }),
  D('attr-aggregator-len-5-as2', 'RFC 7606 §7.7', 'AGGREGATOR of length 5 on a 2-octet session', 'discard 7', plus(rawAttr(0xc0, 7, 'fde9c00002', 'five octets'))),
  D('attr-aggregator-len-7-as2', 'RFC 7606 §7.7', 'AGGREGATOR of length 7 on a 2-octet session', 'discard 7', plus(rawAttr(0xc0, 7, 'fde9c0000209ff', 'seven octets'))),
  D('attr-aggregator-len-8-as2', 'RFC 7606 §7.7', 'AGGREGATOR of length 8 (4-octet form) on a 2-octet session', 'discard 7', plus(rawAttr(0xc0, 7, '0000fde9c0000209', 'eight octets'))),
  D('attr-aggregator-len-6-as4', 'RFC 7606 §7.7', 'AGGREGATOR of length 6 on a 4-octet session', 'discard 7', plus(rawAttr(0xc0, 7, 'fde9c0000209', 'six octets'), true), AS4),
  D('attr-aggregator-len-7-as4', 'RFC 7606 §7.7', 'AGGREGATOR of length 7 on a 4-octet session', 'discard 7', plus(rawAttr(0xc0, 7, '00fde9c0000209', 'seven octets'), true), AS4),
  D('attr-aggregator-len-9-as4', 'RFC 7606 §7.7', 'AGGREGATOR of length 9 on a 4-octet session', 'discard 7', plus(rawAttr(0xc0, 7, '0000fde9c000020900', 'nine octets'), true), AS4),
  D('attr-aggregator-as0', 'RFC 7607 §2', 'AGGREGATOR with AS 0', 'discard 7', plus(rawAttr(0xc0, 7, '00000000c0000209', 'AS 0, 192.0.2.9'), true), AS4),
  D('attr-aggregator-ok', 'RFC 4271 §5.1.7', 'valid AGGREGATOR', 'ok', plus(rawAttr(0xc0, 7, h16(65001) + 'c0000209', 'AS 65001, 192.0.2.9')),
    { checks: ['aggregator 65001 192.0.2.9'] }),
  D('attr-communities-len-0', 'RFC 7606 §7.8', 'COMMUNITIES of length 0', 'treat-as-withdraw', plus(rawAttr(0xc0, 8, '', ''))),
  D('attr-communities-len-5', 'RFC 7606 §7.8', 'COMMUNITIES of length 5', 'treat-as-withdraw', plus(rawAttr(0xc0, 8, 'fde9000100', 'five octets'))),
  D('attr-communities-len-3', 'RFC 7606 §7.8', 'COMMUNITIES of length 3', 'treat-as-withdraw', plus(rawAttr(0xc0, 8, 'fde900', 'three octets'))),
  D('attr-communities-ok', 'RFC 1997', 'two communities', 'ok', plus(communities([0xfde90001, 0xffffff01])), { checks: ['communities 65001:1 65535:65281'] }),
  D('attr-originator-len-3-ebgp', 'RFC 7606 §7.9', 'ORIGINATOR_ID of length 3 from eBGP', 'discard 9', plus(rawAttr(0x80, 9, '0a0000', 'three octets'))),
  D('attr-originator-len-5-ebgp', 'RFC 7606 §7.9', 'ORIGINATOR_ID of length 5 from eBGP', 'discard 9', plus(rawAttr(0x80, 9, '0a00000500', 'five octets'))),
  D('attr-originator-len-3-ibgp', 'RFC 7606 §7.9', 'ORIGINATOR_ID of length 3 from iBGP', 'treat-as-withdraw', plus(rawAttr(0x80, 9, '0a0000', 'three octets')), IBGP),
  D('attr-originator-len-5-ibgp', 'RFC 7606 §7.9', 'ORIGINATOR_ID of length 5 from iBGP', 'treat-as-withdraw', plus(rawAttr(0x80, 9, '0a00000500', 'five octets')), IBGP),
  D('attr-originator-ibgp-ok', 'RFC 4456 §8', 'valid ORIGINATOR_ID from iBGP', 'ok', plus(rawAttr(0x80, 9, h32(0x0a000005), '10.0.0.5')), { ...IBGP, checks: ['present 9'] }),
  D('attr-originator-ebgp-valid', 'RFC 7606 §7.9', 'valid ORIGINATOR_ID from eBGP is discarded', 'ok ; discard 9', plus(rawAttr(0x80, 9, h32(0x0a000005), '10.0.0.5')),
    { checks: ['absent 9'] }),
  D('attr-clusterlist-len-0-ebgp', 'RFC 7606 §7.10', 'CLUSTER_LIST of length 0 from eBGP', 'discard 10', plus(rawAttr(0x80, 10, '', ''))),
  D('attr-clusterlist-len-5-ebgp', 'RFC 7606 §7.10', 'CLUSTER_LIST of length 5 from eBGP', 'discard 10', plus(rawAttr(0x80, 10, '0a00000100', 'five octets'))),
  D('attr-clusterlist-len-0-ibgp', 'RFC 7606 §7.10', 'CLUSTER_LIST of length 0 from iBGP', 'treat-as-withdraw', plus(rawAttr(0x80, 10, '', '')), IBGP),
  D('attr-clusterlist-len-5-ibgp', 'RFC 7606 §7.10', 'CLUSTER_LIST of length 5 from iBGP', 'treat-as-withdraw', plus(rawAttr(0x80, 10, '0a00000100', 'five octets')), IBGP),
  D('attr-clusterlist-ibgp-ok', 'RFC 4456 §8', 'valid CLUSTER_LIST with two IDs from iBGP', 'ok', plus(rawAttr(0x80, 10, '0a0000010a000002', '10.0.0.1 10.0.0.2')),
    { ...IBGP, checks: ['present 10'] }),
];
