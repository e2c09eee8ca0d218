/**
 * End-to-end benchmark of the real daemon under a full-table flood: are keepalives punctual
 * (DESIGN.md: "keepalives never late") and how fast does the table get in?
 *
 * Creates a per-run lab (test/support/netns.ts: namespaces `<prefix>-d` and `<prefix>-b`, one veth
 * pair, 198.18.0.2 on the daemon side, 198.18.0.1 + 198.18.0.3 on the blaster side), starts
 * `rackrouted` (dist/daemon/main.js) with two passive peers (hold time 3 s, so KEEPALIVE every
 * 1 s), and test/bench/blaster.js, which establishes both sessions, floods the packed table on one
 * and records every KEEPALIVE arrival on both. Polls the control socket's `neighbors` with back-off
 * (one request in flight, 100 ms growing to 1 s) until the flooded peer holds every prefix.
 *
 * Output: one JSON line (KeepaliveResult) on stdout; progress on stderr. Removes namespaces and
 * stops processes (by PID) at the end, also on failure. Needs root.
 */
import { flag } from './args.js';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';

const DAEMON_IP = '198.18.0.2';
const FLOOD_IP = '198.18.0.1';
const IDLE_IP = '198.18.0.3';
const HOLD = 3;
/** A KEEPALIVE interval of 1 s is late beyond this gap (DESIGN.md bar, with 10 % slack). */
const LATE_S = 1.1;
const AFTER_S = 3;

export interface GapStats {
  keepalives: number;
  maxGapS: number;
  lateGaps: number;
  /** Largest gap in the quiet period before the flood, for comparison. */
  baselineMaxGapS: number;
}

export interface KeepaliveResult {
  prefixes: number;
  updates: number;
  bytes: number;
  complete: boolean;
  received: number;
  /** first UPDATE written by the blaster -> `neighbors` reply showing every prefix. */
  allReceivedS: number;
  /** The reply before that one (still short): the true completion lies between the two. */
  allReceivedLowerS: number;
  sendS: number;
  prefixesPerSec: number;
  polls: number;
  /** Slowest `neighbors` reply during the load: the query waits behind the route engine's queue. */
  maxPollLatencyS: number;
  flood: GapStats;
  idle: GapStats;
  daemonPeakRssMiB: number;
  daemonRssEndMiB: number;
  daemonCpuS: number;
  sessionsEstablishedAtEnd: boolean;
  flaps: number;
  blasterLoopDelayMaxMs: number;
  daemonAlive: boolean;
}

type Ev = { ev: string; t: number } & Record<string, unknown>;

const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const log = (s: string): void => void process.stderr.write(`[keepalive-gap] ${s}\n`);

function config(dir: string): string {
  const peer = (name: string, address: string): string =>
    `  - name: ${name}\n    address: ${address}\n    asn: 65001\n    passive: true\n    holdTime: ${HOLD}\n    families: [ipv4-unicast]\n`;
  return [
    'node:',
    `  routerId: ${DAEMON_IP}`,
    '  asn: 65002',
    'peers:',
    peer('flood', FLOOD_IP) + peer('idle', IDLE_IP),
    'bgp:',
    `  listenAddresses: ["${DAEMON_IP}"]`,
    'control:',
    `  socket: ${join(dir, 'rackroute.sock')}`,
    'log:',
    '  level: info',
    '',
  ].join('\n');
}

/** Reads VmHWM / VmRSS (MiB) and utime+stime (s) of a process. */
function procStats(pid: number): { hwm: number; rss: number; cpu: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(f[11]) + Number(f[12]);
  return { hwm: kib('VmHWM') / 1024, rss: kib('VmRSS') / 1024, cpu: ticks / 100 };
}

/**
 * KEEPALIVE gaps. Baseline: gaps that end before `from`. Run: gaps that overlap [from, to], plus
 * the silence from the last KEEPALIVE to `to` if none came after it.
 */
