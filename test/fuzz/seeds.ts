/**
 * Seed inputs per fuzz target, cut from the malformed-message vectors (test/vectors/malformed)
 * plus any saved findings in test/fuzz/corpus/<target>/. Input: those two folders; output:
 * byte arrays shaped for each target's fuzz(). Reads files only.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadVecs } from '../vectors/vec.js';
import { CORPUS_DIR, MALFORMED_DIR } from '../vectors/paths.js';

export const TARGETS = ['message', 'update', 'open', 'capabilities', 'notification', 'framer'] as const;
export type Target = (typeof TARGETS)[number];

function bodiesOf(type: number, frames: readonly Uint8Array[]): Uint8Array[] {
  return frames.filter((f) => f.length >= 19 && f[18] === type).map((f) => f.slice(19));
}

/** Saved findings / hand-made seeds for one target, file name -> bytes. */
export function savedCorpus(target: string): [string, Uint8Array][] {
  const dir = join(CORPUS_DIR, target);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.') && f !== 'README.md')
    .sort()
    .map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]);
}

export function seedsFor(target: Target): Uint8Array[] {
  const frames = loadVecs(MALFORMED_DIR).map((v) => v.bytes);
  const saved = savedCorpus(target).map(([, b]) => b);
  const pick: Record<Target, () => Uint8Array[]> = {
    message: () => [...frames, ...frames.filter((f) => f.length >= 19).map((f) => Uint8Array.of(((f[18] ?? 1) + 4) % 5, ...f.subarray(19)))],
    update: () => bodiesOf(2, frames),
    open: () => bodiesOf(1, frames),
    capabilities: () => bodiesOf(1, frames).map((b) => b.slice(12)),
    notification: () => bodiesOf(3, frames),
    framer: () => frames.map((f) => Uint8Array.of(7, ...f)),
  };
  return [...pick[target](), ...saved].filter((b) => b.length <= 70000);
}
