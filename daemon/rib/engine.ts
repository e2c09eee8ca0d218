/**
 * The route engine: runs in the worker thread (daemon/rib/worker.ts), fed raw UPDATE bodies by
 * the session engine. For each peer it decodes UPDATEs with the negotiated CodecContext and
 * applies the RFC 7606 verdict to the Adj-RIB-In (kept pre-policy), offers every path to the
 * Loc-RIB (RFC 4271 §9.1 decision process with ECMP, daemon/rib/loc-rib.ts), and turns each
 * best-path change into kernel FIB changes and into per-peer Adj-RIB-Out updates (export rules
 * in export.ts, packing in outbound.ts). This node's own prefixes are paths of a local
 * pseudo-peer (id 0): advertised, never installed in the kernel.
 * Output goes through `emit`: UPDATEs to send, FIB changes, session resets, query results.
 * Big walks (a peer going down, a new peer's initial table) run in bounded slices.
 * Pure apart from `emit` and the injected `defer`: no sockets, no clock.
 */
import type { EngineQuery, FibChange, FromEngine, LocalInfo, NextHopState, OriginatedPrefix, PeerSessionInfo, ToEngine } from '../bus.js';
import type { CodecContext } from '../../peers/wire/context.js';
import { communityValue, largeCommunityValue, type Config } from '../../config/schema.js';
import type { MpNextHop, PathAttributes, Prefix, UpdateMsg } from '../../peers/wire/types.js';
import { decodeUpdate, isEndOfRib, endOfRib } from '../../peers/wire/update.js';
import { encodeMessage } from '../../peers/wire/index.js';
import { parsePrefix } from '../../peers/wire/nlri.js';
import { ipToString, parseIp } from '../../peers/wire/ip.js';
import { familyKey } from '../../peers/wire/context.js';
import { Origin } from '../../peers/wire/constants.js';
import { AttrStore, type StoredAttrs } from './attr-store.js';
import { AttrSetCache, Ineligible, NextHopTable, Path, type NextHop, type PeerRef } from './path.js';
import { LocRib, type RibChange } from './loc-rib.js';
import { OwnershipTable } from '../kubernetes/ownership.js';
import { originAs } from '../policy/match.js';
import { baseKey, formatKey, keyAfi, keyToPrefix, prefixKey, type PrefixKey } from './prefix-key.js';
import { exportPath, LOCAL_PEER_ID, type LocalSpeaker } from './export.js';
import { Outbound, type OutRoute } from './outbound.js';
import { answer } from './query.js';
import { compilePolicies, type CompiledPolicies } from '../policy/compile.js';
import { policyContext } from '../policy/defaults.js';
import { evaluate, type PolicyContext, type PolicyPeer } from '../policy/policy.js';
import { accountPrefixes, MAX_PREFIX_START, type MaxPrefixState } from '../policy/max-prefix.js';
import type { MaxPrefixConfig } from '../../config/schema.js';
import { wireError } from '../../peers/wire/errors.js';

interface InEntry {
  /** The path as received (pre-policy, RFC 4271 §3.2). */
  readonly path: Path;
  readonly stored: StoredAttrs;
  /** Why import policy refused it; absent when accepted. */
  readonly rejected?: string;
}

interface PeerState {
  info: PeerSessionInfo;
  ctx: CodecContext;
  ref: PeerRef;
  /** The peer as policies see it. */
  policyPeer: PolicyPeer;
  /** RFC 4271 §3.2 Adj-RIB-In, pre-policy: prefix key (plus `#pathId` with ADD-PATH). */
  adjIn: Map<PrefixKey, InEntry>;
  out: Outbound;
  throttled: boolean;
  /** The initial table has been queued (End-of-RIB goes after it, RFC 4724 §2). */
  eorSent: boolean;
  pumping: boolean;
  eorReceived: Set<number>;
  selfV4?: Uint8Array;
  selfV6?: MpNextHop;
  /** Export attribute sets with our IPv4 next hop filled in, per source set (identity kept). */
  withSelf: WeakMap<PathAttributes, PathAttributes>;
  counters: { updates: number; withdrawals: number; treatAsWithdraw: number; discards: number; asLoops: number; rejected: number; ownershipRejected: number; ownershipWarned: number };
  /** Accepted (post-policy) prefixes per family, for max-prefix (RFC 4486). */
  maxPrefix: Map<number, MaxPrefixState>;
  /** Adj-RIB-In entries of IPv6 prefixes (the others are IPv4), for the metrics. */
  rxV6: number;
  /** Accepted-count changes of the UPDATE being processed, per AFI. */
  delta: Map<number, number>;
}

export type Emit = (m: FromEngine, transfer?: ArrayBuffer[]) => void;
/** Runs `fn` later (setImmediate in the worker); tests may run it at once. */
export type Defer = (fn: () => void) => void;

/** RFC 8326 §6: the well-known GRACEFUL_SHUTDOWN community, 65535:0. */
const GRACEFUL_SHUTDOWN = 0xffff0000;

/** Prefixes handled per slice of a long walk or a big flush. */
const SLICE = 2048;

/** Ownership violations logged per ownership table; the rest are only counted. */
const OWNERSHIP_LOG_LIMIT = 100;

/** The origin AS (RFC 6811 §2) when the path names one; undefined for an empty path, an AS_SET or a confederation end. */
function lastAs(segs: PathAttributes['asPath']): number | undefined {
  const o = originAs(segs, -1);
  return o >= 0 ? o : undefined;
}

