/**
 * Builders for Loc-RIB / decision-process tests: peers and paths from a few readable fields.
 * Attribute sets and next hops are interned per builder instance, as the engine would.
 */
import type { PathAttributes } from '../../../../peers/wire/types.js';
import { parseIp } from '../../../../peers/wire/ip.js';
import { AttrSetCache, NextHopTable, Path, type Ineligible, type PeerRef } from '../../../../daemon/rib/path.js';

export function ip(text: string): Uint8Array {
  const b = parseIp(text);
  if (!b) throw new Error(`bad ip ${text}`);
  return b;
}

export function u32(text: string): number {
  const b = ip(text);
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

export interface PeerSpec {
  id: number;
  ebgp?: boolean;
  asn?: number;
  routerId?: string;
  address?: string;
  rrClient?: boolean;
}

export function peer(s: PeerSpec): PeerRef {
  const address = s.address ?? `10.0.0.${s.id}`;
  return { id: s.id, ebgp: s.ebgp ?? true, asn: s.asn ?? 65000 + s.id, routerId: u32(s.routerId ?? address), address: ip(address) };
}

export interface PathSpec {
  peer: PeerRef;
  attrs?: PathAttributes;
  nh?: string;
  igpCost?: number;
  pathId?: number;
  ineligible?: Ineligible;
}

export class Builder {
  readonly sets = new AttrSetCache();
  readonly nhs = new NextHopTable();
  private readonly attrsByJson = new Map<string, PathAttributes>();

  /** Same attribute content -> same interned object (like the engine's AttrStore). */
  attrs(a: PathAttributes): PathAttributes {
    const k = JSON.stringify(a);
    let v = this.attrsByJson.get(k);
    if (!v) {
      v = a;
      this.attrsByJson.set(k, v);
    }
    return v;
  }

  path(s: PathSpec): Path {
    const attrs = this.attrs(s.attrs ?? { origin: 0, asPath: [{ type: 2, asns: [s.peer.asn] }] });
    return new Path({
      peer: s.peer,
      attrs: this.sets.get(attrs),
      nextHop: this.nhs.intern(ip(s.nh ?? `192.0.2.${s.peer.id}`)),
      igpCost: s.igpCost,
      pathId: s.pathId ?? 0,
      ineligible: s.ineligible ?? 0,
    });
  }
}

/** Every permutation of `xs` (Heap's algorithm order is irrelevant; count is n!). */
export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [xs.slice()];
  const out: T[][] = [];
  xs.forEach((x, i) => {
    for (const rest of permutations([...xs.slice(0, i), ...xs.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}
