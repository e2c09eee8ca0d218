/**
 * Fixtures for the FSM and negotiation tests: a local speaker, a peer OPEN, a config with a
 * fixed random source, and a fake-clock driver that feeds due timer events to `step`.
 * Pure: numbers for time, no sleeps.
 */
import { buildOpen } from '../../../peers/negotiate.js';
import type { LocalSpeaker } from '../../../peers/negotiate.js';
import { dueEvent, initialState, nextDeadline, step } from '../../../peers/fsm.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmState, StateName } from '../../../peers/fsm.js';
import type { OpenMsg } from '../../../peers/wire/types.js';

export const V4U = { afi: 1, safi: 1 } as const;
export const V6U = { afi: 2, safi: 1 } as const;

export const LOCAL: LocalSpeaker = { asn: 65001, bgpId: 0x0a000001, holdTime: 90, families: [V4U, V6U] };

export const REMOTE: LocalSpeaker = { asn: 65002, bgpId: 0x0a000002, holdTime: 90, families: [V4U, V6U] };

/** A config whose jitter is always 100% (rand() = 1) unless `rand` is given. */
export function config(over: Partial<FsmConfig> = {}): FsmConfig {
  return { local: LOCAL, peer: { peerAs: 65002 }, rand: () => 1, ...over };
}

export function remoteOpen(over: Partial<LocalSpeaker> = {}): OpenMsg {
  return buildOpen({ ...REMOTE, ...over });
}

export interface Trace {
  state: FsmState;
  actions: FsmAction[];
}

/** Feed events at `now`, collecting every action. */
export function feed(state: FsmState, events: readonly FsmEvent[], now: number, cfg: FsmConfig): Trace {
  const actions: FsmAction[] = [];
  let s = state;
  for (const e of events) {
    const r = step(s, e, now, cfg);
    s = r.state;
    actions.push(...r.actions);
  }
  return { state: s, actions };
}

/** The fake clock: fire every deadline up to `until`, in order, as the edge would. */
export function runUntil(
  state: FsmState,
  until: number,
  cfg: FsmConfig,
  onTick?: (t: Trace & { now: number }) => void,
): Trace {
  const actions: FsmAction[] = [];
  let s = state;
  for (let d = nextDeadline(s); d !== null && d <= until; d = nextDeadline(s)) {
    const e = dueEvent(s, d);
    if (e === null) break;
    const r = step(s, e, d, cfg);
    s = r.state;
    actions.push(...r.actions);
    onTick?.({ state: s, actions: r.actions, now: d });
  }
  return { state: s, actions };
}

const PATH: readonly FsmEvent[] = [
  { type: 'ManualStart' },
  { type: 'Tcp_CR_Acked' },
  { type: 'BGPOpen', open: remoteOpen() },
  { type: 'KeepAliveMsg' },
];

const DEPTH: Record<StateName, number> = { Idle: 0, Connect: 1, Active: -1, OpenSent: 2, OpenConfirm: 3, Established: 4 };

/** A session driven from Idle to `name` at time `now` (Active: ManualStart then a failed connect). */
export function reach(name: StateName, cfg: FsmConfig = config(), now = 0, open: OpenMsg = remoteOpen()): FsmState {
  const start = initialState(cfg);
  if (name === 'Active') return feed(start, [{ type: 'ManualStart' }, { type: 'TcpConnectionFails' }], now, cfg).state;
  const events = PATH.slice(0, DEPTH[name]).map((e) => (e.type === 'BGPOpen' ? { type: 'BGPOpen' as const, open } : e));
  return feed(start, events, now, cfg).state;
}

export function types(actions: readonly FsmAction[]): string[] {
  return actions.map((a) => a.type);
}

export function notifications(actions: readonly FsmAction[]): [number, number][] {
  return actions.flatMap((a) => (a.type === 'sendNotification' ? [[a.code, a.subcode] as [number, number]] : []));
}
