/**
 * Route ownership: which Kubernetes node owns which pod CIDR (the Nodes' spec.podCIDRs), and
 * whether a received route for a pod CIDR really comes from that node. The node behind a route
 * is recognised by its next hop (one of the node's InternalIPs: iBGP mesh and route reflection
 * keep it, RFC 4456 §10), by ORIGINATOR_ID (RFC 4456 §8) or the BGP Identifier equal to the
 * node's router id, or by the origin AS when that AS belongs to exactly one node (eBGP fabrics
 * with a per-node ASN, where the ToR rewrites the next hop).
 * Input: the node list sent by the main thread (daemon/kubernetes/compose.ts), built into a
 * table once per change. Output: a verdict per route, used by the route engine's import.
 * Pure; runs on the route-engine thread, O(distinct CIDR lengths) per route.
 */
import { Afi } from '../../peers/wire/constants.js';
import type { Prefix } from '../../peers/wire/types.js';
import { parseIp, ipToString, u32ToIpv4 } from '../../peers/wire/ip.js';
import { formatKey, keyFromBytes, type PrefixKey } from '../rib/prefix-key.js';
import type { ValidationMode } from '../../config/schema.js';

/** One node as the engine needs it; plain data (crosses the worker boundary). */
export interface OwnerNode {
  name: string;
  /** Canonical CIDRs from spec.podCIDRs. */
  podCidrs: readonly string[];
  /** Canonical InternalIPs (and any other address the node speaks BGP from). */
  addresses: readonly string[];
  /** Dotted-quad BGP identifiers the node uses. */
  routerIds: readonly string[];
  asn?: number;
}

export interface OwnershipSpec {
  mode: ValidationMode;
  nodes: readonly OwnerNode[];
  /** node.podNetworks: a route inside them that no node owns is a violation too. */
  podNetworks: readonly string[];
}

/** What is known of where a route came from. */
export interface RouteOrigin {
  nextHop: Uint8Array;
  /** RFC 4456 ORIGINATOR_ID, as u32. */
  originatorId?: number;
  /** The BGP Identifier of the session the route came over, as u32. */
  peerRouterId: number;
  /** The last AS of AS_PATH (RFC 6811 §2); undefined for an empty path. */
  originAs?: number;
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const OK: Verdict = { ok: true };

export class OwnershipTable {
  readonly mode: ValidationMode;
  private readonly byCidr = new Map<PrefixKey, OwnerNode>();
  /** Distinct node CIDR lengths per family, longest first. */
  private readonly lengths: Record<number, number[]> = { [Afi.Ipv4]: [], [Afi.Ipv6]: [] };
  private readonly byAddress = new Map<string, OwnerNode>();
  private readonly byRouterId = new Map<string, OwnerNode>();
  private readonly byAsn = new Map<number, OwnerNode | null>();
  private readonly podNetworks: { afi: Afi; key: PrefixKey; len: number }[] = [];

  constructor(spec: OwnershipSpec) {
    this.mode = spec.mode;
    for (const n of spec.nodes) {
      for (const c of n.podCidrs) {
        const p = cidr(c);
        if (!p) continue;
        this.byCidr.set(keyFromBytes(p.afi, p.addr, 0, p.len), n);
        const ls = this.lengths[p.afi] as number[];
        if (!ls.includes(p.len)) ls.push(p.len);
      }
      for (const a of n.addresses) this.byAddress.set(a, n);
      for (const r of n.routerIds) this.byRouterId.set(r, n);
      // An AS shared by several nodes says nothing about which one announced a route.
      if (n.asn !== undefined) this.byAsn.set(n.asn, this.byAsn.has(n.asn) ? null : n);
    }
    for (const ls of Object.values(this.lengths)) ls.sort((a, b) => b - a);
    for (const c of spec.podNetworks) {
      const p = cidr(c);
      if (p) this.podNetworks.push({ afi: p.afi, key: keyFromBytes(p.afi, p.addr, 0, p.len), len: p.len });
    }
  }

  get active(): boolean {
    return this.mode !== 'off';
  }

  /** The node whose pod CIDR covers (or equals) the prefix, if any. */
  ownerOf(p: Prefix): OwnerNode | undefined {
    for (const len of this.lengths[p.afi] ?? []) {
      if (len > p.len) continue;
      const n = this.byCidr.get(keyFromBytes(p.afi, p.addr, 0, len));
      if (n) return n;
    }
    return undefined;
  }

  /** Whether the route is announced by the node that owns its prefix (ok when not a pod route). */
  check(p: Prefix, from: RouteOrigin): Verdict {
    if (this.mode === 'off') return OK;
    const owner = this.ownerOf(p);
    // Text only for a verdict that needs it: most routes of a big table are not pod routes.
    const text = (): string => formatKey(keyFromBytes(p.afi, p.addr, 0, p.len));
    if (!owner) {
      const inPods = this.podNetworks.some((n) => n.afi === p.afi && n.len <= p.len && keyFromBytes(p.afi, p.addr, 0, n.len) === n.key);
      return inPods ? { ok: false, reason: `no Kubernetes node owns ${text()} (inside the pod networks, in no Node's spec.podCIDRs)` } : OK;
    }
    const nh = ipToString(from.nextHop);
    const claimants: { node: OwnerNode; by: string }[] = [];
    const byNh = this.byAddress.get(nh);
    if (byNh) claimants.push({ node: byNh, by: `next hop ${nh}` });
    if (from.originatorId !== undefined) {
      const byOid = this.byRouterId.get(u32ToIpv4(from.originatorId));
      if (byOid) claimants.push({ node: byOid, by: `originator id ${u32ToIpv4(from.originatorId)}` });
    }
    const byRid = this.byRouterId.get(u32ToIpv4(from.peerRouterId));
    if (byRid && from.originatorId === undefined) claimants.push({ node: byRid, by: `router id ${u32ToIpv4(from.peerRouterId)}` });
    if (from.originAs !== undefined) {
      const byAs = this.byAsn.get(from.originAs);
      if (byAs) claimants.push({ node: byAs, by: `origin AS ${from.originAs}` });
    }
    if (claimants.some((c) => c.node === owner)) return OK;
    const other = claimants[0];
    if (other) return { ok: false, reason: `${text()} belongs to node ${owner.name}, announced by node ${other.node.name} (${other.by})` };
    return { ok: false, reason: `${text()} belongs to node ${owner.name}; next hop ${nh} is not one of its addresses and nothing else names it` };
  }
}

function cidr(text: string): Prefix | undefined {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  const len = Number(text.slice(slash + 1));
  if (!addr || slash < 0 || !Number.isInteger(len) || len < 0 || len > addr.length * 8) return undefined;
  return { afi: addr.length === 4 ? Afi.Ipv4 : Afi.Ipv6, len, addr };
}
