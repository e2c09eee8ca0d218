/**
 * The two-rack fabric of test/scenario/two-rack.test.ts, in lab namespaces with no shared L2
 * between racks (every link its own veth with a /31 and a /64):
 *
 *                        spine (BIRD, AS 65000, originates 10.244.200.0/24)
 *                        /                         \
 *            tor1 (BIRD, AS 65101)            tor2 (FRR, AS 65102)
 *             /            \                   /             \
 *   node1 (AS 4200000001)   node3 (AS 4200000003, both ToRs)   node2 (AS 4200000002)
 *
 * Nodes run rackrouted, each originating its pod CIDRs (10.244.N.0/24, fd00:10:244:N::/64) and
 * has one pod namespace behind a /30 + /64 veth. Every BGP session is per transport family
 * (IPv4 session: ipv4-unicast, IPv6 session: ipv6-unicast). ToRs and the spine re-advertise what
 * they learn (exportLearned) and forward: FRR's zebra installs its routes, and BIRD gets kernel
 * protocols added here (the harness's BIRD config has none), exporting only BGP routes.
 *
 * Input: nothing but the lab harness and the peers/rackroute helpers. Output: a running Fabric
 * and probes of it (kernel routes, pod-to-pod reachability, evidence for failure messages).
 * Must not: leave anything behind (everything lives in one Lab; the caller cleans it up), or
 * send traffic anywhere but lab addresses.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, datapathPinDir, type Lab } from './netns.js';
import * as bird from './peers/bird.js';
import * as frr from './peers/frr.js';
import type { NeighborConfig, Peer, PeerConfig } from './peers/types.js';
import { startRackroute, type Rackroute, type RackrouteConfig, type RrPeer } from './rackroute.js';

export type NodeName = 'node1' | 'node2' | 'node3';
export type TorName = 'tor1' | 'tor2';
export type RouterName = 'spine' | TorName;

export const NODES: NodeName[] = ['node1', 'node2', 'node3'];
export const SPINE_ASN = 65000;
export const TOR_ASN: Record<TorName, number> = { tor1: 65101, tor2: 65102 };
export const NODE_ASN: Record<NodeName, number> = { node1: 4200000001, node2: 4200000002, node3: 4200000003 };
export const SERVICE_PREFIX = '10.244.200.0/24';
export const POD_NETWORKS = ['10.244.0.0/16', 'fd00:10:244::/48'];
const HOLD_TIME = 3;
const ECHO_PORT = 7007;

/** A point-to-point link: `a` is the upper router (spine or ToR), `b` the lower one. */
export interface P2p {
  a: RouterName;
  b: TorName | NodeName;
  v4: [string, string];
  v6: [string, string];
}

export const LINKS: P2p[] = [
  { a: 'spine', b: 'tor1', v4: ['10.0.1.0', '10.0.1.1'], v6: ['fd00:0:1::1', 'fd00:0:1::2'] },
  { a: 'spine', b: 'tor2', v4: ['10.0.2.0', '10.0.2.1'], v6: ['fd00:0:2::1', 'fd00:0:2::2'] },
  { a: 'tor1', b: 'node1', v4: ['10.1.1.0', '10.1.1.1'], v6: ['fd00:1:1::1', 'fd00:1:1::2'] },
  { a: 'tor1', b: 'node3', v4: ['10.1.3.0', '10.1.3.1'], v6: ['fd00:1:3::1', 'fd00:1:3::2'] },
  { a: 'tor2', b: 'node2', v4: ['10.2.2.0', '10.2.2.1'], v6: ['fd00:2:2::1', 'fd00:2:2::2'] },
  { a: 'tor2', b: 'node3', v4: ['10.2.3.0', '10.2.3.1'], v6: ['fd00:2:3::1', 'fd00:2:3::2'] },
];

export const nodeIndex = (n: NodeName): number => Number(n.slice(4));
export const podV4Cidr = (n: NodeName): string => `10.244.${nodeIndex(n)}.0/24`;
export const podV6Cidr = (n: NodeName): string => `fd00:10:244:${nodeIndex(n)}::/64`;
/** The pod's own address (node side of the pod veth is .1 / ::1). */
export const podV4 = (n: NodeName): string => `10.244.${nodeIndex(n)}.2`;
export const podV6 = (n: NodeName): string => `fd00:10:244:${nodeIndex(n)}::2`;
export const podNs = (n: NodeName): string => `pod${nodeIndex(n)}`;

/** A pod: its namespace (short name), node and addresses. */
export interface Pod {
  ns: string;
  node: NodeName;
  v4: string;
  v6: string;
}

