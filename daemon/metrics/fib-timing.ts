/**
 * Timing kept by the FIB thread (daemon/kernel/worker.ts) for metrics: every netlink op's
 * latency (submit to ACK) by kind, and update-to-kernel latency — from the moment the session
 * engine read the UPDATE (its `receivedAt`, carried through the route engine's FIB change) to
 * the kernel's ACK of the route write that change caused.
 *
 * How a change is matched to its write: the changed prefixes are stamped with the UPDATE's
 * receive time (the latest stamp wins); the reconciler reports each pass's route ops with their
 * results. A stamped prefix whose op succeeded gives one sample. The reconciler runs passes one
 * at a time, each over everything dirty when it starts, so a stamp older than the end of the
 * previous pass that no op matched needed no write (same next hops), had no usable next hop or
 * failed: it is dropped and counted as unconfirmed, never turned into a late sample. Stamps are
 * kept in two generations (since the last pass ended / before it) instead of a time per stamp,
 * and at most MAX_STAMPS wait at once: a full table arriving faster than the kernel takes it is
 * timed for its first MAX_STAMPS changes, not held twice in memory.
 * Clock: wall time with sub-ms resolution (performance.timeOrigin + performance.now()), which
 * the main thread's stamp shares. Input: stamps and reconciler callbacks. Output: snapshots.
 */
import { Buckets, FIB_OP_BOUNDS, UPDATE_TO_KERNEL_BOUNDS, type BucketSnapshot } from './buckets.js';
import { wallClockMs } from './observer.js';

export interface FibTimingSnapshot {
  /** netlink op latency by op kind (add, replace, delete, nh-add, group-add, ...). */
  readonly opLatency: Readonly<Record<string, BucketSnapshot>>;
  readonly updateToKernel: BucketSnapshot;
  /** Stamped changes that ended without a confirming kernel write. */
  readonly unconfirmed: number;
}

/** Changes waiting for their kernel write, at most (a few MB of memory). */
export const MAX_STAMPS = 100_000;

/** The part of a FibOp this module reads. */
export interface AppliedOp {
  readonly op: string;
  readonly route: { readonly prefix: string };
}

export class FibTiming {
  private readonly ops = new Map<string, Buckets>();
  private readonly u2k = new Buckets(UPDATE_TO_KERNEL_BOUNDS);
  /** prefix -> UPDATE receive time (wall ms): stamped since the last pass ended ... */
  private fresh = new Map<string, number>();
  /** ... and before it (a pass that surely covered them has ended by the next one's end). */
  private older = new Map<string, number>();
  private unconfirmed = 0;

  constructor(private readonly now: () => number = wallClockMs) {}

  /**
   * A batch of changes from the route engine with its `stamps` (daemon/bus.ts): (index,
   * receivedAt) pairs, changes[index..] up to the next pair caused by an UPDATE read at
   * receivedAt; -1 marks changes no UPDATE caused (not timed).
   */
  stamp(changes: readonly { readonly prefix: string }[], stamps: readonly number[]): void {
    for (let s = 0; s < stamps.length; s += 2) {
      const at = stamps[s + 1] ?? -1;
      if (at < 0) continue;
      const end = Math.min(stamps[s + 2] ?? changes.length, changes.length);
      for (let i = stamps[s] ?? end; i < end; i++) {
        const prefix = changes[i]?.prefix;
        if (prefix === undefined) continue;
        this.older.delete(prefix);
        if (this.fresh.size < MAX_STAMPS || this.fresh.has(prefix)) this.fresh.set(prefix, at);
      }
    }
  }

  /** Reconciler hook: each op's kind and latency (ms), after every batch. */
  latency(kinds: readonly string[], latencyMs: readonly number[]): void {
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i] ?? 'unknown';
      let b = this.ops.get(kind);
      if (!b) this.ops.set(kind, (b = new Buckets(FIB_OP_BOUNDS)));
      b.observe((latencyMs[i] ?? 0) / 1000);
    }
  }

  /** Reconciler hook: the route ops of one pass and their results ('' = done). */
  applied(ops: readonly AppliedOp[], results: readonly string[]): void {
    if (this.fresh.size + this.older.size === 0) return;
    const end = this.now();
    for (let i = 0; i < ops.length; i++) {
      const prefix = ops[i]?.route.prefix;
      if (prefix === undefined) continue;
      let at = this.fresh.get(prefix);
      if (at !== undefined) this.fresh.delete(prefix);
      else if ((at = this.older.get(prefix)) !== undefined) this.older.delete(prefix);
      else continue;
      if (results[i] === '') this.u2k.observe((end - at) / 1000);
      else this.unconfirmed++;
    }
    this.unconfirmed += this.older.size;
    this.older = this.fresh;
    this.fresh = new Map();
  }

  /** Stamps waiting for their pass (for tests and debugging). */
  get pending(): number {
    return this.fresh.size + this.older.size;
  }

  snapshot(): FibTimingSnapshot {
    const opLatency: Record<string, BucketSnapshot> = {};
    for (const [kind, b] of this.ops) opLatency[kind] = b.snapshot();
    return { opLatency, updateToKernel: this.u2k.snapshot(), unconfirmed: this.unconfirmed };
  }
}