export class RouteEngine {
  private readonly store = new AttrStore();
  private readonly sets = new AttrSetCache();
  private readonly nextHops = new NextHopTable();
  private locRib = new LocRib({ relax: true });
  private readonly peers = new Map<string, PeerState>();
  /** The same peers by PeerRef id: export policy looks up a route's source per prefix. */
  private readonly byId = new Map<number, PeerState>();
  private nextPeerId = 1;
  private local: LocalSpeaker = { asn: 0, routerId: 0, clusterId: 0 };
  private localRef: PeerRef = { id: LOCAL_PEER_ID, ebgp: false, asn: 0, routerId: 0, address: new Uint8Array(4) };
  private originated = new Map<PrefixKey, Path>();
  /** Prefixes we told the kernel about (learned best paths). */
  private readonly installed = new Set<PrefixKey>();
  /**
   * Import/export policies from the config. Until the first `policy` message (unit tests of the
   * engine alone) imports are accepted and exports follow the peer's `exportLearned` flag.
   */
  private policies: CompiledPolicies | null = null;
  /** Kubernetes route ownership (daemon/kubernetes/ownership.ts); null: not validating. */
  private ownership: OwnershipTable | null = null;
  private ownershipLogged = 0;
  /** Bumped whenever the installed or originated prefix sets change (the datapath's route map follows). */
  private installedVersion = 0;
  private policyCtx: PolicyContext | null = null;
  private hostAddresses: string[] = [];
  private maxPrefixCfg = new Map<string, MaxPrefixConfig>();
  /**
   * RFC 4271 §9.1.2.1: next-hop reachability from the FIB thread's resolver, by gateway text.
   * A next hop not (yet) known counts as reachable: without a FIB (--no-fib) nothing answers.
   */
  private readonly nhState = new Map<string, NextHopState>();
  /** Next hops handed to the FIB thread for tracking, by gateway text (several per v6 global). */
  private readonly tracked = new Map<string, NextHop[]>();
  private readonly trackedNh = new Set<NextHop>();
  /**
   * RFC 4724 §4.2 (receiving speaker): the previous session of a restarting peer, by name. Its
   * routes stay in the Loc-RIB (and the kernel) until the new session re-announces or withdraws
   * them, sends End-of-RIB for their family, or the speaker's stale timer sends `stale-expire`.
   */
  private readonly stale = new Map<string, PeerState>();
  /** RFC 4724 §4.1 (restarting speaker): peers whose End-of-RIB we wait for before sending. */
  private deferring: Set<string> | null = null;
  /**
   * Kernel changes and next hops to track, sent once per turn of the worker's loop: a burst of
   * one-prefix UPDATEs (a 5,000-node cluster) is a few messages to the FIB thread, not 5,000.
   */
  private fibOut: FibChange[] = [];
  /**
   * Metrics (update-to-kernel latency): (index into fibOut, receivedAt) pairs — the changes from
   * that index on came from an UPDATE read at receivedAt (-1: from no UPDATE). `receivedAt` is
   * the time of the UPDATE being handled, if any.
   */
  private fibStamps: number[] = [];
  private receivedAt = -1;
  private trackOut: string[] = [];
  private outScheduled = false;

  constructor(
    private readonly emit: Emit,
    private readonly defer: Defer = (fn) => setImmediate(fn),
  ) {}

  handle(m: ToEngine): void {
    switch (m.t) {
      case 'local':
        return this.setLocal(m.local);
      case 'policy':
        return this.setPolicy(m.config, m.hostAddresses);
      case 'ownership':
        this.ownership = m.spec.mode === 'off' ? null : new OwnershipTable(m.spec);
        this.ownershipLogged = 0;
        return this.changed(this.reimport());
      case 'peer-up':
        return this.peerUp(m.info);
      case 'peer-down':
        return m.graceful ? this.peerRestarting(m.peer, m.session) : this.peerDown(m.peer, m.session);
      case 'stale-expire':
        return this.flushStale(m.peer, null);
      case 'restarting':
        this.deferring = new Set(m.peers);
        if (this.deferring.size === 0) this.endDeferral('end-of-rib');
        return;
      case 'restart-deadline':
        return this.endDeferral('deadline');
      case 'graceful-shutdown':
        return this.gracefulShutdown(m.peers);
      case 'update':
        this.receivedAt = m.receivedAt;
        this.update(m.peer, m.session, new Uint8Array(m.buf, m.offset));
        this.receivedAt = -1;
        return;
      case 'route-refresh':
        return this.routeRefresh(m.peer, m.session, m.afi);
      case 'xoff':
      case 'xon':
        return this.flow(m.peer, m.session, m.t === 'xoff');
      case 'originate':
        return this.originate(m.prefixes);
      case 'nh-state':
        return this.nextHopStates(m.states);
      case 'query':
        this.emit({ t: 'query-result', id: m.id, result: this.query(m.q) });
        return;
      case 'stop':
        return;
    }
  }

  // ---- local speaker and origination ----

  private setLocal(l: LocalInfo): void {
    this.local = { asn: l.asn, routerId: l.routerId, clusterId: l.clusterId ?? l.routerId };
    this.localRef = { ...this.localRef, asn: l.asn, routerId: l.routerId };
    if (this.locRib.size === 0)
      this.locRib = new LocRib({ relax: l.multipathRelax ?? true, maxPaths: l.maxPaths ?? 8, alwaysCompareMed: l.alwaysCompareMed ?? false, missingMedWorst: l.missingMedWorst ?? false });
  }

