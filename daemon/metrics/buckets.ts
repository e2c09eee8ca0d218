/**
 * Histogram buckets kept as plain numbers: a worker thread counts observations cheaply (no
 * label hashing, no prom-client in the hot path) and hands a structured-clone snapshot to the
 * main thread, where registry.ts renders it as a Prometheus histogram. Counts only grow.
 * Input: observed values (seconds). Output: snapshots. Pure: no I/O, no clock.
 */

export interface BucketSnapshot {
  /** Upper bounds, ascending (seconds); the +Inf bucket is implied. */
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative: counts[i] for bounds[i], the last one for +Inf. */
  readonly counts: readonly number[];
  readonly sum: number;
  readonly count: number;
}

export class Buckets {
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    const v = Math.max(0, seconds);
    let i = 0;
    while (i < this.bounds.length && v > (this.bounds[i] ?? Infinity)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.sum += v;
    this.count++;
  }

  snapshot(): BucketSnapshot {
    return { bounds: this.bounds, counts: [...this.counts], sum: this.sum, count: this.count };
  }
}

/** One netlink request, submit to ACK: tens of microseconds when idle, more under a burst. */
export const FIB_OP_BOUNDS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** UPDATE received to route in the kernel: milliseconds for one route, seconds for a full table. */
export const UPDATE_TO_KERNEL_BOUNDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
