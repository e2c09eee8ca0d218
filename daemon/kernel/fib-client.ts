/**
 * The main thread's handle on the sync engine (daemon/kernel/worker.ts): starts the thread,
 * connects it to the route engine with a MessagePort of their own, reports the sysctl
 * findings, answers counter queries. Edge: owns the FIB worker thread.
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import type { FromFib, ToFib } from './worker.js';
import type { ThreadSample } from '../metrics/loop-lag.js';

export interface FibStartOptions {
  table?: number;
  protocol?: number;
  /** Keep our routes found at start this long before sweeping those not re-learned. */
  sweepAfterMs: number;
  enableForwarding: boolean;
}

export class FibClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: unknown) => void>();
  private onStarted: ((m: Extract<FromFib, { t: 'started' }>) => void) | null = null;

  /** Link state changes seen by the kernel-sync thread. */
  onLink: (name: string, up: boolean) => void = () => {};
  /** The thread's event-loop lag and heap, every second (daemon/metrics/loop-lag.ts). */
  onThreadStats: (sample: ThreadSample) => void = () => {};

  constructor(private readonly onError: (message: string) => void) {
    this.worker = new Worker(new URL('./worker.js', import.meta.url));
    this.worker.on('message', (m: FromFib) => {
      if (m.t === 'query-result') {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
      } else if (m.t === 'started') this.onStarted?.(m);
      else if (m.t === 'error') this.onError(m.message);
      else if (m.t === 'link') this.onLink(m.name, m.up);
      else if (m.t === 'thread-stats') this.onThreadStats(m.sample);
    });
    this.worker.on('error', (err) => this.onError(err.stack ?? String(err)));
  }

  /** A port for the route engine: its `{t: 'fib'}` messages go straight to this thread. */
  connect(): MessagePort {
    const { port1, port2 } = new MessageChannel();
    this.post({ t: 'rib-port', port: port2 }, [port2]);
    return port1;
  }

  start(opts: FibStartOptions): Promise<Extract<FromFib, { t: 'started' }>> {
    return new Promise((resolve) => {
      this.onStarted = resolve;
      this.post({ t: 'start', ...opts });
    });
  }

  counters(): Promise<unknown> {
    return this.ask('query');
  }

  /** Counters plus op and update-to-kernel timing, for the metrics. */
  stats(): Promise<unknown> {
    return this.ask('stats');
  }

  /** The kernel's FIB entry for an address (RTM_GETROUTE fibmatch), or null. */
  lookup(address: string): Promise<unknown> {
    return this.ask('lookup', address);
  }

  private ask(t: 'query' | 'stats' | 'lookup', address = ''): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post(t === 'lookup' ? { t, id, address } : { t, id });
    });
  }

  private post(m: ToFib, transfer: MessagePort[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** Leaves our routes in the kernel (pods stay reachable across a restart); stops the thread. */
  async stop(removeRoutes = false): Promise<void> {
    const done = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.post({ t: 'stop', removeRoutes });
    const t = setTimeout(() => void this.worker.terminate(), removeRoutes ? 10_000 : 2000);
    await done;
    clearTimeout(t);
  }
}
