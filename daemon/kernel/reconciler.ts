/**
 * FIB reconciler: holds the desired routes, keeps the kernel equal to them (architecture-study
 * §8.8, reliability §3.4): event-driven passes over changed prefixes, a periodic full pass
 * (dump, diff, apply), repair of routes deleted or changed behind our back, next hops through a
 * down link left out at once, startup adoption with the sweep of stale routes deferred until told.
 *
 * Input: desired routes (setRoutes/update) from the RIB side; kernel state and events from a
 * FibKernel (netlink.ts, or a fake). Output: route and nexthop-object ops to the FibKernel;
 * counters for metrics.
 * Must not: touch routes outside its scope (protocol + tables), stop at a failed op, or run two
 * passes at once.
 */
import { diffFib, inScope, nexthopSetKey, normalizeNexthops, routeKey, sameRoute, DEFAULT_SCOPE, type FibNexthop, type FibOp, type FibRoute, type FibScope } from './fib.js';
import { NexthopPlan, DEFAULT_NH_RANGE, type NhOp, type NhRange } from './nexthops.js';
import type { BatchResult, Fib, FibCounters, FibKernel, KernelEvent, LookupAnswer, RouteEncoding, StartOptions } from './types.js';
import { GatewayResolver, type Resolution } from './resolve.js';

export interface ReconcilerOptions {
  scope?: FibScope;
  nhRange?: NhRange;
  /** 'nhid' (nexthop objects, default) or 'plain' (gateway / multipath routes). */
  encoding?: RouteEncoding;
  /** Full pass period (default 30 s; 0 = none). */
  resyncIntervalMs?: number;
  /** Bounded ring of latency samples (default 1024). */
  latencySamples?: number;
  /** Called when a link goes up or down (the session engine drops eBGP sessions over it). */
  onLink?: (link: { ifindex: number; name: string }, up: boolean) => void;
  /** Called when a gateway's resolution is first known and whenever it changes. */
  onResolution?: (gateway: string, r: Resolution | null) => void;
  /** Metrics (daemon/metrics/fib-timing.ts): each op's kind and latency, after every batch. */
  onLatency?: (kinds: readonly string[], latencyMs: readonly number[]) => void;
  /** Metrics: a pass's route ops and their results ('' = done), once the kernel answered. */
  onRoutesApplied?: (ops: readonly FibOp[], results: readonly string[]) => void;
}

const SETTLE_FULL_MS = 50;
/**
 * Routes per incremental pass. A million dirty routes in one pass held several copies of every
 * route at once (3.7 GB at table-1m); slices bound that, and the first routes reach the kernel
 * while the rest are still being prepared.
 */
const PASS_MAX = 16_384;
/** Underlay route changes come in bursts (a routing daemon converging): re-resolve once per burst. */
const SETTLE_RESOLVE_MS = 20;

export class FibReconciler implements Fib {
  private readonly scope: FibScope;
  private readonly encoding: RouteEncoding;
  private readonly plan: NexthopPlan;
  private readonly desired = new Map<string, FibRoute>();
  private readonly installed = new Map<string, FibRoute>();
  /** Routes of ours found at startup: not deleted before sweep(). */
  private readonly stale = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly inFlight = new Set<string>();
  private readonly linkUp = new Map<number, boolean>();
  private readonly resolver: GatewayResolver;
  private resolveTimer: NodeJS.Timeout | undefined;
  private readonly unusable = new Set<string>();
  private ringAt = 0;
  private fullWanted = false;
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private fullTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly c: FibCounters = {
    routesInstalled: 0,
    nexthopObjects: 0,
    ops: {},
    driftRepaired: 0,
    fullReconciles: 0,
    resyncs: 0,
    unusable: 0,
    nexthopsTracked: 0,
    nexthopsUnresolved: 0,
    latencySamples: [],
  };

  constructor(private readonly kernel: FibKernel, private readonly opts: ReconcilerOptions = {}) {
    this.scope = opts.scope ?? DEFAULT_SCOPE;
    this.encoding = opts.encoding ?? 'nhid';
    this.plan = new NexthopPlan(opts.nhRange ?? DEFAULT_NH_RANGE);
    this.resolver = new GatewayResolver((a) => kernel.lookup(a), this.scope.protocol, (g, r) => opts.onResolution?.(g, r));
  }

