/**
 * The RFC 5881 §5 receive check (GTSM, RFC 5082) for BFD's UDP sockets: Node cannot read a
 * datagram's TTL / Hop Limit (no IP_RECVTTL ancillary data in node:dgram), so a classic BPF
 * socket filter (SO_ATTACH_FILTER, through the socket-option edge daemon/net/sockopt.ts) makes the kernel
 * drop every datagram whose IPv4 TTL or IPv6 Hop Limit is not 255 before it reaches the socket.
 * The filter reads the IP header through the SKF_NET_OFF window, so it works on a plain UDP
 * socket. Input: a bound node:dgram socket. Output: true when the filter is attached. Never
 * throws; touches nothing but the one socket it is given.
 */
import type dgram from 'node:dgram';
import { encodeSockFilter, type SockFilter } from '../net/structs.js';
import { setFilter } from '../net/sockopt.js';

/** linux/filter.h: loads relative to the network (IP) header. */
const SKF_NET_OFF = -0x100000;
const BPF_LD_B_ABS = 0x30;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;

/** Accept a datagram only when the octet at `offset` of its IP header is 255. */
export function ttl255Program(family: 4 | 6): SockFilter[] {
  // IPv4 TTL is octet 8 of the header (RFC 791), IPv6 Hop Limit octet 7 (RFC 8200).
  const offset = family === 4 ? 8 : 7;
  return [
    { code: BPF_LD_B_ABS, jt: 0, jf: 0, k: (SKF_NET_OFF + offset) >>> 0 },
    { code: BPF_JEQ_K, jt: 0, jf: 1, k: 255 },
    { code: BPF_RET_K, jt: 0, jf: 0, k: 0xffffffff },
    { code: BPF_RET_K, jt: 0, jf: 0, k: 0 },
  ];
}

/**
 * The socket's file descriptor. node:dgram keeps it on its internal handle (the public
 * `_handle` getter is deprecated and warns; the state symbol is the same object without it).
 */
function fdOf(sock: dgram.Socket): number | null {
  for (const key of Object.getOwnPropertySymbols(sock)) {
    const v = (sock as unknown as Record<symbol, unknown>)[key] as { handle?: { fd?: unknown } } | undefined;
    if (v && typeof v === 'object' && typeof v.handle?.fd === 'number' && v.handle.fd >= 0) return v.handle.fd;
  }
  return null;
}

/** Attaches the TTL/Hop Limit 255 filter to a bound socket; false when it could not. */
export function requireTtl255(sock: dgram.Socket, family: 4 | 6): boolean {
  const fd = fdOf(sock);
  return fd !== null && setFilter(fd, encodeSockFilter(ttl255Program(family))).ok;
}
