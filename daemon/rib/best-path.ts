/**
 * The BGP decision process (RFC 4271 §9.1.2, with RFC 4456 §9 for route reflection) as an
 * ordered list of small comparators, each naming the reason it decides (GoBGP `compareBy*` +
 * `BestPathReason`; OpenBGPD rde_decide.c "RFC" / "our implementation" blocks). Input: the
 * candidate Paths of one prefix (loc-rib.ts); output: the best path, why it won, and the
 * candidates still equal to it before the router-id step (for multipath.ts). Pure: no I/O.
 *
 * RFC 4271 §9.1.2.2, breaking ties in phase 2 (after the highest degree of preference,
 * which §9.1.1 takes from LOCAL_PREF for iBGP-learned routes and from policy for eBGP):
 *   a) Remove from consideration all routes that are not tied for having the smallest number
 *      of AS numbers present in their AS_PATH attributes. [...] an AS_SET counts as 1.
 *   b) Remove [...] all routes that are not tied for having the lowest Origin number.
 *   c) Remove [...] routes with less-preferred MULTI_EXIT_DISC attributes. MULTI_EXIT_DISC is
 *      only comparable between routes learned from the same neighboring AS (the neighboring AS
 *      is determined from the AS_PATH attribute). Routes that do not have the MULTI_EXIT_DISC
 *      attribute are considered to have the lowest possible MULTI_EXIT_DISC value.
 *   d) If at least one of the candidate routes was received via EBGP, remove from
 *      consideration all routes that were received via IBGP.
 *   e) Remove [...] any routes with less-preferred interior cost. [...] If the NEXT_HOP hop
 *      for a route is reachable, but no cost can be determined, then this step should be
 *      skipped (equivalently, consider all routes to have equal costs).
 *   f) Remove [...] all routes other than the route that was advertised by the BGP speaker
 *      with the lowest BGP Identifier value.
 *   g) Prefer the route received from the lowest peer address.
 * RFC 4456 §9: in f) the ORIGINATOR_ID (when present) replaces the BGP Identifier, and between
 * f) and g) a route with a shorter CLUSTER_LIST is preferred.
 * RFC 4271 §9.1.2: routes whose NEXT_HOP is unresolvable, or whose AS_PATH holds our AS, are
 * excluded from phase 2.
 *
 * Our deviations / choices:
 *   - Ineligible paths (Path.eligible false: unresolvable next hop, AS loop, ...) are not
 *     dropped but ranked last ('eligibility'); a prefix whose top path is ineligible has no
 *     best. The loop checks themselves belong to import.
 *   - A missing LOCAL_PREF counts as `defaultLocalPref` (100) whether the path is eBGP- or
 *     iBGP-learned (import policy is where eBGP preference is set; BIRD/FRR/OpenBGPD do this).
 *   - A missing ORIGIN counts as INCOMPLETE (only local paths can lack it after decoding).
 *   - MED: `alwaysCompareMed` compares it across neighbour ASes; `missingMedWorst` makes a
 *     missing MED worse than any present one (FRR/Cisco "med missing-as-worst").
 *   - Steps c) and e) are not transitive (MED between different neighbour ASes, an unknown
 *     IGP cost, are "incomparable"). We therefore select by elimination over the whole
 *     candidate set, exactly as the RFC words it, rather than by pairwise sorting: the result
 *     never depends on the order paths arrived in. `compare(a, b)` is elimination on {a, b}.
 *   - No "prefer the oldest eBGP path" (RFC 5004): it needs a clock and makes results depend
 *     on history.
 *   - After g), the lowest peer id and then the lowest ADD-PATH path id decide (RFC 7911 paths
 *     from one peer share its address), so the order is total.
 */
import { Origin } from '../../peers/wire/constants.js';
import type { Path } from './path.js';

export type BestPathReason =
  | 'only-path'
  | 'eligibility'
  | 'local-pref'
  | 'as-path-length'
  | 'origin'
  | 'med'
  | 'ebgp-over-ibgp'
  | 'igp-cost'
  | 'router-id'
  | 'cluster-list'
  | 'peer-address'
  | 'path-id'
  | 'equal';

export interface DecisionOptions {
  /** Compare MED between paths from different neighbour ASes too. */
  readonly alwaysCompareMed: boolean;
  /** A missing MED is worse than any present one (default: it counts as 0, RFC 4271). */
  readonly missingMedWorst: boolean;
  /** LOCAL_PREF assumed when a path carries none. */
  readonly defaultLocalPref: number;
}

export const DEFAULT_DECISION: DecisionOptions = { alwaysCompareMed: false, missingMedWorst: false, defaultLocalPref: 100 };

