/**
 * What the BGP speaker (daemon/speaker.ts) tells the metrics about as it happens, and what it
 * answers at scrape time. The speaker calls these from its session-event handlers; the
 * implementation (registry.ts) only counts, so each call costs a few array writes.
 * Types, a no-op default and the stamp clock only: no I/O.
 */
import type { DownReason } from '../../peers/down.js';
import type { ThreadSample } from './loop-lag.js';

export type WorkerThread = 'route-engine' | 'fib';

/**
 * The clock of the UPDATE receive stamps (bus.ts `receivedAt`) and of their kernel ACKs:
 * milliseconds since the epoch with sub-ms resolution, comparable between threads.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface SpeakerObserver {
  /** One BGP message of `type` (RFC 4271 §4.1) sent or received on the peer's session. */
  message(peer: string, direction: 'in' | 'out', type: number): void;
  /** A session of the peer left OpenSent/OpenConfirm/Established (peers/down.ts). */
  sessionDown(peer: string, reason: DownReason, wasEstablished: boolean): void;
  /** A worker thread's periodic report (loop-lag.ts). */
  threadStats(thread: WorkerThread, sample: ThreadSample): void;
  /** The peer's BFD session entered state `to` (RFC 5880 §4.1 names: AdminDown, Down, Init, Up). */
  bfdTransition(peer: string, to: string): void;
  /**
   * The peer's session protection (TCP-MD5 / TCP-AO key, GTSM / TTL, interface; daemon/net/)
   * could not be put in place: the session is held down. `reason`: a GuardReason.
   */
  authError(peer: string, reason: string): void;
}

export const NO_OBSERVER: SpeakerObserver = {
  message: () => {},
  sessionDown: () => {},
  threadStats: () => {},
  bfdTransition: () => {},
  authError: () => {},
};

/** One configured peer as the speaker sees it at scrape time. */
export interface PeerSessionState {
  readonly peer: string;
  /** RFC 4271 §8.2.2 FSM state name (Idle, Connect, Active, OpenSent, OpenConfirm, Established). */
  readonly state: string;
  /** Configured families (ipv4-unicast, ipv6-unicast). */
  readonly families: readonly string[];
  /** Only for peers with BFD enabled: its state and negotiated Detection Time (ms; null: none yet). */
  readonly bfd?: { readonly state: string; readonly detectionTimeMs: number | null };
}

/** What the metrics read from the speaker when scraped. */
export interface ScrapeSource {
  sessionStates(): PeerSessionState[];
  /** The route engine's `stats` answer (daemon/rib/query.ts). */
  engineStats(): Promise<unknown>;
  /** The FIB thread's counters and timing; null when the kernel FIB is disabled (--no-fib). */
  fibStats(): Promise<unknown> | null;
}
