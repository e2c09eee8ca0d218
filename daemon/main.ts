#!/usr/bin/env node
/**
 * `rackrouted`: the daemon's entry point. Parses flags, loads and validates the config
 * (`--check` stops there), starts the metrics/health listener, the BGP speaker and the control
 * socket, and on SIGTERM/SIGINT sends every peer Cease/Administrative Shutdown with a reason
 * (RFC 9003) before exiting.
 */
import { readFileSync } from 'node:fs';
import { runCheck } from '../config/check.js';
import { loadConfigFile } from '../config/load.js';
import { diffConfig, type ConfigDiff } from '../config/diff.js';
import { DEFAULT_CONFIG_PATH, formatError } from '../config/schema.js';
import { ControlServer } from './control/server.js';
import { createLogger, type Logger } from './log.js';
import { startMetrics, type MetricsService } from './metrics/service.js';
import { Speaker } from './speaker.js';
import { sdNotify, startWatchdog } from './systemd/notify.js';
import type { Config } from '../config/schema.js';
import { compose, type Composed } from './kubernetes/compose.js';
import { KubernetesService } from './kubernetes/service.js';
import type { NodeInfo } from './kubernetes/node-info.js';
import { Datapath, listLinks } from './datapath/datapath.js';
import { uninstall as uninstallDatapath } from './datapath/loader.js';
import { NetlinkFib } from './kernel/netlink.js';

