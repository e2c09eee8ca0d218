/**
 * Per-run network lab for scenario tests: network namespaces joined by veth pairs, processes
 * started inside them, and a cleanup that removes all of it (also when a test fails or the
 * process is interrupted).
 *
 * Input: names and addresses from the test. Output: namespaces/links/processes on this machine,
 * and a run directory under the OS temp dir for configs, sockets and logs.
 * Must not: touch anything it did not create. Every namespace and link name carries the run
 * prefix; processes are stopped by their own PID only (never by name); traffic stays inside the
 * lab's namespaces (addresses are configured only there).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, mkdtempSync, readdirSync, rmSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/** Addresses for one veth pair: [address on side A, address on side B, prefix length]. */
export interface LinkAddrs {
  v4?: [string, string, number];
  v6?: [string, string, number];
}

export interface Link {
  /** Interface name inside namespace A / B. */
  ifA: string;
  ifB: string;
}

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
  timeoutMs?: number;
  input?: string;
}

export interface ProcHandle {
  readonly pid: number;
  readonly argv: readonly string[];
  readonly logFile: string | undefined;
  /** null while running; the exit code (or signal name) once it has exited. */
  exitStatus(): number | string | null;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs; by this PID only. */
  stop(graceMs?: number): Promise<void>;
}

export interface Lab {
  /** Run prefix, e.g. "rr3fa9c"; every namespace and link name starts with it. */
  readonly prefix: string;
  /** Per-run temp dir for configs, sockets, logs. */
  readonly dir: string;
  /** Full namespace name for a short name (`${prefix}-${name}`). */
  nsName(name: string): string;
  /** Creates namespace `${prefix}-${name}` with lo up and IPv6 DAD off; returns its full name. */
  addNamespace(name: string): Promise<string>;
  /** veth pair between two lab namespaces (short names), with addresses, both ends up. */
  linkNamespaces(nsA: string, nsB: string, addrs: LinkAddrs): Promise<Link>;
  /** Runs argv to completion in a lab namespace (short name); rejects on non-zero exit. */
  exec(ns: string, argv: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running process in a lab namespace; stdout+stderr go to logFile if given. */
  /**
   * Starts a long-running process in a lab namespace; stdout+stderr go to logFile if given.
   * hostMounts: enter only the network namespace (nsenter --net), keeping the host's mounts —
   * `ip netns exec` gives the process a private /sys, and so a private bpffs whose pins vanish
   * with it.
   */
  spawnIn(ns: string, argv: string[], opts?: { logFile?: string; hostMounts?: boolean }): ProcHandle;
  /** Processes the lab started that have not exited yet (daemons and running execs). */
  running(): ProcHandle[];
  /** Kills every process the lab started (by PID), deletes its namespaces and run dir. */
  cleanup(): Promise<void>;
}

export interface LabOptions {
  /** Keep the run dir (logs) after cleanup (default: keep only if RR_KEEP_LAB=1). */
  keepDir?: boolean;
}

const STOP_GRACE_MS = 2000;
const live = new Set<LabImpl>();
let processHooksInstalled = false;

/** Where a lab daemon keeps its datapath pins (host bpffs; removed by the lab's cleanup). */
export function datapathPinDir(lab: Lab, node: string): string {
  return `/sys/fs/bpf/rackroute-${lab.prefix}-${node}`;
}

/** Creates a lab with a unique prefix ("rr" + 5 random hex chars unless given). */
export async function createLab(prefix?: string, opts: LabOptions = {}): Promise<Lab> {
  const p = prefix ?? `rr${randomBytes(3).toString('hex').slice(0, 5)}`;
  if (!/^[a-z][a-z0-9]{1,7}$/.test(p)) throw new Error(`lab prefix ${p}: want 2-8 chars [a-z0-9]`);
  const lab = new LabImpl(p, mkdtempSync(join(tmpdir(), `${p}-`)), opts.keepDir ?? process.env['RR_KEEP_LAB'] === '1');
  chmodSync(lab.dir, 0o755);
  live.add(lab);
  installProcessHooks();
  return lab;
}

class LabImpl implements Lab {
  private readonly namespaces: string[] = [];
  private readonly procs = new Set<ProcImpl>();
  private linkCount = 0;

  constructor(readonly prefix: string, readonly dir: string, private readonly keepDir: boolean) {}

  nsName(name: string): string {
    return `${this.prefix}-${name}`;
  }

