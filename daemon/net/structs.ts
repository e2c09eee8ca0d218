/**
 * The Linux socket-option structs and constants behind TCP-MD5 (RFC 2385), TCP-AO (RFC 5925)
 * and GTSM (RFC 5082), as bytes: struct sockaddr_storage, struct tcp_md5sig, struct tcp_ao_add
 * and struct tcp_ao_del from linux/tcp.h (x86_64 / arm64 little-endian layouts). sockopt.ts hands
 * these buffers to setsockopt(2). Input: addresses as bytes (peers/wire/ip.ts), keys as bytes.
 * Output: Buffers or an error value. Pure: no I/O, never throws.
 */

export const AF_INET = 2;
export const AF_INET6 = 10;

export const SOL_SOCKET = 1;
export const SO_BINDTODEVICE = 25;
/** The socket's address family (getsockopt only). */
export const SO_DOMAIN = 39;
export const SO_ERROR = 4;

export const IPPROTO_IP = 0;
export const IPPROTO_TCP = 6;
export const IPPROTO_IPV6 = 41;

export const IP_TTL = 2;
export const IP_MINTTL = 21;
export const IPV6_UNICAST_HOPS = 16;
export const IPV6_MINHOPCOUNT = 73;

export const TCP_MD5SIG = 14;
export const TCP_MD5SIG_EXT = 32;
/** RFC 2385 keys are at most 80 bytes on Linux (TCP_MD5SIG_MAXKEYLEN). */
export const TCP_MD5SIG_MAXKEYLEN = 80;

export const TCP_AO_ADD_KEY = 38;
export const TCP_AO_DEL_KEY = 39;
export const TCP_AO_INFO = 40;
export const TCP_AO_MAXKEYLEN = 80;

export const SO_ATTACH_FILTER = 26;
export const SO_DETACH_FILTER = 27;
/** Classic BPF's limit on a program (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

export const SOCKADDR_STORAGE_LEN = 128;
export const TCP_MD5SIG_LEN = 216;
export const TCP_AO_ADD_LEN = 288;
export const TCP_AO_DEL_LEN = 144;

/** Kernel crypto names of the RFC 5926 MACs (both 96-bit: 12-byte MAC). */
export const TCP_AO_ALGORITHMS = { 'hmac-sha1': 'hmac(sha1)', 'cmac-aes128': 'cmac(aes128)' } as const;
export type TcpAoAlgorithm = keyof typeof TCP_AO_ALGORITHMS;
/** RFC 5926 §3.2: HMAC-SHA-1-96 and AES-128-CMAC-96 both truncate the MAC to 96 bits. */
export const TCP_AO_MACLEN = 12;

export type Encoded = { ok: true; buf: Buffer } | { ok: false; error: string };

/**
 * struct sockaddr_in / sockaddr_in6 for `addr` (4 or 16 bytes) inside a zeroed 128-byte
 * sockaddr_storage, laid out for a socket of `socketFamily`: an IPv4 peer on an AF_INET6 socket
 * (a dual-stack listener) is written as ::ffff:a.b.c.d, which Linux files as an IPv4 key.
 */
export function sockaddr(addr: Uint8Array, socketFamily: number, port = 0): Encoded {
  const buf = Buffer.alloc(SOCKADDR_STORAGE_LEN);
  if (addr.length === 4 && socketFamily === AF_INET) {
    buf.writeUInt16LE(AF_INET, 0); // sin_family (host order)
    buf.writeUInt16BE(port, 2); // sin_port (network order)
    buf.set(addr, 4); // sin_addr
    return { ok: true, buf };
  }
  if (socketFamily !== AF_INET6) return { ok: false, error: `an IPv${addr.length === 4 ? 4 : 6} address on an address family ${socketFamily} socket` };
  if (addr.length !== 4 && addr.length !== 16) return { ok: false, error: `address of ${addr.length} bytes` };
  buf.writeUInt16LE(AF_INET6, 0); // sin6_family
  buf.writeUInt16BE(port, 2); // sin6_port; sin6_flowinfo at 4 stays 0
  if (addr.length === 4) {
    buf.writeUInt16BE(0xffff, 8 + 10); // ::ffff:0:0/96
    buf.set(addr, 8 + 12);
  } else buf.set(addr, 8); // sin6_addr at 8; sin6_scope_id at 24 stays 0
  return { ok: true, buf };
}