const USAGE = `usage: rackrouted [--config FILE] [--check [--quiet]] [--no-fib] [--datapath-uninstall] [--version]
  --config FILE   configuration (default ${DEFAULT_CONFIG_PATH})
  --no-fib        do not program the kernel (route server / benchmark without kernel sync)
  --datapath-uninstall  detach the eBPF datapath from every interface, remove its pinned maps, exit
  --check         validate the configuration, print it canonically (or every error as file:line), exit`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  let configPath = DEFAULT_CONFIG_PATH;
  let check = false;
  let quiet = false;
  let fib = true;
  let uninstallDp = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') configPath = argv[++i] ?? '';
    else if (a === '--check') check = true;
    else if (a === '--quiet') quiet = true;
    else if (a === '--no-fib') fib = false;
    else if (a === '--datapath-uninstall') uninstallDp = true;
    else if (a === '--version') {
      process.stdout.write(`rackrouted ${version()}\n`);
      return 0;
    } else {
      process.stderr.write(`rackrouted: unknown argument '${a}'\n${USAGE}\n`);
      return 2;
    }
  }
  if (uninstallDp) {
    const loaded = await loadConfigFile(configPath);
    const nl = new NetlinkFib();
    const links = await listLinks(nl).finally(() => nl.close());
    const errors = uninstallDatapath(new Map(links.map((l) => [l.ifindex, l.name])), loaded.config?.datapath.pinDir);
    for (const e of errors) process.stderr.write(`rackrouted: ${e}\n`);
    if (!errors.length) process.stdout.write('rackrouted: datapath detached and unpinned; the kernel stack forwards\n');
    return errors.length ? 1 : 0;
  }
  if (check) return runCheck(configPath, quiet ? { stdout: { write: () => true }, stderr: process.stderr } : process);

  const { config, errors } = await loadConfigFile(configPath);
  if (!config || errors.length > 0) {
    process.stderr.write(errors.map((e) => `${formatError(e)}\n`).join(''));
    return 1;
  }
  const log = createLogger(config.log.level);
  // With Kubernetes, the running config is the file's plus the node list's (compose.ts).
  let kube: KubernetesService | null = null;
  let running: Composed | null = null;
  if (config.kubernetes.enabled) {
    kube = new KubernetesService(config.kubernetes, log, null);
    sdNotify('STATUS=waiting for the Kubernetes node list');
    running = await firstRunnable(config, kube, log);
  }
  const speaker = new Speaker(running?.config ?? config, log, { fib });
  if (running) speaker.setOwnership(running.ownership);
  const datapath = fib ? new Datapath(config.datapath, (running?.config ?? config).node.podNetworks, speaker, log.child({ comp: 'datapath' }), undefined, config.datapath.pinDir) : null;
  const ctx: ReloadContext = { speaker, log, kube, datapath, file: config, ownership: running ? JSON.stringify(running.ownership) : '' };
  // First, so /healthz and /readyz answer (503 with the reason) while the rest starts.
  const metrics = await startMetrics(config.metrics, speaker, log, { version: version() });
  kube?.attachMetrics(metrics.metrics);
  const control = new ControlServer(
    config.control.socket,
    {
      status: () => ({
        ...(speaker.status(version()) as object),
        datapath: datapath ? { mode: datapath.mode, reason: datapath.status().reason } : { mode: 'legacy', reason: 'kernel not programmed (--no-fib)' },
        ...(kube ? { kubernetes: kube.status() } : {}),
      }),
      datapath: () => (datapath ? { ...datapath.status(), routeCounters: datapath.routeCounters() } : { mode: 'legacy', reason: 'kernel not programmed (--no-fib)', interfaces: [], routes: 0, findings: [] }),
      neighbors: (p) => speaker.neighbors(typeof p.peer === 'string' ? p.peer : undefined),
      rib: (p) => speaker.rib({ ...(typeof p.prefix === 'string' ? { prefix: p.prefix } : {}), ...(typeof p.limit === 'number' ? { limit: p.limit } : {}) }),
      fib: () => speaker.fibCounters(),
      why: (p) => speaker.why(String(p.address ?? '')),
      peer: (p) => speaker.peerAction(String(p.peer ?? ''), String(p.action ?? ''), typeof p.message === 'string' ? p.message : undefined),
      // Same path as SIGHUP; --dry-run computes the plan and changes nothing.
      reload: async (p) => {
        if (p.dryRun === true) return reload(configPath, ctx, metrics, true);
        if (reloading) throw new Error('a reload is already running');
        reloading = true;
        try {
          return await serial(() => reload(configPath, ctx, metrics));
        } finally {
          reloading = false;
        }
      },
      routes: (p) =>
        speaker.routes({
          ...(typeof p.peer === 'string' ? { peer: p.peer } : {}),
          ...(typeof p.prefix === 'string' ? { prefix: p.prefix } : {}),
          ...(typeof p.limit === 'number' ? { limit: p.limit } : {}),
        }),
    },
    config.control.group,
  );
  await speaker.start();
  if (datapath) {
    await datapath.start();
    datapath.attachMetrics(metrics.metrics);
  }
  await control.start();
  await metrics.started();
  if (kube) {
    const k = kube;
    k.onNodes((nodes) => void serial(() => applyNodes(ctx, nodes)));
    // The API may have answered while we started: apply what it said (nothing, if it is the same).
    void serial(() => applyNodes(ctx, k.current));
    k.reportCondition(() => routesInPlace(speaker));
  }
  // systemd (Type=notify): ready now that config, sessions, listener and first FIB sync are done.
  sdNotify(`READY=1\nSTATUS=${await statusLine(speaker)}`);
  startWatchdog();
  setInterval(() => void statusLine(speaker).then((s) => sdNotify(`STATUS=${s}`)), 5000).unref();
  log.info({ event: 'daemon.started', version: version(), routerId: config.node.routerId, asn: config.node.asn, peers: config.peers.length }, 'rackrouted started');

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ event: 'daemon.stopping', signal }, 'shutting down');
    sdNotify(`STOPPING=1\nSTATUS=shutting down (${signal})`);
    void (async () => {
      kube?.stop();
      datapath?.stop();
      await speaker.stop(`rackrouted shutting down (${signal})`);
      await control.stop();
      await metrics.stop();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  let reloading = false;
  process.on('SIGHUP', () => {
    if (reloading) {
      log.warn({ event: 'config.reload.busy' }, 'a reload is already running; ignoring SIGHUP');
      return;
    }
    reloading = true;
    sdNotify(`RELOADING=1\nMONOTONIC_USEC=${process.hrtime.bigint() / 1000n}`);
    void serial(() => reload(configPath, ctx, metrics)).finally(() => {
      reloading = false;
      sdNotify('READY=1');
    });
  });
  return -1;
}

/** systemd's STATUS= line: "3/3 peers up, 812 routes in the kernel". */
async function statusLine(speaker: Speaker): Promise<string> {
  const st = speaker.status('') as { peers: number; sessions: Record<string, number> };
  const fib = (await speaker.fibCounters()) as { routesInstalled?: number } | null;
  return `${st.sessions['Established'] ?? 0}/${st.peers} peers up${fib ? `, ${fib.routesInstalled ?? 0} routes in the kernel` : ''}`;
}

/** Reloads and node-list changes are applied one at a time, in order. */
let chain: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const run = chain.then(fn, fn);
  chain = run.catch(() => undefined);
  return run;
}

interface ReloadContext {
  speaker: Speaker;
  log: Logger;
  kube: KubernetesService | null;
  datapath: Datapath | null;
  /** The configuration file as last loaded (without what Kubernetes adds). */
  file: Config;
  /** The ownership table last sent to the engine (JSON), to skip re-sending an equal one. */
  ownership: string;
}

/** Waits until the node list gives a config that can run (a router id, at least). */
async function firstRunnable(file: Config, kube: KubernetesService, log: Logger): Promise<Composed> {
  let nodes: readonly NodeInfo[] = await kube.initial();
  for (;;) {
    const c = compose(file, nodes, kube.nodeName);
    if (c.runnable) {
      if (c.notes.length) log.warn({ event: 'kubernetes.compose', notes: c.notes }, c.notes.join('; '));
      return c;
    }
    log.warn({ event: 'kubernetes.compose', notes: c.notes }, `cannot start BGP yet: ${c.notes.join('; ')}`);
    nodes = await kube.next();
  }
}

/** The composed config (file + node list) goes through the same diff as a reload. */
function composeWith(ctx: ReloadContext, file: Config): Composed | null {
  if (!ctx.kube) return null;
  return compose(file, ctx.kube.current, ctx.kube.nodeName);
}

