/**
 * Fuzz target: decodeNotification on the input as a NOTIFICATION body (also forced to Cease 2
 * and 4, the RFC 9003 shutdown-message path). Input: bytes from Jazzer.js / the fallback
 * mutator. Pure: no I/O.
 */
import { decodeNotification } from '../../../peers/wire/notification.js';
import { expectAllowed } from './check.js';

export function fuzz(data: Uint8Array): void {
  expectAllowed('decodeNotification', decodeNotification(data));
  for (const sub of [2, 4]) expectAllowed('decodeNotification(cease)', decodeNotification(Uint8Array.of(6, sub, ...data)));
}
