/**
 * runBudgeted (daemon/scheduler.ts) with an injected yield and clock: slices end at the item
 * or time budget, nothing runs while the yield is pending, cancellation closes the iterator,
 * and the default yield lets a queued setImmediate callback run between slices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBudgeted } from '../../../daemon/scheduler.js';

function* count(n: number, log: string[] = []): Generator<number, string, void> {
  try {
    for (let i = 0; i < n; i++) {
      log.push(`item ${i}`);
      yield i;
    }
    return 'done';
  } finally {
    log.push('closed');
  }
}

test('slices end at maxItems; one yield between slices; the return value comes back', async () => {
  let yields = 0;
  const seen: number[] = [];
  const run = await runBudgeted(count(600), { maxItems: 256, maxMs: Infinity, yield: async () => void yields++, onItem: (i) => seen.push(i) });
  assert.equal(run.result, 'done');
  assert.equal(run.items, 600);
  assert.equal(yields, 2);
  assert.equal(run.slices, 3);
  assert.deepEqual(seen, Array.from({ length: 600 }, (_, i) => i));
});

test('slices end at maxMs by the injected clock', async () => {
  let t = 0;
  const sizes: number[] = [];
  let n = 0;
  const run = await runBudgeted(count(23), {
    maxItems: 1000,
    maxMs: 5,
    now: () => t,
    onItem: () => {
      t += 1;
      n++;
    },
    yield: async () => {
      sizes.push(n);
      n = 0;
    },
  });
  sizes.push(n);
  assert.deepEqual(sizes, [5, 5, 5, 5, 3]);
  assert.deepEqual(run.sliceMs, [5, 5, 5, 5, 3]);
});

test('no work happens while the yield is pending', async () => {
  const log: string[] = [];
  let release: () => void = () => {};
  const p = runBudgeted(count(4, log), {
    maxItems: 2,
    maxMs: Infinity,
    yield: () => {
      log.push('yield');
      return log.length === 3 ? new Promise<void>((r) => (release = r)) : Promise.resolve();
    },
  });
  await Promise.resolve();
  await Promise.resolve();
  assert.deepEqual(log, ['item 0', 'item 1', 'yield']);
  release();
  const run = await p;
  assert.equal(run.result, 'done');
  assert.deepEqual(log.slice(3), ['item 2', 'item 3', 'yield', 'closed']);
});

test('cancelled between slices: the iterator is closed and no result is given', async () => {
  const log: string[] = [];
  const run = await runBudgeted(count(10, log), { maxItems: 3, maxMs: Infinity, yield: async () => {}, cancelled: () => true });
  assert.equal(run.cancelled, true);
  assert.equal(run.result, undefined);
  assert.equal(run.items, 3);
  assert.equal(log.at(-1), 'closed');
});

test('the default yield (setImmediate) lets queued callbacks run between slices', async () => {
  const order: string[] = [];
  await runBudgeted(count(4), {
    maxItems: 2,
    onItem: (i) => {
      order.push(`item ${i}`);
      if (i === 0) setImmediate(() => order.push('immediate'));
    },
  });
  assert.deepEqual(order, ['item 0', 'item 1', 'immediate', 'item 2', 'item 3']);
});
