/**
 * One BFD session's state machine (RFC 5880 §6.2, §6.8), asynchronous mode only (no Demand
 * mode, no Echo function, no authentication): the three-way handshake Down -> Init -> Up, the
 * detection timer, periodic transmission with jitter, slow (1 s) transmission while not Up, and
 * Poll/Final sequences for interval changes. Input: validated Control packets
 * (daemon/bfd/packet.ts) already matched to this session, timer expiries, configuration changes
 * and administrative shutdown, each with the current time. Output: the new state and actions
 * (packets to send, state changes to report). Pure: no sockets, no clock reads (time and the
 * jitter source are passed in), no logging.
 */
import { BfdDiag, BfdState, STATE_NAMES, type BfdControl, type BfdStateName, type BfdStateValue } from './packet.js';

/** Local parameters, microseconds as on the wire (RFC 5880 §6.8.1). */
export interface BfdParams {
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  detectMult: number;
}

/** RFC 5880 §6.8.3: while not Up, DesiredMinTxInterval is at least one second. */
export const SLOW_TX_US = 1_000_000;

export interface BfdSessionState {
  readonly params: BfdParams;
  /** bfd.SessionState */
  readonly state: BfdStateValue;
  /** bfd.LocalDiag */
  readonly localDiag: number;
  /** bfd.LocalDiscr: non-zero, unique in this process. */
  readonly localDisc: number;
  /** bfd.RemoteDiscr: zero until a packet arrives, and again after a Detection Time of silence. */
  readonly remoteDisc: number;
  readonly remoteState: BfdStateValue;
  readonly remoteDemand: boolean;
  /** The peer's C bit: its BFD does not share fate with its control plane. */
  readonly remoteCpi: boolean;
  /** bfd.RemoteMinRxInterval, µs (initialized to 1, RFC 5880 §6.8.1). */
  readonly remoteMinRxUs: number;
  /** The peer's last Desired Min TX Interval, µs. */
  readonly remoteMinTxUs: number;
  /** The peer's last Detect Mult (0 until a packet arrived). */
  readonly remoteDetectMult: number;
  /** Desired Min TX and Required Min RX as advertised in our packets now. */
  readonly advTxUs: number;
  readonly advRxUs: number;
  /**
   * The values in effect: they lag behind the advertised ones during a Poll Sequence when the
   * change is an increase of TX or a decrease of RX (RFC 5880 §6.8.3).
   */
  readonly txInUseUs: number;
  readonly rxInUseUs: number;
  /** A Poll Sequence is in progress: periodic packets carry P until an F arrives (§6.5). */
  readonly poll: boolean;
  /** The interval the current TX schedule was computed from, µs (null: no periodic TX). */
  readonly intervalUs: number | null;
  /** Times in ms on the caller's monotonic clock. */
  readonly lastTx: number | null;
  readonly nextTx: number | null;
  readonly detectAt: number | null;
}

export type BfdEvent =
  | { readonly type: 'rx'; readonly packet: BfdControl }
  | { readonly type: 'timer' }
  | { readonly type: 'configure'; readonly params: BfdParams }
  | { readonly type: 'adminDown'; readonly diag: number };

export type BfdAction =
  | { readonly type: 'send'; readonly packet: BfdControl }
  | {
      readonly type: 'state';
      readonly from: BfdStateName;
      readonly to: BfdStateName;
      readonly diag: number;
      /** RFC 5882 §3.2: the peer went AdminDown; its clients must not treat this as a failure. */
      readonly remoteAdminDown: boolean;
    };

export interface BfdStep {
  readonly state: BfdSessionState;
  readonly actions: readonly BfdAction[];
}

/** A uniform random number in [0, 1), e.g. Math.random. */
export type Rand = () => number;

export function createSession(params: BfdParams, localDisc: number, now: number): BfdSessionState {
  const advTxUs = Math.max(params.desiredMinTxUs, SLOW_TX_US);
  return {
    params,
    state: BfdState.Down,
    localDiag: BfdDiag.None,
    localDisc,
    remoteDisc: 0,
    remoteState: BfdState.Down,
    remoteDemand: false,
    remoteCpi: false,
    remoteMinRxUs: 1,
    remoteMinTxUs: 0,
    remoteDetectMult: 0,
    advTxUs,
    advRxUs: params.requiredMinRxUs,
    txInUseUs: advTxUs,
    rxInUseUs: params.requiredMinRxUs,
    poll: false,
    intervalUs: null,
    lastTx: null,
    // The first packet goes out at once.
    nextTx: now,
    detectAt: null,
  };
}

