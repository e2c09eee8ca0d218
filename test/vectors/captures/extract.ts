/**
 * One-off extraction of real BGP messages from the interop tests' captures into annotated hex
 * test vectors. Input: a directory with `<daemon>.pcap` and `<daemon>.json` as written by
 * test/support/interop.ts when RR_CAPTURE_DIR is set (tcpdump in rackrouted's namespace). Reads
 * each pcap with tshark, reassembles every TCP direction, cuts it into BGP messages, and writes
 * the eBGP peer's first OPEN (IPv4 transport), its first UPDATE with IPv4 NLRI and its first
 * UPDATE with an IPv6 MP_REACH_NLRI to test/vectors/captures/<daemon>-<version>-<kind>.hex,
 * plus MANIFEST.md. The annotations are structural (field boundaries and names), made here
 * from the bytes; the unit test (test/unit/peers/wire/captures.test.ts) decodes the vectors.
 *
 * Usage: npx tsc -p . && node dist/test/vectors/captures/extract.js CAPTURE_DIR
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../paths.js';

const OUT_DIR = join(REPO_ROOT, 'test', 'vectors', 'captures');
const DAEMONS = ['bird', 'frr', 'gobgp'] as const;

interface CaptureInfo {
  daemon: string;
  version: string;
  date: string;
  rrAsn: number;
  extAsn: number;
  links: { ext: { rr: { v4: string; v6: string }; peer: { v4: string; v6: string } } };
}

interface Segment { frame: number; stream: number; src: string; sport: number; dst: string; dport: number; seq: number; data: Buffer }
interface Message { frame: number; src: string; sport: number; dst: string; dport: number; bytes: Buffer }

function readSegments(pcap: string): Segment[] {
  const fields = ['frame.number', 'tcp.stream', 'ip.src', 'ipv6.src', 'tcp.srcport', 'ip.dst', 'ipv6.dst', 'tcp.dstport', 'tcp.seq', 'tcp.payload'];
  const out = execFileSync('tshark', ['-r', pcap, '-o', 'tcp.relative_sequence_numbers:TRUE', '-Y', 'tcp.len > 0', '-T', 'fields', '-E', 'separator=/t',
    ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l.trim() !== '').map((l) => {
    const [frame, stream, src4, src6, sport, dst4, dst6, dport, seq, payload] = l.split('\t');
    return {
      frame: Number(frame), stream: Number(stream), src: src4 || src6 || '', sport: Number(sport), dst: dst4 || dst6 || '', dport: Number(dport),
      seq: Number(seq), data: Buffer.from((payload ?? '').replace(/:/g, ''), 'hex'),
    };
  });
}

/** Reassembles each TCP direction (dropping retransmitted bytes) and cuts it into BGP messages. */
function messages(segments: Segment[]): Message[] {
  const dirs = new Map<string, Segment[]>();
  for (const s of segments) {
    const k = `${s.stream}/${s.src}/${s.sport}`;
    dirs.set(k, [...(dirs.get(k) ?? []), s]);
  }
  const out: Message[] = [];
  for (const segs of dirs.values()) {
    segs.sort((a, b) => a.seq - b.seq || a.frame - b.frame);
    let buf = Buffer.alloc(0);
    let next = segs[0]?.seq ?? 0;
    // Frame number of the segment each byte came from, so a message can name where it started.
    const frameAt: number[] = [];
    for (const s of segs) {
      const skip = next - s.seq;
      if (skip >= s.data.length) continue;
      const fresh = s.data.subarray(Math.max(0, skip));
      buf = Buffer.concat([buf, fresh]);
      for (let i = 0; i < fresh.length; i++) frameAt.push(s.frame);
      next = s.seq + s.data.length;
    }
    const first = segs[0];
    if (!first) continue;
    for (let at = 0; at + 19 <= buf.length;) {
      const len = buf.readUInt16BE(at + 16);
      if (len < 19 || at + len > buf.length) break;
      out.push({ frame: frameAt[at] ?? 0, src: first.src, sport: first.sport, dst: first.dst, dport: first.dport, bytes: buf.subarray(at, at + len) });
      at += len;
    }
  }
  return out.sort((a, b) => a.frame - b.frame);
}

interface UpdateShape { withdrawn: number; attrs: { flags: number; type: number; value: Buffer; raw: Buffer }[]; nlri: Buffer; raw: { wlen: Buffer; withdrawn: Buffer; alen: Buffer } }

