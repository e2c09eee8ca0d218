/**
 * What a peer's sockets must carry, worked out from its config and its key: TCP-MD5 (RFC 2385)
 * or TCP-AO (RFC 5925) key, the TTL to send with and the least TTL to accept (GTSM, RFC 5082;
 * eBGP multihop), and the interface to bind to. guard.ts puts it on sockets. Also the summary
 * `rackroute neighbors` shows. Input: a PeerConfig and key bytes (config/load.ts). Output: plain
 * data. Pure: no I/O, never throws.
 */
import type { PeerConfig, TcpAoAlgorithm as ConfigAlgorithm } from '../../config/schema.js';
import { parseIp } from '../../peers/wire/ip.js';
import type { TcpAoAlgorithm, TcpAoKey } from './structs.js';

/** RFC 5082 §3: GTSM sends with the highest TTL and accepts only that. */
export const GTSM_TTL = 255;

export type Auth = { kind: 'none' } | { kind: 'md5'; key: Uint8Array } | { kind: 'tcp-ao'; ao: TcpAoKey };

export interface Protection {
  /** The peer's address: 4 or 16 bytes, and its family. */
  readonly peer: Uint8Array;
  readonly family: 4 | 6;
  readonly auth: Auth;
  /** RFC 5082: send with TTL 255 and refuse anything below. */
  readonly gtsm: boolean;
  /** TTL (hop limit) to send with; null: the system default. */
  readonly ttl: number | null;
  /** Least TTL to accept; null: any. */
  readonly minTtl: number | null;
  /** SO_BINDTODEVICE. */
  readonly ifname?: string;
}

/** Which of the reasons a peer's session could not be protected (a metric label: bounded). */
export type GuardReason = 'key' | 'md5' | 'tcp-ao-unsupported' | 'tcp-ao' | 'ttl' | 'interface' | 'socket';

export interface GuardFailure {
  readonly reason: GuardReason;
  /** For logs and `rackroute neighbors`: what failed and why, never the key. */
  readonly message: string;
}

// The config's algorithm names are the ones structs.ts knows.
const ALGORITHM: Record<ConfigAlgorithm, TcpAoAlgorithm> = { 'hmac-sha1': 'hmac-sha1', 'cmac-aes128': 'cmac-aes128' };

/** Whether the peer's sockets need anything beyond what net.connect / the listener give. */
export function needsGuard(p: PeerConfig): boolean {
  return p.passwordFile !== undefined || p.passwordEnv !== undefined || p.tcpAo !== undefined || p.ttlSecurity || p.multihop !== undefined || p.interface !== undefined;
}

/** The peer's protection with its key (for TCP-MD5 or TCP-AO as configured), or why not. */
export function protectionOf(p: PeerConfig, key: string | undefined): { ok: true; protection: Protection } | { ok: false; failure: GuardFailure } {
  const peer = parseIp(p.address);
  if (!peer) return { ok: false, failure: { reason: 'socket', message: `${p.address} is not an IP address` } };
  let auth: Auth = { kind: 'none' };
  if (p.tcpAo || p.passwordFile !== undefined || p.passwordEnv !== undefined) {
    if (key === undefined) return { ok: false, failure: { reason: 'key', message: 'no key' } };
    const bytes = new Uint8Array(Buffer.from(key, 'utf8'));
    auth = p.tcpAo ? { kind: 'tcp-ao', ao: { sendId: p.tcpAo.sendId, recvId: p.tcpAo.recvId, algorithm: ALGORITHM[p.tcpAo.algorithm], key: bytes } } : { kind: 'md5', key: bytes };
  }
  return {
    ok: true,
    protection: {
      peer,
      family: peer.length === 4 ? 4 : 6,
      auth,
      gtsm: p.ttlSecurity,
      ttl: p.ttlSecurity ? GTSM_TTL : (p.multihop ?? null),
      minTtl: p.ttlSecurity ? GTSM_TTL : null,
      ...(p.interface !== undefined ? { ifname: p.interface } : {}),
    },
  };
}

/** Same keys and options: a reload that re-read an unchanged key file changes nothing. */
export function sameProtection(a: Protection, b: Protection): boolean {
  return JSON.stringify(summary(a)) === JSON.stringify(summary(b));
}

function summary(p: Protection): unknown {
  const auth = p.auth.kind === 'md5' ? { md5: Buffer.from(p.auth.key).toString('hex') } : p.auth.kind === 'tcp-ao' ? { ...p.auth.ao, key: Buffer.from(p.auth.ao.key).toString('hex') } : null;
  return [Buffer.from(p.peer).toString('hex'), auth, p.gtsm, p.ttl, p.minTtl, p.ifname ?? null];
}

/** How `rackroute neighbors` shows a peer's session protection. */
export interface SecurityInfo {
  auth: 'md5' | 'tcp-ao' | 'none';
  ttlSecurity: boolean;
  /** The configured TTL; absent = the system default (or 255 with ttlSecurity). */
  multihop?: number;
  interface?: string;
}

export function securityInfo(p: PeerConfig): SecurityInfo {
  return {
    auth: p.tcpAo ? 'tcp-ao' : p.passwordFile !== undefined || p.passwordEnv !== undefined ? 'md5' : 'none',
    ttlSecurity: p.ttlSecurity,
    ...(p.multihop !== undefined ? { multihop: p.multihop } : {}),
    ...(p.interface !== undefined ? { interface: p.interface } : {}),
  };
}