/**
 * RFC 5880 §6.8.4: Detection Time = the peer's Detect Mult x max(our RequiredMinRxInterval,
 * its last Desired Min TX). ms; null before the peer was heard.
 */
export function detectionTimeMs(s: BfdSessionState): number | null {
  if (s.remoteDetectMult === 0) return null;
  return (s.remoteDetectMult * Math.max(s.rxInUseUs, s.remoteMinTxUs)) / 1000;
}

/** The negotiated periodic transmit interval, µs; null when none may be sent (§6.8.7). */
export function txIntervalUs(s: BfdSessionState): number | null {
  // RFC 5880 §6.8.7: "If bfd.RemoteMinRxInterval is zero, the local system MUST NOT periodically
  // transmit BFD Control packets."
  if (s.remoteMinRxUs === 0) return null;
  // RFC 5880 §6.8.7: remote Demand mode active (both Up) stops our periodic transmission.
  if (s.remoteDemand && s.state === BfdState.Up && s.remoteState === BfdState.Up) return null;
  // RFC 5880 §6.8.7: "the larger of bfd.DesiredMinTxInterval and bfd.RemoteMinRxInterval".
  return Math.max(s.txInUseUs, s.remoteMinRxUs);
}

/**
 * RFC 5880 §6.8.7: each interval is reduced by a random 0-25% (to between 75% and 90% of it
 * when bfd.DetectMult is 1). ms.
 */
export function jittered(intervalUs: number, detectMult: number, rand: Rand): number {
  const factor = detectMult === 1 ? 0.75 + 0.15 * rand() : 0.75 + 0.25 * rand();
  return (intervalUs * factor) / 1000;
}

/** The earliest time step() wants a 'timer' event, or null. */
export function nextDeadline(s: BfdSessionState): number | null {
  const ds = [s.nextTx, s.detectAt].filter((d): d is number => d !== null);
  return ds.length === 0 ? null : Math.min(...ds);
}

/** The Control packet this session sends now (§6.8.7); `final` answers a Poll. */
export function controlPacket(s: BfdSessionState, final = false): BfdControl {
  return {
    diag: s.localDiag,
    state: s.state,
    // RFC 5880 §4.1: never P and F together; a Poll resumes in the next periodic packet.
    poll: s.poll && !final,
    final,
    // RFC 5880 §4.1 C bit: rackrouted's BFD runs in the daemon, so it shares fate with the
    // control plane (a restart of rackrouted stops BFD too): C = 0.
    cpi: false,
    auth: false,
    demand: false,
    multipoint: false,
    detectMult: s.params.detectMult,
    myDisc: s.localDisc,
    yourDisc: s.remoteDisc,
    desiredMinTxUs: s.advTxUs,
    requiredMinRxUs: s.advRxUs,
    // No Echo function.
    requiredMinEchoRxUs: 0,
  };
}

export function step(s: BfdSessionState, e: BfdEvent, now: number, rand: Rand): BfdStep {
  switch (e.type) {
    case 'rx':
      return receive(s, e.packet, now, rand);
    case 'timer':
      return timer(s, now, rand);
    case 'configure':
      return configure(s, e.params, now, rand);
    case 'adminDown':
      return adminDown(s, e.diag, now, rand);
  }
}

