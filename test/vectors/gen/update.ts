/**
 * reliability.md §1.5 table C (UPDATE framing, flags, missing and duplicate attributes) and
 * table E (NLRI and withdrawn routes). Pure: no I/O.
 */
import { L, attr, pfx, size, update, type Line } from './hex.js';
import {
  NH6, NLRI, NLRI6, NLRI6_TEXT, NLRI_TEXT, asPath, base, communities, med, mpReach, mpUnreach, nextHop, origin, rawAttr,
  type VecDef,
} from './common.js';

type Opt = Partial<Pick<VecDef, 'ctx' | 'withdraws' | 'checks'>>;
function mk(table: string, name: string, rfc: string, desc: string, expect: string, lines: Line[], o: Opt = {}): VecDef {
  return { name, table, rfc, desc, expect, lines, ...o };
}
const C = (n: string, r: string, d: string, e: string, l: Line[], o?: Opt): VecDef => mk('C', n, r, d, e, l, o);
const E = (n: string, r: string, d: string, e: string, l: Line[], o?: Opt): VecDef => mk('E', n, r, d, e, l, o);

const TAW = { withdraws: NLRI_TEXT };
/** A standard IPv4 route UPDATE whose attribute block is `attrs`. */
const u4 = (attrs: Line[], o: { attrLen?: number; wdLen?: number; withdrawn?: Line[] } = {}): Line[] => update({ attrs, nlri: NLRI, ...o });
const v6 = (attrs: Line[]): Line[] => update({ attrs: [...mpReach(2, 1, NH6, NLRI6), ...attrs] });
const V6 = 'ebgp as2 v6';

