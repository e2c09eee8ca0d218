/**
 * A path as the control API shows it: next hop text, path id, attributes in operator form,
 * and whether it can be used (and why not). Pure.
 */
import { ipToString } from '../../peers/wire/ip.js';
import { formatAttrs, type AttrsJson } from './format.js';
import { Ineligible, type Path } from './path.js';

const WHY: Record<number, string> = {
  [Ineligible.NextHopUnreachable]: 'next hop unreachable',
  [Ineligible.AsLoop]: 'AS loop: our AS is in the AS path',
  [Ineligible.ReflectionLoop]: 'route reflection loop',
  [Ineligible.Rejected]: 'rejected by policy',
};

export interface PathJson {
  pathId?: number;
  /** MP_REACH next hop: "global" or "global link-local". IPv4 classic next hops are in attrs. */
  mpNextHop?: string;
  attrs: AttrsJson;
  ineligible?: string;
  stale?: boolean;
}

export function describePath(p: Path): PathJson {
  const out: PathJson = { attrs: formatAttrs(p.attrs.attrs) };
  if (p.pathId) out.pathId = p.pathId;
  const nh = p.nextHop;
  if (nh.global.length === 16 || !p.attrs.attrs.nextHop) {
    out.mpNextHop = nh.linkLocal ? `${ipToString(nh.global)} ${ipToString(nh.linkLocal)}` : ipToString(nh.global);
  }
  if (!p.eligible) out.ineligible = WHY[p.ineligible] ?? `ineligible (${p.ineligible})`;
  if (p.stale) out.stale = true;
  return out;
}