/** RFC 5880 §6.8.6 from "Set bfd.RemoteDiscr" on: the packet passed decodeControl already. */
function receive(s0: BfdSessionState, p: BfdControl, now: number, rand: Rand): BfdStep {
  const actions: BfdAction[] = [];
  let s: BfdSessionState = {
    ...s0,
    remoteDisc: p.myDisc,
    remoteState: p.state,
    remoteDemand: p.demand,
    remoteCpi: p.cpi,
    remoteMinRxUs: p.requiredMinRxUs,
    remoteMinTxUs: p.desiredMinTxUs,
    remoteDetectMult: p.detectMult,
  };
  // RFC 5880 §6.8.6: "If the Final (F) bit is set and the local system has sent a Poll Sequence,
  // the Poll Sequence MUST be terminated." The new intervals now apply (§6.8.3).
  if (p.final && s.poll) s = { ...s, poll: false, txInUseUs: s.advTxUs, rxInUseUs: s.advRxUs };
  // RFC 5880 §6.8.6: "If bfd.SessionState is AdminDown: Discard the packet."
  if (s.state === BfdState.AdminDown) return { state: reschedule(s, now, rand), actions };
  let next: BfdStateValue = s.state;
  let diag = s.localDiag;
  if (p.state === BfdState.AdminDown) {
    // RFC 5880 §6.8.6: "If received state is AdminDown: If bfd.SessionState is not Down, set
    // bfd.LocalDiag to 3 (Neighbor signaled session down), set bfd.SessionState to Down."
    if (s.state !== BfdState.Down) {
      next = BfdState.Down;
      diag = BfdDiag.NeighborSignaledSessionDown;
    }
  } else if (s.state === BfdState.Down) {
    // RFC 5880 §6.8.6: Down + received Down -> Init; Down + received Init -> Up.
    if (p.state === BfdState.Down) next = BfdState.Init;
    else if (p.state === BfdState.Init) next = BfdState.Up;
  } else if (s.state === BfdState.Init) {
    // RFC 5880 §6.8.6: Init + received Init or Up -> Up.
    if (p.state === BfdState.Init || p.state === BfdState.Up) next = BfdState.Up;
  } else if (p.state === BfdState.Down) {
    // RFC 5880 §6.8.6: Up + received Down: LocalDiag 3 (Neighbor signaled session down) -> Down.
    next = BfdState.Down;
    diag = BfdDiag.NeighborSignaledSessionDown;
  }
  if (next !== s.state) s = transition(s, next, diag, p.state === BfdState.AdminDown, actions);
  // RFC 5880 §6.8.6: a received packet resets the detection timer (§6.8.4 for its length).
  const dt = detectionTimeMs(s);
  s = { ...s, detectAt: dt === null ? null : now + dt };
  s = reschedule(s, now, rand);
  // RFC 5880 §6.8.6: "If the Poll (P) bit is set, send a BFD Control packet to the remote system
  // with the Poll (P) bit clear, and the Final (F) bit set" -- §6.8.7: "as soon as practicable,
  // without respect to the transmission timer".
  if (p.poll) actions.push({ type: 'send', packet: controlPacket(s, true) });
  else if (next !== s0.state) s = sendNow(s, now, rand, actions);
  return { state: s, actions };
}

/** Detection timer and periodic transmission. */
function timer(s0: BfdSessionState, now: number, rand: Rand): BfdStep {
  const actions: BfdAction[] = [];
  let s = s0;
  if (s.detectAt !== null && now >= s.detectAt) {
    // RFC 5880 §6.8.1 bfd.RemoteDiscr: "If a period of a Detection Time passes without the
    // receipt of a valid, authenticated BFD packet from the remote system, this variable MUST be
    // set to zero."
    s = { ...s, detectAt: null, remoteDisc: 0 };
    // RFC 5880 §6.8.4: Init or Up and a Detection Time without a packet: the session has gone
    // down, LocalDiag 1 (Control Detection Time Expired).
    if (s.state === BfdState.Init || s.state === BfdState.Up) {
      s = transition(s, BfdState.Down, BfdDiag.ControlDetectionTimeExpired, false, actions);
      s = reschedule(s, now, rand);
    }
  }
  if (s.nextTx !== null && now >= s.nextTx) s = sendNow(s, now, rand, actions);
  return { state: s, actions };
}

/**
 * New intervals or multiplier applied to a running session (a config reload): RFC 5880 §6.8.3
 * "If either bfd.DesiredMinTxInterval is changed or bfd.RequiredMinRxInterval is changed, a Poll
 * Sequence MUST be initiated."
 */
