/** Unit tests for daemon/policy/max-prefix.ts: limit - 1 / limit / limit + 1 (OpenConfig RT-1.5), warning once, RFC 4486 §4 data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Afi, Safi } from '../../../../peers/wire/constants.js';
import { accountPrefixes, MAX_PREFIX_START, maxPrefixNotification, warningThreshold, type MaxPrefixState } from '../../../../daemon/policy/max-prefix.js';
import type { MaxPrefixConfig } from '../../../../config/schema.js';

const CFG: MaxPrefixConfig = { limit: 100, warningPercent: 75, restartAfter: 60 };

function run(cfg: MaxPrefixConfig | undefined, deltas: number[]): { state: MaxPrefixState; events: string[] } {
  let state = MAX_PREFIX_START;
  const events: string[] = [];
  for (const d of deltas) {
    const r = accountPrefixes(cfg, state, d, Afi.Ipv4, Safi.Unicast);
    state = r.state;
    events.push(r.event.kind);
  }
  return { state, events };
}

test('limit - 1 and limit are fine, limit + 1 trips once', () => {
  assert.deepEqual(run(CFG, [99]).events, ['warning']);
  assert.deepEqual(run(CFG, [100]).events, ['warning']);
  assert.deepEqual(run(CFG, [101]).events, ['exceeded']);
  assert.deepEqual(run(CFG, [100, 1, 1, -50]).events, ['warning', 'exceeded', 'none', 'none']);
});

test('the warning fires once at the threshold and re-arms below it', () => {
  assert.equal(warningThreshold(CFG), 75);
  assert.equal(warningThreshold({ limit: 3, warningPercent: 1 }), 1);
  assert.deepEqual(run(CFG, [74, 1, 5, -10, 3, 7]).events, ['none', 'warning', 'none', 'none', 'none', 'warning']);
});

test('counts never go negative; without a limit only the count is kept', () => {
  assert.equal(run(CFG, [5, -10]).state.count, 0);
  const free = run(undefined, [1_000_000, 5]);
  assert.deepEqual(free.events, ['none', 'none']);
  assert.equal(free.state.count, 1_000_005);
});

test('a lowered limit applies at once with delta 0', () => {
  const { state } = run(CFG, [90]);
  const r = accountPrefixes({ limit: 50, warningPercent: 75 }, state, 0, Afi.Ipv6, Safi.Unicast);
  assert.equal(r.event.kind, 'exceeded');
  assert.equal(r.event.kind === 'exceeded' && r.event.restartAfterMs, undefined, 'no restartAfter: stays down');
});

test('exceeded carries Cease/1 with AFI, SAFI and the limit (RFC 4486 §4) and the restart delay', () => {
  const r = accountPrefixes(CFG, MAX_PREFIX_START, 101, Afi.Ipv6, Safi.Unicast);
  assert.equal(r.event.kind, 'exceeded');
  if (r.event.kind !== 'exceeded') return;
  assert.deepEqual([r.event.count, r.event.limit, r.event.restartAfterMs], [101, 100, 60_000]);
  assert.deepEqual([r.event.notification.code, r.event.notification.subcode], [6, 1]);
  assert.deepEqual([...r.event.notification.data], [0, 2, 1, 0, 0, 0, 100]);
  assert.deepEqual([...maxPrefixNotification(1, 1, 0xfffffffe).data], [0, 1, 1, 0xff, 0xff, 0xff, 0xfe]);
});
