/**
 * Benchmark workloads as whole, encoded BGP UPDATE messages, built with the project's own
 * encoders (peers/wire/update-pack.ts, update.ts). Two shapes, the same ones the shared harness
 * (../shared/bench) measures other daemons on:
 *   table   N unique IPv4 prefixes /16../24 (DFZ-like mix, 60 % /24) spread over ~10,000 attribute
 *           sets (AS_PATH of 2..6 ASNs, 0..3 communities, MED on half), packed into UPDATEs of at
 *           most 4096 octets, all with one NEXT_HOP.
 *   cluster N prefixes 10.x.y.0/24, one per UPDATE, each with its own NEXT_HOP (198.18.1.0 + i)
 *           and AS_PATH [peerAs, 4200000000 + i] (one pod CIDR per node).
 * Deterministic from a seed (own PRNG, not Math.random). Input: sizes; output: frames in memory.
 * Pure: no I/O, no clock.
 */
import { rng } from '../support/rng.js';
import { Afi, MsgType, Origin } from '../../peers/wire/constants.js';
import { familyKey, type CodecContext } from '../../peers/wire/context.js';
import { packUpdates } from '../../peers/wire/update-pack.js';
import { encodeUpdate } from '../../peers/wire/update.js';
import type { PathAttributes, Prefix } from '../../peers/wire/types.js';

export interface Workload {
  readonly kind: 'table' | 'cluster';
  readonly prefixes: number;
  readonly attrSets: number;
  /** Whole UPDATE messages (19-octet header included), in send order. */
  readonly frames: Uint8Array[];
  readonly bytes: number;
}

/** What a 4-octet-AS, IPv4-unicast, 4096-octet session negotiates (like the harness's blaster). */
export const BENCH_CONTEXT: CodecContext = {
  as4: true,
  extendedMessage: false,
  addPathRx: new Set(),
  addPathTx: new Set(),
  ebgp: true,
  families: new Set([familyKey(1, 1)]),
};

/** Prefix-length weights (per 1000), roughly the shape of today's IPv4 DFZ. */
const LENGTH_WEIGHTS: readonly (readonly [number, number])[] = [
  [16, 15], [17, 10], [18, 15], [19, 30], [20, 50], [21, 50], [22, 120], [23, 110], [24, 600],
];

function ipv4(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

/** Public unicast only: not 0/8, 10/8, 127/8, class D/E, nor the harness links 198.18.0.0/15. */
function usable(ip: number): boolean {
  const a = ip >>> 24;
  if (a === 0 || a === 10 || a === 127 || a >= 224) return false;
  return ip >>> 17 !== 0xc6120000 >>> 17;
}

function pickLength(r: () => number): number {
  let x = r() % 1000;
  for (const [len, w] of LENGTH_WEIGHTS) {
    if (x < w) return len;
    x -= w;
  }
  return 24;
}

/** N distinct prefixes, as (address u32, length) pairs. */
function tablePrefixes(n: number, r: () => number): { ips: Uint32Array; lens: Uint8Array } {
  const ips = new Uint32Array(n);
  const lens = new Uint8Array(n);
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const len = pickLength(r);
    for (;;) {
      const ip = (r() & (0xffffffff << (32 - len))) >>> 0;
      const key = ip * 64 + len;
      if (!usable(ip) || seen.has(key)) continue;
      seen.add(key);
      ips[i] = ip;
      lens[i] = len;
      break;
    }
  }
  return { ips, lens };
}

function tableAttrs(peerAs: number, nextHop: number, r: () => number): PathAttributes {
  const hops = 1 + (r() % 5);
  const path = [peerAs];
  for (let h = 0; h < hops; h++) path.push(r() % 8 === 0 ? 200000 + (r() % 500000) : 1 + (r() % 64000));
  const comms: number[] = [];
  const nComms = r() % 4;
  for (let c = 0; c < nComms; c++) comms.push((((path[1] as number) & 0xffff) * 0x10000 + (r() % 1000)) >>> 0);
  const attrs: PathAttributes = {
    origin: r() % 10 === 0 ? Origin.Incomplete : Origin.Igp,
    asPath: [{ type: 2, asns: path }],
    nextHop: ipv4(nextHop),
  };
  if (r() % 2 === 0) attrs.med = r() % 1000;
  if (comms.length > 0) attrs.communities = comms.sort((a, b) => a - b);
  return attrs;
}

export interface TableOptions {
  prefixes: number;
  peerAs: number;
  /** IPv4 NEXT_HOP as u32. */
  nextHop: number;
  attrSets?: number;
  seed?: number;
}

/** The DFZ-like table, packed per attribute set into 4096-octet UPDATEs. */
export function tableWorkload(o: TableOptions): Workload {
  const r = rng(o.seed ?? 1);
  const { ips, lens } = tablePrefixes(o.prefixes, r);
  const k = Math.max(1, Math.min(o.attrSets ?? 10_000, o.prefixes));
  const members: Prefix[][] = Array.from({ length: k }, () => []);
  const sets = Array.from({ length: k }, () => tableAttrs(o.peerAs, o.nextHop, r));
  for (let i = 0; i < o.prefixes; i++) {
    (members[r() % k] as Prefix[]).push({ afi: Afi.Ipv4, len: lens[i] as number, addr: ipv4(ips[i] as number) });
  }
  const frames: Uint8Array[] = [];
  members.forEach((ps, s) => {
    if (ps.length > 0) frames.push(...packUpdates(sets[s] as PathAttributes, ps, BENCH_CONTEXT));
  });
  return { kind: 'table', prefixes: o.prefixes, attrSets: k, frames, bytes: frames.reduce((a, f) => a + f.length, 0) };
}

export interface ClusterOptions {
  prefixes: number;
  peerAs: number;
  /** First node's NEXT_HOP as u32 (node i uses base + i). */
  nextHopBase: number;
}

/** One pod CIDR per node, one UPDATE each. At most 65,536 nodes (10.0.0.0/8 in /24s). */
export function clusterWorkload(o: ClusterOptions): Workload {
  if (o.prefixes > 65_536) throw new RangeError('cluster workload: at most 65536 prefixes');
  const frames: Uint8Array[] = [];
  for (let i = 0; i < o.prefixes; i++) {
    const prefix: Prefix = { afi: Afi.Ipv4, len: 24, addr: ipv4((0x0a000000 + i * 256) >>> 0) };
    const attrs: PathAttributes = {
      origin: Origin.Igp,
      asPath: [{ type: 2, asns: [o.peerAs, 4_200_000_000 + i] }],
      nextHop: ipv4((o.nextHopBase + i) >>> 0),
    };
    frames.push(encodeUpdate({ type: MsgType.Update, withdrawn: [], attrs, nlri: [prefix] }, BENCH_CONTEXT));
  }
  return { kind: 'cluster', prefixes: o.prefixes, attrSets: o.prefixes, frames, bytes: frames.reduce((a, f) => a + f.length, 0) };
}

/** "198.18.0.1" -> u32. */
export function ipU32(text: string): number {
  return text.split('.').reduce((a, x) => a * 256 + Number(x), 0) >>> 0;
}

