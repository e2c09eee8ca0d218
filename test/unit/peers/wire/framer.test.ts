/**
 * Framer: identical frames for every split of the stream, early header rejection, buffer bounds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Framer } from '../../../../peers/wire/framer.js';
import { concat, hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const OPEN = hex`
  ${MARKER} 0025 01   # length 37, OPEN
  04 fde9 00b4        # version 4, AS 65001, hold 180
  0a000001            # BGP identifier 10.0.0.1
  08 02 06            # opt params 8: capabilities, 6 bytes
  01 04 0001 00 01    # MP IPv4 unicast
`;
const KEEPALIVE = hex`${MARKER} 0013 04`;
const UPDATE = hex`
  ${MARKER} 002f 02   # length 47, UPDATE
  0000                # no withdrawn routes
  0014                # path attributes 20
  40 01 01 00         # ORIGIN IGP
  40 02 06 02 01 0000fde9  # AS_PATH SEQUENCE 65001
  40 03 04 0a000001   # NEXT_HOP 10.0.0.1
  18 0a0102           # 10.1.2.0/24
`;
const STREAM = concat(OPEN, KEEPALIVE, UPDATE);
const EXPECTED = [OPEN, KEEPALIVE, UPDATE].map(toHex);

/** Every frame available now, as hex; fails the test on a header error. */
function drain(f: Framer): string[] {
  const out: string[] = [];
  for (let d = f.next(); d !== null; d = f.next()) out.push(toHex(expectOk(d)));
  return out;
}

function framesFor(chunks: readonly Uint8Array[]): string[] {
  const f = new Framer();
  const out: string[] = [];
  for (const c of chunks) {
    f.push(c);
    out.push(...drain(f));
  }
  assert.equal(f.buffered, 0);
  return out;
}

