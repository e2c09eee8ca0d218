/**
 * Micro-benchmark of the codec and the route engine, in one process, no sockets:
 *   - decodeUpdate (peers/wire/update.ts) over the packed DFZ-like table (test/bench/workload.ts)
 *     -> prefixes/s, and over the one-prefix-per-UPDATE cluster workload -> UPDATEs/s;
 *   - RouteEngine (daemon/rib/engine.ts) fed `update` bus messages shaped as daemon/bus.ts has
 *     them (after a `peer-up`) -> prefixes/s, and heap used per stored route.
 * Each figure: one warm-up run, then `reps` timed runs, median reported (min/max kept).
 * Run as `node --expose-gc dist/test/bench/decode.js [--prefixes N] [--cluster N] [--reps N]`;
 * prints one JSON line (DecodeResult). test/bench/run.ts starts it as a child process so its heap
 * figures are not disturbed by anything else. Output goes to stdout only.
 */
import { flag } from './args.js';
import { pathToFileURL } from 'node:url';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import type { PeerSessionInfo, ToEngine } from '../../daemon/bus.js';
import { RouteEngine } from '../../daemon/rib/engine.js';
import { decodeUpdate } from '../../peers/wire/update.js';
import { BENCH_CONTEXT, clusterWorkload, ipU32, tableWorkload, type Workload } from './workload.js';

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  reps: number;
  /** CPU time of this process / wall time over the timed reps: well below 1 = CPU was taken away. */
  cpuShare: number;
}

export interface DecodeResult {
  table: { prefixes: number; updates: number; attrSets: number; bytes: number };
  cluster: { prefixes: number; updates: number };
  decodeTable: Timing & { prefixesPerSec: number; updatesPerSec: number };
  decodeCluster: Timing & { updatesPerSec: number };
  ingestTable: Timing & { prefixesPerSec: number; heapBytesPerRoute: number; storedRoutes: number; attributeSets: number };
  ingestCluster: Timing & { updatesPerSec: number; heapBytesPerRoute: number; storedRoutes: number; attributeSets: number };
  node: string;
}

const PEER_AS = 65001;

function gcNow(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  gc();
}

