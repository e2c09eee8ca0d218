/**
 * Why a session left OpenSent/OpenConfirm/Established: a typed reason the FSM (peers/fsm.ts)
 * puts on its `down` action, and readable names for NOTIFICATION codes. The socket edge logs it
 * (`event: 'session.down'`), counts it in a metric and shows it in `rackroute neighbors`.
 * Pure data: no I/O.
 */
import { NotifCode } from './wire/constants.js';

export type DownReason =
  /** RFC 4271 §8.2.2 Event 10: we sent 4/0. */
  | { readonly kind: 'hold-timer-expired' }
  /** The peer sent a NOTIFICATION. */
  | {
      readonly kind: 'notification-received';
      readonly code: number;
      readonly subcode: number;
      readonly text: string;
      /** RFC 9003 shutdown communication, when the peer sent one. */
      readonly shutdownMessage?: string;
    }
  /** We rejected something the peer sent (bad OPEN, bad header, fatal UPDATE error). */
  | { readonly kind: 'notification-sent'; readonly code: number; readonly subcode: number; readonly text: string }
  /** The TCP connection failed or was closed by the peer without a NOTIFICATION. */
  | { readonly kind: 'connection-failed' }
  /** ManualStop: an operator or config change stopped the peer (Cease sent). */
  | { readonly kind: 'admin-stop'; readonly subcode: number; readonly message?: string }
  /** AutomaticStop: the daemon stopped the peer, e.g. maximum prefixes (Cease sent). */
  | { readonly kind: 'auto-stop'; readonly subcode: number }
  /** RFC 4271 §6.8: this connection lost a connection collision (Cease 6/7 sent). */
  | { readonly kind: 'collision' }
  /** RFC 6608: an unexpected message for the state (5/1, 5/2, 5/3 sent). */
  | { readonly kind: 'fsm-error'; readonly subcode: number; readonly event: string };

const CODES: Record<number, string> = {
  [NotifCode.MessageHeaderError]: 'Message Header Error',
  [NotifCode.OpenMessageError]: 'OPEN Message Error',
  [NotifCode.UpdateMessageError]: 'UPDATE Message Error',
  [NotifCode.HoldTimerExpired]: 'Hold Timer Expired',
  [NotifCode.FsmError]: 'Finite State Machine Error',
  [NotifCode.Cease]: 'Cease',
  [NotifCode.RouteRefreshMessageError]: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

const SUBCODES: Record<number, Record<number, string>> = {
  1: { 1: 'Connection Not Synchronized', 2: 'Bad Message Length', 3: 'Bad Message Type' },
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    11: 'Role Mismatch',
  },
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  5: {
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  7: { 1: 'Invalid Message Length' },
};

/** Names of an error code and subcode (subcode 0 has none): for logs and metric labels. */
export function notificationNames(code: number, subcode: number): { code: string; subcode?: string } {
  const c = CODES[code] ?? `code ${code}`;
  return subcode === 0 ? { code: c } : { code: c, subcode: SUBCODES[code]?.[subcode] ?? `subcode ${subcode}` };
}

/** "Cease / Administrative Shutdown", "OPEN Message Error / Bad Peer AS", "code 9 / subcode 1". */
export function notificationText(code: number, subcode: number): string {
  const n = notificationNames(code, subcode);
  return n.subcode === undefined ? n.code : `${n.code} / ${n.subcode}`;
}

/** A NOTIFICATION sent or received, as logs, metrics and `rackroute neighbors` show it. */
export interface NotificationInfo {
  direction: 'sent' | 'received';
  code: number;
  subcode: number;
  text: string;
}

/** The NOTIFICATION that went with a session going down, if one was sent or received. */
export function notificationOf(r: DownReason): NotificationInfo | undefined {
  const sent = (code: number, subcode: number): NotificationInfo => ({ direction: 'sent', code, subcode, text: notificationText(code, subcode) });
  switch (r.kind) {
    case 'notification-received':
      return { direction: 'received', code: r.code, subcode: r.subcode, text: r.text };
    case 'notification-sent':
      return { direction: 'sent', code: r.code, subcode: r.subcode, text: r.text };
    case 'hold-timer-expired':
      return sent(4, 0); // RFC 4271 §6.5
    case 'fsm-error':
      return sent(5, r.subcode); // RFC 6608
    case 'collision':
      return sent(6, 7); // RFC 4271 §6.8, RFC 4486
    case 'admin-stop':
    case 'auto-stop':
      return sent(6, r.subcode);
    case 'connection-failed':
      return undefined;
  }
}
