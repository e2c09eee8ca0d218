/** Routes, peers and contexts for the policy unit tests. */
import { Afi, AsPathSegType } from '../../../../peers/wire/constants.js';
import type { PathAttributes, Prefix } from '../../../../peers/wire/types.js';
import { parseIp } from '../../../../config/ip.js';
import { policyContext } from '../../../../daemon/policy/defaults.js';
import type { PolicyContext, PolicyPeer, PolicyRoute } from '../../../../daemon/policy/policy.js';

export const LOCAL_ASN = 65000;

export function prefix(text: string): Prefix {
  const [addr = '', len = '0'] = text.split('/');
  const ip = parseIp(addr);
  if (!ip) throw new Error(`bad test prefix ${text}`);
  return { afi: ip.family === 4 ? Afi.Ipv4 : Afi.Ipv6, addr: ip.bytes, len: Number(len) };
}

export const TOR: PolicyPeer = { name: 'tor-a', asn: 65101, ebgp: true };
export const RR: PolicyPeer = { name: 'rr-1', asn: LOCAL_ASN, ebgp: false };

export function route(p: string, attrs: PathAttributes = {}, opts: { nextHop?: string; peer?: PolicyPeer | null } = {}): PolicyRoute {
  const nh = opts.nextHop ?? '10.12.0.1';
  const peer = opts.peer === null ? undefined : (opts.peer ?? TOR);
  const base = { prefix: prefix(p), attrs, nextHop: { key: nh, global: parseIp(nh)?.bytes ?? new Uint8Array(4) } };
  return peer ? { ...base, peer } : base;
}

export function seq(...asns: number[]): PathAttributes['asPath'] {
  return [{ type: AsPathSegType.AsSequence, asns }];
}

export function ctx(hostAddresses: string[] = ['10.12.0.21', 'fd00:12::21'], own: string[] = ['10.244.21.0/24']): PolicyContext {
  return policyContext(LOCAL_ASN, hostAddresses, own);
}
