/**
 * ECMP: which of the paths that tie with the best one (equal in every decision step before
 * router-id; best-path.ts `Selection.equal`) are installed together. Input: a Selection; output:
 * the multipath set, best first, for the Loc-RIB and from there the kernel FIB. Pure.
 *
 * Rules (FRR `bgp_path_info_mpath_update`, BIRD `merge paths`, Cisco `maximum-paths`):
 *   - at most `maxPaths` paths (default 8), the best always included, then tie-break order;
 *   - one path per next hop: a second path to the same next hop adds nothing to the FIB;
 *   - strict (default): only paths whose neighbour AS (first AS in AS_PATH) equals the best's;
 *     `relax`: any neighbour AS — the AS path LENGTH is already equal (step a). This is the
 *     normal case of a node dual-homed to two ToRs with different ASNs. (FRR and Cisco strict
 *     mode want the whole AS_PATH identical; we ask for the same neighbour AS only.)
 *   - eBGP and iBGP paths are never mixed (step d already leaves only one kind; checked again).
 */
import type { Selection } from './best-path.js';
import type { Path } from './path.js';

export interface MultipathOptions {
  /** Largest ECMP set; 1 turns multipath off. */
  readonly maxPaths: number;
  /** Allow paths from different neighbour ASes (equal AS path length). */
  readonly relax: boolean;
}

export const DEFAULT_MULTIPATH: MultipathOptions = { maxPaths: 8, relax: false };

/** The ECMP set for a selection: best first; empty when there is no best. */
export function multipathSet(sel: Selection, o: MultipathOptions = DEFAULT_MULTIPATH): Path[] {
  const best = sel.best;
  if (!best) return [];
  const out: Path[] = [best];
  for (const p of sel.equal) {
    if (out.length >= o.maxPaths) break;
    if (p === best || !p.eligible) continue;
    if (p.peer.ebgp !== best.peer.ebgp) continue;
    if (!o.relax && p.attrs.neighbourAs !== best.attrs.neighbourAs) continue;
    if (out.some((q) => q.nextHop.key === p.nextHop.key)) continue;
    out.push(p);
  }
  return out;
}
