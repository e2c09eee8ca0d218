/**
 * NLRI prefix encoding (RFC 4271 §4.3 withdrawn/NLRI fields, RFC 4760 §5 MP_REACH/MP_UNREACH
 * NLRI) with optional RFC 7911 ADD-PATH path identifiers. Input: the NLRI bytes of an UPDATE
 * (from update.ts / attrs.ts); output: Prefix values for the route engine, and the encoded form
 * for the encoders and the packer. Also the text helpers used across the project.
 * Pure: no I/O, no clock; decoders never throw. The hot loop indexes the Uint8Array directly,
 * but only after checking the index against the field end (never Buffer read methods).
 */
import { Afi, NotifCode, UpdateSubcode } from './constants.js';
import { fail, ok, wireError } from './errors.js';
import type { Decoded, WireError } from './errors.js';
import type { Prefix } from './types.js';
import type { ByteWriter } from './writer.js';
import { ipToString, parseIpv4, parseIpv6 } from './ip.js';

/** Address bits per family: 32 for IPv4, 128 for IPv6. */
export function maxBits(afi: Afi): number {
  return afi === Afi.Ipv6 ? 128 : 32;
}

/** Bytes of the address part of a prefix of `len` bits. */
export function prefixBytes(len: number): number {
  return (len + 7) >>> 3;
}

/** Encoded size of one prefix: [path id] + length octet + address octets. */
export function prefixWireLen(p: Prefix, addPath: boolean): number {
  return (addPath ? 5 : 1) + prefixBytes(p.len);
}

function invalidNetwork(reason: string): WireError {
  // RFC 4271 §6.3: a syntactically incorrect NLRI field → Invalid Network Field (3/10). The
  // RFC 7606 §5.3 parsability rule: treat-as-withdraw needs the NLRI parsed, so this resets.
  return wireError(NotifCode.UpdateMessageError, UpdateSubcode.InvalidNetworkField, 'session-reset', reason);
}

