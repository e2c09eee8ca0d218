/** Deadline helpers and RFC 4271 §10 jitter. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { after, isDue, jitter, NO_TIMERS, nextDeadline, nextDue } from '../../../peers/timers.js';

describe('timers', () => {
  it('jitter stays within 75–100% and follows rand', () => {
    assert.equal(jitter(10_000, () => 0), 7_500);
    assert.equal(jitter(10_000, () => 0.5), 8_750);
    assert.equal(jitter(10_000, () => 0.999999), 10_000);
    assert.equal(jitter(10_000, () => 7), 10_000);
    assert.equal(jitter(10_000, () => -1), 7_500);
    for (let i = 0; i < 1000; i++) {
      const j = jitter(30_000, Math.random);
      assert.ok(j >= 22_500 && j <= 30_000, String(j));
    }
  });

  it('nextDeadline is the earliest running deadline', () => {
    assert.equal(nextDeadline(NO_TIMERS), null);
    assert.equal(nextDeadline({ ...NO_TIMERS, hold: 900, keepalive: 300 }), 300);
    assert.equal(nextDeadline({ ...NO_TIMERS, idleHold: 0 }), 0);
  });

  it('nextDue names the earliest due timer; hold wins a tie', () => {
    const t = { ...NO_TIMERS, hold: 30, keepalive: 30, connectRetry: 10 };
    assert.equal(nextDue(t, 5), null);
    assert.equal(nextDue(t, 10), 'connectRetry');
    assert.equal(nextDue({ ...t, connectRetry: null }, 31), 'hold');
    assert.equal(isDue(null, 1e12), false);
    assert.equal(isDue(after(100, 50), 150), true);
    assert.equal(isDue(after(100, 50), 149), false);
  });
});