function updateShape(m: Buffer): UpdateShape {
  const wlen = m.readUInt16BE(19);
  const alen = m.readUInt16BE(21 + wlen);
  const attrs: UpdateShape['attrs'] = [];
  for (let at = 23 + wlen; at < 23 + wlen + alen;) {
    const flags = m[at] ?? 0;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? m.readUInt16BE(at + 2) : (m[at + 2] ?? 0);
    const hdr = ext ? 4 : 3;
    attrs.push({ flags, type: m[at + 1] ?? 0, value: m.subarray(at + hdr, at + hdr + len), raw: m.subarray(at, at + hdr) });
    at += hdr + len;
  }
  return { withdrawn: wlen, attrs, nlri: m.subarray(23 + wlen + alen), raw: { wlen: m.subarray(19, 21), withdrawn: m.subarray(21, 21 + wlen), alen: m.subarray(21 + wlen, 23 + wlen) } };
}

const hx = (b: Buffer): string => b.toString('hex');
const ATTR_NAMES: Record<number, string> = {
  1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MULTI_EXIT_DISC', 5: 'LOCAL_PREF', 6: 'ATOMIC_AGGREGATE', 7: 'AGGREGATOR', 8: 'COMMUNITIES',
  9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST', 14: 'MP_REACH_NLRI', 15: 'MP_UNREACH_NLRI', 16: 'EXTENDED_COMMUNITIES', 32: 'LARGE_COMMUNITY', 35: 'OTC',
};
const CAP_NAMES: Record<number, string> = {
  1: 'multiprotocol', 2: 'route refresh', 5: 'extended next hop', 6: 'extended message', 9: 'role', 64: 'graceful restart', 65: '4-octet AS',
  69: 'ADD-PATH', 70: 'enhanced route refresh', 71: 'long-lived graceful restart', 73: 'FQDN', 128: 'route refresh (old Cisco code)',
};

