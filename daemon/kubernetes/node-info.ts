/**
 * What rackroute reads from a core/v1 Node: name, labels, InternalIPs, spec.podCIDRs, and its
 * rackroute annotations (`rackroute.io/asn`, `rackroute.io/router-id`, `rackroute.io/peers`).
 * Input: a Node object as the API server sends it (JSON, untrusted: anything may be missing or
 * of the wrong type). Output: a NodeInfo with canonical addresses and CIDRs, plus the problems
 * found (a bad annotation is ignored and reported, never thrown). Pure.
 */
import { canonicalIp, formatCidr, parseCidr } from '../../config/ip.js';

export const ANNOTATION_ASN = 'rackroute.io/asn';
export const ANNOTATION_ROUTER_ID = 'rackroute.io/router-id';
/** JSON list of extra BGP peers for this node: [{"address": "10.0.0.1", "asn": 65000, "name"?: "tor"}]. */
export const ANNOTATION_PEERS = 'rackroute.io/peers';

export interface ExtraPeer {
  name?: string;
  address: string;
  asn: number;
}

export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  /** Canonical InternalIP addresses, in the order the Node lists them. */
  internalIps: string[];
  /** Canonical CIDRs from spec.podCIDRs (or the older spec.podCIDR). */
  podCidrs: string[];
  asn?: number;
  routerId?: string;
  extraPeers: ExtraPeer[];
  problems: string[];
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function strings(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

function asn(text: string): number | undefined {
  if (!/^[0-9]{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 0xffffffff && n !== 23456 ? n : undefined;
}

export function nodeInfo(raw: unknown): NodeInfo | null {
  const node = obj(raw);
  const meta = obj(node['metadata']);
  const name = meta['name'];
  if (typeof name !== 'string' || name === '') return null;
  const labels = strings(meta['labels']);
  const annotations = strings(meta['annotations']);
  const spec = obj(node['spec']);
  const status = obj(node['status']);
  const problems: string[] = [];
  const internalIps: string[] = [];
  for (const a of Array.isArray(status['addresses']) ? status['addresses'] : []) {
    const { type, address } = obj(a);
    if (type !== 'InternalIP' || typeof address !== 'string') continue;
    const ip = canonicalIp(address);
    if (ip && !internalIps.includes(ip)) internalIps.push(ip);
    else if (!ip) problems.push(`InternalIP '${address}' is not an IP address`);
  }
  const cidrTexts = Array.isArray(spec['podCIDRs']) ? spec['podCIDRs'] : typeof spec['podCIDR'] === 'string' ? [spec['podCIDR']] : [];
  const podCidrs: string[] = [];
  for (const c of cidrTexts) {
    const r = typeof c === 'string' ? parseCidr(c) : null;
    if (r?.ok) {
      const t = formatCidr(r.cidr);
      if (!podCidrs.includes(t)) podCidrs.push(t);
    } else problems.push(`spec.podCIDRs entry ${JSON.stringify(c)} is not a CIDR`);
  }
  const info: NodeInfo = { name, labels, internalIps, podCidrs, extraPeers: [], problems };
  const asText = annotations[ANNOTATION_ASN];
  if (asText !== undefined) {
    const n = asn(asText.trim());
    if (n === undefined) problems.push(`${ANNOTATION_ASN} '${asText}' is not an AS number (1..4294967295, not 23456)`);
    else info.asn = n;
  }
  const rid = annotations[ANNOTATION_ROUTER_ID];
  if (rid !== undefined) {
    const ip = canonicalIp(rid.trim());
    if (!ip || ip.includes(':') || ip === '0.0.0.0') problems.push(`${ANNOTATION_ROUTER_ID} '${rid}' is not a non-zero IPv4 address`);
    else info.routerId = ip;
  }
  const peers = annotations[ANNOTATION_PEERS];
  if (peers !== undefined) info.extraPeers = extraPeers(peers, problems);
  return info;
}

function extraPeers(text: string, problems: string[]): ExtraPeer[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    problems.push(`${ANNOTATION_PEERS} is not JSON (a list of {"address", "asn", "name"?})`);
    return [];
  }
  if (!Array.isArray(list)) {
    problems.push(`${ANNOTATION_PEERS} is not a list (a list of {"address", "asn", "name"?})`);
    return [];
  }
  const out: ExtraPeer[] = [];
  list.forEach((item, i) => {
    const e = obj(item);
    const address = typeof e['address'] === 'string' ? canonicalIp(e['address']) : undefined;
    const n = typeof e['asn'] === 'number' ? asn(String(e['asn'])) : typeof e['asn'] === 'string' ? asn(e['asn']) : undefined;
    const name = e['name'];
    if (!address || n === undefined) {
      problems.push(`${ANNOTATION_PEERS}[${i}] needs an IP "address" and an "asn" (1..4294967295)`);
      return;
    }
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(name))) {
      problems.push(`${ANNOTATION_PEERS}[${i}].name must be 1..64 letters, digits, . _ : -`);
      return;
    }
    out.push({ address, asn: n, ...(typeof name === 'string' ? { name } : {}) });
  });
  return out;
}
