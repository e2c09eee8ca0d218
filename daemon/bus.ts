/**
 * The typed messages between the session engine (main thread, peers/) and the route engine
 * (worker thread, daemon/rib/). Plain structured-clone data; UPDATE bodies travel as
 * transferable ArrayBuffers so no bytes are copied across the thread boundary.
 */
import type { WireError } from '../peers/wire/errors.js';
import type { Config } from '../config/schema.js';
import type { ThreadStatsMessage } from './metrics/loop-lag.js';
import type { OwnershipSpec } from './kubernetes/ownership.js';

/** What the route engine needs to know about an Established session. */
export interface PeerSessionInfo {
  readonly peer: string;
  /** Incremented per Established session, so late messages about an old session are dropped. */
  readonly session: number;
  readonly localAs: number;
  readonly peerAs: number;
  readonly ebgp: boolean;
  readonly routerId: number;
  readonly peerRouterId: number;
  /** Codec context with Sets flattened to arrays (structured clone keeps Sets, but be explicit). */
  readonly ctx: {
    as4: boolean;
    extendedMessage: boolean;
    addPathRx: number[];
    addPathTx: number[];
    ebgp: boolean;
    families: number[];
  };
  /** Next hops we advertise ourselves with (next-hop-self), per family, as text. */
  readonly nextHopV4?: string;
  readonly nextHopV6?: string;
  readonly nextHopV6LinkLocal?: string;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's transport address (text), for the decision process's last tie-break. */
  readonly remoteAddress?: string;
  /** RFC 4456: the peer is one of our route-reflector clients. */
  readonly rrClient?: boolean;
  /** Send learned routes (best paths) to this peer, not only this node's own prefixes. */
  readonly exportLearned?: boolean;
  /** iBGP: put our own address in NEXT_HOP for learned routes too. */
  readonly nextHopSelf?: boolean;
  /**
   * RFC 4724 §3: the peer's Graceful Restart capability in this session's OPEN — the families
   * (familyKey) for which it kept forwarding state (F bit). Absent: the peer did not send it.
   */
  readonly gracefulRestart?: { readonly forwarding: readonly number[] };
}

/** The node itself, as the decision process and export rules need it. */
export interface LocalInfo {
  readonly asn: number;
  readonly routerId: number;
  /** RFC 4456 §7 CLUSTER_ID; default the router id. */
  readonly clusterId?: number;
  /** ECMP: at most this many next hops per prefix (1 = no multipath). */
  readonly maxPaths?: number;
  /** Multipath across neighbour ASes with equal AS path length (a node on two ToRs). */
  readonly multipathRelax?: boolean;
  /** RFC 4271 §9.1.2.2 (c) MED options. */
  readonly alwaysCompareMed?: boolean;
  readonly missingMedWorst?: boolean;
}

/** A kernel route change: the prefix and its next hops (empty = remove it). */
export interface FibChange {
  readonly prefix: string;
  readonly nexthops: readonly { gateway: string; linkLocal?: string }[];
}

/**
 * Whether a BGP next hop resolves through the kernel's routing table (daemon/kernel/resolve.ts),
 * and at what cost: sent by the FIB thread to the route engine (RFC 4271 §9.1.2.1).
 */
export interface NextHopState {
  readonly gateway: string;
  readonly reachable: boolean;
  /** Metric of the covering route (next-hop cost); 0 when connected. */
  readonly cost?: number;
  /** The covering route. */
  readonly via?: string;
}

export interface OriginatedPrefix {
  readonly prefix: string;
  readonly communities?: readonly string[];
  readonly largeCommunities?: readonly string[];
}

