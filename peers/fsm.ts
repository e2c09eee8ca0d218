/**
 * The RFC 4271 §8 BGP FSM as a pure transition function: `step(state, event, now, cfg)` returns
 * the next state and the side effects for the socket edge (peers/session.ts) to perform. Events
 * come from the edge (socket, decoded messages, expired deadlines); actions go back to it.
 * Timers are deadlines in the state (peers/timers.ts); the edge arms one real timer for
 * `nextDeadline(state)`. OPEN semantics come from peers/negotiate.ts.
 * Pure: no I/O, no clock reads, no setTimeout; randomness comes from cfg.rand.
 *
 * Choices (RFC 4271 §8.1.1 optional attributes): DelayOpen off, CollisionDetectEstablishedState
 * off (the edge may still dump an Established session for a Graceful Restart peer, see
 * collision.ts), DampPeerOscillations on (peers/backoff.ts), timer events whose deadline is not
 * due at `now` are stale and ignored. Deviation, as OpenBGPD: a failed outbound connect in
 * Connect goes to Active (keep listening, retry after ConnectRetry) instead of Idle.
 */
import { backoffDown, backoffUp, DEFAULT_BACKOFF } from './backoff.js';
import type { ConnDirection } from './collision.js';
import type { DownReason } from './down.js';
import { notificationText } from './down.js';
import { DEFAULT_CONNECT_RETRY_MS, DEFAULT_OPEN_SENT_HOLD_MS } from './fsm-state.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmEventType, FsmState } from './fsm-state.js';
import { buildOpen, checkOpen, negotiate } from './negotiate.js';
import { after, isDue, jitter, NO_TIMERS } from './timers.js';
import type { TimerName } from './timers.js';
import { truncate } from './wire/capabilities.js';
import { CeaseSubcode, FsmSubcode, NotifCode } from './wire/constants.js';
import { familyKey } from './wire/context.js';
import type { WireError } from './wire/errors.js';
import type { OpenMsg } from './wire/types.js';

export * from './fsm-state.js';

export interface StepResult {
  readonly state: FsmState;
  readonly actions: FsmAction[];
}

const TIMER_OF: Partial<Record<FsmEventType, TimerName>> = {
  ConnectRetryTimer_Expires: 'connectRetry',
  HoldTimer_Expires: 'hold',
  KeepaliveTimer_Expires: 'keepalive',
  IdleHoldTimer_Expires: 'idleHold',
};

const CONNECTED = new Set(['OpenSent', 'OpenConfirm', 'Established']);

export function step(state: FsmState, event: FsmEvent, now: number, cfg: FsmConfig): StepResult {
  let s = state;
  const timer = TIMER_OF[event.type];
  if (timer !== undefined) {
    if (!isDue(s.timers[timer], now)) return stay(s);
    s = { ...s, timers: { ...s.timers, [timer]: null } };
  }
  switch (s.name) {
    case 'Idle':
      return idle(s, event, now, cfg);
    case 'Connect':
    case 'Active':
      return connecting(s, event, now, cfg);
    default:
      return connected(s, event, now, cfg) ?? perState(s, event, now, cfg);
  }
}

function stay(s: FsmState, actions: FsmAction[] = []): StepResult {
  return { state: s, actions };
}

function retryDeadline(now: number, cfg: FsmConfig): number {
  // RFC 4271 §10: ConnectRetryTimer jitter.
  return after(now, jitter(cfg.connectRetryMs ?? DEFAULT_CONNECT_RETRY_MS, cfg.rand));
}

/** Leave Idle: actively (Connect, connect now) or passively (Active, no ConnectRetryTimer). */
function start(s: FsmState, now: number, cfg: FsmConfig, passive: boolean): StepResult {
  const base = { ...s, started: true, passive, direction: null };
  if (passive) return stay({ ...base, name: 'Active', timers: NO_TIMERS });
  return stay({ ...base, name: 'Connect', timers: { ...NO_TIMERS, connectRetry: retryDeadline(now, cfg) } }, [
    { type: 'connect' },
  ]);
}

function idle(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
      return start({ ...s, connectRetryCounter: 0 }, now, cfg, e.type !== 'ManualStart');
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
      return start(s, now, cfg, e.type !== 'AutomaticStart');
    case 'IdleHoldTimer_Expires':
      // RFC 4271 §8.1.3 Event 13: the damping wait is over; restart as AutomaticStart would.
      return s.started ? start(s, now, cfg, s.passive) : stay(s);
    case 'ManualStop':
      return stay({ ...s, started: false, timers: NO_TIMERS, connectRetryCounter: 0 });
    case 'TcpConnectionConfirmed':
      // RFC 4271 §8.2.2 Idle: "the BGP FSM refuses all incoming BGP connections".
      return stay(s, [{ type: 'rejectInbound' }]);
    default:
      return stay(s);
  }
}

