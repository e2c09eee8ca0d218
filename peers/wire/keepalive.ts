/**
 * KEEPALIVE message (RFC 4271 §4.4): a header and nothing else. Input: the body of a frame whose
 * header passed (the header check already rejects any length but 19); output: a KeepaliveMsg.
 * Pure: no I/O, no clock; never throws on input.
 */
import { HEADER_LEN, MsgType } from './constants.js';
import { fail, ok } from './errors.js';
import type { Decoded } from './errors.js';
import { badMessageLength, frameMessage } from './header.js';
import type { KeepaliveMsg } from './types.js';

const KEEPALIVE: KeepaliveMsg = { type: MsgType.Keepalive };

/** Decode a KEEPALIVE body, which must be empty (RFC 4271 §6.1: otherwise Bad Message Length). */
export function decodeKeepalive(body: Uint8Array): Decoded<KeepaliveMsg> {
  if (body.length !== 0) {
    return fail(badMessageLength(HEADER_LEN + body.length, 'KEEPALIVE with a body'));
  }
  return ok(KEEPALIVE);
}

/** The 19-byte KEEPALIVE message. */
export function encodeKeepalive(): Uint8Array {
  return frameMessage(MsgType.Keepalive, new Uint8Array(0));
}
