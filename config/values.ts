/**
 * Readers for the config's domain values: AS numbers, IP addresses, CIDRs, communities, host
 * names, file paths. Each returns the canonical form or reports "X is not allowed (what is)".
 * Input: Vals from reader.ts. Output: canonical strings and numbers for sections.ts. Pure.
 */
import { canonicalIp, formatCidr, formatHostPort, parseCidr, parseHostPort, parseIPv4 } from './ip.js';
import { fail, readInt, readString, refuse, type Ctx, type Val } from './reader.js';
import { communityValue, largeCommunityValue, type PeerAsn } from './schema.js';
import { isScalar } from 'yaml';

/** RFC 7607: AS 0 is reserved; RFC 6793 §9: AS_TRANS (23456) is not a real AS. */
export const ASN_ALLOWED = '1..4294967295 except 23456';

export function isAsn(n: number): boolean {
  return n >= 1 && n <= 0xffffffff && n !== 23456;
}

export function readAsn(ctx: Ctx, v: Val): number | undefined {
  return readInt(ctx, v, isAsn, ASN_ALLOWED);
}

export function readPeerAsn(ctx: Ctx, v: Val): PeerAsn | undefined {
  const raw = v.node && isScalar(v.node) ? v.node.value : undefined;
  if (raw === 'internal' || raw === 'external') return raw;
  return readInt(ctx, v, isAsn, `${ASN_ALLOWED}, or internal or external`);
}

/** RFC 4271 §4.2: BGP Identifier, written as an IPv4 dotted quad. */
export function readRouterId(ctx: Ctx, v: Val): string | undefined {
  const s = readString(ctx, v, 'IPv4 address such as 192.0.2.1', (t) => parseIPv4(t) !== undefined);
  return s && canonicalIp(s);
}

export function readIp(ctx: Ctx, v: Val): string | undefined {
  const s = readString(ctx, v, 'IPv4 or IPv6 address', (t) => canonicalIp(t) !== undefined);
  return s && canonicalIp(s);
}

/** A prefix such as 10.244.1.0/24 or fd00:10:244:1::/64 with all host bits zero. */
export function readCidr(ctx: Ctx, v: Val): string | undefined {
  const s = readString(ctx, v, 'CIDR prefix such as 10.244.1.0/24 or fd00:10:244::/64');
  if (s === undefined) return undefined;
  const r = parseCidr(s);
  if (r.ok) return formatCidr(r.cidr);
  if (r.reason === 'host-bits') {
    return fail(ctx, v, `${JSON.stringify(s)} has host bits set (a network address: all bits after the prefix length zero)`);
  }
  if (r.reason === 'length') return refuse(ctx, v, 'prefix length 0..32 for IPv4, 0..128 for IPv6');
  return refuse(ctx, v, 'CIDR prefix such as 10.244.1.0/24 or fd00:10:244::/64');
}

const WELL_KNOWN_HINT = 'no-export, no-advertise, no-export-subconfed, no-peer, blackhole';

/** RFC 1997: `asn:value` with both halves 0..65535, or a well-known name. */
export function readCommunity(ctx: Ctx, v: Val): string | undefined {
  const allowed = `asn:value with each part 0..65535, or ${WELL_KNOWN_HINT}`;
  return readString(ctx, v, allowed, (s) => communityValue(s) !== undefined);
}

/** RFC 8092 §3: global administrator, local data 1, local data 2, each 0..4294967295. */
export function readLargeCommunity(ctx: Ctx, v: Val): string | undefined {
  const allowed = 'global:local1:local2 with each part 0..4294967295';
  return readString(ctx, v, allowed, (s) => largeCommunityValue(s) !== undefined);
}

const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 §2.1 host name: dot-separated labels of letters, digits and inner hyphens. */
export function readHostname(ctx: Ctx, v: Val): string | undefined {
  const allowed = 'host name: labels of letters, digits and inner hyphens, at most 253 characters';
  return readString(ctx, v, allowed, (s) => s.length <= 253 && s.split('.').every((l) => LABEL.test(l)));
}

/** Peer names end up in logs, metrics labels and CLI arguments: keep them plain. */
export function readPeerName(ctx: Ctx, v: Val): string | undefined {
  const allowed = '1..64 characters: letters, digits, and . _ : - after the first';
  return readString(ctx, v, allowed, (s) => /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(s));
}

export function readAbsolutePath(ctx: Ctx, v: Val): string | undefined {
  return readString(ctx, v, 'absolute file path', (s) => s.startsWith('/') && !s.includes('\0'));
}

export function readEnvName(ctx: Ctx, v: Val): string | undefined {
  return readString(ctx, v, 'environment variable name: letters, digits, _', (s) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
}

/** A group name, or a numeric gid (kept as text). */
export function readGroup(ctx: Ctx, v: Val): string | undefined {
  const raw = v.node && isScalar(v.node) ? v.node.value : undefined;
  if (typeof raw === 'number') return readInt(ctx, v, (n) => n >= 0 && n < 0xffffffff, 'group name or gid')?.toString();
  const allowed = 'group name (letters, digits, _ -) or gid';
  return readString(ctx, v, allowed, (s) => /^[A-Za-z_][A-Za-z0-9_-]{0,31}$|^[0-9]{1,10}$/.test(s));
}

/** A listening endpoint `address:port` in canonical form (IPv6 in brackets). */
export function readListen(ctx: Ctx, v: Val): string | undefined {
  const s = readString(ctx, v, 'address:port such as 127.0.0.1:9180 or [::1]:9180, port 1..65535', (t) => parseHostPort(t) !== undefined);
  const hp = s === undefined ? undefined : parseHostPort(s);
  return hp && formatHostPort(hp);
}
