/**
 * The data of the RFC 4271 §8 FSM: state names, events (with their RFC numbers), actions,
 * per-session state and config, plus the helpers the socket edge needs to arm its one timer
 * (`nextDeadline`, `dueEvent`) and to track a second connection (`forkInbound`). The transition
 * function itself is in peers/fsm.ts. Pure data and functions: no I/O, no clock.
 */
import type { BackoffConfig, BackoffState } from './backoff.js';
import { DEFAULT_BACKOFF, initialBackoff } from './backoff.js';
import type { ConnDirection } from './collision.js';
import type { DownReason } from './down.js';
import type { LocalSpeaker, Negotiated, PeerExpectations } from './negotiate.js';
import { NO_TIMERS, nextDeadline as earliest, nextDue } from './timers.js';
import type { Deadline, TimerName, Timers } from './timers.js';
import type { WireError } from './wire/errors.js';
import type { NotificationMsg, OpenMsg, RouteRefreshMsg } from './wire/types.js';

/** RFC 4271 §8.2.2 states. */
export type StateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

/** RFC 4271 §8.1 event numbers, for logs. RouteRefreshMsg and UpdateSent are ours (no number). */
export const EVENT_NUMBER = {
  ManualStart: 1,
  ManualStop: 2,
  AutomaticStart: 3,
  ManualStart_with_PassiveTcpEstablishment: 4,
  AutomaticStart_with_PassiveTcpEstablishment: 5,
  AutomaticStop: 8,
  ConnectRetryTimer_Expires: 9,
  HoldTimer_Expires: 10,
  KeepaliveTimer_Expires: 11,
  IdleHoldTimer_Expires: 13,
  Tcp_CR_Acked: 16,
  TcpConnectionConfirmed: 17,
  TcpConnectionFails: 18,
  BGPOpen: 19,
  BGPHeaderErr: 21,
  BGPOpenMsgErr: 22,
  OpenCollisionDump: 23,
  NotifMsgVerErr: 24,
  NotifMsg: 25,
  KeepAliveMsg: 26,
  UpdateMsg: 27,
  UpdateMsgErr: 28,
} as const;

export type FsmEvent =
  | { readonly type: 'ManualStart' }
  /** Cease subcode defaults to 2 (Administrative Shutdown); `message` is RFC 9003 text. */
  | { readonly type: 'ManualStop'; readonly subcode?: number; readonly message?: string; readonly hardReset?: boolean }
  | { readonly type: 'AutomaticStart' }
  | { readonly type: 'ManualStart_with_PassiveTcpEstablishment' }
  | { readonly type: 'AutomaticStart_with_PassiveTcpEstablishment' }
  /** The daemon stops the session and lets it restart after idle hold (e.g. 6/1 max prefixes). */
  | { readonly type: 'AutomaticStop'; readonly subcode: number; readonly data?: Uint8Array }
  | { readonly type: 'ConnectRetryTimer_Expires' }
  | { readonly type: 'HoldTimer_Expires' }
  | { readonly type: 'KeepaliveTimer_Expires' }
  | { readonly type: 'IdleHoldTimer_Expires' }
  /** Our outbound connection attempt succeeded. */
  | { readonly type: 'Tcp_CR_Acked' }
  /** The listener accepted a connection from this peer. */
  | { readonly type: 'TcpConnectionConfirmed' }
  /** The connection (or attempt) failed or was closed by the peer. */
  | { readonly type: 'TcpConnectionFails' }
  | { readonly type: 'BGPOpen'; readonly open: OpenMsg }
  | { readonly type: 'BGPHeaderErr'; readonly error: WireError }
  | { readonly type: 'BGPOpenMsgErr'; readonly error: WireError }
  | { readonly type: 'OpenCollisionDump' }
  | { readonly type: 'NotifMsgVerErr'; readonly notification: NotificationMsg }
  | { readonly type: 'NotifMsg'; readonly notification: NotificationMsg }
  | { readonly type: 'KeepAliveMsg' }
  | { readonly type: 'UpdateMsg'; readonly body: Uint8Array }
  /** A fatal (session-reset) error found in an UPDATE; its NOTIFICATION is sent. */
  | { readonly type: 'UpdateMsgErr'; readonly error: WireError }
  | { readonly type: 'RouteRefreshMsg'; readonly msg: RouteRefreshMsg }
  /** We wrote an UPDATE: RFC 4271 §8.2.2 restarts the KeepaliveTimer. */
  | { readonly type: 'UpdateSent' };

export type FsmEventType = FsmEvent['type'];