/** < 0: a is preferred; > 0: b is preferred; 0: this step does not tell them apart. */
export type Comparator = (a: Path, b: Path, o: DecisionOptions) => number;

export interface Step {
  readonly reason: BestPathReason;
  readonly cmp: Comparator;
  /** False when "equal" is not transitive (incomparable values): selection takes O(n²). */
  readonly transitive: boolean;
}

const byEligibility: Comparator = (a, b) => Number(b.eligible) - Number(a.eligible);

/** RFC 4271 §9.1.1: higher degree of preference (LOCAL_PREF) wins. */
const byLocalPref: Comparator = (a, b, o) =>
  (b.attrs.attrs.localPref ?? o.defaultLocalPref) - (a.attrs.attrs.localPref ?? o.defaultLocalPref);

// RFC 4271 §9.1.2.2 (a): fewer ASes wins (AS_SET 1, confed segments 0: AttrSet.asPathLen).
const byAsPathLength: Comparator = (a, b) => a.attrs.asPathLen - b.attrs.asPathLen;

// RFC 4271 §9.1.2.2 (b): IGP < EGP < INCOMPLETE.
const byOrigin: Comparator = (a, b) =>
  (a.attrs.attrs.origin ?? Origin.Incomplete) - (b.attrs.attrs.origin ?? Origin.Incomplete);

/** 2^32: worse than the largest MED a peer can send. */
const MED_WORST = 0x1_0000_0000;

// RFC 4271 §9.1.2.2 (c): lower MED wins, only between routes from the same neighbouring AS.
const byMed: Comparator = (a, b, o) => {
  if (!o.alwaysCompareMed) {
    const na = a.attrs.neighbourAs;
    if (na === undefined || na !== b.attrs.neighbourAs) return 0;
  }
  const missing = o.missingMedWorst ? MED_WORST : 0;
  return (a.attrs.attrs.med ?? missing) - (b.attrs.attrs.med ?? missing);
};

// RFC 4271 §9.1.2.2 (d): eBGP-learned beats iBGP-learned.
const byEbgp: Comparator = (a, b) => Number(b.peer.ebgp) - Number(a.peer.ebgp);

// RFC 4271 §9.1.2.2 (e): lower interior cost wins; an unknown cost is equal to every cost.
const byIgpCost: Comparator = (a, b) =>
  a.igpCost === undefined || b.igpCost === undefined ? 0 : a.igpCost - b.igpCost;

// RFC 4271 §9.1.2.2 (f) + RFC 4456 §9: lowest ORIGINATOR_ID, else the peer's BGP Identifier.
const byRouterId: Comparator = (a, b) =>
  (a.attrs.attrs.originatorId ?? a.peer.routerId) - (b.attrs.attrs.originatorId ?? b.peer.routerId);

// RFC 4456 §9: shorter CLUSTER_LIST wins.
const byClusterList: Comparator = (a, b) => a.attrs.clusterLen - b.attrs.clusterLen;

// RFC 4271 §9.1.2.2 (g): lowest peer address (IPv4 before IPv6, then byte order).
const byPeerAddress: Comparator = (a, b) => compareBytes(a.peer.address, b.peer.address);

const byPathId: Comparator = (a, b) => a.peer.id - b.peer.id || a.pathId - b.pathId;

export const STEPS: readonly Step[] = [
  { reason: 'eligibility', cmp: byEligibility, transitive: true },
  { reason: 'local-pref', cmp: byLocalPref, transitive: true },
  { reason: 'as-path-length', cmp: byAsPathLength, transitive: true },
  { reason: 'origin', cmp: byOrigin, transitive: true },
  { reason: 'med', cmp: byMed, transitive: false },
  { reason: 'ebgp-over-ibgp', cmp: byEbgp, transitive: true },
  { reason: 'igp-cost', cmp: byIgpCost, transitive: false },
  { reason: 'router-id', cmp: byRouterId, transitive: true },
  { reason: 'cluster-list', cmp: byClusterList, transitive: true },
  { reason: 'peer-address', cmp: byPeerAddress, transitive: true },
  { reason: 'path-id', cmp: byPathId, transitive: true },
];

/** Index of the first step multipath ignores: paths equal before it are ECMP candidates. */
export const MULTIPATH_CUT = STEPS.findIndex((s) => s.reason === 'router-id');

export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return a.length - b.length;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return 0;
}

export interface Comparison {
  /** -1: a is preferred, 1: b is preferred, 0: same source and content. */
  readonly winner: -1 | 0 | 1;
  readonly reason: BestPathReason;
}