/** Send our OPEN on the new connection and wait in OpenSent with the large hold time. */
function openSent(s: FsmState, now: number, cfg: FsmConfig, direction: ConnDirection, pre: FsmAction[]): StepResult {
  const open = buildOpen(cfg.local);
  // RFC 4271 §8.2.2 Connect/Active: "sets the HoldTimer to a large value" (4 minutes suggested).
  const hold = after(now, cfg.openSentHoldMs ?? DEFAULT_OPEN_SENT_HOLD_MS);
  const next: FsmState = { ...s, name: 'OpenSent', timers: { ...NO_TIMERS, hold }, direction, localOpen: open, remoteOpen: null };
  return stay(next, [...pre, { type: 'sendOpen', open }]);
}

/** Connect and Active: no BGP message can arrive yet (DelayOpen is off). */
function connecting(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig): StepResult {
  switch (e.type) {
    case 'ManualStop':
      return stay(goIdle(s, now, cfg, 'stop'), [{ type: 'close' }]);
    case 'ConnectRetryTimer_Expires':
      // RFC 4271 §8.2.2: Connect drops the attempt and retries; Active initiates and moves to Connect.
      return stay({ ...s, name: 'Connect', timers: { ...s.timers, connectRetry: retryDeadline(now, cfg) } }, [
        ...(s.name === 'Connect' ? [{ type: 'close' } as const] : []),
        { type: 'connect' },
      ]);
    case 'Tcp_CR_Acked':
      return openSent(s, now, cfg, 'outbound', []);
    case 'TcpConnectionConfirmed':
      return openSent(s, now, cfg, 'inbound', [{ type: 'acceptInbound' }]);
    case 'TcpConnectionFails': {
      const connectRetry = s.passive ? null : retryDeadline(now, cfg);
      const actions: FsmAction[] = s.name === 'Connect' ? [{ type: 'close' }] : [];
      return stay({ ...s, name: 'Active', timers: { ...s.timers, connectRetry } }, actions);
    }
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'UpdateSent':
    case 'IdleHoldTimer_Expires':
      return stay(s);
    default:
      // RFC 4271 §8.2.2 Connect/Active "any other event": drop the connection, count, damp, Idle.
      return stay(goIdle(s, now, cfg, 'damp'), [{ type: 'close' }]);
  }
}

type IdleHow = 'damp' | 'no-damp' | 'stop';

/** Go to Idle; unless stopped, arm the IdleHoldTimer (backoff grows when damping). */
function goIdle(s: FsmState, now: number, cfg: FsmConfig, how: IdleHow): FsmState {
  const bcfg = cfg.backoff ?? DEFAULT_BACKOFF;
  const base = { ...s, name: 'Idle' as const, direction: null, localOpen: null, remoteOpen: null, negotiated: null };
  if (how === 'stop') return { ...base, started: false, timers: NO_TIMERS, connectRetryCounter: 0 };
  let delay = bcfg.baseMs;
  let backoff = s.backoff;
  if (how === 'damp') ({ delayMs: delay, state: backoff } = backoffDown(s.backoff, now, bcfg));
  return {
    ...base,
    backoff,
    connectRetryCounter: s.connectRetryCounter + (how === 'damp' ? 1 : 0),
    timers: { ...NO_TIMERS, idleHold: s.started ? after(now, delay) : null },
  };
}

interface Notify {
  readonly code: number;
  readonly subcode: number;
  readonly data?: Uint8Array;
}

/** Leave a connected state: optional NOTIFICATION, close, `down`, then Idle (or Active). */
function teardown(s: FsmState, now: number, cfg: FsmConfig, how: IdleHow, reason: DownReason, n?: Notify): StepResult {
  const actions: FsmAction[] = [];
  if (n) actions.push({ type: 'sendNotification', code: n.code, subcode: n.subcode, data: n.data ?? new Uint8Array(0) });
  actions.push({ type: 'close' });
  if (CONNECTED.has(s.name)) actions.push({ type: 'down', reason, wasEstablished: s.name === 'Established' });
  return stay({ ...goIdle(s, now, cfg, how), lastDown: reason }, actions);
}

