/**
 * Golden tests: every test/golden/config/NN-name.yaml is parsed; NN-name.out holds either the
 * canonical print (valid files) or the expected error lines (invalid files). Valid files must
 * also re-parse from their print to an equal config, and the NN-example-X.yaml copies must
 * match the shipped config/examples/X.yaml. `UPDATE_GOLDEN=1` rewrites the .out files (review
 * the diff before committing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseConfig } from '../../../config/parse.js';
import { printConfig } from '../../../config/print.js';
import { formatError } from '../../../config/schema.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const goldenDir = join(root, 'test/golden/config');
const examplesDir = join(root, 'config/examples');
const inputs = readdirSync(goldenDir).filter((f) => /^\d\d-.*\.yaml$/.test(f)).sort();

function render(name: string, text: string): string {
  const { config, errors } = parseConfig(text, name);
  return config ? printConfig(config) : errors.map((e) => `${formatError(e)}\n`).join('');
}

test('the golden folder has cases, valid and invalid', () => {
  assert.ok(inputs.length >= 10, `only ${inputs.length} golden inputs`);
});

for (const name of inputs) {
  test(`golden ${name}`, () => {
    const text = readFileSync(join(goldenDir, name), 'utf8');
    const outPath = join(goldenDir, name.replace(/\.yaml$/, '.out'));
    const actual = render(name, text);
    if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(outPath, actual);
    assert.equal(actual, readFileSync(outPath, 'utf8'));
  });

  test(`golden ${name}: a valid config re-parses from its print to the same config`, () => {
    const { config } = parseConfig(readFileSync(join(goldenDir, name), 'utf8'), name);
    if (!config) return;
    const printed = printConfig(config);
    const again = parseConfig(printed, `${name} (printed)`);
    assert.deepEqual(again.errors, []);
    assert.deepEqual(again.config, config);
    assert.equal(printConfig(again.config ?? config), printed, 'print is a fixed point');
  });
}

test('every shipped example has an identical golden copy, and parses', () => {
  const examples = readdirSync(examplesDir).filter((f) => f.endsWith('.yaml'));
  assert.ok(examples.length >= 2);
  for (const example of examples) {
    const copy = inputs.find((f) => f.endsWith(`-example-${example}`));
    assert.ok(copy, `no golden copy NN-example-${example}`);
    const text = readFileSync(join(examplesDir, example), 'utf8');
    assert.equal(readFileSync(join(goldenDir, copy), 'utf8'), text, `${copy} differs from config/examples/${example}`);
    assert.deepEqual(parseConfig(text, example).errors, []);
  }
});

test('multi-error golden files report many errors on distinct lines', () => {
  for (const name of ['04-many-errors.out', '16-policy-errors.out']) {
    const out = readFileSync(join(goldenDir, name), 'utf8').trim().split('\n');
    const lines = new Set(out.map((l) => l.split(':')[1]));
    assert.ok(lines.size >= 5, `${name}: only ${lines.size} distinct lines`);
  }
});
