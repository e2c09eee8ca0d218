/**
 * The metrics side of rackrouted, wired for main.ts: the registry (registry.ts) fed by the
 * speaker's events, the main thread's event-loop lag, the start steps /readyz waits for, and
 * the HTTP listener (server.ts) on `metrics.listen`. A scrape asks the speaker for its session
 * states and the two worker threads for one stats answer each (in parallel, at most
 * SCRAPE_TIMEOUT_MS), then renders; scrapes run one at a time. Also logs `fib.sync` once the
 * first kernel sync is done, and applies reloads (removed peers, a new listen address).
 * Input: the config's metrics section, the speaker (ScrapeSource + observer). Output: HTTP
 * answers and log lines. Edge: owns the listener and two unref'd timers.
 */
import type { AddressInfo } from 'node:net';
import type { Config, MetricsConfig } from '../../config/schema.js';
import type { ConfigDiff } from '../../config/diff.js';
import { parseHostPort } from '../../config/ip.js';
import type { Logger } from '../log.js';
import { Health, START_STEPS } from './health.js';
import { LoopLag, REPORT_MS } from './loop-lag.js';
import type { ScrapeSource, SpeakerObserver } from './observer.js';
import { RackrouteMetrics } from './registry.js';
import { MetricsServer } from './server.js';

/** A thread that has not answered by then is reported as not collected (its gauges left out). */
export const SCRAPE_TIMEOUT_MS = 2000;

export interface MetricsOptions {
  version: string;
}

export class MetricsService {
  readonly metrics: RackrouteMetrics;
  readonly health = new Health();
  private readonly lag = new LoopLag();
  private server: MetricsServer | null = null;
  /** Where the listener is bound (null: not listening). */
  address: AddressInfo | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private cfg: MetricsConfig,
    private readonly source: ScrapeSource,
    private readonly log: Logger,
    private readonly opts: MetricsOptions,
  ) {
    this.metrics = new RackrouteMetrics({ version: opts.version });
    this.health.done('config loaded');
  }

  /** What the speaker reports its events to. */
  get observer(): SpeakerObserver {
    return this.metrics;
  }

  /** Starts the lag measurement and, when enabled, the listener (a bind failure rejects). */
  async start(): Promise<void> {
    this.lag.start(REPORT_MS);
    if (this.cfg.enabled) await this.open(this.cfg);
  }

  /** The speaker and the control socket are up: ready. Logs the first kernel sync. */
  async started(): Promise<void> {
    for (const step of START_STEPS) this.health.done(step);
    const fib = this.source.fibStats();
    if (!fib) {
      this.log.info({ event: 'fib.sync', enabled: false }, 'kernel FIB disabled (--no-fib): nothing to sync');
      return;
    }
    const f = (await withTimeout(fib, SCRAPE_TIMEOUT_MS)) as { counters?: { routesInstalled?: number; ops?: Record<string, number> }; staleRoutes?: number } | null;
    const installed = f?.counters?.routesInstalled ?? 0;
    const stale = f?.staleRoutes ?? 0;
    this.log.info({ event: 'fib.sync', enabled: true, installed, stale, ops: f?.counters?.ops ?? {} }, `first kernel FIB sync done: ${installed} routes of ours in the kernel (${stale} kept from before the start until the graceful-restart sweep)`);
  }

  /** After a reload: removed peers lose their series; a changed listener is reopened. */
  async reloaded(next: Config, d: ConfigDiff): Promise<void> {
    this.metrics.configReload('applied');
    for (const c of d.peers) if (c.kind === 'remove') this.metrics.peerRemoved(c.name);
    if (!d.reopenMetrics) return;
    const old = this.cfg;
    this.cfg = next.metrics;
    await this.server?.close();
    this.server = null;
    this.address = null;
    if (!next.metrics.enabled) {
      this.log.info({ event: 'metrics.closed' }, 'metrics listener closed (metrics.enabled: false)');
      return;
    }
    try {
      await this.open(next.metrics);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.log.error({ event: 'metrics.listen.failed', listen: next.metrics.listen, error: message }, `${message}; keeping the previous metrics settings`);
      this.cfg = old;
      if (old.enabled) await this.open(old).catch((e: unknown) => this.log.error({ event: 'metrics.listen.failed', listen: old.listen, error: String(e) }, `${String(e)}: no metrics listener`));
    }
  }

  reloadRejected(): void {
    this.metrics.configReload('rejected');
  }

  async stop(): Promise<void> {
    this.lag.stop();
    await this.server?.close();
    this.server = null;
    this.address = null;
  }

  /** One scrape: collect (all series rebuilt) and render, one scrape at a time. */
  scrape(): Promise<{ contentType: string; body: string }> {
    const run = this.queue.then(async () => {
      const fibQuery = this.source.fibStats();
      const [engine, fib] = await Promise.all([withTimeout(this.source.engineStats(), SCRAPE_TIMEOUT_MS), fibQuery ? withTimeout(fibQuery, SCRAPE_TIMEOUT_MS) : Promise.resolve('disabled')]);
      this.metrics.collect({ sessions: this.source.sessionStates(), engine, fib, mainLagMs: this.lag.recent(), ready: this.health.readiness().ok });
      return { contentType: this.metrics.contentType, body: await this.metrics.render() };
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async open(cfg: MetricsConfig): Promise<void> {
    const hp = parseHostPort(cfg.listen);
    if (!hp) throw new Error(`metrics.listen ${cfg.listen} is not address:port`);
    const server = new MetricsServer({
      metrics: () => this.scrape(),
      healthz: () => this.health.liveness(this.lag.recent()),
      readyz: () => this.health.readiness(),
    });
    const addr = await server.listen(hp.host, hp.port).catch((err: unknown) => {
      throw new Error(`cannot listen on metrics.listen ${cfg.listen}: ${err instanceof Error ? err.message : String(err)}`);
    });
    this.server = server;
    this.address = addr;
    this.log.info({ event: 'metrics.listening', address: addr.address, port: addr.port }, `metrics on http://${cfg.listen}/metrics (/healthz, /readyz)`);
  }
}

/** main.ts: the service, wired to the speaker and listening (when enabled). */
export async function startMetrics(cfg: MetricsConfig, speaker: ScrapeSource & { observer: SpeakerObserver }, log: Logger, opts: MetricsOptions): Promise<MetricsService> {
  const service = new MetricsService(cfg, speaker, log.child({ comp: 'metrics' }), opts);
  speaker.observer = service.observer;
  await service.start();
  return service;
}

/** The promise's value, or null when it takes longer than `ms`. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}
