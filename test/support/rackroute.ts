/**
 * rackrouted under test in a lab namespace: renders its YAML config into a per-run dir inside
 * lab.dir, starts `node dist/daemon/main.js --config FILE` there (log kept next to it), and talks
 * to it through its control socket (callDaemon) for neighbours and routes, and to its metrics
 * listener over HTTP from inside the namespace (http()). reload() rewrites the
 * file and sends SIGHUP; stop() sends SIGTERM; both by the daemon's own PID.
 *
 * Input: a Lab, a namespace short name and a RackrouteConfig. Output: a running rackrouted and
 * the control API's answers. Must not: use the system config or socket paths, or signal any
 * process but the one it started.
 */
import type { AttrsJson } from '../../daemon/rib/format.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { callDaemon } from '../../daemon/control/client.js';
import type { Lab, ProcHandle } from './netns.js';
import { waitFor } from './netns.js';

/** Run by `node -e` inside the namespace: GET argv[1], print {status, body} as JSON. */
const HTTP_GET = `fetch(process.argv[1]).then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))`;

/** dist/test/support -> dist/daemon/main.js */
const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'daemon', 'main.js');

export type RrFamily = 'ipv4-unicast' | 'ipv6-unicast';

export interface RrOriginate {
  prefix: string;
  communities?: string[];
  largeCommunities?: string[];
}

export interface RrPeer {
  name: string;
  address: string;
  asn: number | 'internal' | 'external';
  passive?: boolean;
  families?: RrFamily[];
  holdTime?: number;
  keepalive?: number;
  connectRetry?: number;
  localAddress?: string;
  port?: number;
  gracefulRestart?: { enabled: boolean; restartTime?: number };
  /** Session protection (daemon/net/): TCP-MD5 key file or variable, TCP-AO, GTSM, multihop TTL, interface. */
  passwordFile?: string;
  passwordEnv?: string;
  tcpAo?: { keyFile?: string; keyEnv?: string; sendId: number; recvId: number; algorithm?: 'hmac-sha1' | 'cmac-aes128' };
  ttlSecurity?: boolean;
  multihop?: number;
  interface?: string;
  bfd?: { enabled: boolean; minRx?: number; minTx?: number; multiplier?: number };
}

export interface RackrouteConfig {
  /** '' leaves node.routerId out (Kubernetes supplies it). */
  routerId: string;
  asn: number;
  originate: RrOriginate[];
  peers: RrPeer[];
  /** node.podNetworks: the default import policy accepts only routes inside these. */
  podNetworks?: string[];
  logLevel?: 'info' | 'debug' | 'trace' | 'warn';
  /** bgp.shutdownDrain: seconds of RFC 8326 drain on SIGTERM (tests default to 0: no wait). */
  shutdownDrain?: number;
  /** metrics.listen (the daemon's default, 127.0.0.1:9180 in its namespace, when unset). */
  metricsListen?: string;
  /** The `kubernetes` section, as written. */
  kubernetes?: Record<string, unknown>;
  /** The `datapath` section, as written (default: disabled — scenarios opt in). */
  datapath?: Record<string, unknown>;
  /** Run with the host's mounts (nsenter --net): the datapath's pins outlive the process. */
  hostMounts?: boolean;
}

/** Why a session went down, as `neighbors` reports it (peers/down.ts DownReason). */
export interface RrDown {
  kind: string;
  code?: number;
  subcode?: number;
  text?: string;
  shutdownMessage?: string;
  message?: string;
}

export interface RrNeighbor {
  name: string;
  address: string;
  state: string;
  uptimeMs: number;
  flaps: number;
  lastError?: string;
  lastDown?: RrDown;
  lastNotification?: { direction: 'sent' | 'received'; code: number; subcode: number; text: string };
  remoteAsn?: number;
  holdTime?: number;
  families?: string[];
  capabilities?: unknown;
  prefixes: { received: number; advertised: number };
  local?: string;
  remote?: string;
  direction?: string;
  /** Session protection (daemon/net/protection.ts SecurityInfo) and why it is held down, if it is. */
  security?: { auth: string; ttlSecurity: boolean; multihop?: number; interface?: string };
  protectionError?: { reason: string; message: string };
}

/** Attributes as the control API prints them (daemon/rib/format.ts), plus any it adds. */
export type RrAttrs = AttrsJson & { [key: string]: unknown };

export interface RrRoute {
  prefix: string;
  pathId?: number;
  mpNextHop?: string;
  attrs: RrAttrs;
}

export interface RrPeerRoutes {
  received: RrRoute[];
  advertised: RrRoute[];
  counters?: Record<string, number>;
  endOfRibReceived?: string[];
}

export interface Rackroute {
  readonly ns: string;
  readonly dir: string;
  readonly configFile: string;
  readonly socket: string;
  readonly logFile: string;
  readonly pid: number;
  readonly proc: ProcHandle;
  neighbors(): Promise<RrNeighbor[]>;
  neighbor(name: string): Promise<RrNeighbor>;
  /** Adj-RIB-In / Adj-RIB-Out per Established peer; one peer's entry when named. */
  routes(peer?: string): Promise<Record<string, RrPeerRoutes>>;
  waitEstablished(peer: string, timeoutMs?: number): Promise<RrNeighbor>;
  /** Rewrites the config file and sends SIGHUP. */
  reload(cfg: RackrouteConfig): Promise<void>;
  /** SIGTERM, then waits for the exit; returns the exit code (or signal name). */
  stop(timeoutMs?: number): Promise<number | string | null>;
  /** Last lines of the daemon's log, for failure messages. */
  logTail(lines?: number): string;
  /** GET http://<metrics.listen><path> from inside the daemon's namespace. */
  http(path: string): Promise<{ status: number; body: string }>;
}