/** Reads a big-endian u32 at `i`; the caller has checked i + 4 <= field end. */
function be32(b: Uint8Array, i: number): number {
  return (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
}

/**
 * Called once per prefix by forEachPrefix. `bytes[at .. at + prefixBytes(len))` holds the
 * address octets as received: host bits past `len` may be set (mask with lastByteMask).
 */
export type PrefixVisitor = (bytes: Uint8Array, at: number, len: number, pathId: number) => void;

/**
 * Validate the whole field, then call `visit` for each prefix (no allocation per prefix).
 * Returns null, or the 3/10 error without calling `visit` at all.
 */
export function forEachPrefix(bytes: Uint8Array, afi: Afi, addPath: boolean, visit: PrefixVisitor): WireError | null {
  const err = scanPrefixes(bytes, maxBits(afi), addPath);
  if (typeof err !== 'number') return err;
  const end = bytes.length;
  let i = 0;
  while (i < end) {
    let pathId = 0;
    if (addPath) {
      pathId = be32(bytes, i);
      i += 4;
    }
    const len = bytes[i] as number;
    visit(bytes, i + 1, len, pathId);
    i += 1 + prefixBytes(len);
  }
  return null;
}

/** Count the prefixes in a field, or the error that makes it unparsable. */
function scanPrefixes(bytes: Uint8Array, bits: number, addPath: boolean): number | WireError {
  const end = bytes.length;
  let i = 0;
  let n = 0;
  while (i < end) {
    if (addPath) {
      // RFC 7911 §3: a 4-octet Path Identifier precedes each prefix.
      if (i + 5 > end) return invalidNetwork(`ADD-PATH prefix truncated at octet ${i}`);
      i += 4;
    }
    const len = bytes[i] as number;
    // RFC 4271 §4.3: the length is in bits and cannot exceed the address size.
    if (len > bits) return invalidNetwork(`prefix length ${len} > ${bits}`);
    const need = prefixBytes(len);
    if (i + 1 + need > end) return invalidNetwork(`prefix /${len} needs ${need} octets, ${end - i - 1} left`);
    i += 1 + need;
    n++;
  }
  return n;
}

/** Mask for the last address octet of a /len prefix (keeps the network bits only). */
export function lastByteMask(len: number): number {
  const r = len & 7;
  return r === 0 ? 0xff : (0xff << (8 - r)) & 0xff;
}

/**
 * Decode an NLRI or withdrawn-routes field. Prefix length > 32/128 or a truncated prefix →
 * 3/10 session-reset. Host bits past the length are masked to zero (as OpenBGPD does).
 */
export function decodePrefixes(bytes: Uint8Array, afi: Afi, addPath: boolean): Decoded<Prefix[]> {
  const size = afi === Afi.Ipv6 ? 16 : 4;
  const bits = size * 8;
  const end = bytes.length;
  const out: Prefix[] = [];
  let i = 0;
  while (i < end) {
    let pathId = 0;
    if (addPath) {
      if (i + 5 > end) return fail(invalidNetwork(`ADD-PATH prefix truncated at octet ${i}`));
      pathId = be32(bytes, i);
      i += 4;
    }
    const len = bytes[i] as number;
    if (len > bits) return fail(invalidNetwork(`prefix length ${len} > ${bits}`));
    const need = (len + 7) >>> 3;
    i++;
    if (i + need > end) return fail(invalidNetwork(`prefix /${len} needs ${need} octets, ${end - i} left`));
    const addr = new Uint8Array(size);
    for (let k = 0; k < need; k++) addr[k] = bytes[i + k] as number;
    if ((len & 7) !== 0) addr[need - 1] = (addr[need - 1] as number) & lastByteMask(len);
    i += need;
    out.push(addPath ? { afi, len, addr, pathId } : { afi, len, addr });
  }
  return ok(out);
}

/** Append one prefix (RFC 7911 path id first when `addPath`). Host bits are written as zero. */
export function encodePrefix(w: ByteWriter, p: Prefix, addPath: boolean): void {
  if (addPath) w.u32(p.pathId ?? 0);
  w.u8(p.len);
  const n = prefixBytes(p.len);
  for (let k = 0; k < n; k++) {
    const b = p.addr[k] ?? 0;
    w.u8(k === n - 1 ? b & lastByteMask(p.len) : b);
  }
}

/**
 * Write one prefix straight into `out` at `at` (the packer's fast path); returns the new offset.
 * The caller has sized `out` with prefixWireLen.
 */
export function writePrefix(out: Uint8Array, at: number, p: Prefix, addPath: boolean): number {
  let i = at;
  if (addPath) {
    const id = (p.pathId ?? 0) >>> 0;
    out[i] = id >>> 24;
    out[i + 1] = (id >>> 16) & 0xff;
    out[i + 2] = (id >>> 8) & 0xff;
    out[i + 3] = id & 0xff;
    i += 4;
  }
  out[i++] = p.len;
  const n = prefixBytes(p.len);
  for (let k = 0; k < n; k++) out[i + k] = p.addr[k] ?? 0;
  if (n > 0) out[i + n - 1] = (out[i + n - 1] as number) & lastByteMask(p.len);
  return i + n;
}

/** "10.1.0.0/24", "fd00:1::/64"; with ADD-PATH "10.1.0.0/24 path 7". */
export function prefixToString(p: Prefix): string {
  const text = `${ipToString(p.addr)}/${p.len}`;
  return p.pathId === undefined ? text : `${text} path ${p.pathId}`;
}

/**
 * Parse "10.1.0.0/24" or "fd00:1::/64" (a bare address is a host route). Returns null for bad
 * syntax, a length out of range, or host bits set past the length ("10.1.0.1/24" is a typo, not
 * a prefix; callers that want masking should mask first).
 */
export function parsePrefix(text: string): Prefix | null {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const v6 = addrText.includes(':');
  const addr = v6 ? parseIpv6(addrText) : parseIpv4(addrText);
  if (!addr) return null;
  const bits = addr.length * 8;
  let len = bits;
  if (slash >= 0) {
    const lenText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lenText)) return null;
    len = Number(lenText);
    if (len > bits) return null;
  }
  if (!hostBitsZero(addr, len)) return null;
  return { afi: v6 ? Afi.Ipv6 : Afi.Ipv4, len, addr };
}

function hostBitsZero(addr: Uint8Array, len: number): boolean {
  const full = len >>> 3;
  if ((len & 7) !== 0 && ((addr[full] ?? 0) & ~lastByteMask(len) & 0xff) !== 0) return false;
  for (let k = prefixBytes(len); k < addr.length; k++) if (addr[k] !== 0) return false;
  return true;
}
