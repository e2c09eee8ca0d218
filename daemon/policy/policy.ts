/**
 * The policy evaluator: a compiled Policy is an ordered list of rules, each a list of
 * conditions (all must hold), an action and attribute changes. The first rule that matches
 * and decides (accept / reject) wins; a `continue` rule applies its changes and evaluation goes
 * on; when no rule decides, the policy's default action applies. Import policy runs on every
 * route received (route engine, after Adj-RIB-In), export policy on every best path per
 * peer, so:
 *   - conditions are closures built once (compile.ts, defaults.ts) and must not allocate;
 *   - the result carries the very same `attrs` object when no change took effect, because the
 *     engine interns attribute sets by identity.
 * Input: a Policy, a route (prefix, attributes, next hop, source peer) and the node context.
 * Output: accept or reject, the attributes to use, and a reason for logs and the CLI.
 * Pure: no I/O, no clock; never throws.
 */
import type { Prefix, PathAttributes } from '../../peers/wire/types.js';
import type { RuleAction } from '../../config/schema.js';
import type { PrefixSet } from './prefix-set.js';

/** The peer a route was learned from (one object per session). */
export interface PolicyPeer {
  readonly name: string;
  readonly asn: number;
  readonly ebgp: boolean;
}

/** Structurally the route engine's NextHop (daemon/rib/path.ts): pass it as is. */
export interface PolicyNextHop {
  /** Text form, e.g. "10.12.0.1" or "fd00:12::1%fe80::1". */
  readonly key: string;
  /** 4 or 16 bytes. */
  readonly global: Uint8Array;
}

export interface PolicyRoute {
  readonly prefix: Prefix;
  readonly attrs: PathAttributes;
  readonly nextHop: PolicyNextHop;
  /** Undefined for a route this node originates (config `originate`, Kubernetes pod CIDRs). */
  readonly peer?: PolicyPeer;
}

/** Node facts that change at run time, kept out of the compiled policies. */
export interface PolicyContext {
  /** This node's AS: prepended by `prepend`, and the origin AS of an empty AS path. */
  readonly localAsn: number;
  /** This node's own interface addresses (4 or 16 bytes each), from the kernel edge. */
  readonly hostAddresses: readonly Uint8Array[];
  /** This node's own prefixes and everything inside them (defaults.ts ownPrefixSet). */
  readonly ownPrefixes: PrefixSet;
}

/** One condition. `attrs` are the route's attributes as changed by earlier `continue` rules. */
export type Matcher = (route: PolicyRoute, attrs: PathAttributes, ctx: PolicyContext) => boolean;

/** One change; returns `attrs` itself when the change would not alter anything. */
export type Modifier = (attrs: PathAttributes, ctx: PolicyContext) => PathAttributes;

export interface Rule {
  /** Names the rule in reasons, e.g. "tor-in rule 2". */
  readonly label: string;
  readonly matchers: readonly Matcher[];
  readonly action: RuleAction;
  readonly modifiers: readonly Modifier[];
  /** `${label}: accept` / `: reject`, built once. */
  readonly reason: string;
}

export interface Policy {
  /** The chain's name, e.g. "tor-in" or "tag-tor+defaults". */
  readonly name: string;
  readonly rules: readonly Rule[];
  /** When no rule decides. Chains from config always end in reject (RFC 8212 spirit). */
  readonly defaultAction: 'accept' | 'reject';
  readonly defaultReason: string;
}

export interface PolicyResult {
  readonly accept: boolean;
  /** The attributes to store / send: `route.attrs` itself when nothing changed (and on reject). */
  readonly attrs: PathAttributes;
  /** Which rule decided, or why the default applied. */
  readonly reason?: string;
}

export function makeRule(label: string, matchers: readonly Matcher[], action: RuleAction, modifiers: readonly Modifier[] = []): Rule {
  return { label, matchers, action, modifiers, reason: `${label}: ${action}` };
}

function matchesAll(ms: readonly Matcher[], route: PolicyRoute, attrs: PathAttributes, ctx: PolicyContext): boolean {
  for (let i = 0; i < ms.length; i++) if (!(ms[i] as Matcher)(route, attrs, ctx)) return false;
  return true;
}

function applyAll(mods: readonly Modifier[], attrs: PathAttributes, ctx: PolicyContext): PathAttributes {
  let out = attrs;
  for (let i = 0; i < mods.length; i++) out = (mods[i] as Modifier)(out, ctx);
  return out;
}

export function evaluate(policy: Policy, route: PolicyRoute, ctx: PolicyContext): PolicyResult {
  let attrs = route.attrs;
  const rules = policy.rules;
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i] as Rule;
    if (!matchesAll(rule.matchers, route, attrs, ctx)) continue;
    // A rejected route keeps nothing of what earlier `continue` rules changed.
    if (rule.action === 'reject') return { accept: false, attrs: route.attrs, reason: rule.reason };
    attrs = applyAll(rule.modifiers, attrs, ctx);
    if (rule.action === 'accept') return { accept: true, attrs, reason: rule.reason };
  }
  if (policy.defaultAction === 'reject') return { accept: false, attrs: route.attrs, reason: policy.defaultReason };
  return { accept: true, attrs, reason: policy.defaultReason };
}

/**
 * Policies run one after the other as one rule list: the first deciding rule of any of them
 * wins; the last one's default applies when none decides.
 */
export function chainPolicies(parts: readonly Policy[]): Policy {
  const last = parts[parts.length - 1];
  return {
    name: parts.map((p) => p.name).join('+'),
    rules: parts.flatMap((p) => p.rules),
    defaultAction: last?.defaultAction ?? 'reject',
    defaultReason: last?.defaultReason ?? 'empty policy chain: reject',
  };
}
