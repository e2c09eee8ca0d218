/**
 * The one edge to libc for socket options Node does not have: setsockopt/getsockopt for TCP-MD5
 * (RFC 2385), TCP-AO (RFC 5925), TTL / minimum TTL (GTSM, RFC 5082, and eBGP multihop) and
 * SO_BINDTODEVICE, plus socket(2) and close(2) for outbound sockets that need these options
 * before their SYN. Calls go through koffi (FFI, prebuilt; DESIGN.md), synchronously: each is one
 * short syscall, never a wait. Input: file descriptors (`_handle.fd` of Node sockets, or sockets
 * made here) and the byte layouts of structs.ts. Output: a SockResult per call with the errno
 * name and text. Never throws; never blocks on the network.
 */
import koffi from 'koffi';
import { getSystemErrorMap } from 'node:util';
import {
  AF_INET, AF_INET6, IP_MINTTL, IP_TTL, IPPROTO_IP, IPPROTO_IPV6, IPPROTO_TCP, IPV6_MINHOPCOUNT, IPV6_UNICAST_HOPS, SO_BINDTODEVICE,
  SO_ATTACH_FILTER, SO_DETACH_FILTER, SO_DOMAIN, SOL_SOCKET, TCP_AO_ADD_KEY, TCP_AO_DEL_KEY, TCP_AO_INFO, TCP_MD5SIG, tcpAoAdd, tcpAoDel, tcpMd5Sig, type TcpAoKey,
} from './structs.js';

const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
export const ENOPROTOOPT = 92;

export type SockError = { ok: false; errno: number; code: string; message: string };
export type SockResult = { ok: true } | SockError;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  setsockopt: (fd: number, level: number, name: number, value: Buffer | null, len: number) => number;
  /** setsockopt(SO_ATTACH_FILTER) with a struct sock_fprog { u16 len; struct sock_filter *filter; }. */
  setsockoptProg: (fd: number, level: number, name: number, value: { len: number; filter: Buffer }, len: number) => number;
  getsockopt: (fd: number, level: number, name: number, value: Buffer, len: number[]) => number;
  close: (fd: number) => number;
}

let libc: Libc | null | undefined;
let loadError = '';
function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const lib = koffi.load('libc.so.6');
    koffi.struct('rr_sock_fprog', { len: 'uint16', filter: 'void *' });
    libc = {
      socket: lib.func('int socket(int, int, int)') as Libc['socket'],
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as Libc['setsockopt'],
      setsockoptProg: lib.func('int setsockopt(int, int, int, const rr_sock_fprog *, uint32_t)') as Libc['setsockoptProg'],
      getsockopt: lib.func('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)') as Libc['getsockopt'],
      close: lib.func('int close(int)') as Libc['close'],
    };
  } catch (err) {
    loadError = err instanceof Error ? err.message : String(err);
    libc = null;
  }
  return libc;
}

/** An error value for errno `n`, e.g. { code: 'ENOPROTOOPT', message: 'protocol not available' }. */
export function errnoError(n: number): SockError {
  const [code, message] = getSystemErrorMap().get(-n) ?? [`errno ${n}`, 'unknown error'];
  return { ok: false, errno: n, code, message };
}

function noLibc(): SockError {
  return { ok: false, errno: 0, code: 'ENOLIBC', message: `cannot load libc.so.6 through koffi (${loadError})` };
}

function check(r: number): SockResult {
  return r < 0 ? errnoError(koffi.errno()) : { ok: true };
}

function set(fd: number, level: number, name: number, value: Buffer): SockResult {
  const c = load();
  return c ? check(c.setsockopt(fd, level, name, value, value.length)) : noLibc();
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v, 0);
  return b;
}

/** A nonblocking, close-on-exec TCP socket of the peer's family (4 or 6), or the error. */
export function tcpSocket(family: 4 | 6): { ok: true; fd: number } | SockError {
  const c = load();
  if (!c) return noLibc();
  const fd = c.socket(family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd < 0 ? errnoError(koffi.errno()) : { ok: true, fd };
}

export function closeFd(fd: number): void {
  load()?.close(fd);
}

/** AF_INET or AF_INET6: which sockaddr layout the socket's key options take. */
export function socketFamily(fd: number): { ok: true; family: number } | SockError {
  const c = load();
  if (!c) return noLibc();
  const out = Buffer.alloc(4);
  const r = c.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, out, [4]);
  return r < 0 ? errnoError(koffi.errno()) : { ok: true, family: out.readInt32LE(0) };
}

/**
 * RFC 2385: sign and check every segment to and from `peer` (4 or 16 bytes) with `key`; an
 * empty key removes the peer's key. On a listening socket the key applies to the connections it
 * accepts from the peer: the kernel drops a SYN from that address without a valid signature.
 */
