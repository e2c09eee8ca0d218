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

const USAGE = `usage: rackrouted [--config FILE] [--check [--quiet]] [--no-fib] [--version]
  --config FILE   configuration (default ${DEFAULT_CONFIG_PATH})
  --no-fib        do not program the kernel (route server / benchmark without kernel sync)
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
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--config' || a === '-c') configPath = argv[++i] ?? '';
    else if (a === '--check') check = true;
    else if (a === '--quiet') quiet = true;
    else if (a === '--no-fib') fib = false;
    else if (a === '--version') {
      process.stdout.write(`rackrouted ${version()}\n`);
      return 0;
    } else {
      process.stderr.write(`rackrouted: unknown argument '${a}'\n${USAGE}\n`);
      return 2;
    }
  }
  if (check) return runCheck(configPath, quiet ? { stdout: { write: () => true }, stderr: process.stderr } : process);

  const { config, errors } = await loadConfigFile(configPath);
  if (!config || errors.length > 0) {
    process.stderr.write(errors.map((e) => `${formatError(e)}\n`).join(''));
    return 1;
  }
  const log = createLogger(config.log.level);
  const speaker = new Speaker(config, log, { fib });
  // First, so /healthz and /readyz answer (503 with the reason) while the rest starts.
  const metrics = await startMetrics(config.metrics, speaker, log, { version: version() });
  const control = new ControlServer(
    config.control.socket,
    {
      status: () => speaker.status(version()),
      neighbors: (p) => speaker.neighbors(typeof p.peer === 'string' ? p.peer : undefined),
      rib: (p) => speaker.rib({ ...(typeof p.prefix === 'string' ? { prefix: p.prefix } : {}), ...(typeof p.limit === 'number' ? { limit: p.limit } : {}) }),
      fib: () => speaker.fibCounters(),
      why: (p) => speaker.why(String(p.address ?? '')),
      peer: (p) => speaker.peerAction(String(p.peer ?? ''), String(p.action ?? ''), typeof p.message === 'string' ? p.message : undefined),
      // Same path as SIGHUP; --dry-run computes the plan and changes nothing.
      reload: async (p) => {
        if (p.dryRun === true) return reload(configPath, speaker, log, metrics, true);
        if (reloading) throw new Error('a reload is already running');
        reloading = true;
        try {
          return await reload(configPath, speaker, log, metrics);
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
  await control.start();
  await metrics.started();
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
    void reload(configPath, speaker, log, metrics).finally(() => {
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
async function reload(configPath: string, speaker: Speaker, log: Logger, metrics: MetricsService, dryRun = false): Promise<ReloadResult> {
  const { config, errors } = await loadConfigFile(configPath);
  if (!config || errors.length > 0) {
    if (dryRun) return { applied: false, errors: errors.map(formatError) };
    metrics.reloadRejected();
    log.error({ event: 'config.reload', result: 'rejected', errors: errors.map(formatError) }, `new configuration rejected, keeping the running one:\n${errors.map(formatError).join('\n')}`);
    return { applied: false, errors: errors.map(formatError) };
  }
  if (dryRun) return { applied: false, plan: { ...plan(diffConfig(speaker.config, config)), routes: await speaker.policyPreview(config) } };
  const d = await speaker.reload(config);
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
