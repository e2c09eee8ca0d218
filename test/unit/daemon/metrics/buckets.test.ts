/** daemon/metrics/buckets.ts: bucket edges (a value on a bound belongs to it), +Inf, bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buckets } from '../../../../daemon/metrics/buckets.js';

test('values land in the first bucket whose bound is >= them; above all bounds is +Inf', () => {
  const b = new Buckets([0.1, 1]);
  for (const v of [0, 0.1, 0.5, 1, 7]) b.observe(v);
  assert.deepEqual(b.snapshot(), { bounds: [0.1, 1], counts: [2, 2, 1], sum: 8.6, count: 5 });
});

test('NaN and infinities are ignored, negative values count as 0, snapshots are copies', () => {
  const b = new Buckets([1]);
  b.observe(Number.NaN);
  b.observe(Infinity);
  b.observe(-3);
  const s = b.snapshot();
  assert.deepEqual([s.counts, s.sum, s.count], [[1, 0], 0, 1]);
  b.observe(5);
  assert.deepEqual(s.counts, [1, 0]);
});