export function renderConfig(cfg: RackrouteConfig, socket: string): string {
  const doc = {
    node: { ...(cfg.routerId ? { routerId: cfg.routerId } : {}), asn: cfg.asn, ...(cfg.podNetworks ? { podNetworks: cfg.podNetworks } : {}) },
    originate: cfg.originate.map((o) => ({ prefix: o.prefix, communities: o.communities ?? [], largeCommunities: o.largeCommunities ?? [] })),
    peers: cfg.peers.map((p) => ({ ...p })),
    bgp: { shutdownDrain: cfg.shutdownDrain ?? 0 },
    control: { socket },
    ...(cfg.metricsListen ? { metrics: { listen: cfg.metricsListen } } : {}),
    ...(cfg.kubernetes ? { kubernetes: cfg.kubernetes } : {}),
    datapath: cfg.datapath ?? { enabled: false },
    log: { level: cfg.logLevel ?? 'debug' },
  };
  return stringify(doc);
}

/** `env`: variables for the daemon's environment on top of the test's (e.g. a passwordEnv key). */
export async function startRackroute(lab: Lab, ns: string, cfg: RackrouteConfig, opts: { env?: Record<string, string> } = {}): Promise<Rackroute> {
  const dir = join(lab.dir, `rackroute-${ns}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  const socket = join(dir, 'rackroute.sock');
  const logFile = join(dir, 'rackrouted.log');
  writeFileSync(configFile, renderConfig(cfg, socket));
  // env(1) execs the daemon in place, so the PID stays the daemon's.
  const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const proc = lab.spawnIn(ns, [...(env.length > 0 ? ['env', ...env] : []), process.execPath, MAIN_JS, '--config', configFile], { logFile, hostMounts: cfg.hostMounts ?? false });
  const rr = new RackrouteImpl(ns, dir, configFile, socket, logFile, proc, lab, cfg.metricsListen ?? '127.0.0.1:9180');
  await waitFor(async () => {
    if (proc.exitStatus() !== null) throw new Error(`rackrouted exited ${proc.exitStatus()}: ${rr.logTail(20)}`);
    return callDaemon(socket, 'status', {}, 2000);
  }, { timeoutMs: 10000, what: `rackrouted in ${ns} to answer on ${socket} (log ${logFile})` });
  return rr;
}

class RackrouteImpl implements Rackroute {
  constructor(readonly ns: string, readonly dir: string, readonly configFile: string, readonly socket: string,
    readonly logFile: string, readonly proc: ProcHandle, private readonly lab: Lab, private readonly metricsListen: string) {}

  get pid(): number {
    return this.proc.pid;
  }

  async neighbors(): Promise<RrNeighbor[]> {
    return ((await callDaemon(this.socket, 'neighbors')) as { neighbors: RrNeighbor[] }).neighbors;
  }

  async neighbor(name: string): Promise<RrNeighbor> {
    const n = (await this.neighbors()).find((x) => x.name === name);
    if (!n) throw new Error(`rackrouted has no neighbour ${name}`);
    return n;
  }

  async routes(peer?: string): Promise<Record<string, RrPeerRoutes>> {
    return (await callDaemon(this.socket, 'routes', peer === undefined ? {} : { peer })) as Record<string, RrPeerRoutes>;
  }

  waitEstablished(peer: string, timeoutMs = 15000): Promise<RrNeighbor> {
    return waitFor(() => this.neighbor(peer), {
      timeoutMs, what: `rackrouted: ${peer} Established (log ${this.logFile})`, until: (n) => n.state === 'Established',
    });
  }

  async reload(cfg: RackrouteConfig): Promise<void> {
    writeFileSync(this.configFile, renderConfig(cfg, this.socket));
    if (this.proc.exitStatus() !== null) throw new Error(`rackrouted is not running (exited ${this.proc.exitStatus()})`);
    process.kill(this.proc.pid, 'SIGHUP');
  }

  async stop(timeoutMs = 5000): Promise<number | string | null> {
    if (this.proc.exitStatus() === null) {
      process.kill(this.proc.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs)));
      const res = await Promise.race([this.proc.exited.then(() => 'exited' as const), late]);
      clearTimeout(timer);
      if (res === 'late') {
        await this.proc.stop(0);
        throw new Error(`rackrouted did not exit within ${timeoutMs} ms of SIGTERM (killed); log: ${this.logTail(20)}`);
      }
    }
    return this.proc.exitStatus();
  }

  async http(path: string): Promise<{ status: number; body: string }> {
    const { stdout } = await this.lab.exec(this.ns, [process.execPath, '-e', HTTP_GET, `http://${this.metricsListen}${path}`]);
    return JSON.parse(stdout) as { status: number; body: string };
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}
