/**
 * The lab (`npm run lab`): a two-rack fabric in network namespaces with rackrouted on every node,
 * and a report of what it does. The topology is test/support/fabric.ts (the two-rack scenario's):
 * a BIRD spine, rack 1 under a BIRD ToR (AS 65101), rack 2 under an FRR ToR (AS 65102), three
 * nodes each running rackrouted from a real YAML config (node3 dual-homed to both ToRs), one pod
 * per node (a namespace with a veth to its node, IPv4 and IPv6 from the node's pod CIDR). No L2
 * is shared between racks.
 *
 * Commands: `up` builds it, waits for convergence, prints sessions, node3's routes (ECMP), the
 * pod-to-pod matrix and throughput (host-to-host, native pod-to-pod, VXLAN overlay; iperf3),
 * writes the report (Markdown + SVG chart), then stays in the foreground owning the lab (Ctrl-C
 * or `down` removes it). From another shell: `status`, `fail tor1|tor2|link node3-tor1`, `heal`,
 * `down`. `up` first removes leftovers of a crashed lab (namespaces with the prefix, recorded PIDs).
 * Must not: touch anything but namespaces named with the lab prefix and processes it recorded.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { callDaemon } from '../../daemon/control/client.js';
import { parse as parseYaml } from 'yaml';
import { fileURLToPath } from 'node:url';
import { buildFabric, kernelGateways, NODES, podNs, podV4, podV4Cidr, probePods, type Fabric } from '../support/fabric.js';
import { waitFor } from '../support/netns.js';
import { throughputChart, type Throughput } from './report.js';

interface Opts {
  cmd: string;
  arg?: string;
  prefix: string;
  stateDir: string;
  reportDir: string;
  throughput: boolean;
  topology: string;
  podsPerNode: number;
  seconds: number;
}

const DEFAULT_TOPOLOGY = fileURLToPath(new URL('../../../test/lab/topology.yaml', import.meta.url));

/** Reads the topology file over the defaults; a bad value stops with `file:key: what is allowed`. */
function readTopology(o: Opts, prefixGiven: boolean): void {
  const doc = (parseYaml(readFileSync(o.topology, 'utf8')) ?? {}) as Record<string, unknown>;
  const bad = (key: string, allowed: string): never => {
    throw new Error(`${o.topology}: ${key}: ${JSON.stringify(doc[key])} is not allowed (${allowed})`);
  };
  for (const k of Object.keys(doc)) if (!['podsPerNode', 'throughputSeconds', 'prefix'].includes(k)) bad(k, 'keys: podsPerNode, throughputSeconds, prefix');
  const int = (k: string, lo: number, hi: number, d: number): number => {
    const v = doc[k] ?? d;
    return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : bad(k, `an integer ${lo}..${hi}`);
  };
  o.podsPerNode = int('podsPerNode', 1, 4, 1);
  o.seconds = int('throughputSeconds', 0, 60, 3);
  if (o.seconds === 0) o.throughput = false;
  const p = doc['prefix'];
  if (p !== undefined && (typeof p !== 'string' || !/^[a-z][a-z0-9]{1,7}$/.test(p))) bad('prefix', '2-8 characters a-z0-9, starting with a letter');
  if (!prefixGiven && typeof p === 'string') o.prefix = p;
}

interface State {
  pid: number;
  prefix: string;
  sockets: Record<string, string>;
  /** Interfaces per link, for fail/heal: "tor1-node3" -> { a: ifname in tor1, b: ifname in node3 }. */
  links: Record<string, { a: string; b: string }>;
  failed: string[];
}

function parse(argv: string[]): Opts {
  const o: Opts = { cmd: 'up', prefix: 'rrlab', stateDir: '/run/rackroute-lab', reportDir: resolve('lab-report'), throughput: true, topology: DEFAULT_TOPOLOGY, podsPerNode: 1, seconds: 3 };
  const rest: string[] = [];
  let prefixGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--prefix') {
      o.prefix = argv[++i] ?? o.prefix;
      prefixGiven = true;
    } else if (a === '--topology') o.topology = resolve(argv[++i] ?? o.topology);
    else if (a === '--state-dir') o.stateDir = argv[++i] ?? o.stateDir;
    else if (a === '--report-dir') o.reportDir = resolve(argv[++i] ?? o.reportDir);
    else if (a === '--no-throughput') o.throughput = false;
    else rest.push(a);
  }
  readTopology(o, prefixGiven);
  o.cmd = rest[0] ?? 'up';
  if (rest[1] !== undefined) o.arg = rest.slice(1).join(' ');
  return o;
}

