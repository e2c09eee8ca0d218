/**
 * GoBGP as a real BGP peer in a lab namespace: renders gobgpd.toml from a PeerConfig into a
 * per-peer dir, runs gobgpd with its gRPC API on a per-run port on the namespace's loopback, and
 * drives/reads it with `gobgp -p PORT ... -j` (JSON, parsed here).
 *
 * Input: a Lab and a PeerConfig. Output: a running gobgpd (stopped by PID) and parsed session
 * states / routes. Must not: listen on the root namespace or the default API port.
 * Originated routes are added through the API after start (`gobgp global rib add`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Lab } from '../netns.js';
import { waitFor } from '../netns.js';
import {
  type Family, type NeighborConfig, type Peer, type PeerConfig, type Route, type RouteAttrs, type SessionState,
  familyOf, neighborFamilies, originPath, sortRoutes,
} from './types.js';

export async function start(lab: Lab, ns: string, cfg: PeerConfig): Promise<Peer> {
  const dir = join(lab.dir, `gobgp-${ns}`);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'gobgpd.toml');
  writeFileSync(conf, renderConfig(cfg));
  const apiPort = randomInt(40000, 50000);
  const proc = lab.spawnIn(ns, ['gobgpd', '-f', conf, '-t', 'toml', '--api-hosts', `127.0.0.1:${apiPort}`, '--pprof-disable', '-l', 'info', '-p'], { logFile: join(dir, 'gobgpd.log') });
  const peer = new GobgpPeer(lab, ns, dir, cfg, apiPort, () => proc.stop());
  await waitFor(() => peer.gobgp(['global']).then(() => true), { timeoutMs: 10000, what: `gobgpd in ${ns} to answer on 127.0.0.1:${apiPort} (log ${dir}/gobgpd.log)` });
  for (const r of cfg.routes ?? []) await peer.announce(r.prefix, r);
  return peer;
}

class GobgpPeer implements Peer {
  readonly kind = 'gobgp';

  constructor(private readonly lab: Lab, readonly ns: string, readonly dir: string, readonly config: PeerConfig,
    readonly apiPort: number, private readonly stopProc: () => Promise<void>) {}

  async gobgp(args: string[]): Promise<string> {
    return (await this.lab.exec(this.ns, ['gobgp', '-u', '127.0.0.1', '-p', String(this.apiPort), ...args])).stdout;
  }

  async state(neighbor: string): Promise<SessionState> {
    const json = JSON.parse(await this.gobgp(['neighbor', neighbor, '-j'])) as { state?: { session_state?: number | string } };
    return sessionState(json.state?.session_state);
  }

  async routes(family: Family): Promise<Route[]> {
    const out = (await this.gobgp(['global', 'rib', '-a', family, '-j'])).trim();
    const json = (out === '' || out === 'null' ? {} : JSON.parse(out)) as Record<string, GobgpPath[]>;
    const routes: Route[] = [];
    for (const [prefix, paths] of Object.entries(json)) for (const p of paths) routes.push(normalizePath(prefix, p));
    return sortRoutes(routes);
  }

  async announce(prefix: string, attrs: RouteAttrs = {}): Promise<void> {
    const family = familyOf(prefix);
    const args = ['global', 'rib', '-a', family, 'add', prefix, 'origin', attrs.origin ?? 'igp'];
    const path = originPath(this.config.asn, attrs);
    if (path.length > 0) args.push('aspath', path.join(' '));
    // The CLI wants a next hop; the unspecified address means "self" on export.
    args.push('nexthop', attrs.nextHop ?? (family === 'ipv4' ? '0.0.0.0' : '::'));
    if (attrs.med !== undefined) args.push('med', String(attrs.med));
    if (attrs.communities?.length) args.push('community', attrs.communities.join(','));
    if (attrs.largeCommunities?.length) args.push('large-community', attrs.largeCommunities.join(','));
    await this.gobgp(args);
  }

  async withdraw(prefix: string): Promise<void> {
    await this.gobgp(['global', 'rib', '-a', familyOf(prefix), 'del', prefix]);
  }

  async stop(): Promise<void> {
    await this.stopProc();
  }
}

const STATES: Record<number, string> = { 0: 'Unknown', 1: 'Idle', 2: 'Connect', 3: 'Active', 4: 'OpenSent', 5: 'OpenConfirm', 6: 'Established' };

/** gobgp's session_state (enum number, or a name like "ESTABLISHED") -> FSM state name. */
export function sessionState(s: number | string | undefined): SessionState {
  if (typeof s === 'number') return STATES[s] ?? `unknown(${s})`;
  if (s === undefined) return 'Idle';
  const lower = s.toLowerCase().replace(/^session_state_/, '');
  return Object.values(STATES).find((n) => n.toLowerCase() === lower) ?? s;
}

