/**
 * Conditions of a policy rule, compiled once from the config's PolicyMatch into closures that
 * the evaluator (policy.ts) calls per route. Every closure is allocation-free on the route
 * path: prefix sets are built here, communities become numbers here, the AS path regex is
 * compiled here and runs on a text form cached per AS path array (interned attributes share
 * it), so a rule that does not match costs a few comparisons.
 * Input: PolicyMatch (config/schema.ts, canonical text). Output: Matcher[] for Rule.matchers.
 * Pure: no I/O, no clock.
 */
import { AsPathSegType } from '../../peers/wire/constants.js';
import { asPathLength } from '../../peers/wire/as-path.js';
import type { AsPathSegment, PathAttributes } from '../../peers/wire/types.js';
import { parseCidr } from '../../config/ip.js';
import { communityValue, largeCommunityValue, type PolicyMatch, type RouteSource } from '../../config/schema.js';
import { PrefixSet } from './prefix-set.js';
import type { Matcher, PolicyRoute } from './policy.js';

type Large = readonly [number, number, number];
const NO_SEGMENTS: readonly AsPathSegment[] = [];
const pathTexts = new WeakMap<readonly AsPathSegment[], string>();

/**
 * The AS path as text for regular expressions: AS_SEQUENCE "65001 65002", AS_SET "{65003,65004}",
 * AS_CONFED_SEQUENCE "(65010 65011)", AS_CONFED_SET "[65012,65013]", segments separated by a
 * space; an empty path is "". Cached per segment array.
 */
export function asPathText(segs: readonly AsPathSegment[] | undefined): string {
  if (segs === undefined || segs.length === 0) return '';
  let text = pathTexts.get(segs);
  if (text === undefined) {
    text = segs.map(segmentText).join(' ');
    pathTexts.set(segs, text);
  }
  return text;
}

function segmentText(seg: AsPathSegment): string {
  switch (seg.type) {
    case AsPathSegType.AsSet: return `{${seg.asns.join(',')}}`;
    case AsPathSegType.AsConfedSequence: return `(${seg.asns.join(' ')})`;
    case AsPathSegType.AsConfedSet: return `[${seg.asns.join(',')}]`;
    default: return seg.asns.join(' ');
  }
}

/**
 * RFC 6811 §2: the rightmost AS of the final segment when it is an AS_SEQUENCE; our own AS when
 * the path is empty or ends in a confederation segment; NONE (-1 here) when it ends in an AS_SET.
 */
export function originAs(segs: readonly AsPathSegment[] | undefined, localAsn: number): number {
  const last = segs === undefined || segs.length === 0 ? undefined : segs[segs.length - 1];
  if (last === undefined) return localAsn;
  if (last.type === AsPathSegType.AsSequence) return last.asns[last.asns.length - 1] ?? localAsn;
  if (last.type === AsPathSegType.AsConfedSequence || last.type === AsPathSegType.AsConfedSet) return localAsn;
  return -1;
}

export function routeSource(route: PolicyRoute): RouteSource {
  if (route.peer === undefined) return 'local';
  return route.peer.ebgp ? 'ebgp' : 'ibgp';
}

/**
 * A plain loop, not `includes`: community values above 2^31 are doubles, and passing one to a
 * builtin boxes it (one heap number per call, measured); compared inline they stay unboxed.
 */
function hasNumber(have: readonly number[], v: number): boolean {
  for (let j = 0; j < have.length; j++) if (have[j] === v) return true;
  return false;
}

function hasAnyNumber(have: readonly number[] | undefined, want: readonly number[]): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < want.length; i++) if (hasNumber(have, want[i] as number)) return true;
  return false;
}

function hasAllNumbers(have: readonly number[] | undefined, want: readonly number[]): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < want.length; i++) if (!hasNumber(have, want[i] as number)) return false;
  return true;
}

export function hasLarge(have: readonly Large[] | undefined, c: Large): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < have.length; i++) {
    const h = have[i] as Large;
    if (h[0] === c[0] && h[1] === c[1] && h[2] === c[2]) return true;
  }
  return false;
}

function hasAnyLarge(have: readonly Large[] | undefined, want: readonly Large[]): boolean {
  for (let i = 0; i < want.length; i++) if (hasLarge(have, want[i] as Large)) return true;
  return false;
}

function hasAllLarge(have: readonly Large[] | undefined, want: readonly Large[]): boolean {
  if (have === undefined) return false;
  for (let i = 0; i < want.length; i++) if (!hasLarge(have, want[i] as Large)) return false;
  return true;
}

function numbers(texts: readonly string[]): number[] {
  return texts.map((t) => communityValue(t) ?? -1);
}

function larges(texts: readonly string[]): Large[] {
  return texts.map((t) => largeCommunityValue(t) ?? [-1, -1, -1]);
}

/** CIDRs as "address inside" ranges (ge = len, le = the full length). */
function addressSet(cidrs: readonly string[]): PrefixSet {
  return new PrefixSet(cidrs.flatMap((text) => {
    const r = parseCidr(text);
    return r.ok ? [{ ...r.cidr, ge: r.cidr.len, le: r.cidr.bytes.length * 8 }] : [];
  }));
}

function prefixSetOf(texts: readonly string[]): PrefixSet {
  const set = PrefixSet.parse(texts);
  // Config validation has refused bad ranges; this only guards configs built in code.
  if (!(set instanceof PrefixSet)) throw new Error(`policy prefix: ${set.error}`);
  return set;
}

/** The conditions of one rule, in PolicyMatch key order; an empty match gives no conditions. */
export function compileMatch(m: PolicyMatch): Matcher[] {
  const out: Matcher[] = [];
  if (m.prefix) {
    const set = prefixSetOf(m.prefix);
    out.push((r) => set.matches(r.prefix));
  }
  if (m.community) {
    const want = numbers(m.community);
    out.push((_r, a) => hasAnyNumber(a.communities, want));
  }
  if (m.communityAll) {
    const want = numbers(m.communityAll);
    out.push((_r, a) => hasAllNumbers(a.communities, want));
  }
  if (m.largeCommunity) {
    const want = larges(m.largeCommunity);
    out.push((_r, a) => hasAnyLarge(a.largeCommunities, want));
  }
  if (m.largeCommunityAll) {
    const want = larges(m.largeCommunityAll);
    out.push((_r, a) => hasAllLarge(a.largeCommunities, want));
  }
  out.push(...pathMatchers(m));
  if (m.neighborAs) {
    const want = m.neighborAs;
    out.push((r) => r.peer !== undefined && hasNumber(want, r.peer.asn));
  }
  if (m.nextHop) {
    const set = addressSet(m.nextHop);
    out.push((r) => set.hasAddress(r.nextHop.global));
  }
  if (m.source) {
    const want = m.source;
    out.push((r) => want.includes(routeSource(r)));
  }
  return out;
}

function pathMatchers(m: PolicyMatch): Matcher[] {
  const out: Matcher[] = [];
  if (m.asPath !== undefined) {
    const re = new RegExp(m.asPath);
    out.push((_r, a: PathAttributes) => re.test(asPathText(a.asPath)));
  }
  if (m.originAs) {
    const want = m.originAs;
    out.push((_r, a, ctx) => hasNumber(want, originAs(a.asPath, ctx.localAsn)));
  }
  if (m.asPathMaxLength !== undefined) {
    const max = m.asPathMaxLength;
    out.push((_r, a) => asPathLength(a.asPath ?? NO_SEGMENTS) <= max);
  }
  return out;
}
