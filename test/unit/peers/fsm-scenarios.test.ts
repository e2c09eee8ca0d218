/**
 * FSM scenarios on a fake clock (plain numbers): handshakes, keepalive cadence, hold-timer
 * expiry, hold time 0, NOTIFICATIONs, RFC 6608 errors, damping, collisions, stops.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { forkInbound, initialState, nextDeadline, step } from '../../../peers/fsm.js';
import type { FsmAction, FsmState } from '../../../peers/fsm.js';
import { resolveCollision } from '../../../peers/collision.js';
import { config, feed, LOCAL, notifications, reach, remoteOpen, runUntil, types } from './fsm-fixtures.js';

function downOf(actions: readonly FsmAction[]): Extract<FsmAction, { type: 'down' }> {
  const d = actions.find((a) => a.type === 'down');
  assert.ok(d && d.type === 'down', `no down action in ${types(actions).join(',')}`);
  return d;
}

describe('active handshake and keepalive cadence', () => {
  it('reaches Established and keeps the session up with keepalives every hold/3', () => {
    const cfg = config();
    let s = initialState(cfg);
    let r = step(s, { type: 'ManualStart' }, 0, cfg);
    assert.deepEqual(types(r.actions), ['connect']);
    assert.equal(nextDeadline(r.state), 10_000);
    r = step(r.state, { type: 'Tcp_CR_Acked' }, 100, cfg);
    assert.deepEqual(types(r.actions), ['sendOpen']);
    assert.equal(r.state.direction, 'outbound');
    // RFC 4271 §8.2.2: large hold time (4 minutes) in OpenSent.
    assert.equal(nextDeadline(r.state), 100 + 240_000);
    r = step(r.state, { type: 'BGPOpen', open: remoteOpen({ holdTime: 30 }) }, 200, cfg);
    assert.deepEqual(types(r.actions), ['sendKeepalive']);
    assert.equal(r.state.name, 'OpenConfirm');
    assert.equal(r.state.timers.hold, 200 + 30_000);
    assert.equal(r.state.timers.keepalive, 200 + 10_000);
    r = step(r.state, { type: 'KeepAliveMsg' }, 300, cfg);
    assert.equal(r.state.name, 'Established');
    const est = r.actions[0];
    assert.ok(est?.type === 'established');
    assert.equal(est.negotiated.holdTime, 30);
    assert.equal(est.negotiated.keepaliveTime, 10);
    s = r.state;

    // 120 s with the peer sending a KEEPALIVE every 10 s: we send one every 10 s, no expiry.
    const sentAt: number[] = [];
    for (let t = 10_300; t <= 120_300; t += 10_000) {
      const tick = runUntil(s, t, cfg, (x) => {
        if (x.actions.some((a) => a.type === 'sendKeepalive')) sentAt.push(x.now);
      });
      s = step(tick.state, { type: 'KeepAliveMsg' }, t, cfg).state;
      assert.equal(s.name, 'Established');
    }
    assert.equal(sentAt.length, 12);
    assert.deepEqual(sentAt.slice(0, 3), [10_200, 20_200, 30_200]);
  });

  it('jitters the keepalive interval to 75–100% (RFC 4271 §10)', () => {
    const cfg = config({ rand: () => 0 });
    const s = reach('OpenConfirm', cfg, 0, remoteOpen({ holdTime: 30 }));
    assert.equal(s.timers.keepalive, 7_500);
    assert.equal(s.timers.hold, 30_000);
  });

  it('UpdateSent restarts the keepalive timer', () => {
    const cfg = config();
    const s = reach('Established', cfg, 0, remoteOpen({ holdTime: 30 }));
    assert.equal(s.timers.keepalive, 10_000);
    const r = step(s, { type: 'UpdateSent' }, 7_000, cfg);
    assert.equal(r.state.timers.keepalive, 17_000);
    assert.deepEqual(r.actions, []);
  });

  it('an UPDATE restarts the hold timer and is delivered', () => {
    const cfg = config();
    const s = reach('Established', cfg, 0, remoteOpen({ holdTime: 30 }));
    const body = new Uint8Array([0, 0, 0, 0]);
    const r = step(s, { type: 'UpdateMsg', body }, 25_000, cfg);
    assert.equal(r.state.timers.hold, 55_000);
    assert.deepEqual(r.actions, [{ type: 'deliverUpdate', body }]);
  });
});

describe('connect retry', () => {
  it('a refused connect waits in Active, then retries after a jittered ConnectRetry', () => {
    const cfg = config({ rand: () => 0 });
    let t = feed(initialState(cfg), [{ type: 'ManualStart' }], 0, cfg);
    assert.equal(t.state.timers.connectRetry, 7_500);
    t = feed(t.state, [{ type: 'TcpConnectionFails' }], 50, cfg);
    assert.equal(t.state.name, 'Active');
    assert.equal(nextDeadline(t.state), 50 + 7_500);
    t = runUntil(t.state, 10_000, cfg);
    assert.equal(t.state.name, 'Connect');
    assert.deepEqual(types(t.actions), ['connect']);
  });
});

describe('passive peer', () => {
  it('waits in Active without timers or connects, accepts the inbound connection, reaches Established', () => {
    const cfg = config();
    let r = step(initialState(cfg), { type: 'ManualStart_with_PassiveTcpEstablishment' }, 0, cfg);
    assert.equal(r.state.name, 'Active');
    assert.deepEqual(r.actions, []);
    assert.equal(nextDeadline(r.state), null);
    r = step(r.state, { type: 'TcpConnectionConfirmed' }, 5_000, cfg);
    assert.deepEqual(types(r.actions), ['acceptInbound', 'sendOpen']);
    assert.equal(r.state.direction, 'inbound');
    const t = feed(r.state, [{ type: 'BGPOpen', open: remoteOpen() }, { type: 'KeepAliveMsg' }], 5_100, cfg);
    assert.equal(t.state.name, 'Established');
  });

  it('restarts passively after going down (back to Active, never connects)', () => {
    const cfg = config();
    let s = feed(initialState(cfg), [{ type: 'ManualStart_with_PassiveTcpEstablishment' }, { type: 'TcpConnectionConfirmed' }], 0, cfg).state;
    s = feed(s, [{ type: 'BGPOpen', open: remoteOpen() }, { type: 'KeepAliveMsg' }, { type: 'TcpConnectionFails' }], 10, cfg).state;
    assert.equal(s.name, 'Idle');
    const t = runUntil(s, 60_000, cfg);
    assert.equal(t.state.name, 'Active');
    assert.ok(!t.actions.some((a) => a.type === 'connect'));
  });
});

describe('hold timer', () => {
  it('expiry sends NOTIFICATION 4/0, closes, reports the reason and goes Idle with idle hold', () => {
    const cfg = config();
    const s = reach('Established', cfg, 0, remoteOpen({ holdTime: 30 }));
    const t = runUntil(s, 30_000, cfg);
    assert.deepEqual(types(t.actions), ['sendKeepalive', 'sendKeepalive', 'sendNotification', 'close', 'down']);
    assert.deepEqual(notifications(t.actions), [[4, 0]]);
    const d = downOf(t.actions);
    assert.deepEqual(d.reason, { kind: 'hold-timer-expired' });
    assert.equal(d.wasEstablished, true);
    assert.equal(t.state.name, 'Idle');
    assert.equal(t.state.timers.idleHold, 31_000);
    assert.deepEqual(t.state.lastDown, { kind: 'hold-timer-expired' });
  });

  it('hold time 0 means no keepalives and no hold timer', () => {
    const cfg = config();
    for (const s of [
      reach('Established', cfg, 0, remoteOpen({ holdTime: 0 })),
      reach('Established', config({ local: { ...LOCAL, holdTime: 0 } }), 0),
    ]) {
      assert.equal(s.name, 'Established');
      assert.equal(s.negotiated?.holdTime, 0);
      assert.equal(s.negotiated?.keepaliveTime, 0);
      assert.equal(nextDeadline(s), null);
      const r = step(s, { type: 'UpdateMsg', body: new Uint8Array(4) }, 1e9, cfg);
      assert.equal(nextDeadline(r.state), null);
    }
  });

  it('a large OpenSent hold expires after 4 minutes with 4/0', () => {
    const cfg = config();
    const s = reach('OpenSent', cfg, 0);
    const t = runUntil(s, 240_000, cfg);
    assert.deepEqual(notifications(t.actions), [[4, 0]]);
    assert.equal(downOf(t.actions).wasEstablished, false);
  });
});

describe('NOTIFICATION received', () => {
  const notif = { type: 3, code: 6, subcode: 2, data: new Uint8Array(0), shutdownMessage: 'maintenance' } as const;
  for (const name of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    it(`in ${name}: close, down with code/subcode/text, Idle`, () => {
      const cfg = config();
      const r = step(reach(name, cfg), { type: 'NotifMsg', notification: notif }, 1, cfg);
      assert.equal(r.state.name, 'Idle');
      assert.deepEqual(types(r.actions), ['close', 'down']);
      assert.deepEqual(downOf(r.actions).reason, {
        kind: 'notification-received',
        code: 6,
        subcode: 2,
        text: 'Cease / Administrative Shutdown',
        shutdownMessage: 'maintenance',
      });
      assert.equal(downOf(r.actions).wasEstablished, name === 'Established');
    });
  }
  for (const name of ['Connect', 'Active'] as const) {
    it(`in ${name}: drop and go Idle without a down report`, () => {
      const cfg = config();
      const r = step(reach(name, cfg), { type: 'NotifMsg', notification: notif }, 1, cfg);
      assert.equal(r.state.name, 'Idle');
      assert.deepEqual(types(r.actions), ['close']);
    });
  }
  it('in Idle: ignored', () => {
    const cfg = config();
    const s = initialState(cfg);
    assert.deepEqual(step(s, { type: 'NotifMsg', notification: notif }, 1, cfg), { state: s, actions: [] });
  });
});

describe('RFC 6608 FSM errors', () => {
  const cases = [
    ['OpenSent', { type: 'UpdateMsg', body: new Uint8Array(0) }, 1],
    ['OpenSent', { type: 'KeepAliveMsg' }, 1],
    ['OpenConfirm', { type: 'UpdateMsg', body: new Uint8Array(0) }, 2],
    ['OpenConfirm', { type: 'BGPOpen', open: remoteOpen() }, 2],
    ['Established', { type: 'BGPOpen', open: remoteOpen() }, 3],
  ] as const;
  for (const [name, ev, sub] of cases) {
    it(`${ev.type} in ${name} → 5/${sub}`, () => {
      const cfg = config();
      const r = step(reach(name, cfg), ev, 1, cfg);
      assert.deepEqual(notifications(r.actions), [[5, sub]]);
      assert.deepEqual(downOf(r.actions).reason, { kind: 'fsm-error', subcode: sub, event: ev.type });
      assert.equal(r.state.name, 'Idle');
    });
  }
});

describe('OPEN rejected in OpenSent', () => {
  it('sends the checkOpen NOTIFICATION (2/2 for a wrong peer AS) and goes Idle', () => {
    const cfg = config();
    const r = step(reach('OpenSent', cfg), { type: 'BGPOpen', open: remoteOpen({ asn: 65099 }) }, 1, cfg);
    assert.deepEqual(notifications(r.actions), [[2, 2]]);
    const d = downOf(r.actions).reason;
    assert.equal(d.kind, 'notification-sent');
    assert.ok(d.kind === 'notification-sent' && d.text.startsWith('OPEN Message Error / Bad Peer AS'));
  });

  it('a fatal UPDATE error in Established sends its NOTIFICATION', () => {
    const cfg = config();
    const error = { code: 3, subcode: 1, data: new Uint8Array([9]), handling: 'session-reset', reason: 'x' } as const;
    const r = step(reach('Established', cfg), { type: 'UpdateMsgErr', error }, 1, cfg);
    assert.deepEqual(r.actions[0], { type: 'sendNotification', code: 3, subcode: 1, data: new Uint8Array([9]) });
  });
});

describe('ROUTE-REFRESH', () => {
  it('is ignored for a family that was not negotiated (RFC 2918 §4)', () => {
    const cfg = config();
    const s = reach('Established', cfg, 0, remoteOpen({ families: [{ afi: 1, safi: 1 }] }));
    const r = step(s, { type: 'RouteRefreshMsg', msg: { type: 5, afi: 2, safi: 1, subtype: 0 } }, 1, cfg);
    assert.deepEqual(r.actions, []);
  });
});

describe('idle-hold damping', () => {
  /** Bring a started session from Idle to Established at `now` via the idle-hold restart. */
  function upAgain(s: FsmState, now: number): FsmState {
    const cfg = config();
    const t = runUntil(s, now, cfg);
    assert.equal(t.state.name, 'Connect');
    return feed(t.state, [{ type: 'Tcp_CR_Acked' }, { type: 'BGPOpen', open: remoteOpen() }, { type: 'KeepAliveMsg' }], now, cfg).state;
  }
  const flap = { type: 'TcpConnectionFails' } as const;

  it('doubles the idle hold on each flap up to the cap, and forgets after a stable period', () => {
    const cfg = config();
    let s = reach('Established', cfg, 0);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      now += 100;
      s = step(s, flap, now, cfg).state;
      assert.equal(s.name, 'Idle');
      const idleHold = s.timers.idleHold;
      assert.ok(idleHold !== null);
      waits.push(idleHold - now);
      now = idleHold;
      s = upAgain(s, now);
    }
    assert.deepEqual(waits, [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 120_000, 120_000]);
    assert.equal(s.backoff.flaps, 9);
    // Stable for 120 s (keepalives both ways), then a flap: back to the base wait.
    const until = now + 121_000;
    for (let t = now + 20_000; t <= until; t += 20_000) s = step(runUntil(s, t, cfg).state, { type: 'KeepAliveMsg' }, t, cfg).state;
    assert.equal(s.name, 'Established');
    s = step(s, flap, until, cfg).state;
    assert.equal(s.timers.idleHold, until + 1_000);
  });

  it('ManualStop stops without a restart; collision dumps restart without growing the wait', () => {
    const cfg = config();
    const stopped = step(reach('Established', cfg), { type: 'ManualStop' }, 5, cfg).state;
    assert.equal(stopped.started, false);
    assert.equal(nextDeadline(stopped), null);
    const dumped = step(reach('OpenConfirm', cfg), { type: 'OpenCollisionDump' }, 5, cfg).state;
    assert.equal(dumped.timers.idleHold, 1_005);
    assert.equal(dumped.backoff.flaps, 0);
  });
});