  /**
   * New policies: stored routes are re-evaluated (Adj-RIB-In is pre-policy, so no session
   * reset or ROUTE-REFRESH is needed) and every peer's Adj-RIB-Out is recomputed.
   */
  private setPolicy(config: Config, hostAddresses: string[]): void {
    this.policies = compilePolicies(config);
    this.maxPrefixCfg = new Map(config.peers.filter((p) => p.maxPrefix).map((p) => [p.name, p.maxPrefix as MaxPrefixConfig]));
    this.hostAddresses = hostAddresses;
    this.policyCtx = policyContext(this.local.asn, hostAddresses, [...this.originated.keys()].map(formatKey));
    this.changed(this.reimport());
    for (const p of this.peers.values()) {
      for (const k of this.locRib.keys()) p.out.mark(k);
      this.pump(p);
    }
  }

  /**
   * Runs every stored (pre-policy) path through import again — new policies or a new ownership
   * table — and returns the prefixes whose Loc-RIB entry changed.
   */
  private reimport(): PrefixKey[] {
    const changed: PrefixKey[] = [];
    for (const p of this.peers.values()) {
      for (const [ak, e] of p.adjIn) {
        const k = baseKey(ak);
        if (k === null) continue;
        const prefix = keyToPrefix(k);
        const { entry, accepted } = this.importPath(p, prefix, e.path, e.stored);
        p.adjIn.set(ak, entry);
        const d = (entry.rejected ? 0 : 1) - (e.rejected ? 0 : 1);
        if (d !== 0) p.delta.set(prefix.afi, (p.delta.get(prefix.afi) ?? 0) + d);
        if (this.locRib.update(k, p.ref.id, accepted, e.path.pathId)) changed.push(k);
      }
    }
    for (const p of [...this.peers.values()]) if (p.delta.size > 0) this.overLimit(p);
    return changed;
  }

  private originate(prefixes: readonly OriginatedPrefix[]): void {
    const next = new Map<PrefixKey, Path>();
    for (const o of prefixes) {
      const p = parsePrefix(o.prefix);
      if (!p) continue;
      const attrs: PathAttributes = { origin: Origin.Igp, asPath: [] };
      const comms = (o.communities ?? []).map(communityValue).filter((c): c is number => c !== undefined);
      if (comms.length) attrs.communities = comms;
      const large = (o.largeCommunities ?? []).map(largeCommunityValue).filter((c): c is [number, number, number] => c !== undefined);
      if (large.length) attrs.largeCommunities = large;
      const stored = this.store.intern(attrs);
      const nh = this.nextHops.intern(new Uint8Array(p.afi === 1 ? 4 : 16));
      next.set(prefixKey(p), new Path({ peer: this.localRef, attrs: this.sets.get(stored.attrs), nextHop: nh }));
    }
    const changed: PrefixKey[] = [];
    for (const k of this.originated.keys()) if (!next.has(k) && this.locRib.update(k, LOCAL_PEER_ID, null)) changed.push(k);
    for (const [k, path] of next) if (this.locRib.update(k, LOCAL_PEER_ID, path)) changed.push(k);
    this.originated = next;
    this.installedVersion++;
    if (this.policyCtx) this.policyCtx = policyContext(this.local.asn, this.hostAddresses, [...next.keys()].map(formatKey));
    this.changed(changed);
  }

  // ---- sessions ----

  private current(peer: string, session: number): PeerState | undefined {
    const p = this.peers.get(peer);
    return p && p.info.session === session ? p : undefined;
  }

  private peerUp(info: PeerSessionInfo): void {
    const old = this.peers.get(info.peer);
    if (old) this.peerDown(info.peer, old.info.session);
    if (this.local.asn === 0) this.setLocal({ asn: info.localAs, routerId: info.routerId });
    const ctx: CodecContext = {
      as4: info.ctx.as4,
      extendedMessage: info.ctx.extendedMessage,
      addPathRx: new Set(info.ctx.addPathRx),
      addPathTx: new Set(info.ctx.addPathTx),
      ebgp: info.ctx.ebgp,
      families: new Set(info.ctx.families),
    };
    const v4 = info.nextHopV4 ? (parseIp(info.nextHopV4) ?? undefined) : undefined;
    const v6 = info.nextHopV6 ? (parseIp(info.nextHopV6) ?? undefined) : undefined;
    const ll = info.nextHopV6LinkLocal ? (parseIp(info.nextHopV6LinkLocal) ?? undefined) : undefined;
    const p: PeerState = {
      info,
      ctx,
      ref: {
        id: this.nextPeerId++,
        ebgp: info.ebgp,
        asn: info.peerAs,
        routerId: info.peerRouterId,
        address: (info.remoteAddress ? parseIp(info.remoteAddress) : null) ?? new Uint8Array(4),
        rrClient: info.rrClient ?? false,
      },
      policyPeer: { name: info.peer, asn: info.peerAs, ebgp: info.ebgp },
      adjIn: new Map(),
      out: new Outbound(),
      throttled: false,
      eorSent: false,
      pumping: false,
      eorReceived: new Set(),
      ...(v4 ? { selfV4: v4 } : {}),
      ...(v6 ? { selfV6: ll ? { global: v6, linkLocal: ll } : { global: v6 } } : {}),
      withSelf: new WeakMap(),
      counters: { updates: 0, withdrawals: 0, treatAsWithdraw: 0, discards: 0, asLoops: 0, rejected: 0, ownershipRejected: 0, ownershipWarned: 0 },
      maxPrefix: new Map(),
      rxV6: 0,
      delta: new Map(),
    };
    this.peers.set(info.peer, p);
    this.byId.set(p.ref.id, p);
    // RFC 4724 §4.2: stale routes of a family the peer no longer keeps forwarding state for
    // (no F bit, or no Graceful Restart capability at all) go at once.
    if (this.stale.has(info.peer)) {
      const kept = new Set(info.gracefulRestart?.forwarding ?? []);
      for (const fam of [familyKey(1, 1), familyKey(2, 1)]) if (!kept.has(fam)) this.flushStale(info.peer, fam);
    }
    // A peer without graceful restart will not necessarily send End-of-RIB: do not wait for it.
    if (this.deferring?.has(info.peer) && !info.gracefulRestart) this.deferred(info.peer);
    // The initial table: every Loc-RIB prefix is dirty for the new peer; End-of-RIB after it.
    for (const k of this.locRib.keys()) p.out.mark(k);
    this.pump(p);
  }

