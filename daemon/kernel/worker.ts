/**
 * The sync engine's thread: owns the netlink socket and the FIB reconciler (reconciler.ts), so
 * kernel work and its garbage never run on the session thread. Best-path changes arrive from
 * the route engine on a MessagePort of their own (not through the main thread); the main
 * thread starts it, asks for counters (and for the metrics, timing: daemon/metrics/) and stops it. Stale routes of ours found at start are
 * kept until `sweepAfterMs` has passed (peers have had time to re-send their tables).
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { FibChange, NextHopState } from '../bus.js';
import type { Resolution } from './resolve.js';
import { FibReconciler } from './reconciler.js';
import { NetlinkFib } from './netlink.js';
import { applySysctls } from './sysctl.js';
import { RT_TABLE_MAIN, RTPROT_BGP, type FibRoute } from './fib.js';
import { lowerOwnPriority } from '../thread-priority.js';
import { FibTiming } from '../metrics/fib-timing.js';
import { reportThreadStats, type ThreadStatsMessage } from '../metrics/loop-lag.js';

export type ToFib =
  | { t: 'start'; table?: number; protocol?: number; sweepAfterMs: number; enableForwarding: boolean }
  | { t: 'rib-port'; port: MessagePort }
  | { t: 'query'; id: number }
  /** Counters and timing for the metrics (daemon/metrics/registry.ts), answered as query-result. */
  | { t: 'stats'; id: number }
  /** The kernel's FIB entry for one address (`rackroute why`). */
  | { t: 'lookup'; id: number; address: string }
  | { t: 'stop'; removeRoutes?: boolean };

export type FromFib =
  /** `adopted`: routes of ours the kernel held at start (forwarding state kept across a restart). */
  | { t: 'started'; findings: string[]; changed: string[]; failed: string[]; adopted: number }
  | { t: 'query-result'; id: number; result: unknown }
  | { t: 'error'; message: string }
  | { t: 'link'; name: string; ifindex: number; up: boolean }
  | ThreadStatsMessage
  | { t: 'stopped' };

if (!parentPort) throw new Error('daemon/kernel/worker.ts must run as a worker thread');
const main = parentPort;
lowerOwnPriority();
reportThreadStats((m) => main.postMessage(m satisfies FromFib));
/** Op latency and update-to-kernel latency for the metrics. */
const timing = new FibTiming();
let fib: FibReconciler | null = null;
let table = RT_TABLE_MAIN;
let protocol = RTPROT_BGP;
const early: FibChange[][] = [];
/** The route engine's end of our port: next-hop reachability goes back on it. */
let ribPort: MessagePort | null = null;
const earlyTrack: string[] = [];

/** Resolutions reported to the route engine once per loop turn (thousands arrive at once). */
let states: NextHopState[] = [];
function reportState(st: NextHopState): void {
  if (states.length === 0)
    setImmediate(() => {
      ribPort?.postMessage({ t: 'nh-state', states });
      states = [];
    });
  states.push(st);
}

function nextHopState(gateway: string, r: Resolution | null): NextHopState {
  return r ? { gateway, reachable: true, cost: r.metric, via: r.via } : { gateway, reachable: false };
}

function toRoute(c: FibChange): FibRoute {
  const family = c.prefix.includes(':') ? 6 : 4;
  return { prefix: c.prefix, family, nexthops: c.nexthops.map((n) => ({ gateway: n.gateway })), table, protocol };
}

/** `stamps`: when the UPDATEs that caused these changes were read (bus.ts, metrics/fib-timing.ts). */
function apply(changes: readonly FibChange[], stamps?: readonly number[]): void {
  if (stamps) timing.stamp(changes, stamps);
  if (!fib) {
    early.push([...changes]);
    return;
  }
  const upserts = changes.filter((c) => c.nexthops.length > 0).map(toRoute);
  const withdrawn = changes.filter((c) => c.nexthops.length === 0).map(toRoute);
  fib.update(upserts, withdrawn);
}

async function start(m: Extract<ToFib, { t: 'start' }>): Promise<void> {
  table = m.table ?? RT_TABLE_MAIN;
  protocol = m.protocol ?? RTPROT_BGP;
  const sys = applySysctls({ enableForwarding: m.enableForwarding });
  fib = new FibReconciler(new NetlinkFib(), {
    scope: { protocol, tables: [table] },
    onLink: (link, up) => main.postMessage({ t: 'link', name: link.name, ifindex: link.ifindex, up } satisfies FromFib),
    onResolution: (gateway, r) => reportState(nextHopState(gateway, r)),
    onLatency: (kinds, ms) => timing.latency(kinds, ms),
    onRoutesApplied: (ops, results) => timing.applied(ops, results),
  });
  await fib.start({ sweep: false });
  const adopted = fib.staleRoutes;
  for (const batch of early.splice(0)) apply(batch);
  if (earlyTrack.length > 0) void fib.track(earlyTrack.splice(0));
  const t = setTimeout(() => void fib?.sweep(), m.sweepAfterMs);
  t.unref();
  main.postMessage({ t: 'started', findings: sys.findings.map((f) => `${f.setting}=${f.value}: ${f.problem}`), changed: sys.changed, failed: sys.failed, adopted } satisfies FromFib);
}

main.on('message', (m: ToFib) => {
  switch (m.t) {
    case 'start':
      start(m).catch((err: unknown) => main.postMessage({ t: 'error', message: err instanceof Error ? err.message : String(err) } satisfies FromFib));
      return;
    case 'rib-port':
      ribPort = m.port;
      m.port.on('message', (msg: { t: string; changes?: FibChange[]; gateways?: string[]; stamps?: number[] }) => {
        if (msg.t === 'fib' && msg.changes) apply(msg.changes, msg.stamps);
        // RFC 4724 §4.1: every peer has re-sent its table: routes of ours not re-learned go now.
        else if (msg.t === 'restart-complete') void fib?.sweep();
        else if (msg.t === 'track' && msg.gateways) {
          if (fib) void fib.track(msg.gateways);
          else earlyTrack.push(...msg.gateways);
        }
      });
      return;
    case 'lookup':
      void (fib ? fib.lookup(m.address) : Promise.resolve(null)).then((result) => main.postMessage({ t: 'query-result', id: m.id, result } satisfies FromFib));
      return;
    case 'query':
      main.postMessage({ t: 'query-result', id: m.id, result: fib ? { ...fib.counters(), latencySamples: undefined } : null } satisfies FromFib);
      return;
    case 'stats': {
      const counters = fib ? { ...fib.counters(), latencySamples: undefined } : null;
      const result = { counters, staleRoutes: fib?.staleRoutes ?? 0, pendingRoutes: fib?.pendingRoutes ?? 0, timing: timing.snapshot() };
      main.postMessage({ t: 'query-result', id: m.id, result } satisfies FromFib);
      return;
    }
    case 'stop':
      // Without graceful restart our routes go with us (nothing would adopt them in time).
      if (m.removeRoutes && fib) fib.setRoutes([]);
      void (m.removeRoutes && fib ? fib.sweep() : Promise.resolve()).then(() => fib?.stop() ?? Promise.resolve()).then(() => {
        main.postMessage({ t: 'stopped' } satisfies FromFib);
        main.close();
      });
      return;
  }
});
