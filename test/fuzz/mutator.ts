/**
 * Fallback fuzzer used when Jazzer.js cannot run here: a bounded, seeded mutation loop in the
 * shape of libFuzzer (seed corpus -> mutate -> call the target's fuzz() -> any throw is a
 * finding). No coverage feedback; mutations are BGP-aware (length-field fix-ups, interesting
 * values, splicing). Input: seeds and a target function; output: the crashing inputs found.
 * Pure apart from the clock passed in by the caller.
 */
import { prng } from '../support/rng.js';

export interface Finding {
  readonly input: Uint8Array;
  readonly error: string;
}

const INTERESTING = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xc0, 0xe0, 0xf0, 0xfe, 0xff];

/** One random mutation of `a` (maybe mixing in `b`). */
export function mutate(a: Uint8Array, b: Uint8Array, r: () => number): Uint8Array {
  const at = (n: number): number => Math.floor(r() * Math.max(1, n));
  const x = Array.from(a);
  switch (at(9)) {
    case 0: if (x.length) { const p = at(x.length); x[p] = (x[p] as number) ^ (1 << at(8)); } break;
    case 1: if (x.length) x[at(x.length)] = at(256); break;
    case 2: if (x.length) x[at(x.length)] = INTERESTING[at(INTERESTING.length)] as number; break;
    case 3: x.splice(at(x.length + 1), 0, ...Array.from({ length: 1 + at(8) }, () => at(256))); break;
    case 4: x.splice(at(x.length), 1 + at(16)); break;
    case 5: { const s = at(x.length); x.splice(at(x.length + 1), 0, ...x.slice(s, s + 1 + at(32))); break; }
    case 6: { const s = at(b.length); x.splice(at(x.length + 1), 0, ...Array.from(b.subarray(s, s + 1 + at(64)))); break; }
    case 7: if (x.length > 1) { const p = at(x.length - 1); const v = at(3) === 0 ? 0xffff : at(x.length + 8); x[p] = (v >>> 8) & 0xff; x[p + 1] = v & 0xff; } break;
    default: if (x.length >= 19) { x[16] = (x.length >>> 8) & 0xff; x[17] = x.length & 0xff; } break;
  }
  return Uint8Array.from(x);
}

/**
 * Run `fuzz` on seeds, then on mutants, until `deadline()` says stop. Each finding is reported
 * once per distinct error message.
 */
export function mutationFuzz(
  fuzz: (d: Uint8Array) => void,
  seeds: readonly Uint8Array[],
  seed: number,
  deadline: () => boolean,
): { runs: number; findings: Finding[] } {
  const r = prng(seed);
  const pool = seeds.length ? [...seeds] : [new Uint8Array(0)];
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let runs = 0;
  const tryOne = (input: Uint8Array): void => {
    runs++;
    try {
      fuzz(input);
    } catch (e) {
      const msg = (e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e);
      if (!seen.has(msg)) {
        seen.add(msg);
        findings.push({ input, error: msg });
      }
    }
  };
  for (const s of pool) tryOne(s);
  while (!deadline()) {
    for (let k = 0; k < 256; k++) {
      let x = pool[Math.floor(r() * pool.length)] as Uint8Array;
      const other = pool[Math.floor(r() * pool.length)] as Uint8Array;
      for (let n = 1 + Math.floor(r() * 4); n > 0; n--) x = mutate(x, other, r);
      tryOne(x);
      if (r() < 0.002 && pool.length < 5000) pool.push(x);
    }
  }
  return { runs, findings };
}