const stateFile = (o: Opts): string => join(o.stateDir, `${o.prefix}.json`);
const readState = (o: Opts): State | null => (existsSync(stateFile(o)) ? (JSON.parse(readFileSync(stateFile(o), 'utf8')) as State) : null);
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const ns = (o: Opts, name: string): string => `${o.prefix}-${name}`;

/** Removes what a crashed lab left: its recorded process (by PID) and namespaces with the prefix. */
function sweep(o: Opts): string[] {
  const st = readState(o);
  if (st && st.pid !== process.pid && alive(st.pid)) process.kill(st.pid, 'SIGKILL');
  const gone: string[] = [];
  const list = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    if (!name.startsWith(`${o.prefix}-`)) continue;
    // Processes still running in it (daemons of a killed lab) go with it, by their PIDs.
    const pids = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('ip', ['netns', 'delete', name]);
    gone.push(name);
  }
  rmSync(stateFile(o), { force: true });
  // The datapath pins of the lab's daemons (test/support/netns.ts datapathPinDir).
  for (const d of readdirSync('/sys/fs/bpf')) {
    if (!d.startsWith(`rackroute-${o.prefix}-`)) continue;
    rmSync(join('/sys/fs/bpf', d), { recursive: true, force: true });
    gone.push(`/sys/fs/bpf/${d}`);
  }
  return gone;
}

async function sessions(f: Fabric): Promise<string[]> {
  const out: string[] = [];
  for (const n of NODES) {
    const r = (await callDaemon(f.nodes[n].socket, 'neighbors', {}, 3000)) as { neighbors: { name: string; state: string; uptimeMs: number }[] };
    out.push(`${n}: ${r.neighbors.map((x) => `${x.name} ${x.state}`).join(', ')}`);
  }
  return out;
}

async function matrix(f: Fabric): Promise<{ lines: string[]; ok: number; total: number }> {
  const lines = [`| from \\ to | ${f.pods.map((p) => `${p.ns} v4 | ${p.ns} v6`).join(' | ')} |`, `|---|${f.pods.map(() => '---|---').join('|')}|`];
  let ok = 0;
  let total = 0;
  for (const from of f.pods) {
    const targets = f.pods.filter((p) => p !== from).flatMap((p) => [p.v4, p.v6]);
    const rtt = await probePods(f.lab, from, targets, 3000);
    const cells = f.pods.flatMap((p) =>
      p === from
        ? ['-', '-']
        : [p.v4, p.v6].map((a) => {
            total++;
            const v = rtt[a];
            if (v === null || v === undefined) return 'FAIL';
            ok++;
            return `${v} ms`;
          }),
    );
    lines.push(`| ${from.ns} | ${cells.join(' | ')} |`);
  }
  return { lines, ok, total };
}

/** Mbit/s of a 3 s iperf3 TCP run from namespace `from` to `to` (server started for it). */
async function iperf(f: Fabric, from: string, to: string, address: string, seconds: number): Promise<number> {
  const srv = f.lab.spawnIn(to, ['iperf3', '-s', '-1', '-p', '5301']);
  await new Promise((r) => setTimeout(r, 400));
  const res = await f.lab.exec(from, ['iperf3', '-c', address, '-p', '5301', '-t', String(seconds), '-J'], { allowFail: true, timeoutMs: seconds * 1000 + 15000 });
  await srv.stop(500);
  const j = JSON.parse(res.stdout || '{}') as { end?: { sum_received?: { bits_per_second: number } } };
  return Math.round((j.end?.sum_received?.bits_per_second ?? 0) / 1e6);
}