  private peerDown(peer: string, session: number): void {
    const p = this.current(peer, session);
    if (!p) return;
    this.peers.delete(peer);
    this.byId.delete(p.ref.id);
    // RFC 4271 §9.1: the peer's routes go with its session (graceful restart is issue 5).
    const keys = new Set<PrefixKey>();
    for (const [k, e] of p.adjIn) {
      this.store.release(e.stored);
      keys.add(baseKey(k) ?? k);
    }
    p.adjIn.clear();
    this.walk(this.locRib.removePeer(p.ref, keys));
  }

  // ---- graceful restart (RFC 4724, RFC 8538) ----

  /**
   * RFC 4724 §4.2: the session of a GR-capable peer ended without a hard reset. Its routes are
   * kept as they are (still best, still in the kernel) and become stale: the previous session's
   * state moves aside until the new one replaces it prefix by prefix.
   */
  private peerRestarting(peer: string, session: number): void {
    const p = this.current(peer, session);
    if (!p) return;
    // A restart during a restart: what was stale from the first one goes now (RFC 4724 §4.2).
    this.flushStale(peer, null);
    this.peers.delete(peer);
    this.stale.set(peer, p);
    this.emit({ t: 'log', level: 'info', event: 'gr.stale', fields: { peer, routes: p.adjIn.size } });
  }

  /** Removes a restarting peer's stale routes, of one family (familyKey) or all of them. */
  private flushStale(peer: string, fam: number | null): void {
    const st = this.stale.get(peer);
    if (st) this.walk(this.staleWalk(peer, st, fam));
  }

  private *staleWalk(peer: string, st: PeerState, fam: number | null): Generator<PrefixKey | null> {
    for (const [ak, e] of st.adjIn) {
      const k = baseKey(ak);
      if (k === null || (fam !== null && familyKey(keyAfi(k), 1) !== fam)) continue;
      st.adjIn.delete(ak);
      this.store.release(e.stored);
      yield this.locRib.update(k, st.ref.id, null, e.path.pathId) ? k : null;
    }
    if (st.adjIn.size === 0 && this.stale.get(peer) === st) {
      this.stale.delete(peer);
      this.byId.delete(st.ref.id);
    }
  }

  /** A re-announced or withdrawn prefix replaces the stale route of the previous session. */
  private dropStale(st: PeerState | undefined, ak: PrefixKey, k: PrefixKey, pathId: number): boolean {
    const e = st?.adjIn.get(ak);
    if (!st || !e) return false;
    st.adjIn.delete(ak);
    this.store.release(e.stored);
    return this.locRib.update(k, st.ref.id, null, pathId) !== null;
  }

  /** RFC 4724 §4.1: `peer` has sent its End-of-RIB (or will not): stop waiting for it. */
  private deferred(peer: string): void {
    if (!this.deferring?.delete(peer)) return;
    if (this.deferring.size === 0) this.endDeferral('end-of-rib');
  }

  private endDeferral(reason: 'end-of-rib' | 'deadline'): void {
    if (!this.deferring) return;
    this.deferring = null;
    // The kernel must have every re-learned route before it sweeps the ones not re-learned.
    this.flushOut();
    this.emit({ t: 'restart-complete', reason });
    for (const p of this.peers.values()) this.pump(p);
  }

  /** Runs a Loc-RIB walk in slices, exporting each slice's changes before yielding. */
  private walk(gen: Iterator<RibChange | PrefixKey | null, unknown>): void {
    const changed: PrefixKey[] = [];
    for (let i = 0; i < SLICE; i++) {
      const r = gen.next();
      if (r.done) {
        this.changed(changed);
        return;
      }
      const v = r.value;
      if (v !== null) changed.push(typeof v === 'object' ? v.prefix : v);
    }
    this.changed(changed);
    this.defer(() => this.walk(gen));
  }

  // ---- reload --dry-run ----