/**
 * struct tcp_md5sig { sockaddr_storage tcpm_addr; u8 tcpm_flags; u8 tcpm_prefixlen;
 * u16 tcpm_keylen; int tcpm_ifindex; u8 tcpm_key[80]; } for TCP_MD5SIG (flags, prefix length and
 * ifindex are only read with TCP_MD5SIG_EXT). An empty key deletes the peer's key
 * (tcp_v4_parse_md5_keys: keylen 0 = delete).
 */
export function tcpMd5Sig(peer: Uint8Array, socketFamily: number, key: Uint8Array): Encoded {
  if (key.length > TCP_MD5SIG_MAXKEYLEN) return { ok: false, error: `key of ${key.length} bytes (at most ${TCP_MD5SIG_MAXKEYLEN})` };
  const sa = sockaddr(peer, socketFamily);
  if (!sa.ok) return sa;
  const buf = Buffer.alloc(TCP_MD5SIG_LEN);
  sa.buf.copy(buf, 0);
  buf.writeUInt16LE(key.length, 130); // tcpm_keylen after flags (128) and prefixlen (129)
  buf.writeInt32LE(0, 132); // tcpm_ifindex
  buf.set(key, 136);
  return { ok: true, buf };
}

export interface TcpAoKey {
  /** RFC 5925 §3.1 KeyID we send (SendID) and the one we accept from the peer (RecvID), 0..255. */
  sendId: number;
  recvId: number;
  algorithm: TcpAoAlgorithm;
  key: Uint8Array;
}

/**
 * struct tcp_ao_add (288 bytes, aligned(8)): sockaddr_storage addr; char alg_name[64] at 128;
 * s32 ifindex at 192; u32 {set_current:1, set_rnext:1, reserved:30} at 196; u16 reserved2 at 200;
 * u8 prefix, sndid, rcvid, maclen, keyflags, keylen at 202..207; u8 key[80] at 208.
 * `current`: use this MKT for our segments at once and ask the peer for it (RNextKeyID), as a
 * socket with one key must (RFC 5925 §4: current_key, rnext_key).
 */
export function tcpAoAdd(peer: Uint8Array, socketFamily: number, k: TcpAoKey, current: boolean): Encoded {
  if (k.key.length === 0 || k.key.length > TCP_AO_MAXKEYLEN) return { ok: false, error: `key of ${k.key.length} bytes (1..${TCP_AO_MAXKEYLEN})` };
  if (!isKeyId(k.sendId) || !isKeyId(k.recvId)) return { ok: false, error: `KeyIDs ${k.sendId}/${k.recvId} (0..255)` };
  const sa = sockaddr(peer, socketFamily);
  if (!sa.ok) return sa;
  const buf = Buffer.alloc(TCP_AO_ADD_LEN);
  sa.buf.copy(buf, 0);
  buf.write(TCP_AO_ALGORITHMS[k.algorithm], 128, 'latin1'); // NUL-terminated: the rest is zero
  buf.writeInt32LE(0, 192); // ifindex: no VRF
  buf.writeUInt32LE(current ? 0b11 : 0, 196); // set_current | set_rnext (bit-fields from bit 0)
  buf.writeUInt8(prefixLen(peer), 202); // one address: /32 (also for ::ffff:a.b.c.d) or /128
  buf.writeUInt8(k.sendId, 203);
  buf.writeUInt8(k.recvId, 204);
  buf.writeUInt8(TCP_AO_MACLEN, 205);
  buf.writeUInt8(0, 206); // keyflags: TCP options included in the MAC (the MKT option flag, RFC 5925 §3.1)
  buf.writeUInt8(k.key.length, 207);
  buf.set(k.key, 208);
  return { ok: true, buf };
}