/** heapUsed + ArrayBuffer backing stores (Prefix.addr and attribute bytes live there). */
function memNow(): number {
  gcNow();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function timeReps(reps: number, run: () => void): Timing {
  run(); // warm-up: JIT and inline caches, not measured
  const ms: number[] = [];
  let cpuUs = 0;
  for (let i = 0; i < reps; i++) {
    gcNow();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuUs += c.user + c.system;
  }
  const cpuShare = round(cpuUs / 1000 / ms.reduce((a, b) => a + b, 0), 2);
  ms.sort((a, b) => a - b);
  const mid = ms.length >> 1;
  const median = ms.length % 2 ? (ms[mid] as number) : ((ms[mid - 1] as number) + (ms[mid] as number)) / 2;
  return { medianMs: round(median), minMs: round(ms[0] as number), maxMs: round(ms[ms.length - 1] as number), reps, cpuShare };
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Decodes every body; throws if any fails (a benchmark on wrong input measures nothing). */
function decodeAll(bodies: readonly Uint8Array[]): number {
  let prefixes = 0;
  for (const b of bodies) {
    const d = decodeUpdate(b, BENCH_CONTEXT);
    if (!d.ok || d.warnings.length > 0) throw new Error(`benchmark UPDATE did not decode cleanly: ${JSON.stringify(d)}`);
    prefixes += d.value.nlri.length;
  }
  return prefixes;
}

const PEER_INFO: PeerSessionInfo = {
  peer: 'bench',
  session: 1,
  localAs: 65002,
  peerAs: PEER_AS,
  ebgp: true,
  routerId: ipU32('198.18.0.2'),
  peerRouterId: ipU32('198.18.0.1'),
  ctx: { as4: true, extendedMessage: false, addPathRx: [], addPathTx: [], ebgp: true, families: [0x101] },
  nextHopV4: '198.18.0.2',
  enhancedRouteRefresh: true,
};

interface EngineStats {
  peers: { peer: string; received: number }[];
  attributeSets: number;
}

/** A fresh engine with the bench peer up; `stats()` asks it the daemon's cheap stats query. */
function newEngine(): { engine: RouteEngine; stats: () => EngineStats } {
  let last: unknown;
  const engine = new RouteEngine((m) => {
    if (m.t === 'query-result') last = m.result;
  });
  engine.handle({ t: 'peer-up', info: PEER_INFO });
  const stats = (): EngineStats => {
    engine.handle({ t: 'query', id: 1, q: { kind: 'stats' } });
    return last as EngineStats;
  };
  return { engine, stats };
}

function feed(engine: RouteEngine, msgs: readonly ToEngine[]): void {
  for (const m of msgs) engine.handle(m);
}

/** Bus messages as the session engine posts them: one ArrayBuffer per UPDATE body. */
function busMessages(w: Workload): ToEngine[] {
  return w.frames.map((f) => ({ t: 'update', peer: PEER_INFO.peer, session: PEER_INFO.session, buf: f.slice().buffer as ArrayBuffer, offset: 19, receivedAt: 0 }));
}

function ingest(w: Workload, reps: number): Timing & { heapBytesPerRoute: number; storedRoutes: number; attributeSets: number } {
  const msgs = busMessages(w);
  const timing = timeReps(reps, () => {
    const { engine, stats } = newEngine();
    feed(engine, msgs);
    const got = stats().peers[0]?.received;
    if (got !== w.prefixes) throw new Error(`engine holds ${String(got)} routes, expected ${w.prefixes}`);
  });
  const before = memNow();
  const { engine, stats } = newEngine();
  feed(engine, msgs);
  const after = memNow();
  const s = stats();
  return { ...timing, heapBytesPerRoute: Math.round((after - before) / w.prefixes), storedRoutes: s.peers[0]?.received ?? 0, attributeSets: s.attributeSets };
}

export function runDecodeBench(o: { prefixes: number; cluster: number; reps: number }): DecodeResult {
  const table = tableWorkload({ prefixes: o.prefixes, peerAs: PEER_AS, nextHop: ipU32('198.18.0.1') });
  const cluster = clusterWorkload({ prefixes: o.cluster, peerAs: PEER_AS, nextHopBase: ipU32('198.18.1.0') });
  const tableBodies = table.frames.map((f) => f.subarray(19));
  const clusterBodies = cluster.frames.map((f) => f.subarray(19));
  if (decodeAll(tableBodies) !== table.prefixes) throw new Error('table workload does not hold the expected prefix count');

  const dt = timeReps(o.reps, () => decodeAll(tableBodies));
  const dc = timeReps(o.reps, () => decodeAll(clusterBodies));
  const it = ingest(table, o.reps);
  const ic = ingest(cluster, o.reps);
  const perSec = (n: number, ms: number): number => Math.round((n * 1000) / ms);
  return {
    table: { prefixes: table.prefixes, updates: table.frames.length, attrSets: table.attrSets, bytes: table.bytes },
    cluster: { prefixes: cluster.prefixes, updates: cluster.frames.length },
    decodeTable: { ...dt, prefixesPerSec: perSec(table.prefixes, dt.medianMs), updatesPerSec: perSec(table.frames.length, dt.medianMs) },
    decodeCluster: { ...dc, updatesPerSec: perSec(cluster.frames.length, dc.medianMs) },
    ingestTable: { ...it, prefixesPerSec: perSec(table.prefixes, it.medianMs) },
    ingestCluster: { ...ic, updatesPerSec: perSec(cluster.frames.length, ic.medianMs) },
    node: process.version,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const result = runDecodeBench({ prefixes: flag(argv, '--prefixes', 1_000_000), cluster: flag(argv, '--cluster', 50_000), reps: flag(argv, '--reps', 5) });
  process.stdout.write(JSON.stringify(result) + '\n');
}
