/**
 * IP address and prefix text <-> bytes for the kernel FIB modules: canonical text forms (IPv4
 * dotted quad, IPv6 per RFC 5952) so that a prefix from the RIB and the same prefix read back
 * from the kernel compare equal as strings.
 *
 * Input: address/prefix text or 4/16 raw bytes. Output: bytes or canonical text.
 * Pure: no I/O, no clock; never throws on bad text (returns null).
 */

import { ipToString, ipv4TextToU32, parseIp as parseWireIp, u32ToIpv4 } from '../../peers/wire/ip.js';

export type Family = 4 | 6;

export interface ParsedPrefix {
  family: Family;
  /** Network address with host bits cleared (4 or 16 bytes). */
  addr: Uint8Array;
  len: number;
}

/** Parses IPv4 or IPv6 text (no zone id) to 4 or 16 bytes; null when malformed. */
export function parseIp(text: string): Uint8Array | null {
  return parseWireIp(text);
}

/** Canonical text for 4 or 16 bytes (RFC 5952 for IPv6). */
export function formatIp(b: Uint8Array): string {
  return ipToString(b);
}

/** Parses "addr/len" (host bits are cleared); null when malformed. */
export function parsePrefix(text: string): ParsedPrefix | null {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  const max = addr.length * 8;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > max) return null;
  for (let bit = len; bit < max; bit++) addr[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: addr.length === 4 ? 4 : 6, addr, len };
}

/** Canonical "addr/len" text, or null when malformed. */
export function canonicalPrefix(text: string): string | null {
  // IPv4 fast path (route keys are built from this on every FIB operation): no allocation
  // when the text is already canonical.
  const slash = text.indexOf('/');
  if (slash > 0 && text.indexOf(':') < 0) {
    const addr = ipv4TextToU32(text, 0, slash);
    const lenText = text.slice(slash + 1);
    const len = Number(lenText);
    if (addr < 0 || !/^\d{1,3}$/.test(lenText) || len > 32) return null;
    const net = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
    return net === addr && lenText === String(len) ? text : `${u32ToIpv4(net)}/${len}`;
  }
  const p = parsePrefix(text);
  return p === null ? null : `${formatIp(p.addr)}/${p.len}`;
}

/** Canonical address text, or null when malformed. */
export function canonicalIp(text: string): string | null {
  if (text.indexOf(':') < 0) return ipv4TextToU32(text) < 0 ? null : text;
  const b = parseIp(text);
  return b === null ? null : formatIp(b);
}
