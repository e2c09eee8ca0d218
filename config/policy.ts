/**
 * Reads the top-level `policies:` mapping (name -> list of rules, each `match` + `then`) and
 * the per-peer policy references and `maxPrefix`. Values come back in canonical text (prefix
 * ranges in FRR form, CIDRs, communities as written); regular expressions are compiled once
 * here so a bad one is reported at its line. References between peers and policies are
 * checked in validate.ts. Input: Vals from sections.ts / peer.ts. Output: PolicyConfig,
 * string[] and MaxPrefixConfig values. Pure: no I/O.
 */
import { isScalar } from 'yaml';
import { formatCidr, parseCidr, parseIp } from './ip.js';
import { canonicalPrefixRange, parsePrefixRange, PREFIX_RANGE_ALLOWED } from './prefix-range.js';
import {
  fail, optional, readEnum, readInt, readList, readMap, readNamedEntries, readOneOrMany, readString, required,
  type Ctx, type Val,
} from './reader.js';
import {
  DEFAULT_POLICY, KEYS, MAX_PREFIX_WARNING_DEFAULT, ROUTE_SOURCES, RULE_ACTIONS,
  type MaxPrefixConfig, type PolicyConfig, type PolicyMatch, type PolicyRule, type PolicyThen,
} from './schema.js';
import { ASN_ALLOWED, isAsn, readCommunity, readLargeCommunity } from './values.js';

export const POLICY_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
export const POLICY_NAME_ALLOWED = 'policy name: 1..64 letters, digits, _ and -, starting with a letter';
const U32 = (n: number): boolean => n >= 0 && n <= 0xffffffff;

export function readPolicies(ctx: Ctx, v: Val): PolicyConfig[] {
  // An empty `policies:` means none.
  if (v.node === null || (isScalar(v.node) && v.node.value === null)) return [];
  const entries = readNamedEntries(ctx, v, 'policy names to lists of rules', POLICY_NAME_ALLOWED, (n) => POLICY_NAME.test(n));
  const out: PolicyConfig[] = [];
  for (const { name, value } of entries ?? []) {
    if (name === DEFAULT_POLICY) {
      fail(ctx, value, `${DEFAULT_POLICY} is the built-in policy (choose another name)`);
      continue;
    }
    out.push({ name, rules: readRules(ctx, value) });
  }
  return out;
}

function readRules(ctx: Ctx, v: Val): PolicyRule[] {
  const items = readList(ctx, v, 'rules, each a mapping with match and then');
  if (!items) return [];
  if (items.length === 0) {
    fail(ctx, v, 'empty list is not allowed (one or more rules, e.g. - then: {action: reject})');
    return [];
  }
  return items.map((item) => readRule(ctx, item));
}

function readRule(ctx: Ctx, v: Val): PolicyRule {
  const rule: PolicyRule = { match: {}, then: { action: 'reject' } };
  const e = readMap(ctx, v, KEYS.rule);
  if (!e) return rule;
  rule.match = optional(e, 'match', (x) => readMatch(ctx, x), {});
  const thenAllowed = `a mapping with action (${RULE_ACTIONS.join(', ')}) and optional changes`;
  rule.then = required(ctx, v, e, 'then', thenAllowed, (x) => readThen(ctx, x)) ?? rule.then;
  return rule;
}

/** Sets `out[key]` from `e` when the key is present and its value valid. */
function setFrom<T extends object, K extends keyof T & string>(
  e: Map<string, Val>, out: T, key: K, read: (v: Val) => T[K] | undefined,
): void {
  const v = e.get(key);
  const value = v && read(v);
  if (value !== undefined) out[key] = value;
}

function readMatch(ctx: Ctx, v: Val): PolicyMatch | undefined {
  if (v.node === null || (isScalar(v.node) && v.node.value === null)) return {};
  const e = readMap(ctx, v, KEYS.match);
  if (!e) return undefined;
  const m: PolicyMatch = {};
  const many = <T>(allowed: string, read: (item: Val) => T | undefined) => (x: Val) => dedupe(readOneOrMany(ctx, x, allowed, read));
  const asn = (item: Val): number | undefined => readInt(ctx, item, isAsn, ASN_ALLOWED);
  setFrom(e, m, 'prefix', many(PREFIX_RANGE_ALLOWED, (x) => readPrefixRange(ctx, x)));
  setFrom(e, m, 'community', many('communities', (x) => readCommunity(ctx, x)));
  setFrom(e, m, 'communityAll', many('communities', (x) => readCommunity(ctx, x)));
  setFrom(e, m, 'largeCommunity', many('large communities', (x) => readLargeCommunity(ctx, x)));
  setFrom(e, m, 'largeCommunityAll', many('large communities', (x) => readLargeCommunity(ctx, x)));
  setFrom(e, m, 'asPath', (x) => readRegex(ctx, x));
  setFrom(e, m, 'originAs', many(ASN_ALLOWED, asn));
  setFrom(e, m, 'asPathMaxLength', (x) => readInt(ctx, x, (n) => n >= 0 && n <= 65535, '0..65535'));
  setFrom(e, m, 'neighborAs', many(ASN_ALLOWED, asn));
  setFrom(e, m, 'nextHop', many('CIDR prefixes or addresses', (x) => readAddressRange(ctx, x)));
  // Kept in ROUTE_SOURCES order, like families: the order means nothing.
  setFrom(e, m, 'source', (x) => {
    const got = many(ROUTE_SOURCES.join(', '), (y) => readEnum(ctx, y, ROUTE_SOURCES))(x);
    return got && ROUTE_SOURCES.filter((s) => got.includes(s));
  });
  return m;
}

