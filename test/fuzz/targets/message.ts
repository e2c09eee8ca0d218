/**
 * Fuzz target: decodeMessage on the raw input, and on the input wrapped in a correct header
 * (type from the first byte) so mutations reach the body decoders, under all 32 contexts.
 * Input: bytes from Jazzer.js / the fallback mutator. Pure: no I/O.
 */
import { decodeMessage } from '../../../peers/wire/index.js';
import { CONTEXTS, expectAllowed, frame } from './check.js';

export function fuzz(data: Uint8Array): void {
  const wrapped = data.length > 0 ? frame(1 + ((data[0] as number) % 5), data.subarray(1)) : data;
  for (const ctx of CONTEXTS) {
    expectAllowed('decodeMessage(raw)', decodeMessage(data, ctx));
    expectAllowed('decodeMessage(wrapped)', decodeMessage(wrapped, ctx));
  }
}
