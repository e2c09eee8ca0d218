/**
 * One candidate route for one prefix, as the Loc-RIB and the decision process see it. Built by
 * the route engine after import policy; compared by best-path.ts; grouped by multipath.ts.
 *
 * Memory: a million of these must fit, so everything that many routes share lives in shared
 * objects — the peer (`PeerRef`, one per session), the attribute set (`AttrSet`, one per
 * interned PathAttributes, with the values the decision process needs computed once) and the
 * next hop (`NextHop`, interned in a NextHopTable). A Path itself is six fields; stale and
 * eligibility are packed into one small-integer `flags` field. Paths are immutable: to change
 * one (new IGP cost, now stale, now unresolvable) build a new Path and hand it to the Loc-RIB.
 * Pure: no I/O, no clock.
 */
import { AsPathSegType } from '../../peers/wire/constants.js';
import type { AsPathSegment, PathAttributes } from '../../peers/wire/types.js';
import { asPathLength } from '../../peers/wire/as-path.js';
import { ipToString } from '../../peers/wire/ip.js';

/** What the decision process needs to know about the peer a path came from (one per session). */
export interface PeerRef {
  /** Small integer, unique among live peers (engine-assigned); identifies the path's source. */
  readonly id: number;
  readonly ebgp: boolean;
  readonly asn: number;
  /** The peer's BGP Identifier (u32). */
  readonly routerId: number;
  /** The peer's transport address: 4 or 16 bytes. */
  readonly address: Uint8Array;
  /** RFC 4456: the peer is one of our route-reflector clients. */
  readonly rrClient?: boolean;
}

/** An interned attribute set plus the decision inputs derived from it once. */
export interface AttrSet {
  readonly attrs: PathAttributes;
  /** RFC 4271 §9.1.2.2 (a): AS_SET counts 1, confed segments 0 (RFC 5065 §5.3). */
  readonly asPathLen: number;
  /**
   * RFC 4271 §9.1.2.2 (c): the neighbouring AS for MED comparison — the first AS of the first
   * AS_SEQUENCE after any leading confed segments; 0 for an empty (internal) path; undefined
   * when the path starts with an AS_SET (no neighbour AS: MED is never compared).
   */
  readonly neighbourAs: number | undefined;
  /** RFC 4456 §9: CLUSTER_LIST length (0 when absent). */
  readonly clusterLen: number;
}

export function neighbourAs(segs: readonly AsPathSegment[] | undefined): number | undefined {
  for (const seg of segs ?? []) {
    if (seg.type === AsPathSegType.AsConfedSequence || seg.type === AsPathSegType.AsConfedSet) continue;
    return seg.type === AsPathSegType.AsSequence ? seg.asns[0] : undefined;
  }
  return 0;
}

export function attrSet(attrs: PathAttributes): AttrSet {
  return {
    attrs,
    asPathLen: asPathLength(attrs.asPath ?? []),
    neighbourAs: neighbourAs(attrs.asPath),
    clusterLen: attrs.clusterList?.length ?? 0,
  };
}

/**
 * One AttrSet per PathAttributes object. The engine already interns PathAttributes
 * (adj-rib-in.ts AttrStore), so identity is the key; a WeakMap lets unused sets go.
 */
export class AttrSetCache {
  private readonly sets = new WeakMap<PathAttributes, AttrSet>();

  get(attrs: PathAttributes): AttrSet {
    let s = this.sets.get(attrs);
    if (!s) {
      s = attrSet(attrs);
      this.sets.set(attrs, s);
    }
    return s;
  }
}

/** A next hop: IPv4 (4 bytes) or IPv6 global (16) with an optional link-local (RFC 2545 §3). */
export interface NextHop {
  /** Text form, unique per (global, linkLocal): the identity used for ECMP distinctness. */
  readonly key: string;
  readonly global: Uint8Array;
  readonly linkLocal?: Uint8Array;
}

/** Interns next hops so the paths of one UPDATE (and of one peer) share one object. */
export class NextHopTable {
  private readonly byKey = new Map<string, NextHop>();

  intern(global: Uint8Array, linkLocal?: Uint8Array): NextHop {
    const key = linkLocal ? `${ipToString(global)}%${ipToString(linkLocal)}` : ipToString(global);
    let nh = this.byKey.get(key);
    if (!nh) {
      nh = linkLocal ? { key, global: global.slice(), linkLocal: linkLocal.slice() } : { key, global: global.slice() };
      this.byKey.set(key, nh);
    }
    return nh;
  }

  get size(): number {
    return this.byKey.size;
  }
}

/** Why a path cannot be best (RFC 4271 §9.1.2: excluded from the decision). 0 = eligible. */
export const Ineligible = {
  None: 0,
  /** RFC 4271 §9.1.2: NEXT_HOP not resolvable. */
  NextHopUnreachable: 1,
  /** RFC 4271 §9.1.2: own AS in AS_PATH (decided at import; honoured here as a flag). */
  AsLoop: 2,
  /** RFC 4456 §8: our ORIGINATOR_ID or CLUSTER_ID seen (decided at import). */
  ReflectionLoop: 3,
  /** RFC 7606 / policy: kept for visibility but not usable. */
  Rejected: 4,
} as const;
export type Ineligible = (typeof Ineligible)[keyof typeof Ineligible];

const STALE = 1;
const INELIGIBLE_SHIFT = 1;

export interface PathInit {
  peer: PeerRef;
  attrs: AttrSet;
  nextHop: NextHop;
  igpCost?: number | undefined;
  pathId?: number;
  stale?: boolean;
  ineligible?: Ineligible;
}

export class Path {
  readonly peer: PeerRef;
  readonly attrs: AttrSet;
  readonly nextHop: NextHop;
  /** Interior cost to the next hop (from the FIB resolver); undefined = not known. */
  readonly igpCost: number | undefined;
  /** RFC 7911 path identifier (0 without ADD-PATH). */
  readonly pathId: number;
  /** bit 0: stale (RFC 4724 graceful restart); bits 1..: Ineligible reason. */
  readonly flags: number;

  constructor(init: PathInit) {
    this.peer = init.peer;
    this.attrs = init.attrs;
    this.nextHop = init.nextHop;
    this.igpCost = init.igpCost;
    this.pathId = init.pathId ?? 0;
    this.flags = (init.stale ? STALE : 0) | ((init.ineligible ?? 0) << INELIGIBLE_SHIFT);
  }

  get stale(): boolean {
    return (this.flags & STALE) !== 0;
  }

  get ineligible(): Ineligible {
    return (this.flags >> INELIGIBLE_SHIFT) as Ineligible;
  }

  get eligible(): boolean {
    return this.flags >> INELIGIBLE_SHIFT === 0;
  }

  /** A copy with some fields replaced (the way to "change" a path). */
  with(change: Partial<PathInit>): Path {
    return new Path({
      peer: this.peer,
      attrs: this.attrs,
      nextHop: this.nextHop,
      igpCost: this.igpCost,
      pathId: this.pathId,
      stale: this.stale,
      ineligible: this.ineligible,
      ...change,
    });
  }
}

/** Same source (peer session and path id) and same content: re-announcing it changes nothing. */
export function samePath(a: Path | undefined, b: Path | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.peer === b.peer &&
    a.pathId === b.pathId &&
    a.attrs === b.attrs &&
    a.nextHop === b.nextHop &&
    a.igpCost === b.igpCost &&
    a.flags === b.flags
  );
}
