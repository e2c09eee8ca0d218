/**
 * ROUTE-REFRESH message (RFC 2918 §3) with the RFC 7313 §3 message subtype (0 normal request,
 * 1 BoRR, 2 EoRR) in the octet RFC 2918 called Reserved. Input: the body of a frame whose header
 * passed (length exactly 23); output: a RouteRefreshMsg. Unknown subtypes decode with their value:
 * RFC 7313 §5 says the receiver ignores them, and that is the session's decision.
 * Pure: no I/O, no clock; never throws on input.
 */
import { HEADER_LEN, MsgType } from './constants.js';
import { fail, ok } from './errors.js';
import type { Decoded } from './errors.js';
import { badMessageLength, frameMessage } from './header.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import type { RouteRefreshMsg } from './types.js';

/** RFC 2918 §3: AFI(2), Reserved / RFC 7313 Message Subtype(1), SAFI(1). */
const BODY_LEN = 4;

/** Decode a ROUTE-REFRESH body. */
export function decodeRouteRefresh(body: Uint8Array): Decoded<RouteRefreshMsg> {
  if (body.length !== BODY_LEN) {
    return fail(badMessageLength(HEADER_LEN + body.length, `ROUTE-REFRESH of ${HEADER_LEN + body.length} bytes`));
  }
  const r = new ByteReader(body);
  const afi = r.u16();
  const subtype = r.u8();
  const safi = r.u8();
  return ok({ type: MsgType.RouteRefresh, afi, subtype, safi });
}

/** Encode a whole ROUTE-REFRESH message. */
export function encodeRouteRefresh(msg: RouteRefreshMsg): Uint8Array {
  const w = new ByteWriter(BODY_LEN);
  w.u16(msg.afi).u8(msg.subtype).u8(msg.safi);
  return frameMessage(MsgType.RouteRefresh, w.finish());
}
