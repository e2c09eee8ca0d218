/**
 * BGP message header (RFC 4271 §4.1): check the 19-byte marker/length/type prefix of a message
 * and frame a body into a whole message. Input: the first 19+ bytes of a message from the framer
 * or decodeMessage; output: { length, type } or the Message Header Error to send.
 * Pure: no I/O, no clock; decodeHeader never throws.
 */
import { HEADER_LEN, HeaderSubcode, MAX_EXT_MSG_LEN, MsgType, NotifCode } from './constants.js';
import { fail, ok, wireError } from './errors.js';
import type { Decoded, WireError } from './errors.js';
import { ByteWriter } from './writer.js';

export interface Header {
  readonly length: number;
  readonly type: number;
}

const MARKER_LEN = 16;

/** RFC 4271 §6.1: per-type length bounds (min, max) for the types this codec knows. */
const TYPE_LENGTHS: Readonly<Record<number, readonly [number, number]>> = {
  [MsgType.Open]: [29, Infinity], // RFC 4271 §4.2: fixed part 29 octets
  [MsgType.Update]: [23, Infinity], // RFC 4271 §4.3: 19 + 2 + 2
  [MsgType.Notification]: [21, Infinity], // RFC 4271 §4.5: 19 + code + subcode
  [MsgType.Keepalive]: [19, 19], // RFC 4271 §4.4: header only
  [MsgType.RouteRefresh]: [23, 23], // RFC 2918 §3: 19 + AFI(2) + reserved/subtype(1) + SAFI(1)
};

function headerError(subcode: number, reason: string, data: Uint8Array): WireError {
  return wireError(NotifCode.MessageHeaderError, subcode, 'session-reset', reason, data);
}

/** The 2-byte Length field as NOTIFICATION data (RFC 4271 §6.1: "the erroneous Length field"). */
function lengthField(length: number): Uint8Array {
  return new Uint8Array([(length >>> 8) & 0xff, length & 0xff]);
}

/**
 * RFC 4271 §6.1 Bad Message Length for a message of `length` bytes (header included), for the
 * body decoders that find their own lengths inconsistent with the message length.
 */
export function badMessageLength(length: number, reason: string): WireError {
  return headerError(HeaderSubcode.BadMessageLength, reason, lengthField(length));
}

/** RFC 4271 §6.1 Bad Message Type, data = the type field. */
export function badMessageType(type: number): WireError {
  return headerError(HeaderSubcode.BadMessageType, `unknown message type ${type}`, new Uint8Array([type & 0xff]));
}

/**
 * Validate the header at the start of `bytes` (only the first 19 bytes are read; the body need
 * not be there yet). `maxLen` is 4096, or 65535 after RFC 8654 Extended Message is negotiated.
 */
export function decodeHeader(bytes: Uint8Array, maxLen: number): Decoded<Header> {
  return decodeHeaderAt(bytes, 0, maxLen);
}

/** decodeHeader for the header starting at `at` (lets the framer avoid a view per message). */
export function decodeHeaderAt(bytes: Uint8Array, at: number, maxLen: number): Decoded<Header> {
  const have = bytes.length - at;
  if (at < 0 || have < HEADER_LEN) {
    return fail(headerError(HeaderSubcode.BadMessageLength, `header truncated: ${have} bytes`, lengthField(Math.max(0, have))));
  }
  // Hot path (every message): index directly; the 19 bytes were checked above.
  for (let i = at; i < at + MARKER_LEN; i++) {
    // RFC 4271 §6.1: marker not all ones → Connection Not Synchronized.
    if (bytes[i] !== 0xff) {
      return fail(headerError(HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones', new Uint8Array(0)));
    }
  }
  const length = ((bytes[at + MARKER_LEN] ?? 0) << 8) | (bytes[at + MARKER_LEN + 1] ?? 0);
  const type = bytes[at + MARKER_LEN + 2] ?? 0;
  // RFC 4271 §6.1 / RFC 8654 §4: length < 19 or > the maximum → Bad Message Length.
  if (length < HEADER_LEN || length > maxLen) {
    return fail(headerError(HeaderSubcode.BadMessageLength, `length ${length} outside 19..${maxLen}`, lengthField(length)));
  }
  const bounds = TYPE_LENGTHS[type];
  // RFC 4271 §6.1: unrecognized type → Bad Message Type, data = the type field.
  if (bounds === undefined) {
    return fail(badMessageType(type));
  }
  // RFC 4271 §6.1 (and RFC 2918 §3 for ROUTE-REFRESH): length not valid for the type.
  if (length < bounds[0] || length > bounds[1]) {
    return fail(headerError(HeaderSubcode.BadMessageLength, `length ${length} invalid for type ${type}`, lengthField(length)));
  }
  return ok({ length, type });
}

/**
 * Write marker + length + type + body. Throws RangeError if the result would exceed 65535 bytes:
 * that is a bug in the caller (encoders must split), never a reaction to peer input.
 */
export function frameMessage(type: number, body: Uint8Array): Uint8Array {
  const length = HEADER_LEN + body.length;
  if (length > MAX_EXT_MSG_LEN) throw new RangeError(`BGP message of ${length} bytes exceeds ${MAX_EXT_MSG_LEN}`);
  const w = new ByteWriter(length);
  for (let i = 0; i < MARKER_LEN; i++) w.u8(0xff);
  return w.u16(length).u8(type).bytes(body).finish();
}
