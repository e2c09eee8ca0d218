/**
 * What counts as an allowed decoder outcome in tests and fuzz targets: a decoded value or a
 * well-formed WireError (peers/wire/errors.ts). Anything else, including any exception, is a
 * finding. Also a normaliser for deep comparison of decoded messages. Pure: no I/O.
 */
import type { Decoded, Handling, WireError } from '../../peers/wire/errors.js';
export { cutAt } from '../vectors/drive.js';

const HANDLINGS: ReadonlySet<Handling> = new Set(['session-reset', 'afisafi-disable', 'treat-as-withdraw', 'attribute-discard']);

/** Why `e` is not a well-formed WireError, or null. */
export function wireErrorProblem(e: unknown): string | null {
  if (typeof e !== 'object' || e === null) return `not an object: ${String(e)}`;
  const w = e as Partial<WireError>;
  if (!Number.isInteger(w.code) || (w.code as number) < 1 || (w.code as number) > 7) return `bad code ${String(w.code)}`;
  if (!Number.isInteger(w.subcode) || (w.subcode as number) < 0 || (w.subcode as number) > 255) return `bad subcode ${String(w.subcode)}`;
  if (!(w.data instanceof Uint8Array)) return 'data is not a Uint8Array';
  if (!HANDLINGS.has(w.handling as Handling)) return `bad handling ${String(w.handling)}`;
  if (typeof w.reason !== 'string' || w.reason === '') return 'no reason';
  return null;
}

export function assertWireError(e: unknown): void {
  const p = wireErrorProblem(e);
  if (p !== null) throw new Error(`malformed WireError: ${p}`);
}

/** Why a decoder result is not an allowed outcome, or null. */
export function outcomeProblem(r: unknown): string | null {
  if (typeof r !== 'object' || r === null) return `decoder returned ${String(r)}`;
  const d = r as Decoded<unknown>;
  if (d.ok === true) {
    if (!Array.isArray(d.warnings)) return 'ok result without a warnings array';
    for (const w of d.warnings) {
      const p = wireErrorProblem(w);
      if (p !== null) return `warning: ${p}`;
    }
    return null;
  }
  if (d.ok === false) return wireErrorProblem(d.error);
  return 'result has no ok flag';
}

/** Deep copy with Uint8Array -> hex and undefined-valued keys dropped, for deepEqual. */
export function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return `hex:${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(normalize);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).map(([k, x]) => [k, normalize(x)]));
  }
  return v;
}
