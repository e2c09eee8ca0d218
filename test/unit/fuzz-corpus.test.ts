/**
 * Replays every saved fuzz finding (test/fuzz/corpus/<target>/*, written by
 * test/fuzz/run-jazzer.ts) through its target on every unit run: once a finding is fixed it must
 * stay fixed. Also proves each target accepts its whole seed corpus (the malformed vectors).
 * Reads only those folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TARGETS, savedCorpus, seedsFor } from '../fuzz/seeds.js';

for (const t of TARGETS) {
  test(`fuzz target ${t}: saved findings and seeds give only allowed outcomes`, async () => {
    const { fuzz } = (await import(`../fuzz/targets/${t}.js`)) as { fuzz: (d: Uint8Array) => void };
    for (const [name, bytes] of savedCorpus(t)) assert.doesNotThrow(() => fuzz(bytes), `corpus/${t}/${name}`);
    const seeds = seedsFor(t);
    assert.ok(seeds.length > 0, `no seeds for ${t}`);
    for (const s of seeds) fuzz(s);
  });
}
