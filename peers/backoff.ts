/**
 * Idle-hold backoff: how long a session waits in Idle before restarting after it went down, so a
 * flapping peer is damped (RFC 4271 §8.1.1 DampPeerOscillations; BIRD's startup delay, OpenBGPD's
 * `IdleHoldTime *= 2`, MetalLB's backoff.go). Input: down/up moments from the FSM (fsm.ts);
 * output: the delay it puts on the IdleHoldTimer. Pure data and functions: no clock, no I/O.
 *
 * Defaults (DEFAULT_BACKOFF): the first restart after a flap waits 1 s, each further flap doubles
 * the wait up to 120 s, and a session that stayed Established for 120 s is forgiven: its next
 * down starts again at 1 s.
 */

export interface BackoffConfig {
  /** Wait after the first down (ms). */
  readonly baseMs: number;
  /** Upper bound of the wait (ms). */
  readonly capMs: number;
  /** Established this long (ms) before going down resets the wait to `baseMs` (amnesia). */
  readonly amnesiaMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { baseMs: 1_000, capMs: 120_000, amnesiaMs: 120_000 };

export interface BackoffState {
  /** The wait the next down will get (ms). */
  readonly nextDelayMs: number;
  /** Downs counted since the last amnesia. */
  readonly flaps: number;
  /** When the current Established period began, or null when not Established. */
  readonly upSince: number | null;
}

export function initialBackoff(cfg: BackoffConfig = DEFAULT_BACKOFF): BackoffState {
  return { nextDelayMs: cfg.baseMs, flaps: 0, upSince: null };
}

/** The session reached Established at `now`. */
export function backoffUp(s: BackoffState, now: number): BackoffState {
  return { ...s, upSince: now };
}

/**
 * The session went down at `now`: returns the Idle wait to use and the state for the next down.
 * Amnesia first (a long stable period forgets earlier flaps), then double up to the cap.
 */
export function backoffDown(
  s: BackoffState,
  now: number,
  cfg: BackoffConfig = DEFAULT_BACKOFF,
): { readonly delayMs: number; readonly state: BackoffState } {
  const stable = s.upSince !== null && now - s.upSince >= cfg.amnesiaMs;
  const base = stable ? initialBackoff(cfg) : s;
  const delayMs = Math.min(Math.max(base.nextDelayMs, cfg.baseMs), cfg.capMs);
  return {
    delayMs,
    state: { nextDelayMs: Math.min(delayMs * 2, cfg.capMs), flaps: base.flaps + 1, upSince: null },
  };
}
