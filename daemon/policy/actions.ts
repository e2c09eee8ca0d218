/**
 * Attribute changes of a policy rule (`then:`), compiled once from the config's PolicyThen into
 * Modifiers. Each modifier first checks whether it would change anything and returns the same
 * attributes object when not (the engine interns attribute sets by identity); otherwise it
 * returns a shallow copy with the one field replaced. An attribute emptied by a removal is
 * dropped, not kept as an empty list.
 * Input: PolicyThen (config/schema.ts). Output: Modifier[] for Rule.modifiers. Pure.
 */
import { AsPathSegType } from '../../peers/wire/constants.js';
import type { AsPathSegment } from '../../peers/wire/types.js';
import { communityValue, largeCommunityValue, type PolicyThen } from '../../config/schema.js';
import { hasLarge } from './match.js';
import type { Modifier } from './policy.js';

type Large = readonly [number, number, number];

function setLocalPref(v: number): Modifier {
  return (a) => (a.localPref === v ? a : { ...a, localPref: v });
}

function setMed(v: number): Modifier {
  return (a) => (a.med === v ? a : { ...a, med: v });
}

function addCommunities(values: readonly number[]): Modifier {
  return (a) => {
    const have = a.communities ?? [];
    const missing = values.filter((v) => !have.includes(v));
    return missing.length === 0 ? a : { ...a, communities: [...have, ...missing] };
  };
}

function removeCommunities(values: readonly number[]): Modifier {
  return (a) => {
    const have = a.communities;
    if (have === undefined || !values.some((v) => have.includes(v))) return a;
    const { communities: _, ...rest } = a;
    const kept = have.filter((v) => !values.includes(v));
    return kept.length === 0 ? rest : { ...rest, communities: kept };
  };
}

function addLarge(values: readonly Large[]): Modifier {
  return (a) => {
    const have = a.largeCommunities ?? [];
    const missing = values.filter((v) => !hasLarge(have, v));
    return missing.length === 0 ? a : { ...a, largeCommunities: [...have, ...missing] };
  };
}

function removeLarge(values: readonly Large[]): Modifier {
  return (a) => {
    const have = a.largeCommunities;
    if (have === undefined || !values.some((v) => hasLarge(have, v))) return a;
    const { largeCommunities: _, ...rest } = a;
    const kept = have.filter((h) => !hasLarge(values, h));
    return kept.length === 0 ? rest : { ...rest, largeCommunities: kept };
  };
}

/**
 * RFC 4271 §5.1.2: our AS goes in front of the leftmost AS_SEQUENCE, or into a new AS_SEQUENCE
 * when the path is empty or starts with another segment type. Segments longer than 255 ASNs
 * are split by the encoder (peers/wire/as-path.ts).
 */
export function prependAs(segs: readonly AsPathSegment[] | undefined, asn: number, times: number): AsPathSegment[] {
  const own = new Array<number>(times).fill(asn);
  const first = segs?.[0];
  if (segs === undefined || first === undefined) return [{ type: AsPathSegType.AsSequence, asns: own }];
  if (first.type === AsPathSegType.AsSequence) return [{ type: first.type, asns: [...own, ...first.asns] }, ...segs.slice(1)];
  return [{ type: AsPathSegType.AsSequence, asns: own }, ...segs];
}

function prepend(times: number): Modifier {
  return (a, ctx) => ({ ...a, asPath: prependAs(a.asPath, ctx.localAsn, times) });
}

/**
 * The changes of one rule in a fixed order: local-pref, MED, community removals then additions
 * (so "remove all of X, add X" leaves X), the same for large communities, then the prepend.
 */
export function compileThen(t: PolicyThen): Modifier[] {
  const out: Modifier[] = [];
  if (t.localPref !== undefined) out.push(setLocalPref(t.localPref));
  if (t.med !== undefined) out.push(setMed(t.med));
  const num = (xs: readonly string[]): number[] => xs.map((x) => communityValue(x) ?? -1).filter((v) => v >= 0);
  const big = (xs: readonly string[]): Large[] =>
    xs.map((x) => largeCommunityValue(x)).filter((v): v is [number, number, number] => v !== undefined);
  if (t.removeCommunities) out.push(removeCommunities(num(t.removeCommunities)));
  if (t.addCommunities) out.push(addCommunities(num(t.addCommunities)));
  if (t.removeLargeCommunities) out.push(removeLarge(big(t.removeLargeCommunities)));
  if (t.addLargeCommunities) out.push(addLarge(big(t.addLargeCommunities)));
  if (t.prepend !== undefined) out.push(prepend(t.prepend));
  return out;
}
