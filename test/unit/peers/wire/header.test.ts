/**
 * RFC 4271 §4.1/§6.1 header checks and message framing: golden bytes and every error case.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHeader, frameMessage } from '../../../../peers/wire/header.js';
import { MAX_EXT_MSG_LEN, MAX_MSG_LEN } from '../../../../peers/wire/constants.js';
import { hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

describe('decodeHeader', () => {
  it('accepts a KEEPALIVE header', () => {
    const h = expectOk(decodeHeader(hex`${MARKER} 0013 04  # length 19, KEEPALIVE`, MAX_MSG_LEN));
    assert.deepEqual(h, { length: 19, type: 4 });
  });

  it('reads only the 19 header bytes (body not needed yet)', () => {
    const h = expectOk(decodeHeader(hex`${MARKER} 0fff 02  # UPDATE of 4095 bytes, body absent`, MAX_MSG_LEN));
    assert.deepEqual(h, { length: 4095, type: 2 });
  });

  it('accepts the minimum length of every type', () => {
    for (const [len, type] of [[29, 1], [23, 2], [21, 3], [19, 4], [23, 5]] as const) {
      const bytes = hex(`${MARKER} ${len.toString(16).padStart(4, '0')} 0${type}`);
      assert.deepEqual(expectOk(decodeHeader(bytes, MAX_MSG_LEN)), { length: len, type });
    }
  });

  it('1/1 Connection Not Synchronized when the marker is not all ones', () => {
    expectError(decodeHeader(hex`ffffffff ffffffff ffffffff fffffffe  0013 04`, MAX_MSG_LEN), 1, 1, '');
    expectError(decodeHeader(hex`00000000 00000000 00000000 00000000  0013 04`, MAX_MSG_LEN), 1, 1, '');
    expectError(decodeHeader(hex`7fffffff ffffffff ffffffff ffffffff  0013 04`, MAX_MSG_LEN), 1, 1, '');
  });

  it('marker is checked before length and type', () => {
    expectError(decodeHeader(hex`ffffffff ffffffff ffffffff fffffffe  0000 00`, MAX_MSG_LEN), 1, 1);
  });

  it('1/2 Bad Message Length (data = length field) for length < 19', () => {
    expectError(decodeHeader(hex`${MARKER} 0000 04`, MAX_MSG_LEN), 1, 2, '0000');
    expectError(decodeHeader(hex`${MARKER} 0012 04  # 18`, MAX_MSG_LEN), 1, 2, '0012');
  });

  it('1/2 for length > 4096 without Extended Message, accepted with it (RFC 8654)', () => {
    expectOk(decodeHeader(hex`${MARKER} 1000 02  # 4096`, MAX_MSG_LEN));
    expectError(decodeHeader(hex`${MARKER} 1001 02  # 4097`, MAX_MSG_LEN), 1, 2, '1001');
    expectOk(decodeHeader(hex`${MARKER} 1001 02  # 4097`, MAX_EXT_MSG_LEN));
    expectOk(decodeHeader(hex`${MARKER} ffff 02  # 65535`, MAX_EXT_MSG_LEN));
  });

  it('length is checked before type', () => {
    expectError(decodeHeader(hex`${MARKER} 0012 00`, MAX_MSG_LEN), 1, 2, '0012');
  });

  it('1/3 Bad Message Type (data = type) for types 0 and 6..255', () => {
    for (const type of [0, 6, 7, 128, 255]) {
      const t = type.toString(16).padStart(2, '0');
      expectError(decodeHeader(hex(`${MARKER} 0013 ${t}`), MAX_MSG_LEN), 1, 3, t);
    }
  });

  it('type is checked before the per-type length', () => {
    expectError(decodeHeader(hex`${MARKER} 0014 06`, MAX_MSG_LEN), 1, 3, '06');
  });

  it('1/2 for lengths not valid for the type (RFC 4271 §6.1, RFC 2918 §3)', () => {
    const cases: [string, string][] = [
      ['001c 01', '001c'], // OPEN 28 < 29
      ['0013 01', '0013'], // OPEN 19
      ['0016 02', '0016'], // UPDATE 22 < 23
      ['0014 03', '0014'], // NOTIFICATION 20 < 21
      ['0013 03', '0013'], // NOTIFICATION 19
      ['0014 04', '0014'], // KEEPALIVE 20 ≠ 19
      ['1000 04', '1000'], // KEEPALIVE 4096
      ['0016 05', '0016'], // ROUTE-REFRESH 22 ≠ 23
      ['0018 05', '0018'], // ROUTE-REFRESH 24 ≠ 23
    ];
    for (const [fields, data] of cases) expectError(decodeHeader(hex(`${MARKER} ${fields}`), MAX_MSG_LEN), 1, 2, data);
  });

  it('1/2 for fewer than 19 bytes, never an out-of-bounds read', () => {
    expectError(decodeHeader(new Uint8Array(0), MAX_MSG_LEN), 1, 2);
    expectError(decodeHeader(hex`${MARKER} 00`, MAX_MSG_LEN), 1, 2);
  });

  it('works on a view with a non-zero byteOffset', () => {
    const buf = hex`aabbcc ${MARKER} 0013 04`;
    assert.deepEqual(expectOk(decodeHeader(buf.subarray(3), MAX_MSG_LEN)), { length: 19, type: 4 });
  });
});

describe('frameMessage', () => {
  it('writes marker, length, type, body', () => {
    assert.equal(toHex(frameMessage(4, new Uint8Array(0))), toHex(hex`${MARKER} 0013 04`));
    assert.equal(
      toHex(frameMessage(5, hex`0001 00 01`)),
      toHex(hex`${MARKER} 0017 05  0001 00 01  # ROUTE-REFRESH IPv4 unicast`),
    );
  });

  it('returns a standalone buffer', () => {
    const m = frameMessage(4, new Uint8Array(0));
    assert.equal(m.byteOffset, 0);
    assert.equal(m.buffer.byteLength, 19);
  });

  it('writes 65535 bytes, refuses more (caller bug)', () => {
    const max = frameMessage(2, new Uint8Array(MAX_EXT_MSG_LEN - 19));
    assert.equal(max.length, MAX_EXT_MSG_LEN);
    assert.equal(toHex(max.subarray(16, 19)), 'ffff02');
    assert.throws(() => frameMessage(2, new Uint8Array(MAX_EXT_MSG_LEN - 18)), RangeError);
  });
});
