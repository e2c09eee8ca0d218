/**
 * Unit tests for daemon/bfd/packet.ts: the RFC 5880 §4.1 layout byte by byte, a round trip over
 * every state and flag, each §6.8.6 discard rule, and random bytes that must give a packet or an
 * error value, never an exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BfdState, CONTROL_LEN, decodeControl, encodeControl, isDecodeError, type BfdControl } from '../../../../daemon/bfd/packet.js';

const BASE: BfdControl = {
  diag: 0, state: BfdState.Up, poll: false, final: false, cpi: false, auth: false, demand: false, multipoint: false,
  detectMult: 3, myDisc: 0x01020304, yourDisc: 0x0a0b0c0d, desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, requiredMinEchoRxUs: 0,
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

test('encodes the mandatory section as RFC 5880 §4.1 lays it out', () => {
  const b = encodeControl({ ...BASE, diag: 7, state: BfdState.AdminDown, poll: true, cpi: true });
  // vers 1 | diag 7 = 0x27; sta 0 | P | C = 0x28; mult 3; len 24; discs; 300000 = 0x000493e0.
  assert.equal(hex(b), '2728031801020304' + '0a0b0c0d' + '000493e0' + '000493e0' + '00000000');
  assert.equal(b.length, CONTROL_LEN);
});

test('decodes an Up packet at 300 ms x 3 with an echo interval', () => {
  // Version 1, diag 0, state Up (0xc0), mult 3, length 24.
  const bytes = Buffer.from('20c0031800000001' + '12345678' + '000493e0' + '000493e0' + '0000c350', 'hex');
  const p = decodeControl(bytes);
  assert.ok(!isDecodeError(p), JSON.stringify(p));
  assert.deepEqual(p, { ...BASE, myDisc: 1, yourDisc: 0x12345678, requiredMinEchoRxUs: 50_000 });
});

test('round-trips every state, diagnostic and flag combination allowed', () => {
  for (const state of [0, 1, 2, 3] as const) {
    for (const [poll, final] of [[false, false], [true, false], [false, true]] as const) {
      for (const cpi of [false, true]) {
        for (const demand of [false, true]) {
          const p: BfdControl = { ...BASE, state, poll, final, cpi, demand, diag: state + 4, yourDisc: state <= 1 ? 0 : 9 };
          assert.deepEqual(decodeControl(encodeControl(p)), p);
        }
      }
    }
  }
});

test('accepts a longer datagram when Length covers only the mandatory section', () => {
  const b = new Uint8Array(32);
  b.set(encodeControl(BASE));
  assert.ok(!isDecodeError(decodeControl(b)));
});

test('RFC 5880 §6.8.6 discard rules, each with its reason', () => {
  const bad = (mutate: (b: Uint8Array) => void, reason: RegExp): void => {
    const b = encodeControl(BASE);
    mutate(b);
    const r = decodeControl(b);
    assert.ok(isDecodeError(r), `expected an error matching ${reason}, got a packet`);
    assert.match(r.error, reason);
  };
  bad((b) => (b[0] = (2 << 5) | (b[0]! & 0x1f)), /version 2/);
  bad((b) => (b[0] = 0), /version 0/);
  bad((b) => (b[3] = 23), /Length field 23 below/);
  bad((b) => (b[3] = 25), /Length field 25 beyond/);
  bad((b) => (b[2] = 0), /Detect Mult is zero/);
  bad((b) => (b[1] = b[1]! | 0x01), /Multipoint/);
  bad((b) => b.set([0, 0, 0, 0], 4), /My Discriminator is zero/);
  bad((b) => b.set([0, 0, 0, 0], 8), /Your Discriminator is zero in state Up/);
  bad((b) => (b[1] = (BfdState.Init << 6)) && b.set([0, 0, 0, 0], 8), /Your Discriminator is zero in state Init/);
  bad((b) => (b[1] = b[1]! | 0x30), /Poll and Final/);
  // A bit set with a 26-octet Length: well formed, but no authentication is configured.
  const auth = new Uint8Array(26);
  auth.set(encodeControl(BASE));
  auth[1] = auth[1]! | 0x04;
  auth[3] = 26;
  const r = decodeControl(auth);
  assert.ok(isDecodeError(r) && /authentication/.test(r.error));
  // A bit set but Length 24: shorter than the 26 octets an authenticated packet needs.
  const short = encodeControl(BASE);
  short[1] = short[1]! | 0x04;
  assert.ok(isDecodeError(decodeControl(short)));
});

test('Your Discriminator zero is fine in Down and AdminDown', () => {
  for (const state of [BfdState.Down, BfdState.AdminDown] as const) assert.ok(!isDecodeError(decodeControl(encodeControl({ ...BASE, state, yourDisc: 0 }))));
});

test('short and empty datagrams are errors', () => {
  for (let n = 0; n < CONTROL_LEN; n++) assert.ok(isDecodeError(decodeControl(encodeControl(BASE).subarray(0, n))), `${n} octets`);
});

test('never throws on arbitrary bytes; whatever decodes re-encodes to the same fields', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), (bytes) => {
      const r = decodeControl(bytes);
      if (!isDecodeError(r)) assert.deepEqual(decodeControl(encodeControl(r)), r);
    }),
    { numRuns: 20000 },
  );
  // Mostly valid headers, so the later rules are reached too.
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 24, maxLength: 40 }), fc.integer({ min: 0, max: 255 }), (bytes, b1) => {
      bytes[0] = 0x20 | (bytes[0]! & 0x1f);
      bytes[1] = b1;
      bytes[3] = 24;
      const r = decodeControl(bytes);
      assert.ok(isDecodeError(r) || r.detectMult > 0);
    }),
    { numRuns: 20000 },
  );
});
