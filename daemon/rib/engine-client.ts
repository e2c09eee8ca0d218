/**
 * The session engine's handle on the route engine worker: starts daemon/rib/worker.js, posts
 * bus messages (transferring UPDATE bodies), routes replies to listeners, answers queries
 * with promises. Edge: owns the worker thread.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import type { EngineQuery, FromEngine, ToEngine } from '../bus.js';
import type { ThreadSample } from '../metrics/loop-lag.js';

export class EngineClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, (r: unknown) => void>();
  private listener: (m: FromEngine) => void = () => {};
  /** The thread's event-loop lag and heap, every second (daemon/metrics/loop-lag.ts). */
  onThreadStats: (sample: ThreadSample) => void = () => {};

  constructor() {
    this.worker = new Worker(new URL('./worker.js', import.meta.url));
    this.worker.on('message', (m: FromEngine) => {
      if (m.t === 'query-result') {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
        return;
      }
      if (m.t === 'thread-stats') return this.onThreadStats(m.sample);
      this.listener(m);
    });
    this.worker.on('error', (err) => {
      // An invariant broke in the route engine: crash loudly, systemd restarts us.
      process.emitWarning(`route engine failed: ${err.stack ?? String(err)}`);
      process.exit(70);
    });
  }

  /** Sends the route engine's FIB changes to the sync engine over `port`. */
  connectFib(port: MessagePort): void {
    this.worker.postMessage({ t: 'fib-port', port }, [port]);
  }

  onMessage(fn: (m: FromEngine) => void): void {
    this.listener = fn;
  }

  post(m: ToEngine, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  query(q: EngineQuery): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.post({ t: 'query', id, q });
    });
  }

  async stop(): Promise<void> {
    this.post({ t: 'stop' });
    await this.worker.terminate();
  }
}
