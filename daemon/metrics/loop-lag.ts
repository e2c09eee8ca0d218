/**
 * Event-loop lag of the thread it runs in, measured with a short repeating timer: each tick
 * notes how much later than asked it ran; `roll()` returns the worst lateness since the
 * previous roll and starts a new window. (perf_hooks.monitorEventLoopDelay was tried first:
 * its reset() forgets a block that starts right after it, so a window could miss a stall.)
 * Worker threads send a ThreadSample on their existing port every REPORT_MS (reportThreadStats);
 * the main thread keeps its own LoopLag for /healthz. Edge: owns one unref'd timer per thread.
 */
import { getHeapStatistics } from 'node:v8';

/** How often the timer looks at the clock (the lag is measured to about this). */
const TICK_MS = 20;
/** Worker threads report this often. */
export const REPORT_MS = 1000;

export interface ThreadSample {
  /** Longest delay of the event loop in the window, ms. */
  readonly maxLagMs: number;
  /** V8 heap in use by this thread's isolate, bytes. */
  readonly heapUsedBytes: number;
}

/** What a worker posts on its port: daemon/bus.ts FromEngine and kernel/worker.ts FromFib. */
export interface ThreadStatsMessage {
  readonly t: 'thread-stats';
  readonly sample: ThreadSample;
}

export class LoopLag {
  private timer: NodeJS.Timeout | undefined;
  private windows: NodeJS.Timeout | undefined;
  private last: number;
  private windowMax = 0;
  private previousMax = 0;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.last = now();
  }

  /** Starts measuring; with `windowMs`, also ends a window that often by itself. */
  start(windowMs?: number): this {
    this.last = this.now();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    if (windowMs !== undefined) {
      this.windows = setInterval(() => this.roll(), windowMs);
      this.windows.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    clearInterval(this.windows);
    this.timer = undefined;
    this.windows = undefined;
  }

  /** Called by the timer; public for tests with a fake clock. */
  tick(): void {
    const t = this.now();
    this.windowMax = Math.max(this.windowMax, t - this.last - TICK_MS);
    this.last = t;
  }

  /** The worst lag so far in the current window, including a tick that is late right now. */
  current(): number {
    return Math.max(0, this.windowMax, this.now() - this.last - TICK_MS);
  }

  /** Ends the window and returns its worst lag (ms). */
  roll(): number {
    const max = this.current();
    this.previousMax = max;
    this.windowMax = 0;
    return max;
  }

  /** The worst lag over the last full window and the current one (ms). */
  recent(): number {
    return Math.max(this.previousMax, this.current());
  }
}

/** In a worker thread: measure, and post a ThreadStatsMessage every REPORT_MS. */
export function reportThreadStats(post: (m: ThreadStatsMessage) => void): () => void {
  const lag = new LoopLag().start();
  const timer = setInterval(() => post({ t: 'thread-stats', sample: { maxLagMs: lag.roll(), heapUsedBytes: getHeapStatistics().used_heap_size } }), REPORT_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    lag.stop();
  };
}
