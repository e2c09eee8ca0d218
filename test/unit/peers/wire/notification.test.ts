/**
 * NOTIFICATION (RFC 4271 §4.5) and the RFC 9003 shutdown communication: golden bytes, round
 * trips, and the inputs that must decode without a shutdownMessage (never an error or a throw).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cease, decodeNotification, encodeNotification } from '../../../../peers/wire/notification.js';
import type { NotificationMsg } from '../../../../peers/wire/types.js';
import { concat, hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const body = (frame: Uint8Array): Uint8Array => frame.subarray(19);

const SHUTDOWN = hex`
  ${MARKER} 0021 03          # length 33, NOTIFICATION
  06 02                      # Cease / Administrative Shutdown
  0b 6d61696e74656e616e6365  # RFC 9003: length 11, "maintenance"
`;
const RESET_UTF8 = hex`
  ${MARKER} 001c 03          # length 28, NOTIFICATION
  06 04                      # Cease / Administrative Reset
  06 6e61c3af7665            # length 6, "naïve" (ï is c3 af)
`;
const HOLD_EXPIRED = hex`${MARKER} 0015 03  04 00   # Hold Timer Expired, no data`;
const BAD_LENGTH = hex`${MARKER} 0017 03  01 02 0012   # Header Error / Bad Message Length, data = length 18`;
const BAD_PEER_AS = hex`${MARKER} 0017 03  02 02 fde9   # OPEN Error / Bad Peer AS, data = AS 65001`;

const GOLDEN: [string, Uint8Array, NotificationMsg][] = [
  [
    'Cease 2 with a shutdown communication',
    SHUTDOWN,
    { type: 3, code: 6, subcode: 2, data: hex`0b 6d61696e74656e616e6365`, shutdownMessage: 'maintenance' },
  ],
  ['Cease 4 with UTF-8', RESET_UTF8, { type: 3, code: 6, subcode: 4, data: hex`06 6e61c3af7665`, shutdownMessage: 'naïve' }],
  ['Hold Timer Expired', HOLD_EXPIRED, { type: 3, code: 4, subcode: 0, data: new Uint8Array(0) }],
  ['Bad Message Length', BAD_LENGTH, { type: 3, code: 1, subcode: 2, data: hex`0012` }],
  ['Bad Peer AS', BAD_PEER_AS, { type: 3, code: 2, subcode: 2, data: hex`fde9` }],
];

describe('NOTIFICATION golden vectors', () => {
  for (const [name, frame, msg] of GOLDEN) {
    it(`decodes ${name}`, () => assert.deepEqual(expectOk(decodeNotification(body(frame))), msg));
    it(`encodes ${name}`, () => assert.equal(toHex(encodeNotification(msg)), toHex(frame)));
  }

  it('cease() builds the RFC 9003 data from the text', () => {
    assert.equal(toHex(encodeNotification(cease(2, 'maintenance'))), toHex(SHUTDOWN));
    assert.equal(toHex(encodeNotification(cease(4, 'naïve'))), toHex(RESET_UTF8));
    assert.equal(toHex(encodeNotification(cease(7))), toHex(hex`${MARKER} 0015 03 06 07`));
  });
});

describe('RFC 9003 shutdown communication on decode', () => {
  const decode = (hexBody: string) => expectOk(decodeNotification(hex(hexBody)));

  it('length running past the data: raw data kept, no message', () => {
    assert.deepEqual(decode('06 02  0a 6162'), { type: 3, code: 6, subcode: 2, data: hex`0a 6162` });
  });

  it('invalid UTF-8: raw data kept, no message', () => {
    assert.deepEqual(decode('06 02  02 c328'), { type: 3, code: 6, subcode: 2, data: hex`02 c328` });
    // a UTF-16 surrogate encoded as UTF-8 is not valid UTF-8 either
    assert.deepEqual(decode('06 04  01 ff'), { type: 3, code: 6, subcode: 4, data: hex`01 ff` });
    assert.deepEqual(decode('06 02  03 eda080'), { type: 3, code: 6, subcode: 2, data: hex`03 eda080` });
  });

  it('no data, or length 0: no message', () => {
    assert.deepEqual(decode('06 02'), { type: 3, code: 6, subcode: 2, data: new Uint8Array(0) });
    assert.deepEqual(decode('06 02  00'), { type: 3, code: 6, subcode: 2, data: hex`00` });
  });

  it('the full 255 bytes', () => {
    const text = 'a'.repeat(255);
    const msg = expectOk(decodeNotification(concat(hex`06 02 ff`, new TextEncoder().encode(text))));
    assert.equal(msg.shutdownMessage, text);
  });

  it('bytes after the communication are kept in data and do not hide the text', () => {
    assert.deepEqual(decode('06 02  02 6869 ff'), { type: 3, code: 6, subcode: 2, data: hex`02 6869 ff`, shutdownMessage: 'hi' });
  });

  it('only Cease 2 and 4 carry one', () => {
    for (const sub of ['01', '03', '05', '09']) {
      assert.equal(decode(`06 ${sub}  05 68656c6c6f`).shutdownMessage, undefined);
    }
    assert.equal(decode('03 02  05 68656c6c6f').shutdownMessage, undefined);
  });

  it('a huge NOTIFICATION decodes (BIRD 3 CVE-2025-59688 area)', () => {
    const data = new Uint8Array(4096 - 21).fill(0xff);
    const msg = expectOk(decodeNotification(concat(hex`06 02`, data)));
    assert.equal(msg.data.length, 4075);
    assert.equal(msg.shutdownMessage, undefined);
  });

  it('data is a copy, not a view of the frame', () => {
    const b = hex`04 00 aabb`;
    const msg = expectOk(decodeNotification(b));
    b.fill(0);
    assert.equal(toHex(msg.data), 'aabb');
  });

  it('decoding from a Node Buffer gives a plain Uint8Array copy', () => {
    const buf = Buffer.from(hex`06 02 02 6869`);
    const msg = expectOk(decodeNotification(buf));
    buf.fill(0);
    assert.deepEqual(msg, { type: 3, code: 6, subcode: 2, data: hex`02 6869`, shutdownMessage: 'hi' });
  });

  it('fewer than 2 bytes (not possible after the header check) → 1/2, no throw', () => {
    expectError(decodeNotification(hex`06`), 1, 2, '0014');
    expectError(decodeNotification(new Uint8Array(0)), 1, 2, '0013');
  });
});

describe('NOTIFICATION encoding', () => {
  it('cuts a long shutdown communication to 255 bytes', () => {
    const bytes = encodeNotification(cease(2, 'a'.repeat(300)));
    assert.equal(bytes.length, 19 + 2 + 1 + 255);
    assert.equal(bytes[21], 255);
    assert.equal(expectOk(decodeNotification(body(bytes))).shutdownMessage, 'a'.repeat(255));
  });

  it('cuts at a character boundary', () => {
    const bytes = encodeNotification(cease(4, 'é'.repeat(200)));
    assert.equal(bytes[21], 254);
    assert.equal(expectOk(decodeNotification(body(bytes))).shutdownMessage, 'é'.repeat(127));
  });

  it('non-empty data is written as it is, even with a shutdownMessage', () => {
    const msg: NotificationMsg = { type: 3, code: 6, subcode: 2, data: hex`02 6869`, shutdownMessage: 'other' };
    assert.equal(toHex(body(encodeNotification(msg))), '0602026869');
  });

  it('shutdownMessage is ignored outside Cease 2/4', () => {
    const msg: NotificationMsg = { type: 3, code: 6, subcode: 3, data: new Uint8Array(0), shutdownMessage: 'x' };
    assert.equal(toHex(body(encodeNotification(msg))), '0603');
  });
});
