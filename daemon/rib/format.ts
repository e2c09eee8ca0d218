/**
 * Path attributes as JSON for the control API and the CLI: the same names and text forms
 * BIRD/FRR/GoBGP operators read (communities "65000:1", large "65000:1:2", AS path as numbers).
 * Pure.
 */
import type { PathAttributes, AsPathSegment } from '../../peers/wire/types.js';
import { ipToString, u32ToIpv4 } from '../../peers/wire/ip.js';

const ORIGIN_NAMES = ['igp', 'egp', 'incomplete'] as const;

export interface AttrsJson {
  origin?: string;
  asPath?: string;
  asPathSegments?: { type: string; asns: number[] }[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: string;
  communities?: string[];
  originatorId?: string;
  clusterList?: string[];
  extCommunities?: string[];
  largeCommunities?: string[];
  otc?: number;
  unknown?: { type: number; flags: number; hex: string }[];
}

const SEG_NAMES: Record<number, string> = { 1: 'set', 2: 'sequence', 3: 'confed-sequence', 4: 'confed-set' };

export function asPathText(segs: readonly AsPathSegment[]): string {
  return segs
    .map((s) => (s.type === 2 ? s.asns.join(' ') : s.type === 1 ? `{${s.asns.join(' ')}}` : `(${s.asns.join(' ')})`))
    .join(' ');
}

export function communityText(c: number): string {
  return `${c >>> 16}:${c & 0xffff}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

export function formatAttrs(a: PathAttributes): AttrsJson {
  const j: AttrsJson = {};
  if (a.origin !== undefined) j.origin = ORIGIN_NAMES[a.origin] ?? String(a.origin);
  if (a.asPath) {
    j.asPath = asPathText(a.asPath);
    j.asPathSegments = a.asPath.map((s) => ({ type: SEG_NAMES[s.type] ?? String(s.type), asns: [...s.asns] }));
  }
  if (a.nextHop) j.nextHop = ipToString(a.nextHop);
  if (a.med !== undefined) j.med = a.med;
  if (a.localPref !== undefined) j.localPref = a.localPref;
  if (a.atomicAggregate) j.atomicAggregate = true;
  if (a.aggregator) j.aggregator = `${a.aggregator.asn} ${u32ToIpv4(a.aggregator.address)}`;
  if (a.communities) j.communities = a.communities.map(communityText);
  if (a.originatorId !== undefined) j.originatorId = u32ToIpv4(a.originatorId);
  if (a.clusterList) j.clusterList = a.clusterList.map(u32ToIpv4);
  if (a.extCommunities) j.extCommunities = a.extCommunities.map(hex);
  if (a.largeCommunities) j.largeCommunities = a.largeCommunities.map(([g, l1, l2]) => `${g}:${l1}:${l2}`);
  if (a.otc !== undefined) j.otc = a.otc;
  if (a.unknown) j.unknown = a.unknown.map((u) => ({ type: u.type, flags: u.flags, hex: hex(u.value) }));
  return j;
}

/** A stable identity string for interning attribute sets (same attrs -> same key). */
export function attrsKey(a: PathAttributes): string {
  return JSON.stringify(formatAttrs(a));
}
