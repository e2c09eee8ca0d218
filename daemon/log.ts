/**
 * The pino root logger and child-logger helpers. Components log with stable `event` names
 * (session.up, session.down, notification.sent, notification.received, config.invalid, ...)
 * and bound fields ({comp, peer}). Output: JSON lines on stderr (journald keeps them).
 */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { svc: 'rackrouted' } }, pino.destination({ dest: 2, sync: true }));
}

/** A logger that drops everything, for tests and for `--check`. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