export const framingCases: VecDef[] = [
  C('upd-wdlen-overrun', 'RFC 4271 §6.3', 'withdrawn routes length 256, message far shorter', 'session-reset 3/1', u4(base(false), { wdLen: 256 })),
  C('upd-attrlen-overrun', 'RFC 4271 §6.3', 'total attribute length 10 more than the message holds', 'session-reset 3/1',
    u4(base(false), { attrLen: size(base(false)) + size(NLRI) + 10 })),
  C('upd-wd-plus-attr-overrun', 'RFC 4271 §6.3', 'withdrawn + attribute lengths exceed the message by 1', 'session-reset 3/1',
    u4(base(false), { withdrawn: [pfx('10.9.0.0/16')], attrLen: size(base(false)) + size(NLRI) + 1 })),
  C('upd-last-attr-overrun', 'RFC 7606 §4', 'last attribute (COMMUNITIES) declares 8 octets, 4 remain in the block', 'treat-as-withdraw',
    u4([...base(false), ...attr(0xc0, 8, [L('fde90001', 'community 65001:1')], { len: 8 })]), TAW),
  C('upd-attr-1-octet-left', 'RFC 7606 §4', 'one stray octet after the last attribute', 'treat-as-withdraw',
    u4([...base(false), L('c0', 'stray octet (flags of a truncated attribute)')]), TAW),
  C('upd-attr-2-octets-left', 'RFC 7606 §4', 'two stray octets after the last attribute', 'treat-as-withdraw',
    u4([...base(false), L('c008', 'stray flags+type of a truncated attribute')]), TAW),
  C('upd-attr-3-octets-left-ext', 'RFC 7606 §4', 'three octets left with the Extended Length flag (needs 4)', 'treat-as-withdraw',
    u4([...base(false), L('d00800', 'flags 0xd0, type 8, half an extended length')]), TAW),
  C('upd-dup-origin', 'RFC 7606 §3(g)', 'ORIGIN IGP then ORIGIN EGP: keep the first', 'ok', u4([...base(false), ...origin(1)]),
    { checks: ['origin 0', `nlri ${NLRI_TEXT}`] }),
  C('upd-dup-communities', 'RFC 7606 §3(g)', 'two COMMUNITIES attributes: keep the first', 'ok',
    u4([...base(false), ...communities([0xfde90001]), ...communities([0xfde90002])]), { checks: ['communities 65001:1'] }),
  C('upd-dup-unknown', 'RFC 7606 §3(g)', 'the same unknown optional transitive attribute twice', 'ok',
    u4([...base(false), ...rawAttr(0xc0, 254, 'aa', 'one octet'), ...rawAttr(0xc0, 254, 'bb', 'one octet')]), { checks: [`nlri ${NLRI_TEXT}`] }),
  C('upd-dup-mp-reach', 'RFC 7606 §3(g)', 'two MP_REACH_NLRI attributes', 'session-reset 3/1',
    update({ attrs: [...mpReach(2, 1, NH6, [pfx('2001:db8:1::/48')]), ...mpReach(2, 1, NH6, [pfx('2001:db8:2::/48')]), ...origin(), ...asPath([[2, [65001]]], false)] }), { ctx: V6 }),
  C('upd-dup-mp-unreach', 'RFC 7606 §3(g)', 'two MP_UNREACH_NLRI attributes', 'session-reset 3/1',
    update({ attrs: [...mpUnreach(2, 1, [pfx('2001:db8:1::/48')]), ...mpUnreach(2, 1, [pfx('2001:db8:2::/48')])] }), { ctx: V6 }),
  C('upd-origin-flag-optional', 'RFC 7606 §3(c)', 'ORIGIN with flags 0xC0 (optional)', 'treat-as-withdraw 3/4', u4([...origin(0, 0xc0), ...base(false, { origin: false })]), TAW),
  C('upd-origin-flag-partial', 'RFC 7606 §3(c), RFC 4271 §4.3', 'ORIGIN with flags 0x60 (partial on a well-known)', 'treat-as-withdraw 3/4',
    u4([...origin(0, 0x60), ...base(false, { origin: false })]), TAW),
  C('upd-origin-flag-not-transitive', 'RFC 7606 §3(c) (GoBGP #3392)', 'ORIGIN with flags 0x00', 'treat-as-withdraw 3/4',
    u4([...origin(0, 0x00), ...base(false, { origin: false })]), TAW),
  C('upd-aspath-flag-optional', 'RFC 7606 §3(c)', 'AS_PATH with flags 0x80', 'treat-as-withdraw 3/4',
    u4([...origin(), ...asPath([[2, [65001]]], false, 0x80), ...nextHop()]), TAW),
  C('upd-nexthop-flag-optional', 'RFC 7606 §3(c)', 'NEXT_HOP with flags 0xC0', 'treat-as-withdraw 3/4',
    u4([...base(false, { nextHop: false }), ...nextHop('192.0.2.1', 0xc0)]), TAW),
  C('upd-med-flag-transitive', 'RFC 7606 §3(c)', 'MED with flags 0xC0 (transitive)', 'treat-as-withdraw 3/4', u4([...base(false), ...med(100, 0xc0)]), TAW),
  C('upd-med-flag-wellknown', 'RFC 7606 §3(c)', 'MED with flags 0x40 (well-known)', 'treat-as-withdraw 3/4', u4([...base(false), ...med(100, 0x40)]), TAW),
  C('upd-communities-flag-nontransitive', 'RFC 7606 §3(c)', 'COMMUNITIES with flags 0x80', 'treat-as-withdraw 3/4',
    u4([...base(false), ...communities([0xfde90001], 0x80)]), TAW),
  C('upd-communities-flag-wellknown', 'RFC 7606 §3(c)', 'COMMUNITIES with flags 0x40', 'treat-as-withdraw 3/4',
    u4([...base(false), ...communities([0xfde90001], 0x40)]), TAW),
  C('upd-flags-low-bits-c8', 'RFC 4271 §4.3 (OpenBGPD 2012)', 'COMMUNITIES with flags 0xC8: low bits ignored', 'ok',
    u4([...base(false), ...communities([0xfde90001], 0xc8)]), { checks: ['communities 65001:1', `nlri ${NLRI_TEXT}`] }),
  C('upd-flags-low-bits-origin-4f', 'RFC 4271 §4.3', 'ORIGIN with flags 0x4F: low bits ignored', 'ok',
    u4([...origin(2, 0x4f), ...base(false, { origin: false })]), { checks: ['origin 2'] }),
  C('upd-extlen-short-origin', 'RFC 4271 §4.3', 'ORIGIN using the Extended Length form (0x50)', 'ok',
    u4([...origin(1, 0x50), ...base(false, { origin: false })]), { checks: ['origin 1'] }),
  C('upd-extlen-short-aspath', 'RFC 4271 §4.3', 'AS_PATH using the Extended Length form', 'ok',
    u4([...origin(), ...asPath([[2, [65001, 65002]]], false, 0x50), ...nextHop()]), { checks: ['as-path 2:65001,65002'] }),
  C('upd-extlen-short-nexthop', 'RFC 4271 §4.3', 'NEXT_HOP using the Extended Length form', 'ok',
    u4([...base(false, { nextHop: false }), ...nextHop('192.0.2.7', 0x50)]), { checks: ['next-hop 192.0.2.7'] }),
  C('upd-attr-type-0', 'BIRD attrs.c (type 0 reserved)', 'attribute type 0, optional transitive, 2 octets', 'discard 0 ; ok',
    u4([...base(false), ...rawAttr(0xc0, 0, 'abcd', 'two octets')]), { checks: [`nlri ${NLRI_TEXT}`] }),
  C('upd-missing-origin', 'RFC 7606 §3(d)', 'NLRI present, ORIGIN missing', 'treat-as-withdraw 3/3', u4(base(false, { origin: false })), TAW),
  C('upd-missing-aspath', 'RFC 7606 §3(d)', 'NLRI present, AS_PATH missing', 'treat-as-withdraw 3/3', u4(base(false, { asPath: false })), TAW),
  C('upd-missing-nexthop', 'RFC 7606 §3(d)', 'IPv4 NLRI, no NEXT_HOP, no MP_REACH', 'treat-as-withdraw 3/3', u4(base(false, { nextHop: false })), TAW),
  C('upd-missing-all', 'RFC 7606 §3(d)', 'NLRI with an empty attribute block', 'treat-as-withdraw 3/3', u4([]), TAW),
  C('upd-missing-unknown-only', 'RFC 7606 §3(d) (CVE-2023-46753 class)', 'NLRI with only an unknown transitive attribute', 'treat-as-withdraw 3/3',
    u4(rawAttr(0xc0, 254, 'aabb', 'two octets')), TAW),
  C('upd-v6-missing-origin', 'RFC 7606 §3(d)', 'IPv6 MP_REACH without ORIGIN', 'treat-as-withdraw 3/3', v6(asPath([[2, [65001]]], false)),
    { ctx: V6, withdraws: NLRI6_TEXT }),
  C('upd-v6-no-nexthop-attr-ok', 'RFC 4760 §3', 'IPv6 MP_REACH with ORIGIN and AS_PATH, no NEXT_HOP attribute', 'ok',
    v6([...origin(), ...asPath([[2, [65001]]], false)]), { ctx: V6, checks: [`mp-nlri ${NLRI6_TEXT}`] }),
  C('upd-v6-and-v4-no-nexthop', 'RFC 7606 §3(d)', 'IPv6 MP_REACH plus classic IPv4 NLRI but no NEXT_HOP', 'treat-as-withdraw 3/3',
    update({ attrs: [...mpReach(2, 1, NH6, NLRI6), ...origin(), ...asPath([[2, [65001]]], false)], nlri: NLRI }),
    { ctx: V6, withdraws: `${NLRI_TEXT} ${NLRI6_TEXT}` }),
  C('upd-no-nlri-bad-origin', 'RFC 7606 §5.2', 'withdraw-only UPDATE carrying a malformed ORIGIN', 'session-reset 3/*',
    update({ withdrawn: [pfx('10.9.0.0/16')], attrs: origin(7) })),
  C('upd-mp-unreach-bad-origin', 'RFC 7606 §5.2', 'MP_UNREACH-only UPDATE carrying an ORIGIN of length 2', 'session-reset 3/*',
    update({ attrs: [...mpUnreach(2, 1, [pfx('2001:db8:9::/48')]), ...origin(0, 0x40, { raw: '0000' })] }), { ctx: V6 }),
  C('upd-eor-ipv4', 'RFC 4724 §2', 'empty UPDATE: IPv4 unicast End-of-RIB', 'ok', update({}), { checks: ['eor ipv4'] }),
  C('upd-eor-ipv6', 'RFC 4724 §2', 'MP_UNREACH with AFI/SAFI only: IPv6 End-of-RIB', 'ok', update({ attrs: mpUnreach(2, 1, []) }),
    { ctx: V6, checks: ['eor ipv6'] }),
  C('upd-withdraw-only-ok', 'RFC 4271 §4.3', 'withdrawn routes and no attributes', 'ok', update({ withdrawn: [pfx('10.9.0.0/16'), pfx('10.8.0.0/15')] }),
    { checks: ['withdrawn 10.9.0.0/16 10.8.0.0/15', 'nlri -'] }),
  C('upd-baseline-ok', 'RFC 4271 §4.3', 'a valid IPv4 UPDATE (control case)', 'ok', u4(base(false)),
    { checks: [`nlri ${NLRI_TEXT}`, 'origin 0', 'as-path 2:65001', 'next-hop 192.0.2.1'] }),
  C('upd-baseline-as4-ok', 'RFC 6793 §3', 'a valid IPv4 UPDATE with 4-octet ASNs', 'ok',
    update({ attrs: [...origin(), ...asPath([[2, [4200000001, 65001]]], true), ...nextHop()], nlri: NLRI }),
    { ctx: 'ebgp as4', checks: ['as-path 2:4200000001,65001'] }),
];