/** Pairwise decision: the first step that tells a and b apart. */
export function compare(a: Path, b: Path, o: DecisionOptions = DEFAULT_DECISION): Comparison {
  const i = firstDifference(a, b, o, 0, STEPS.length);
  if (i < 0) return { winner: 0, reason: 'equal' };
  return { winner: (STEPS[i] as Step).cmp(a, b, o) < 0 ? -1 : 1, reason: (STEPS[i] as Step).reason };
}

/** Index of the first step in [from, to) where a and b differ, or -1. */
function firstDifference(a: Path, b: Path, o: DecisionOptions, from: number, to: number): number {
  for (let i = from; i < to; i++) if ((STEPS[i] as Step).cmp(a, b, o) !== 0) return i;
  return -1;
}

/** Lexicographic order over steps [from, end): used once only transitive steps are left. */
function tieBreakOrder(o: DecisionOptions, from: number): (a: Path, b: Path) => number {
  return (a, b) => {
    const i = firstDifference(a, b, o, from, STEPS.length);
    return i < 0 ? 0 : (STEPS[i] as Step).cmp(a, b, o);
  };
}

export interface Selection {
  /** First in decision order, eligible or not; undefined only for no candidates. */
  readonly top: Path | undefined;
  /** `top` when it is eligible: the path to use and advertise. */
  readonly best: Path | undefined;
  /** Why `top` beat the runner-up ('only-path' when it had none). */
  readonly reason: BestPathReason;
  /**
   * Candidates equal to `best` in every step before router-id, in tie-break order (best
   * first): what multipath.ts picks from. Empty when there is no best.
   */
  readonly equal: readonly Path[];
}

/** Survivors of one step: those no other survivor beats (RFC wording: "remove routes ..."). */
function survive(step: Step, paths: readonly Path[], o: DecisionOptions): Path[] {
  if (step.transitive) {
    let out: Path[] = [paths[0] as Path];
    for (let i = 1; i < paths.length; i++) {
      const p = paths[i] as Path;
      const c = step.cmp(p, out[0] as Path, o);
      if (c < 0) out = [p];
      else if (c === 0) out.push(p);
    }
    return out;
  }
  return paths.filter((p) => !paths.some((q) => step.cmp(q, p, o) < 0));
}

/** The decision process over a candidate set; independent of the order of `paths`. */
export function select(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): Selection {
  const first = paths[0];
  if (!first) return { top: undefined, best: undefined, reason: 'only-path', equal: [] };
  if (paths.length === 1) return done(first, 'only-path', [first]);
  if (paths.length === 2) return selectTwo(first, paths[1] as Path, o);
  let survivors: readonly Path[] = paths;
  for (let i = 0; i < MULTIPATH_CUT; i++) {
    const step = STEPS[i] as Step;
    const next = survive(step, survivors, o);
    if (next.length === 1) return done(next[0] as Path, step.reason, next);
    survivors = next;
  }
  const equal = [...survivors].sort(tieBreakOrder(o, MULTIPATH_CUT));
  const top = equal[0] as Path;
  const i = firstDifference(top, equal[1] as Path, o, MULTIPATH_CUT, STEPS.length);
  return done(top, i < 0 ? 'equal' : (STEPS[i] as Step).reason, equal);
}

/** Elimination on two paths is the pairwise comparison (the common dual-homed case). */
function selectTwo(a: Path, b: Path, o: DecisionOptions): Selection {
  const i = firstDifference(a, b, o, 0, STEPS.length);
  if (i < 0) return done(a, 'equal', [a, b]);
  const step = STEPS[i] as Step;
  const [top, other] = step.cmp(a, b, o) < 0 ? [a, b] : [b, a];
  return done(top, step.reason, i >= MULTIPATH_CUT ? [top, other] : [top]);
}

function done(top: Path, reason: BestPathReason, equal: readonly Path[]): Selection {
  return top.eligible ? { top, best: top, reason, equal } : { top, best: undefined, reason, equal: [] };
}

/**
 * Every candidate in decision order (repeated selection on what is left) and the reason the
 * first won. O(n² · steps): for show commands and tests, not the update path.
 */
export function rank(paths: readonly Path[], o: DecisionOptions = DEFAULT_DECISION): { order: Path[]; reason: BestPathReason } {
  const order: Path[] = [];
  let rest = [...paths];
  let reason: BestPathReason = 'only-path';
  while (rest.length > 0) {
    const s = select(rest, o);
    const top = s.top as Path;
    if (order.length === 0) reason = s.reason;
    order.push(top);
    rest = rest.filter((p) => p !== top);
  }
  return { order, reason };
}
