/**
 * Fuzz target: decodeUpdate on the input as an UPDATE body under all 32 contexts.
 * Input: bytes from Jazzer.js / the fallback mutator. Pure: no I/O.
 */
import { decodeUpdate } from '../../../peers/wire/update.js';
import { CONTEXTS, expectAllowed } from './check.js';

export function fuzz(data: Uint8Array): void {
  for (const ctx of CONTEXTS) expectAllowed('decodeUpdate', decodeUpdate(data, ctx));
}