export function renderConfig(cfg: PeerConfig): string {
  const lines = [
    '[global.config]',
    `  as = ${cfg.asn}`,
    `  router-id = "${cfg.routerId}"`,
    `  port = ${cfg.listenPort ?? 179}`,
  ];
  if (!cfg.exportLearned) {
    // Export only locally originated routes (route-type "local"), like the other peers.
    lines.push(
      '[global.apply-policy.config]',
      '  export-policy-list = ["rr-originated"]',
      '  default-export-policy = "reject-route"',
      '[[policy-definitions]]',
      '  name = "rr-originated"',
      '  [[policy-definitions.statements]]',
      '    name = "local"',
      '    [policy-definitions.statements.conditions.bgp-conditions]',
      '      route-type = "local"',
      '    [policy-definitions.statements.actions]',
      '      route-disposition = "accept-route"',
    );
  }
  for (const n of cfg.neighbors) lines.push(...neighborToml(cfg, n));
  return `${lines.join('\n')}\n`;
}

function neighborToml(cfg: PeerConfig, n: NeighborConfig): string[] {
  const hold = n.holdTime ?? 9;
  const lines = [
    '[[neighbors]]',
    '  [neighbors.config]',
    `    neighbor-address = "${n.address}"`,
    `    peer-as = ${n.asn}`,
    '  [neighbors.timers.config]',
    `    hold-time = ${hold}`,
    `    keepalive-interval = ${Math.max(1, Math.floor(hold / 3))}`,
    `    connect-retry = ${cfg.connectRetry ?? 1}`,
    // Default 30 s: after a reset GoBGP would sit in Idle far longer than a test waits.
    `    idle-hold-time-after-reset = ${cfg.connectRetry ?? 1}`,
    '  [neighbors.transport.config]',
    `    passive-mode = ${n.passive ? 'true' : 'false'}`,
    `    remote-port = ${n.port ?? 179}`,
  ];
  for (const f of neighborFamilies(n)) {
    lines.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}-unicast"`);
  }
  return lines;
}

interface GobgpAttr {
  type: number;
  value?: number | { ASN: number; LocalData1: number; LocalData2: number }[];
  as_paths?: { segment_type: number; asns: number[] }[];
  nexthop?: string;
  metric?: number;
  communities?: number[];
  /** MP_REACH_NLRI (type 14): global next hop (link-local, if any, is separate). */
  linklocal_nexthop?: string;
}
interface GobgpPath {
  attrs?: GobgpAttr[];
  'neighbor-ip'?: string;
}

const ORIGINS: Route['origin'][] = ['igp', 'egp', 'incomplete'];

export function normalizePath(prefix: string, p: GobgpPath): Route {
  const r: Route = { prefix, nextHop: '', asPath: [], origin: 'incomplete', communities: [], largeCommunities: [] };
  for (const a of p.attrs ?? []) applyAttr(r, a);
  const from = p['neighbor-ip'];
  if (from !== undefined && from !== '<nil>' && from !== '0.0.0.0' && from !== '::') r.from = from;
  if (r.nextHop === '0.0.0.0' || r.nextHop === '::') r.nextHop = '';
  return r;
}

// RFC 4271 §5.1 attribute type codes; RFC 1997 communities (8), RFC 8092 large communities (32).
function applyAttr(r: Route, a: GobgpAttr): void {
  switch (a.type) {
    case 1: r.origin = ORIGINS[typeof a.value === 'number' ? a.value : 2] ?? 'incomplete'; break;
    case 2: r.asPath = (a.as_paths ?? []).flatMap((s) => s.asns); break;
    case 3: r.nextHop = a.nexthop ?? ''; break;
    case 4: r.med = a.metric ?? 0; break;
    case 5: r.localPref = typeof a.value === 'number' ? a.value : 0; break;
    case 8: r.communities = (a.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`); break;
    case 14: r.nextHop = a.nexthop ?? ''; break;
    case 32: r.largeCommunities = Array.isArray(a.value) ? a.value.map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`) : []; break;
    default: break;
  }
}
