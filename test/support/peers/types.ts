/**
 * Shared shapes for the real BGP peers used in scenario tests (BIRD 2, FRR, GoBGP): what a test
 * asks a peer to be (PeerConfig), what it can ask it at run time (Peer), and the normalized route
 * every peer's parser returns, so one assertion works against all three daemons.
 * Pure: types and small pure helpers only.
 */

export type Family = 'ipv4' | 'ipv6';
export type Origin = 'igp' | 'egp' | 'incomplete';

export interface NeighborConfig {
  address: string;
  asn: number;
  /** Wait for the neighbour to connect (default false). */
  passive?: boolean;
  /** Address families negotiated on this session (default: the transport's family). */
  families?: Family[];
  /** Hold time in seconds (default 9; keepalive = hold / 3). */
  holdTime?: number;
  /** Neighbour's TCP port (default 179). */
  port?: number;
  /** TCP-MD5 (RFC 2385) password (BIRD `password`, FRR `neighbor X password`; not GoBGP here). */
  password?: string;
  /** GTSM (RFC 5082): BIRD `ttl security on`, FRR `ttl-security hops` (multihop or 1 hops). */
  ttlSecurity?: boolean;
  /** eBGP multihop with this TTL (BIRD `multihop N`, FRR `ebgp-multihop N`; FRR: the hop count with ttlSecurity). */
  multihop?: number;
  /** The interface of a link-local neighbour (BIRD `interface`; BIRD only here). */
  interface?: string;
  /** Single-hop BFD (RFC 5880/5881) with this neighbour; a BFD Down takes the session down. */
  bfd?: BfdOptions;
}

/** BFD timers, ms (FRR: a bfd profile; BIRD: the bfd protocol's interface options). */
export interface BfdOptions {
  minRx: number;
  minTx: number;
  multiplier: number;
}

/** Attributes of a route this peer originates. */
export interface RouteAttrs {
  communities?: string[];
  largeCommunities?: string[];
  med?: number;
  /** AS_PATH the route is originated with (the daemon prepends its own ASN on eBGP export). */
  asPath?: number[];
  /** Prepend the own ASN this many times (applied in front of asPath). */
  prepend?: number;
  /** Next hop (default: the daemon's own address on the session). */
  nextHop?: string;
  origin?: Origin;
}

export interface Origination extends RouteAttrs {
  prefix: string;
}

export interface PeerConfig {
  routerId: string;
  asn: number;
  neighbors: NeighborConfig[];
  routes?: Origination[];
  /** Local BGP listen port (default 179). */
  listenPort?: number;
  /** Connect-retry timer in seconds (default 1). */
  connectRetry?: number;
  /**
   * Graceful restart able (RFC 4724: restarting speaker and helper), not only helper/aware (the
   * daemons' default). Rendered by bird.ts (`graceful restart on`).
   */
  gracefulRestart?: boolean;
  /**
   * Re-advertise learned routes to the other neighbours (a ToR / route reflector role).
   * Default false: export only what this peer originates.
   */
  exportLearned?: boolean;
}

/** A route as seen in a daemon's RIB, normalized across daemons. */
export interface Route {
  prefix: string;
  /** Global next hop; '' for a locally originated route without one. */
  nextHop: string;
  asPath: number[];
  origin: Origin;
  med?: number;
  localPref?: number;
  /** "65000:1", sorted. */
  communities: string[];
  /** "65000:1:2", sorted. */
  largeCommunities: string[];
  /** Neighbour address the route was learned from; absent for locally originated routes. */
  from?: string;
}

/** 'Established' or the daemon's name for the state it is in. */
export type SessionState = 'Established' | 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | (string & {});

export interface Peer {
  readonly kind: 'bird' | 'frr' | 'gobgp';
  /** Lab namespace (short name) the daemon runs in. */
  readonly ns: string;
  /** Per-peer directory with config, sockets and logs. */
  readonly dir: string;
  readonly config: PeerConfig;
  state(neighbor: string): Promise<SessionState>;
  /** Best and non-best routes of one family, sorted by prefix then from. */
  routes(family: Family): Promise<Route[]>;
  announce(prefix: string, attrs?: RouteAttrs): Promise<void>;
  withdraw(prefix: string): Promise<void>;
  stop(): Promise<void>;
}

export function familyOf(prefixOrAddress: string): Family {
  return prefixOrAddress.includes(':') ? 'ipv6' : 'ipv4';
}

export function neighborFamilies(n: NeighborConfig): Family[] {
  return n.families ?? [familyOf(n.address)];
}

/** Full originated AS_PATH: own ASN `prepend` times, then attrs.asPath. */
export function originPath(asn: number, attrs: RouteAttrs): number[] {
  return [...Array<number>(attrs.prepend ?? 0).fill(asn), ...(attrs.asPath ?? [])];
}

export function sortRoutes(routes: Route[]): Route[] {
  for (const r of routes) {
    r.communities.sort(byNumbers);
    r.largeCommunities.sort(byNumbers);
  }
  return routes.sort((a, b) => a.prefix.localeCompare(b.prefix) || (a.from ?? '').localeCompare(b.from ?? ''));
}

function byNumbers(a: string, b: string): number {
  const x = a.split(':').map(Number);
  const y = b.split(':').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Drops undefined optional fields so deepEqual compares like with like. */
export function compact(r: Route): Route {
  const out: Route = { prefix: r.prefix, nextHop: r.nextHop, asPath: r.asPath, origin: r.origin, communities: r.communities, largeCommunities: r.largeCommunities };
  if (r.med !== undefined) out.med = r.med;
  if (r.localPref !== undefined) out.localPref = r.localPref;
  if (r.from !== undefined) out.from = r.from;
  return out;
}