function fsmError(s: FsmState, now: number, cfg: FsmConfig, e: FsmEvent): StepResult {
  // RFC 6608 §4: the subcode names the state the unexpected message arrived in.
  const subcode =
    s.name === 'OpenSent'
      ? FsmSubcode.UnexpectedMessageInOpenSent
      : s.name === 'OpenConfirm'
        ? FsmSubcode.UnexpectedMessageInOpenConfirm
        : FsmSubcode.UnexpectedMessageInEstablished;
  return teardown(s, now, cfg, 'damp', { kind: 'fsm-error', subcode, event: e.type }, { code: NotifCode.FsmError, subcode });
}

const utf8 = new TextEncoder();

/** Cease data: RFC 9003 §2 shutdown communication (length octet + UTF-8) for subcodes 2 and 4. */
function ceaseData(subcode: number, message?: string): Uint8Array {
  const carriesText = subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset;
  if (message === undefined || !carriesText) return new Uint8Array(0);
  const text = truncate(utf8.encode(message), 255);
  return Uint8Array.of(text.length, ...text);
}

function manualStop(s: FsmState, now: number, cfg: FsmConfig, e: Extract<FsmEvent, { type: 'ManualStop' }>): StepResult {
  const subcode = e.subcode ?? CeaseSubcode.AdministrativeShutdown;
  const data = ceaseData(subcode, e.message);
  const reason: DownReason = { kind: 'admin-stop', subcode, ...(e.message !== undefined ? { message: e.message } : {}) };
  // RFC 8538 §3: with the N bit exchanged, a full reset is Cease/Hard Reset carrying the cause.
  const nBits = cfg.local.gracefulRestart?.notification === true && s.negotiated?.gracefulRestart?.notification === true;
  const n: Notify =
    e.hardReset && nBits
      ? { code: NotifCode.Cease, subcode: CeaseSubcode.HardReset, data: Uint8Array.of(NotifCode.Cease, subcode, ...data) }
      : { code: NotifCode.Cease, subcode, data };
  return teardown(s, now, cfg, 'stop', reason, n);
}

function holdDeadline(s: FsmState, now: number): number | null {
  const hold = s.negotiated?.holdTime ?? 0;
  return hold > 0 ? after(now, hold * 1000) : null;
}

function keepaliveDeadline(s: FsmState, now: number, cfg: FsmConfig): number | null {
  const ka = s.negotiated?.keepaliveTime ?? 0;
  // RFC 4271 §10: KeepaliveTimer jitter.
  return ka > 0 ? after(now, jitter(ka * 1000, cfg.rand)) : null;
}

/** Events handled alike in OpenSent, OpenConfirm and Established; null for the rest. */
function connected(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig): StepResult | null {
  switch (e.type) {
    case 'ManualStop':
      return manualStop(s, now, cfg, e);
    case 'AutomaticStop': {
      const n: Notify = { code: NotifCode.Cease, subcode: e.subcode, ...(e.data ? { data: e.data } : {}) };
      return teardown(s, now, cfg, 'damp', { kind: 'auto-stop', subcode: e.subcode }, n);
    }
    case 'HoldTimer_Expires':
      // RFC 4271 §6.5: "a NOTIFICATION message with the Error Code Hold Timer Expired is sent".
      return teardown(s, now, cfg, 'damp', { kind: 'hold-timer-expired' }, { code: NotifCode.HoldTimerExpired, subcode: 0 });
    case 'KeepaliveTimer_Expires':
      return stay({ ...s, timers: { ...s.timers, keepalive: keepaliveDeadline(s, now, cfg) } }, [{ type: 'sendKeepalive' }]);
    case 'TcpConnectionFails':
      if (s.name === 'OpenSent') {
        // RFC 4271 §8.2.2 OpenSent Event 18: "restarts the ConnectRetryTimer, ... changes its state to Active".
        const r = teardown(s, now, cfg, 'no-damp', { kind: 'connection-failed' });
        const connectRetry = s.passive ? null : retryDeadline(now, cfg);
        return stay({ ...r.state, name: 'Active', timers: { ...NO_TIMERS, connectRetry } }, r.actions);
      }
      return teardown(s, now, cfg, 'damp', { kind: 'connection-failed' });
    case 'NotifMsg':
    case 'NotifMsgVerErr': {
      const n = e.notification;
      const reason: DownReason = {
        kind: 'notification-received',
        code: n.code,
        subcode: n.subcode,
        text: notificationText(n.code, n.subcode),
        ...(n.shutdownMessage !== undefined ? { shutdownMessage: n.shutdownMessage } : {}),
      };
      return teardown(s, now, cfg, 'damp', reason);
    }
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return rejectWith(s, now, cfg, e.error);
    case 'OpenCollisionDump':
      // RFC 4271 §6.8: "sends a NOTIFICATION message with the Error Code Cease".
      return teardown(s, now, cfg, 'no-damp', { kind: 'collision' }, {
        code: NotifCode.Cease,
        subcode: CeaseSubcode.ConnectionCollisionResolution,
      });
    case 'TcpConnectionConfirmed':
      return stay(s, [{ type: 'trackInbound' }]);
    case 'Tcp_CR_Acked':
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'ConnectRetryTimer_Expires':
    case 'IdleHoldTimer_Expires':
      return stay(s);
    default:
      return null;
  }
}

