/**
 * The built-in `defaults` policies, used for every peer whose config names no import or export
 * policy. RFC 8212 §2: an eBGP session without configured policy must not import or export
 * everything; here it gets these narrow defaults instead (a node's job is pod routes only).
 *
 * Import (reliability.md §5.3), in this order:
 *   1. never a default route (0.0.0.0/0, ::/0);
 *   2. never a prefix that covers one of this node's own addresses (would hijack the host);
 *   3. never this node's own prefixes or anything inside them (would hijack its pods);
 *   4. accept pod routes: inside a `node.podNetworks` entry, as long as or longer than it and at
 *      most /28 (IPv4) or /124 (IPv6) — POD_ROUTE_MAX_LEN;
 *   then reject (also everything when podNetworks is empty).
 * Export:
 *   1. accept what this node originates (routes without a source peer);
 *   2. with `node.exportLearned` (route reflector / transit node), also learned routes that the
 *      default import would accept (pod routes, no default route);
 *   then reject.
 * Input: podNetworks / exportLearned from the config; run-time facts come in PolicyContext.
 * Output: Policy values for compile.ts, and helpers to build the PolicyContext. Pure.
 */
import { parseCidr, parseIp } from '../../config/ip.js';
import { DEFAULT_POLICY, POD_ROUTE_MAX_LEN } from '../../config/schema.js';
import type { Prefix } from '../../peers/wire/types.js';
import { makeRule, type Matcher, type Policy, type PolicyContext, type PolicyRoute } from './policy.js';
import { PrefixSet, sameLeadingBits } from './prefix-set.js';
import type { PrefixRange } from '../../config/prefix-range.js';

export interface DefaultsConfig {
  readonly podNetworks: readonly string[];
  readonly exportLearned: boolean;
}

/** Each pod network as a range: ge its own length, le POD_ROUTE_MAX_LEN of its family. */
export function podRouteSet(podNetworks: readonly string[]): PrefixSet {
  const ranges: PrefixRange[] = [];
  for (const text of podNetworks) {
    const r = parseCidr(text);
    const max = r.ok ? POD_ROUTE_MAX_LEN[r.cidr.family] : 0;
    if (r.ok && r.cidr.len <= max) ranges.push({ ...r.cidr, ge: r.cidr.len, le: max });
  }
  return new PrefixSet(ranges);
}

/** This node's prefixes and everything more specific: for PolicyContext.ownPrefixes. */
export function ownPrefixSet(prefixes: readonly (string | Prefix)[]): PrefixSet {
  const ranges: PrefixRange[] = [];
  for (const p of prefixes) {
    if (typeof p === 'string') {
      const r = parseCidr(p);
      if (r.ok) ranges.push({ ...r.cidr, ge: r.cidr.len, le: r.cidr.bytes.length * 8 });
    } else {
      const family = p.addr.length === 4 ? 4 : 6;
      ranges.push({ family, bytes: p.addr, len: p.len, ge: p.len, le: p.addr.length * 8 });
    }
  }
  return new PrefixSet(ranges);
}

/** A PolicyContext from text (config, kernel addresses as strings); bad entries are skipped. */
export function policyContext(localAsn: number, hostAddresses: readonly string[], ownPrefixes: readonly (string | Prefix)[]): PolicyContext {
  const hosts = hostAddresses.map((a) => parseIp(a)?.bytes).filter((b): b is Uint8Array => b !== undefined);
  return { localAsn, hostAddresses: hosts, ownPrefixes: ownPrefixSet(ownPrefixes) };
}

const isDefaultRoute: Matcher = (r) => r.prefix.len === 0;

/** The prefix contains one of this node's addresses (same family). */
const coversHostAddress: Matcher = (r, _a, ctx) => {
  const hosts = ctx.hostAddresses;
  const addr = r.prefix.addr;
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i] as Uint8Array;
    if (h.length === addr.length && sameLeadingBits(h, addr, r.prefix.len)) return true;
  }
  return false;
};

const isOwnPrefix: Matcher = (r, _a, ctx) => ctx.ownPrefixes.matches(r.prefix);

const isLocal: Matcher = (r: PolicyRoute) => r.peer === undefined;

export function defaultImportPolicy(cfg: DefaultsConfig): Policy {
  const pods = podRouteSet(cfg.podNetworks);
  const label = (what: string): string => `${DEFAULT_POLICY} (${what})`;
  return {
    name: DEFAULT_POLICY,
    rules: [
      makeRule(label('default route'), [isDefaultRoute], 'reject'),
      makeRule(label("covers this node's address"), [coversHostAddress], 'reject'),
      makeRule(label("this node's own prefix"), [isOwnPrefix], 'reject'),
      makeRule(label('pod route inside node.podNetworks'), [(r) => pods.matches(r.prefix)], 'accept'),
    ],
    defaultAction: 'reject',
    defaultReason: `${label('not a pod route inside node.podNetworks')}: reject`,
  };
}

export function defaultExportPolicy(cfg: DefaultsConfig): Policy {
  const pods = podRouteSet(cfg.podNetworks);
  const label = (what: string): string => `${DEFAULT_POLICY} (${what})`;
  const rules = [makeRule(label('originated by this node'), [isLocal], 'accept')];
  if (cfg.exportLearned) {
    rules.push(makeRule(label('learned pod route, node.exportLearned'), [(r) => r.prefix.len > 0 && pods.matches(r.prefix)], 'accept'));
  }
  const why = cfg.exportLearned ? 'learned, not a pod route' : 'learned route; node.exportLearned is off';
  return { name: DEFAULT_POLICY, rules, defaultAction: 'reject', defaultReason: `${label(why)}: reject` };
}
