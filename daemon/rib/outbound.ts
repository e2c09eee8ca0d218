/**
 * Adj-RIB-Out of one peer (RFC 4271 §3.2), kept as desired-vs-advertised per prefix: the route
 * engine marks prefixes dirty when their Loc-RIB entry changes; `flush` looks at each dirty
 * prefix once, asks `advertise` what the peer should now hold, and turns the differences into
 * UPDATEs — announcements grouped by attribute-set identity and packed to the negotiated size,
 * withdrawals batched per family. Input: dirty prefix keys and a function giving the desired
 * advertisement; output: encoded UPDATE bytes. Pure: no I/O.
 */
import type { CodecContext } from '../../peers/wire/context.js';
import type { MpNextHop, PathAttributes, Prefix } from '../../peers/wire/types.js';
import { packUpdates, packWithdrawals } from '../../peers/wire/update-pack.js';
import { keyToPrefix, type PrefixKey } from './prefix-key.js';

/** What the peer should hold for one prefix: attributes (interned) and, for MP, the next hop. */
export interface OutRoute {
  readonly attrs: PathAttributes;
  /** MP_REACH next hop (IPv6, or IPv4 with an RFC 8950 next hop); absent for classic IPv4. */
  readonly mp?: MpNextHop;
}

export class Outbound {
  private readonly advertised = new Map<PrefixKey, OutRoute>();
  private readonly dirty = new Set<PrefixKey>();
  /** Advertised IPv6 prefixes (string keys; IPv4 keys are numbers), for the metrics. */
  private v6 = 0;

  /** The prefix may have changed for this peer. */
  mark(key: PrefixKey): void {
    this.dirty.add(key);
  }

  get pending(): number {
    return this.dirty.size;
  }

  get size(): number {
    return this.advertised.size;
  }

  /** Advertised prefixes of one AFI (1 IPv4, 2 IPv6). */
  sizeOf(afi: number): number {
    return afi === 2 ? this.v6 : this.advertised.size - this.v6;
  }

  /**
   * Moves up to `max` dirty prefixes to their desired state and returns the UPDATEs to send.
   * `advertise(key)` returns the desired route or null for "withdraw / do not send".
   */
  flush(advertise: (key: PrefixKey) => OutRoute | null, ctx: CodecContext, max = Infinity): Uint8Array[] {
    const groups = new Map<PathAttributes, Map<string, { mp?: MpNextHop; prefixes: Prefix[] }>>();
    const withdraw: Prefix[] = [];
    let n = 0;
    for (const key of this.dirty) {
      if (n++ >= max) break;
      this.dirty.delete(key);
      const want = advertise(key);
      const have = this.advertised.get(key);
      if (!want) {
        if (have) {
          this.advertised.delete(key);
          if (typeof key === 'string') this.v6--;
          withdraw.push(keyToPrefix(key));
        }
        continue;
      }
      if (have && have.attrs === want.attrs && sameMp(have.mp, want.mp)) continue;
      if (!have && typeof key === 'string') this.v6++;
      this.advertised.set(key, want);
      let byNh = groups.get(want.attrs);
      if (!byNh) groups.set(want.attrs, (byNh = new Map()));
      const nhKey = mpKey(want.mp);
      let g = byNh.get(nhKey);
      if (!g) byNh.set(nhKey, (g = want.mp ? { mp: want.mp, prefixes: [] } : { prefixes: [] }));
      g.prefixes.push(keyToPrefix(key));
    }
    const out: Uint8Array[] = [
      ...packWithdrawals(withdraw.filter((p) => p.afi === 1), 1, ctx),
      ...packWithdrawals(withdraw.filter((p) => p.afi === 2), 2, ctx),
    ];
    for (const [attrs, byNh] of groups)
      for (const g of byNh.values()) out.push(...packUpdates(attrs, g.prefixes, ctx, g.mp ? { nextHop: g.mp } : {}));
    return out;
  }

  /** Everything currently advertised becomes dirty again (ROUTE-REFRESH, RFC 2918 §4). */
  refresh(): void {
    for (const key of this.advertised.keys()) this.dirty.add(key);
    this.advertised.clear();
    this.v6 = 0;
  }

  entries(): IterableIterator<[PrefixKey, OutRoute]> {
    return this.advertised.entries();
  }
}

function mpKey(mp: MpNextHop | undefined): string {
  if (!mp) return '';
  return `${Buffer.from(mp.global).toString('hex')}/${mp.linkLocal ? Buffer.from(mp.linkLocal).toString('hex') : ''}`;
}

function sameMp(a: MpNextHop | undefined, b: MpNextHop | undefined): boolean {
  return a === b || mpKey(a) === mpKey(b);
}