/**
 * Pod `j` (0-based) of a node. Pod 0 is the one every scenario uses (veth /30 and /64); further
 * pods get their own /30 and /126 out of the node's pod CIDRs (10.244.N.4j.., fd00:10:244:N::1:4j..).
 */
export function podOf(n: NodeName, j: number): Pod & { nodeV4: string; nodeV6: string; v4Len: number; v6Len: number } {
  const i = nodeIndex(n);
  if (j === 0) return { ns: podNs(n), node: n, v4: podV4(n), v6: podV6(n), nodeV4: `10.244.${i}.1`, nodeV6: `fd00:10:244:${i}::1`, v4Len: 30, v6Len: 64 };
  return { ns: `${podNs(n)}${String.fromCharCode(97 + j)}`, node: n, v4: `10.244.${i}.${4 * j + 2}`, v6: `fd00:10:244:${i}::1:${4 * j + 2}`, nodeV4: `10.244.${i}.${4 * j + 1}`, nodeV6: `fd00:10:244:${i}::1:${4 * j + 1}`, v4Len: 30, v6Len: 126 };
}

/** The link between a ToR (or the spine) and the router below it. */
export function link(a: RouterName, b: TorName | NodeName): P2p {
  const l = LINKS.find((x) => x.a === a && x.b === b);
  if (!l) throw new Error(`no link ${a}-${b}`);
  return l;
}

/** rackrouted's session names: "<tor>-v4" / "<tor>-v6". */
export const sessionName = (tor: TorName, fam: 'v4' | 'v6'): string => `${tor}-${fam}`;
export const uplinksOf = (n: NodeName): TorName[] => LINKS.filter((l) => l.b === n).map((l) => l.a as TorName);

export interface Fabric {
  readonly lab: Lab;
  readonly routers: Record<RouterName, Peer>;
  readonly nodes: Record<NodeName, Rackroute>;
  /** Interface name of each link end, by `${a}-${b}` and side. */
  readonly ifName: Map<string, { a: string; b: string }>;
  /** Every pod, in node order (pod 0 of each node first among its node's). */
  readonly pods: Pod[];
  /** The config each node's rackrouted was started with (for reloads). */
  readonly nodeConfigs: Record<NodeName, RackrouteConfig>;
  /** Rewrites tor1's BIRD config with kernel export plus a default route toward the given neighbours. */
  announceDefaultFromTor1(toNeighbors: string[]): Promise<void>;
}

function asnOf(name: RouterName | NodeName): number {
  return name === 'spine' ? SPINE_ASN : name.startsWith('tor') ? TOR_ASN[name as TorName] : NODE_ASN[name as NodeName];
}

/** BGP neighbours of a BIRD/FRR router: the links above it and below it, one session per family. */
function routerConfig(name: RouterName, routerId: string): PeerConfig {
  const neighbors: NeighborConfig[] = [];
  for (const l of LINKS) {
    if (l.a !== name && l.b !== name) continue;
    const upper = l.a === name; // we are the upper end: the lower one connects to us
    const other = upper ? l.b : l.a;
    for (const [fam, addrs] of [['ipv4', l.v4], ['ipv6', l.v6]] as const) {
      neighbors.push({ address: upper ? addrs[1] : addrs[0], asn: asnOf(other), passive: upper, families: [fam], holdTime: HOLD_TIME });
    }
  }
  return { routerId, asn: asnOf(name), neighbors, routes: name === 'spine' ? [{ prefix: SERVICE_PREFIX }] : [], exportLearned: true, connectRetry: 1 };
}

function nodeConfig(lab: Lab, n: NodeName, datapath: boolean): RackrouteConfig {
  const peers: RrPeer[] = uplinksOf(n).flatMap((tor) => {
    const l = link(tor, n);
    return (['v4', 'v6'] as const).map((fam) => ({
      name: sessionName(tor, fam), address: l[fam][0], asn: TOR_ASN[tor], localAddress: l[fam][1],
      families: [fam === 'v4' ? 'ipv4-unicast' as const : 'ipv6-unicast' as const], holdTime: HOLD_TIME, connectRetry: 1,
    }));
  });
  return {
    routerId: `192.0.2.${nodeIndex(n)}`, asn: NODE_ASN[n], podNetworks: POD_NETWORKS, peers, logLevel: 'debug',
    originate: [{ prefix: podV4Cidr(n) }, { prefix: podV6Cidr(n) }],
    // Pod veths are the node-side (…l<N>a) ends of the pod links; uplinks (…l<N>b) are found by address.
    ...(datapath ? { datapath: { enabled: true, podInterfaces: [`${lab.prefix}l*a`], pinDir: datapathPinDir(lab, n) }, hostMounts: true } : {}),
  };
}

