/**
 * Kernel FIB installation benchmark, in per-run network namespaces: the FibReconciler over
 * rtnetlink (nexthop objects, or plain gateway routes) against `ip -batch` on the same routes.
 *
 * Cases: `mesh` = N /24s, each with its own gateway (one next hop per node: the iBGP-mesh shape);
 * `shared` = N /24s alternating between 2 gateways.
 * RR_BENCH_PROF=DIR writes a CPU profile of each reconciler run there.
 * Usage (root): node dist/test/bench/fib.js [--case mesh|shared] [--n 50000] [--mode nhid|plain|ip-nhid|ip-plain]...
 * Without arguments runs the standard set. Each measurement gets a fresh namespace.
 * Output: one JSON line per measurement (routes, seconds, routes/s) on stdout.
 * Must not: touch anything outside the namespaces it creates (removed at the end, also on failure).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createLab } from '../support/netns.js';
import { FibReconciler } from '../../daemon/kernel/reconciler.js';
import { NetlinkFib } from '../../daemon/kernel/netlink.js';
import type { FibRoute } from '../../daemon/kernel/fib.js';

type Case = 'mesh' | 'shared';
type Mode = 'nhid' | 'plain' | 'ip-nhid' | 'ip-plain';

const prefixOf = (i: number): string => `${32 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24`;
/** Gateways on 10.64.0.0/10 (on-link on the bench interface). */
const gatewayOf = (c: Case, i: number): string => (c === 'shared' ? `10.64.0.${2 + (i & 1)}` : `10.${64 + ((i + 2) >> 16)}.${((i + 2) >> 8) & 255}.${(i + 2) & 255}`);

function desired(c: Case, n: number): FibRoute[] {
  const out: FibRoute[] = [];
  for (let i = 0; i < n; i++) out.push({ prefix: prefixOf(i), family: 4, table: 254, protocol: 186, nexthops: [{ gateway: gatewayOf(c, i) }] });
  return out;
}

function ipBatch(c: Case, n: number, mode: 'ip-nhid' | 'ip-plain', dev: string): string {
  const lines: string[] = [];
  const ids = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const gw = gatewayOf(c, i);
    if (mode === 'ip-plain') {
      lines.push(`route add ${prefixOf(i)} via ${gw} dev ${dev} proto 186`);
      continue;
    }
    let id = ids.get(gw);
    if (id === undefined) {
      id = ids.size + 1;
      ids.set(gw, id);
      lines.push(`nexthop add id ${id} via ${gw} dev ${dev}`);
    }
    lines.push(`route add ${prefixOf(i)} nhid ${id} proto 186`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs inside the namespace: installs through the reconciler, prints timing JSON. */
async function worker(c: Case, n: number, mode: 'nhid' | 'plain'): Promise<void> {
  const routes = desired(c, n);
  // RR_NL_INFLIGHT / RR_NL_BATCH: window and requests per sendmsg (defaults of netlink.ts otherwise).
  const env = (k: string): number | undefined => (process.env[k] ? Number(process.env[k]) : undefined);
  const kernel = new NetlinkFib({ ...(env('RR_NL_INFLIGHT') && { maxInFlight: env('RR_NL_INFLIGHT')! }), ...(env('RR_NL_BATCH') && { batch: env('RR_NL_BATCH')! }) });
  const fib = new FibReconciler(kernel, { encoding: mode, resyncIntervalMs: 0 });
  await fib.start({ sweep: true });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  fib.setRoutes(routes);
  await fib.settled();
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cnt = fib.counters();
  const t1 = performance.now();
  fib.setRoutes([]);
  await fib.settled();
  const del = (performance.now() - t1) / 1000;
  await fib.stop();
  (globalThis as { gc?: () => void }).gc?.();
  const lat = [...cnt.latencySamples].sort((a, b) => a - b);
  console.log(JSON.stringify({ installed: cnt.routesInstalled, objects: cnt.nexthopObjects, ops: cnt.ops, seconds: s, cpuUserS: cpu.user / 1e6, cpuSysS: cpu.system / 1e6, deleteSeconds: del, p50ms: lat[lat.length >> 1], rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), externalMiB: Math.round(process.memoryUsage().external / 2 ** 20), arrayBuffersMiB: Math.round(process.memoryUsage().arrayBuffers / 2 ** 20) }));
}

function runIn(ns: string, argv: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, ...argv], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')} exited ${code}`))));
    child.stdin?.on('error', () => undefined).end(input);
  });
}

async function measure(c: Case, n: number, mode: Mode): Promise<void> {
  const lab = await createLab();
  try {
    await lab.addNamespace('fib');
    await lab.addNamespace('peer');
    const link = await lab.linkNamespaces('fib', 'peer', { v4: ['10.64.0.1', '10.64.0.254', 10] });
    const ns = lab.nsName('fib');
    let rec: Record<string, unknown>;
    if (mode === 'nhid' || mode === 'plain') {
      const out = await runIn(ns, [process.execPath, '--expose-gc', ...(process.env['RR_BENCH_PROF'] ? ['--cpu-prof', `--cpu-prof-dir=${process.env['RR_BENCH_PROF']}`] : []), fileURLToPath(import.meta.url), '--worker', c, String(n), mode]);
      rec = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    } else {
      const script = ipBatch(c, n, mode, link.ifA);
      const t0 = performance.now();
      await runIn(ns, ['ip', '-batch', '-'], script);
      const used = process.resourceUsage();
      rec = { seconds: (performance.now() - t0) / 1000, childCpuNote: 'see time(1)', maxRssKiB: used.maxRSS };
      const count = (await lab.exec('fib', ['sh', '-c', 'ip route show proto 186 | wc -l'])).stdout.trim();
      rec['installed'] = Number(count);
    }
    const seconds = rec['seconds'] as number;
    console.log(JSON.stringify({ case: c, n, mode, ...rec, routesPerSec: Math.round(n / seconds) }));
  } finally {
    await lab.cleanup();
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--worker') return worker(args[1] as Case, Number(args[2]), args[3] as 'nhid' | 'plain');
  const get = (flag: string): string[] => args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1]!] : []));
  const cases = get('--case') as Case[];
  const ns = get('--n').map(Number);
  const modes = get('--mode') as Mode[];
  const plan: [Case, number, Mode][] =
    cases.length > 0
      ? cases.flatMap((c) => (ns.length ? ns : [50_000]).flatMap((n) => (modes.length ? modes : (['nhid', 'ip-nhid'] as Mode[])).map((m): [Case, number, Mode] => [c, n, m])))
      : [
          ['mesh', 50_000, 'nhid'],
          ['mesh', 50_000, 'ip-nhid'],
          ['mesh', 20_000, 'plain'],
          ['mesh', 20_000, 'ip-plain'],
          ['shared', 1_000_000, 'nhid'],
          ['shared', 1_000_000, 'plain'],
          ['shared', 1_000_000, 'ip-plain'],
        ];
  for (const [c, n, m] of plan) await measure(c, n, m);
}

await main();