/** Main thread -> route engine. */
export type ToEngine =
  | { t: 'local'; local: LocalInfo }
  /** The running config (for policies) and this node's own addresses; on start and reload. */
  | { t: 'policy'; config: Config; hostAddresses: string[] }
  /** Kubernetes pod-CIDR ownership (validation mode and the node list); stored routes are re-checked. */
  | { t: 'ownership'; spec: OwnershipSpec }
  | { t: 'peer-up'; info: PeerSessionInfo }
  /**
   * The session ended. `graceful` (RFC 4724 §4.2 / RFC 8538 §3): the peer is restarting — keep
   * its routes, marked stale, until it is back and sends End-of-RIB (or `stale-expire`).
   */
  | { t: 'peer-down'; peer: string; session: number; graceful?: boolean }
  /** The peer's stale routes (graceful restart) are out of time: remove what is left of them. */
  | { t: 'stale-expire'; peer: string }
  /**
   * RFC 4724 §4.1: this node restarted with its forwarding state kept. Defer sending (and the
   * kernel sweep of routes not re-learned) until End-of-RIB from each of `peers` that comes up
   * with graceful restart, or until `restart-deadline`.
   */
  | { t: 'restarting'; peers: readonly string[] }
  | { t: 'restart-deadline' }
  /** RFC 8326: re-advertise everything to these peers with GRACEFUL_SHUTDOWN (drain before Cease). */
  | { t: 'graceful-shutdown'; peers: readonly string[] }
  /**
   * `buf` holds the UPDATE body from byte `offset` on (the whole frame, header skipped, no copy).
   * `receivedAt`: when the session engine read it (metrics/observer.ts wallClockMs).
   */
  | { t: 'update'; peer: string; session: number; buf: ArrayBuffer; offset: number; receivedAt: number }
  | { t: 'route-refresh'; peer: string; session: number; afi: number; safi: number }
  | { t: 'xoff'; peer: string; session: number }
  | { t: 'xon'; peer: string; session: number }
  | { t: 'originate'; prefixes: readonly OriginatedPrefix[] }
  | { t: 'query'; id: number; q: EngineQuery }
  /** From the FIB thread (its own port): next hops whose reachability is now known or changed. */
  | { t: 'nh-state'; states: readonly NextHopState[] }
  | { t: 'stop' };

/** `limit` bounds the routes listed per peer and direction (totals are always given). */
export type EngineQuery =
  | { kind: 'routes'; peer?: string; prefix?: string; limit?: number }
  | { kind: 'rib'; prefix?: string; limit?: number }
  | { kind: 'stats' }
  | { kind: 'why'; address: string }
  /** The datapath's prefixes: what is installed in the kernel and what we originate (at most `limit`). */
  | { kind: 'installed'; limit: number; since?: number }
  /** reload --dry-run: what the new config's import policies would accept/refuse differently. */
  | { kind: 'policy-preview'; config: Config };

/** Route engine -> main thread. */
export type FromEngine =
  | { t: 'send'; peer: string; session: number; msgs: ArrayBuffer[] }
  /**
   * Reset the session with this error's NOTIFICATION. `holdDownMs` (max-prefix, RFC 4486): keep
   * the peer down that long before reconnecting; null = until an operator restarts it.
   */
  | { t: 'reset'; peer: string; session: number; error: WireError; holdDownMs?: number | null }
  | { t: 'query-result'; id: number; result: unknown }
  /** Best-path changes for the kernel FIB (locally originated prefixes never appear). */
  /**
   * `stamps` (metrics, update-to-kernel latency): (index, receivedAt) pairs — changes[index..]
   * up to the next pair came from an UPDATE read at receivedAt (wall-clock ms; -1: no UPDATE).
   */
  | { t: 'fib'; changes: FibChange[]; stamps?: number[] }
  /** Next hops for the FIB thread to resolve and watch (answered with `nh-state`). */
  | { t: 'track'; gateways: string[] }
  /** RFC 4724 §4.1: the restart is over (End-of-RIB from every peer, or the deadline): sweep
   *  kernel routes of ours that were not re-learned. Goes to the FIB thread, and to the main one. */
  | { t: 'restart-complete'; reason: 'end-of-rib' | 'deadline' }
  /** `count` UPDATEs of this session have been processed (read-side flow control). */
  | { t: 'ack'; peer: string; session: number; count: number }
  | { t: 'stats'; peer: string; session: number; received: number; accepted: number; advertised: number }
  /** The worker's event-loop lag and heap, every second (daemon/metrics/loop-lag.ts). */
  | ThreadStatsMessage
  | { t: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; event: string; fields: Record<string, unknown> };
