/**
 * Every rackroute metric, defined once, on a registry of its own (not prom-client's global):
 * names, types, help and label sets live here and nowhere else (the README's Metrics table
 * lists them). Labels are bounded: peer names from the config, the six FSM states, two
 * families, BGP message types, NOTIFICATION codes, FIB op kinds and errno names.
 *
 * Two kinds of input. Events from the session engine (SpeakerObserver: messages, sessions going
 * down, worker threads' periodic lag reports) only bump plain numbers here, so the session
 * thread pays a few array writes per message. At scrape time `collect` gets a snapshot — the
 * speaker's session states, the route engine's and the FIB thread's answers to one stats query
 * each — and every series is rebuilt from it, so gauges are the truth at that moment and a
 * removed peer's series are gone (peerRemoved also drops its counts). Counters are totals kept
 * for the life of the process (or of the FIB thread), so they only go up; when a thread does
 * not answer in time its gauges are left out and its counters keep their last value.
 * Output: Prometheus text from `render`. No sockets; clocks: wall time for when a NOTIFICATION
 * went, `now` (monotonic, injectable) for how late a worker's report is.
 */
import { getHeapStatistics } from 'node:v8';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { notificationOf, type DownReason } from '../../peers/down.js';
import type { BucketSnapshot } from './buckets.js';
import type { FibTimingSnapshot } from './fib-timing.js';
import { REPORT_MS, type ThreadSample } from './loop-lag.js';
import type { PeerSessionState, SpeakerObserver, WorkerThread } from './observer.js';