  /** Resolves (and from then on tracks) next hops the route engine holds paths for. */
  track(gateways: readonly string[]): Promise<void> {
    return this.resolver.ensure(gateways);
  }

  /** Routes of ours found in the kernel at start and not (yet) re-learned: kept until sweep(). */
  get staleRoutes(): number {
    return this.stale.size;
  }

  /** Routes known to differ from the desired state, queued or being written (drift not yet repaired). */
  get pendingRoutes(): number {
    return this.dirty.size + this.inFlight.size;
  }

  /** The kernel's own answer for an address: the FIB entry that carries it (`why`). */
  async lookup(address: string): Promise<LookupAnswer | null> {
    return (await this.kernel.lookup([address])).get(address) ?? null;
  }

  /** Known gateway resolutions (null: unresolvable). */
  resolutions(): [string, Resolution | null][] {
    return this.resolver.entries();
  }

  /** Subscribes, reads links and our routes/objects, adopts what matches, marks the rest stale. */
  async start(opts: StartOptions): Promise<void> {
    this.kernel.subscribe((ev) => this.onEvent(ev));
    for (const l of await this.kernel.links()) this.linkUp.set(l.ifindex, l.up);
    const snap = await this.kernel.dump(this.scope, this.plan.range);
    for (const r of snap.routes) {
      const key = routeKey(r);
      this.installed.set(key, r);
      if (!this.desired.has(key)) this.stale.add(key);
    }
    this.plan.rebase(snap.nexthops, this.routeNhids());
    if (opts.sweep) this.stale.clear();
    for (const key of this.installed.keys()) this.dirty.add(key);
    for (const key of this.desired.keys()) this.dirty.add(key);
    await this.kick();
    const every = this.opts.resyncIntervalMs ?? 30_000;
    if (every > 0) this.timer = setInterval(() => void this.reconcile(), every).unref();
  }

  setRoutes(routes: readonly FibRoute[]): void {
    const next = new Map<string, FibRoute>();
    for (const r of routes) if (inScope(r, this.scope)) next.set(routeKey(r), r);
    for (const key of this.desired.keys()) if (!next.has(key)) this.dirty.add(key);
    for (const [key, r] of next) {
      const old = this.desired.get(key);
      if (old === undefined || old !== r) this.dirty.add(key);
    }
    this.desired.clear();
    for (const [k, r] of next) this.desired.set(k, r);
    void this.kick();
  }

  update(upserts: readonly FibRoute[], withdrawn: readonly FibRoute[]): void {
    for (const r of withdrawn) {
      const key = routeKey(r);
      if (this.desired.delete(key)) this.dirty.add(key);
    }
    for (const r of upserts) {
      if (!inScope(r, this.scope)) continue;
      const key = routeKey(r);
      this.desired.set(key, r);
      this.stale.delete(key);
      this.dirty.add(key);
    }
    void this.kick();
  }

  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  async sweep(): Promise<void> {
    for (const key of this.stale) this.dirty.add(key);
    this.stale.clear();
    await this.kick();
  }

  async reconcile(): Promise<void> {
    this.fullWanted = true;
    await this.kick();
  }

