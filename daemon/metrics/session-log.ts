/**
 * The log lines for a session going down, with stable event names: `session.down` (with the
 * reason) and, when a NOTIFICATION went with it, `notification.sent` / `notification.received`
 * (code and subcode with their names, RFC 4271 §4.5; the RFC 9003 shutdown text when given).
 * A state change is logged once: a session that keeps failing the same way while it retries
 * (the peer refusing our OPEN every connect-retry) logs the repeats at debug level only, until
 * the reason changes or a session that was Established goes down.
 * Input: the speaker's down events. Output: pino lines. Edge: logging only.
 */
import { notificationNames, notificationOf, type DownReason } from '../../peers/down.js';
import type { Logger } from '../log.js';

/** The last reason logged, per session object (so a peer's config restart starts afresh). */
const lastReason = new WeakMap<object, string>();

/** `text` is the one-line reason (speaker.ts describeDown). */
export function logSessionDown(log: Logger, session: object, reason: DownReason, text: string, wasEstablished: boolean): void {
  const repeat = !wasEstablished && lastReason.get(session) === text;
  lastReason.set(session, text);
  const n = notificationOf(reason);
  if (n) {
    const names = notificationNames(n.code, n.subcode);
    const fields = {
      event: `notification.${n.direction}`,
      code: n.code,
      subcode: n.subcode,
      codeName: names.code,
      ...(names.subcode === undefined ? {} : { subcodeName: names.subcode }),
      ...(reason.kind === 'notification-received' && reason.shutdownMessage !== undefined ? { shutdownMessage: reason.shutdownMessage } : {}),
    };
    const msg = `NOTIFICATION ${n.direction} ${n.code}/${n.subcode} (${n.text})`;
    if (repeat) log.debug(fields, msg);
    else log.info(fields, msg);
  }
  const fields = { event: 'session.down', reason, wasEstablished };
  if (repeat) log.debug(fields, `session down again: ${text}`);
  else log.info(fields, `session down: ${text}`);
}
