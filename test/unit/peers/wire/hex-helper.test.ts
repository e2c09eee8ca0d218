/**
 * The annotated-hex helper used by every golden vector: comments, separators, and typos.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { concat, hex, MARKER, toHex } from '../../../support/hex.js';

describe('hex helper', () => {
  it('strips comments, whitespace and separators', () => {
    const b = hex`
      ff ff   # two bytes
      00_01 | 0a:0b.0c  # more
    `;
    assert.equal(toHex(b), 'ffff00010a0b0c');
  });

  it('works as a function and interpolates', () => {
    assert.equal(toHex(hex('AB cd')), 'abcd');
    assert.equal(hex`${MARKER} 0013 04`.length, 19);
  });

  it('throws on typos', () => {
    assert.throws(() => hex`abc`);
    assert.throws(() => hex`zz`);
    assert.throws(() => hex`0x12`);
  });

  it('concat', () => {
    assert.equal(toHex(concat(hex`01`, new Uint8Array(0), hex`0203`)), '010203');
  });
});
