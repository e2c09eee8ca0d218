/**
 * mulberry32: a tiny deterministic 32-bit generator, so workloads, stream splits and fuzz
 * mutations are the same bytes on every run. Test-only.
 */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same sequence as floats in [0, 1). */
export function prng(seed: number): () => number {
  const r = rng(seed);
  return () => r() / 4294967296;
}
