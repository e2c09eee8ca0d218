/**
 * Interning of path attribute sets: every UPDATE's attributes are looked up by content, so the
 * many prefixes (and peers) that carry the same attributes share one PathAttributes object —
 * the identity the decision process caches on and the packer groups by. Reference-counted by
 * the Adj-RIB-In entries that use it. Pure: no I/O.
 */
import type { PathAttributes } from '../../peers/wire/types.js';
import { attrsKey } from './format.js';

export interface StoredAttrs {
  readonly key: string;
  readonly attrs: PathAttributes;
  refs: number;
}

/** Interns attribute sets across all peers. */
export class AttrStore {
  private readonly byKey = new Map<string, StoredAttrs>();

  intern(attrs: PathAttributes): StoredAttrs {
    const key = attrsKey(attrs);
    let s = this.byKey.get(key);
    if (!s) {
      s = { key, attrs, refs: 0 };
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
