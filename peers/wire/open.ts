/**
 * OPEN message (RFC 4271 §4.2) with RFC 5492 capabilities and RFC 9072 extended optional
 * parameters. Input: the body (bytes after the 19-byte header) of a frame whose header passed;
 * output: an OpenMsg, or the NOTIFICATION error for a structurally broken OPEN. Version, My AS,
 * Hold Time and BGP Identifier are decoded as they are, not judged: peers/negotiate.ts does that.
 * Pure: no I/O, no clock; decodeOpen never throws and never reads out of bounds (the shapes of
 * CVE-2022-40302, CVE-2022-40318 and CVE-2022-43681 are rejected with an error value).
 */
import { HEADER_LEN, MsgType, NotifCode, OpenSubcode, OptParamType } from './constants.js';
import { fail, ok, wireError } from './errors.js';
import type { Decoded, WireError } from './errors.js';
import { decodeCapabilities, encodeCapabilities } from './capabilities.js';
import { badMessageLength, frameMessage } from './header.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import type { Capability, OpenMsg } from './types.js';

/** RFC 4271 §4.2: Version(1) + My AS(2) + Hold Time(2) + BGP Identifier(4) + Opt Parm Len(1). */
const FIXED_LEN = 10;
/** RFC 9072 §2: Non-Ext OP Len and Non-Ext OP Type are both 255 when the extended format is used. */
const EXT_MARK = 255;
const MAX_NON_EXT = 255;

interface OptParam {
  readonly type: number;
  readonly value: Uint8Array;
}

/**
 * The OPEN's own lengths disagree with the message length: RFC 4271 §6.1 Bad Message Length,
 * data = the header Length field (BIRD does this for `len != 29 + optlen`).
 */
function badLength(bodyLen: number, reason: string): WireError {
  return badMessageLength(HEADER_LEN + bodyLen, reason);
}

/** Decode an OPEN body. */
export function decodeOpen(body: Uint8Array): Decoded<OpenMsg> {
  if (body.length < FIXED_LEN) return fail(badLength(body.length, `OPEN body of ${body.length} bytes is shorter than 10`));
  const r = new ByteReader(body);
  const version = r.u8();
  const myAs = r.u16();
  const holdTime = r.u16();
  const bgpId = r.u32();
  const area = paramArea(r, body);
  if (!area.ok) return area;
  const params = splitParams(area.value.bytes, area.value.extended);
  if (!params.ok) return params;
  const capabilities: Capability[] = [];
  for (const p of params.value) {
    if (p.type !== OptParamType.Capabilities) {
      // RFC 4271 §6.2: an unrecognized optional parameter → Unsupported Optional Parameter.
      return fail(
        wireError(NotifCode.OpenMessageError, OpenSubcode.UnsupportedOptionalParameter, 'session-reset', `unsupported optional parameter type ${p.type}`),
      );
    }
    // RFC 5492 §4: one parameter may carry several capabilities; several parameters may appear.
    const caps = decodeCapabilities(p.value);
    if (!caps.ok) return caps;
    capabilities.push(...caps.value);
  }
  const msg: OpenMsg = { type: MsgType.Open, version, myAs, holdTime, bgpId, capabilities };
  return ok(area.value.extended ? { ...msg, extendedParams: true } : msg);
}

/** Locate the optional parameters, in either the RFC 4271 or the RFC 9072 format. */
function paramArea(r: ByteReader, body: Uint8Array): Decoded<{ bytes: Uint8Array; extended: boolean }> {
  const optLen = r.u8();
  // RFC 9072 §2: Non-Ext OP Len = 255 and Non-Ext OP Type = 255 → a 2-octet Extended Length follows.
  if (optLen === EXT_MARK && body[FIXED_LEN] === EXT_MARK) {
    r.skip(1);
    // CVE-2022-40302 shape: the extended length octets are missing.
    if (r.remaining < 2) return fail(malformedOpen('RFC 9072 extended optional parameters length truncated'));
    const extLen = r.u16();
    if (extLen !== r.remaining) {
      return fail(badLength(body.length, `extended optional parameters length ${extLen}, ${r.remaining} bytes present`));
    }
    return ok({ bytes: r.rest(), extended: true });
  }
  // RFC 4271 §4.2: the parameters fill the rest of the message exactly. CVE-2022-43681 shape:
  // the message ends right after a non-zero length octet.
  if (optLen !== r.remaining) {
    return fail(badLength(body.length, `optional parameters length ${optLen}, ${r.remaining} bytes present`));
  }
  return ok({ bytes: r.rest(), extended: false });
}

function malformedOpen(reason: string): WireError {
  return wireError(NotifCode.OpenMessageError, OpenSubcode.Unspecific, 'session-reset', reason);
}

/** Cut the parameter area into (type, value) pairs; lengths are 1 octet, or 2 in RFC 9072 format. */
function splitParams(bytes: Uint8Array, extended: boolean): Decoded<OptParam[]> {
  const r = new ByteReader(bytes);
  const lenSize = extended ? 2 : 1;
  const params: OptParam[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 1 + lenSize) return fail(malformedOpen('optional parameter header truncated'));
    const type = r.u8();
    const len = extended ? r.u16() : r.u8();
    // CVE-2022-40318 / FRR "nodata" shape: a parameter running past the parameter area.
    if (len > r.remaining) return fail(malformedOpen(`optional parameter ${type} length ${len} overruns the message`));
    params.push({ type, value: r.bytesView(len) });
  }
  return ok(params);
}

/**
 * Encode a whole OPEN message. All capabilities go into one parameter of type 2 (as BIRD does);
 * the RFC 9072 format is used when `extendedParams` is set or the parameters would not fit the
 * RFC 4271 one-octet lengths (RFC 9072 §2).
 */
export function encodeOpen(msg: OpenMsg): Uint8Array {
  const params: OptParam[] = [];
  if (msg.capabilities.length > 0) params.push({ type: OptParamType.Capabilities, value: encodeCapabilities(msg.capabilities) });
  for (const p of msg.otherParams ?? []) params.push({ type: p.type, value: p.value });
  const body = new ByteWriter(64);
  body.u8(msg.version).u16(msg.myAs).u16(msg.holdTime).u32(msg.bgpId);
  const nonExtLen = params.reduce((n, p) => n + 2 + p.value.length, 0);
  const fitsNonExt = nonExtLen <= MAX_NON_EXT && params.every((p) => p.value.length <= 255);
  if (msg.extendedParams === true || !fitsNonExt) {
    writeExtended(body, params);
  } else {
    body.u8(nonExtLen);
    for (const p of params) body.u8(p.type).u8(p.value.length).bytes(p.value);
  }
  return frameMessage(MsgType.Open, body.finish());
}

/** RFC 9072 §2: 255, 255, Extended Opt. Parm. Length(2), then parameters with 2-octet lengths. */
function writeExtended(w: ByteWriter, params: readonly OptParam[]): void {
  const extLen = params.reduce((n, p) => n + 3 + p.value.length, 0);
  w.u8(EXT_MARK).u8(EXT_MARK).u16(extLen);
  for (const p of params) w.u8(p.type).u16(p.value.length).bytes(p.value);
}