/** RFC 4271 §8.2.2 states, in FSM order. */
export const FSM_STATES = ['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const;
/** BGP message types by type code (RFC 4271 §4.1, RFC 2918 §3); anything else is `other`. */
const MESSAGE_TYPES = ['other', 'open', 'update', 'notification', 'keepalive', 'route-refresh'] as const;
const DIRECTIONS = ['received', 'sent'] as const;
type Direction = (typeof DIRECTIONS)[number];
/** RFC 5880 §4.1 BFD session states. */
export const BFD_STATES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
/** NOTIFICATION error codes RFC 4271 §4.5 and RFC 7313 / RFC 9687 define; others count as `other`. */
const KNOWN_CODES = new Set([1, 2, 3, 4, 5, 6, 7, 8]);

interface LastNotification {
  code: number;
  subcode: number;
  reason: string;
  /** Unix time, seconds. */
  at: number;
}

/** Totals for one peer, kept across its sessions (and config restarts) until it is removed. */
interface PeerCounts {
  /** [direction * MESSAGE_TYPES.length + type index] */
  messages: Float64Array;
  flaps: number;
  /** `${direction}|${code}` -> count */
  notifications: Map<string, number>;
  last: Partial<Record<Direction, LastNotification>>;
  /** BFD state -> times the peer's BFD session entered it. */
  bfd: Map<string, number>;
  /** Session-protection failure reason (daemon/net/protection.ts GuardReason) -> count. */
  authErrors: Map<string, number>;
}

/** The route engine's `stats` answer, as far as metrics read it (daemon/rib/query.ts). */
interface EngineStats {
  peers?: { peer?: string; ownershipRejected?: number; ownershipWarned?: number; families?: Record<string, { received?: number; accepted?: number; advertised?: number }> }[];
  locRib?: number;
  paths?: number;
  installed?: number;
  stale?: { peer?: string; routes?: number }[];
}

/** The FIB thread's `stats` answer (daemon/kernel/worker.ts). */
interface FibStats {
  counters?: {
    routesInstalled?: number;
    nexthopObjects?: number;
    ops?: Record<string, number>;
    driftRepaired?: number;
    fullReconciles?: number;
    resyncs?: number;
    unusable?: number;
    nexthopsTracked?: number;
    nexthopsUnresolved?: number;
  };
  staleRoutes?: number;
  pendingRoutes?: number;
  timing?: FibTimingSnapshot;
}

export interface ScrapeSnapshot {
  sessions: readonly PeerSessionState[];
  /** The route engine's stats, or null when it did not answer in time. */
  engine: unknown;
  /** The FIB thread's stats; null when it did not answer; 'disabled' with --no-fib. */
  fib: unknown;
  /** The main thread's event-loop lag, ms. */
  mainLagMs: number;
  ready: boolean;
}

/** A histogram whose buckets are counted elsewhere (a worker thread) and set from snapshots. */
class SnapshotHistogram<T extends string> extends Histogram<T> {
  private series = new Map<string, { labels: Partial<Record<T, string>>; snap: BucketSnapshot }>();

  /** Replaces every series. */
  setAll(series: { labels: Partial<Record<T, string>>; snap: BucketSnapshot }[]): void {
    this.series = new Map(series.map((s) => [JSON.stringify(s.labels), s]));
  }

  // Not super.get(): prom-client's get() calls getForPromString(), which calls this get().
  override async get(): Promise<Awaited<ReturnType<Histogram<T>['get']>>> {
    const values: { labels: Partial<Record<string, string | number>>; value: number; metricName: string }[] = [];
    const { name, help, aggregator } = this as unknown as { name: string; help: string; aggregator: 'sum' };
    for (const { labels, snap } of this.series.values()) {
      let cumulative = 0;
      snap.bounds.forEach((le, i) => {
        cumulative += snap.counts[i] ?? 0;
        values.push({ labels: { ...labels, le }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { ...labels, le: '+Inf' }, value: snap.count, metricName: `${name}_bucket` });
      values.push({ labels: { ...labels }, value: snap.sum, metricName: `${name}_sum` });
      values.push({ labels: { ...labels }, value: snap.count, metricName: `${name}_count` });
    }
    type Result = Awaited<ReturnType<Histogram<T>['get']>>;
    return { name, help, type: 'histogram', aggregator, values } as unknown as Result;
  }

  /** The registry prefers this over get() when rendering text. */
  getForPromString(): ReturnType<Histogram<T>['get']> {
    return this.get();
  }
}

export class RackrouteMetrics implements SpeakerObserver {
  readonly registry = new Registry();
  private readonly counts = new Map<string, PeerCounts>();
  private readonly threads = new Map<WorkerThread, { sample: ThreadSample; at: number }>();
  private readonly reloads = { applied: 0, rejected: 0 };
  /** Gauges without labels: prom-client puts a 0 back on reset(); `clear` takes it out. */
  private readonly unlabelled = new Set<Gauge<string>>();

  // ---- sessions (session engine, main thread) ----
  private readonly peerUp = this.gauge('rackroute_peer_up', '1 while the BGP session with the peer is Established, else 0.', ['peer']);
  private readonly peerState = this.gauge('rackroute_peer_state', 'BGP FSM state of the peer\'s session (RFC 4271 §8.2.2): 1 for the current state, 0 for the other five.', ['peer', 'state']);
  private readonly flaps = this.counter('rackroute_peer_flaps_total', 'Established sessions with the peer that went down.', ['peer']);
  private readonly messages = this.counter('rackroute_peer_messages_total', 'BGP messages on the peer\'s sessions, by type and direction.', ['peer', 'direction', 'type']);
  private readonly notifications = this.counter('rackroute_peer_notifications_total', 'NOTIFICATIONs that ended a session with the peer, by direction and error code (RFC 4271 §4.5).', ['peer', 'direction', 'code']);
  private readonly bfdState = this.gauge('rackroute_bfd_session_state', 'BFD session state with the peer (RFC 5880 §4.1): 1 for the current state, 0 for the other three. Peers with bfd.enabled only.', ['peer', 'state']);
  private readonly bfdTransitions = this.counter('rackroute_bfd_transitions_total', 'BFD session state changes with the peer, by the state entered (an Up -> Down takes the BGP session down).', ['peer', 'to']);
  private readonly bfdDetection = this.gauge('rackroute_bfd_detection_time_seconds', 'Negotiated BFD Detection Time (RFC 5880 §6.8.4): the peer\'s multiplier x max(our minRx, its TX interval). Absent until the peer was heard.', ['peer']);
  private readonly authErrors = this.counter('rackroute_peer_auth_errors_total', 'Times the peer\'s session protection could not be put in place (TCP-MD5 / TCP-AO key, GTSM / TTL, interface), by reason: the session is held down instead of running without it.', ['peer', 'reason']);
  private readonly lastNotification = this.gauge('rackroute_peer_last_notification_timestamp_seconds', 'When the last NOTIFICATION was sent to / received from the peer (Unix time); its code, subcode and their names as labels. One series per peer and direction.', ['peer', 'direction', 'code', 'subcode', 'reason']);

  // ---- routes (route engine thread, on scrape) ----
  private readonly received = this.gauge('rackroute_peer_prefixes_received', 'Prefixes in the peer\'s Adj-RIB-In (as received, before import policy).', ['peer', 'family']);
  private readonly accepted = this.gauge('rackroute_peer_prefixes_accepted', 'Prefixes from the peer accepted by import policy (what max-prefix counts).', ['peer', 'family']);
  private readonly advertised = this.gauge('rackroute_peer_prefixes_advertised', 'Prefixes in the peer\'s Adj-RIB-Out (advertised to it).', ['peer', 'family']);
  private readonly staleRoutes = this.gauge('rackroute_peer_stale_routes', 'Routes of a restarting peer kept as stale (graceful restart, RFC 4724 §4.2).', ['peer']);
  private readonly ribPrefixes = this.gauge('rackroute_rib_prefixes', 'Prefixes in the Loc-RIB (learned and originated).');
  private readonly ribPaths = this.gauge('rackroute_rib_paths', 'Paths in the Loc-RIB (all candidates of all prefixes).');
  private readonly fibDesired = this.gauge('rackroute_fib_routes_desired', 'Learned best routes the route engine wants in the kernel (intent).');

  // ---- kernel FIB (FIB thread, on scrape) ----
  private readonly fibInstalled = this.gauge('rackroute_fib_routes_installed', 'Routes of ours in the kernel, as the FIB reconciler last confirmed them.');
  private readonly fibPending = this.gauge('rackroute_fib_routes_pending', 'Routes known to differ from the intent and queued or being written to the kernel (intent/kernel drift not yet repaired).');
  private readonly fibUnusable = this.gauge('rackroute_fib_routes_unusable', 'Desired routes left out of the kernel: no usable next hop (link down or gateway unresolvable).');
  private readonly fibStale = this.gauge('rackroute_fib_routes_stale', 'Routes of ours found in the kernel at start and not re-learned yet: kept until the graceful-restart sweep.');
  private readonly fibNexthopObjects = this.gauge('rackroute_fib_nexthop_objects', 'Kernel nexthop objects (and groups) rackroute owns.');
  private readonly fibNexthopsTracked = this.gauge('rackroute_fib_nexthops_tracked', 'BGP next hops resolved through the kernel\'s routing table.');
  private readonly fibNexthopsUnresolved = this.gauge('rackroute_fib_nexthops_unresolved', 'BGP next hops the kernel\'s routing table does not resolve (their routes are ineligible).');
  private readonly fibOps = this.counter('rackroute_fib_operations_total', 'netlink operations by kind and result (ok or the errno name, e.g. EEXIST): failed operations have result != "ok".', ['op', 'result']);
  private readonly fibDrift = this.counter('rackroute_fib_drift_repaired_total', 'Kernel routes found deleted or changed behind rackroute\'s back (and put back).');
  private readonly fibFull = this.counter('rackroute_fib_full_reconciles_total', 'Full passes over the kernel table (dump, diff, apply): periodic, after link changes, and retries.');
  private readonly fibResyncs = this.counter('rackroute_fib_resyncs_total', 'Full passes forced because netlink lost messages (ENOBUFS, timeouts, event overruns): the retry of whatever was in flight.');
  private readonly fibOpLatency = this.snapshotHistogram('rackroute_fib_operation_duration_seconds', 'netlink operation latency, request sent to the kernel\'s ACK, by kind.', ['op']);
  private readonly updateToKernel = this.snapshotHistogram('rackroute_update_to_kernel_seconds', 'From reading an UPDATE off the socket to the kernel\'s ACK of the route write it caused.', []);
  private readonly unconfirmed = this.counter('rackroute_update_to_kernel_unconfirmed_total', 'Route changes from UPDATEs that ended without a kernel write to time: already as wanted, no usable next hop, or the write failed.');

  // ---- threads and the daemon ----
  private readonly lag = this.gauge('rackroute_event_loop_lag_seconds', 'Longest event-loop delay of the thread in about the last second (for a worker that is late with its report: how late).', ['thread']);
  private readonly heap = this.gauge('rackroute_thread_heap_used_bytes', 'V8 heap in use by the thread.', ['thread']);
  private readonly statsCollected = this.gauge('rackroute_stats_collected', '1 if the thread answered this scrape\'s stats query in time, else 0 (its gauges are then missing).', ['thread']);
  private readonly ready = this.gauge('rackroute_ready', '1 once /readyz answers 200.');
  private readonly reloadsTotal = this.counter('rackroute_config_reloads_total', 'Configuration reloads (SIGHUP), by result: applied or rejected.', ['result']);

  // ---- eBPF datapath (daemon/datapath/) ----
  private readonly dpMode = this.gauge('rackroute_datapath_mode', '1 for the datapath mode in force: bpf (tc program attached) or legacy (kernel stack), with the reason.', ['mode', 'reason']);
  private readonly dpInterfaces = this.gauge('rackroute_datapath_interface_attached', '1 if the datapath program is attached to the interface, 0 if not (see rackroute datapath for why).', ['interface', 'role']);
  private readonly dpOutcomes = this.counter('rackroute_datapath_packets_total', 'Packets seen by the datapath program, by outcome: fast:* forwarded by BPF, fallback:* handed to the kernel stack (with why), pass:not-managed not a rackroute prefix.', ['outcome']);
  private readonly dpRoutePackets = this.counter('rackroute_route_packets_total', 'Packets (GSO segments) to each prefix rackroute manages, counted by the datapath program at ingress.', ['prefix']);
  private readonly dpRouteBytes = this.counter('rackroute_route_bytes_total', 'Bytes (skb length, L2 included) to each prefix rackroute manages, counted by the datapath program at ingress.', ['prefix']);
  private readonly dpRoutes = this.gauge('rackroute_datapath_routes', 'Prefixes in the datapath\'s route map.');

  private datapathSource: (() => { status: Parameters<RackrouteMetrics['datapath']>[0]; routes: Parameters<RackrouteMetrics['datapath']>[1] }) | null = null;

  /** daemon/datapath/datapath.ts: read at each scrape (the counters are syscalls per route). */
  setDatapathSource(read: NonNullable<RackrouteMetrics['datapathSource']>): void {
    this.datapathSource = read;
  }

  /** The datapath's state and counters, as read at a scrape. */
  datapath(st: { mode: string; reason: string; routes: number; interfaces: readonly { name: string; role: string; attached: boolean }[]; outcomes?: Record<string, number> }, routes: readonly { prefix: string; packets: number; bytes: number }[]): void {
    this.dpMode.reset();
    this.dpMode.set({ mode: st.mode, reason: st.reason }, 1);
    this.dpInterfaces.reset();
    for (const i of st.interfaces) this.dpInterfaces.set({ interface: i.name, role: i.role }, i.attached ? 1 : 0);
    setCounter(this.dpOutcomes, Object.entries(st.outcomes ?? {}).map(([outcome, n]) => [{ outcome }, n]));
    setCounter(this.dpRoutePackets, routes.map((r) => [{ prefix: r.prefix }, r.packets]));
    setCounter(this.dpRouteBytes, routes.map((r) => [{ prefix: r.prefix }, r.bytes]));
    this.dpRoutes.set(st.routes);
  }

  // ---- Kubernetes (daemon/kubernetes/) ----
  /** Set by the Kubernetes service as things happen (no series at all without Kubernetes). */
  readonly kubeApiUp = this.gauge('rackroute_kubernetes_api_up', '1 while the last list/watch of Nodes succeeded, 0 while the API server is failing (the last known node list stays in force).');
  readonly kubeNodes = this.gauge('rackroute_kubernetes_nodes', 'Nodes in the node list in force (from the API, or the state file while the API is away).');
  readonly kubeRelists = this.counter('rackroute_kubernetes_relists_total', 'Full lists of Nodes, by reason (initial, 410 Gone, resync after an error).', ['reason']);
  readonly kubeWatchEvents = this.counter('rackroute_kubernetes_watch_events_total', 'Node watch events received, by type (ADDED, MODIFIED, DELETED, BOOKMARK, ERROR).', ['type']);
  readonly kubeApiErrors = this.counter('rackroute_kubernetes_api_errors_total', 'Failed list/watch/patch calls to the API server.');
  readonly kubeCondition = this.gauge('rackroute_kubernetes_network_condition_reported', '1 once the Node\'s NetworkUnavailable condition was set to False by rackroute.');
  private readonly ownership = this.counter('rackroute_route_ownership_violations_total', 'Received pod-CIDR routes not announced by the node that owns the CIDR (Kubernetes validation), by peer and action (rejected with enforce, accepted with warn); per session.', ['peer', 'action']);

  /** `now`: a monotonic clock in ms (performance.now), for how late a worker's report is. */
  private readonly now: () => number;

  constructor(opts: { version: string; defaultMetrics?: boolean; now?: () => number }) {
    this.now = opts.now ?? (() => performance.now());
    this.gauge('rackroute_build_info', 'Always 1; the version as a label.', ['version']).set({ version: opts.version }, 1);
    // process_resident_memory_bytes, process_cpu_seconds_total, nodejs_heap_size_used_bytes, ...
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  // ---- events (SpeakerObserver) ----

  message(peer: string, direction: 'in' | 'out', type: number): void {
    const i = (direction === 'in' ? 0 : MESSAGE_TYPES.length) + (type >= 1 && type < MESSAGE_TYPES.length ? type : 0);
    const m = this.peer(peer).messages;
    m[i] = (m[i] ?? 0) + 1;
  }

  sessionDown(peer: string, reason: DownReason, wasEstablished: boolean): void {
    const c = this.peer(peer);
    if (wasEstablished) c.flaps++;
    const n = notificationOf(reason);
    if (!n) return;
    const key = `${n.direction}|${KNOWN_CODES.has(n.code) ? n.code : 'other'}`;
    c.notifications.set(key, (c.notifications.get(key) ?? 0) + 1);
    c.last[n.direction] = { code: n.code, subcode: n.subcode, reason: n.text, at: Date.now() / 1000 };
  }

  bfdTransition(peer: string, to: string): void {
    const b = this.peer(peer).bfd;
    b.set(to, (b.get(to) ?? 0) + 1);
  }

  authError(peer: string, reason: string): void {
    const a = this.peer(peer).authErrors;
    a.set(reason, (a.get(reason) ?? 0) + 1);
  }

  threadStats(thread: WorkerThread, sample: ThreadSample): void {
    this.threads.set(thread, { sample, at: this.now() });
  }

  /** A peer left the configuration: its totals and series go. */
  peerRemoved(peer: string): void {
    this.counts.delete(peer);
  }

  configReload(result: 'applied' | 'rejected'): void {
    this.reloads[result]++;
  }

  // ---- scrape ----

  /** Rebuilds every series from the snapshot (and the totals kept here). */
  collect(s: ScrapeSnapshot): void {
    this.collectSessions(s.sessions);
    this.collectEngine(s.sessions, s.engine as EngineStats | null);
    this.collectFib(s.fib === 'disabled' ? 'disabled' : (s.fib as FibStats | null));
    this.collectThreads(s.mainLagMs, s.engine !== null, s.fib);
    this.ready.set(s.ready ? 1 : 0);
    if (this.datapathSource) {
      const d = this.datapathSource();
      this.datapath(d.status, d.routes);
    }
    setCounter(this.reloadsTotal, [[{ result: 'applied' }, this.reloads.applied], [{ result: 'rejected' }, this.reloads.rejected]]);
  }

  private collectSessions(sessions: readonly PeerSessionState[]): void {
    this.peerUp.reset();
    this.peerState.reset();
    this.bfdState.reset();
    this.bfdDetection.reset();
    for (const { peer, state, bfd } of sessions) {
      this.peerUp.set({ peer }, state === 'Established' ? 1 : 0);
      for (const st of FSM_STATES) this.peerState.set({ peer, state: st }, st === state ? 1 : 0);
      if (bfd) {
        for (const st of BFD_STATES) this.bfdState.set({ peer, state: st }, st === bfd.state ? 1 : 0);
        if (bfd.detectionTimeMs !== null) this.bfdDetection.set({ peer }, bfd.detectionTimeMs / 1000);
      }
      this.peer(peer);
    }
    const bfdTransitions: Series<'peer' | 'to'>[] = [];
    const authErrors: Series<'peer' | 'reason'>[] = [];
    const flaps: Series<'peer'>[] = [];
    const messages: Series<'peer' | 'direction' | 'type'>[] = [];
    const notifications: Series<'peer' | 'direction' | 'code'>[] = [];
    this.lastNotification.reset();
    for (const [peer, c] of this.counts) {
      flaps.push([{ peer }, c.flaps]);
      DIRECTIONS.forEach((direction, d) => {
        MESSAGE_TYPES.forEach((type, t) => messages.push([{ peer, direction, type }, c.messages[d * MESSAGE_TYPES.length + t] ?? 0]));
        const last = c.last[direction];
        if (last) this.lastNotification.set({ peer, direction, code: String(last.code), subcode: String(last.subcode), reason: last.reason }, last.at);
      });
      for (const [to, n] of c.bfd) bfdTransitions.push([{ peer, to }, n]);
      for (const [reason, n] of c.authErrors) authErrors.push([{ peer, reason }, n]);
      for (const [key, n] of c.notifications) {
        const [direction = '', code = ''] = key.split('|');
        notifications.push([{ peer, direction, code }, n]);
      }
    }
    setCounter(this.flaps, flaps);
    setCounter(this.messages, messages);
    setCounter(this.notifications, notifications);
    setCounter(this.bfdTransitions, bfdTransitions);
    setCounter(this.authErrors, authErrors);
  }

  private collectEngine(sessions: readonly PeerSessionState[], e: EngineStats | null): void {
    this.clear(this.received, this.accepted, this.advertised, this.staleRoutes, this.ribPrefixes, this.ribPaths, this.fibDesired);
    if (!e) return;
    const byPeer = new Map((e.peers ?? []).map((p) => [p.peer, p.families ?? {}]));
    const stale = new Map((e.stale ?? []).map((s) => [s.peer, s.routes ?? 0]));
    // Every configured peer and family, 0 while the session is down: the series do not vanish.
    for (const { peer, families } of sessions) {
      const f = byPeer.get(peer) ?? {};
      for (const family of families) {
        this.received.set({ peer, family }, f[family]?.received ?? 0);
        this.accepted.set({ peer, family }, f[family]?.accepted ?? 0);
        this.advertised.set({ peer, family }, f[family]?.advertised ?? 0);
      }
      this.staleRoutes.set({ peer }, stale.get(peer) ?? 0);
    }
    const own: Series<'peer' | 'action'>[] = [];
    for (const p of e.peers ?? []) {
      if (!p.peer) continue;
      if (p.ownershipRejected) own.push([{ peer: p.peer, action: 'rejected' }, p.ownershipRejected]);
      if (p.ownershipWarned) own.push([{ peer: p.peer, action: 'accepted' }, p.ownershipWarned]);
    }
    setCounter(this.ownership, own);
    setIf(this.ribPrefixes, e.locRib);
    setIf(this.ribPaths, e.paths);
    setIf(this.fibDesired, e.installed);
  }

  private collectFib(f: FibStats | null | 'disabled'): void {
    this.clear(this.fibInstalled, this.fibPending, this.fibUnusable, this.fibStale, this.fibNexthopObjects, this.fibNexthopsTracked, this.fibNexthopsUnresolved);
    if (f === 'disabled') {
      // No kernel FIB (--no-fib): nothing is installed, and there are no FIB counters at all.
      this.fibInstalled.set(0);
      return;
    }
    if (!f) return; // did not answer: gauges left out, counters and histograms keep their last totals
    const c = f.counters ?? {};
    setIf(this.fibInstalled, c.routesInstalled);
    setIf(this.fibPending, f.pendingRoutes);
    setIf(this.fibUnusable, c.unusable);
    setIf(this.fibStale, f.staleRoutes);
    setIf(this.fibNexthopObjects, c.nexthopObjects);
    setIf(this.fibNexthopsTracked, c.nexthopsTracked);
    setIf(this.fibNexthopsUnresolved, c.nexthopsUnresolved);
    setCounter(this.fibOps, Object.entries(c.ops ?? {}).map(([key, n]): Series<'op' | 'result'> => {
      const [op = key, result = 'ok'] = key.split(':');
      return [{ op, result }, n];
    }));
    setCounter(this.fibDrift, [[{}, c.driftRepaired ?? 0]]);
    setCounter(this.fibFull, [[{}, c.fullReconciles ?? 0]]);
    setCounter(this.fibResyncs, [[{}, c.resyncs ?? 0]]);
    if (f.timing) {
      this.fibOpLatency.setAll(Object.entries(f.timing.opLatency).map(([op, snap]) => ({ labels: { op }, snap })));
      this.updateToKernel.setAll([{ labels: {}, snap: f.timing.updateToKernel }]);
      setCounter(this.unconfirmed, [[{}, f.timing.unconfirmed]]);
    }
  }

  private collectThreads(mainLagMs: number, engineAnswered: boolean, fib: unknown): void {
    this.lag.reset();
    this.heap.reset();
    this.statsCollected.reset();
    this.lag.set({ thread: 'main' }, mainLagMs / 1000);
    this.heap.set({ thread: 'main' }, getHeapStatistics().used_heap_size);
    const now = this.now();
    for (const [thread, { sample, at }] of this.threads) {
      // A report overdue by more than its period means the thread's loop is that far behind.
      const overdue = now - at - REPORT_MS;
      this.lag.set({ thread }, Math.max(sample.maxLagMs, overdue, 0) / 1000);
      this.heap.set({ thread }, sample.heapUsedBytes);
    }
    this.statsCollected.set({ thread: 'route-engine' }, engineAnswered ? 1 : 0);
    if (fib !== 'disabled') this.statsCollected.set({ thread: 'fib' }, fib !== null ? 1 : 0);
  }

  // ---- definitions ----

  private peer(name: string): PeerCounts {
    let c = this.counts.get(name);
    if (!c) this.counts.set(name, (c = { messages: new Float64Array(MESSAGE_TYPES.length * DIRECTIONS.length), flaps: 0, notifications: new Map(), last: {}, bfd: new Map(), authErrors: new Map() }));
    return c;
  }

  private gauge<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Gauge<T> {
    const g = new Gauge<T>({ name, help, labelNames, registers: [this.registry] });
    if (labelNames.length === 0) this.unlabelled.add(g as Gauge<string>);
    return g;
  }

  /** No series at all until set again (a value nobody reported is left out, not shown as 0). */
  private clear(...gauges: Gauge<string>[]): void {
    for (const g of gauges) {
      g.reset();
      if (this.unlabelled.has(g)) g.remove({});
    }
  }

  private counter<T extends string>(name: string, help: string, labelNames: readonly T[] = []): Counter<T> {
    return new Counter<T>({ name, help, labelNames, registers: [this.registry] });
  }

  private snapshotHistogram<T extends string>(name: string, help: string, labelNames: readonly T[]): SnapshotHistogram<T> {
    return new SnapshotHistogram<T>({ name, help, labelNames, buckets: [], registers: [this.registry] });
  }
}

type Series<T extends string> = [Partial<Record<T, string>>, number];

/** Counters rebuilt from totals: the totals only grow, so the exported values only grow. */
function setCounter<T extends string>(c: Counter<T>, series: Series<T>[]): void {
  c.reset();
  for (const [labels, value] of series) c.inc(labels, Math.max(0, value));
}

function setIf(g: Gauge<string>, v: number | undefined): void {
  if (typeof v === 'number' && Number.isFinite(v)) g.set(v);
}
