/**
 * Contracts between the FIB reconciler and the kernel edge (netlink.ts, or a fake in tests), and
 * the reconciler's public face shared with its no-op twin (disabled.ts).
 * Types only: no code.
 */
import type { FibOp, FibRoute, FibScope } from './fib.js';
import type { NhObject, NhOp, NhRange } from './nexthops.js';
import type { LinkState, LookupAnswer, RouteEncoding } from './rtmsg.js';

export type { LinkState, LookupAnswer, RouteEncoding };

/** Our part of the kernel: routes of our protocol in our tables, nexthop objects in our id range. */
export interface KernelSnapshot {
  routes: FibRoute[];
  nexthops: NhObject[];
}

/** Outcome of a batch: never thrown; one errno name per op ('' = done). */
export interface BatchResult {
  ok: number;
  failed: number;
  /** errno name -> count, e.g. { EEXIST: 2, ENETDOWN: 1 } */
  byError: Record<string, number>;
  /** Per op, same order as the input: '' when done, else the errno name. */
  results: string[];
  /** Latency of each op, ms (submit to ACK), same order. */
  latencyMs: number[];
  /** Something was lost (ENOBUFS, timeout): the caller should run a full resync. */
  resync: boolean;
}

export type KernelEvent =
  | { kind: 'route'; action: 'new' | 'del'; route: FibRoute }
  | { kind: 'nexthop'; action: 'new' | 'del'; id: number; obj: NhObject | null }
  | { kind: 'link'; action: 'new' | 'del'; link: LinkState }
  /** Event socket overrun (ENOBUFS): events were lost, resync. */
  | { kind: 'overrun' };

export interface FibKernel {
  /** Routes of `scope` and nexthop objects in `range`, from a fresh dump. */
  dump(scope: FibScope, range: NhRange): Promise<KernelSnapshot>;
  links(): Promise<LinkState[]>;
  /** The FIB entry that carries each address (`ip route get ADDR fibmatch`); null: none. */
  lookup(addresses: readonly string[]): Promise<Map<string, LookupAnswer | null>>;
  applyRoutes(ops: readonly FibOp[], encoding: RouteEncoding): Promise<BatchResult>;
  applyNexthops(ops: readonly NhOp[], protocol: number): Promise<BatchResult>;
  /** Route (IPv4/IPv6), link and nexthop notifications. One subscriber. */
  subscribe(onEvent: (ev: KernelEvent) => void): void;
  close(): void;
}

export interface FibCounters {
  /** Routes of ours the reconciler believes are in the kernel. */
  routesInstalled: number;
  nexthopObjects: number;
  /** "add:ok", "add:EEXIST", "nh-add:ok", ... -> count */
  ops: Record<string, number>;
  /** Kernel state found different from what we had installed (deleted/changed behind our back). */
  driftRepaired: number;
  fullReconciles: number;
  /** Resyncs requested by ENOBUFS / timeouts / overruns. */
  resyncs: number;
  /** Desired routes left out: no usable next hop (link down or gateway unresolvable). */
  unusable: number;
  /** BGP next hops being resolved through the kernel's table, and how many do not resolve. */
  nexthopsTracked: number;
  nexthopsUnresolved: number;
  /** Recent op latencies (ms), a bounded ring (unordered). */
  latencySamples: number[];
}

export interface StartOptions {
  /** Delete routes of ours found at startup that are not desired (false: keep until sweep()). */
  sweep: boolean;
}

/** What the daemon uses: the reconciler, or its disabled twin. */
export interface Fib {
  start(opts: StartOptions): Promise<void>;
  /** Replaces the whole desired set. */
  setRoutes(routes: readonly FibRoute[]): void;
  /** Incremental: adds/replaces `upserts`, removes `withdrawn` (matched by family/table/prefix/metric). */
  update(upserts: readonly FibRoute[], withdrawn: readonly FibRoute[]): void;
  /** Resolves when everything desired so far has been applied (or failed). */
  settled(): Promise<void>;
  /** Deletes routes of ours that are not desired (stale ones kept at startup included). */
  sweep(): Promise<void>;
  /** Dump, diff, apply: a full level-triggered pass. */
  reconcile(): Promise<void>;
  counters(): FibCounters;
  stop(): Promise<void>;
}
