/**
 * NOTIFICATION message (RFC 4271 §4.5) with the RFC 9003 shutdown communication of Cease
 * subcodes 2 and 4. Input: the body of a frame whose header passed (so ≥ 2 bytes); output: a
 * NotificationMsg. Any body of 2+ bytes decodes: a broken or non-UTF-8 shutdown communication
 * only means `shutdownMessage` is left out and the raw data is kept (BIRD 3 CVE-2025-59688 crashed
 * here). Pure: no I/O, no clock; never throws on input.
 */
import { CeaseSubcode, HEADER_LEN, MsgType, NotifCode } from './constants.js';
import { fail, ok } from './errors.js';
import type { Decoded } from './errors.js';
import { truncate } from './capabilities.js';
import { badMessageLength, frameMessage } from './header.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import type { NotificationMsg } from './types.js';

/** RFC 9003 §2: the length octet allows up to 255 bytes of UTF-8. */
const MAX_SHUTDOWN_LEN = 255;

function carriesShutdown(code: number, subcode: number): boolean {
  // RFC 9003 §2: Administrative Shutdown (2) and Administrative Reset (4).
  return (
    code === NotifCode.Cease &&
    (subcode === CeaseSubcode.AdministrativeShutdown || subcode === CeaseSubcode.AdministrativeReset)
  );
}

/** RFC 9003 §2: length(1) + UTF-8 text; undefined when absent, overrunning or not valid UTF-8. */
function shutdownText(data: Uint8Array): string | undefined {
  const r = new ByteReader(data);
  const len = r.u8();
  const text = r.bytesView(len);
  if (r.failed || len === 0) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(text);
  } catch {
    return undefined;
  }
}

/** Decode a NOTIFICATION body: error code, subcode, data. */
export function decodeNotification(body: Uint8Array): Decoded<NotificationMsg> {
  if (body.length < 2) {
    return fail(badMessageLength(HEADER_LEN + body.length, 'NOTIFICATION shorter than 21 bytes'));
  }
  const r = new ByteReader(body);
  const code = r.u8();
  const subcode = r.u8();
  // A plain copy: Buffer#slice would return a view of the frame.
  const data = new Uint8Array(r.rest());
  const msg: NotificationMsg = { type: MsgType.Notification, code, subcode, data };
  const text = carriesShutdown(code, subcode) ? shutdownText(data) : undefined;
  return ok(text === undefined ? msg : { ...msg, shutdownMessage: text });
}

/**
 * Encode a whole NOTIFICATION. `data` is written as it is when non-empty; when it is empty and
 * `shutdownMessage` is set on Cease 2/4, the RFC 9003 data is built from the message (cut to 255
 * bytes at a character boundary).
 */
export function encodeNotification(msg: NotificationMsg): Uint8Array {
  const w = new ByteWriter(16 + msg.data.length);
  w.u8(msg.code).u8(msg.subcode);
  if (msg.data.length > 0) {
    w.bytes(msg.data);
  } else if (msg.shutdownMessage !== undefined && msg.shutdownMessage !== '' && carriesShutdown(msg.code, msg.subcode)) {
    const text = truncate(new TextEncoder().encode(msg.shutdownMessage), MAX_SHUTDOWN_LEN);
    w.u8(text.length).bytes(text);
  }
  return frameMessage(MsgType.Notification, w.finish());
}

/** A Cease NOTIFICATION (RFC 4486), with an RFC 9003 shutdown communication for subcodes 2 and 4. */
export function cease(subcode: number, shutdownMessage?: string): NotificationMsg {
  const msg: NotificationMsg = { type: MsgType.Notification, code: NotifCode.Cease, subcode, data: new Uint8Array(0) };
  return shutdownMessage === undefined ? msg : { ...msg, shutdownMessage };
}
