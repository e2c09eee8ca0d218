/** daemon/metrics/health.ts: readiness names what is missing; liveness by the lag limit. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Health, MAX_LAG_MS, START_STEPS } from '../../../../daemon/metrics/health.js';

test('not ready until every start step is done, and the reason lists the missing ones', () => {
  const h = new Health();
  assert.deepEqual(h.readiness(), { ok: false, reason: `not ready: waiting for ${START_STEPS.join(', ')}` });
  h.done('config loaded');
  h.done('control socket open');
  assert.deepEqual(h.readiness(), { ok: false, reason: 'not ready: waiting for sessions started, first FIB sync' });
  h.done('sessions started');
  h.done('first FIB sync');
  assert.deepEqual(h.readiness(), { ok: true, reason: 'ready' });
});

test('live while the main loop lag is under the limit', () => {
  const h = new Health();
  assert.equal(h.liveness(3).ok, true);
  assert.equal(h.liveness(MAX_LAG_MS - 1).ok, true);
  assert.deepEqual(h.liveness(2500), { ok: false, reason: 'event loop stalled: lag 2.50 s (limit 1.00 s)' });
});