describe('ManualStop', () => {
  it('sends Cease 6/2 with the RFC 9003 shutdown communication', () => {
    const cfg = config();
    const r = step(reach('Established', cfg), { type: 'ManualStop', message: 'bye' }, 1, cfg);
    assert.deepEqual(r.actions[0], { type: 'sendNotification', code: 6, subcode: 2, data: new Uint8Array([3, 98, 121, 101]) });
    assert.deepEqual(downOf(r.actions).reason, { kind: 'admin-stop', subcode: 2, message: 'bye' });
  });

  it('sends Hard Reset 6/9 wrapping the cause when both sides set the N bit (RFC 8538)', () => {
    const gr = { restarting: false, notification: true, restartTime: 120, families: [] };
    const cfg = config({ local: { ...LOCAL, gracefulRestart: gr } });
    const s = reach('Established', cfg, 0, remoteOpen({ gracefulRestart: gr }));
    const r = step(s, { type: 'ManualStop', subcode: 3, hardReset: true }, 1, cfg);
    assert.deepEqual(r.actions[0], { type: 'sendNotification', code: 6, subcode: 9, data: new Uint8Array([6, 3]) });
  });
});

describe('connection collision', () => {
  for (const [localId, keep] of [
    [0x0a000001, 'inbound'],
    [0x0a000003, 'outbound'],
  ] as const) {
    it(`local id ${localId.toString(16)} vs remote 0a000002 keeps the ${keep} connection`, () => {
      const cfg = config({ local: { ...LOCAL, bgpId: localId } });
      // Outbound connection in OpenSent; the peer's own connection arrives and is tracked.
      const main = reach('OpenSent', cfg);
      const tracked = step(main, { type: 'TcpConnectionConfirmed' }, 10, cfg);
      assert.deepEqual(types(tracked.actions), ['trackInbound']);
      let second = step(forkInbound(tracked.state), { type: 'TcpConnectionConfirmed' }, 10, cfg);
      assert.deepEqual(types(second.actions), ['acceptInbound', 'sendOpen']);
      const first = step(tracked.state, { type: 'BGPOpen', open: remoteOpen() }, 20, cfg);
      assert.equal(first.state.name, 'OpenConfirm');
      second = step(second.state, { type: 'BGPOpen', open: remoteOpen() }, 30, cfg);
      const d = resolveCollision({ localId, remoteId: 0x0a000002, existing: 'outbound' });
      assert.equal(d.keep, keep);
      const loser = d.close === 'outbound' ? first.state : second.state;
      const dumped = step(loser, { type: 'OpenCollisionDump' }, 40, cfg);
      assert.deepEqual(notifications(dumped.actions), [[6, 7]]);
      assert.deepEqual(downOf(dumped.actions).reason, { kind: 'collision' });
      const winner = d.keep === 'outbound' ? first.state : second.state;
      assert.equal(step(winner, { type: 'KeepAliveMsg' }, 50, cfg).state.name, 'Established');
    });
  }
});