/**
 * BIRD config for a fabric router: the harness's config plus kernel protocols exporting the BGP
 * routes (so the router forwards), and optionally a default route (0.0.0.0/0, ::/0) that only the
 * sessions to `defaultTo` may carry. Pure.
 */
export function birdFabricConfig(cfg: PeerConfig, defaultTo?: string[]): string {
  const allowed = new Set((defaultTo ?? []).map(bird.protocolName));
  let proto = '';
  const lines = bird.renderConfig(cfg, cfg.routes ?? []).trimEnd().split('\n').map((line) => {
    proto = /^protocol bgp (\S+) \{/.exec(line)?.[1] ?? proto;
    if (defaultTo === undefined || proto === '' || allowed.has(proto)) return line;
    return line.replace(/export filter \{ /g, 'export filter { if proto = "dflt4" || proto = "dflt6" then reject; ');
  });
  for (const f of ['4', '6']) lines.push(`protocol kernel kern${f} { ipv${f} { import none; export where source = RTS_BGP; }; }`);
  if (defaultTo !== undefined) {
    lines.push('protocol static dflt4 { ipv4; route 0.0.0.0/0 blackhole { bgp_origin = ORIGIN_IGP; }; }');
    lines.push('protocol static dflt6 { ipv6; route ::/0 blackhole { bgp_origin = ORIGIN_IGP; }; }');
  }
  return `${lines.join('\n')}\n`;
}

async function reconfigureBird(lab: Lab, peer: Peer, conf: string): Promise<void> {
  writeFileSync(join(peer.dir, 'bird.conf'), conf);
  const out = (await lab.exec(peer.ns, ['birdc', '-s', join(peer.dir, 'bird.ctl'), 'configure'])).stdout;
  if (!/Reconfigur(ed|ation in progress)/.test(out)) throw new Error(`birdc configure in ${peer.ns}: ${out}`);
}

async function sysctl(lab: Lab, ns: string, settings: string[]): Promise<void> {
  await lab.exec(ns, ['sysctl', '-q', '-w', ...settings]);
}

const ECHO_JS = fileURLToPath(new URL('./pod-echo.js', import.meta.url));

/** Builds the namespaces, links and pods, starts every daemon. The caller owns lab.cleanup(). */
export async function buildFabric(onLab: (lab: Lab) => void, prefix?: string, podsPerNode = 1, opts: { datapath?: boolean } = {}): Promise<Fabric> {
  const lab = await createLab(prefix);
  onLab(lab);
  const routers: RouterName[] = ['spine', 'tor1', 'tor2'];
  // With more than one pod, pod 0's /64 would cover its neighbours (on-link to it): /126 for all.
  const pods = NODES.flatMap((n) => Array.from({ length: podsPerNode }, (_, j) => ({ ...podOf(n, j), ...(podsPerNode > 1 ? { v6Len: 126 } : {}) })));
  for (const ns of [...routers, ...NODES, ...pods.map((p) => p.ns)]) {
    await lab.addNamespace(ns);
    await sysctl(lab, ns, ['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
  }
  // Routers forward; nodes are left alone: rackrouted must turn forwarding on itself.
  for (const ns of routers) await sysctl(lab, ns, ['net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
  const ifName = new Map<string, { a: string; b: string }>();
  for (const l of LINKS) {
    const made = await lab.linkNamespaces(l.a, l.b, { v4: [l.v4[0], l.v4[1], 31], v6: [l.v6[0], l.v6[1], 64] });
    ifName.set(`${l.a}-${l.b}`, { a: made.ifA, b: made.ifB });
  }
  for (const p of pods) {
    await lab.linkNamespaces(p.node, p.ns, { v4: [p.nodeV4, p.v4, p.v4Len], v6: [p.nodeV6, p.v6, p.v6Len] });
    await lab.exec(p.ns, ['ip', 'route', 'add', 'default', 'via', p.nodeV4]);
    await lab.exec(p.ns, ['ip', '-6', 'route', 'add', 'default', 'via', p.nodeV6]);
    lab.spawnIn(p.ns, [process.execPath, ECHO_JS, 'serve', String(ECHO_PORT)], { logFile: join(lab.dir, `echo-${p.ns}.log`) });
  }
  const cfgs = { spine: routerConfig('spine', '192.0.2.100'), tor1: routerConfig('tor1', '192.0.2.101'), tor2: routerConfig('tor2', '192.0.2.102') };
  const [spine, tor1, tor2, ...rr] = await Promise.all([
    bird.start(lab, 'spine', cfgs.spine),
    bird.start(lab, 'tor1', cfgs.tor1),
    frr.start(lab, 'tor2', cfgs.tor2),
    ...NODES.map((n) => startRackroute(lab, n, nodeConfig(lab, n, opts.datapath ?? false))),
  ]);
  await reconfigureBird(lab, spine!, birdFabricConfig(cfgs.spine));
  await reconfigureBird(lab, tor1!, birdFabricConfig(cfgs.tor1));
  return {
    lab,
    routers: { spine: spine!, tor1: tor1!, tor2: tor2! },
    nodes: { node1: rr[0]!, node2: rr[1]!, node3: rr[2]! },
    pods: pods.map(({ ns, node, v4, v6 }) => ({ ns, node, v4, v6 })),
    ifName,
    nodeConfigs: Object.fromEntries(NODES.map((n) => [n, nodeConfig(lab, n, opts.datapath ?? false)])) as Record<NodeName, RackrouteConfig>,
    announceDefaultFromTor1: (to) => reconfigureBird(lab, tor1!, birdFabricConfig(cfgs.tor1, to)),
  };
}

interface IpRoute { dst: string; nhid?: number; gateway?: string; nexthops?: { gateway: string }[] }
interface IpNexthop { id: number; gateway?: string; group?: { id: number }[] }

/** Gateways of our (proto 186) kernel route for dst in a namespace, or null if there is none. */
export async function kernelGateways(lab: Lab, ns: string, dst: string): Promise<string[] | null> {
  const fam = dst.includes(':') ? '-6' : '-4';
  const routes = JSON.parse((await lab.exec(ns, ['ip', '-j', fam, 'route', 'show', 'proto', '186'])).stdout || '[]') as IpRoute[];
  const r = routes.find((x) => x.dst === dst || (dst.endsWith('/0') && x.dst === 'default'));
  if (!r) return null;
  if (r.nexthops) return r.nexthops.map((n) => n.gateway).sort();
  if (r.gateway) return [r.gateway];
  const nhs = JSON.parse((await lab.exec(ns, ['ip', '-j', 'nexthop', 'show'])).stdout || '[]') as IpNexthop[];
  const obj = nhs.find((n) => n.id === r.nhid);
  if (obj?.group) return obj.group.map((g) => nhs.find((n) => n.id === g.id)?.gateway ?? '?').sort();
  return obj?.gateway ? [obj.gateway] : [];
}

/** Round-trip times (ms, null = no answer within timeoutMs) from a node's pod to pod addresses. */
export async function probePods(lab: Lab, from: NodeName | Pod, addresses: string[], timeoutMs: number): Promise<Record<string, number | null>> {
  const res = await lab.exec(typeof from === 'string' ? podNs(from) : from.ns, [process.execPath, ECHO_JS, 'probe', String(ECHO_PORT), String(timeoutMs), ...addresses], { timeoutMs: timeoutMs + 5000 });
  return JSON.parse(res.stdout) as Record<string, number | null>;
}

/** Everything useful about a node when an assertion fails: log, Loc-RIB, FIB counters, kernel. */
export async function evidence(f: Fabric, n: NodeName, prefix?: string): Promise<string> {
  const rr = f.nodes[n];
  const parts: string[] = [`\n===== evidence from ${n} (ns ${f.lab.nsName(n)}, log ${rr.logFile}) =====`];
  const add = async (title: string, get: () => Promise<unknown>): Promise<void> => {
    try {
      const v = await get();
      parts.push(`--- ${title} ---\n${typeof v === 'string' ? v.trimEnd() : JSON.stringify(v)}`);
    } catch (e) {
      parts.push(`--- ${title} --- (failed: ${String(e)})`);
    }
  };
  await add('rib', () => callDaemon(rr.socket, 'rib', prefix === undefined ? {} : { prefix }, 3000));
  await add('fib', () => callDaemon(rr.socket, 'fib', {}, 3000));
  for (const argv of [['ip', 'route'], ['ip', '-6', 'route'], ['ip', 'nexthop'], ['ip', 'link']]) {
    await add(argv.join(' '), async () => (await f.lab.exec(n, argv, { allowFail: true })).stdout);
  }
  parts.push(`--- log tail ---\n${rr.logTail(30)}`);
  return parts.join('\n');
}