function rejectWith(s: FsmState, now: number, cfg: FsmConfig, err: WireError): StepResult {
  const text = `${notificationText(err.code, err.subcode)}: ${err.reason}`;
  const reason: DownReason = { kind: 'notification-sent', code: err.code, subcode: err.subcode, text };
  return teardown(s, now, cfg, 'damp', reason, err);
}

/** Message events specific to OpenSent, OpenConfirm and Established. */
function perState(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig): StepResult {
  if (e.type === 'UpdateSent') {
    if (s.name !== 'Established') return stay(s);
    // RFC 4271 §8.2.2 Established: "Each time the local system sends a KEEPALIVE or UPDATE message,
    // it restarts its KeepaliveTimer, unless the negotiated HoldTime value is zero."
    return stay({ ...s, timers: { ...s.timers, keepalive: keepaliveDeadline(s, now, cfg) } });
  }
  if (s.name === 'OpenSent' && e.type === 'BGPOpen') return receiveOpen(s, e.open, now, cfg);
  if (s.name === 'OpenConfirm' && e.type === 'KeepAliveMsg' && s.negotiated !== null) {
    const st: FsmState = {
      ...s,
      name: 'Established',
      timers: { ...s.timers, hold: holdDeadline(s, now) },
      establishedCount: s.establishedCount + 1,
      backoff: backoffUp(s.backoff, now),
    };
    return stay(st, [{ type: 'established', negotiated: s.negotiated }]);
  }
  if (s.name !== 'Established') return fsmError(s, now, cfg, e);
  return established(s, e, now, cfg);
}

function receiveOpen(s: FsmState, open: OpenMsg, now: number, cfg: FsmConfig): StepResult {
  const err = checkOpen(open, { ...cfg.peer, localAsn: cfg.local.asn, localBgpId: cfg.local.bgpId });
  if (err) return rejectWith(s, now, cfg, err);
  const local = s.localOpen ?? buildOpen(cfg.local);
  const negotiated = negotiate(local, open, cfg.keepaliveTime === undefined ? {} : { keepaliveTime: cfg.keepaliveTime });
  const next: FsmState = { ...s, name: 'OpenConfirm', remoteOpen: open, negotiated };
  // RFC 4271 §8.2.2 OpenSent Event 19: send KEEPALIVE, set the KeepaliveTimer and the HoldTimer
  // to the negotiated value; "If the negotiated hold time value is zero, then the HoldTimer and
  // KeepaliveTimer are not started."
  const timers = { ...NO_TIMERS, hold: holdDeadline(next, now), keepalive: keepaliveDeadline(next, now, cfg) };
  return stay({ ...next, timers }, [{ type: 'sendKeepalive' }]);
}

function established(s: FsmState, e: FsmEvent, now: number, cfg: FsmConfig): StepResult {
  // RFC 4271 §8.2.2 Established: KEEPALIVE and UPDATE restart the HoldTimer (if non-zero); so does
  // ROUTE-REFRESH here, since any message shows the peer is alive (as BIRD does).
  const fresh: FsmState = { ...s, timers: { ...s.timers, hold: holdDeadline(s, now) } };
  switch (e.type) {
    case 'KeepAliveMsg':
      return stay(fresh);
    case 'UpdateMsg':
      return stay(fresh, [{ type: 'deliverUpdate', body: e.body }]);
    case 'RouteRefreshMsg': {
      const n = s.negotiated;
      // RFC 2918 §4: a ROUTE-REFRESH for a family not advertised at session setup is ignored.
      const wanted = n !== null && n.routeRefresh && n.context.families.has(familyKey(e.msg.afi, e.msg.safi));
      return stay(fresh, wanted ? [{ type: 'deliverRouteRefresh', msg: e.msg }] : []);
    }
    case 'UpdateMsgErr':
      return rejectWith(s, now, cfg, e.error);
    default:
      // RFC 6608: e.g. an OPEN in Established → 5/3.
      return fsmError(s, now, cfg, e);
  }
}
