/** daemon/metrics/loop-lag.ts with a fake clock: lateness per window, a stall in progress, roll. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LoopLag } from '../../../../daemon/metrics/loop-lag.js';

test('the worst lateness of a window; roll starts a new one; recent keeps the last full window', () => {
  let now = 0;
  const lag = new LoopLag(() => now);
  for (const step of [20, 20, 320, 21]) {
    now += step;
    lag.tick();
  }
  assert.equal(lag.current(), 300);
  assert.equal(lag.roll(), 300);
  now += 20;
  lag.tick();
  assert.equal(lag.current(), 0);
  assert.equal(lag.recent(), 300, 'the previous window still counts');
  lag.roll();
  assert.equal(lag.recent(), 0);
});

test('a tick that is late right now counts before it runs (a stall in progress)', () => {
  let now = 0;
  const lag = new LoopLag(() => now);
  lag.tick();
  now += 1520;
  assert.equal(lag.current(), 1500);
  assert.equal(lag.recent(), 1500);
});
