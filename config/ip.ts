/**
 * IP address and CIDR text handling for the config: strict parsing of IPv4 dotted quads and
 * IPv6 text (RFC 4291 §2.2), canonical output (RFC 5952 §4) and prefix arithmetic (host bits,
 * overlap). Input: strings from the config file. Output: canonical strings and byte arrays for
 * parse.ts / validate.ts. Pure: no I/O; never throws.
 */
import { formatIpv6, parseIpv4, parseIpv6 } from '../peers/wire/ip.js';

export type IpFamily = 4 | 6;

export interface IpAddr {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddr {
  readonly len: number;
}

/** Strict dotted quad (peers/wire/ip.ts). */
export function parseIPv4(text: string): Uint8Array | undefined {
  return parseIpv4(text) ?? undefined;
}

/** RFC 4291 §2.2 text forms (peers/wire/ip.ts). */
export function parseIPv6(text: string): Uint8Array | undefined {
  return parseIpv6(text) ?? undefined;
}

export function parseIp(text: string): IpAddr | undefined {
  if (text.includes(':')) {
    const bytes = parseIPv6(text);
    return bytes && { family: 6, bytes };
  }
  const bytes = parseIPv4(text);
  return bytes && { family: 4, bytes };
}

export { formatIpv6 as formatIPv6 };

export function formatIp(addr: IpAddr): string {
  return addr.family === 4 ? Array.from(addr.bytes).join('.') : formatIpv6(addr.bytes);
}

/** Canonical text of an address, or undefined when it is not an IP address. */
export function canonicalIp(text: string): string | undefined {
  const addr = parseIp(text);
  return addr && formatIp(addr);
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: 'syntax' | 'length' | 'host-bits' };

/** `addr/len` with the length in range for the family and all host bits zero. */
export function parseCidr(text: string): CidrResult {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  const addr = m && parseIp(m[1] ?? '');
  if (!m || !addr) return { ok: false, reason: 'syntax' };
  const len = Number(m[2]);
  if (len > addr.bytes.length * 8) return { ok: false, reason: 'length' };
  const cidr = { ...addr, len };
  if (!sameBytes(maskBytes(addr.bytes, len), addr.bytes)) return { ok: false, reason: 'host-bits' };
  return { ok: true, cidr };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.len}`;
}

/** The address with every bit past `len` cleared. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Two prefixes overlap when the shorter one contains the longer one's network address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.len, b.len);
  return sameBytes(maskBytes(a.bytes, len), maskBytes(b.bytes, len));
}

export function isUnspecified(addr: IpAddr): boolean {
  return addr.bytes.every((b) => b === 0);
}

/** A listening endpoint: canonical address and port. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `10.0.0.1:9180` or `[fd00::1]:9180` (RFC 3986 §3.2.2 brackets); port 1..65535. */
export function parseHostPort(text: string): HostPort | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]{1,5})$/.exec(text);
  const raw = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (raw === undefined || !(port >= 1 && port <= 65535)) return undefined;
  const addr = parseIp(raw);
  // IPv6 only in brackets, IPv4 only without: `[10.0.0.1]:1` and `::1:9180` are ambiguous.
  if (!addr || (addr.family === 6) !== (m?.[1] !== undefined)) return undefined;
  return { host: formatIp(addr), port };
}

/** Canonical `address:port` text (IPv6 in brackets). */
export function formatHostPort(hp: HostPort): string {
  return hp.host.includes(':') ? `[${hp.host}]:${hp.port}` : `${hp.host}:${hp.port}`;
}
