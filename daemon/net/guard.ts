/**
 * Puts a peer's Protection (protection.ts) on real sockets through sockopt.ts, so that no
 * segment of its session leaves or is accepted without it:
 * - outbound: a socket made here with the key, TTL, minimum TTL and interface set BEFORE the
 *   SYN, then wrapped in a net.Socket whose connect() libuv runs on that descriptor (nonblocking:
 *   the handshake completes in the event loop like any net.connect, no thread waits on it);
 * - listening sockets (ListenerGuard): each keyed peer's TCP-MD5 / TCP-AO key for its address;
 *   for GTSM peers, TTL 255 (the SYN-ACK leaves with the listener's TTL) and a classic BPF
 *   socket filter (structs.ts gtsmFilter) that drops their segments arriving with TTL < 255.
 *   IP_MINTTL on the listener would refuse every peer below 255, GTSM or not; and IP_MINTTL set
 *   on the accepted socket comes too late: the peer's first segments (OPEN, even KEEPALIVE and
 *   UPDATEs) may already sit in its receive queue, accepted without the check. The filter drops
 *   the SYN itself, per source address, and accepted sockets inherit it;
 * - accepted sockets: the peer's TTL, minimum TTL (IP_MINTTL, counted as TCPMinTTLDrop) and
 *   interface right after accept, before a byte is read.
 * Input: Protections, listening descriptors, accepted sockets. Output: sockets, or a
 * GuardFailure saying what could not be set and why (never the key). Never throws.
 */
import { fstatSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { isIpv6LinkLocal } from '../../peers/wire/ip.js';
import { addAoKey, bindToDevice, closeFd, deleteAoKey, fdOf, setFilter, setMd5Key, setMinTtl, setTtl, socketFamily, tcpAoSupported, tcpSocket, type SockError } from './sockopt.js';
import { AF_INET, AF_INET6, gtsmFilter } from './structs.js';
import { GTSM_TTL, type GuardFailure, type Protection } from './protection.js';

export interface DialTarget {
  host: string;
  port: number;
  localAddress?: string;
}

const text = (e: SockError): string => `${e.code}: ${e.message}`;

function md5Failure(e: SockError, where: string): GuardFailure {
  if (e.code === 'ENOPROTOOPT') return { reason: 'md5', message: 'TCP-MD5 (RFC 2385): this kernel has no TCP-MD5 support (CONFIG_TCP_MD5SIG)' };
  const hint = e.code === 'ENOMEM' ? '; one key takes about 136 bytes of socket option memory: raise net.core.optmem_max' : '';
  return { reason: 'md5', message: `TCP-MD5 (RFC 2385): cannot install the key on ${where} (${text(e)}${hint})` };
}

/** RFC 5925 needs kernel support, probed once (sockopt.ts): without it the session stays down. */
export function aoUnsupported(): GuardFailure | null {
  const s = tcpAoSupported();
  if (s.supported) return null;
  const why = s.error ? `TCP_AO_INFO: ${s.error.code}` : 'not probed';
  return { reason: 'tcp-ao-unsupported', message: `TCP-AO (RFC 5925) is not supported by this kernel (${why}; needs Linux 6.7 or later built with CONFIG_TCP_AO): the session stays down rather than run unauthenticated` };
}

function aoFailure(e: SockError, where: string): GuardFailure {
  return { reason: 'tcp-ao', message: `TCP-AO (RFC 5925): cannot install the key on ${where} (${text(e)})` };
}

/**
 * The options of `p` that belong on one connection's socket. `keyFamily`: the socket's address
 * family when the key goes on it too (outbound sockets; accepted ones inherit the listener's).
 * `defaultTtl`: without a TTL of its own the socket goes back to the system default.
 */
function apply(fd: number, p: Protection, keyFamily: number | null, defaultTtl: boolean): GuardFailure | null {
  if (keyFamily !== null && p.auth.kind === 'md5') {
    const r = setMd5Key(fd, keyFamily, p.peer, p.auth.key);
    if (!r.ok) return md5Failure(r, 'the outgoing socket');
  }
  if (keyFamily !== null && p.auth.kind === 'tcp-ao') {
    const unsupported = aoUnsupported();
    if (unsupported) return unsupported;
    const r = addAoKey(fd, keyFamily, p.peer, p.auth.ao, true);
    if (!r.ok) return aoFailure(r, 'the outgoing socket');
  }
  if (p.ifname !== undefined) {
    const r = bindToDevice(fd, p.ifname);
    if (!r.ok) return { reason: 'interface', message: r.code === 'ENODEV' ? `interface ${p.ifname}: no such interface` : `cannot bind to interface ${p.ifname} (${text(r)})` };
  }
  const ttl = p.ttl ?? (defaultTtl ? -1 : null);
  if (ttl !== null) {
    const r = setTtl(fd, p.family, ttl);
    if (!r.ok) return { reason: 'ttl', message: `cannot set the ${p.family === 4 ? 'TTL' : 'hop limit'} to ${ttl} (${text(r)})` };
  }
  if (p.minTtl !== null) {
    // RFC 5082 §3: segments that arrive with a TTL below 255 are dropped by the kernel.
    const r = setMinTtl(fd, p.family, p.minTtl);
    if (!r.ok) return { reason: 'ttl', message: `GTSM (RFC 5082): cannot set the minimum ${p.family === 4 ? 'TTL (IP_MINTTL)' : 'hop count (IPV6_MINHOPCOUNT)'} to ${p.minTtl} (${text(r)})` };
  }
  return null;
}

/** Every option of `p` on a throwaway socket: what dial() would hit, found before the session starts. */
export function preflight(p: Protection): GuardFailure | null {
  if (p.auth.kind === 'tcp-ao') {
    const unsupported = aoUnsupported();
    if (unsupported) return unsupported;
  }
  const s = tcpSocket(p.family);
  if (!s.ok) return { reason: 'socket', message: `socket(): ${text(s)}` };
  const f = apply(s.fd, p, p.family === 4 ? AF_INET : AF_INET6, false);
  closeFd(s.fd);
  return f;
}

/** An outbound connection with every option in place before the SYN, or why not. */
export function dial(p: Protection, target: DialTarget): { ok: true; socket: net.Socket } | { ok: false; failure: GuardFailure } {
  const s = tcpSocket(p.family);
  if (!s.ok) return { ok: false, failure: { reason: 'socket', message: `socket(): ${text(s)}` } };
  const f = apply(s.fd, p, p.family === 4 ? AF_INET : AF_INET6, false);
  if (f) {
    closeFd(s.fd);
    return { ok: false, failure: f };
  }
  let socket: net.Socket;
  try {
    socket = new net.Socket({ fd: s.fd, readable: true, writable: true });
  } catch (err) {
    closeFd(s.fd);
    return { ok: false, failure: { reason: 'socket', message: `cannot wrap the socket (${err instanceof Error ? err.message : String(err)})` } };
  }
  // A link-local peer is reached through its interface (the socket is bound to it as well).
  const host = p.ifname !== undefined && p.family === 6 && isIpv6LinkLocal(p.peer) ? `${target.host}%${p.ifname}` : target.host;
  // libuv's connect uses the descriptor it was given (uv_tcp_connect on an open socket), so the
  // SYN carries the options above; 'connect' / 'error' arrive as for net.connect.
  socket.connect({ host, port: target.port, ...(target.localAddress !== undefined ? { localAddress: target.localAddress } : {}) });
  return { ok: true, socket };
}

/**
 * Right after accept, before the first read: the peer's TTL, minimum TTL and interface (its key
 * came with the connection from the listening socket). `p` null: a peer without protection,
 * whose TTL goes back to the default when the listener sends with 255 for GTSM peers.
 */
export function guardAccepted(sock: net.Socket, family: 4 | 6, p: Protection | null, listenerTtlRaised: boolean): GuardFailure | null {
  if (!p && !listenerTtlRaised) return null;
  const fd = fdOf(sock);
  if (fd < 0) return { reason: 'socket', message: 'the accepted socket has no file descriptor' };
  if (!p) {
    const r = setTtl(fd, family, -1);
    return r.ok ? null : { reason: 'ttl', message: `cannot reset the TTL of an accepted socket (${text(r)})` };
  }
  return apply(fd, p, null, listenerTtlRaised);
}

interface InstalledKey {
  kind: 'md5' | 'tcp-ao';
  /** What was installed (to see a change), as hex; stays in this process only. */
  sig: string;
  sendId: number;
  recvId: number;
}

interface ListeningSocket {
  /** The socket's inode: a descriptor number reused by a new listening socket is a new socket. */
  ino: number;
  family: number;
  /** By peer address (hex). */
  keys: Map<string, InstalledKey>;
  ttlRaised: boolean;
  /** The GTSM peers (hex addresses) in the socket filter now; '' = no filter. */
  filter: string;
}

export interface ListenerPeer {
  name: string;
  p: Protection;
}

export interface ListenerSyncResult {
  /** Peers whose key is not on every listening socket: their connections must be refused. */
  failed: Map<string, GuardFailure>;
  /** Peers whose key was installed or changed now, or who were added to the GTSM filter. */
  installed: Set<string>;
  /** Problems that belong to no configured peer (a stale key that would not go). */
  warnings: string[];
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function inodeOf(fd: number): number {
  try {
    return fstatSync(fd).ino;
  } catch {
    return -1;
  }
}

/** Longest run of listening-socket key operations between two turns of the event loop. */
const SLICE_MS = 2;

function keySig(p: Protection): string {
  if (p.auth.kind === 'md5') return `md5:${hex(p.auth.key)}`;
  if (p.auth.kind === 'tcp-ao') return `ao:${p.auth.ao.algorithm}:${p.auth.ao.sendId}:${p.auth.ao.recvId}:${hex(p.auth.ao.key)}`;
  return '';
}

/** The keys and TTL options of the listening sockets, kept in step with the configured peers. */
export class ListenerGuard {
  private readonly sockets = new Map<number, ListeningSocket>();

  /** The listening sockets send with TTL 255 (some peer uses GTSM). */
  get ttlRaised(): boolean {
    return [...this.sockets.values()].some((s) => s.ttlRaised);
  }

  /**
   * Brings every listening socket in line with `keyed` (the guarded peers): stale keys out, new
   * or changed keys in, TTL and the GTSM filter for the GTSM peers among them.
   */
  async sync(fds: readonly number[], keyed: readonly ListenerPeer[]): Promise<ListenerSyncResult> {
    const out: ListenerSyncResult = { failed: new Map(), installed: new Set(), warnings: [] };
    for (const fd of [...this.sockets.keys()]) if (!fds.includes(fd)) this.sockets.delete(fd);
    const want = new Map(keyed.filter((k) => k.p.auth.kind !== 'none').map((k) => [hex(k.p.peer), k]));
    for (const fd of fds) {
      let ls = this.sockets.get(fd);
      const ino = inodeOf(fd);
      if (ls && ls.ino !== ino) ls = undefined; // closed and the number reused (a relisten): start over
      if (!ls) {
        const fam = socketFamily(fd);
        if (!fam.ok) {
          for (const k of want.values()) out.failed.set(k.name, { reason: 'socket', message: `listening socket ${fd}: ${text(fam)}` });
          continue;
        }
        ls = { ino, family: fam.family, keys: new Map(), ttlRaised: false, filter: '' };
        this.sockets.set(fd, ls);
      }
      await this.syncKeys(fd, ls, want, out);
      this.syncGtsm(fd, ls, keyed.filter((k) => k.p.gtsm), out);
    }
    return out;
  }

  /**
   * One setsockopt per key, and the kernel walks the socket's key list for each: 900 keys took
   * about 60 ms here, so the work yields to the event loop every SLICE_MS (keepalives stay on time).
   */
  private async syncKeys(fd: number, ls: ListeningSocket, want: Map<string, ListenerPeer>, out: ListenerSyncResult): Promise<void> {
    let slice = performance.now();
    const breathe = async (): Promise<void> => {
      if (performance.now() - slice < SLICE_MS) return;
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    };
    const where = `the listening socket (${ls.family === AF_INET6 ? 'IPv6/dual-stack' : 'IPv4'})`;
    // Delete first: the kernel refuses a TCP-AO key next to a TCP-MD5 key for one address (and a
    // second MKT with the same KeyIDs). A TCP-MD5 key is replaced in place by adding the new one.
    for (const [addr, k] of [...ls.keys]) {
      const w = want.get(addr);
      if (w && keySig(w.p) === k.sig) continue;
      if (k.kind === 'md5' && w?.p.auth.kind === 'md5') continue;
      const peer = new Uint8Array(Buffer.from(addr, 'hex'));
      const r = k.kind === 'md5' ? setMd5Key(fd, ls.family, peer, new Uint8Array(0)) : deleteAoKey(fd, ls.family, peer, k.sendId, k.recvId, true);
      if (!r.ok) out.warnings.push(`cannot remove the ${k.kind === 'md5' ? 'TCP-MD5' : 'TCP-AO'} key for a removed peer from ${where} (${text(r)}): its connections keep needing that key`);
      ls.keys.delete(addr);
      await breathe();
    }
    for (const [addr, w] of want) {
      const sig = keySig(w.p);
      if (ls.keys.get(addr)?.sig === sig) continue;
      await breathe();
      const auth = w.p.auth;
      if (auth.kind === 'md5') {
        const r = setMd5Key(fd, ls.family, w.p.peer, auth.key);
        if (!r.ok) {
          out.failed.set(w.name, md5Failure(r, where));
          continue;
        }
        ls.keys.set(addr, { kind: 'md5', sig, sendId: 0, recvId: 0 });
      } else if (auth.kind === 'tcp-ao') {
        const unsupported = aoUnsupported();
        const r = unsupported ? null : addAoKey(fd, ls.family, w.p.peer, auth.ao, false); // no current key on a listener
        if (unsupported || !r?.ok) {
          out.failed.set(w.name, unsupported ?? aoFailure(r as SockError, where));
          continue;
        }
        ls.keys.set(addr, { kind: 'tcp-ao', sig, sendId: auth.ao.sendId, recvId: auth.ao.recvId });
      }
      out.installed.add(w.name);
    }
  }

  private syncGtsm(fd: number, ls: ListeningSocket, gtsm: readonly ListenerPeer[], out: ListenerSyncResult): void {
    const families: (4 | 6)[] = ls.family === AF_INET6 ? [4, 6] : [4];
    const raise = gtsm.length > 0;
    if (raise !== ls.ttlRaised) {
      // The SYN-ACK to a GTSM peer leaves with the listener's TTL: 255, or the peer drops it.
      const failed = families.map((f) => setTtl(fd, f, raise ? GTSM_TTL : -1)).find((r) => !r.ok);
      if (failed && !failed.ok) {
        const f: GuardFailure = { reason: 'ttl', message: `GTSM (RFC 5082): cannot set the listening socket's TTL to ${raise ? GTSM_TTL : 'the default'} (${text(failed)})` };
        for (const k of gtsm) out.failed.set(k.name, f);
        if (!raise) out.warnings.push(f.message);
      } else ls.ttlRaised = raise;
    }
    const mine = gtsm.filter((k) => !out.failed.has(k.name) && (k.p.family === 4 || ls.family === AF_INET6));
    const sig = mine.map((k) => hex(k.p.peer)).sort().join(',');
    if (sig === ls.filter) return;
    // RFC 5082 §3: segments from a GTSM peer with TTL (hop limit) below 255 are dropped, the SYN first.
    const program = mine.length > 0 ? gtsmFilter(mine.map((k) => k.p.peer)) : null;
    const r = program && !program.ok ? null : setFilter(fd, program && program.ok ? program : null);
    if (!r || !r.ok) {
      const why = program && !program.ok ? program.error : r && !r.ok ? text(r) : '';
      const f: GuardFailure = { reason: 'ttl', message: `GTSM (RFC 5082): cannot ${program ? 'install' : 'remove'} the listening socket's TTL filter (${why})` };
      if (program) for (const k of mine) out.failed.set(k.name, f);
      else out.warnings.push(f.message);
      return;
    }
    const before = new Set(ls.filter.split(','));
    for (const k of mine) if (!before.has(hex(k.p.peer))) out.installed.add(k.name);
    ls.filter = sig;
  }
}
