/**
 * Runs a long walk (peer-down flush, feeding a new peer, policy re-evaluation, FIB reconcile)
 * in bounded slices so the thread it runs on keeps answering: at most `maxItems` items or
 * `maxMs` per slice, then `yield()` (setImmediate by default, which lets I/O and timers run;
 * a resolved promise or process.nextTick would not). BIRD rt_feed_channel max_feed = 256,
 * OpenBGPD RDE_RUNNER_ROUNDS, Lodestar yieldEveryMs. Input: any iterator (usually a generator
 * whose every step does one unit of work); output: what the iterator returned, plus the slice
 * durations for a metric. Pure apart from the injected `yield` and `now` (both defaulted).
 */
import { setImmediate as immediate } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';

export interface BudgetOptions<T> {
  /** Items per slice (default 256). */
  readonly maxItems?: number;
  /** Milliseconds per slice (default 5); checked after every item. */
  readonly maxMs?: number;
  /** Called between slices; must let the event loop run (default setImmediate). */
  readonly yield?: () => Promise<void>;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
  /** Called with every item the iterator produces. */
  readonly onItem?: (item: T) => void;
  /** Checked between slices: true stops the walk early (the iterator is closed). */
  readonly cancelled?: () => boolean;
}

export interface BudgetRun<R> {
  /** The iterator's return value; undefined when cancelled. */
  readonly result: R | undefined;
  readonly items: number;
  readonly slices: number;
  /** Duration of every slice in ms (run time, not the wait between slices). */
  readonly sliceMs: readonly number[];
  readonly cancelled: boolean;
}

export const DEFAULT_MAX_ITEMS = 256;
export const DEFAULT_MAX_MS = 5;

const defaultYield = async (): Promise<void> => {
  await immediate();
};
const defaultNow = (): number => performance.now();

export async function runBudgeted<T, R>(it: Iterator<T, R>, opts: BudgetOptions<T> = {}): Promise<BudgetRun<R>> {
  const maxItems = opts.maxItems ?? DEFAULT_MAX_ITEMS;
  const maxMs = opts.maxMs ?? DEFAULT_MAX_MS;
  const pause = opts.yield ?? defaultYield;
  const now = opts.now ?? defaultNow;
  const sliceMs: number[] = [];
  let items = 0;
  for (;;) {
    const start = now();
    let n = 0;
    let r = it.next();
    while (!r.done) {
      items++;
      n++;
      opts.onItem?.(r.value);
      if (n >= maxItems || now() - start >= maxMs) break;
      r = it.next();
    }
    sliceMs.push(now() - start);
    if (r.done) return { result: r.value, items, slices: sliceMs.length, sliceMs, cancelled: false };
    await pause();
    if (opts.cancelled?.()) {
      it.return?.();
      return { result: undefined, items, slices: sliceMs.length, sliceMs, cancelled: true };
    }
  }
}
