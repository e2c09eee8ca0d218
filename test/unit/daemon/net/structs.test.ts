/**
 * Unit tests for daemon/net/structs.ts: the byte layouts of sockaddr_storage, struct tcp_md5sig,
 * struct tcp_ao_add and struct tcp_ao_del (offsets from linux/tcp.h), and the GTSM socket filter,
 * run here by a small classic-BPF interpreter against IPv4 and IPv6 headers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AF_INET, AF_INET6, BPF_MAXINSNS, gtsmFilter, sockaddr, tcpAoAdd, tcpAoDel, tcpMd5Sig, TCP_AO_ADD_LEN, TCP_AO_DEL_LEN, TCP_MD5SIG_LEN,
} from '../../../../daemon/net/structs.js';
import { parseIp } from '../../../../peers/wire/ip.js';

const ip = (s: string): Uint8Array => parseIp(s) ?? assert.fail(s);
const hex = (b: Buffer, from: number, to: number): string => b.subarray(from, to).toString('hex');

test('sockaddr_in, sockaddr_in6 and an IPv4 peer on a dual-stack socket (::ffff:a.b.c.d)', () => {
  const v4 = sockaddr(ip('10.0.1.2'), AF_INET, 179);
  assert.ok(v4.ok);
  assert.equal(v4.buf.length, 128);
  assert.equal(hex(v4.buf, 0, 8), '020000b30a000102'); // family 2 (LE), port 179 (BE), address
  assert.ok(v4.buf.subarray(8).every((x) => x === 0));
  const v6 = sockaddr(ip('fd00:1::2'), AF_INET6);
  assert.ok(v6.ok);
  assert.equal(hex(v6.buf, 0, 28), `0a00000000000000${'fd000001000000000000000000000002'}00000000`);
  const mapped = sockaddr(ip('10.0.1.2'), AF_INET6);
  assert.ok(mapped.ok);
  assert.equal(hex(mapped.buf, 8, 24), '00000000000000000000ffff0a000102');
  assert.equal(sockaddr(ip('fd00::1'), AF_INET).ok, false, 'an IPv6 address does not fit an AF_INET socket');
});

test('struct tcp_md5sig: 216 bytes, keylen at 130, key at 136; an empty key deletes', () => {
  const r = tcpMd5Sig(ip('10.0.1.2'), AF_INET, Buffer.from('s3cret'));
  assert.ok(r.ok);
  assert.equal(r.buf.length, TCP_MD5SIG_LEN);
  assert.equal(hex(r.buf, 0, 8), '020000000a000102');
  assert.equal(r.buf[128], 0, 'flags');
  assert.equal(r.buf[129], 0, 'prefixlen');
  assert.equal(r.buf.readUInt16LE(130), 6);
  assert.equal(r.buf.readInt32LE(132), 0, 'ifindex');
  assert.equal(r.buf.subarray(136, 142).toString(), 's3cret');
  assert.ok(r.buf.subarray(142).every((x) => x === 0));
  const del = tcpMd5Sig(ip('fd00::2'), AF_INET6, new Uint8Array(0));
  assert.ok(del.ok);
  assert.equal(del.buf.readUInt16LE(130), 0);
  assert.ok(tcpMd5Sig(ip('10.0.1.2'), AF_INET, new Uint8Array(80)).ok);
  const long = tcpMd5Sig(ip('10.0.1.2'), AF_INET, new Uint8Array(81));
  assert.deepEqual(long, { ok: false, error: 'key of 81 bytes (at most 80)' });
});

test('struct tcp_ao_add: 288 bytes; algorithm, flag bits, prefix, KeyIDs, MAC length, key', () => {
  const r = tcpAoAdd(ip('10.0.1.2'), AF_INET6, { sendId: 7, recvId: 9, algorithm: 'hmac-sha1', key: Buffer.from('k1') }, true);
  assert.ok(r.ok);
  assert.equal(r.buf.length, TCP_AO_ADD_LEN);
  assert.equal(hex(r.buf, 8, 24), '00000000000000000000ffff0a000102');
  assert.equal(r.buf.subarray(128, 139).toString('latin1'), 'hmac(sha1)\0');
  assert.equal(r.buf.readInt32LE(192), 0, 'ifindex');
  assert.equal(r.buf.readUInt32LE(196), 0b11, 'set_current | set_rnext');
  assert.equal(r.buf.readUInt16LE(200), 0, 'reserved2');
  assert.deepEqual([...r.buf.subarray(202, 208)], [32, 7, 9, 12, 0, 2], 'prefix /32 for ::ffff:a.b.c.d, sndid, rcvid, maclen, keyflags, keylen');
  assert.equal(r.buf.subarray(208, 210).toString(), 'k1');
  const listener = tcpAoAdd(ip('fd00::2'), AF_INET6, { sendId: 1, recvId: 1, algorithm: 'cmac-aes128', key: Buffer.from('k') }, false);
  assert.ok(listener.ok);
  assert.equal(listener.buf.readUInt32LE(196), 0, 'no current key on a listening socket');
  assert.equal(listener.buf[202], 128);
  assert.match(listener.buf.subarray(128, 192).toString('latin1'), /^cmac\(aes128\)\0+$/);
  assert.equal(tcpAoAdd(ip('10.0.1.2'), AF_INET, { sendId: 256, recvId: 1, algorithm: 'hmac-sha1', key: Buffer.from('k') }, true).ok, false);
  assert.equal(tcpAoAdd(ip('10.0.1.2'), AF_INET, { sendId: 1, recvId: 1, algorithm: 'hmac-sha1', key: new Uint8Array(0) }, true).ok, false);
});

test('struct tcp_ao_del: 144 bytes; del_async only for listening sockets', () => {
  const r = tcpAoDel(ip('10.0.1.2'), AF_INET, 3, 4, true);
  assert.ok(r.ok);
  assert.equal(r.buf.length, TCP_AO_DEL_LEN);
  assert.equal(r.buf.readInt32LE(128), 0);
  assert.equal(r.buf.readUInt32LE(132), 0b100);
  assert.deepEqual([...r.buf.subarray(138, 144)], [32, 3, 4, 0, 0, 0]);
  const conn = tcpAoDel(ip('fd00::2'), AF_INET6, 3, 4, false);
  assert.ok(conn.ok);
  assert.equal(conn.buf.readUInt32LE(132), 0);
  assert.equal(conn.buf[138], 128);
});

// ---- the GTSM filter, run by a classic BPF interpreter over the IP header ----

const NET = -0x100000;

/** Runs a cBPF program (the opcodes gtsmFilter uses) on an IP packet; returns its verdict. */
function runFilter(prog: Buffer, pkt: Buffer): number {
  let a = 0;
  let pc = 0;
  const at = (k: number): number => {
    const off = (k | 0) - NET;
    assert.ok(off >= 0 && off < pkt.length, `load outside the IP header: ${k}`);
    return off;
  };
  for (let steps = 0; steps < 100000; steps++) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog[pc * 8 + 2] ?? 0;
    const jf = prog[pc * 8 + 3] ?? 0;
    const k = prog.readUInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x30: a = pkt[at(k)] ?? 0; break;
      case 0x20: a = pkt.readUInt32BE(at(k)); break;
      case 0x54: a = (a & k) >>> 0; break;
      case 0x15: pc += a === k ? jt : jf; break;
      case 0x35: pc += a >= k ? jt : jf; break;
      case 0x05: pc += k; break;
      case 0x06: return k;
      default: assert.fail(`unexpected opcode ${code}`);
    }
    assert.ok(pc * 8 < prog.length, 'ran off the end of the program');
  }
  return assert.fail('no verdict');
}

