/**
 * Loc-RIB (RFC 4271 §3.2, §9.1): per prefix, the candidate paths from every peer (after import
 * policy), the best one, the ECMP set and why the best won. Input: `update()` calls from the
 * route engine's ingest (one per prefix per UPDATE) and peer-down walks; output: a RibChange
 * whenever the best path or the ECMP next-hop set of a prefix changed — nothing otherwise — for
 * export (Adj-RIB-Out) and the kernel FIB. Pure: no I/O, no clock.
 *
 * Memory: one Map entry per prefix. A prefix with a single candidate stores the Path itself;
 * with more, a `Dest` holding an exact-size array with the multipath set first (best at 0).
 */
import { DEFAULT_DECISION, select, type BestPathReason, type DecisionOptions } from './best-path.js';
import { DEFAULT_MULTIPATH, multipathSet, type MultipathOptions } from './multipath.js';
import { Path, samePath, type NextHop, type PeerRef } from './path.js';
import type { PrefixKey } from './prefix-key.js';

export interface LocRibOptions extends DecisionOptions, MultipathOptions {}

export interface RibState {
  /** The path to use and advertise; undefined when no eligible path exists. */
  readonly best: Path | undefined;
  /** The ECMP set, best first (empty without a best). */
  readonly multipath: readonly Path[];
  readonly nexthops: readonly NextHop[];
}

export interface RibChange {
  readonly prefix: PrefixKey;
  readonly before: RibState;
  readonly after: RibState;
  /** Why `after.best` won ('only-path' when it had no competitor or there is none). */
  readonly reason: BestPathReason;
}

export interface RouteView extends RibState {
  readonly prefix: PrefixKey;
  /** Every candidate: the multipath set first (best at 0), then the others in no set order. */
  readonly candidates: readonly Path[];
  readonly reason: BestPathReason;
}

/** A prefix with two or more candidates. */
class Dest {
  constructor(
    /** [0, mp) is the multipath set (best at 0); then the other candidates. */
    public paths: Path[],
    public mp: number,
    public reason: BestPathReason,
  ) {}
}

type Entry = Path | Dest;

const NO_PATHS: readonly Path[] = [];
const EMPTY: RibState = { best: undefined, multipath: NO_PATHS, nexthops: [] };

function multipathOf(e: Entry | undefined): readonly Path[] {
  if (e === undefined) return NO_PATHS;
  if (e instanceof Path) return e.eligible ? [e] : NO_PATHS;
  return e.paths.slice(0, e.mp);
}

function candidatesOf(e: Entry | undefined): readonly Path[] {
  if (e === undefined) return NO_PATHS;
  return e instanceof Path ? [e] : e.paths;
}

function state(mp: readonly Path[]): RibState {
  return mp.length === 0 ? EMPTY : { best: mp[0], multipath: mp, nexthops: mp.map((p) => p.nextHop) };
}

function sameNexthops(a: readonly Path[], b: readonly Path[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((p) => b.some((q) => q.nextHop.key === p.nextHop.key));
}

export class LocRib {
  private readonly entries = new Map<PrefixKey, Entry>();
  private readonly opts: LocRibOptions;
  private paths = 0;

  constructor(opts: Partial<LocRibOptions> = {}) {
    this.opts = { ...DEFAULT_DECISION, ...DEFAULT_MULTIPATH, ...opts };
  }

  /** Number of prefixes with at least one candidate. */
  get size(): number {
    return this.entries.size;
  }

  /** Number of candidate paths over all prefixes. */
  get pathCount(): number {
    return this.paths;
  }

  /**
   * Sets (path) or removes (null) the candidate of `peerId` / `pathId` for a prefix. Returns
   * the change when the best path or the ECMP next-hop set moved, else null.
   */
  update(prefix: PrefixKey, peerId: number, path: Path | null, pathId: number = path?.pathId ?? 0): RibChange | null {
    if (path && (path.peer.id !== peerId || path.pathId !== pathId)) {
      throw new Error(`LocRib.update: path from peer ${path.peer.id}/${path.pathId} given as ${peerId}/${pathId}`);
    }
    const cur = this.entries.get(prefix);
    const old = candidatesOf(cur);
    const i = old.findIndex((p) => p.peer.id === peerId && p.pathId === pathId);
    if (i < 0 && !path) return null;
    let next: Path[];
    if (i < 0) next = [...old, path as Path];
    else if (path) {
      next = old.slice();
      next[i] = path;
    } else next = old.filter((_, k) => k !== i);
    return this.store(prefix, cur, next);
  }

  /**
   * Removes every path of a peer — by id, or by its PeerRef (so a walk for an old session
   * leaves a new session's paths alone). Yields once per prefix visited (the change or null),
   * so `runBudgeted` can spread a million-prefix walk over slices; returns the number of paths
   * removed. `keys` limits the walk to the peer's prefixes (e.g. from its Adj-RIB-In); without
   * it every prefix is visited. Updates between slices are fine: Map iteration is live.
   */
  *removePeer(peer: number | PeerRef, keys?: Iterable<PrefixKey>): Generator<RibChange | null, number, void> {
    const gone = typeof peer === 'number' ? (p: Path) => p.peer.id === peer : (p: Path) => p.peer === peer;
    let removed = 0;
    for (const prefix of keys ?? this.entries.keys()) {
      const cur = this.entries.get(prefix);
      const old = candidatesOf(cur);
      const next = old.filter((p) => !gone(p));
      if (next.length === old.length) {
        yield null;
        continue;
      }
      removed += old.length - next.length;
      yield this.store(prefix, cur, next);
    }
    return removed;
  }

  get(prefix: PrefixKey): RouteView | undefined {
    const e = this.entries.get(prefix);
    if (e === undefined) return undefined;
    const mp = multipathOf(e);
    return { prefix, candidates: candidatesOf(e), reason: e instanceof Path ? 'only-path' : e.reason, ...state(mp) };
  }

  /** The best path of a prefix, if any (cheap: no allocation). */
  best(prefix: PrefixKey): Path | undefined {
    const e = this.entries.get(prefix);
    if (e === undefined) return undefined;
    if (e instanceof Path) return e.eligible ? e : undefined;
    return e.mp > 0 ? e.paths[0] : undefined;
  }

  keys(): IterableIterator<PrefixKey> {
    return this.entries.keys();
  }

  /** Stores the new candidate list of a prefix and reports what changed. */
  private store(prefix: PrefixKey, cur: Entry | undefined, next: Path[]): RibChange | null {
    const before = multipathOf(cur);
    this.paths += next.length - candidatesOf(cur).length;
    let after: readonly Path[];
    let reason: BestPathReason = 'only-path';
    if (next.length === 0) {
      this.entries.delete(prefix);
      after = NO_PATHS;
    } else if (next.length === 1) {
      const p = next[0] as Path;
      this.entries.set(prefix, p);
      after = p.eligible ? [p] : NO_PATHS;
    } else {
      const sel = select(next, this.opts);
      const mp = multipathSet(sel, this.opts);
      const paths = mp.length === 0 ? next : [...mp, ...next.filter((p) => !mp.includes(p))];
      if (cur instanceof Dest) {
        cur.paths = paths;
        cur.mp = mp.length;
        cur.reason = sel.reason;
      } else this.entries.set(prefix, new Dest(paths, mp.length, sel.reason));
      after = mp;
      reason = sel.reason;
    }
    if (samePath(before[0], after[0]) && sameNexthops(before, after)) return null;
    return { prefix, before: state(before), after: state(after), reason };
  }
}
