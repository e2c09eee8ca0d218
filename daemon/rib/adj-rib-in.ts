/**
 * Adj-RIB-In of one peer, kept pre-policy (RFC 4271 §3.2): every route the peer announced and
 * has not withdrawn, with its attribute set interned so the many prefixes of one UPDATE share
 * one object. Input: decoded UPDATEs from the route engine. Pure: no I/O.
 */
import type { PathAttributes, Prefix } from '../../peers/wire/types.js';
import { prefixToString } from '../../peers/wire/nlri.js';
import { attrsKey } from './format.js';

export interface StoredAttrs {
  readonly key: string;
  readonly attrs: PathAttributes;
  /** IPv6 (or RFC 8950) next hop from MP_REACH, as text; IPv4 classic next hop is in attrs. */
  readonly mpNextHop?: string;
  refs: number;
}

export interface AdjInRoute {
  readonly prefix: Prefix;
  readonly attrs: StoredAttrs;
}

/** Interns attribute sets across all peers. */
export class AttrStore {
  private readonly byKey = new Map<string, StoredAttrs>();

  intern(attrs: PathAttributes, mpNextHop?: string): StoredAttrs {
    const key = mpNextHop === undefined ? attrsKey(attrs) : `${attrsKey(attrs)}|${mpNextHop}`;
    let s = this.byKey.get(key);
    if (!s) {
      s = mpNextHop === undefined ? { key, attrs, refs: 0 } : { key, attrs, mpNextHop, refs: 0 };
      this.byKey.set(key, s);
    }
    return s;
  }

  release(s: StoredAttrs): void {
    if (--s.refs <= 0) this.byKey.delete(s.key);
  }

  get size(): number {
    return this.byKey.size;
  }
}

export function routeKey(p: Prefix): string {
  const text = prefixToString(p);
  return p.pathId === undefined ? text : `${text}#${p.pathId}`;
}

export class AdjRibIn {
  private readonly routes = new Map<string, AdjInRoute>();

  constructor(private readonly store: AttrStore) {}

  announce(prefix: Prefix, attrs: StoredAttrs): void {
    const key = routeKey(prefix);
    const old = this.routes.get(key);
    if (old) this.store.release(old.attrs);
    attrs.refs++;
    this.routes.set(key, { prefix, attrs });
  }

  /** RFC 4271 §9: a withdrawal of an unknown prefix is not an error. Returns true if removed. */
  withdraw(prefix: Prefix): boolean {
    const key = routeKey(prefix);
    const old = this.routes.get(key);
    if (!old) return false;
    this.store.release(old.attrs);
    this.routes.delete(key);
    return true;
  }

  clear(): void {
    for (const r of this.routes.values()) this.store.release(r.attrs);
    this.routes.clear();
  }

  get size(): number {
    return this.routes.size;
  }

  values(): IterableIterator<AdjInRoute> {
    return this.routes.values();
  }
}