export function setMd5Key(fd: number, socketFamily: number, peer: Uint8Array, key: Uint8Array): SockResult {
  const s = tcpMd5Sig(peer, socketFamily, key);
  if (!s.ok) return { ok: false, errno: 22, code: 'EINVAL', message: s.error };
  return set(fd, IPPROTO_TCP, TCP_MD5SIG, s.buf);
}

/** RFC 5925: one Master Key Tuple for `peer`; `current` (not on listening sockets): send with it. */
export function addAoKey(fd: number, socketFamily: number, peer: Uint8Array, k: TcpAoKey, current: boolean): SockResult {
  const s = tcpAoAdd(peer, socketFamily, k, current);
  if (!s.ok) return { ok: false, errno: 22, code: 'EINVAL', message: s.error };
  return set(fd, IPPROTO_TCP, TCP_AO_ADD_KEY, s.buf);
}

export function deleteAoKey(fd: number, socketFamily: number, peer: Uint8Array, sendId: number, recvId: number, listening: boolean): SockResult {
  const s = tcpAoDel(peer, socketFamily, sendId, recvId, listening);
  if (!s.ok) return { ok: false, errno: 22, code: 'EINVAL', message: s.error };
  return set(fd, IPPROTO_TCP, TCP_AO_DEL_KEY, s.buf);
}

/**
 * TTL (IPv4) / hop limit (IPv6) of what the socket sends, for a peer of `peerFamily` (an IPv4
 * peer on a dual-stack socket is IPv4 on the wire: IP_TTL). -1: the system default.
 */
export function setTtl(fd: number, peerFamily: 4 | 6, ttl: number): SockResult {
  return peerFamily === 4 ? set(fd, IPPROTO_IP, IP_TTL, int32(ttl)) : set(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, int32(ttl));
}

/** RFC 5082 §3: the kernel drops segments that arrive with a lower TTL / hop limit; 0: off. */
export function setMinTtl(fd: number, peerFamily: 4 | 6, ttl: number): SockResult {
  return peerFamily === 4 ? set(fd, IPPROTO_IP, IP_MINTTL, int32(ttl)) : set(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, int32(ttl));
}

/** SO_BINDTODEVICE: send and receive only through interface `ifname` (IPv6 link-local peers). */
export function bindToDevice(fd: number, ifname: string): SockResult {
  return set(fd, SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${ifname}\0`, 'latin1'));
}

/**
 * A classic BPF socket filter (structs.ts gtsmFilter) on the socket, replacing any other; `null`
 * takes it off. Sockets accepted later inherit a listening socket's filter.
 */
export function setFilter(fd: number, program: { buf: Buffer; count: number } | null): SockResult {
  const c = load();
  if (!c) return noLibc();
  // sock_setsockopt wants an int-sized value even for SO_DETACH_FILTER, which ignores it.
  if (!program) return check(c.setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, int32(0), 4));
  return check(c.setsockoptProg(fd, SOL_SOCKET, SO_ATTACH_FILTER, { len: program.count, filter: program.buf }, 16));
}

export interface AoSupport {
  supported: boolean;
  /** Why not, when not: the errno from probing TCP_AO_INFO (ENOPROTOOPT: kernel without CONFIG_TCP_AO). */
  error?: SockError;
}

let aoSupport: AoSupport | undefined;

/**
 * Whether this kernel does TCP-AO (Linux 6.7+ built with CONFIG_TCP_AO). Probed once, on a
 * throwaway socket: getsockopt(TCP_AO_INFO) is ENOPROTOOPT without TCP-AO, and ENOENT (no keys
 * yet) with it.
 */
export function tcpAoSupported(): AoSupport {
  if (aoSupport) return aoSupport;
  const s = tcpSocket(4);
  if (!s.ok) return { supported: false, error: s }; // not cached: a later probe may get a socket
  const c = load();
  if (!c) return { supported: false, error: noLibc() };
  const out = Buffer.alloc(48); // struct tcp_ao_info_opt
  const r = c.getsockopt(s.fd, IPPROTO_TCP, TCP_AO_INFO, out, [out.length]);
  const errno = r < 0 ? koffi.errno() : 0;
  c.close(s.fd);
  aoSupport = errno === ENOPROTOOPT ? { supported: false, error: errnoError(errno) } : { supported: true };
  return aoSupport;
}

/** The fd of a listening net.Server or a connected net.Socket (Linux: `_handle.fd`); -1 if none. */
export function fdOf(handleOwner: unknown): number {
  const fd = (handleOwner as { _handle?: { fd?: unknown } } | null)?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : -1;
}
