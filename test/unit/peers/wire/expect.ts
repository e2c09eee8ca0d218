/**
 * Assertions on Decoded<T> results shared by the wire codec tests. Test-only; no I/O.
 */
import assert from 'node:assert/strict';
import type { Decoded, Handling } from '../../../../peers/wire/errors.js';
import { toHex } from '../../../support/hex.js';

/** Assert success and return the value. */
export function expectOk<T>(d: Decoded<T>): T {
  if (!d.ok) assert.fail(`expected success, got ${d.error.code}/${d.error.subcode}: ${d.error.reason}`);
  return d.value;
}

/** Assert a WireError with this code/subcode (and data hex, and handling, when given). */
export function expectError<T>(
  d: Decoded<T>,
  code: number,
  subcode: number,
  dataHex?: string,
  handling: Handling = 'session-reset',
): void {
  if (d.ok) assert.fail(`expected error ${code}/${subcode}, got success`);
  assert.equal(`${d.error.code}/${d.error.subcode}`, `${code}/${subcode}`, d.error.reason);
  assert.equal(d.error.handling, handling);
  if (dataHex !== undefined) assert.equal(toHex(d.error.data), dataHex);
  assert.ok(d.error.reason.length > 0);
}