  async addNamespace(name: string): Promise<string> {
    const ns = this.nsName(name);
    this.namespaces.push(ns); // before creating it: an interrupted add still gets swept
    await run(['ip', 'netns', 'add', ns]);
    await this.exec(name, ['ip', 'link', 'set', 'lo', 'up']);
    // No duplicate address detection: addresses (link-local too) are usable at once.
    await this.exec(name, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0']);
    return ns;
  }

  async linkNamespaces(nsA: string, nsB: string, addrs: LinkAddrs): Promise<Link> {
    const n = this.linkCount++;
    const ifA = `${this.prefix}l${n}a`;
    const ifB = `${this.prefix}l${n}b`;
    // Created directly inside both namespaces: the pair never appears in the root namespace.
    await run(['ip', 'link', 'add', ifA, 'netns', this.nsName(nsA), 'type', 'veth', 'peer', 'name', ifB, 'netns', this.nsName(nsB)]);
    for (const [ns, ifName, side] of [[nsA, ifA, 0], [nsB, ifB, 1]] as const) {
      if (addrs.v4) await this.exec(ns, ['ip', 'addr', 'add', `${addrs.v4[side]}/${addrs.v4[2]}`, 'dev', ifName]);
      if (addrs.v6) await this.exec(ns, ['ip', '-6', 'addr', 'add', `${addrs.v6[side]}/${addrs.v6[2]}`, 'dev', ifName, 'nodad']);
      await this.exec(ns, ['ip', 'link', 'set', ifName, 'up']);
    }
    return { ifA, ifB };
  }

  exec(ns: string, argv: string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return run(['ip', 'netns', 'exec', this.nsName(ns), ...argv], opts, (c) => this.track(c));
  }

  spawnIn(ns: string, argv: string[], opts: { logFile?: string; hostMounts?: boolean } = {}): ProcHandle {
    const fd = opts.logFile === undefined ? 'ignore' : openSync(opts.logFile, 'a');
    // `ip netns exec` and nsenter exec argv in place, so the child's PID is the program's PID.
    const child = opts.hostMounts
      ? spawn('nsenter', [`--net=/run/netns/${this.nsName(ns)}`, '--', ...argv], { stdio: ['ignore', fd, fd] })
      : spawn('ip', ['netns', 'exec', this.nsName(ns), ...argv], { stdio: ['ignore', fd, fd] });
    if (typeof fd === 'number') closeSync(fd);
    const proc = new ProcImpl(child, argv, opts.logFile);
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
    return proc;
  }

  running(): ProcHandle[] {
    return [...this.procs];
  }

  private track(child: ChildProcess): void {
    if (child.pid === undefined) return;
    const proc = new ProcImpl(child, [], undefined);
    this.procs.add(proc);
    void proc.exited.then(() => this.procs.delete(proc));
  }

  async cleanup(): Promise<void> {
    await Promise.all([...this.procs].map((p) => p.stop()));
    this.cleanupSync();
  }

  /** Synchronous variant for process 'exit' hooks: SIGKILL by PID, delete namespaces. */
  cleanupSync(): void {
    for (const p of this.procs) p.kill('SIGKILL');
    this.procs.clear();
    for (const ns of this.namespaces.splice(0)) {
      try {
        execFileSync('ip', ['netns', 'delete', ns], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    }
    if (!this.keepDir) rmSync(this.dir, { recursive: true, force: true });
    // The datapath's pins of this lab's daemons (datapathPinDir) live in the host's bpffs.
    try {
      for (const d of readdirSync('/sys/fs/bpf')) if (d.startsWith(`rackroute-${this.prefix}-`)) rmSync(join('/sys/fs/bpf', d), { recursive: true, force: true });
    } catch {
      // no bpffs here
    }
    live.delete(this);
  }
}

class ProcImpl implements ProcHandle {
  readonly pid: number;
  readonly exited: Promise<void>;
  private status: number | string | null = null;

  constructor(private readonly child: ChildProcess, readonly argv: readonly string[], readonly logFile: string | undefined) {
    if (child.pid === undefined) throw new Error(`could not start ${argv.join(' ')}`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.status = code ?? signal;
        resolve();
      });
    });
  }

  exitStatus(): number | string | null {
    return this.status;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.status !== null) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already exited
    }
  }

  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (this.status !== null) return;
    this.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([this.exited, grace]);
    clearTimeout(timer);
    if (this.status === null) {
      this.kill('SIGKILL');
      await this.exited;
    }
  }
}

// Under `node --test` (which sets NODE_TEST_CONTEXT in each file's process), sweep every lab in a
// root-level `after` hook, registered here at import time: a hook registered later from inside a
// `before` hook would be bound to that hook and run as soon as it ends. Not registered outside
// the test runner, where calling `after` would start a test harness.
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  after(async () => {
    await Promise.all([...live].map((lab) => lab.cleanup()));
  });
}

function installProcessHooks(): void {
  if (processHooksInstalled) return;
  processHooksInstalled = true;
  const sweep = (): void => {
    for (const lab of [...live]) lab.cleanupSync();
  };
  process.on('exit', sweep);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      sweep();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

/** Runs a command in the root namespace (only `ip` plumbing and lab-namespace execs). */
function run(argv: string[], opts: ExecOptions = {}, onSpawn?: (c: ChildProcess) => void): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  if (cmd === undefined) throw new Error('empty argv');
  return new Promise((resolve, reject) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(cmd, args, { stdio: [stdin, 'pipe', 'pipe'], timeout: opts.timeoutMs ?? 15000, killSignal: 'SIGKILL' });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const res = { code, stdout, stderr };
      if (code === 0 || opts.allowFail) resolve(res);
      else reject(new Error(`${argv.join(' ')} exited ${code ?? signal}: ${stderr.trim() || stdout.trim()}`));
    });
    // A command that exits without reading its input must not crash us with EPIPE.
    child.stdin?.on('error', () => undefined).end(opts.input);
  });
}

export interface WaitOptions<T> {
  timeoutMs: number;
  /** What is being waited for, e.g. "bird: session to 10.0.0.2 Established". */
  what: string;
  intervalMs?: number;
  /** Done when this holds for fn's value (default: value is truthy). */
  until?: (value: T) => boolean;
}

/**
 * Polls fn until `until(value)` holds and returns that value. On timeout throws an error naming
 * what did not happen, with the last observed value (or the last error fn threw).
 */
export async function waitFor<T>(fn: () => T | Promise<T>, opts: WaitOptions<T>): Promise<T> {
  const until = opts.until ?? ((v: T) => Boolean(v));
  const deadline = Date.now() + opts.timeoutMs;
  let last: { value: T } | { error: unknown } | undefined;
  for (;;) {
    try {
      const value = await fn();
      if (until(value)) return value;
      last = { value };
    } catch (error) {
      last = { error };
    }
    if (Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
  const seen = last === undefined ? 'nothing' : 'error' in last ? `error ${String(last.error)}` : describe(last.value);
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}; last observed: ${seen}`);
}

function describe(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}
