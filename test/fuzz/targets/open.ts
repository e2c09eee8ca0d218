/**
 * Fuzz target: decodeOpen on the input as an OPEN body; a decoded OPEN then goes through
 * checkOpen (must return null or a WireError) and encodeOpen, whose output must decode again.
 * Input: bytes from Jazzer.js / the fallback mutator. Pure: no I/O.
 */
import { decodeOpen, encodeOpen } from '../../../peers/wire/open.js';
import { checkOpen } from '../../../peers/negotiate.js';
import { decodeMessage } from '../../../peers/wire/index.js';
import { DEFAULT_CONTEXT } from '../../../peers/wire/context.js';
import { wireErrorProblem } from '../oracle.js';
import { FuzzFinding, expectAllowed } from './check.js';

const EXPECT = { localAsn: 65000, localBgpId: 0x0a000001, peerAs: 'any' as const, minHoldTime: 3, requiredCapabilities: [{ code: 65 as const, asn: 65000 }] };

export function fuzz(data: Uint8Array): void {
  const r = decodeOpen(data);
  expectAllowed('decodeOpen', r);
  if (!r.ok) return;
  const e = checkOpen(r.value, EXPECT);
  if (e !== null && wireErrorProblem(e) !== null) throw new FuzzFinding(`checkOpen: ${wireErrorProblem(e)}`);
  const again = decodeMessage(encodeOpen(r.value), DEFAULT_CONTEXT);
  if (!again.ok) throw new FuzzFinding(`re-encoded OPEN does not decode: ${again.error.reason}`);
}
