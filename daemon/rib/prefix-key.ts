/**
 * Compact Map keys for prefixes on the route-engine hot path (Loc-RIB, later the FIB diff), so a
 * million-prefix table is not a million `Prefix` objects with their own Uint8Arrays.
 *
 *   IPv4: a number, addr * 64 + len (addr < 2^32, len <= 32, so < 2^38: exact in a double).
 *   IPv6: a one-byte string, char(len) followed by the ceil(len / 8) address bytes as chars
 *         0..255 (host bits masked). V8 keeps it as a flat one-byte string; hashing it is as
 *         cheap as hashing a number and it costs ~18 bytes more per Map entry.
 *
 * Measured here (1M /60 keys in a Map, Node 20): one-byte string 1.0–1.3 s insert, 0.7 s lookup,
 * 61 B/entry; number (IPv4) 1.0–1.2 s / 0.7 s, 43 B/entry; hex text 3.4 s / 1.9 s, 237 B/entry;
 * BigInt unusable as a Map key (20k keys took 1.4 s: V8 hashes BigInts badly).
 *
 * The two families never collide (number vs string). Keys ignore the ADD-PATH path id: the
 * Loc-RIB is per prefix, paths are told apart by (peer, path id). Input: NLRI bytes or Prefix
 * values from the codec, text from config/CLI. Pure: no I/O.
 */
import { Afi } from '../../peers/wire/constants.js';
import type { Prefix } from '../../peers/wire/types.js';
import { ipToString } from '../../peers/wire/ip.js';
import { parsePrefix } from '../../peers/wire/nlri.js';

export type PrefixKey = number | string;

/** One-character strings for 0..255, so building a key allocates no temporaries per byte. */
const CHARS: readonly string[] = Array.from({ length: 256 }, (_, i) => String.fromCharCode(i));

function maskByte(b: number, bitsLeft: number): number {
  return bitsLeft >= 8 ? b : b & ((0xff00 >> bitsLeft) & 0xff);
}

/** IPv4 key from the address as u32 and the length (host bits are masked off). */
export function ipv4Key(addr: number, len: number): number {
  const masked = len === 0 ? 0 : (addr & (0xffffffff << (32 - len))) >>> 0;
  return masked * 64 + len;
}

/**
 * Key straight from NLRI bytes: `bytes[at..]` holds the ceil(len / 8) significant address
 * octets, as the wire and `forEachPrefix` (peers/wire/nlri.ts) give them.
 */
export function keyFromBytes(afi: Afi, bytes: Uint8Array, at: number, len: number): PrefixKey {
  const n = (len + 7) >> 3;
  if (afi === Afi.Ipv4) {
    let v = 0;
    for (let i = 0; i < 4; i++) v = v * 256 + (i < n ? (bytes[at + i] ?? 0) : 0);
    return ipv4Key(v, len);
  }
  let s = CHARS[len] as string;
  for (let i = 0; i < n; i++) s += CHARS[maskByte(bytes[at + i] ?? 0, len - i * 8)] as string;
  return s;
}

export function prefixKey(p: Prefix): PrefixKey {
  return keyFromBytes(p.afi, p.addr, 0, p.len);
}

export function isIpv4Key(k: PrefixKey): k is number {
  return typeof k === 'number';
}

/** The Prefix a key stands for (no path id). */
export function keyToPrefix(k: PrefixKey): Prefix {
  if (typeof k === 'number') {
    const len = k % 64;
    const v = (k - len) / 64;
    const addr = new Uint8Array([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]);
    return { afi: Afi.Ipv4, len, addr };
  }
  const addr = new Uint8Array(16);
  for (let i = 1; i < k.length; i++) addr[i - 1] = k.charCodeAt(i);
  return { afi: Afi.Ipv6, len: k.charCodeAt(0), addr };
}

/** "10.1.0.0/24", "fd00:1::/64". */
export function formatKey(k: PrefixKey): string {
  if (typeof k === 'number') {
    // IPv4 without the Prefix object: a million kernel changes format a million of these.
    const len = k % 64;
    const v = (k - len) / 64;
    return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}/${len}`;
  }
  const p = keyToPrefix(k);
  return `${ipToString(p.addr)}/${p.len}`;
}

/** Parses prefix text (see parsePrefix: host bits must be zero) to a key, or null. */
export function parseKey(text: string): PrefixKey | null {
  const p = parsePrefix(text);
  return p ? prefixKey(p) : null;
}

/** Address family of a key. */
export function keyAfi(k: PrefixKey): Afi {
  return typeof k === 'number' ? Afi.Ipv4 : Afi.Ipv6;
}

/** The Loc-RIB key of an Adj-RIB-In key, which carries `#pathId` under ADD-PATH (RFC 7911). */
export function baseKey(ak: PrefixKey): PrefixKey | null {
  return typeof ak === 'string' && ak.includes('#') ? parseKey(ak.slice(0, ak.indexOf('#'))) : ak;
}
