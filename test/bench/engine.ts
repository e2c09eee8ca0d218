/**
 * The route engine alone, in process: a tester peer's table (test/bench/workload.ts, the same
 * bytes the shared harness sends) goes into RouteEngine and out to a monitor peer, with the
 * harness adapter's accept-all policies. Measures ingest + export time and prefixes/s without
 * sockets, threads or the kernel, so that engine changes can be compared in seconds (and
 * profiled with `node --cpu-prof`).
 * Usage: node dist/test/bench/engine.js [--prefixes N] [--cluster] [--reps N]
 * Output: one JSON line per rep on stdout. Pure apart from the clock and stdout.
 */
import { RouteEngine } from '../../daemon/rib/engine.js';
import type { FromEngine, PeerSessionInfo } from '../../daemon/bus.js';
import { parseConfig } from '../../config/parse.js';
import { familyKey } from '../../peers/wire/context.js';
import { clusterWorkload, ipU32, tableWorkload } from './workload.js';

const CONFIG = `
node: {routerId: 198.18.0.2, asn: 65002}
policies:
  all:
    - then: {action: accept}
peers:
  - {name: tester, address: 198.18.0.1, asn: 65001, passive: true, families: [ipv4-unicast], import: all, export: all}
  - {name: monitor, address: 198.19.0.1, asn: 65003, passive: true, families: [ipv4-unicast], import: all, export: all}
`;

function info(peer: string, session: number, peerAs: number, addr: string, local: string): PeerSessionInfo {
  return {
    peer, session, localAs: 65002, peerAs, ebgp: true, routerId: ipU32('198.18.0.2'), peerRouterId: ipU32(addr),
    ctx: { as4: true, extendedMessage: false, addPathRx: [], addPathTx: [], ebgp: true, families: [familyKey(1, 1)] },
    nextHopV4: local, remoteAddress: addr, enhancedRouteRefresh: false,
  };
}

function run(prefixes: number, cluster: boolean): Record<string, number> {
  const parsed = parseConfig(CONFIG, 'bench.yaml');
  if (!parsed.config || parsed.errors.length > 0) throw new Error(`bench config: ${JSON.stringify(parsed.errors)}`);
  const w = cluster
    ? clusterWorkload({ prefixes, peerAs: 65001, nextHopBase: ipU32('198.18.1.0') })
    : tableWorkload({ prefixes, peerAs: 65001, nextHop: ipU32('198.18.0.1') });
  const queue: (() => void)[] = [];
  let sentBytes = 0;
  let sentMsgs = 0;
  let fibChanges = 0;
  const engine = new RouteEngine((m: FromEngine) => {
    if (m.t === 'send' && m.peer === 'monitor') for (const b of m.msgs) { sentBytes += b.byteLength; sentMsgs++; }
    else if (m.t === 'fib') fibChanges += m.changes.length;
  }, (fn) => queue.push(fn));
  const drain = (): void => {
    for (let i = 0; i < queue.length; i++) queue[i]!();
    queue.length = 0;
  };
  engine.handle({ t: 'policy', config: parsed.config, hostAddresses: [] });
  engine.handle({ t: 'peer-up', info: info('monitor', 1, 65003, '198.19.0.1', '198.19.0.2') });
  engine.handle({ t: 'peer-up', info: info('tester', 2, 65001, '198.18.0.1', '198.18.0.2') });
  drain();
  sentBytes = 0;
  sentMsgs = 0;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const f of w.frames) {
    engine.handle({ t: 'update', peer: 'tester', session: 2, buf: f.buffer as ArrayBuffer, offset: f.byteOffset + 19, receivedAt: 0 });
    // The worker's loop: deferred flushes run between batches of messages, as setImmediate would.
    if (queue.length > 0 && (sentMsgs & 63) === 0) drain();
  }
  while (queue.length > 0) drain();
  const s = (performance.now() - t0) / 1000;
  const heap = process.memoryUsage().heapUsed - heap0;
  return { prefixes, seconds: s, prefixesPerSec: Math.round(prefixes / s), monitorUpdates: sentMsgs, monitorBytes: sentBytes, fibChanges, heapMiBDelta: Math.round(heap / 2 ** 20), bytesPerRoute: Math.round(heap / prefixes) };
}

const args = process.argv.slice(2);
const get = (flag: string, dflt: number): number => {
  const i = args.indexOf(flag);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const cluster = args.includes('--cluster');
const prefixes = get('--prefixes', cluster ? 5000 : 1_000_000);
for (let r = 0; r < get('--reps', 1); r++) console.log(JSON.stringify({ workload: cluster ? 'cluster' : 'table', ...run(prefixes, cluster) }));