  counters(): FibCounters {
    this.c.routesInstalled = this.installed.size;
    this.c.nexthopObjects = this.plan.objects().length;
    this.c.unusable = this.unusable.size;
    this.c.nexthopsTracked = this.resolver.size;
    this.c.nexthopsUnresolved = this.resolver.unresolved;
    return { ...this.c, ops: { ...this.c.ops }, latencySamples: [...this.c.latencySamples] };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.fullTimer);
    clearTimeout(this.resolveTimer);
    await this.settled();
    this.kernel.close();
  }

  /** The next slice of dirty keys, oldest first. */
  private nextKeys(): string[] {
    const keys: string[] = [];
    for (const k of this.dirty) {
      keys.push(k);
      if (keys.length >= PASS_MAX) break;
    }
    return keys;
  }

  /** Runs passes until nothing is dirty; one at a time. */
  private kick(): Promise<void> {
    if (this.running) return this.running;
    const run = this.loop();
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
      // Work added after the loop's last check and before this point gets its own run.
      if (!this.stopped && (this.fullWanted || this.dirty.size > 0)) void this.kick();
    });
    return run;
  }

  private async loop(): Promise<void> {
    while (!this.stopped && (this.fullWanted || this.dirty.size > 0)) {
      try {
        if (this.fullWanted) await this.fullPass();
        else await this.pass(this.nextKeys());
      } catch {
        // A kernel edge that throws (it should not) must not stop reconciling: retry in full later.
        this.count('pass', 'failed');
        this.scheduleFull();
        return;
      }
    }
  }

  private async fullPass(): Promise<void> {
    this.fullWanted = false;
    this.c.fullReconciles++;
    let snap;
    try {
      snap = await this.kernel.dump(this.scope, this.plan.range);
      for (const l of await this.kernel.links()) this.linkUp.set(l.ifindex, l.up);
    } catch {
      this.c.ops['dump:failed'] = (this.c.ops['dump:failed'] ?? 0) + 1;
      return;
    }
    await this.resolver.refresh();
    const before = new Map(this.installed);
    this.installed.clear();
    for (const r of snap.routes) this.installed.set(routeKey(r), r);
    this.plan.rebase(snap.nexthops, this.routeNhids());
    const keys = new Set([...before.keys(), ...this.installed.keys(), ...this.desired.keys(), ...this.dirty]);
    for (const k of keys) if (!sameInstalled(before.get(k), this.installed.get(k))) this.c.driftRepaired++;
    // Every key is looked at again, in slices (the loop takes the rest): repaired objects first.
    for (const k of keys) this.dirty.add(k);
    await this.pass(this.nextKeys(), this.plan.repair(snap.nexthops));
  }

  /**
   * Diff and apply for `keys`; returns the route ops it ran. The diff is done key by key here
   * (not through diffFib) so that a key is computed once per route and next-hop sets shared by
   * many routes are normalized once per pass: at 50k routes this loop is the FIB's hot path.
   */
  private async pass(keys: string[], repair: NhOp[] = []): Promise<FibOp[]> {
    for (const k of keys) this.dirty.delete(k);
    const want = await this.effective(keys);
    const nhOps: NhOp[] = [...repair];
    const ready: FibOp[] = [];
    const readyKeys: string[] = [];
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const w = want[i];
      const h = this.installed.get(k);
      let op: FibOp;
      if (w === undefined) {
        // Not desired (or no usable next hop): delete ours, unless kept as stale until the sweep.
        if (h === undefined || this.stale.has(k) || !inScope(h, this.scope)) continue;
        op = { op: 'delete', route: h };
      } else if (h === undefined) op = { op: 'add', route: w.route };
      else {
        const same = sameNexthops(w, h);
        // With nexthop objects, a matching route that points at an object outside our plan
        // (found at start, or changed behind our back) is re-pointed.
        const ownObject = h.nhid !== undefined && this.plan.get(h.nhid) !== undefined;
        if (same && (this.encoding === 'plain' || ownObject)) continue;
        op = { op: 'replace', route: w.route, old: h };
      }
      if (op.op !== 'delete' && this.encoding === 'nhid') {
        const acq = this.plan.acquire(op.route.nexthops, w!.setKey);
        if ('error' in acq) {
          this.count(op.op, 'ENOSPC');
          continue;
        }
        for (const o of acq.ops) nhOps.push(o);
        op = { ...op, route: { ...op.route, nhid: acq.id } };
      }
      ready.push(op);
      readyKeys.push(k);
    }
    if (nhOps.length > 0) this.record(nhOps.map((o) => o.op), await this.kernel.applyNexthops(nhOps, this.scope.protocol));
    for (const k of readyKeys) this.inFlight.add(k);
    const res = await this.kernel.applyRoutes(ready, this.encoding);
    for (const k of readyKeys) this.inFlight.delete(k);
    this.record(ready.map((o) => o.op), res);
    this.opts.onRoutesApplied?.(ready, res.results);
    for (let i = 0; i < ready.length; i++) this.settleRoute(ready[i]!, readyKeys[i]!, res.results[i] ?? 'EIO');
    const gc = this.plan.collect();
    if (gc.length > 0) this.record(gc.map((o) => o.op), await this.kernel.applyNexthops(gc, this.scope.protocol));
    return ready;
  }

  /**
   * Desired routes as the kernel should hold them, aligned with `keys` (undefined: not desired
   * or no usable hop): each BGP next hop replaced by the hop(s) it resolves to (itself on a
   * connected subnet, else the covering route's gateways), hops through down links dropped. A
   * route with no hop left is not installed (counted as unusable). Routes with the same next
   * hops share one normalized hop list and its key.
   */
  private async effective(keys: string[]): Promise<(Wanted | undefined)[]> {
    const gateways = new Set<string>();
    for (const k of keys) for (const nh of this.desired.get(k)?.nexthops ?? []) if (nh.ifindex === undefined && !this.resolver.has(nh.gateway)) gateways.add(nh.gateway);
    if (gateways.size > 0) await this.resolver.ensure(gateways);
    const shared = new Map<string, { nexthops: FibNexthop[]; setKey: string }>();
    const out: (Wanted | undefined)[] = new Array(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const r = this.desired.get(k);
      if (!r) {
        this.unusable.delete(k);
        continue;
      }
      const sig = r.nexthops.length === 1 && r.nexthops[0]!.ifindex === undefined && r.nexthops[0]!.weight === undefined ? r.nexthops[0]!.gateway : JSON.stringify(r.nexthops);
      let hops = shared.get(sig);
      if (hops === undefined) {
        const list: FibNexthop[] = [];
        for (const nh of r.nexthops) {
          const via = nh.ifindex !== undefined ? [{ gateway: nh.gateway, ifindex: nh.ifindex }] : (this.resolver.get(nh.gateway)?.nexthops ?? []);
          for (const hop of via) if (this.linkUp.get(hop.ifindex) !== false) list.push({ ...nh, gateway: hop.gateway, ifindex: hop.ifindex });
        }
        const nexthops = normalizeNexthops(list);
        hops = { nexthops, setKey: nexthopSetKey(nexthops) };
        shared.set(sig, hops);
      }
      if (hops.nexthops.length === 0) {
        this.unusable.add(k);
        continue;
      }
      this.unusable.delete(k);
      out[i] = { route: { ...r, nexthops: hops.nexthops }, setKey: hops.setKey };
    }
    return out;
  }

  /** The underlay changed (a route not ours): re-resolve, then redo the routes whose gateways moved. */
  private scheduleResolve(): void {
    if (this.resolveTimer || this.stopped || this.resolver.size === 0) return;
    this.resolveTimer = setTimeout(() => {
      this.resolveTimer = undefined;
      void this.resolver.refresh().then((moved) => {
        if (moved.length === 0 || this.stopped) return;
        const set = new Set(moved);
        for (const [k, r] of this.desired) if (r.nexthops.some((nh) => set.has(nh.gateway))) this.dirty.add(k);
        void this.kick();
      });
    }, SETTLE_RESOLVE_MS);
  }

  private settleRoute(op: FibOp, key: string, err: string): void {
    const nhid = this.encoding === 'nhid' ? op.route.nhid : undefined;
    if (op.op === 'delete') {
      if (err === '' || err === 'ESRCH' || err === 'ENOENT') {
        this.installed.delete(key);
        this.stale.delete(key);
        if (nhid !== undefined) this.plan.release(nhid);
      }
      return;
    }
    if (err !== '') {
      if (nhid !== undefined) this.plan.release(nhid);
      return;
    }
    const old = this.installed.get(key);
    if (old?.nhid !== undefined && this.encoding === 'nhid') this.plan.release(old.nhid);
    this.installed.set(key, op.route);
  }

  private record(kinds: string[], res: BatchResult): void {
    // Tallied locally first: one counter key per (kind, result), not one string per op.
    const tally = new Map<string, number>();
    kinds.forEach((k, i) => {
      const r = res.results[i];
      const key = r ? `${k}:${r}` : k;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    });
    for (const [key, n] of tally) {
      const k = key.includes(':') ? key : `${key}:ok`;
      this.c.ops[k] = (this.c.ops[k] ?? 0) + n;
    }
    const ring = this.c.latencySamples;
    const cap = this.opts.latencySamples ?? 1024;
    for (const ms of res.latencyMs) {
      if (ring.length < cap) ring.push(ms);
      else ring[this.ringAt++ % cap] = ms;
    }
    this.opts.onLatency?.(kinds, res.latencyMs);
    if (res.resync) this.requestFull();
  }

  private count(kind: string, result: string): void {
    const k = `${kind}:${result}`;
    this.c.ops[k] = (this.c.ops[k] ?? 0) + 1;
  }

  private requestFull(): void {
    this.c.resyncs++;
    this.scheduleFull();
  }

  /** A full pass shortly (coalesces bursts of events: a link flap, an overrun). */
  private scheduleFull(): void {
    if (this.fullTimer || this.stopped) return;
    this.fullTimer = setTimeout(() => {
      this.fullTimer = undefined;
      void this.reconcile();
    }, SETTLE_FULL_MS);
  }

  private onEvent(ev: KernelEvent): void {
    if (this.stopped) return;
    if (ev.kind === 'overrun') return this.requestFull();
    if (ev.kind === 'link') {
      const up = ev.action === 'new' && ev.link.up;
      if (this.linkUp.get(ev.link.ifindex) === up) return;
      this.linkUp.set(ev.link.ifindex, up);
      this.opts.onLink?.(ev.link, up);
      for (const k of this.desired.keys()) this.dirty.add(k);
      void this.kick();
      // Link down: the kernel removes nexthop objects through it and their routes silently.
      return this.scheduleFull();
    }
    if (ev.kind === 'nexthop') {
      if (!this.plan.inRange(ev.id)) return;
      const mine = this.plan.get(ev.id);
      const echo = ev.action === 'new' ? mine !== undefined : mine === undefined;
      if (!echo) this.scheduleFull();
      return;
    }
    this.onRouteEvent(ev.action, ev.route);
  }

  /** A route of ours changed in the kernel: if it is not our own op's echo, repair it. */
  private onRouteEvent(action: 'new' | 'del', route: FibRoute): void {
    if (route.protocol !== this.scope.protocol) return this.scheduleResolve();
    if (!inScope(route, this.scope)) return;
    const key = routeKey(route);
    if (this.inFlight.has(key)) return;
    const have = this.installed.get(key);
    if (action === 'del') {
      if (!have) return;
      this.installed.delete(key);
      if (have.nhid !== undefined && this.encoding === 'nhid') this.plan.release(have.nhid);
    } else {
      // The echo of our own write: with nexthop objects the id says it all (no diff, no garbage:
      // a million echoes arrive during a full table).
      if (have && have.nhid !== undefined && have.nhid === route.nhid && this.encoding === 'nhid') return;
      if (have && have.nhid === route.nhid && diffFib([have], [route], this.scope).length === 0) return;
      if (have?.nhid !== undefined && this.encoding === 'nhid') this.plan.release(have.nhid);
      if (route.nhid !== undefined && this.encoding === 'nhid') this.plan.retain(route.nhid);
      this.installed.set(key, route);
    }
    if (this.desired.has(key) || !this.stale.has(key)) {
      this.c.driftRepaired++;
      this.dirty.add(key);
      void this.kick();
    }
  }

  private routeNhids(): number[] {
    const out: number[] = [];
    for (const r of this.installed.values()) if (r.nhid !== undefined) out.push(r.nhid);
    return out;
  }
}

/** A desired route with its normalized next hops' set key (shared by routes with the same hops). */
interface Wanted {
  route: FibRoute;
  setKey: string;
}

/** The kernel route `have` has the next hops `w` wants (fast path for one hop each). */
function sameNexthops(w: Wanted, have: FibRoute): boolean {
  const a = w.route.nexthops;
  const b = have.nexthops;
  if (a.length === 1 && b.length === 1) {
    const x = a[0]!;
    const y = b[0]!;
    return x.gateway === y.gateway && (x.ifindex ?? 0) === (y.ifindex ?? 0) && (x.weight ?? 1) === (y.weight ?? 1);
  }
  return w.setKey === nexthopSetKey(b);
}

/** Our belief about one kernel route equals what a dump found. */
function sameInstalled(a: FibRoute | undefined, b: FibRoute | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.nhid === b.nhid && sameRoute(a, b);
}
