/**
 * What one peer is told about one best path: RFC 4271 §9.1.3 / §5.1 export rules and RFC 4456
 * route reflection, applied to a Loc-RIB winner before export policy. Returns the attribute set
 * to advertise (interned per source attribute set and target class, so the packer can group
 * prefixes by object identity) or null when the path must not go to that peer.
 * Input: a Path (daemon/rib/path.ts) and the target peer's export view; output: PathAttributes.
 * Pure: no I/O.
 */
import type { PathAttributes } from '../../peers/wire/types.js';
import { AsPathSegType } from '../../peers/wire/constants.js';
import type { Path, PeerRef } from './path.js';

/** RFC 1997 §3 well-known communities. */
export const NO_EXPORT = 0xffffff01;
export const NO_ADVERTISE = 0xffffff02;
export const NO_EXPORT_SUBCONFED = 0xffffff03;

export interface ExportTarget {
  readonly peer: PeerRef;
  /** iBGP only: rewrite the next hop to ourselves (eBGP always does, RFC 4271 §5.1.3). */
  readonly nextHopSelf?: boolean;
}

export interface LocalSpeaker {
  readonly asn: number;
  readonly routerId: number;
  /** RFC 4456 §7: CLUSTER_ID, default the router id. */
  readonly clusterId: number;
}

/** The attributes to advertise; `nextHopSelf` tells the encoder to put our address in. */
export interface Advertisement {
  readonly attrs: PathAttributes;
  readonly nextHopSelf: boolean;
}

/** Why a path is not exported to a peer (for `rackroute routes --advertised` and tests). */
export type NotExported = 'source-peer' | 'no-advertise' | 'no-export' | 'ibgp-split-horizon';

const cache = new WeakMap<PathAttributes, Map<string, Advertisement>>();

export function exportPath(path: Path, to: ExportTarget, local: LocalSpeaker): Advertisement | NotExported {
  const from = path.peer;
  if (from.id === to.peer.id) return 'source-peer';
  const comms = path.attrs.attrs.communities ?? [];
  // RFC 1997 §3: NO_ADVERTISE goes to nobody; NO_EXPORT(_SUBCONFED) stays inside the AS.
  if (comms.includes(NO_ADVERTISE)) return 'no-advertise';
  if (to.peer.ebgp && (comms.includes(NO_EXPORT) || comms.includes(NO_EXPORT_SUBCONFED))) return 'no-export';
  const reflect = !from.ebgp && from.id !== LOCAL_PEER_ID && !to.peer.ebgp;
  // RFC 4271 §9.2: iBGP-learned routes are not re-advertised to iBGP peers, except by a route
  // reflector (RFC 4456 §6): from a client to everyone, from a non-client to clients only.
  if (reflect && !from.rrClient && !to.peer.rrClient) return 'ibgp-split-horizon';
  const cls = to.peer.ebgp ? 'e' : reflect ? 'r' : to.nextHopSelf ? 'is' : 'i';
  const key = `${cls}|${local.asn}|${from.ebgp ? 'e' : 'i'}|${reflect ? from.routerId : ''}`;
  let byTarget = cache.get(path.attrs.attrs);
  if (!byTarget) {
    byTarget = new Map();
    cache.set(path.attrs.attrs, byTarget);
  }
  let ad = byTarget.get(key);
  if (!ad) {
    ad = build(path, to, local, reflect);
    byTarget.set(key, ad);
  }
  return ad;
}

/** Locally originated paths come from this pseudo-peer id. */
export const LOCAL_PEER_ID = 0;

function build(path: Path, to: ExportTarget, local: LocalSpeaker, reflect: boolean): Advertisement {
  const a = path.attrs.attrs;
  // Attributes we do not understand are never passed on (research/reliability.md §1.2,
  // "attribute escape"); everything else is rebuilt field by field.
  const out: PathAttributes = {};
  if (a.origin !== undefined) out.origin = a.origin;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (a.aggregator) out.aggregator = a.aggregator;
  if (a.communities) out.communities = a.communities;
  if (a.extCommunities) out.extCommunities = a.extCommunities;
  if (a.largeCommunities) out.largeCommunities = a.largeCommunities;
  if (to.peer.ebgp) {
    // RFC 4271 §5.1.2: prepend our AS; §5.1.4: a MED learned from another AS is not passed to a
    // third; §5.1.5: no LOCAL_PREF to eBGP; RFC 4456 §8: reflection attributes stay inside.
    out.asPath = prepend(a.asPath ?? [], local.asn);
    if (path.peer.id === LOCAL_PEER_ID && a.med !== undefined) out.med = a.med;
    if (a.otc !== undefined) out.otc = a.otc;
    return { attrs: out, nextHopSelf: true };
  }
  out.asPath = a.asPath ?? [];
  out.localPref = a.localPref ?? 100;
  if (a.med !== undefined) out.med = a.med;
  if (a.otc !== undefined) out.otc = a.otc;
  if (reflect) {
    // RFC 4456 §8: ORIGINATOR_ID is the route's first iBGP speaker; prepend our CLUSTER_ID.
    out.originatorId = a.originatorId ?? path.peer.routerId;
    out.clusterList = [local.clusterId, ...(a.clusterList ?? [])];
  }
  // RFC 4271 §5.1.3: the next hop is kept towards iBGP unless we originate the route or the
  // peer is configured with next-hop-self (a node whose eBGP next hops are not reachable
  // from the rest of the cluster).
  const self = path.peer.id === LOCAL_PEER_ID || (!reflect && to.nextHopSelf === true);
  if (!self && a.nextHop) out.nextHop = a.nextHop;
  return { attrs: out, nextHopSelf: self };
}

/** RFC 4271 §5.1.2: our AS goes first, into the leading AS_SEQUENCE when it has room. */
export function prepend(segs: PathAttributes['asPath'] & object, asn: number, times = 1): NonNullable<PathAttributes['asPath']> {
  const add = new Array<number>(times).fill(asn);
  const first = segs[0];
  if (first && first.type === AsPathSegType.AsSequence && first.asns.length + times <= 255)
    return [{ type: AsPathSegType.AsSequence, asns: [...add, ...first.asns] }, ...segs.slice(1)];
  return [{ type: AsPathSegType.AsSequence, asns: add }, ...segs];
}
