/**
 * The route engine's answers to the control API: Adj-RIB-In/Out per peer, Loc-RIB entries with
 * why the best path won, and counters. Bounded (`limit`) so a million-route table never turns
 * into one giant reply. Input: a read-only view of the engine's state. Pure: no I/O.
 */
import type { EngineQuery } from '../bus.js';
import { ipToString, parseIp } from '../../peers/wire/ip.js';
import { Afi } from '../../peers/wire/constants.js';
import { formatAttrs } from './format.js';
import { baseKey, formatKey, keyFromBytes, parseKey, type PrefixKey } from './prefix-key.js';
import { describePath } from './describe.js';
import { LOCAL_PEER_ID } from './export.js';
import type { LocRib } from './loc-rib.js';
import type { AttrStore } from './attr-store.js';
import type { Outbound } from './outbound.js';
import type { Path, PeerRef } from './path.js';

/** What the queries read of one peer. */
export interface PeerView {
  readonly ref: PeerRef;
  readonly adjIn: ReadonlyMap<PrefixKey, { readonly path: Path; readonly rejected?: string }>;
  readonly out: Outbound;
  readonly counters: object;
  readonly eorReceived: ReadonlySet<number>;
  /** Adj-RIB-In entries of IPv6 prefixes (the rest are IPv4). */
  readonly rxV6?: number;
  /** Accepted prefixes per AFI (max-prefix accounting, RFC 4486). */
  readonly maxPrefix?: ReadonlyMap<number, { readonly count: number }>;
}

export interface EngineView {
  readonly peers: ReadonlyMap<string, PeerView>;
  readonly locRib: LocRib;
  readonly installed: ReadonlySet<PrefixKey>;
  readonly store: AttrStore;
  /** Next hops the kernel's table does not resolve (their paths are ineligible). */
  readonly unreachableNextHops?: readonly string[];
  /** RFC 4724: restarting peers' stale routes kept from their previous session. */
  readonly stale?: readonly { peer: string; routes: number }[];
  /** Peers whose End-of-RIB this (restarting) node still waits for; null when not restarting. */
  readonly restarting?: readonly string[] | null;
}

export function answer(v: EngineView, q: EngineQuery): unknown {
  if (q.kind === 'stats') return stats(v);
  if (q.kind === 'rib') return rib(v, q);
  if (q.kind === 'why') return why(v, q.address);
  if (q.kind === 'policy-preview' || q.kind === 'installed') return null; // answered by the engine itself
  return routes(v, q);
}

/**
 * Routes per peer for the control API, at most `limit` per direction (default 10,000) so a
 * million-route table never turns into one giant reply; totals are always reported.
 */
export function routes(v: EngineView, q: { peer?: string; prefix?: string; limit?: number }): unknown {
  const limit = q.limit ?? 10_000;
  const only = q.prefix === undefined ? undefined : parseKey(q.prefix);
  const result: Record<string, unknown> = {};
  for (const [name, p] of v.peers) {
    if (q.peer !== undefined && q.peer !== name) continue;
    const received: unknown[] = [];
    for (const [ak, e] of p.adjIn) {
      if (received.length >= limit) break;
      const k = baseKey(ak);
      if (only !== undefined && k !== only) continue;
      received.push({ prefix: k === null ? String(ak) : formatKey(k), ...describePath(e.path), ...(e.rejected ? { rejected: e.rejected } : {}) });
    }
    const advertised: unknown[] = [];
    for (const [k, r] of p.out.entries()) {
      if (advertised.length >= limit) break;
      if (only !== undefined && k !== only) continue;
      advertised.push({ prefix: formatKey(k), ...(r.mp ? { mpNextHop: ipToString(r.mp.global) } : {}), attrs: formatAttrs(r.attrs) });
    }
    result[name] = {
      receivedTotal: p.adjIn.size,
      advertisedTotal: p.out.size,
      received,
      advertised,
      counters: p.counters,
      endOfRibReceived: [...p.eorReceived].map((k) => `${k >> 8}/${k & 0xff}`),
    };
  }
  return result;
}

/** Loc-RIB entries: best path, why it won, ECMP next hops, every candidate. */
/**
 * `rackroute why ADDRESS`: the Loc-RIB entry an address falls in (longest prefix match over the
 * Loc-RIB), as `rib` shows it; `routes` is empty when no prefix covers it.
 */
export function why(v: EngineView, address: string): unknown {
  const bytes = parseIp(address);
  if (!bytes) return { error: `not an IP address: ${address}` };
  const afi = bytes.length === 4 ? Afi.Ipv4 : Afi.Ipv6;
  for (let len = bytes.length * 8; len >= 0; len--) {
    const k = keyFromBytes(afi, bytes, 0, len);
    if (v.locRib.get(k)) return rib(v, { prefix: formatKey(k) });
  }
  return { total: v.locRib.size, routes: [] };
}

export function rib(v: EngineView, q: { prefix?: string; limit?: number }): unknown {
  const keys = q.prefix !== undefined ? [parseKey(q.prefix)].filter((k): k is PrefixKey => k !== null) : v.locRib.keys();
  const out: unknown[] = [];
  const names = new Map([...v.peers].map(([n, p]) => [p.ref.id, n]));
  names.set(LOCAL_PEER_ID, 'local');
  for (const k of keys) {
    if (out.length >= (q.limit ?? 10_000)) break;
    const e = v.locRib.get(k);
    if (!e) continue;
    out.push({
      prefix: formatKey(k),
      reason: e.reason,
      installed: v.installed.has(k),
      nexthops: e.nexthops.map((n) => n.key),
      candidates: e.candidates.map((c) => ({ from: names.get(c.peer.id) ?? `peer-${c.peer.id}`, best: c === e.best, multipath: e.multipath.includes(c), ...describePath(c) })),
    });
  }
  return { total: v.locRib.size, routes: out };
}

export function stats(v: EngineView): unknown {
  return {
    peers: [...v.peers].map(([name, p]) => ({ peer: name, received: p.adjIn.size, advertised: p.out.size, ...p.counters, families: familyCounts(p) })),
    locRib: v.locRib.size,
    paths: v.locRib.pathCount,
    installed: v.installed.size,
    attributeSets: v.store.size,
    unreachableNextHops: v.unreachableNextHops ?? [],
    staleRoutes: (v.stale ?? []).reduce((n, s) => n + s.routes, 0),
    stale: v.stale ?? [],
    restarting: v.restarting ?? null,
  };
}

/** Received (pre-policy), accepted (post-policy) and advertised prefixes per family: kept as
 *  counts by the engine, so this is O(1) per peer however big the tables are. */
function familyCounts(p: PeerView): Record<'ipv4-unicast' | 'ipv6-unicast', { received: number; accepted: number; advertised: number }> {
  const v6 = p.rxV6 ?? 0;
  const of = (afi: number, received: number) => ({ received, accepted: p.maxPrefix?.get(afi)?.count ?? 0, advertised: p.out.sizeOf(afi) });
  return { 'ipv4-unicast': of(1, p.adjIn.size - v6), 'ipv6-unicast': of(2, v6) };
}