/**
 * struct tcp_ao_del (144 bytes, aligned(8)): sockaddr_storage addr; s32 ifindex at 128;
 * u32 {set_current:1, set_rnext:1, del_async:1, reserved:29} at 132; u16 reserved2 at 136;
 * u8 prefix, sndid, rcvid, current_key, rnext, keyflags at 138..143. `listening`: del_async,
 * which the kernel allows (and wants) only on listening sockets.
 */
export function tcpAoDel(peer: Uint8Array, socketFamily: number, sendId: number, recvId: number, listening: boolean): Encoded {
  if (!isKeyId(sendId) || !isKeyId(recvId)) return { ok: false, error: `KeyIDs ${sendId}/${recvId} (0..255)` };
  const sa = sockaddr(peer, socketFamily);
  if (!sa.ok) return sa;
  const buf = Buffer.alloc(TCP_AO_DEL_LEN);
  sa.buf.copy(buf, 0);
  buf.writeUInt32LE(listening ? 0b100 : 0, 132);
  buf.writeUInt8(prefixLen(peer), 138);
  buf.writeUInt8(sendId, 139);
  buf.writeUInt8(recvId, 140);
  return { ok: true, buf };
}

function isKeyId(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255;
}

function prefixLen(addr: Uint8Array): number {
  return addr.length === 4 ? 32 : 128;
}

// ---- RFC 5082 on a listening socket: a classic BPF socket filter ----

/** Classic BPF opcodes (linux/filter.h) used by gtsmFilter. */
const BPF = {
  LDB_ABS: 0x30, // A = byte at k
  LDW_ABS: 0x20, // A = 32-bit word at k (network order)
  AND_K: 0x54, // A &= k
  JEQ_K: 0x15, // pc += A == k ? jt : jf
  JGE_K: 0x35, // pc += A >= k ? jt : jf
  JA: 0x05, // pc += k
  RET_K: 0x06, // return k: bytes to keep, 0 = drop
} as const;
/** SKF_NET_OFF: negative offsets address the network header (the IP header), not the TCP one. */
const NET = -0x100000;
const ACCEPT = 0xffffffff;
const DROP = 0;

/** A classic BPF program under construction: fixed-shape rows, labels resolved at the end. */
class Emitter {
  private readonly rows: number[] = []; // code, jt, jf, k per instruction
  private readonly labels = new Map<string, number>();
  private readonly jumps: { at: number; to: string }[] = [];

  get count(): number {
    return this.rows.length / 4;
  }

  op(code: number, k = 0, jt = 0, jf = 0): void {
    this.rows.push(code, jt, jf, k >>> 0);
  }

  /** An unconditional jump (32-bit offset: no 255-instruction limit) to `label`. */
  ja(label: string): void {
    this.jumps.push({ at: this.count, to: label });
    this.op(BPF.JA);
  }

  label(name: string): void {
    this.labels.set(name, this.count);
  }

  /** struct sock_filter[] bytes, jumps resolved. */
  bytes(): Buffer {
    for (const j of this.jumps) this.rows[j.at * 4 + 3] = (this.labels.get(j.to) ?? j.at + 1) - (j.at + 1);
    const program: SockFilter[] = [];
    for (let i = 0; i < this.count; i++) program.push({ code: this.rows[i * 4] ?? 0, jt: this.rows[i * 4 + 1] ?? 0, jf: this.rows[i * 4 + 2] ?? 0, k: this.rows[i * 4 + 3] ?? 0 });
    return encodeSockFilter(program).buf;
  }
}