export const nlriCases: VecDef[] = [
  E('nlri-v4-len-33', 'RFC 7606 §5.3', 'IPv4 NLRI with prefix length 33', 'session-reset 3/10', update({ attrs: base(false), nlri: [pfx('10.0.0.0/33', { raw: '0a00000000' })] })),
  E('nlri-v4-len-255', 'RFC 7606 §5.3', 'IPv4 NLRI with prefix length 255', 'session-reset 3/10', update({ attrs: base(false), nlri: [L('ff0a000000', 'prefix length 255')] })),
  E('nlri-v4-truncated', 'RFC 7606 §5.3 (FRR plen1-short)', '/24 with only 2 address octets before the end', 'session-reset 3/10',
    update({ attrs: base(false), nlri: [pfx('10.0.0.0/24'), L('180a01', 'prefix length 24, 2 octets')] })),
  E('nlri-v4-len-only', 'RFC 7606 §5.3', 'a lone prefix-length octet at the end', 'session-reset 3/10', update({ attrs: base(false), nlri: [pfx('10.0.0.0/24'), L('08', 'prefix length 8, no octets')] })),
  E('withdrawn-v4-len-33', 'RFC 7606 §5.3', 'withdrawn route with prefix length 33', 'session-reset 3/10',
    update({ withdrawn: [L('210a000000ff', 'prefix length 33')], attrs: base(false), nlri: NLRI })),
  E('withdrawn-v4-truncated', 'RFC 7606 §5.3', 'withdrawn /16 with one octet inside the withdrawn length', 'session-reset 3/10',
    update({ withdrawn: [L('100a', 'prefix length 16, 1 octet')], attrs: base(false), nlri: NLRI })),
  E('nlri-v4-host-bits-9', 'RFC 4271 §4.3', '/9 encoded as 0a ff: host bits masked to 10.128.0.0/9', 'ok',
    update({ attrs: base(false), nlri: [pfx('10.128.0.0/9', { raw: '0aff' })] }), { checks: ['nlri 10.128.0.0/9'] }),
  E('nlri-v4-host-bits-20', 'RFC 4271 §4.3', '/20 encoded as 0a 01 ff: masked to 10.1.240.0/20', 'ok',
    update({ attrs: base(false), nlri: [pfx('10.1.240.0/20', { raw: '0a01ff' })] }), { checks: ['nlri 10.1.240.0/20'] }),
  E('nlri-v4-default-ok', 'RFC 4271 §4.3', '0.0.0.0/0', 'ok', update({ attrs: base(false), nlri: [pfx('0.0.0.0/0')] }), { checks: ['nlri 0.0.0.0/0'] }),
  E('nlri-v4-host-32-ok', 'RFC 4271 §4.3', '/32 host route', 'ok', update({ attrs: base(false), nlri: [pfx('10.1.2.3/32')] }), { checks: ['nlri 10.1.2.3/32'] }),
  E('nlri-same-in-withdrawn-ok', 'RFC 4271 §9.1.4', 'same prefix withdrawn and announced', 'ok',
    update({ withdrawn: [pfx('10.0.0.0/24')], attrs: base(false), nlri: [pfx('10.0.0.0/24')] }), { checks: ['withdrawn 10.0.0.0/24', 'nlri 10.0.0.0/24'] }),
  E('mp-reach-v6-len-129', 'RFC 7606 §5.3, RFC 4760 §7', 'IPv6 MP_REACH NLRI /129', 'reset-or-disable 3/*',
    v6Bad([L('81' + '20010db8'.padEnd(34, '0'), 'prefix length 129, 17 octets')]), { ctx: V6 }),
  E('mp-reach-v6-truncated', 'RFC 7606 §5.3', 'IPv6 MP_REACH NLRI /64 with 4 octets before the attribute ends', 'reset-or-disable 3/*',
    v6Bad([L('4020010db8', 'prefix length 64, 4 octets')]), { ctx: V6 }),
  E('mp-unreach-v6-truncated', 'RFC 4760 §7 (FRR 3/9)', 'MP_UNREACH /64 with 4 octets of prefix', 'reset-or-disable 3/*',
    update({ attrs: mpUnreach(2, 1, [L('4020010db8', 'prefix length 64, 4 octets')]) }), { ctx: V6 }),
  E('mp-unreach-v6-len-129', 'RFC 4760 §7', 'MP_UNREACH /129', 'reset-or-disable 3/*',
    update({ attrs: mpUnreach(2, 1, [L('81' + '00'.repeat(17), 'prefix length 129')]) }), { ctx: V6 }),
  E('mp-unreach-v6-default-ok', 'RFC 4760 §4', 'MP_UNREACH ::/0', 'ok', update({ attrs: mpUnreach(2, 1, [pfx('::/0')]) }), { ctx: V6, checks: ['mp-withdrawn ::/0'] }),
  E('addpath-v4-ok', 'RFC 7911 §3', 'IPv4 NLRI with path identifiers (ADD-PATH receive)', 'ok',
    update({ attrs: base(false), nlri: [pfx('10.0.0.0/24', { pathId: 7 }), pfx('10.0.0.0/24', { pathId: 8 })] }),
    { ctx: 'ebgp as2 addpath=v4', checks: ['nlri 10.0.0.0/24 10.0.0.0/24', 'path-id 7'] }),
  E('addpath-v4-missing-id', 'RFC 7911 §3', 'ADD-PATH negotiated, one prefix without a path identifier', 'session-reset 3/10',
    update({ attrs: base(false), nlri: [pfx('10.0.0.0/24')] }), { ctx: 'ebgp as2 addpath=v4' }),
  E('addpath-v6-ok', 'RFC 7911 §3', 'IPv6 MP_REACH with path identifiers', 'ok',
    update({ attrs: [...mpReach(2, 1, NH6, [pfx('2001:db8:1::/48', { pathId: 1 })]), ...origin(), ...asPath([[2, [65001]]], false)] }),
    { ctx: 'ebgp as2 v6 addpath=v6', checks: ['mp-nlri 2001:db8:1::/48', 'path-id 1'] }),
  E('mp-reach-flowspec-not-negotiated', 'RFC 4760 §7 (CVE-2023-38406 class)', 'MP_REACH AFI 1 SAFI 133, zero-length NLRI', 'reset-or-disable 3/* ; ok',
    update({ attrs: [...mpReach(1, 133, [], [L('00', 'flowspec NLRI length 0')]), ...origin(), ...asPath([[2, [65001]]], false)] })),
  E('mp-reach-labeled-not-negotiated', 'RFC 4760 §7', 'MP_REACH AFI 1 SAFI 4 (labeled), not negotiated', 'reset-or-disable 3/* ; ok',
    update({ attrs: [...mpReach(1, 4, [L('c0000201', 'next hop 192.0.2.1')], [L('00', 'labeled NLRI length 0')]), ...origin(), ...asPath([[2, [65001]]], false)] })),
  E('mp-reach-v6-not-negotiated', 'RFC 4760 §7', 'IPv6 MP_REACH on an IPv4-only session', 'reset-or-disable 3/* ; ok',
    v6([...origin(), ...asPath([[2, [65001]]], false)])),
  E('mp-reach-v4-ok', 'RFC 4760 §3', 'IPv4 unicast carried in MP_REACH', 'ok',
    update({ attrs: [...mpReach(1, 1, [L('c0000201', 'next hop 192.0.2.1')], NLRI), ...origin(), ...asPath([[2, [65001]]], false)] }),
    { checks: [`mp-nlri ${NLRI_TEXT}`] }),
];

function v6Bad(nlri: Line[]): Line[] {
  return update({ attrs: [...mpReach(2, 1, NH6, nlri), ...origin(), ...asPath([[2, [65001]]], false)] });
}