function readThen(ctx: Ctx, v: Val): PolicyThen | undefined {
  const e = readMap(ctx, v, KEYS.then);
  if (!e) return undefined;
  const action = required(ctx, v, e, 'action', RULE_ACTIONS.join(', '), (x) => readEnum(ctx, x, RULE_ACTIONS));
  const t: PolicyThen = { action: action ?? 'reject' };
  const many = (allowed: string, read: (item: Val) => string | undefined) => (x: Val) => dedupe(readOneOrMany(ctx, x, allowed, read));
  setFrom(e, t, 'localPref', (x) => readInt(ctx, x, U32, '0..4294967295'));
  setFrom(e, t, 'med', (x) => readInt(ctx, x, U32, '0..4294967295'));
  setFrom(e, t, 'addCommunities', many('communities', (x) => readCommunity(ctx, x)));
  setFrom(e, t, 'removeCommunities', many('communities', (x) => readCommunity(ctx, x)));
  setFrom(e, t, 'addLargeCommunities', many('large communities', (x) => readLargeCommunity(ctx, x)));
  setFrom(e, t, 'removeLargeCommunities', many('large communities', (x) => readLargeCommunity(ctx, x)));
  setFrom(e, t, 'prepend', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 16, '1..16'));
  if (action === 'reject' && Object.keys(t).length > 1) {
    fail(ctx, v, 'changes with action reject are never applied (only action: reject, or accept / continue with changes)');
  }
  return t;
}

function dedupe<T>(values: T[] | undefined): T[] | undefined {
  return values && [...new Set(values)];
}

function readPrefixRange(ctx: Ctx, v: Val): string | undefined {
  const s = readString(ctx, v, PREFIX_RANGE_ALLOWED);
  if (s === undefined) return undefined;
  const r = parsePrefixRange(s);
  return r.ok ? canonicalPrefixRange(s) : fail(ctx, v, r.message);
}

/** A CIDR, or a single address taken as /32 or /128. */
function readAddressRange(ctx: Ctx, v: Val): string | undefined {
  const allowed = 'CIDR prefix or address, e.g. 10.12.0.0/24 or fd00:12::1';
  const s = readString(ctx, v, allowed);
  if (s === undefined) return undefined;
  const addr = parseIp(s);
  const r = parseCidr(addr ? `${s}/${addr.bytes.length * 8}` : s);
  if (r.ok) return formatCidr(r.cidr);
  if (r.reason === 'host-bits') return fail(ctx, v, `${JSON.stringify(s)} has host bits set (a network address: all bits after the prefix length zero)`);
  return fail(ctx, v, `${JSON.stringify(s)} is not allowed (${allowed})`);
}

function readRegex(ctx: Ctx, v: Val): string | undefined {
  const allowed = 'a regular expression over the AS path text, e.g. "^65001 " or "(^| )65002$"';
  const s = readString(ctx, v, allowed);
  if (s === undefined) return undefined;
  try {
    new RegExp(s);
    return s;
  } catch (err) {
    const why = err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
    return fail(ctx, v, `${JSON.stringify(s)} is not a valid regular expression: ${why} (${allowed})`);
  }
}

/** `import:` / `export:` — one policy name or a list. Repeats and existence are checked in validate.ts. */
export function readPolicyRefs(ctx: Ctx, v: Val): string[] | undefined {
  const allowed = `policy names from policies, or ${DEFAULT_POLICY}`;
  return readOneOrMany(ctx, v, allowed, (item) =>
    readString(ctx, item, `${POLICY_NAME_ALLOWED}, or ${DEFAULT_POLICY}`, (s) => POLICY_NAME.test(s)));
}

export function readMaxPrefix(ctx: Ctx, v: Val): MaxPrefixConfig | undefined {
  const e = readMap(ctx, v, KEYS.maxPrefix);
  if (!e) return undefined;
  // RFC 4486 §4: the upper bound is sent as a 4-octet number.
  const limit = required(ctx, v, e, 'limit', '1..4294967295', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 0xffffffff, '1..4294967295'));
  const out: MaxPrefixConfig = {
    limit: limit ?? 1,
    warningPercent: optional(e, 'warningPercent', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 100, '1..100'), MAX_PREFIX_WARNING_DEFAULT),
  };
  setFrom(e, out, 'restartAfter', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 86400, '1..86400 seconds'));
  return out;
}
