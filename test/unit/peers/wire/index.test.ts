/**
 * decodeMessage / encodeMessage: header check with the context's maximum length, dispatch by
 * type, frame-length consistency, and round trips of every message kind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage, maxMessageLength } from '../../../../peers/wire/index.js';
import { DEFAULT_CONTEXT, fullContext } from '../../../../peers/wire/context.js';
import type { BgpMessage } from '../../../../peers/wire/types.js';
import { concat, hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const MESSAGES: [string, Uint8Array, BgpMessage][] = [
  [
    'OPEN',
    hex`${MARKER} 0025 01  04 fde9 00b4 0a000001  08 02 06 01 04 0001 00 01`,
    { type: 1, version: 4, myAs: 65001, holdTime: 180, bgpId: 0x0a000001, capabilities: [{ code: 1, afi: 1, safi: 1 }] },
  ],
  ['KEEPALIVE', hex`${MARKER} 0013 04`, { type: 4 }],
  ['NOTIFICATION', hex`${MARKER} 0015 03  04 00`, { type: 3, code: 4, subcode: 0, data: new Uint8Array(0) }],
  ['ROUTE-REFRESH', hex`${MARKER} 0017 05  0001 02 01`, { type: 5, afi: 1, subtype: 2, safi: 1 }],
];

describe('decodeMessage / encodeMessage', () => {
  for (const [name, frame, msg] of MESSAGES) {
    it(`decodes ${name}`, () => assert.deepEqual(expectOk(decodeMessage(frame, DEFAULT_CONTEXT)), msg));
    it(`encodes ${name}`, () => assert.equal(toHex(encodeMessage(msg, DEFAULT_CONTEXT)), toHex(frame)));
  }

  it('dispatches UPDATE to update.ts (IPv4 End-of-RIB)', () => {
    const eor = hex`${MARKER} 0017 02  0000 0000   # no withdrawn, no attributes, no NLRI`;
    const msg = expectOk(decodeMessage(eor, DEFAULT_CONTEXT));
    assert.equal(msg.type, 2);
    assert.equal(toHex(encodeMessage(msg, DEFAULT_CONTEXT)), toHex(eor));
  });

  it('header errors come back unchanged', () => {
    expectError(decodeMessage(hex`${MARKER.replace('f', 'e')} 0013 04`, DEFAULT_CONTEXT), 1, 1, '');
    expectError(decodeMessage(hex`${MARKER} 0013 06`, DEFAULT_CONTEXT), 1, 3, '06');
    expectError(decodeMessage(hex`${MARKER} 0014 04 00`, DEFAULT_CONTEXT), 1, 2, '0014');
  });

  it('uses 65535 as the maximum only with Extended Message (RFC 8654)', () => {
    assert.equal(maxMessageLength(DEFAULT_CONTEXT), 4096);
    assert.equal(maxMessageLength(fullContext()), 65535);
    const big = concat(hex`${MARKER} 1388 03  06 02`, new Uint8Array(5000 - 21));
    expectError(decodeMessage(big, DEFAULT_CONTEXT), 1, 2, '1388');
    const msg = expectOk(decodeMessage(big, fullContext()));
    assert.equal(msg.type, 3);
  });

  it('a frame whose size differs from its length field → 1/2', () => {
    expectError(decodeMessage(hex`${MARKER} 0013 04 00`, DEFAULT_CONTEXT), 1, 2, '0013');
    expectError(decodeMessage(hex`${MARKER} 0015 03 04`, DEFAULT_CONTEXT), 1, 2, '0015');
  });

  it('body errors pass through (OPEN with an unknown parameter → 2/4)', () => {
    const frame = hex`${MARKER} 0021 01  04 fde9 00b4 0a000001  04 01 02 aabb`;
    expectError(decodeMessage(frame, DEFAULT_CONTEXT), 2, 4, '');
  });

  it('never throws on truncations and corruptions of valid messages', () => {
    for (const [, frame] of MESSAGES) {
      for (let n = 0; n <= frame.length; n++) decodeMessage(frame.subarray(0, n), DEFAULT_CONTEXT);
      for (let i = 0; i < frame.length; i++) {
        const copy = frame.slice();
        copy[i] = copy[i]! ^ 0xff;
        decodeMessage(copy, DEFAULT_CONTEXT);
      }
    }
  });
});
