/**
 * The one rule every fuzz target enforces: a decoder returns a value or a well-formed WireError
 * (test/fuzz/oracle.ts). Anything else is thrown as a FuzzFinding so Jazzer.js (or the fallback
 * mutator in ../run-jazzer.ts) records the input. An exception thrown by the decoder itself
 * propagates unchanged and is a finding too. Pure: no I/O.
 */
import { outcomeProblem } from '../oracle.js';
import { allContexts } from '../arbitraries.js';
import type { CodecContext } from '../../../peers/wire/context.js';

export class FuzzFinding extends Error {
  override readonly name = 'FuzzFinding';
}

export function expectAllowed(what: string, r: unknown): void {
  const p = outcomeProblem(r);
  if (p !== null) throw new FuzzFinding(`${what}: ${p}`);
}

/** All 32 contexts (2/4-octet AS, Extended Message, eBGP/iBGP, ADD-PATH, IPv6 family). */
export const CONTEXTS: readonly CodecContext[] = allContexts();

/** A whole frame around `body`: marker, the right length, `type`. */
export function frame(type: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(19 + body.length).fill(0xff, 0, 16);
  out[16] = (out.length >>> 8) & 0xff;
  out[17] = out.length & 0xff;
  out[18] = type;
  out.set(body, 19);
  return out;
}
