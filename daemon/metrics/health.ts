/**
 * What /healthz and /readyz answer. Live: the main event loop (sessions, keepalives) is not
 * stalled — its worst lag in about the last second is under MAX_LAG_MS. Ready: the daemon has
 * done what it must before it routes: config loaded, BGP listener up and sessions started,
 * first kernel FIB sync done (or the FIB disabled), control socket open. Each start step marks
 * itself done; until all are, /readyz names the ones still missing.
 * Input: lag samples and start steps. Output: verdicts with a reason. Pure: no I/O, no clock.
 */

/** A keepalive every second (hold time 3) tolerates no more than this stall. */
export const MAX_LAG_MS = 1000;

export const START_STEPS = ['config loaded', 'sessions started', 'first FIB sync', 'control socket open'] as const;
export type StartStep = (typeof START_STEPS)[number];

export interface Verdict {
  readonly ok: boolean;
  readonly reason: string;
}

export class Health {
  private readonly missing = new Set<StartStep>(START_STEPS);

  done(step: StartStep): void {
    this.missing.delete(step);
  }

  readiness(): Verdict {
    if (this.missing.size === 0) return { ok: true, reason: 'ready' };
    return { ok: false, reason: `not ready: waiting for ${[...this.missing].join(', ')}` };
  }

  /** `lagMs`: the main thread's worst event-loop lag just now. */
  liveness(lagMs: number, maxLagMs = MAX_LAG_MS): Verdict {
    if (lagMs < maxLagMs) return { ok: true, reason: `ok: event loop lag ${formatMs(lagMs)}` };
    return { ok: false, reason: `event loop stalled: lag ${formatMs(lagMs)} (limit ${formatMs(maxLagMs)})` };
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