async function applyComposed(ctx: ReloadContext, c: Composed): Promise<ConfigDiff> {
  const d = await ctx.speaker.reload(c.config);
  const own = JSON.stringify(c.ownership);
  if (own !== ctx.ownership) {
    ctx.ownership = own;
    ctx.speaker.setOwnership(c.ownership);
  }
  return d;
}

/** A new node list: peers of nodes that joined or left, our pod CIDRs, the ownership table. */
async function applyNodes(ctx: ReloadContext, nodes: readonly NodeInfo[]): Promise<void> {
  const c = composeWith(ctx, ctx.file);
  if (!c) return;
  if (!c.runnable) {
    ctx.log.warn({ event: 'kubernetes.compose', notes: c.notes }, `node list not applied, keeping the running configuration: ${c.notes.join('; ')}`);
    return;
  }
  const d = await applyComposed(ctx, c);
  const peers = d.peers.filter((p) => p.kind !== 'unchanged').map((p) => `${p.name}: ${p.kind}`);
  ctx.log.info(
    { event: 'kubernetes.apply', nodes: nodes.length, peers, originate: { add: d.originate.add.map((o) => o.prefix), remove: d.originate.remove.map((o) => o.prefix) }, notes: c.notes },
    `node list applied: ${nodes.length} nodes${peers.length ? `; ${peers.join(', ')}` : ''}`,
  );
}

/** NetworkUnavailable=False once our pod CIDRs are advertised and routes flow (or no peers are configured). */
async function routesInPlace(speaker: Speaker): Promise<string | null> {
  const st = speaker.status('') as { peers: number; sessions: Record<string, number>; originated: string[] };
  const up = st.sessions['Established'] ?? 0;
  if (st.originated.length === 0) return null;
  if (st.peers > 0 && up === 0) return null;
  const fib = (await speaker.fibCounters()) as { routesInstalled?: number } | null;
  return `rackroute advertises ${st.originated.join(', ')}; ${up}/${st.peers} BGP sessions up${fib ? `, ${fib.routesInstalled ?? 0} routes in the kernel` : ''}`;
}

/** What a reload did (or, with dryRun, would do): the plan, or the file's errors. */
export interface ReloadResult {
  applied: boolean;
  errors?: string[];
  plan?: { routes?: unknown; resets: string[]; added: string[]; removed: string[]; inPlace: string[]; reimport: string[]; reexport: string[]; global: string[]; originate: { add: number; remove: number; change: number } };
}

function plan(d: ConfigDiff): NonNullable<ReloadResult['plan']> {
  const names = (k: string): string[] => d.peers.filter((p) => p.kind === k).map((p) => ('fields' in p && p.fields.length ? `${p.name} (${p.fields.join(', ')})` : p.name));
  return {
    resets: names('restart'), added: names('add'), removed: names('remove'), inPlace: names('inPlace'),
    reimport: d.policies.reimport, reexport: d.policies.reexport, global: d.global.map((g) => `${g.path}: ${g.action}`),
    originate: { add: d.originate.add.length, remove: d.originate.remove.length, change: d.originate.change.length },
  };
}

/** Re-reads the file; a bad file is rejected with its errors and the running config stays. */
async function reload(configPath: string, ctx: ReloadContext, metrics: MetricsService, dryRun = false): Promise<ReloadResult> {
  const { speaker, log } = ctx;
  const loaded = await loadConfigFile(configPath);
  const errors = loaded.errors;
  let config = loaded.config;
  if (!config || errors.length > 0) {
    if (dryRun) return { applied: false, errors: errors.map(formatError) };
    metrics.reloadRejected();
    log.error({ event: 'config.reload', result: 'rejected', errors: errors.map(formatError) }, `new configuration rejected, keeping the running one:\n${errors.map(formatError).join('\n')}`);
    return { applied: false, errors: errors.map(formatError) };
  }
  const composed = composeWith(ctx, config);
  if (composed && !composed.runnable) return { applied: false, errors: composed.notes };
  const file = config;
  if (composed) config = composed.config;
  if (dryRun) return { applied: false, plan: { ...plan(diffConfig(speaker.config, config)), routes: await speaker.policyPreview(config) } };
  ctx.file = file;
  ctx.kube?.setConfig(file.kubernetes);
  ctx.datapath?.setConfig(config.datapath, config.node.podNetworks);
  const d = composed ? await applyComposed(ctx, composed) : await speaker.reload(config);
  await metrics.reloaded(config, d);
  const summary = d.peers.filter((p) => p.kind !== 'unchanged').map((p) => `${p.name}: ${p.kind}`);
  log.info({ event: 'config.reload', result: 'applied', peers: summary, originate: { add: d.originate.add.length, remove: d.originate.remove.length, change: d.originate.change.length }, global: d.global }, 'configuration reloaded');
  return { applied: true, plan: plan(d) };
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`rackrouted: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
