/**
 * daemon/metrics/fib-timing.ts with a fake clock: update-to-kernel samples from stamped changes
 * matched to the reconciler's route ops, stamps that needed no write dropped after the next
 * pass (never a late sample), failed writes counted as unconfirmed, op latency by kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FibTiming, MAX_STAMPS } from '../../../../daemon/metrics/fib-timing.js';

const op = (prefix: string, kind = 'add') => ({ op: kind, route: { prefix } });
const changes = (...prefixes: string[]) => prefixes.map((prefix) => ({ prefix }));

test('a stamped change confirmed by a write gives one sample: receive time to the ACK', () => {
  let now = 10_000;
  const t = new FibTiming(() => now);
  t.stamp(changes('10.1.0.0/24', '10.2.0.0/24'), [0, 9_990]);
  now = 10_004;
  t.applied([op('10.1.0.0/24'), op('10.2.0.0/24', 'replace')], ['', '']);
  const s = t.snapshot().updateToKernel;
  assert.equal(s.count, 2);
  assert.ok(Math.abs(s.sum - 0.028) < 1e-9, String(s.sum));
  assert.equal(s.counts[s.bounds.indexOf(0.025)], 2, '14 ms falls in (0.01, 0.025]');
  assert.equal(t.pending, 0);
});

test('segments: -1 marks changes no UPDATE caused; the latest stamp of a prefix wins', () => {
  let now = 0;
  const t = new FibTiming(() => now);
  // changes[0] from an UPDATE at 100, changes[1..2] from a walk (not timed), changes[3] at 150.
  t.stamp(changes('a', 'b', 'c', 'd'), [0, 100, 1, -1, 3, 150]);
  t.stamp(changes('a'), [0, 180]);
  assert.equal(t.pending, 2);
  now = 200;
  t.applied([op('a'), op('b'), op('d')], ['', '', '']);
  const s = t.snapshot().updateToKernel;
  assert.equal(s.count, 2);
  assert.ok(Math.abs(s.sum - (0.02 + 0.05)) < 1e-9, String(s.sum));
});

test('a stamp no write confirms is dropped after the next pass, and a failed write is unconfirmed', () => {
  let now = 0;
  const t = new FibTiming(() => now);
  t.stamp(changes('same-nexthops', 'fails'), [0, 0]);
  now = 5;
  t.applied([op('fails')], ['EEXIST']); // pass 1: no op for same-nexthops (already right in the kernel)
  assert.equal(t.pending, 1, 'kept until a pass that surely covered it has ended');
  now = 10;
  t.applied([], []); // pass 2
  assert.equal(t.pending, 0);
  now = 60_000;
  t.applied([op('same-nexthops', 'replace')], ['']); // a later repair of that prefix
  assert.equal(t.snapshot().updateToKernel.count, 0, 'never a minute-long sample from an old stamp');
  assert.equal(t.snapshot().unconfirmed, 2);
});

test('op latency per kind, in seconds', () => {
  const t = new FibTiming(() => 0);
  t.latency(['add', 'add', 'nh-add'], [0.05, 2, 0.3]);
  const s = t.snapshot().opLatency;
  assert.deepEqual(Object.keys(s).sort(), ['add', 'nh-add']);
  assert.equal(s.add?.count, 2);
  assert.ok(Math.abs((s.add?.sum ?? 0) - 0.00205) < 1e-12);
  assert.equal(s['nh-add']?.counts[s['nh-add']?.bounds.indexOf(0.0005) ?? -1], 1, '0.3 ms in (0.25 ms, 0.5 ms]');
});

test('at most MAX_STAMPS changes wait at once; a re-stamped prefix still updates', () => {
  let now = 0;
  const t = new FibTiming(() => now);
  const many = Array.from({ length: MAX_STAMPS + 10 }, (_, i) => `p${i}`);
  t.stamp(changes(...many), [0, 0]);
  assert.equal(t.pending, MAX_STAMPS);
  t.stamp(changes('p0'), [0, 50]);
  now = 60;
  t.applied([op('p0'), op(`p${MAX_STAMPS + 5}`)], ['', '']);
  const s = t.snapshot().updateToKernel;
  assert.equal(s.count, 1, 'the untimed change gives no sample');
  assert.ok(Math.abs(s.sum - 0.01) < 1e-9);
});