function ip(b: Buffer): string {
  if (b.length === 4) return [...b].join('.');
  const words = [];
  for (let i = 0; i + 1 < b.length; i += 2) words.push(b.readUInt16BE(i).toString(16));
  return words.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

function prefixes(b: Buffer, afi: 4 | 16): { text: string; raw: Buffer }[] {
  const out: { text: string; raw: Buffer }[] = [];
  for (let at = 0; at < b.length;) {
    const len = b[at] ?? 0;
    const n = Math.ceil(len / 8);
    const addr = Buffer.alloc(afi);
    b.copy(addr, 0, at + 1, at + 1 + n);
    out.push({ text: `${ip(addr)}/${len}`, raw: b.subarray(at, at + 1 + n) });
    at += 1 + n;
  }
  return out;
}

function attrNote(type: number, v: Buffer): string {
  switch (type) {
    case 1: return ['IGP', 'EGP', 'INCOMPLETE'][v[0] ?? 9] ?? `origin ${v[0]}`;
    case 2: {
      const segs = [];
      for (let at = 0; at + 2 <= v.length;) {
        const n = v[at + 1] ?? 0;
        const asns = Array.from({ length: n }, (_, i) => v.readUInt32BE(at + 2 + 4 * i));
        segs.push(`${v[at] === 2 ? 'SEQUENCE' : `type ${v[at]}`} [${asns.join(' ')}]`);
        at += 2 + 4 * n;
      }
      return segs.length ? `${segs.join(', ')} (4-octet ASNs)` : 'empty';
    }
    case 3: return ip(v);
    case 4: case 5: return String(v.readUInt32BE(0));
    case 8: return Array.from({ length: v.length / 4 }, (_, i) => `${v.readUInt16BE(4 * i)}:${v.readUInt16BE(4 * i + 2)}`).join(' ');
    case 32: return Array.from({ length: v.length / 12 }, (_, i) => [0, 4, 8].map((o) => v.readUInt32BE(12 * i + o)).join(':')).join(' ');
    default: return '';
  }
}

function annotateUpdate(m: Buffer): string[] {
  const u = updateShape(m);
  const lines = [
    `${hx(m.subarray(0, 16))}  # marker`,
    `${hx(m.subarray(16, 18))} ${hx(m.subarray(18, 19))}  # length ${m.length}, type 2 UPDATE`,
    `${hx(u.raw.wlen)}  # withdrawn routes length ${u.withdrawn}`,
  ];
  if (u.withdrawn > 0) lines.push(`${hx(u.raw.withdrawn)}  # withdrawn routes`);
  lines.push(`${hx(u.raw.alen)}  # total path attribute length ${u.attrs.reduce((n, a) => n + a.raw.length + a.value.length, 0)}`);
  for (const a of u.attrs) {
    const name = ATTR_NAMES[a.type] ?? `type ${a.type}`;
    const head = `${hx(a.raw)} |`;
    if (a.type === 14) {
      const nhLen = a.value[3] ?? 0;
      const afi = a.value.readUInt16BE(0);
      const nh = a.value.subarray(4, 4 + nhLen);
      const nhs = nhLen === 32 ? `${ip(nh.subarray(0, 16))} + link-local ${ip(nh.subarray(16))}` : ip(nh);
      lines.push(`${head} ${hx(a.value.subarray(0, 3))}  # ${name} (flags 0x${a.flags.toString(16)}, length ${a.value.length}): AFI ${afi} SAFI ${a.value[2]}`);
      lines.push(`  ${hx(a.value.subarray(3, 4))} ${hx(nh)}  #   next hop length ${nhLen}: ${nhs}`);
      lines.push(`  ${hx(a.value.subarray(4 + nhLen, 5 + nhLen))}  #   reserved`);
      for (const p of prefixes(a.value.subarray(5 + nhLen), afi === 2 ? 16 : 4)) lines.push(`  ${hx(p.raw)}  #   NLRI ${p.text}`);
      continue;
    }
    const note = attrNote(a.type, a.value);
    lines.push(`${head} ${hx(a.value)}  # ${name} (flags 0x${a.flags.toString(16)}, length ${a.value.length})${note ? `: ${note}` : ''}`);
  }
  for (const p of prefixes(u.nlri, 4)) lines.push(`${hx(p.raw)}  # NLRI ${p.text}`);
  return lines;
}

function annotateOpen(m: Buffer): string[] {
  const optLen = m[28] ?? 0;
  const lines = [
    `${hx(m.subarray(0, 16))}  # marker`,
    `${hx(m.subarray(16, 18))} ${hx(m.subarray(18, 19))}  # length ${m.length}, type 1 OPEN`,
    `${hx(m.subarray(19, 20))}  # version ${m[19]}`,
    `${hx(m.subarray(20, 22))}  # my AS ${m.readUInt16BE(20)}`,
    `${hx(m.subarray(22, 24))}  # hold time ${m.readUInt16BE(22)}`,
    `${hx(m.subarray(24, 28))}  # BGP identifier ${ip(m.subarray(24, 28))}`,
    `${hx(m.subarray(28, 29))}  # optional parameters length ${optLen}`,
  ];
  for (let at = 29; at < 29 + optLen;) {
    const type = m[at] ?? 0;
    const len = m[at + 1] ?? 0;
    lines.push(`${hx(m.subarray(at, at + 2))}  # optional parameter ${type}${type === 2 ? ' (capabilities)' : ''}, length ${len}`);
    for (let c = at + 2; type === 2 && c < at + 2 + len;) {
      const code = m[c] ?? 0;
      const clen = m[c + 1] ?? 0;
      const val = m.subarray(c + 2, c + 2 + clen);
      let note = CAP_NAMES[code] ?? `capability ${code}`;
      if (code === 1) note += `: AFI ${val.readUInt16BE(0)} SAFI ${val[3]}`;
      if (code === 65) note += `: AS ${val.readUInt32BE(0)}`;
      if (code === 73) note += `: "${val.subarray(1, 1 + (val[0] ?? 0)).toString('latin1')}"`;
      lines.push(`  ${hx(m.subarray(c, c + 2))} | ${hx(val)}  #   ${note} (code ${code}, length ${clen})`);
      c += 2 + clen;
    }
    if (type !== 2) lines.push(`  ${hx(m.subarray(at + 2, at + 2 + len))}`);
    at += 2 + len;
  }
  return lines;
}

function isUpdateWith(m: Message, family: 'v4' | 'v6'): boolean {
  if (m.bytes[18] !== 2) return false;
  const u = updateShape(m.bytes);
  if (family === 'v4') return u.nlri.length > 0;
  const mp = u.attrs.find((a) => a.type === 14);
  return mp !== undefined && mp.value.readUInt16BE(0) === 2 && mp.value.length > 5 + (mp.value[3] ?? 0);
}

function main(dir: string): void {
  const manifest: string[] = [];
  for (const daemon of DAEMONS) {
    const pcap = join(dir, `${daemon}.pcap`);
    if (!existsSync(pcap)) continue;
    const info = JSON.parse(readFileSync(join(dir, `${daemon}.json`), 'utf8')) as CaptureInfo;
    const version = /(\d+\.\d+(?:\.\d+)?)/.exec(info.version)?.[1] ?? 'unknown';
    const msgs = messages(readSegments(pcap));
    const peer = info.links.ext.peer;
    const pick = {
      open: msgs.find((m) => m.src === peer.v4 && m.bytes[18] === 1),
      'update-v4': msgs.find((m) => m.src === peer.v4 && isUpdateWith(m, 'v4')),
      'update-v6': msgs.find((m) => m.src === peer.v6 && isUpdateWith(m, 'v6')),
    };
    manifest.push(`## ${daemon} ${version}`, '', `- version string: \`${info.version}\``, `- captured: ${info.date}`);
    for (const [kind, m] of Object.entries(pick)) {
      if (!m) throw new Error(`${daemon}: no ${kind} from the eBGP peer in ${pcap}`);
      const file = `${daemon}-${version}-${kind}.hex`;
      const what = kind === 'open' ? 'OPEN' : kind === 'update-v4' ? 'first UPDATE with IPv4 NLRI' : 'first UPDATE with IPv6 MP_REACH_NLRI';
      const head = [
        `# ${info.version}: ${what} sent by ${daemon} (AS ${info.extAsn}, eBGP) to rackrouted (AS ${info.rrAsn}).`,
        `# Captured ${info.date} in rackrouted's namespace (test/scenario/interop-${daemon}.test.ts),`,
        `# frame ${m.frame}, TCP [${m.src}]:${m.sport} -> [${m.dst}]:${m.dport}. See MANIFEST.md; made by extract.ts.`,
      ];
      writeFileSync(join(OUT_DIR, file), `${[...head, ...(kind === 'open' ? annotateOpen(m.bytes) : annotateUpdate(m.bytes))].join('\n')}\n`);
      manifest.push(`- \`${file}\`: ${what}, frame ${m.frame}, ${m.src} -> ${m.dst}, ${m.bytes.length} bytes`);
    }
    manifest.push('');
  }
  writeFileSync(join(OUT_DIR, 'MANIFEST.md'), `${MANIFEST_HEAD}\n${manifest.join('\n')}`);
}

const MANIFEST_HEAD = `# Real BGP messages captured from BIRD, FRR and GoBGP

Test vectors for the codec, taken from live sessions with rackrouted. Each \`.hex\` file is one
whole BGP message (header included) in the annotated hex format of test/support/hex.ts
(\`#\` starts a comment; whitespace and \`|\` separate). The annotations are structural, written
by extract.ts from the bytes; test/unit/peers/wire/captures.test.ts decodes every file and checks
its fields and that re-encoding gives the same bytes, or, where the daemon chose another legitimate
encoding (Extended Length flag on short attributes, attribute order, one Capabilities parameter
per capability), the same message in rackrouted's canonical form; the test lists those cases and
why (NOT_CANONICAL).

How they were captured: the interop scenario tests (test/support/interop.ts, run by
test/scenario/interop-{bird,frr,gobgp}.test.ts) run rackrouted (AS 4200000001) in a network
namespace with an eBGP peer (AS 65001, 10.0.1.2 / fd00:1::2, sessions over IPv4 and over IPv6
transport) and an iBGP peer of the daemon under test; \`tcpdump -i any -w FILE 'tcp port 179'\` runs
in rackrouted's namespace for the whole file. With \`RR_CAPTURE_DIR=DIR\` the test copies the pcap
and the daemon's version (\`bird --version\`, \`vtysh -c 'show version'\`, \`gobgpd --version\`) to
DIR; then

    RR_CAPTURE_DIR=/tmp/rrcap node --test --test-concurrency=1 dist/test/scenario/interop-*.test.js
    node dist/test/vectors/captures/extract.js /tmp/rrcap

reads each pcap with tshark, reassembles the TCP streams, and writes the eBGP peer's first OPEN
(IPv4 session), its first UPDATE carrying IPv4 NLRI (IPv4 session) and its first UPDATE carrying
an IPv6 MP_REACH_NLRI (IPv6 session). Routes in them: 198.51.101.0/24 or 203.0.111.0/24 and
2001:db8:1::/48 or 2001:db8:10::/48, originated by the peer with communities, large communities,
MED and an AS path of [65001 65001 64601] (prepend + explicit) or [65001].
`;

main(process.argv[2] ?? '/tmp/rrcap');
