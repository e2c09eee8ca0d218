/**
 * BIRD 2 as a real BGP peer in a lab namespace: renders bird.conf from a PeerConfig into a
 * per-peer dir, runs `bird -f` with its own control socket, and reads state and routes back
 * through `birdc -s SOCK` (text output, parsed here).
 *
 * Input: a Lab and a PeerConfig. Output: a running bird process (stopped by PID) and parsed
 * session states / routes. Must not: use the system socket (/run/bird/bird.ctl) or config.
 * Originated routes live in static protocols; announce/withdraw rewrite the config and run
 * `birdc configure`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../netns.js';
import { waitFor } from '../netns.js';
import {
  type Family, type NeighborConfig, type Origination, type Peer, type PeerConfig, type Route, type RouteAttrs, type SessionState,
  familyOf, neighborFamilies, originPath, sortRoutes,
} from './types.js';

export async function start(lab: Lab, ns: string, cfg: PeerConfig): Promise<Peer> {
  const dir = join(lab.dir, `bird-${ns}`);
  mkdirSync(dir, { recursive: true });
  const peer = new BirdPeer(lab, ns, dir, cfg);
  peer.writeConfig();
  const proc = lab.spawnIn(ns, ['bird', '-f', '-c', peer.confFile, '-s', peer.sock, '-P', join(dir, 'bird.pid')], { logFile: join(dir, 'bird.log') });
  peer.attach(proc.stop.bind(proc));
  await waitFor(async () => (await peer.birdc(['show', 'status'], true)).includes('Daemon is up'), {
    timeoutMs: 10000, what: `bird in ${ns} to answer on ${peer.sock} (log ${dir}/bird.log)`,
  });
  return peer;
}

/** BIRD symbol for a neighbour: peer_10_0_0_1 / peer_fd00__1. */
export function protocolName(address: string): string {
  return `peer_${address.replace(/[.:]/g, '_')}`;
}

class BirdPeer implements Peer {
  readonly kind = 'bird';
  readonly confFile: string;
  readonly sock: string;
  private readonly originated = new Map<string, Origination>();
  private stopProc: (() => Promise<void>) | undefined;

  constructor(private readonly lab: Lab, readonly ns: string, readonly dir: string, readonly config: PeerConfig) {
    this.confFile = join(dir, 'bird.conf');
    this.sock = join(dir, 'bird.ctl');
    for (const r of config.routes ?? []) this.originated.set(r.prefix, r);
  }

  attach(stop: () => Promise<void>): void {
    this.stopProc = stop;
  }

  writeConfig(): void {
    writeFileSync(this.confFile, renderConfig(this.config, [...this.originated.values()]));
  }

  async birdc(args: string[], allowFail = false): Promise<string> {
    const res = await this.lab.exec(this.ns, ['birdc', '-s', this.sock, ...args], { allowFail });
    return res.stdout;
  }

  async state(neighbor: string): Promise<SessionState> {
    const name = protocolName(neighbor);
    return parseProtocolState(await this.birdc(['show', 'protocols', name]), name);
  }

  async routes(family: Family): Promise<Route[]> {
    const table = family === 'ipv4' ? 'master4' : 'master6';
    const names = new Map(this.config.neighbors.map((n) => [protocolName(n.address), n.address]));
    return parseShowRouteAll(await this.birdc(['show', 'route', 'all', 'table', table]), names);
  }

  async announce(prefix: string, attrs: RouteAttrs = {}): Promise<void> {
    this.originated.set(prefix, { prefix, ...attrs });
    await this.reconfigure();
  }

  async withdraw(prefix: string): Promise<void> {
    this.originated.delete(prefix);
    await this.reconfigure();
  }

  async stop(): Promise<void> {
    await this.stopProc?.();
  }

  private async reconfigure(): Promise<void> {
    this.writeConfig();
    const out = await this.birdc(['configure']);
    if (!/Reconfigur(ed|ation in progress)/.test(out)) throw new Error(`birdc configure in ${this.ns}: ${out}`);
  }
}

export function renderConfig(cfg: PeerConfig, routes: Origination[]): string {
  const lines = [
    `log stderr all;`,
    `router id ${cfg.routerId};`,
    `protocol device { scan time 10; }`,
  ];
  for (const family of ['ipv4', 'ipv6'] as const) {
    const mine = routes.filter((r) => familyOf(r.prefix) === family);
    lines.push(`protocol static orig_${family} {`, `  ${family};`);
    for (const r of mine) lines.push(`  route ${r.prefix} blackhole { ${staticAttrs(cfg.asn, r)} };`);
    lines.push(`}`);
  }
  // One BFD protocol for every neighbour with BFD; its timers apply per interface (BIRD 2).
  const bfd = cfg.neighbors.find((n) => n.bfd)?.bfd;
  if (bfd) lines.push(`protocol bfd {`, `  interface "*" { min rx interval ${bfd.minRx} ms; min tx interval ${bfd.minTx} ms; multiplier ${bfd.multiplier}; };`, `}`);
  for (const n of cfg.neighbors) lines.push(...bgpProtocol(cfg, n));
  return `${lines.join('\n')}\n`;
}

