/**
 * Shared pieces of the vector tables: the VecDef record each table row becomes, and builders for
 * the well-formed attributes that malformed cases are built around. Pure: no I/O.
 */
import { L, attr, h16, h32, h8, ipHex, nest, pfx, size, type Line } from './hex.js';

/** One catalogue row; build.ts renders it as test/vectors/malformed/<name>.vec. */
export interface VecDef {
  readonly name: string;
  /** reliability.md §1.5 table letter (A-F) or S for stream framing. */
  readonly table: string;
  readonly rfc: string;
  readonly desc: string;
  readonly ctx?: string;
  readonly mode?: 'message' | 'stream' | 'open-check';
  readonly peer?: string;
  readonly expect: string;
  readonly withdraws?: string;
  readonly checks?: readonly string[];
  readonly split?: string;
  readonly fsm?: string;
  readonly lines: readonly Line[];
}

export function origin(v = 0, flags = 0x40, o: { len?: number; raw?: string } = {}): Line[] {
  const names = ['IGP', 'EGP', 'INCOMPLETE'];
  return attr(flags, 1, [L(o.raw ?? h8(v), `origin ${v} ${names[v] ?? '(undefined value)'}`)], o);
}

export type Seg = readonly [type: number, asns: readonly number[]];
const SEG_NAMES: Record<number, string> = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };

/** AS_PATH segments, 2- or 4-octet ASNs. */
export function segs(list: readonly Seg[], as4: boolean, o: { count?: number } = {}): Line[] {
  const out: Line[] = [];
  for (const [t, asns] of list) {
    const n = o.count ?? asns.length;
    out.push(L(h8(t) + h8(n), `segment ${SEG_NAMES[t] ?? `type ${t} (undefined)`}, ${n} ASNs${o.count !== undefined ? ' (declared)' : ''}`));
    if (asns.length > 0) out.push(L(asns.map((a) => (as4 ? h32(a) : h16(a))).join(''), `  ASNs ${asns.join(' ')}`));
  }
  return out;
}

export function asPath(list: readonly Seg[], as4: boolean, flags = 0x40, o: { len?: number } = {}): Line[] {
  return attr(flags, 2, segs(list, as4), o);
}

export function nextHop(ip = '192.0.2.1', flags = 0x40, o: { len?: number; raw?: string } = {}): Line[] {
  return attr(flags, 3, [L(o.raw ?? ipHex(ip), `next hop ${o.raw === undefined ? ip : '(raw)'}`)], o);
}

export function u32Attr(type: number, v: number, flags: number, what: string): Line[] {
  return attr(flags, type, [L(h32(v), `${what} ${v}`)]);
}

export const med = (v = 100, flags = 0x80): Line[] => u32Attr(4, v, flags, 'MED');
export const localPref = (v = 200, flags = 0x40): Line[] => u32Attr(5, v, flags, 'LOCAL_PREF');

export function communities(list: readonly number[], flags = 0xc0): Line[] {
  const text = list.map((c) => `${c >>> 16}:${c & 0xffff}`).join(' ');
  return attr(flags, 8, [L(list.map(h32).join(''), `communities ${text}`)]);
}

/** A raw attribute with a hex value. */
export function rawAttr(flags: number, type: number, hex: string, note: string, o: { len?: number; repeat?: number } = {}): Line[] {
  const value = hex === '' ? [] : [L(hex, note, o.repeat)];
  return attr(flags, type, value, o.len === undefined ? {} : { len: o.len });
}

/** The mandatory trio for an IPv4 route: ORIGIN IGP, AS_PATH [65001], NEXT_HOP 192.0.2.1. */
export function base(as4: boolean, o: { origin?: boolean; asPath?: boolean; nextHop?: boolean } = {}): Line[] {
  return [
    ...(o.origin === false ? [] : origin()),
    ...(o.asPath === false ? [] : asPath([[2, [65001]]], as4)),
    ...(o.nextHop === false ? [] : nextHop()),
  ];
}

export const NLRI = [pfx('10.0.0.0/24'), pfx('10.0.1.0/24')];
export const NLRI_TEXT = '10.0.0.0/24 10.0.1.0/24';

/** MP_REACH_NLRI (RFC 4760 §3) with a computed next-hop length unless given. */
export function mpReach(
  afi: number,
  safi: number,
  nh: readonly Line[],
  nlri: readonly Line[],
  o: { nhLen?: number; flags?: number; len?: number; reserved?: number } = {},
): Line[] {
  const nhLen = o.nhLen ?? size(nh);
  const value = [
    L(h16(afi) + h8(safi), `AFI ${afi} SAFI ${safi}`),
    L(h8(nhLen), `next hop length ${nhLen}${o.nhLen !== undefined ? ' (declared)' : ''}`),
    ...nest(nh),
    L(h8(o.reserved ?? 0), 'reserved'),
    ...nlri.map((l) => ({ ...l, note: `NLRI ${l.note}` })),
  ];
  return attr(o.flags ?? 0x80, 14, value, o.len === undefined ? {} : { len: o.len });
}

export function mpUnreach(afi: number, safi: number, withdrawn: readonly Line[], o: { flags?: number; len?: number } = {}): Line[] {
  const value = [L(h16(afi) + h8(safi), `AFI ${afi} SAFI ${safi}`), ...withdrawn.map((l) => ({ ...l, note: `withdrawn ${l.note}` }))];
  return attr(o.flags ?? 0x80, 15, value, o.len === undefined ? {} : { len: o.len });
}

export const NH6 = [L(ipHex('2001:db8::1'), 'next hop 2001:db8::1')];
export const NLRI6 = [pfx('2001:db8:1::/48'), pfx('2001:db8:2::/48')];
export const NLRI6_TEXT = '2001:db8:1::/48 2001:db8:2::/48';
