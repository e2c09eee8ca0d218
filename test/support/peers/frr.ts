/**
 * FRR (bgpd, and zebra unless turned off; bfdd when a neighbour has BFD) as a real BGP peer in a
 * lab namespace. Renders
 * bgpd.conf from a PeerConfig into a per-peer dir, runs the daemons in the foreground with
 * per-peer vty sockets, zserv socket and pid files, and talks to them with
 * `vtysh --vty_socket DIR` (JSON output, parsed here).
 *
 * Input: a Lab and a PeerConfig. Output: running FRR processes (stopped by PID) and parsed
 * session states / routes. Must not: use /var/run/frr or /etc/frr/*.conf (the system
 * instance's paths). Originated routes are `network` statements with one route-map each;
 * announce/withdraw are vtysh config commands.
 */
import { chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { Lab, ProcHandle } from '../netns.js';
import { waitFor } from '../netns.js';
import {
  type BfdOptions, type Family, type NeighborConfig, type Origination, type Peer, type PeerConfig, type Route, type RouteAttrs, type SessionState,
  familyOf, neighborFamilies, originPath, sortRoutes,
} from './types.js';

export interface FrrOptions {
  /**
   * Run zebra too (kernel routes, interface data); default true. Without it bgpd runs -Z, and
   * then treats an IPv6 UPDATE carrying a link-local next hop (BIRD, FRR and GoBGP all send
   * one on a shared link) as a withdraw: "sent a v6 LL next-hop and there's no peer interface
   * information". So -Z is only good for IPv4-only tests.
   */
  zebra?: boolean;
}

export async function start(lab: Lab, ns: string, cfg: PeerConfig, opts: FrrOptions = {}): Promise<Peer> {
  const dir = join(lab.dir, `frr-${ns}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'bgpd.conf'), renderConfig(cfg));
  writeFileSync(join(dir, 'zebra.conf'), `hostname ${ns}\n`);
  writeFileSync(join(dir, 'vtysh.conf'), '');
  const bfd = cfg.neighbors.some((n) => n.bfd !== undefined);
  if (bfd) writeFileSync(join(dir, 'bfdd.conf'), renderBfdConfig(cfg));
  // The daemons drop privileges to the packaged frr user; it must own the dir.
  const uid = Number(execFileSync('id', ['-u', 'frr']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'frr']).toString().trim());
  for (const f of ['', 'bgpd.conf', 'zebra.conf', 'vtysh.conf', ...(bfd ? ['bfdd.conf'] : [])]) chownSync(join(dir, f), uid, gid);
  const common = ['--vty_socket', dir, '-P', '0', '--log', 'stdout', '-z', join(dir, 'zserv.api')];
  const procs: ProcHandle[] = [];
  const peer = new FrrPeer(lab, ns, dir, cfg, procs);
  if (opts.zebra ?? true) {
    procs.push(lab.spawnIn(ns, ['/usr/lib/frr/zebra', '-f', join(dir, 'zebra.conf'), '-i', join(dir, 'zebra.pid'), ...common], { logFile: join(dir, 'zebra.log') }));
    await waitFor(() => peer.vtysh(['show version'], 'zebra').then(() => true), { timeoutMs: 10000, what: `zebra in ${ns} to answer (log ${dir}/zebra.log)` });
  }
  // bfdd talks to bgpd through zebra (ZAPI); its own control socket stays in this dir.
  if (bfd) {
    procs.push(lab.spawnIn(ns, ['/usr/lib/frr/bfdd', '-f', join(dir, 'bfdd.conf'), '-i', join(dir, 'bfdd.pid'), '--bfdctl', join(dir, 'bfdd.sock'), ...common], { logFile: join(dir, 'bfdd.log') }));
    await waitFor(() => peer.vtysh(['show bfd peers json'], 'bfdd').then(() => true), { timeoutMs: 10000, what: `bfdd in ${ns} to answer (log ${dir}/bfdd.log)` });
  }
  const noZebra = opts.zebra ?? true ? [] : ['-Z'];
  const bgpPort = cfg.listenPort === undefined ? [] : ['-p', String(cfg.listenPort)];
  procs.push(lab.spawnIn(ns, ['/usr/lib/frr/bgpd', '-f', join(dir, 'bgpd.conf'), '-i', join(dir, 'bgpd.pid'), ...common, ...noZebra, ...bgpPort], { logFile: join(dir, 'bgpd.log') }));
  await waitFor(() => peer.vtysh(['show bgp summary json'], 'bgpd').then(() => true), { timeoutMs: 10000, what: `bgpd in ${ns} to answer (log ${dir}/bgpd.log)` });
  return peer;
}

class FrrPeer implements Peer {
  readonly kind = 'frr';

  constructor(private readonly lab: Lab, readonly ns: string, readonly dir: string, readonly config: PeerConfig, private readonly procs: ProcHandle[]) {}

  /** Runs vtysh commands against this instance's daemons only (its own vty socket dir). */
  async vtysh(commands: string[], daemon = 'bgpd'): Promise<string> {
    const args = ['vtysh', '--vty_socket', this.dir, '--config_dir', this.dir, '-d', daemon];
    for (const c of commands) args.push('-c', c);
    const res = await this.lab.exec(this.ns, args);
    // vtysh exits 0 on some command errors; they are printed with a "%" prefix.
    if (/^% /m.test(res.stdout)) throw new Error(`vtysh ${commands.join(' | ')} in ${this.ns}: ${res.stdout}`);
    return res.stdout;
  }

  async state(neighbor: string): Promise<SessionState> {
    const json = JSON.parse(await this.vtysh([`show bgp neighbors ${neighbor} json`])) as Record<string, { bgpState?: string }>;
    const st = json[neighbor]?.bgpState;
    if (st === undefined) throw new Error(`frr: no neighbour ${neighbor}: ${JSON.stringify(json)}`);
    return st;
  }

  async routes(family: Family): Promise<Route[]> {
    const list = JSON.parse(await this.vtysh([`show bgp ${family} unicast json`])) as { routes?: Record<string, unknown> };
    const routes: Route[] = [];
    for (const prefix of Object.keys(list.routes ?? {})) {
      const detail = JSON.parse(await this.vtysh([`show bgp ${family} unicast ${prefix} json`])) as FrrPrefixDetail;
      for (const p of detail.paths ?? []) routes.push(normalizePath(prefix, p));
    }
    return sortRoutes(routes);
  }

  async announce(prefix: string, attrs: RouteAttrs = {}): Promise<void> {
    const af = `address-family ${familyOf(prefix)} unicast`;
    const r = { prefix, ...attrs };
    await this.vtysh(['configure terminal', ...routeMap(this.config.asn, r), exportEntry(r), `router bgp ${this.config.asn}`, af, `network ${prefix} route-map ${mapName(prefix)}`]);
  }

  async withdraw(prefix: string): Promise<void> {
    const af = `address-family ${familyOf(prefix)} unicast`;
    await this.vtysh(['configure terminal', `router bgp ${this.config.asn}`, af, `no network ${prefix}`, 'end', 'configure terminal', `no ${exportEntry({ prefix })}`]);
  }

  async stop(): Promise<void> {
    // bgpd first, so it does not lose zebra under it.
    for (const p of [...this.procs].reverse()) await p.stop();
  }
}

const EXPORT_MAP = 'EXPORT-ORIGINATED';

/** Prefix-list entry that lets an originated prefix through the export route-map. */
function exportEntry(r: Origination): string {
  return familyOf(r.prefix) === 'ipv4' ? `ip prefix-list ORIGINATED4 permit ${r.prefix}` : `ipv6 prefix-list ORIGINATED6 permit ${r.prefix}`;
}

function mapName(prefix: string): string {
  return `ORIG-${prefix.replace(/[./:]/g, '-')}`;
}

function routeMap(asn: number, r: Origination): string[] {
  const out = [`route-map ${mapName(r.prefix)} permit 10`, ` set origin ${r.origin ?? 'igp'}`];
  const path = originPath(asn, r);
  if (path.length > 0) out.push(` set as-path prepend ${path.join(' ')}`);
  if (r.communities?.length) out.push(` set community ${r.communities.join(' ')}`);
  if (r.largeCommunities?.length) out.push(` set large-community ${r.largeCommunities.join(' ')}`);
  if (r.med !== undefined) out.push(` set metric ${r.med}`);
  if (r.nextHop !== undefined) out.push(familyOf(r.nextHop) === 'ipv4' ? ` set ip next-hop ${r.nextHop}` : ` set ipv6 next-hop global ${r.nextHop}`);
  out.push('exit');
  return out;
}

export function renderConfig(cfg: PeerConfig): string {
  const retry = cfg.connectRetry ?? 1;
  const lines = ['frr defaults traditional', 'hostname rr-frr', '!'];
  for (const r of cfg.routes ?? []) lines.push(...routeMap(cfg.asn, r), '!');
  // Export only what this router originates (prefix lists kept in step with `network`), unless
  // it re-advertises what it learned. ("match peer local" cannot do it: in an outbound
  // route-map "peer" is the receiving peer.)
  for (const r of cfg.routes ?? []) lines.push(exportEntry(r));
  lines.push(`route-map ${EXPORT_MAP} permit 10`, ' match ip address prefix-list ORIGINATED4', 'exit');
  lines.push(`route-map ${EXPORT_MAP} permit 20`, ' match ipv6 address prefix-list ORIGINATED6', 'exit', '!');
  lines.push(`router bgp ${cfg.asn}`, ` bgp router-id ${cfg.routerId}`, ' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast');
  for (const n of cfg.neighbors) lines.push(...neighborLines(n, retry));
  for (const family of ['ipv4', 'ipv6'] as const) {
    lines.push(` address-family ${family} unicast`);
    for (const r of (cfg.routes ?? []).filter((x) => familyOf(x.prefix) === family)) lines.push(`  network ${r.prefix} route-map ${mapName(r.prefix)}`);
    for (const n of cfg.neighbors.filter((x) => neighborFamilies(x).includes(family))) {
      lines.push(`  neighbor ${n.address} activate`);
      if (!cfg.exportLearned) lines.push(`  neighbor ${n.address} route-map ${EXPORT_MAP} out`);
    }
    lines.push(' exit-address-family');
  }
  lines.push('!');
  return `${lines.join('\n')}\n`;
}

function neighborLines(n: NeighborConfig, retry: number): string[] {
  const hold = n.holdTime ?? 9;
  const out = [
    ` neighbor ${n.address} remote-as ${n.asn}`,
    ` neighbor ${n.address} timers ${Math.max(1, Math.floor(hold / 3))} ${hold}`,
    ` neighbor ${n.address} timers connect ${retry}`,
    ` neighbor ${n.address} advertisement-interval 0`,
  ];
  if (n.passive) out.push(` neighbor ${n.address} passive`);
  if (n.port !== undefined) out.push(` neighbor ${n.address} port ${n.port}`);
  if (n.password !== undefined) out.push(` neighbor ${n.address} password ${n.password}`);
  // FRR: GTSM and ebgp-multihop exclude each other; with GTSM the hop count is multihop (or 1).
  if (n.ttlSecurity) out.push(` neighbor ${n.address} ttl-security hops ${n.multihop ?? 1}`);
  else if (n.multihop !== undefined) out.push(` neighbor ${n.address} ebgp-multihop ${n.multihop}`);
  if (n.bfd) out.push(` neighbor ${n.address} bfd`, ` neighbor ${n.address} bfd profile ${bfdProfile(n.bfd)}`);
  return out;
}

function bfdProfile(b: BfdOptions): string {
  return `rx${b.minRx}-tx${b.minTx}-x${b.multiplier}`;
}

/** bfdd.conf: one profile per distinct timer set the neighbours use. */
export function renderBfdConfig(cfg: PeerConfig): string {
  const profiles = new Map(cfg.neighbors.filter((n) => n.bfd).map((n) => [bfdProfile(n.bfd!), n.bfd!]));
  const lines = ['hostname rr-frr-bfdd', '!', 'bfd'];
  for (const [name, b] of profiles) lines.push(` profile ${name}`, `  detect-multiplier ${b.multiplier}`, `  receive-interval ${b.minRx}`, `  transmit-interval ${b.minTx}`, ' exit', ' !');
  lines.push('exit', '!');
  return `${lines.join('\n')}\n`;
}

interface FrrPath {
  aspath?: { string?: string; segments?: { type: string; list: number[] }[] };
  origin?: string;
  med?: number;
  metric?: number;
  /** FRR 8.4 calls LOCAL_PREF `locPrf` in per-prefix JSON; older releases `localpref`. */
  locPrf?: number;
  localpref?: number;
  community?: { string?: string };
  largeCommunity?: { string?: string };
  nexthops?: { ip?: string; scope?: string; used?: boolean }[];
  peer?: { peerId?: string; type?: string };
}
interface FrrPrefixDetail {
  paths?: FrrPath[];
}

const ORIGINS: Record<string, Route['origin']> = { IGP: 'igp', igp: 'igp', EGP: 'egp', egp: 'egp', incomplete: 'incomplete', Incomplete: 'incomplete' };

export function normalizePath(prefix: string, p: FrrPath): Route {
  const asPath = (p.aspath?.segments ?? []).flatMap((s) => s.list);
  const global = p.nexthops?.find((n) => n.scope !== 'link-local') ?? p.nexthops?.[0];
  const r: Route = {
    prefix,
    nextHop: normalizeNextHop(global?.ip),
    asPath,
    origin: ORIGINS[p.origin ?? ''] ?? 'incomplete',
    communities: words(p.community?.string),
    largeCommunities: words(p.largeCommunity?.string),
  };
  const med = p.med ?? p.metric;
  if (med !== undefined) r.med = med;
  const localPref = p.locPrf ?? p.localpref;
  if (localPref !== undefined) r.localPref = localPref;
  const from = p.peer?.peerId;
  if (from !== undefined && from !== '(unspec)' && !/^0\.0\.0\.0$|^::$/.test(from)) r.from = from;
  return r;
}

/** Unspecified next hop (locally originated) -> ''. */
export function normalizeNextHop(ip: string | undefined): string {
  return ip === undefined || ip === '0.0.0.0' || ip === '::' ? '' : ip;
}

function words(s: string | undefined): string[] {
  return s === undefined || s === '' ? [] : s.split(/\s+/);
}
