/** Unit tests for config/load.ts and config/check.ts (`--check`) against files in a temporary folder. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCheck } from '../../../config/check.js';
import { loadConfigFile, readPeerPassword } from '../../../config/load.js';
import { peer } from './builders.js';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rackroute-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): { out: { stdout: { write(s: string): boolean }; stderr: { write(s: string): boolean } }; stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: { stdout: { write: (s) => stdout.push(s) > 0 }, stderr: { write: (s) => stderr.push(s) > 0 } }, stdout, stderr };
}

test('a missing file is one error on line 0', async () => {
  const path = join(dir, 'nope.yaml');
  const r = await loadConfigFile(path);
  assert.deepEqual(r, { errors: [{ file: path, line: 0, path: '', message: 'cannot read (no such file)' }] });
  const c = capture();
  assert.equal(await runCheck(path, c.out), 1);
  assert.deepEqual(c.stderr.join(''), `${path}:0: cannot read (no such file)\n`);
  assert.deepEqual(c.stdout, []);
});

test('a directory is reported as unreadable', async () => {
  const r = await loadConfigFile(dir);
  assert.equal(r.errors[0]?.message, 'cannot read (is a directory)');
});

test('--check on a valid file prints the canonical config and returns 0', async () => {
  const path = join(dir, 'ok.yaml');
  writeFileSync(path, 'node: {routerId: 10.0.0.5, asn: 65000}\n');
  const c = capture();
  assert.equal(await runCheck(path, c.out), 0);
  assert.ok(c.stdout.join('').startsWith('node:\n  routerId: 10.0.0.5\n  asn: 65000\n  podNetworks: []\n  exportLearned: false\noriginate: []\npolicies: {}\n'), c.stdout.join(''));
  assert.deepEqual(c.stderr, []);
});

test('--check on an invalid file prints every error with file:line and returns 1', async () => {
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, 'node:\n  routerId: 10.0.0.5\n  asn: 0\npeers:\n  - {address: 10.0.0.1, asn: 1, holdTime: 2}\n');
  const c = capture();
  assert.equal(await runCheck(path, c.out), 1);
  assert.equal(c.stderr.join(''), [
    `${path}:3: node.asn: 0 is not allowed (1..4294967295 except 23456)`,
    `${path}:5: peers[0].holdTime: 2 is not allowed (0 or 3..65535)`,
    '',
  ].join('\n'));
  assert.deepEqual(c.stdout, []);
});

test('peer passwords come from the environment or the first line of a file', async () => {
  const file = join(dir, 'secret');
  writeFileSync(file, 's3cret\nignored\n');
  assert.deepEqual(await readPeerPassword(peer({ address: '10.0.0.1' })), { ok: true, secret: undefined });
  assert.deepEqual(await readPeerPassword(peer({ address: '10.0.0.1', passwordFile: file })), { ok: true, secret: 's3cret' });
  assert.deepEqual(await readPeerPassword(peer({ address: '10.0.0.1', passwordEnv: 'K' }), { K: 'x' }), { ok: true, secret: 'x' });
  assert.equal((await readPeerPassword(peer({ address: '10.0.0.1', passwordEnv: 'K' }), {})).ok, false);
  assert.equal((await readPeerPassword(peer({ address: '10.0.0.1', passwordFile: join(dir, 'none') }))).ok, false);
});
