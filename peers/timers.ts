/**
 * Timers as deadlines: a timer is an absolute time in milliseconds (or null when stopped),
 * computed from a `now` the caller passes in. The FSM stores deadlines in its state; the socket
 * edge (peers/session.ts) arms one real timer for the earliest deadline and feeds the matching
 * expiry event back. Pure: no clock reads, no setTimeout; randomness is injected.
 */

/** An absolute time in ms on the caller's clock, or null when the timer is not running. */
export type Deadline = number | null;

/** The four RFC 4271 §8 session timers (DelayOpenTimer is not used). */
export type TimerName = 'connectRetry' | 'hold' | 'keepalive' | 'idleHold';

export type Timers = { readonly [K in TimerName]: Deadline };

export const NO_TIMERS: Timers = { connectRetry: null, hold: null, keepalive: null, idleHold: null };

/** A deadline `ms` after `now`. */
export function after(now: number, ms: number): number {
  return now + ms;
}

/** True when the timer is running and its deadline has been reached. */
export function isDue(d: Deadline, now: number): boolean {
  return d !== null && d <= now;
}

/** The earliest running deadline, or null when every timer is stopped. */
export function nextDeadline(timers: Timers): Deadline {
  let min: Deadline = null;
  for (const d of Object.values(timers)) if (d !== null && (min === null || d < min)) min = d;
  return min;
}

/** The timer with the earliest deadline that is due at `now` (ties: declaration order), or null. */
export function nextDue(timers: Timers, now: number): TimerName | null {
  let best: TimerName | null = null;
  for (const name of ['hold', 'keepalive', 'connectRetry', 'idleHold'] as const) {
    const d = timers[name];
    if (!isDue(d, now)) continue;
    if (best === null || (d as number) < (timers[best] as number)) best = name;
  }
  return best;
}

/**
 * RFC 4271 §10: "the initial value of these timers [ConnectRetryTimer, KeepaliveTimer, ...]
 * should be multiplied by a random value uniformly distributed in the range 0.75 to 1.0".
 * `rand` returns a value in [0, 1) like Math.random; the result is a whole number of ms.
 */
export function jitter(ms: number, rand: () => number): number {
  const r = Math.min(Math.max(rand(), 0), 1);
  return Math.round(ms * (0.75 + 0.25 * r));
}