  /**
   * What a new config's import policies would change, without applying them: every stored
   * (pre-policy) route is run through the new policy and compared with its current verdict.
   * Counts per peer and a bounded sample of prefixes that would be accepted or refused.
   */
  private previewPolicy(config: Config): unknown {
    const pol = compilePolicies(config);
    const ctx = policyContext(config.node.asn, this.hostAddresses, [...this.originated.keys()].map(formatKey));
    const known = new Set(config.peers.map((p) => p.name));
    const peers: { peer: string; nowAccepted: number; nowRefused: number; sample: string[] }[] = [];
    for (const [name, p] of this.peers) {
      if (!known.has(name)) continue;
      const row = { peer: name, nowAccepted: 0, nowRefused: 0, sample: [] as string[] };
      for (const [ak, e] of p.adjIn) {
        const k = baseKey(ak);
        if (k === null) continue;
        const r = evaluate(pol.import(name), { prefix: keyToPrefix(k), attrs: e.stored.attrs, nextHop: e.path.nextHop, peer: p.policyPeer }, ctx);
        const was = e.rejected === undefined;
        if (r.accept === was) continue;
        if (r.accept) row.nowAccepted++;
        else row.nowRefused++;
        if (row.sample.length < 20) row.sample.push(`${r.accept ? '+' : '-'}${formatKey(k)}`);
      }
      if (row.nowAccepted + row.nowRefused > 0) peers.push(row);
    }
    return { peers };
  }

  // ---- RFC 8326 graceful shutdown ----

  /** Peers being drained before a shutdown: everything they get carries GRACEFUL_SHUTDOWN. */
  private readonly gshut = new Set<string>();

  /** RFC 8326 §3: re-advertise every route to `peers` with the GRACEFUL_SHUTDOWN community. */
  private gracefulShutdown(peers: readonly string[]): void {
    for (const name of peers) {
      const p = this.peers.get(name);
      if (!p) continue;
      this.gshut.add(name);
      for (const k of this.locRib.keys()) p.out.mark(k);
      this.pump(p);
    }
  }

  /** The attributes with 65535:0 added; on iBGP LOCAL_PREF 0 too (RFC 8326 §4.2). Interned. */
  private gracefulShutdownAttrs(attrs: PathAttributes, ebgp: boolean): PathAttributes {
    const comms = attrs.communities ?? [];
    const next: PathAttributes = { ...attrs, communities: comms.includes(GRACEFUL_SHUTDOWN) ? comms : [...comms, GRACEFUL_SHUTDOWN], ...(ebgp ? {} : { localPref: 0 }) };
    return this.store.intern(next).attrs;
  }

  // ---- next-hop reachability (recursive next hops, daemon/kernel/resolve.ts) ----

  /** Hands a learned next hop to the FIB thread once, to be resolved and watched. */
  private track(nh: NextHop): NextHop {
    if (this.trackedNh.has(nh)) return nh;
    this.trackedNh.add(nh);
    const gw = ipToString(nh.global);
    const list = this.tracked.get(gw);
    if (list) list.push(nh);
    else {
      this.tracked.set(gw, [nh]);
      if (gw !== '::' && gw !== '0.0.0.0') {
        this.trackOut.push(gw);
        this.scheduleOut();
      }
    }
    return nh;
  }

  /** Eligibility and next-hop cost of a path through `nh` (an AS loop outranks reachability). */
  private reach(nh: NextHop, loop: boolean): { ineligible?: Ineligible; igpCost?: number } {
    if (loop) return { ineligible: Ineligible.AsLoop };
    const st = this.nhState.get(ipToString(nh.global));
    if (!st) return {};
    // RFC 4271 §9.1.2.1: a route whose NEXT_HOP is unresolvable is excluded from the decision.
    if (!st.reachable) return { ineligible: Ineligible.NextHopUnreachable };
    return st.cost === undefined ? {} : { igpCost: st.cost };
  }

  /** The FIB thread resolved next hops anew: rebuild the paths through those that changed. */
  private nextHopStates(states: readonly NextHopState[]): void {
    const moved = new Set<NextHop>();
    for (const st of states) {
      const old = this.nhState.get(st.gateway);
      this.nhState.set(st.gateway, st);
      if (old ? old.reachable !== st.reachable || old.cost !== st.cost : !st.reachable || st.cost !== undefined) for (const nh of this.tracked.get(st.gateway) ?? []) moved.add(nh);
    }
    // One walk for the whole batch (thousands of next hops resolve at once in a big cluster).
    if (moved.size > 0) this.walk(this.rebuild(moved));
  }

  /** Re-evaluates every stored path whose next hop is in `moved` (policy included). */
  private *rebuild(moved: ReadonlySet<NextHop>): Generator<PrefixKey | null> {
    for (const p of [...this.peers.values()]) {
      for (const [ak, e] of p.adjIn) {
        if (this.peers.get(p.info.peer) !== p) break; // the session went down during the walk
        if (!moved.has(e.path.nextHop)) continue;
        const k = baseKey(ak);
        if (k === null) continue;
        const path = e.path.with({ ineligible: Ineligible.None, igpCost: undefined, ...this.reach(e.path.nextHop, e.path.ineligible === Ineligible.AsLoop) });
        const { entry, accepted } = this.importPath(p, keyToPrefix(k), path, e.stored);
        p.adjIn.set(ak, entry);
        yield this.locRib.update(k, p.ref.id, accepted, path.pathId) ? k : null;
      }
    }
  }

  /** Next hops known not to resolve (for stats). */
  private unreachableNextHops(): string[] {
    return [...this.nhState.values()].filter((s) => !s.reachable).map((s) => s.gateway);
  }

  // ---- UPDATE ingest ----

