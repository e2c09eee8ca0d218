/**
 * Graceful restart decisions (RFC 4724, RFC 8538) for the session engine: whether a session
 * that just ended leaves its routes stale (the peer is restarting) or takes them down, and the
 * timers that bound how long stale routes are kept. Input: why the session ended (peers/down.ts)
 * and what both OPENs said. Pure: no I/O, no clock.
 */
import type { DownReason } from '../peers/down.js';
import type { GracefulRestartCap } from '../peers/negotiate.js';
import { familyKey } from '../peers/wire/context.js';

/** RFC 8538 §5: Cease subcode 9, "Hard Reset": no graceful restart, routes go at once. */
export const CEASE_HARD_RESET = 9;

/** FRR's and BIRD's default: after the peer is back, wait this long for its End-of-RIB. */
export const STALE_PATH_MS = 360_000;

/** What both sides' Graceful Restart capabilities allow, recorded when the session came up. */
export interface GrSession {
  /** RFC 4724 §3 Restart Time the peer advertised, ms: how long to wait for it to come back. */
  restartMs: number;
  /** RFC 8538: both sides set the N bit, so NOTIFICATIONs (but Hard Reset) keep routes too. */
  notification: boolean;
  /** Families (familyKey) for which the peer says it kept forwarding state (F bit). */
  forwarding: number[];
}

/**
 * The GR relationship of an Established session: null unless both sides advertised the
 * capability (ours from the config) and the peer's restart time is not zero.
 */
export function grSession(localEnabled: boolean, localN: boolean, remote: GracefulRestartCap | null): GrSession | null {
  if (!localEnabled || !remote || remote.restartTime === 0) return null;
  return {
    restartMs: remote.restartTime * 1000,
    notification: localN && remote.notification,
    forwarding: remote.families.filter((f) => f.forwardingState).map((f) => familyKey(f.afi, f.safi)),
  };
}

/**
 * RFC 4724 §4.2 / RFC 8538 §3-4: does the end of this session keep the peer's routes (stale)?
 * A lost TCP connection or an expired hold timer does; a NOTIFICATION does only when both sides
 * set the N bit, and never a Cease/Hard Reset; an operator's or the daemon's deliberate stop, a
 * collision or an FSM error do not.
 */
export function keepsRoutes(gr: GrSession | null, reason: DownReason): boolean {
  if (!gr) return false;
  switch (reason.kind) {
    case 'connection-failed':
      return true;
    case 'hold-timer-expired':
      return gr.notification;
    case 'notification-received':
    case 'notification-sent':
      return gr.notification && !(reason.code === 6 && reason.subcode === CEASE_HARD_RESET);
    default:
      return false;
  }
}
