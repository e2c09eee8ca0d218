/**
 * KEEPALIVE (RFC 4271 §4.4): golden bytes and the body check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKeepalive, encodeKeepalive } from '../../../../peers/wire/keepalive.js';
import { hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

describe('KEEPALIVE', () => {
  it('encodes the 19-byte message', () => {
    assert.equal(toHex(encodeKeepalive()), toHex(hex`${MARKER} 0013 04   # length 19, KEEPALIVE`));
  });

  it('decodes an empty body', () => {
    assert.deepEqual(expectOk(decodeKeepalive(new Uint8Array(0))), { type: 4 });
  });

  it('a body → 1/2 with the message length (not possible after the header check)', () => {
    expectError(decodeKeepalive(hex`00`), 1, 2, '0014');
  });
});
