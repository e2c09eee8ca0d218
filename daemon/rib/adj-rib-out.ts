/**
 * Adj-RIB-Out of one peer: what we want the peer to hold (desired) against what we have sent
 * (advertised). `diff` turns the difference into UPDATE messages: announcements grouped by
 * attribute set and packed per family, withdrawals batched. Input: the originated prefixes and
 * the peer's session info; output: encoded UPDATE bytes. Pure: no I/O.
 */
import type { CodecContext } from '../../peers/wire/context.js';
import { familyKey } from '../../peers/wire/context.js';
import type { PathAttributes, Prefix } from '../../peers/wire/types.js';
import { packUpdates, packWithdrawals } from '../../peers/wire/update-pack.js';
import { prefixToString } from '../../peers/wire/nlri.js';
import { parseIp } from '../../peers/wire/ip.js';
import { attrsKey } from './format.js';

export interface OutRoute {
  readonly prefix: Prefix;
  readonly attrs: PathAttributes;
  /** For IPv6 NLRI (MP_REACH): global and optional link-local next hop. */
  readonly mpNextHop?: { global: Uint8Array; linkLocal?: Uint8Array };
}

export class AdjRibOut {
  private advertised = new Map<string, { route: OutRoute; key: string }>();

  /** Computes the UPDATEs that move the peer from what it has to `desired`. */
  diff(desired: readonly OutRoute[], ctx: CodecContext): Uint8Array[] {
    const want = new Map<string, { route: OutRoute; key: string }>();
    for (const r of desired) {
      const k = attrsKey(r.attrs) + (r.mpNextHop ? `|${mpText(r.mpNextHop)}` : '');
      want.set(prefixToString(r.prefix), { route: r, key: k });
    }
    const withdrawn: Prefix[] = [];
    for (const [p, old] of this.advertised) if (!want.has(p)) withdrawn.push(old.route.prefix);
    const changed = [...want].filter(([p, w]) => this.advertised.get(p)?.key !== w.key).map(([, w]) => w);
    this.advertised = want;
    return [...encodeWithdrawals(withdrawn, ctx), ...encodeAnnouncements(changed, ctx)];
  }

  /** Everything currently advertised, re-encoded (ROUTE-REFRESH, RFC 2918 §4). */
  full(ctx: CodecContext): Uint8Array[] {
    return encodeAnnouncements([...this.advertised.values()], ctx);
  }

  /** Forget what was sent (session went down). */
  reset(): void {
    this.advertised.clear();
  }

  routes(): OutRoute[] {
    return [...this.advertised.values()].map((v) => v.route);
  }

  get size(): number {
    return this.advertised.size;
  }
}

function mpText(nh: { global: Uint8Array; linkLocal?: Uint8Array }): string {
  return `${Buffer.from(nh.global).toString('hex')}/${nh.linkLocal ? Buffer.from(nh.linkLocal).toString('hex') : ''}`;
}

function encodeWithdrawals(prefixes: readonly Prefix[], ctx: CodecContext): Uint8Array[] {
  return [
    ...packWithdrawals(prefixes.filter((p) => p.afi === 1), 1, ctx),
    ...packWithdrawals(prefixes.filter((p) => p.afi === 2), 2, ctx),
  ];
}

/** One group per attribute set; each group packed into as few UPDATEs as fit (RFC 4271 §9.2). */
function encodeAnnouncements(items: readonly { route: OutRoute; key: string }[], ctx: CodecContext): Uint8Array[] {
  const groups = new Map<string, OutRoute[]>();
  for (const { route, key } of items) {
    const g = groups.get(key);
    if (g) g.push(route);
    else groups.set(key, [route]);
  }
  const out: Uint8Array[] = [];
  for (const routes of groups.values()) {
    const first = routes[0];
    if (!first) continue;
    const nlri = routes.map((r) => r.prefix);
    out.push(...packUpdates(first.attrs, nlri, ctx, first.mpNextHop ? { nextHop: first.mpNextHop } : {}));
  }
  return out;
}

/** True when the session negotiated this family. */
export function hasFamily(ctx: CodecContext, afi: number): boolean {
  return ctx.families.has(familyKey(afi, 1));
}

export function ipBytes(text: string | undefined): Uint8Array | undefined {
  return text === undefined ? undefined : (parseIp(text) ?? undefined);
}