  private update(peer: string, session: number, body: Uint8Array): void {
    const p = this.current(peer, session);
    if (!p) return;
    p.counters.updates++;
    const d = decodeUpdate(body, p.ctx);
    if (!d.ok) {
      // RFC 7606 §2: session reset (and, here, AFI/SAFI disable too) goes back to the session.
      // The session is over from this UPDATE on: drop its routes now and ignore whatever it
      // sent after the bad message (the reset reaches the socket a moment later).
      this.emit({ t: 'reset', peer, session, error: d.error });
      this.peerDown(peer, session);
      return;
    }
    for (const w of d.warnings) {
      if (w.handling === 'attribute-discard') p.counters.discards++;
      this.emit({ t: 'log', level: 'warn', event: 'update.malformed', fields: { peer, handling: w.handling, code: w.code, subcode: w.subcode, attr: w.attr, reason: w.reason } });
    }
    const changed = this.apply(p, d.value);
    if (p.delta.size > 0 && this.overLimit(p)) return;
    this.changed(changed);
  }

  /**
   * RFC 4486 §4 max-prefix: counts accepted prefixes per family; above the limit the session is
   * reset with Cease/1 (data: AFI, SAFI, limit) and held down for `restartAfter`.
   */
  private overLimit(p: PeerState): boolean {
    const cfg = this.maxPrefixCfg.get(p.info.peer);
    for (const [afi, delta] of p.delta) {
      const r = accountPrefixes(cfg, p.maxPrefix.get(afi) ?? MAX_PREFIX_START, delta, afi, 1);
      p.maxPrefix.set(afi, r.state);
      if (r.event.kind === 'warning')
        this.emit({ t: 'log', level: 'warn', event: 'max-prefix.warning', fields: { peer: p.info.peer, afi, count: r.event.count, limit: r.event.limit } });
      if (r.event.kind === 'exceeded') {
        p.delta.clear();
        const n = r.event.notification;
        const error = wireError(n.code, n.subcode, 'session-reset', `maximum prefixes reached: ${r.event.count} > ${r.event.limit} (AFI ${afi})`, n.data);
        this.emit({ t: 'reset', peer: p.info.peer, session: p.info.session, error, holdDownMs: r.event.restartAfterMs ?? null });
        this.peerDown(p.info.peer, p.info.session);
        return true;
      }
    }
    p.delta.clear();
    return false;
  }

  private apply(p: PeerState, u: UpdateMsg): PrefixKey[] {
    const eor = isEndOfRib(u);
    if (eor) {
      const fam = familyKey(eor.afi, eor.safi);
      p.eorReceived.add(fam);
      // RFC 4724 §4.2: End-of-RIB ends the family's stale routes from the previous session.
      this.flushStale(p.info.peer, fam);
      if (this.deferring?.has(p.info.peer) && [...p.ctx.families].every((f) => p.eorReceived.has(f))) this.deferred(p.info.peer);
      return [];
    }
    const changed: PrefixKey[] = [];
    // RFC 4271 §9: withdrawn routes first, then the announced ones.
    const withdrawn = u.mpUnreach ? [...u.withdrawn, ...u.mpUnreach.withdrawn] : u.withdrawn;
    p.counters.withdrawals += withdrawn.length;
    for (const w of withdrawn) this.remove(p, w, changed);
    if (u.treatAsWithdraw) {
      // RFC 7606 §2: treat-as-withdraw removes every route the UPDATE announced.
      p.counters.treatAsWithdraw++;
      for (const a of u.nlri) this.remove(p, a, changed);
      for (const a of u.mpReach?.nlri ?? []) this.remove(p, a, changed);
      return changed;
    }
    if (u.nlri.length > 0 && u.attrs.nextHop) this.announce(p, u.nlri, u.attrs, this.track(this.nextHops.intern(u.attrs.nextHop)), changed);
    if (u.mpReach && u.mpReach.nlri.length > 0) {
      const nh = u.mpReach.nextHop;
      this.announce(p, u.mpReach.nlri, u.attrs, this.track(this.nextHops.intern(nh.global, nh.linkLocal)), changed);
    }
    return changed;
  }

  private announce(p: PeerState, nlri: readonly Prefix[], attrs: PathAttributes, nh: NextHop, changed: PrefixKey[]): void {
    const stored = this.store.intern(attrs);
    const set = this.sets.get(stored.attrs);
    // RFC 4271 §9.1.2: a route whose AS_PATH holds our own AS is excluded (loop).
    const loop = p.ref.ebgp && (stored.attrs.asPath ?? []).some((s) => s.asns.includes(this.local.asn));
    if (loop) p.counters.asLoops += nlri.length;
    const reach = this.reach(nh, loop);
    const st = this.stale.get(p.info.peer);
    for (const n of nlri) {
      const k = prefixKey(n);
      const pathId = n.pathId ?? 0;
      const ak = pathId ? `${formatKey(k)}#${pathId}` : k;
      const path = new Path({ peer: p.ref, attrs: set, nextHop: nh, pathId, ...reach });
      const old = p.adjIn.get(ak);
      if (old) this.store.release(old.stored);
      else if (n.afi === 2) p.rxV6++;
      stored.refs++;
      const { entry, accepted } = this.importPath(p, n, path, stored);
      p.adjIn.set(ak, entry);
      const d = (entry.rejected ? 0 : 1) - (old && !old.rejected ? 1 : 0);
      if (d !== 0) p.delta.set(n.afi, (p.delta.get(n.afi) ?? 0) + d);
      const replaced = this.dropStale(st, ak, k, pathId);
      if (this.locRib.update(k, p.ref.id, accepted, pathId) || replaced) changed.push(k);
    }
  }

