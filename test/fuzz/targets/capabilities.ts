/**
 * Fuzz target: the input as the capability list of one optional parameter of an otherwise
 * valid OPEN (and as RFC 9072 extended parameters), through decodeOpen; plus decodeCapabilities.
 * Input: bytes from Jazzer.js / the fallback mutator. Pure: no I/O.
 */
import { decodeOpen } from '../../../peers/wire/open.js';
import { decodeCapabilities } from '../../../peers/wire/capabilities.js';
import { expectAllowed } from './check.js';

const FIXED = [4, 0xfd, 0xe9, 0, 90, 10, 0, 0, 2];

export function fuzz(data: Uint8Array): void {
  expectAllowed('decodeCapabilities', decodeCapabilities(data));
  const caps = data.subarray(0, 253);
  expectAllowed('decodeOpen(classic)', decodeOpen(Uint8Array.of(...FIXED, caps.length + 2, 2, caps.length, ...caps)));
  const ext = data.subarray(0, 60000);
  const n = ext.length + 3;
  expectAllowed('decodeOpen(rfc9072)', decodeOpen(Uint8Array.of(...FIXED, 255, 255, n >>> 8, n & 0xff, 2, ext.length >>> 8, ext.length & 0xff, ...ext)));
}