export type FsmAction =
  /** Start an outbound TCP connection attempt. */
  | { readonly type: 'connect' }
  /** Close this session's transport: the connected socket and any pending attempt. */
  | { readonly type: 'close' }
  /** Adopt the offered inbound socket as this session's transport; abandon any pending attempt. */
  | { readonly type: 'acceptInbound' }
  /** Close the offered inbound socket; this session's transport is unaffected. */
  | { readonly type: 'rejectInbound' }
  /** RFC 4271 §6.8: keep the offered inbound socket on a second FSM (`forkInbound`) until its OPEN. */
  | { readonly type: 'trackInbound' }
  | { readonly type: 'sendOpen'; readonly open: OpenMsg }
  | { readonly type: 'sendKeepalive' }
  | { readonly type: 'sendNotification'; readonly code: number; readonly subcode: number; readonly data: Uint8Array }
  | { readonly type: 'deliverUpdate'; readonly body: Uint8Array }
  | { readonly type: 'deliverRouteRefresh'; readonly msg: RouteRefreshMsg }
  | { readonly type: 'established'; readonly negotiated: Negotiated }
  /** Left OpenSent/OpenConfirm/Established. `wasEstablished`: routes from this peer must go. */
  | { readonly type: 'down'; readonly reason: DownReason; readonly wasEstablished: boolean };

export interface FsmState {
  readonly name: StateName;
  /** Deadlines in ms on the edge's clock. */
  readonly timers: Timers;
  /** RFC 4271 §8: ConnectRetryCounter. */
  readonly connectRetryCounter: number;
  /** Times this FSM reached Established. */
  readonly establishedCount: number;
  /** Started and not ManualStopped: Idle restarts when the IdleHoldTimer expires. */
  readonly started: boolean;
  /** Started with PassiveTcpEstablishment: never connects, waits in Active. */
  readonly passive: boolean;
  /** Who opened the current connection, once there is one. */
  readonly direction: ConnDirection | null;
  readonly backoff: BackoffState;
  /** The OPEN we sent on the current connection. */
  readonly localOpen: OpenMsg | null;
  /** The peer's OPEN on the current connection. */
  readonly remoteOpen: OpenMsg | null;
  /** Set on entering OpenConfirm; cleared in Idle. */
  readonly negotiated: Negotiated | null;
  readonly lastDown: DownReason | null;
}

/** What the peer must satisfy (PeerExpectations minus our own ASN and identifier). */
export type PeerPolicy = Omit<PeerExpectations, 'localAsn' | 'localBgpId'>;

export interface FsmConfig {
  readonly local: LocalSpeaker;
  readonly peer: PeerPolicy;
  /** Configured keepalive interval in seconds; default hold time / 3. */
  readonly keepaliveTime?: number;
  /** ConnectRetryTime in ms before jitter; default DEFAULT_CONNECT_RETRY_MS. */
  readonly connectRetryMs?: number;
  /** Hold time in OpenSent in ms; default DEFAULT_OPEN_SENT_HOLD_MS. */
  readonly openSentHoldMs?: number;
  readonly backoff?: BackoffConfig;
  /** Uniform [0, 1) for RFC 4271 §10 jitter (Math.random at the edge, fixed in tests). */
  readonly rand: () => number;
}

/**
 * 10 s, FRR's `datacenter` profile (RFC 4271 §10 suggests 120 s, which is long for a node that
 * reboots next to its ToR).
 */
export const DEFAULT_CONNECT_RETRY_MS = 10_000;
/** RFC 4271 §8.2.2: "a large value ... A HoldTimer value of 4 minutes is suggested". */
export const DEFAULT_OPEN_SENT_HOLD_MS = 240_000;

export function initialState(cfg: FsmConfig): FsmState {
  return {
    name: 'Idle',
    timers: NO_TIMERS,
    connectRetryCounter: 0,
    establishedCount: 0,
    started: false,
    passive: false,
    direction: null,
    backoff: initialBackoff(cfg.backoff ?? DEFAULT_BACKOFF),
    localOpen: null,
    remoteOpen: null,
    negotiated: null,
    lastDown: null,
  };
}

/** The one deadline the edge should arm a real timer for, or null. */
export function nextDeadline(s: FsmState): Deadline {
  return earliest(s.timers);
}

const TIMER_EVENT: Record<TimerName, FsmEvent> = {
  connectRetry: { type: 'ConnectRetryTimer_Expires' },
  hold: { type: 'HoldTimer_Expires' },
  keepalive: { type: 'KeepaliveTimer_Expires' },
  idleHold: { type: 'IdleHoldTimer_Expires' },
};

/** The expiry event of the earliest timer due at `now`, or null. Feed it to `step`, repeat. */
export function dueEvent(s: FsmState, now: number): FsmEvent | null {
  const name = nextDue(s.timers, now);
  return name === null ? null : TIMER_EVENT[name];
}

/**
 * A second FSM for an inbound connection that arrived while `main` is in OpenSent, OpenConfirm
 * or Established (the `trackInbound` action). It waits in Active; step it with
 * TcpConnectionConfirmed to send its OPEN. It shares the backoff so damping survives a swap.
 */
export function forkInbound(main: FsmState): FsmState {
  return {
    ...main,
    name: 'Active',
    timers: NO_TIMERS,
    started: true,
    passive: true,
    direction: null,
    localOpen: null,
    remoteOpen: null,
    negotiated: null,
  };
}