  /** Import policy on one received path: the Adj-RIB-In entry and what the Loc-RIB gets. */
  private importPath(p: PeerState, prefix: Prefix, path: Path, stored: StoredAttrs): { entry: InEntry; accepted: Path | null } {
    if (this.ownership) {
      const v = this.ownership.check(prefix, { nextHop: path.nextHop.global, originatorId: stored.attrs.originatorId, peerRouterId: p.info.peerRouterId, originAs: lastAs(stored.attrs.asPath) });
      if (!v.ok) {
        const enforce = this.ownership.mode === 'enforce';
        if (enforce) p.counters.ownershipRejected++;
        else p.counters.ownershipWarned++;
        if (this.ownershipLogged++ < OWNERSHIP_LOG_LIMIT)
          this.emit({ t: 'log', level: 'warn', event: 'route.ownership', fields: { peer: p.info.peer, action: enforce ? 'rejected' : 'accepted (validation: warn)', reason: v.reason } });
        if (enforce) return { entry: { path, stored, rejected: `ownership: ${v.reason}` }, accepted: null };
      }
    }
    if (!this.policies || !this.policyCtx) return { entry: { path, stored }, accepted: path };
    const r = evaluate(this.policies.import(p.info.peer), { prefix, attrs: stored.attrs, nextHop: path.nextHop, peer: p.policyPeer }, this.policyCtx);
    if (!r.accept) {
      p.counters.rejected++;
      return { entry: { path, stored, rejected: r.reason ?? 'rejected by import policy' }, accepted: null };
    }
    if (r.attrs === stored.attrs) return { entry: { path, stored }, accepted: path };
    // The policy changed attributes: intern the result so equal results share one object.
    const changedAttrs = this.store.intern(r.attrs).attrs;
    return { entry: { path, stored }, accepted: path.with({ attrs: this.sets.get(changedAttrs) }) };
  }

  private remove(p: PeerState, n: Prefix, changed: PrefixKey[]): void {
    const k = prefixKey(n);
    const pathId = n.pathId ?? 0;
    const ak = pathId ? `${formatKey(k)}#${pathId}` : k;
    const old = p.adjIn.get(ak);
    if (this.dropStale(this.stale.get(p.info.peer), ak, k, pathId)) changed.push(k);
    // RFC 4271 §9: withdrawing a route we do not have is not an error.
    if (!old) return;
    this.store.release(old.stored);
    p.adjIn.delete(ak);
    if (n.afi === 2) p.rxV6--;
    if (!old.rejected) p.delta.set(n.afi, (p.delta.get(n.afi) ?? 0) - 1);
    if (this.locRib.update(k, p.ref.id, null, pathId)) changed.push(k);
  }

  // ---- best-path changes: kernel and peers ----

  private changed(keys: readonly PrefixKey[]): void {
    if (keys.length === 0) return;
    const fib: FibChange[] = [];
    for (const k of keys) {
      const best = this.locRib.best(k);
      if (best && best.peer.id !== LOCAL_PEER_ID) {
        const view = this.locRib.get(k);
        fib.push({ prefix: formatKey(k), nexthops: (view?.nexthops ?? [best.nextHop]).map(fibNextHop) });
        if (!this.installed.has(k)) {
          this.installed.add(k);
          this.installedVersion++;
        }
      } else if (this.installed.delete(k)) {
        this.installedVersion++;
        fib.push({ prefix: formatKey(k), nexthops: [] });
      }
    }
    if (fib.length) {
      this.fibStamps.push(this.fibOut.length, this.receivedAt);
      for (const c of fib) this.fibOut.push(c);
      this.scheduleOut();
    }
    for (const p of this.peers.values()) {
      for (const k of keys) p.out.mark(k);
      this.schedulePump(p);
    }
  }

  private scheduleOut(): void {
    if (this.outScheduled) return;
    this.outScheduled = true;
    this.defer(() => this.flushOut());
  }

  private flushOut(): void {
    this.outScheduled = false;
    if (this.trackOut.length > 0) {
      this.emit({ t: 'track', gateways: this.trackOut });
      this.trackOut = [];
    }
    if (this.fibOut.length > 0) {
      this.emit({ t: 'fib', changes: this.fibOut, stamps: this.fibStamps });
      this.fibOut = [];
      this.fibStamps = [];
    }
  }

  /**
   * Flushes a peer's Adj-RIB-Out once the current burst of UPDATEs has been taken in, so a
   * thousand one-prefix UPDATEs become a few packed ones instead of a thousand small sends.
   */
  private schedulePump(p: PeerState): void {
    if (p.pumping) return;
    p.pumping = true;
    this.defer(() => {
      p.pumping = false;
      this.pump(p);
    });
  }

