/** Idle-hold backoff: doubling to a cap, amnesia after a stable period. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDown, backoffUp, DEFAULT_BACKOFF, initialBackoff } from '../../../peers/backoff.js';
import type { BackoffState } from '../../../peers/backoff.js';

describe('backoff', () => {
  it('starts at the base and doubles per flap up to the cap', () => {
    let s: BackoffState = initialBackoff();
    const waits: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = backoffDown(s, i * 10, DEFAULT_BACKOFF);
      waits.push(r.delayMs);
      s = r.state;
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 120_000, 120_000, 120_000]);
    assert.equal(s.flaps, 10);
  });

  it('forgets after the session was up for the amnesia period, not before', () => {
    const cfg = { baseMs: 500, capMs: 8_000, amnesiaMs: 60_000 };
    let s = initialBackoff(cfg);
    for (let i = 0; i < 4; i++) s = backoffDown(s, 0, cfg).state;
    assert.equal(s.nextDelayMs, 8_000);
    const short = backoffDown(backoffUp(s, 1_000), 60_999, cfg);
    assert.equal(short.delayMs, 8_000);
    const long = backoffDown(backoffUp(s, 1_000), 61_000, cfg);
    assert.equal(long.delayMs, 500);
    assert.equal(long.state.flaps, 1);
    assert.equal(long.state.nextDelayMs, 1_000);
    assert.equal(long.state.upSince, null);
  });
});