function staticAttrs(asn: number, r: Origination): string {
  const origin = { igp: 'ORIGIN_IGP', egp: 'ORIGIN_EGP', incomplete: 'ORIGIN_INCOMPLETE' }[r.origin ?? 'igp'];
  const out = [`bgp_origin = ${origin};`];
  // prepend() adds in front, so build the path from its last AS.
  for (const as of originPath(asn, r).reverse()) out.push(`bgp_path.prepend(${as});`);
  for (const c of r.communities ?? []) out.push(`bgp_community.add((${c.replace(/:/g, ',')}));`);
  for (const c of r.largeCommunities ?? []) out.push(`bgp_large_community.add((${c.replace(/:/g, ',')}));`);
  if (r.med !== undefined) out.push(`bgp_med = ${r.med};`);
  if (r.nextHop !== undefined) out.push(`bgp_next_hop = ${r.nextHop};`);
  return out.join(' ');
}

function bgpProtocol(cfg: PeerConfig, n: NeighborConfig): string[] {
  const hold = n.holdTime ?? 9;
  const retry = cfg.connectRetry ?? 1;
  const lines = [
    `protocol bgp ${protocolName(n.address)} {`,
    `  local as ${cfg.asn};`,
    `  neighbor ${n.address}${n.port === undefined ? '' : ` port ${n.port}`} as ${n.asn};`,
    ...(cfg.listenPort === undefined ? [] : [`  local port ${cfg.listenPort};`]),
    `  passive ${n.passive ? 'on' : 'off'};`,
    `  hold time ${hold}; keepalive time ${Math.max(1, Math.floor(hold / 3))};`,
    `  connect retry time ${retry}; connect delay time ${retry}; error wait time ${retry}, ${retry * 4};`,
    ...(n.password === undefined ? [] : [`  password "${n.password}";`]),
    // BIRD: TTL 255 out; in, at least 256 - hops (hops: the multihop value, 1 when direct).
    ...(n.ttlSecurity ? ['  ttl security on;'] : []),
    ...(n.multihop === undefined ? [] : [`  multihop ${n.multihop};`]),
    ...(n.interface === undefined ? [] : [`  interface "${n.interface}";`]),
    ...(n.bfd ? ['  bfd on;'] : []),
    ...(cfg.gracefulRestart ? ['  graceful restart on;'] : []),
  ];
  // BIRD drops a MED on eBGP export unless the export filter set it ("fresh"): re-set it here.
  const only = cfg.exportLearned ? '' : 'if source != RTS_STATIC then reject; ';
  const exp = `export filter { ${only}if defined(bgp_med) then bgp_med = bgp_med; accept; }`;
  for (const f of neighborFamilies(n)) lines.push(`  ${f} { import all; ${exp}; };`);
  lines.push(`}`);
  return lines;
}

/** Info column of `show protocols NAME` ("Established", "Active", "Connect", ...). */
export function parseProtocolState(out: string, name: string): SessionState {
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols[0] !== name) continue;
    // Name Proto Table State Since Info...
    return cols[5] ?? cols[3] ?? 'unknown';
  }
  throw new Error(`bird: no protocol ${name} in: ${out}`);
}

const ORIGINS: Record<string, Route['origin']> = { IGP: 'igp', EGP: 'egp', Incomplete: 'incomplete', incomplete: 'incomplete' };

/**
 * Parses `birdc show route all`: a route starts with "PREFIX  unicast [proto ...]" (or a line
 * of only "unicast [...]" continuing the previous prefix), followed by tab-indented detail lines.
 */
export function parseShowRouteAll(out: string, protoToNeighbor: Map<string, string>): Route[] {
  const routes: Route[] = [];
  let prefix = '';
  let cur: Route | undefined;
  for (const line of out.split('\n')) {
    const head = /^(\S+)?\s+\S+\s+\[(\S+)\s/.exec(line);
    if (head && !line.startsWith('\t') && !line.startsWith('Table')) {
      prefix = head[1] ?? prefix;
      const from = protoToNeighbor.get(head[2] ?? '');
      cur = { prefix, nextHop: '', asPath: [], origin: 'incomplete', communities: [], largeCommunities: [] };
      if (from !== undefined) cur.from = from;
      routes.push(cur);
      continue;
    }
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (cur && attr) applyAttr(cur, attr[1] ?? '', attr[2] ?? '');
  }
  return sortRoutes(routes);
}

function applyAttr(r: Route, key: string, value: string): void {
  switch (key) {
    case 'origin': r.origin = ORIGINS[value] ?? 'incomplete'; break;
    case 'as_path': r.asPath = value.split(/\s+/).filter((s) => /^\d+$/.test(s)).map(Number); break;
    case 'next_hop': r.nextHop = value.split(/\s+/)[0] ?? ''; break;
    case 'med': r.med = Number(value); break;
    case 'local_pref': r.localPref = Number(value); break;
    case 'community': r.communities = tuples(value).map((t) => t.join(':')); break;
    case 'large_community': r.largeCommunities = tuples(value).map((t) => t.join(':')); break;
    default: break;
  }
}

/** "(65000,1) (65000,2)" or "(65000, 1, 2)" -> [["65000","1"], ...]. */
function tuples(value: string): string[][] {
  return [...value.matchAll(/\(([^)]*)\)/g)].map((m) => (m[1] ?? '').split(',').map((s) => s.trim()));
}