  /** What `p` should hold for prefix `k`, or null (RFC 4271 §9.1.3 + export.ts + defaults). */
  private advertise(p: PeerState, k: PrefixKey): OutRoute | null {
    const afi = keyAfi(k);
    if (!p.ctx.families.has(familyKey(afi, 1))) return null;
    const best = this.locRib.best(k);
    if (!best) return null;
    // Without configured policies (the engine alone, in tests) a node advertises its own
    // prefixes only, unless the peer is flagged for learned routes.
    if (!this.policies && best.peer.id !== LOCAL_PEER_ID && !p.info.exportLearned) return null;
    let ad = exportPath(best, { peer: p.ref, nextHopSelf: p.info.nextHopSelf ?? false }, this.local);
    if (typeof ad === 'string') return null;
    if (this.policies && this.policyCtx) {
      const source = best.peer.id === LOCAL_PEER_ID ? undefined : this.byId.get(best.peer.id)?.policyPeer;
      const r = evaluate(this.policies.export(p.info.peer), { prefix: keyToPrefix(k), attrs: ad.attrs, nextHop: best.nextHop, ...(source ? { peer: source } : {}) }, this.policyCtx);
      if (!r.accept) return null;
      if (r.attrs !== ad.attrs) ad = { attrs: this.store.intern(r.attrs).attrs, nextHopSelf: ad.nextHopSelf };
    }
    if (this.gshut.has(p.info.peer)) ad = { attrs: this.gracefulShutdownAttrs(ad.attrs, p.ref.ebgp), nextHopSelf: ad.nextHopSelf };
    if (afi === 1) {
      if (!ad.nextHopSelf) return ad.attrs.nextHop ? { attrs: ad.attrs } : null;
      if (!p.selfV4) return null;
      let attrs = p.withSelf.get(ad.attrs);
      if (!attrs) p.withSelf.set(ad.attrs, (attrs = { ...ad.attrs, nextHop: p.selfV4 }));
      return { attrs };
    }
    const mp = ad.nextHopSelf ? p.selfV6 : { global: best.nextHop.global };
    return mp ? { attrs: ad.attrs, mp } : null;
  }

  /** Sends a peer's pending changes in slices; End-of-RIB once the initial table is out. */
  private pump(p: PeerState): void {
    // RFC 4724 §4.1: a restarting speaker defers its advertisements until its peers' End-of-RIB.
    if (p.pumping || p.throttled || this.deferring || this.peers.get(p.info.peer) !== p) return;
    const msgs = p.out.flush((k) => this.advertise(p, k), p.ctx, SLICE);
    if (p.out.pending === 0 && !p.eorSent) {
      // RFC 4724 §2: End-of-RIB per family after the initial table.
      for (const afi of [1, 2]) if (p.ctx.families.has(familyKey(afi, 1))) msgs.push(endOfRib(afi, 1, p.ctx));
      p.eorSent = true;
    }
    this.send(p, msgs);
    if (p.out.pending > 0) {
      p.pumping = true;
      this.defer(() => {
        p.pumping = false;
        this.pump(p);
      });
    }
  }

  private send(p: PeerState, msgs: Uint8Array[]): void {
    if (msgs.length === 0) return;
    const bufs = msgs.map((m) => (m.byteOffset === 0 && m.byteLength === m.buffer.byteLength ? m.buffer : m.slice().buffer) as ArrayBuffer);
    this.emit({ t: 'send', peer: p.info.peer, session: p.info.session, msgs: bufs }, bufs);
  }

  private routeRefresh(peer: string, session: number, afi: number): void {
    const p = this.current(peer, session);
    if (!p) return;
    // RFC 2918 §4 / RFC 7313 §4: re-send the Adj-RIB-Out, bracketed by BoRR/EoRR when enhanced.
    if (p.info.enhancedRouteRefresh) this.send(p, [encodeMessage({ type: 5, afi, subtype: 1, safi: 1 }, p.ctx)]);
    p.out.refresh();
    const wasPumping = p.pumping;
    p.pumping = false;
    const msgs = p.out.flush((k) => this.advertise(p, k), p.ctx);
    if (p.info.enhancedRouteRefresh) msgs.push(encodeMessage({ type: 5, afi, subtype: 2, safi: 1 }, p.ctx));
    this.send(p, msgs);
    p.pumping = wasPumping;
  }

  private flow(peer: string, session: number, off: boolean): void {
    const p = this.current(peer, session);
    if (!p) return;
    p.throttled = off;
    if (!off) this.pump(p);
  }

  private query(q: EngineQuery): unknown {
    if (q.kind === 'policy-preview') return this.previewPolicy(q.config);
    if (q.kind === 'installed') {
      const restarting = this.deferring !== null;
      // Nothing added or removed since the caller's copy: say so instead of sending it all again.
      if (q.since === this.installedVersion) return { version: this.installedVersion, unchanged: true, restarting };
      const take = (keys: Iterable<PrefixKey>): string[] => {
        const out: string[] = [];
        for (const k of keys) {
          if (out.length >= q.limit) break;
          out.push(formatKey(k));
        }
        return out;
      };
      // While restarting (RFC 4724 §4.1) the kernel still holds routes not re-learned yet.
      return { version: this.installedVersion, installed: take(this.installed), local: take(this.originated.keys()), restarting };
    }
    return answer(
      {
        peers: this.peers, locRib: this.locRib, installed: this.installed, store: this.store, unreachableNextHops: this.unreachableNextHops(),
        stale: [...this.stale].map(([peer, st]) => ({ peer, routes: st.adjIn.size })),
        restarting: this.deferring ? [...this.deferring] : null,
      },
      q,
    );
  }
}

/** The kernel's view of a next hop, made once per interned NextHop (shared by its routes). */
const fibNextHops = new WeakMap<NextHop, { gateway: string; linkLocal?: string }>();
function fibNextHop(nh: NextHop): { gateway: string; linkLocal?: string } {
  let f = fibNextHops.get(nh);
  if (!f) {
    f = nh.linkLocal ? { gateway: ipToString(nh.global), linkLocal: ipToString(nh.linkLocal) } : { gateway: ipToString(nh.global) };
    fibNextHops.set(nh, f);
  }
  return f;
}

