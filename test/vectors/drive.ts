/**
 * Small helpers shared by the catalogue and fuzz tests: how to cut a byte stream into TCP-like
 * segments (`split:` line of stream vectors), a seeded PRNG so every run cuts the same way, and
 * dotted-quad parsing for `peer:` lines. Pure: no I/O, no clock.
 */
import { prng } from '../support/rng.js';
import { parseIpv4 } from '../../peers/wire/ip.js';

/** Cut `bytes` at the given offsets (each copied, so the framer cannot alias the source). */
export function cutAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(from, p));
    from = p;
  }
  return out;
}

/** Named segmentations: always whole and byte-by-byte, plus the vector's own `split:` choice. */
export function segmentations(bytes: Uint8Array, split: string): [string, Uint8Array[]][] {
  const all: [string, Uint8Array[]][] = [
    ['whole', [bytes.slice()]],
    ['each-byte', cutAt(bytes, Array.from({ length: bytes.length }, (_, i) => i))],
  ];
  if (/^\d+(,\d+)*$/.test(split)) all.push([`cuts ${split}`, cutAt(bytes, split.split(',').map(Number))]);
  if (split === 'random') {
    for (let seed = 1; seed <= 5; seed++) {
      const r = prng(seed);
      const cuts = Array.from({ length: 1 + Math.floor(r() * 12) }, () => Math.floor(r() * bytes.length));
      all.push([`random seed ${seed}`, cutAt(bytes, cuts)]);
    }
  }
  return all;
}

export function ipv4ToU32(text: string): number {
  const b = parseIpv4(text) ?? new Uint8Array(4);
  return (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0;
}