function gaps(times: readonly number[], from: number, to: number): GapStats {
  let maxGap = 0;
  let late = 0;
  let baseline = 0;
  let count = 0;
  for (let i = 1; i < times.length; i++) {
    const a = times[i - 1] as number;
    const b = times[i] as number;
    if (b < from) baseline = Math.max(baseline, b - a);
    else if (a <= to) {
      count++;
      maxGap = Math.max(maxGap, b - a);
      if (b - a > LATE_S) late++;
    }
  }
  const last = times[times.length - 1];
  const silence = last === undefined || last < to ? to - (last ?? from) : 0;
  maxGap = Math.max(maxGap, silence);
  if (silence > LATE_S) late++;
  return { keepalives: count, maxGapS: r3(maxGap), lateGaps: late, baselineMaxGapS: r3(baseline) };
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

class Blaster {
  readonly proc: ChildProcessWithoutNullStreams;
  private readonly events: Ev[] = [];
  private waiters: (() => void)[] = [];

  constructor(lab: Lab, prefixes: number, seed: number) {
    const script = fileURLToPath(new URL('./blaster.js', import.meta.url));
    const argv = ['netns', 'exec', lab.nsName('b'), process.execPath, '--expose-gc', script, '--daemon', DAEMON_IP, '--flood-from', FLOOD_IP, '--idle-from', IDLE_IP, '--hold', String(HOLD), '--prefixes', String(prefixes), '--seed', String(seed)];
    this.proc = spawn('ip', argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.proc.stdout }).on('line', (l) => {
      const e = JSON.parse(l) as Ev;
      if (e.ev !== 'final') log(`blaster ${l.slice(0, 200)}`);
      this.events.push(e);
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr.on('data', (d: Buffer) => process.stderr.write(`[blaster] ${d.toString()}`));
  }

  async wait(ev: string, timeoutS: number): Promise<Ev> {
    const end = now() + timeoutS;
    for (;;) {
      const e = this.events.find((x) => x.ev === ev);
      if (e) return e;
      const bad = this.events.find((x) => x.ev === 'closed' || x.ev === 'notification' || x.ev === 'framing_error');
      if (bad) throw new Error(`blaster: ${JSON.stringify(bad)}`);
      if (this.proc.exitCode !== null) throw new Error(`blaster exited ${this.proc.exitCode} before '${ev}'`);
      if (now() > end) throw new Error(`blaster: no '${ev}' within ${timeoutS} s`);
      await new Promise<void>((res) => {
        const t = setTimeout(res, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  send(line: string): void {
    this.proc.stdin.write(line + '\n');
  }

  stop(): void {
    if (this.proc.exitCode === null && this.proc.pid !== undefined) {
      try {
        process.kill(this.proc.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

interface Neighbor {
  name: string;
  state: string;
  flaps: number;
  prefixes: { received: number };
}

async function neighbors(sock: string): Promise<Neighbor[]> {
  const r = (await callDaemon(sock, 'neighbors', {}, 600_000)) as { neighbors: Neighbor[] };
  return r.neighbors;
}

/** Polls until the flood peer holds `n` prefixes; one request in flight, back-off 100 ms -> 1 s. */
async function pollUntilAll(sock: string, n: number, deadline: number, daemon: ProcHandle): Promise<{ t: number; prev: number; received: number; polls: number; maxLatency: number }> {
  let delay = 0.1;
  let prev = now();
  let polls = 0;
  let maxLatency = 0;
  for (;;) {
    const asked = now();
    const list = await neighbors(sock);
    const t = now();
    maxLatency = Math.max(maxLatency, t - asked);
    polls++;
    const received = list.find((x) => x.name === 'flood')?.prefixes.received ?? 0;
    if (received >= n || t > deadline || daemon.exitStatus() !== null) return { t, prev, received, polls, maxLatency };
    prev = t;
    await new Promise((r) => setTimeout(r, delay * 1000));
    delay = Math.min(1, delay * 1.5);
  }
}

export async function runKeepaliveBench(o: { prefixes: number; seed: number; timeoutS: number }): Promise<KeepaliveResult> {
  const lab = await createLab(`rrb${Math.random().toString(36).slice(2, 6)}`);
  let blaster: Blaster | undefined;
  try {
    await lab.addNamespace('d');
    await lab.addNamespace('b');
    const link = await lab.linkNamespaces('d', 'b', { v4: [DAEMON_IP, FLOOD_IP, 24] });
    await lab.exec('b', ['ip', 'addr', 'add', `${IDLE_IP}/24`, 'dev', link.ifB]);
    const cfg = join(lab.dir, 'rackroute.yaml');
    writeFileSync(cfg, config(lab.dir));
    const sock = join(lab.dir, 'rackroute.sock');
    const main = fileURLToPath(new URL('../../daemon/main.js', import.meta.url));
    const daemon = lab.spawnIn('d', [process.execPath, main, '--config', cfg], { logFile: join(lab.dir, 'daemon.log') });
    await waitFor(() => callDaemon(sock, 'status', {}, 1000).then(() => true, () => false), { timeoutMs: 20_000, what: 'rackrouted control socket' });
    log(`lab ${lab.prefix}: daemon pid ${daemon.pid} up; starting blaster`);

    blaster = new Blaster(lab, o.prefixes, o.seed);
    const enc = await blaster.wait('encoded', 120);
    await blaster.wait('ready', 30);
    // A quiet baseline: a few KEEPALIVEs on both sessions before the flood.
    await new Promise((r) => setTimeout(r, 3500));
    const cpu0 = procStats(daemon.pid).cpu;
    blaster.send('go');
    const first = await blaster.wait('first_update', 10);
    const done = await pollUntilAll(sock, o.prefixes, first.t + o.timeoutS, daemon);
    const sent = await blaster.wait('sent_all', 5).catch(() => undefined);
    log(`flood peer holds ${done.received}/${o.prefixes} after ${(done.t - first.t).toFixed(2)} s`);
    await new Promise((r) => setTimeout(r, AFTER_S * 1000));
    const alive = daemon.exitStatus() === null;
    const ps = alive ? procStats(daemon.pid) : { hwm: NaN, rss: NaN, cpu: NaN };
    const end = alive ? await neighbors(sock) : [];
    blaster.send('quit');
    const fin = await blaster.wait('final', 10);
    const ka = fin['keepalives'] as { flood: number[]; idle: number[] };
    const to = done.t + AFTER_S;
    const complete = done.received >= o.prefixes;
    const elapsed = done.t - first.t;
    return {
      prefixes: o.prefixes,
      updates: Number(enc['updates']),
      bytes: Number(enc['bytes']),
      complete,
      received: done.received,
      allReceivedS: r3(elapsed),
      allReceivedLowerS: r3(done.prev - first.t),
      sendS: sent ? r3(sent.t - first.t) : NaN,
      prefixesPerSec: complete ? Math.round(o.prefixes / elapsed) : 0,
      polls: done.polls,
      maxPollLatencyS: r3(done.maxLatency),
      flood: gaps(ka.flood, first.t, to),
      idle: gaps(ka.idle, first.t, to),
      daemonPeakRssMiB: Math.round(ps.hwm),
      daemonRssEndMiB: Math.round(ps.rss),
      daemonCpuS: r3(ps.cpu - cpu0),
      sessionsEstablishedAtEnd: end.length === 2 && end.every((n) => n.state === 'Established'),
      flaps: end.reduce((a, n) => a + n.flaps, 0),
      blasterLoopDelayMaxMs: r3(Number(fin['blasterLoopDelayMaxMs'])),
      daemonAlive: alive,
    };
  } finally {
    blaster?.stop();
    await lab.cleanup();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  runKeepaliveBench({ prefixes: flag(argv, '--prefixes', 1_000_000), seed: flag(argv, '--seed', 1), timeoutS: flag(argv, '--timeout', 300) }).then(
    (r) => process.stdout.write(JSON.stringify(r) + '\n'),
    (err: unknown) => {
      process.stderr.write(`keepalive-gap: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
