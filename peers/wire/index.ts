/**
 * The BGP codec's entry points: decodeMessage turns one whole frame (from Framer) into a
 * BgpMessage, encodeMessage turns a BgpMessage into exact bytes. Input comes from the session
 * engine (frames) and the route engine (messages to send); the CodecContext carries what the
 * OPEN exchange negotiated. Pure: no I/O, no clock; decodeMessage never throws.
 *
 * Supported standards (what this codec reads and writes):
 *   RFC 4271  BGP-4: header, OPEN, UPDATE, NOTIFICATION, KEEPALIVE; error codes of §6
 *   RFC 4760  Multiprotocol extensions (MP_REACH_NLRI / MP_UNREACH_NLRI, capability 1)
 *   RFC 6793  4-octet AS numbers (capability 65, AS4_PATH, AS4_AGGREGATOR)
 *   RFC 5492  Capabilities advertisement (optional parameter 2)
 *   RFC 2918  ROUTE-REFRESH (message 5, capability 2)
 *   RFC 7313  Enhanced route refresh (BoRR/EoRR subtypes, capability 70)
 *   RFC 8654  Extended messages up to 65535 bytes (capability 6)
 *   RFC 9072  Extended optional parameters length for the OPEN
 *   RFC 9003  Shutdown communication in Cease 2/4 NOTIFICATIONs
 *   RFC 7606  Revised error handling for UPDATE messages
 *   RFC 4724  Graceful restart (capability 64; RFC 8538 N bit)
 *   RFC 7911  ADD-PATH (capability 69, path identifiers)
 *   RFC 8950  IPv4 NLRI with IPv6 next hops (capability 5)
 *   RFC 1997  Communities
 *   RFC 4360  Extended communities
 *   RFC 8092  Large communities
 *   RFC 9234  Roles and Only-To-Customer (capability 9, OTC attribute)
 *   RFC 4456  Route reflection (ORIGINATOR_ID, CLUSTER_LIST)
 *   draft-walton-bgp-hostname  FQDN capability (73)
 */
import { HEADER_LEN, MAX_EXT_MSG_LEN, MAX_MSG_LEN, MsgType } from './constants.js';
import { fail } from './errors.js';
import type { Decoded } from './errors.js';
import type { CodecContext } from './context.js';
import { badMessageLength, badMessageType, decodeHeader } from './header.js';
import { decodeKeepalive, encodeKeepalive } from './keepalive.js';
import { decodeNotification, encodeNotification } from './notification.js';
import { decodeOpen, encodeOpen } from './open.js';
import { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
import { decodeUpdate, encodeUpdate } from './update.js';
import type { BgpMessage } from './types.js';

/** RFC 8654 §4: 65535 once Extended Message is negotiated, else RFC 4271's 4096. */
export function maxMessageLength(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXT_MSG_LEN : MAX_MSG_LEN;
}

/** Decode one whole message (header included), as cut by Framer. */
export function decodeMessage(frame: Uint8Array, ctx: CodecContext): Decoded<BgpMessage> {
  const header = decodeHeader(frame, maxMessageLength(ctx));
  if (!header.ok) return header;
  const { length, type } = header.value;
  // The frame must be exactly the message its header announces.
  if (frame.length !== length) return fail(badMessageLength(length, `frame of ${frame.length} bytes, header says ${length}`));
  const body = frame.subarray(HEADER_LEN);
  switch (type) {
    case MsgType.Open:
      return decodeOpen(body);
    case MsgType.Update:
      return decodeUpdate(body, ctx);
    case MsgType.Notification:
      return decodeNotification(body);
    case MsgType.Keepalive:
      return decodeKeepalive(body);
    case MsgType.RouteRefresh:
      return decodeRouteRefresh(body);
    default:
      // Unreachable while decodeHeader accepts only types 1..5; kept so a new type fails closed.
      return fail(badMessageType(type));
  }
}

/** Encode one whole message (header included). */
export function encodeMessage(msg: BgpMessage, ctx: CodecContext): Uint8Array {
  switch (msg.type) {
    case MsgType.Open:
      return encodeOpen(msg);
    case MsgType.Update:
      return encodeUpdate(msg, ctx);
    case MsgType.Notification:
      return encodeNotification(msg);
    case MsgType.Keepalive:
      return encodeKeepalive();
    case MsgType.RouteRefresh:
      return encodeRouteRefresh(msg);
  }
}

export { decodeHeader, frameMessage } from './header.js';
export type { Header } from './header.js';
export { Framer } from './framer.js';
export { CAPABILITIES, decodeCapabilities, decodeCapability, encodeCapabilities, encodeCapability } from './capabilities.js';
export { decodeOpen, encodeOpen } from './open.js';
export { cease, decodeNotification, encodeNotification } from './notification.js';
export { decodeKeepalive, encodeKeepalive } from './keepalive.js';
export { decodeRouteRefresh, encodeRouteRefresh } from './route-refresh.js';
