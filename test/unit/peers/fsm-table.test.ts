/**
 * The RFC 4271 §8.2.2 transition table: every state × every event, checked for the next state
 * and the action types. States are reached at t=0; the event is fed at a time when every
 * running timer is due, so a timer event acts exactly when its timer runs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initialState, step } from '../../../peers/fsm.js';
import type { FsmEvent, FsmEventType, FsmState, StateName } from '../../../peers/fsm.js';
import { wireError } from '../../../peers/wire/errors.js';
import { config, reach, remoteOpen, types } from './fsm-fixtures.js';

const err = wireError(1, 2, 'session-reset', 'test');
const SAMPLE: Record<FsmEventType, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  ManualStart_with_PassiveTcpEstablishment: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutomaticStart_with_PassiveTcpEstablishment: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  AutomaticStop: { type: 'AutomaticStop', subcode: 1 },
  ConnectRetryTimer_Expires: { type: 'ConnectRetryTimer_Expires' },
  HoldTimer_Expires: { type: 'HoldTimer_Expires' },
  KeepaliveTimer_Expires: { type: 'KeepaliveTimer_Expires' },
  IdleHoldTimer_Expires: { type: 'IdleHoldTimer_Expires' },
  Tcp_CR_Acked: { type: 'Tcp_CR_Acked' },
  TcpConnectionConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpConnectionFails: { type: 'TcpConnectionFails' },
  BGPOpen: { type: 'BGPOpen', open: remoteOpen() },
  BGPHeaderErr: { type: 'BGPHeaderErr', error: err },
  BGPOpenMsgErr: { type: 'BGPOpenMsgErr', error: wireError(2, 0, 'session-reset', 'test') },
  OpenCollisionDump: { type: 'OpenCollisionDump' },
  NotifMsgVerErr: { type: 'NotifMsgVerErr', notification: { type: 3, code: 2, subcode: 1, data: new Uint8Array([0, 4]) } },
  NotifMsg: { type: 'NotifMsg', notification: { type: 3, code: 6, subcode: 2, data: new Uint8Array(0) } },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  UpdateMsg: { type: 'UpdateMsg', body: new Uint8Array(4) },
  UpdateMsgErr: { type: 'UpdateMsgErr', error: wireError(3, 1, 'session-reset', 'test') },
  RouteRefreshMsg: { type: 'RouteRefreshMsg', msg: { type: 5, afi: 1, subtype: 0, safi: 1 } },
  UpdateSent: { type: 'UpdateSent' },
};

type Row = readonly [StateName, string[]];
const NONE = (s: StateName): Row => [s, []];
const DOWN_NOTIFY: Row = ['Idle', ['sendNotification', 'close', 'down']];
const DOWN_SILENT: Row = ['Idle', ['close', 'down']];
const DROP: Row = ['Idle', ['close']];

const STARTS = {
  ManualStart: 1,
  AutomaticStart: 1,
  ManualStart_with_PassiveTcpEstablishment: 1,
  AutomaticStart_with_PassiveTcpEstablishment: 1,
} as const;

function rows(table: Partial<Record<FsmEventType, Row>>, fallback: Row): Record<FsmEventType, Row> {
  const out = {} as Record<FsmEventType, Row>;
  for (const ev of Object.keys(SAMPLE) as FsmEventType[]) out[ev] = table[ev] ?? fallback;
  return out;
}

function startsIgnored(s: StateName): Partial<Record<FsmEventType, Row>> {
  return Object.fromEntries(Object.keys(STARTS).map((k) => [k, NONE(s)]));
}

const TABLE: Record<StateName, Record<FsmEventType, Row>> = {
  Idle: rows(
    {
      ManualStart: ['Connect', ['connect']],
      AutomaticStart: ['Connect', ['connect']],
      ManualStart_with_PassiveTcpEstablishment: ['Active', []],
      AutomaticStart_with_PassiveTcpEstablishment: ['Active', []],
      TcpConnectionConfirmed: ['Idle', ['rejectInbound']],
    },
    NONE('Idle'),
  ),
  Connect: rows(
    {
      ...startsIgnored('Connect'),
      ManualStop: DROP,
      ConnectRetryTimer_Expires: ['Connect', ['close', 'connect']],
      HoldTimer_Expires: NONE('Connect'),
      KeepaliveTimer_Expires: NONE('Connect'),
      IdleHoldTimer_Expires: NONE('Connect'),
      Tcp_CR_Acked: ['OpenSent', ['sendOpen']],
      TcpConnectionConfirmed: ['OpenSent', ['acceptInbound', 'sendOpen']],
      TcpConnectionFails: ['Active', ['close']],
      UpdateSent: NONE('Connect'),
    },
    DROP,
  ),
  Active: rows(
    {
      ...startsIgnored('Active'),
      ManualStop: DROP,
      ConnectRetryTimer_Expires: ['Connect', ['connect']],
      HoldTimer_Expires: NONE('Active'),
      KeepaliveTimer_Expires: NONE('Active'),
      IdleHoldTimer_Expires: NONE('Active'),
      Tcp_CR_Acked: ['OpenSent', ['sendOpen']],
      TcpConnectionConfirmed: ['OpenSent', ['acceptInbound', 'sendOpen']],
      TcpConnectionFails: NONE('Active'),
      UpdateSent: NONE('Active'),
    },
    DROP,
  ),
  OpenSent: rows(
    {
      ...startsIgnored('OpenSent'),
      ConnectRetryTimer_Expires: NONE('OpenSent'),
      KeepaliveTimer_Expires: NONE('OpenSent'),
      IdleHoldTimer_Expires: NONE('OpenSent'),
      Tcp_CR_Acked: NONE('OpenSent'),
      TcpConnectionConfirmed: ['OpenSent', ['trackInbound']],
      TcpConnectionFails: ['Active', ['close', 'down']],
      BGPOpen: ['OpenConfirm', ['sendKeepalive']],
      NotifMsgVerErr: DOWN_SILENT,
      NotifMsg: DOWN_SILENT,
      UpdateSent: NONE('OpenSent'),
    },
    DOWN_NOTIFY,
  ),
  OpenConfirm: rows(
    {
      ...startsIgnored('OpenConfirm'),
      ConnectRetryTimer_Expires: NONE('OpenConfirm'),
      KeepaliveTimer_Expires: ['OpenConfirm', ['sendKeepalive']],
      IdleHoldTimer_Expires: NONE('OpenConfirm'),
      Tcp_CR_Acked: NONE('OpenConfirm'),
      TcpConnectionConfirmed: ['OpenConfirm', ['trackInbound']],
      TcpConnectionFails: DOWN_SILENT,
      NotifMsgVerErr: DOWN_SILENT,
      NotifMsg: DOWN_SILENT,
      KeepAliveMsg: ['Established', ['established']],
      UpdateSent: NONE('OpenConfirm'),
    },
    DOWN_NOTIFY,
  ),
  Established: rows(
    {
      ...startsIgnored('Established'),
      ConnectRetryTimer_Expires: NONE('Established'),
      KeepaliveTimer_Expires: ['Established', ['sendKeepalive']],
      IdleHoldTimer_Expires: NONE('Established'),
      Tcp_CR_Acked: NONE('Established'),
      TcpConnectionConfirmed: ['Established', ['trackInbound']],
      TcpConnectionFails: DOWN_SILENT,
      NotifMsgVerErr: DOWN_SILENT,
      NotifMsg: DOWN_SILENT,
      KeepAliveMsg: NONE('Established'),
      UpdateMsg: ['Established', ['deliverUpdate']],
      RouteRefreshMsg: ['Established', ['deliverRouteRefresh']],
      UpdateSent: NONE('Established'),
    },
    DOWN_NOTIFY,
  ),
};

const LATER = 1e9;

function at(name: StateName): FsmState {
  return name === 'Idle' ? initialState(config()) : reach(name);
}

describe('FSM transition table (RFC 4271 §8.2.2)', () => {
  for (const [name, byEvent] of Object.entries(TABLE) as [StateName, Record<FsmEventType, Row>][]) {
    describe(name, () => {
      for (const [ev, [next, acts]] of Object.entries(byEvent) as [FsmEventType, Row][]) {
        it(`${ev} → ${next} [${acts.join(', ')}]`, () => {
          const s = at(name);
          assert.equal(s.name, name);
          const r = step(s, SAMPLE[ev], LATER, config());
          assert.equal(r.state.name, next);
          assert.deepEqual(types(r.actions), acts);
        });
      }
    });
  }

  it('every state row covers every event', () => {
    for (const byEvent of Object.values(TABLE)) assert.equal(Object.keys(byEvent).length, Object.keys(SAMPLE).length);
  });

  it('a timer event whose deadline is not due is stale and ignored', () => {
    const s = reach('Established', config(), 0);
    assert.ok(s.timers.hold !== null);
    const r = step(s, { type: 'HoldTimer_Expires' }, s.timers.hold - 1, config());
    assert.equal(r.state, s);
    assert.deepEqual(r.actions, []);
  });
});