describe('Framer', () => {
  it('the test stream is what it claims (lengths match headers)', () => {
    assert.equal(OPEN.length, 0x25);
    assert.equal(UPDATE.length, 0x2f);
  });

  it('one chunk holding three messages', () => {
    assert.deepEqual(framesFor([STREAM]), EXPECTED);
  });

  it('every single split point', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      assert.deepEqual(framesFor([STREAM.subarray(0, i), STREAM.subarray(i)]), EXPECTED, `split at ${i}`);
    }
  });

  it('every pair of split points', () => {
    for (let i = 0; i <= STREAM.length; i++) {
      for (let j = i; j <= STREAM.length; j++) {
        const chunks = [STREAM.subarray(0, i), STREAM.subarray(i, j), STREAM.subarray(j)];
        assert.deepEqual(framesFor(chunks), EXPECTED, `split at ${i}, ${j}`);
      }
    }
  });

  it('1-byte chunks, draining after each', () => {
    const chunks = Array.from(STREAM, (b) => Uint8Array.of(b));
    assert.deepEqual(framesFor(chunks), EXPECTED);
  });

  it('1-byte chunks, draining only at the end', () => {
    const f = new Framer();
    for (const b of STREAM) f.push(Uint8Array.of(b));
    assert.equal(f.buffered, STREAM.length);
    assert.deepEqual(drain(f), EXPECTED);
    assert.equal(f.buffered, 0);
  });

  it('many messages in one chunk', () => {
    const many = concat(...Array.from({ length: 1000 }, () => KEEPALIVE), OPEN);
    const frames = framesFor([many]);
    assert.equal(frames.length, 1001);
    assert.equal(frames[1000], toHex(OPEN));
  });

  it('a 65535-byte message in 1-byte chunks (linear, not quadratic)', () => {
    const big = concat(hex`${MARKER} ffff 02`, new Uint8Array(65535 - 19).fill(0xab));
    const f = new Framer(65535);
    let got: Uint8Array | undefined;
    for (const b of big) {
      f.push(Uint8Array.of(b));
      const d = f.next();
      if (d !== null) got = expectOk(d);
    }
    assert.ok(got !== undefined);
    assert.equal(toHex(got), toHex(big));
  });

  it('returns null until a message is complete, and buffered counts held bytes', () => {
    const f = new Framer();
    assert.equal(f.next(), null);
    f.push(OPEN.subarray(0, 10));
    assert.equal(f.next(), null);
    assert.equal(f.buffered, 10);
    f.push(OPEN.subarray(10, 30));
    assert.equal(f.next(), null);
    assert.equal(f.buffered, 30);
    f.push(OPEN.subarray(30));
    assert.equal(toHex(expectOk(f.next()!)), toHex(OPEN));
    assert.equal(f.buffered, 0);
    assert.equal(f.next(), null);
  });

  it('each frame is its own copy in its own buffer', () => {
    const chunk = concat(KEEPALIVE, OPEN);
    const f = new Framer();
    f.push(chunk);
    const a = expectOk(f.next()!);
    const b = expectOk(f.next()!);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, a.length);
    assert.equal(b.byteOffset, 0);
    assert.equal(b.buffer.byteLength, b.length);
    a.fill(0);
    assert.equal(toHex(chunk.subarray(0, 19)), toHex(KEEPALIVE), 'the input is not aliased');
    assert.equal(toHex(b), toHex(OPEN));
  });

  it('Buffer chunks (as sockets deliver) give plain, unaliased Uint8Array frames', () => {
    const pool = Buffer.from(concat(KEEPALIVE, OPEN, UPDATE.subarray(0, 5)));
    const f = new Framer();
    f.push(pool.subarray(0, 30));
    f.push(pool.subarray(30));
    const frames = [expectOk(f.next()!), expectOk(f.next()!)];
    assert.equal(f.next(), null);
    for (const frame of frames) {
      assert.equal(Object.getPrototypeOf(frame), Uint8Array.prototype);
      assert.equal(frame.buffer.byteLength, frame.length);
    }
    pool.fill(0);
    assert.deepEqual(frames.map(toHex), [toHex(KEEPALIVE), toHex(OPEN)]);
  });

  it('rejects a bad length as soon as the header is there (no body needed)', () => {
    const f = new Framer();
    f.push(hex`${MARKER} 1388 02  # UPDATE of 5000 bytes > 4096`);
    const d = f.next();
    assert.ok(d !== null);
    expectError(d, 1, 2, '1388');
  });

  it('rejects a header that arrives byte by byte at its 19th byte', () => {
    const f = new Framer();
    const bad = hex`${MARKER} 0012 04  # length 18`;
    for (let i = 0; i < 18; i++) {
      f.push(bad.subarray(i, i + 1));
      assert.equal(f.next(), null);
    }
    f.push(bad.subarray(18));
    expectError(f.next()!, 1, 2, '0012');
  });

  it('reports marker and type errors', () => {
    const m = new Framer();
    m.push(hex`00${MARKER.slice(2)} 0013 04`);
    expectError(m.next()!, 1, 1, '');
    const t = new Framer();
    t.push(hex`${MARKER} 0013 09`);
    expectError(t.next()!, 1, 3, '09');
  });

  it('is dead after an error: same error again, pushes dropped, nothing buffered', () => {
    const f = new Framer();
    f.push(concat(hex`${MARKER} 0014 04  # KEEPALIVE of 20`, KEEPALIVE));
    const first = f.next()!;
    expectError(first, 1, 2, '0014');
    assert.equal(f.buffered, 0);
    f.push(KEEPALIVE);
    assert.equal(f.buffered, 0);
    const again = f.next()!;
    expectError(again, 1, 2, '0014');
    assert.ok(f.error !== null);
  });

  it('frames before a bad header are still delivered', () => {
    const f = new Framer();
    f.push(concat(KEEPALIVE, OPEN, hex`${MARKER} 0013 00`));
    assert.equal(toHex(expectOk(f.next()!)), toHex(KEEPALIVE));
    assert.equal(toHex(expectOk(f.next()!)), toHex(OPEN));
    expectError(f.next()!, 1, 3, '00');
  });

  it('maxLen 65535 (RFC 8654) accepts a large message; raising it after the OPEN applies to the next header', () => {
    const big = concat(hex`${MARKER} 1388 02`, new Uint8Array(5000 - 19));
    const f = new Framer();
    assert.equal(f.maxLen, 4096);
    f.push(concat(OPEN, big));
    assert.equal(toHex(expectOk(f.next()!)), toHex(OPEN));
    f.maxLen = 65535;
    assert.equal(toHex(expectOk(f.next()!)), toHex(big));

    const strict = new Framer();
    strict.push(concat(OPEN, big));
    expectOk(strict.next()!);
    expectError(strict.next()!, 1, 2, '1388');
  });

  it('a header already accepted is checked again when maxLen is lowered', () => {
    const f = new Framer(65535);
    f.push(hex`${MARKER} 1388 02`);
    assert.equal(f.next(), null);
    f.maxLen = 4096;
    expectError(f.next()!, 1, 2, '1388');
  });

  it('ignores empty chunks', () => {
    assert.deepEqual(framesFor([new Uint8Array(0), STREAM, new Uint8Array(0)]), EXPECTED);
  });
});