/** One classic BPF instruction (linux/filter.h struct sock_filter). */
export interface SockFilter {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** struct sock_filter[]: u16 code, u8 jt, u8 jf, u32 k, little-endian; for sockopt.ts setFilter. */
export function encodeSockFilter(program: readonly SockFilter[]): { buf: Buffer; count: number } {
  const buf = Buffer.alloc(program.length * 8);
  program.forEach((r, i) => {
    buf.writeUInt16LE(r.code, i * 8);
    buf.writeUInt8(r.jt, i * 8 + 2);
    buf.writeUInt8(r.jf, i * 8 + 3);
    buf.writeUInt32LE(r.k >>> 0, i * 8 + 4);
  });
  return { buf, count: program.length };
}

/**
 * RFC 5082 §3 for the listening socket itself: a classic BPF program that drops every segment
 * from one of `peers` (4- or 16-byte addresses) whose IPv4 TTL or IPv6 hop limit is below 255,
 * and keeps everything else. The kernel runs a TCP socket's filter on each segment before the
 * socket sees it (the SYN too), and an accepted socket inherits the filter, so a GTSM peer's
 * handshake from too far away never completes while other peers may come from anywhere.
 * Layout: version check; IPv4: source address chain, then the TTL test; IPv6: the same with
 * four words per address. Returns struct sock_filter[] bytes (8 per instruction) and the count.
 */
export function gtsmFilter(peers: readonly Uint8Array[]): { ok: true; buf: Buffer; count: number } | { ok: false; error: string } {
  const e = new Emitter();
  const word = (a: Uint8Array, i: number): number => (((a[i] ?? 0) << 24) | ((a[i + 1] ?? 0) << 16) | ((a[i + 2] ?? 0) << 8) | (a[i + 3] ?? 0)) >>> 0;
  e.op(BPF.LDB_ABS, NET + 0); // version << 4 | IHL (IPv4) / version << 4 | traffic class (IPv6)
  e.op(BPF.AND_K, 0xf0);
  e.op(BPF.JEQ_K, 0x40, 0, 1);
  e.ja('v4');
  e.op(BPF.JEQ_K, 0x60, 0, 1);
  e.ja('v6');
  e.op(BPF.RET_K, ACCEPT);
  e.label('v4');
  e.op(BPF.LDW_ABS, NET + 12); // IPv4 source address
  for (const a of peers) {
    if (a.length !== 4) continue;
    e.op(BPF.JEQ_K, word(a, 0), 0, 1);
    e.ja('ttl4');
  }
  e.op(BPF.RET_K, ACCEPT);
  e.label('ttl4');
  e.op(BPF.LDB_ABS, NET + 8); // IPv4 TTL
  e.op(BPF.JGE_K, 255, 0, 1);
  e.op(BPF.RET_K, ACCEPT);
  e.op(BPF.RET_K, DROP);
  e.label('v6');
  for (const a of peers) {
    if (a.length !== 16) continue;
    for (let w = 0; w < 4; w++) {
      // IPv6 source address at 8..23; on a mismatch skip the rest of this address's block.
      e.op(BPF.LDW_ABS, NET + 8 + 4 * w);
      e.op(BPF.JEQ_K, word(a, 4 * w), 0, 7 - 2 * w);
    }
    e.ja('ttl6');
  }
  e.op(BPF.RET_K, ACCEPT);
  e.label('ttl6');
  e.op(BPF.LDB_ABS, NET + 7); // IPv6 hop limit
  e.op(BPF.JGE_K, 255, 0, 1);
  e.op(BPF.RET_K, ACCEPT);
  e.op(BPF.RET_K, DROP);
  if (e.count > BPF_MAXINSNS) return { ok: false, error: `${peers.length} GTSM peers need ${e.count} BPF instructions (at most ${BPF_MAXINSNS})` };
  return { ok: true, buf: e.bytes(), count: e.count };
}
