/**
 * Building blocks for the malformed-message vectors: each helper returns annotated hex lines
 * (one wire field per line) and lengths are computed from the lines, never typed by hand.
 * Input: the case tables in this folder. Output: Line[] rendered by ../build.ts into .vec files.
 * Pure: no I/O.
 */
import { parseIpv4, parseIpv6 } from '../../../peers/wire/ip.js';

/** One field: its hex bytes, a note, and an optional repeat count (rendered `hex * N`). */
export interface Line {
  readonly hex: string;
  readonly note: string;
  readonly repeat?: number;
}

export const L = (hex: string, note: string, repeat?: number): Line =>
  repeat === undefined ? { hex, note } : { hex, note, repeat };

export const h8 = (n: number): string => (n & 0xff).toString(16).padStart(2, '0');
export const h16 = (n: number): string => (n & 0xffff).toString(16).padStart(4, '0');
export const h32 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/** Byte length of some lines (repeats expanded). */
export function size(lines: readonly Line[]): number {
  return lines.reduce((n, l) => n + (l.hex.length / 2) * (l.repeat ?? 1), 0);
}

/** Indents notes of nested lines so the structure shows in the file. */
export function nest(lines: readonly Line[]): Line[] {
  return lines.map((l) => ({ ...l, note: `  ${l.note}` }));
}

export function ipHex(text: string): string {
  const b = text.includes(':') ? parseIpv6(text) : parseIpv4(text);
  if (!b) throw new Error(`bad address in vector table: ${text}`);
  return Buffer.from(b).toString('hex');
}

/** NLRI encoding of a prefix "a.b.c.d/len" (RFC 4271 §4.3): length octet + ceil(len/8) octets. */
export function pfx(text: string, opts: { pathId?: number; raw?: string; len?: number } = {}): Line {
  const [addr = '', lenText = '0'] = text.split('/');
  const len = opts.len ?? Number(lenText);
  const octets = opts.raw ?? ipHex(addr).slice(0, Math.ceil(Math.min(len, 128) / 8) * 2);
  const id = opts.pathId === undefined ? '' : h32(opts.pathId);
  const idNote = opts.pathId === undefined ? '' : `path-id ${opts.pathId}, `;
  return L(id + h8(len) + octets, `prefix ${idNote}${text}`);
}

/** RFC 4271 §4.1 header: marker, length (computed unless given), type. */
export function msg(type: number, body: readonly Line[], o: { len?: number; marker?: string } = {}): Line[] {
  const len = o.len ?? 19 + size(body);
  const names: Record<number, string> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };
  return [
    L(o.marker ?? 'ff'.repeat(16), o.marker ? 'marker (NOT all ones)' : 'marker'),
    L(h16(len), `length ${len}${o.len !== undefined ? ' (as declared)' : ''}`),
    L(h8(type), `type ${type} ${names[type] ?? '(unknown)'}`),
    ...body,
  ];
}

const ATTR_NAMES: Record<number, string> = {
  0: 'type 0 (reserved)', 1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MULTI_EXIT_DISC', 5: 'LOCAL_PREF',
  6: 'ATOMIC_AGGREGATE', 7: 'AGGREGATOR', 8: 'COMMUNITIES', 9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST',
  14: 'MP_REACH_NLRI', 15: 'MP_UNREACH_NLRI', 16: 'EXTENDED_COMMUNITIES', 17: 'AS4_PATH',
  18: 'AS4_AGGREGATOR', 23: 'TUNNEL_ENCAPSULATION', 25: 'IPV6_EXT_COMMUNITIES', 26: 'AIGP',
  28: 'ENTROPY_LABEL (deprecated)', 29: 'BGP-LS', 32: 'LARGE_COMMUNITY', 35: 'OTC', 40: 'PREFIX_SID',
};

/** A path attribute (RFC 4271 §4.3); the Extended Length form when flags has 0x10. */
export function attr(flags: number, type: number, value: readonly Line[], o: { len?: number } = {}): Line[] {
  const ext = (flags & 0x10) !== 0;
  const len = o.len ?? size(value);
  const lenHex = ext ? h16(len) : h8(len);
  const name = ATTR_NAMES[type] ?? `unknown type ${type}`;
  const decl = o.len !== undefined ? ` (declared; ${size(value)} octets follow)` : '';
  return [L(h8(flags) + h8(type) + lenHex, `${name}: flags 0x${h8(flags)}, type ${type}, length ${len}${decl}`), ...nest(value)];
}

/** UPDATE body (RFC 4271 §4.3) with computed Withdrawn Routes Length and Total Path Attribute Length. */
export function updateBody(p: {
  withdrawn?: readonly Line[];
  attrs?: readonly Line[];
  nlri?: readonly Line[];
  wdLen?: number;
  attrLen?: number;
}): Line[] {
  const wd = p.withdrawn ?? [];
  const at = p.attrs ?? [];
  const wdLen = p.wdLen ?? size(wd);
  const atLen = p.attrLen ?? size(at);
  return [
    L(h16(wdLen), `withdrawn routes length ${wdLen}${p.wdLen !== undefined ? ' (declared)' : ''}`),
    ...nest(wd),
    L(h16(atLen), `total path attribute length ${atLen}${p.attrLen !== undefined ? ' (declared)' : ''}`),
    ...nest(at),
    ...(p.nlri ?? []).map((l) => ({ ...l, note: `NLRI ${l.note}` })),
  ];
}

export function update(p: Parameters<typeof updateBody>[0], o: { len?: number } = {}): Line[] {
  return msg(2, updateBody(p), o);
}