function ipv4(src: string, ttl: number): Buffer {
  const b = Buffer.alloc(20);
  b[0] = 0x45;
  b[8] = ttl;
  b[9] = 6;
  b.set(ip(src), 12);
  return b;
}

function ipv6(src: string, hops: number): Buffer {
  const b = Buffer.alloc(40);
  b[0] = 0x60;
  b[6] = 6;
  b[7] = hops;
  b.set(ip(src), 8);
  return b;
}

test('GTSM filter: a listed peer needs TTL / hop limit 255; everyone else passes at any TTL (RFC 5082 §3)', () => {
  const peers = ['10.0.1.2', '10.0.9.9', 'fd00:1::2', 'fe80::1', 'fd00:1::3'].map(ip);
  const f = gtsmFilter(peers);
  assert.ok(f.ok);
  assert.equal(f.buf.length, f.count * 8);
  const ACCEPT = 0xffffffff;
  assert.equal(runFilter(f.buf, ipv4('10.0.1.2', 255)), ACCEPT);
  assert.equal(runFilter(f.buf, ipv4('10.0.1.2', 254)), 0);
  assert.equal(runFilter(f.buf, ipv4('10.0.9.9', 1)), 0);
  assert.equal(runFilter(f.buf, ipv4('10.0.1.3', 1)), ACCEPT, 'not a GTSM peer');
  assert.equal(runFilter(f.buf, ipv6('fd00:1::2', 255)), ACCEPT);
  assert.equal(runFilter(f.buf, ipv6('fd00:1::2', 254)), 0);
  assert.equal(runFilter(f.buf, ipv6('fd00:1::3', 64)), 0, 'the last address of the chain');
  assert.equal(runFilter(f.buf, ipv6('fe80::1', 1)), 0);
  assert.equal(runFilter(f.buf, ipv6('fd00:1::4', 1)), ACCEPT, 'differs in the last word only');
  assert.equal(runFilter(f.buf, ipv6('fd01:1::2', 1)), ACCEPT, 'differs in the first word only');
  assert.equal(runFilter(f.buf, ipv6('::ffff:10.0.1.2', 1)), ACCEPT, 'an IPv6 header is matched against IPv6 peers only');
});

test('GTSM filter: IPv4 only, IPv6 only, and the BPF_MAXINSNS limit', () => {
  const v4 = gtsmFilter([ip('10.0.1.2')]);
  assert.ok(v4.ok);
  assert.equal(runFilter(v4.buf, ipv6('fd00::2', 1)), 0xffffffff);
  assert.equal(runFilter(v4.buf, ipv4('10.0.1.2', 64)), 0);
  const v6 = gtsmFilter([ip('fd00::2')]);
  assert.ok(v6.ok);
  assert.equal(runFilter(v6.buf, ipv4('10.0.1.2', 1)), 0xffffffff);
  assert.equal(runFilter(v6.buf, ipv6('fd00::2', 2)), 0);
  const many = Array.from({ length: 1500 }, (_, i) => ip(`10.1.${i >> 8}.${i & 255}`));
  const big = gtsmFilter(many);
  assert.ok(big.ok, 'JA keeps every jump in range however long the chain');
  assert.equal(runFilter(big.buf, ipv4('10.1.5.219', 254)), 0);
  assert.equal(runFilter(big.buf, ipv4('10.1.5.219', 255)), 0xffffffff);
  const tooMany = gtsmFilter(Array.from({ length: 460 }, (_, i) => ip(`fd00::${(i + 1).toString(16)}`)));
  assert.equal(tooMany.ok, false);
  assert.match(tooMany.ok ? '' : tooMany.error, new RegExp(`at most ${BPF_MAXINSNS}`));
});