async function throughput(f: Fabric, seconds: number): Promise<Throughput[]> {
  // The underlay: host addresses routed between the racks (statically here; BGP carries only pods).
  for (const [n, dst, via] of [
    ['spine', '10.1.0.0/16', '10.0.1.1'], ['spine', '10.2.0.0/16', '10.0.2.1'], ['tor1', '10.2.0.0/16', '10.0.1.0'],
    ['tor2', '10.1.0.0/16', '10.0.2.0'], ['node1', '10.2.0.0/16', '10.1.1.0'], ['node2', '10.1.0.0/16', '10.2.2.0'],
  ] as const) await f.lab.exec(n, ['ip', 'route', 'replace', dst, 'via', via]);
  // Across racks: node1 (rack 1, tor1) to node2 (rack 2, tor2), through the spine.
  const host = await iperf(f, 'node1', 'node2', '10.2.2.1', seconds);
  // Native routing through the kernel stack: the datapath counts pod traffic but leaves it to the
  // stack (noFastPath over the pod networks); then the BPF fast path.
  const fastPath = async (on: boolean): Promise<void> => {
    for (const n of ['node1', 'node2'] as const) {
      const c = f.nodeConfigs[n];
      await f.nodes[n].reload({ ...c, datapath: { ...c.datapath, noFastPath: on ? [] : c.podNetworks ?? [] } });
    }
    await new Promise((r) => setTimeout(r, 1500));
  };
  await fastPath(false);
  const native = await iperf(f, podNs('node1'), podNs('node2'), podV4('node2'), seconds);
  await fastPath(true);
  const bpf = await iperf(f, podNs('node1'), podNs('node2'), podV4('node2'), seconds);
  // A VXLAN overlay between the same two nodes, MTU reduced by its 50 bytes of headers.
  const l1 = f.ifName.get('tor1-node1')!.b;
  const l2 = f.ifName.get('tor2-node2')!.b;
  await f.lab.exec('node1', ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', '10.1.1.1', 'remote', '10.2.2.1', 'dstport', '4789', 'dev', l1]);
  await f.lab.exec('node2', ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', '10.2.2.1', 'remote', '10.1.1.1', 'dstport', '4789', 'dev', l2]);
  for (const [n, a] of [['node1', '10.250.0.1/24'], ['node2', '10.250.0.2/24']] as const) {
    await f.lab.exec(n, ['ip', 'link', 'set', 'vx0', 'mtu', '1450', 'up']);
    await f.lab.exec(n, ['ip', 'addr', 'add', a, 'dev', 'vx0']);
  }
  const vxlan = await iperf(f, 'node1', 'node2', '10.250.0.2', seconds);
  // Pod to pod through the overlay: policy routing (table 250, which rackroute does not manage)
  // sends pod1 <-> pod2 traffic into vx0 on both nodes; everything else keeps the native routes.
  const [p1, p2] = [podV4('node1'), podV4('node2')];
  for (const [n, from, to, cidr, gw] of [['node1', p1, p2, podV4Cidr('node2'), '10.250.0.2'], ['node2', p2, p1, podV4Cidr('node1'), '10.250.0.1']] as const) {
    await f.lab.exec(n, ['ip', 'route', 'add', cidr, 'via', gw, 'dev', 'vx0', 'table', '250']);
    await f.lab.exec(n, ['ip', 'rule', 'add', 'from', from, 'to', to, 'table', '250', 'priority', '100']);
  }
  const podVxlan = await iperf(f, podNs('node1'), podNs('node2'), p2, seconds);
  for (const n of ['node1', 'node2']) await f.lab.exec(n, ['ip', 'rule', 'del', 'priority', '100'], { allowFail: true });
  return [
    { name: 'host to host (underlay, the ceiling)', mbps: host },
    { name: 'pod to pod, native routing via the stack', mbps: native },
    { name: 'pod to pod, native + BPF datapath', mbps: bpf },
    { name: 'pod to pod over VXLAN (MTU 1450)', mbps: podVxlan },
    { name: 'node to node over VXLAN (MTU 1450)', mbps: vxlan },
  ];
}

async function converged(f: Fabric): Promise<void> {
  await waitFor(async () => {
    for (const n of NODES) for (const o of NODES) if (o !== n && (await kernelGateways(f.lab, n, podV4Cidr(o))) === null) return false;
    return true;
  }, { timeoutMs: 60000, what: 'every node to hold every other pod CIDR', intervalMs: 100 });
}

async function up(o: Opts): Promise<void> {
  const left = sweep(o);
  if (left.length) console.log(`removed leftovers of an earlier lab: ${left.join(', ')}`);
  mkdirSync(o.stateDir, { recursive: true });
  const t0 = Date.now();
  console.log(`building the lab (namespaces ${o.prefix}-*, ${o.topology}): spine (BIRD), tor1 (BIRD), tor2 (FRR), node1..3 (rackrouted), ${o.podsPerNode} pod(s) per node`);
  const f = await buildFabric(() => undefined, o.prefix, o.podsPerNode, { datapath: true });
  const state: State = { pid: process.pid, prefix: o.prefix, sockets: Object.fromEntries(NODES.map((n) => [n, f.nodes[n].socket])), links: Object.fromEntries(f.ifName), failed: [] };
  writeFileSync(stateFile(o), JSON.stringify(state));
  await converged(f);
  const convergeS = ((Date.now() - t0) / 1000).toFixed(1);
  const report: string[] = ['# rackroute lab report', '', `Converged ${convergeS} s after the start (namespaces, daemons, sessions, routes in every kernel).`, ''];
  report.push('## Sessions', '', ...(await sessions(f)).map((l) => `- ${l}`), '');
  const routes = (await f.lab.exec('node3', ['ip', 'route', 'show', 'proto', '186'])).stdout.trim();
  report.push('## node3 (dual-homed to tor1 and tor2): routes rackroute installed', '', '```', routes, '```', '');
  const m = await matrix(f);
  report.push(`## Pod to pod (UDP echo round trip): ${m.ok}/${m.total} reachable`, '', ...m.lines, '');
  let tp: Throughput[] = [];
  if (o.throughput) {
    tp = await throughput(f, o.seconds);
    const host = tp[0]?.mbps ?? 0;
    report.push(`## Throughput across racks (iperf3, TCP, ${o.seconds} s each)`, '', '| path | Mbit/s | vs host |', '|---|---|---|');
    for (const t of tp) report.push(`| ${t.name} | ${t.mbps ?? '-'} | ${t.mbps !== null && host > 0 ? (t.mbps / host).toFixed(2) : t.note ?? '-'} |`);
    report.push('', '![throughput](throughput.svg)', '');
  }
  report.push('## eBPF datapath', '');
  for (const n of NODES) {
    const d = (await callDaemon(f.nodes[n].socket, 'datapath', {}, 3000)) as { mode: string; reason: string; outcomes?: Record<string, number>; routeCounters?: { prefix: string; bytes: number }[] };
    const fast = Object.entries(d.outcomes ?? {}).filter(([k, v]) => k.startsWith('fast:') && v > 0).map(([k, v]) => `${k} ${v}`).join(', ');
    const busiest = [...(d.routeCounters ?? [])].sort((a, b) => b.bytes - a.bytes)[0];
    report.push(`- ${n}: ${d.mode} (${d.reason})${fast ? `; ${fast}` : ''}${busiest && busiest.bytes > 0 ? `; busiest prefix ${busiest.prefix}: ${(busiest.bytes / 1e6).toFixed(1)} MB` : ''}`);
  }
  report.push('');
  mkdirSync(o.reportDir, { recursive: true });
  writeFileSync(join(o.reportDir, 'report.md'), `${report.join('\n')}\n`);
  if (tp.length) writeFileSync(join(o.reportDir, 'throughput.svg'), throughputChart(tp));
  console.log(`\n${report.join('\n')}`);
  console.log(`report written to ${o.reportDir}/report.md`);
  console.log(`\nlab is up. From another shell: npm run lab -- status | fail tor1 | fail link node3-tor1 | heal | down  (Ctrl-C here also removes it)`);
  // Owns the lab from here on: the process hooks of test/support/netns.ts remove it on exit.
  await new Promise(() => undefined);
}

function requireState(o: Opts): State {
  const st = readState(o);
  if (!st || !alive(st.pid)) {
    console.error(`no lab running with prefix ${o.prefix} (start one with: npm run lab)`);
    process.exit(1);
  }
  return st;
}

async function status(o: Opts): Promise<void> {
  const st = requireState(o);
  for (const n of NODES) {
    const r = (await callDaemon(st.sockets[n]!, 'neighbors', {}, 3000)) as { neighbors: { name: string; state: string }[] };
    const d = (await callDaemon(st.sockets[n]!, 'status', {}, 3000)) as { datapath?: { mode: string } };
    console.log(`${n}: ${r.neighbors.map((x) => `${x.name} ${x.state}`).join(', ')}; datapath ${d.datapath?.mode ?? '?'}`);
  }
  console.log(`node3 routes:\n${execFileSync('ip', ['-n', ns(o, 'node3'), 'route', 'show', 'proto', '186'], { encoding: 'utf8' }).trim()}`);
  if (st.failed.length) console.log(`failed: ${st.failed.join(', ')}`);
}

/** Interfaces to take down for `fail tor1` (all its links) or `fail link node3-tor1` (one). */
function targets(st: State, what: string): { ns: string; ifname: string; label: string }[] {
  const out: { ns: string; ifname: string; label: string }[] = [];
  const m = /^link\s+(\w+)-(\w+)$/.exec(what);
  for (const [key, ifs] of Object.entries(st.links)) {
    const [a, b] = key.split('-') as [string, string];
    const match = m ? (a === m[1] && b === m[2]) || (a === m[2] && b === m[1]) : a === what || b === what;
    if (match) out.push({ ns: `${st.prefix}-${a}`, ifname: ifs.a, label: key }, { ns: `${st.prefix}-${b}`, ifname: ifs.b, label: key });
  }
  return out;
}

async function fail(o: Opts, heal: boolean): Promise<void> {
  const st = requireState(o);
  const what = heal ? st.failed : [o.arg ?? ''];
  const t = what.flatMap((w) => targets(st, w));
  if (!heal && t.length === 0) {
    console.error(`fail what? tor1, tor2, spine, node1..3, or "link node3-tor1" (links: ${Object.keys(st.links).join(', ')})`);
    process.exit(2);
  }
  const before = execFileSync('ip', ['-n', ns(o, 'node3'), 'route', 'show', 'proto', '186'], { encoding: 'utf8' });
  const t0 = Date.now();
  for (const x of t) spawnSync('ip', ['-n', x.ns, 'link', 'set', x.ifname, heal ? 'up' : 'down']);
  st.failed = heal ? [] : [...st.failed, ...what];
  writeFileSync(stateFile(o), JSON.stringify(st));
  console.log(`${heal ? 'healed' : 'failed'}: ${[...new Set(t.map((x) => x.label))].join(', ') || '(nothing)'}`);
  // Watch node3's routes settle: report when they stop changing.
  let last = before;
  let changedAt = t0;
  for (const end = Date.now() + 15000; Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = execFileSync('ip', ['-n', ns(o, 'node3'), 'route', 'show', 'proto', '186'], { encoding: 'utf8' });
    if (now !== last) {
      last = now;
      changedAt = Date.now();
    } else if (Date.now() - changedAt > 3000) break;
  }
  console.log(last === before ? "node3's routes did not change" : `node3's routes settled ${changedAt - t0} ms after the change:\n${last.trim()}`);
}

async function down(o: Opts): Promise<void> {
  const st = readState(o);
  if (st && alive(st.pid)) {
    process.kill(st.pid, 'SIGTERM');
    for (let i = 0; i < 100 && alive(st.pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  const left = sweep(o);
  console.log(left.length ? `removed: ${left.join(', ')}` : `lab ${o.prefix} is down`);
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (network namespaces)');
  switch (o.cmd) {
    case 'up':
      return up(o);
    case 'status':
      return status(o);
    case 'fail':
      return fail(o, false);
    case 'heal':
      return fail(o, true);
    case 'down':
      return down(o);
    default:
      throw new Error(`unknown command ${o.cmd} (up, status, fail WHAT, heal, down)`);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
