/**
 * `npm run bench`: runs the codec/route-engine micro-benchmark (test/bench/decode.ts) and the
 * end-to-end keepalive-gap benchmark (test/bench/keepalive-gap.ts, needs root), each in its own
 * child process, prints a Markdown table and writes the results as one small JSON file to
 * test/bench/results/<timestamp>.json.
 *
 * With `--only harness` (or in a full run) it drives the shared side-by-side harness
 * (../shared/bench/run.sh) on rackroute (test/bench/rackroute, rackroute-nokernel) against the
 * kernel's `ip -batch` baselines, BIRD, FRR, GoBGP and OpenBGPD, for cluster-5k, cluster-50k,
 * table-100k and table-1m, appending to test/bench/results/harness-<date>.jsonl; `--only fib`
 * runs the FIB installation benchmark (test/bench/fib.ts) against `ip -batch`.
 *
 * `--only datapath` runs test/bench/datapath.ts (iperf3 pod to pod: stack, BPF, VXLAN, with conntrack).
 * Flags: --only decode|keepalive|harness|fib|datapath   --prefixes N (table size, default 1000000)
 *        --cluster N (one-per-UPDATE workload of decode, default 50000)   --reps N (default 5)
 *        --timeout S (keepalive: give up waiting for the table after S s, default 300)
 *        --workloads a,b (harness: default cluster-5k,cluster-50k,table-100k,table-1m)
 *        --targets a,b (harness: default kernel,kernel-nh,bird,frr,gobgp,openbgpd + rackroute's two)
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { DecodeResult } from './decode.js';
import type { GapStats, KeepaliveResult } from './keepalive-gap.js';

type Only = 'decode' | 'keepalive' | 'harness' | 'fib' | 'datapath';
const ONLY: readonly Only[] = ['decode', 'keepalive', 'harness', 'fib', 'datapath'];

interface Opts {
  only?: Only;
  workloads: string[];
  targets?: string[];
  prefixes: number;
  cluster: number;
  reps: number;
  timeout: number;
}

function parseArgs(argv: readonly string[]): Opts {
  const o: Opts = { prefixes: 1_000_000, cluster: 50_000, reps: 5, timeout: 300, workloads: ['cluster-5k', 'cluster-50k', 'table-100k', 'table-1m'] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[++i];
    if (k === '--only' && ONLY.includes(v as Only)) o.only = v as Only;
    else if ((k === '--workloads' || k === '--targets') && v) o[k.slice(2) as 'workloads'] = v.split(',');
    else if ((k === '--prefixes' || k === '--cluster' || k === '--reps' || k === '--timeout') && v !== undefined && /^[1-9]\d*$/.test(v)) o[k.slice(2) as 'prefixes'] = Number(v);
    else throw new Error(`bench: bad argument ${String(k)} ${String(v)} (--only ${ONLY.join('|')}, --prefixes N, --cluster N, --reps N, --timeout S, --workloads a,b, --targets a,b)`);
  }
  return o;
}

/** Runs a compiled bench script as a child; its last stdout line is the JSON result. */
function child<T>(script: string, nodeFlags: string[], args: string[]): Promise<T> {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const argv = [...nodeFlags, path, ...args];
  process.stderr.write(`$ node ${argv.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || last === '') return reject(new Error(`${script} exited ${String(code)}`));
      resolve(JSON.parse(last) as T);
    });
  });
}

const fmt = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const range = (t: { minMs: number; maxMs: number; reps: number; cpuShare: number }): string => `median of ${t.reps}, ${t.minMs}–${t.maxMs} ms, cpu/wall ${t.cpuShare}`;

function decodeRows(d: DecodeResult): string[][] {
  return [
    [`decodeUpdate, packed table (${fmt(d.table.prefixes)} prefixes in ${fmt(d.table.updates)} UPDATEs, ${fmt(d.table.attrSets)} attr sets)`, `${fmt(d.decodeTable.prefixesPerSec)} prefixes/s (${fmt(d.decodeTable.updatesPerSec)} UPDATEs/s)`, range(d.decodeTable)],
    [`decodeUpdate, cluster (${fmt(d.cluster.updates)} UPDATEs, 1 prefix each)`, `${fmt(d.decodeCluster.updatesPerSec)} UPDATEs/s`, range(d.decodeCluster)],
    ['RouteEngine ingest, packed table', `${fmt(d.ingestTable.prefixesPerSec)} prefixes/s; ${fmt(d.ingestTable.heapBytesPerRoute)} B heap/route`, range(d.ingestTable)],
    ['RouteEngine ingest, cluster', `${fmt(d.ingestCluster.updatesPerSec)} UPDATEs/s; ${fmt(d.ingestCluster.heapBytesPerRoute)} B heap/route`, range(d.ingestCluster)],
  ];
}

const gapText = (g: GapStats): string => `${g.maxGapS.toFixed(3)} s max, ${g.lateGaps} late (> 1.1 s) of ${g.keepalives}; before flood ${g.baselineMaxGapS.toFixed(3)} s`;

function keepaliveRows(k: KeepaliveResult): string[][] {
  const done = k.complete ? `${k.allReceivedS.toFixed(2)} s (last short poll at ${k.allReceivedLowerS.toFixed(2)} s)` : `not complete: ${fmt(k.received)}/${fmt(k.prefixes)} after ${k.allReceivedS.toFixed(1)} s`;
  return [
    [`daemon holds all ${fmt(k.prefixes)} prefixes (${fmt(k.updates)} UPDATEs, ${fmt(k.bytes)} B)`, done, `blaster wrote all in ${k.sendS.toFixed(2)} s`],
    ['end-to-end rate', `${fmt(k.prefixesPerSec)} prefixes/s`, `${k.polls} polls of neighbors, slowest reply ${k.maxPollLatencyS.toFixed(2)} s`],
    ['KEEPALIVE gaps, flooded session', gapText(k.flood), 'interval 1 s (hold 3 s)'],
    ['KEEPALIVE gaps, idle session', gapText(k.idle), ''],
    ['daemon peak RSS (VmHWM)', `${fmt(k.daemonPeakRssMiB)} MiB`, `RSS at end ${fmt(k.daemonRssEndMiB)} MiB; CPU ${k.daemonCpuS} s`],
    ['sessions after the run', k.daemonAlive ? (k.sessionsEstablishedAtEnd ? 'both Established' : 'NOT both Established') : 'DAEMON DIED', `flaps ${k.flaps}; blaster loop delay max ${k.blasterLoopDelayMaxMs} ms`],
  ];
}

function table(rows: string[][]): string {
  return ['| figure | result | detail |', '|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function meta(): Record<string, unknown> {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  return { time: new Date().toISOString(), loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', kernel: os.release(), memMiB: Math.round(os.totalmem() / 2 ** 20), commit };
}

/** Runs a command with inherited output; rejects on a non-zero exit. */
function run(cmd: string, args: string[]): Promise<void> {
  process.stderr.write(`$ ${cmd} ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: 'inherit' });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${String(code)}`))));
  });
}

/** The shared harness, one workload per call (its README: one rep per call for the big ones). */
async function harness(o: Opts): Promise<string> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const targets = o.targets ?? ['kernel', 'kernel-nh', 'bird', 'frr', 'gobgp', 'openbgpd', `${root}test/bench/rackroute`, `${root}test/bench/rackroute-nokernel`];
  const out = `${root}test/bench/results/harness-${new Date().toISOString().slice(0, 10)}.jsonl`;
  for (const w of o.workloads) {
    const reps = w.endsWith('-1m') || w.endsWith('-50k') ? 1 : 3;
    await run(`${root}../shared/bench/run.sh`, ['--targets', targets.join(','), '--workload', w, '--reps', String(reps), '--out', out]);
  }
  return out;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const result: Record<string, unknown> = { meta: meta(), options: o };
  const rows: string[][] = [];
  if (o.only === 'harness' || o.only === 'fib' || o.only === 'datapath') {
    if (process.getuid?.() !== 0) throw new Error(`bench: --only ${o.only} needs root (network namespaces)`);
    if (o.only === 'fib') return run(process.execPath, [fileURLToPath(new URL('./fib.js', import.meta.url))]);
    if (o.only === 'datapath') return run(process.execPath, [fileURLToPath(new URL('./datapath.js', import.meta.url))]);
    process.stdout.write(`\nharness results: ${await harness(o)}\n`);
    return;
  }
  if (o.only !== 'keepalive') {
    const d = await child<DecodeResult>('./decode.js', ['--expose-gc'], ['--prefixes', String(o.prefixes), '--cluster', String(o.cluster), '--reps', String(o.reps)]);
    result['decode'] = d;
    rows.push(...decodeRows(d));
  }
  if (o.only !== 'decode') {
    if (process.getuid?.() !== 0) throw new Error('bench: the keepalive benchmark needs root (network namespaces); use --only decode');
    const k = await child<KeepaliveResult>('./keepalive-gap.js', [], ['--prefixes', String(o.prefixes), '--timeout', String(o.timeout)]);
    result['keepalive'] = k;
    rows.push(...keepaliveRows(k));
  }
  const dir = fileURLToPath(new URL('../../../test/bench/results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const file = `${dir}${(result['meta'] as { time: string }).time.replace(/[:.]/g, '-')}.json`;
  result['loadavgAfter'] = os.loadavg().map((x) => Math.round(x * 100) / 100);
  writeFileSync(file, JSON.stringify(result, null, 1) + '\n');
  process.stdout.write(`\n${table(rows)}\n\nresults: ${file}\n`);
  if (o.only === undefined) {
    await run(process.execPath, [fileURLToPath(new URL('./fib.js', import.meta.url))]);
    process.stdout.write(`\nharness results: ${await harness(o)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
