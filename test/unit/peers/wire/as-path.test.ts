/**
 * AS_PATH segments in 2- and 4-octet form, the RFC 6793 §4.2.3 merge, the §4.2.2 split for a
 * 2-octet peer, and the RFC 4271 §9.1.2.2 path length.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  as4PathFor,
  asPathLength,
  decodeAsPath,
  encodeAsPath,
  mergeAs4Path,
} from '../../../../peers/wire/as-path.js';
import { ByteWriter } from '../../../../peers/wire/writer.js';
import type { AsPathSegment } from '../../../../peers/wire/types.js';
import { hex, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns });
const set = (...asns: number[]): AsPathSegment => ({ type: 1, asns });
const cseq = (...asns: number[]): AsPathSegment => ({ type: 3, asns });

function enc(segs: AsPathSegment[], size: 2 | 4): string {
  const w = new ByteWriter();
  encodeAsPath(w, segs, size);
  return toHex(w.finish());
}

test('4-octet segments: golden bytes both ways, ASNs never negative', () => {
  const bytes = hex`
    02 02 0000fde9 fa56ea01   # AS_SEQUENCE 65001 4200000001
    01 01 ffffffff            # AS_SET {4294967295}`;
  const segs = expectOk(decodeAsPath(bytes, 4));
  assert.deepEqual(segs, [seq(65001, 4200000001), set(4294967295)]);
  assert.equal(enc(segs, 4), toHex(bytes));
});

test('2-octet segments: golden bytes both ways', () => {
  const bytes = hex`02 03 fde9 fdea 5ba0   # AS_SEQUENCE 65001 65002 23456`;
  const segs = expectOk(decodeAsPath(bytes, 2));
  assert.deepEqual(segs, [seq(65001, 65002, 23456)]);
  assert.equal(enc(segs, 2), toHex(bytes));
});

test('a segment longer than 255 ASNs is split on encode', () => {
  const asns = Array.from({ length: 300 }, (_, i) => 64512 + (i % 100));
  const bytes = new ByteWriter();
  encodeAsPath(bytes, [seq(...asns)], 4);
  const out = bytes.finish();
  assert.equal(out.length, 2 + 255 * 4 + 2 + 45 * 4);
  assert.deepEqual(out.subarray(0, 2), new Uint8Array([2, 255]));
  assert.deepEqual(expectOk(decodeAsPath(out, 4)).flatMap((s) => s.asns), asns);
});

test('malformed segments -> 3/11 (type 0, type 5, length 0, overrun, odd octet)', () => {
  for (const bad of [hex`00 01 0000fde9`, hex`05 01 0000fde9`, hex`02 00`, hex`02 ff 0000fde9`, hex`02 01 0000fde9 02`]) {
    expectError(decodeAsPath(bad, 4), 3, 11, undefined, 'treat-as-withdraw');
  }
});

test('path length: AS_SET counts 1, confed segments 0 (RFC 4271 §9.1.2.2, RFC 5065)', () => {
  assert.equal(asPathLength([cseq(64512, 64513), seq(65001, 65002), set(1, 2, 3)]), 3);
  assert.equal(asPathLength([]), 0);
});

test('RFC 6793 §4.2.3 merge: leading AS_PATH ASNs prepended to AS4_PATH', () => {
  // OLD speaker 65001 received 4200000001 4200000002 via NEW speakers.
  const merged = mergeAs4Path([seq(65001, 23456, 23456)], [seq(4200000001, 4200000002)]);
  assert.deepEqual(merged, [seq(65001, 4200000001, 4200000002)]);
});

test('RFC 6793 §4.2.3 merge: AS_PATH shorter than AS4_PATH -> AS4_PATH ignored', () => {
  const asPath = [seq(65001, 23456)];
  assert.deepEqual(mergeAs4Path(asPath, [seq(1, 2, 3)]), asPath);
});

test('RFC 6793 §4.2.3 merge: equal length -> AS4_PATH as is; AS_SET counted as 1', () => {
  assert.deepEqual(mergeAs4Path([seq(23456)], [seq(4200000001)]), [seq(4200000001)]);
  const merged = mergeAs4Path([seq(65001), set(23456, 65002)], [set(4200000001, 65002)]);
  assert.deepEqual(merged, [seq(65001), set(4200000001, 65002)]);
});

test('RFC 6793 §4.2.3 merge: leading confed segment comes along', () => {
  const merged = mergeAs4Path([cseq(64512), seq(65001, 23456)], [seq(4200000001)]);
  assert.deepEqual(merged, [cseq(64512), seq(65001, 4200000001)]);
});

test('RFC 6793 §4.2.2: for a 2-octet peer ASNs > 65535 become AS_TRANS; AS4_PATH without confed', () => {
  const path = [cseq(64512), seq(65001, 4200000001)];
  assert.equal(enc(path, 2), toHex(hex`03 01 fc00  02 02 fde9 5ba0`));
  assert.deepEqual(as4PathFor(path), [seq(65001, 4200000001)]);
  assert.equal(as4PathFor([seq(65001, 65002)]), null);
});