function configure(s0: BfdSessionState, params: BfdParams, now: number, rand: Rand): BfdStep {
  const up = s0.state === BfdState.Up;
  const advTxUs = up ? params.desiredMinTxUs : Math.max(params.desiredMinTxUs, SLOW_TX_US);
  const advRxUs = params.requiredMinRxUs;
  const changed = advTxUs !== s0.advTxUs || advRxUs !== s0.advRxUs;
  const s: BfdSessionState = {
    ...s0,
    params,
    advTxUs,
    advRxUs,
    // RFC 5880 §6.8.3: an increased TX interval waits for the Final (the peer must first
    // lengthen its Detection Time); a reduced one applies at once.
    txInUseUs: !up || advTxUs < s0.txInUseUs ? advTxUs : s0.txInUseUs,
    // RFC 5880 §6.8.3: "If bfd.RequiredMinRxInterval is reduced and bfd.SessionState is Up, the
    // previous value ... MUST be used when calculating the Detection Time ... until the Poll
    // Sequence ... has terminated."
    rxInUseUs: !up || advRxUs > s0.rxInUseUs ? advRxUs : s0.rxInUseUs,
    poll: s0.poll || (changed && up),
  };
  return { state: reschedule(s, now, rand), actions: [] };
}

/** RFC 5880 §6.8.16: administratively down: state AdminDown with the given diagnostic. */
function adminDown(s0: BfdSessionState, diag: number, now: number, rand: Rand): BfdStep {
  const actions: BfdAction[] = [];
  if (s0.state === BfdState.AdminDown) return { state: s0, actions };
  let s = transition(s0, BfdState.AdminDown, diag, false, actions);
  // No detection while AdminDown; the peer learns of it from the next packets.
  s = { ...s, detectAt: null };
  s = sendNow(s, now, rand, actions);
  return { state: s, actions };
}

/** Enters a new state: reports it and sets the intervals that state uses. */
function transition(s0: BfdSessionState, to: BfdStateValue, diag: number, remoteAdminDown: boolean, actions: BfdAction[]): BfdSessionState {
  actions.push({ type: 'state', from: STATE_NAMES[s0.state], to: STATE_NAMES[to], diag, remoteAdminDown });
  if (to === BfdState.Up) {
    // Up: the configured (fast) TX interval replaces the 1 s one. A reduction applies at once; the
    // changed Desired Min TX starts a Poll Sequence (RFC 5880 §6.8.3).
    const advTxUs = s0.params.desiredMinTxUs;
    return { ...s0, state: to, localDiag: BfdDiag.None, advTxUs, txInUseUs: Math.min(advTxUs, s0.txInUseUs), poll: advTxUs !== s0.advTxUs || s0.poll };
  }
  // RFC 5880 §6.8.3: "When bfd.SessionState is not Up, the system MUST set
  // bfd.DesiredMinTxInterval to a value of not less than one second".
  const advTxUs = Math.max(s0.params.desiredMinTxUs, SLOW_TX_US);
  return { ...s0, state: to, localDiag: diag, advTxUs, txInUseUs: advTxUs, rxInUseUs: s0.advRxUs, poll: false };
}

/** Sends a periodic packet now and schedules the next one. */
function sendNow(s: BfdSessionState, now: number, rand: Rand, actions: BfdAction[]): BfdSessionState {
  actions.push({ type: 'send', packet: controlPacket(s) });
  const iv = txIntervalUs(s);
  return { ...s, lastTx: now, intervalUs: iv, nextTx: iv === null ? null : now + jittered(iv, s.params.detectMult, rand) };
}

/**
 * The transmit interval changed (ours or the peer's RequiredMinRx): RFC 5880 §6.8.3 — a shorter
 * one is honoured at once, a longer one is never undercut.
 */
function reschedule(s: BfdSessionState, now: number, rand: Rand): BfdSessionState {
  const iv = txIntervalUs(s);
  if (iv === s.intervalUs) return s;
  if (iv === null) return { ...s, intervalUs: null, nextTx: null };
  const base = s.lastTx ?? now;
  return { ...s, intervalUs: iv, nextTx: Math.max(now, base + jittered(iv, s.params.detectMult, rand)) };
}

export function stateName(s: BfdSessionState): BfdStateName {
  return STATE_NAMES[s.state];
}
