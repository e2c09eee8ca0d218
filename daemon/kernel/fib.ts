/**
 * Desired kernel FIB and its diff against what the kernel holds (architecture-study §8.8).
 *
 * Input: desired routes built from best paths (next hop not self) and the routes read back from
 * the kernel (already narrowed to ours by the netlink edge, narrowed again here). Output: FibOps
 * (add / replace / delete) for the reconciler to apply.
 * Pure: no I/O, no clock. Never emits an op for a route whose protocol is not ours or whose table
 * is not one we manage (BIRD/FRR/static routes in the same table are left alone).
 */
import { canonicalIp, canonicalPrefix, type Family } from './addr.js';

/** rtm_protocol RTPROT_BGP (include/uapi/linux/rtnetlink.h): marks our routes. */
export const RTPROT_BGP = 186;
/** RT_TABLE_MAIN. */
export const RT_TABLE_MAIN = 254;

export interface FibNexthop {
  /** Gateway address text (same family as the route). */
  gateway: string;
  /** Outgoing interface; resolved by the edge when absent. */
  ifindex?: number;
  /** ECMP weight 1..256 (default 1). */
  weight?: number;
}

export interface FibRoute {
  /** "10.1.2.0/24" or "fd00:1::/64" (any valid text; compared in canonical form). */
  prefix: string;
  family: Family;
  /** One entry = plain route; two or more = ECMP (multipath / nexthop group). */
  nexthops: FibNexthop[];
  table: number;
  protocol: number;
  /** RTA_PRIORITY; absent = 0 (IPv4) / 1024 (IPv6 default applied by the kernel). */
  metric?: number;
  /** Kernel nexthop object id the route points at (set by the nexthop plan / read from kernel). */
  nhid?: number;
}

export type FibOp =
  | { op: 'add'; route: FibRoute }
  | { op: 'replace'; route: FibRoute; old: FibRoute }
  | { op: 'delete'; route: FibRoute };

/** Which routes are ours: one protocol id, a set of tables. */
export interface FibScope {
  protocol: number;
  tables: readonly number[];
}

export const DEFAULT_SCOPE: FibScope = { protocol: RTPROT_BGP, tables: [RT_TABLE_MAIN] };

/** Identity of a route in the kernel: family, table, prefix, metric. */
export function routeKey(r: FibRoute): string {
  const prefix = canonicalPrefix(r.prefix) ?? r.prefix;
  return `${r.family}|${r.table}|${prefix}|${effectiveMetric(r)}`;
}

/** The metric the kernel stores (IPv6 routes get 1024 when none is given). */
export function effectiveMetric(r: Pick<FibRoute, 'family' | 'metric'>): number {
  return r.metric ?? (r.family === 6 ? 1024 : 0);
}

/** Next hops in canonical form: canonical gateway text, weight 1 default, sorted, deduplicated. */
export function normalizeNexthops(nhs: readonly FibNexthop[]): FibNexthop[] {
  const byKey = new Map<string, FibNexthop>();
  for (const nh of nhs) {
    const n: FibNexthop = { gateway: canonicalIp(nh.gateway) ?? nh.gateway, weight: nh.weight ?? 1 };
    if (nh.ifindex !== undefined) n.ifindex = nh.ifindex;
    byKey.set(nexthopKey(n), n);
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, n]) => n);
}

/** One next hop (without weight): "gateway%ifindex". */
export function nexthopKey(nh: FibNexthop): string {
  return `${canonicalIp(nh.gateway) ?? nh.gateway}%${nh.ifindex ?? 0}`;
}

/** A set of next hops with weights, order-independent: identifies one ECMP group. */
export function nexthopSetKey(nhs: readonly FibNexthop[]): string {
  return normalizeNexthops(nhs)
    .map((n) => `${nexthopKey(n)}*${n.weight ?? 1}`)
    .join(',');
}

/** True when the kernel route `actual` already does what `desired` asks. */
export function sameRoute(desired: FibRoute, actual: FibRoute): boolean {
  if (desired.nhid !== undefined && desired.nhid !== actual.nhid) return false;
  return nexthopSetKey(desired.nexthops) === nexthopSetKey(actual.nexthops);
}

export function inScope(r: FibRoute, scope: FibScope): boolean {
  return r.protocol === scope.protocol && scope.tables.includes(r.table);
}

/**
 * Ops that turn `actual` into `desired`. Desired routes outside the scope are ignored (they
 * could not be recognised as ours afterwards); actual routes outside it are never touched.
 * Idempotent: diffFib(d, apply(diffFib(d, a))) is empty. Order: adds/replaces, then deletes.
 */
export function diffFib(desired: Iterable<FibRoute>, actual: Iterable<FibRoute>, scope: FibScope = DEFAULT_SCOPE): FibOp[] {
  const have = new Map<string, FibRoute>();
  for (const r of actual) if (inScope(r, scope)) have.set(routeKey(r), r);
  const ops: FibOp[] = [];
  const wanted = new Set<string>();
  for (const route of desired) {
    if (!inScope(route, scope) || route.nexthops.length === 0) continue;
    const key = routeKey(route);
    if (wanted.has(key)) continue;
    wanted.add(key);
    const old = have.get(key);
    if (old === undefined) ops.push({ op: 'add', route });
    else if (!sameRoute(route, old)) ops.push({ op: 'replace', route, old });
  }
  for (const [key, route] of have) if (!wanted.has(key)) ops.push({ op: 'delete', route });
  return ops;
}
