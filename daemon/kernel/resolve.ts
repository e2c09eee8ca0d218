/**
 * Next-hop resolution through the kernel's own routing table ("recursive next hops"). A BGP
 * NEXT_HOP that is not on a connected subnet — iBGP between racks, a ToR's loopback — is looked
 * up like `ip route get ADDR fibmatch`; packets for the route then go to the next hop(s) of the
 * entry that covers it (the underlay's gateways), which is what gets installed. Resolutions are
 * kept per gateway and re-read when the kernel's routes or links change, so an underlay change
 * moves the pod routes with it. RFC 4271 §9.1.2.1: a path whose NEXT_HOP does not resolve is
 * not eligible; the engine is told (onChange) so it can exclude the path, and the count of
 * unresolved gateways is reported.
 *
 * Input: gateways to track (from the route engine and from desired routes) and lookup answers
 * from the FibKernel (netlink.ts: RTM_GETROUTE with RTM_F_FIB_MATCH). Output: per-gateway
 * Resolutions and change notifications. Never resolves through a route of our own protocol (a
 * BGP route resolving another BGP route's next hop is a forwarding loop waiting to happen).
 */
import type { LookupAnswer } from './rtmsg.js';

/** Where packets for a gateway go. */
export interface Resolution {
  /** The gateway is on a connected subnet (the covering entry has no gateway of its own). */
  connected: boolean;
  /** The covering route, e.g. "10.0.2.0/24" or "0.0.0.0/0". */
  via: string;
  /** Its metric: the "next-hop cost" of RFC 4271 §9.1.2.2 (e) (0 when connected). */
  metric: number;
  /** Gateway and interface of each hop that carries the traffic (the gateway itself when connected). */
  nexthops: { gateway: string; ifindex: number }[];
}

const RTN_UNICAST = 1;

/** The resolution a lookup answer gives for `gateway`, or null when it does not resolve. */
export function resolutionOf(gateway: string, ans: LookupAnswer | null, ownProtocol: number): Resolution | null {
  if (!ans || ans.type !== RTN_UNICAST || ans.protocol === ownProtocol) return null;
  const nexthops = ans.nexthops.filter((h) => h.ifindex > 0).map((h) => ({ gateway: h.gateway ?? gateway, ifindex: h.ifindex }));
  if (nexthops.length === 0) return null;
  const connected = ans.nexthops.every((h) => h.gateway === undefined);
  return { connected, via: ans.prefix, metric: connected ? 0 : ans.metric, nexthops };
}

/** Order-independent identity of a resolution (for change detection). */
export function resolutionKey(r: Resolution | null): string {
  if (r === null) return '-';
  const hops = r.nexthops.map((h) => `${h.gateway}%${h.ifindex}`).sort();
  return `${r.via}|${r.metric}|${hops.join(',')}`;
}

export type Lookup = (addresses: readonly string[]) => Promise<Map<string, LookupAnswer | null>>;

export class GatewayResolver {
  private readonly known = new Map<string, Resolution | null>();
  /** Kernel lookups run one batch at a time, so an older answer never overwrites a newer one. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly lookup: Lookup,
    private readonly ownProtocol: number,
    /** Called for each gateway's first resolution and for every change after it. */
    private readonly onChange: (gateway: string, r: Resolution | null) => void = () => {},
  ) {}

  /** undefined: never looked up; null: does not resolve. */
  get(gateway: string): Resolution | null | undefined {
    return this.known.get(gateway);
  }

  has(gateway: string): boolean {
    return this.known.has(gateway);
  }

  get size(): number {
    return this.known.size;
  }

  get unresolved(): number {
    let n = 0;
    for (const r of this.known.values()) if (r === null) n++;
    return n;
  }

  entries(): [string, Resolution | null][] {
    return [...this.known];
  }

  /** Looks up the gateways not yet known. */
  ensure(gateways: Iterable<string>): Promise<void> {
    const fresh = [...new Set(gateways)].filter((g) => !this.known.has(g));
    if (fresh.length === 0) return Promise.resolve();
    return this.serial(async () => {
      const todo = fresh.filter((g) => !this.known.has(g));
      if (todo.length > 0) await this.apply(todo);
    });
  }

  /** Re-reads every known gateway; resolves to those whose resolution changed. */
  refresh(): Promise<string[]> {
    return this.serial(() => this.apply([...this.known.keys()]));
  }

  /** Stops tracking gateways no longer used. */
  forget(gateways: Iterable<string>): void {
    for (const g of gateways) this.known.delete(g);
  }

  private async apply(gateways: string[]): Promise<string[]> {
    if (gateways.length === 0) return [];
    let answers: Map<string, LookupAnswer | null>;
    try {
      answers = await this.lookup(gateways);
    } catch {
      return []; // the kernel edge should not throw; keep what we knew and retry on the next pass
    }
    const changed: string[] = [];
    for (const g of gateways) {
      const next = resolutionOf(g, answers.get(g) ?? null, this.ownProtocol);
      const had = this.known.has(g);
      if (had && resolutionKey(this.known.get(g) ?? null) === resolutionKey(next)) continue;
      this.known.set(g, next);
      changed.push(g);
      this.onChange(g, next);
    }
    return changed;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }
}
