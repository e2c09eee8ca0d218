/**
 * The lab end to end (test/lab/main.ts, what `npm run lab` runs), under a per-run prefix so a
 * user's own lab is never touched: up -> converged with every pod reaching every other ->
 * status -> fail tor1 (node3 reconverges onto tor2) -> heal -> down, then nothing is left: no
 * namespace with the prefix, the lab process gone, its state file removed. Throughput is skipped
 * here (it is the lab's report, not a behaviour to assert on a shared CI machine).
 * Input: the compiled lab and its daemons. Output: pass/fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const LAB_JS = fileURLToPath(new URL('../lab/main.js', import.meta.url));

test('lab: up, all pods reach each other, fail a ToR, heal, down leaves nothing behind', async (t) => {
  const prefix = `rl${randomBytes(3).toString('hex').slice(0, 5)}`;
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const common = ['--prefix', prefix, '--state-dir', dir, '--report-dir', join(dir, 'report')];
  const run = (...args: string[]): string => execFileSync(process.execPath, [LAB_JS, ...args, ...common], { encoding: 'utf8', timeout: 60000 });
  const up = spawn(process.execPath, [LAB_JS, 'up', '--no-throughput', ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  up.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  up.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => up.on('close', () => r()));
  try {
    for (let i = 0; i < 1200 && !out.includes('lab is up') && up.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(out.includes('lab is up'), `lab did not come up:\n${out}`);
    assert.match(out, /Pod to pod \(UDP echo round trip\): 60\/60 reachable/, out);
    assert.match(out, /10\.244\.200\.0\/24 nhid \d+\s*\n\s*nexthop via 10\.1\.3\.0 .*\n\s*nexthop via 10\.2\.3\.0/, `node3's ECMP route:\n${out}`);
    t.diagnostic(out.split('\n').find((l) => l.startsWith('Converged')) ?? '');
    assert.match(run('status'), /node3: tor1-v4 Established, tor1-v6 Established, tor2-v4 Established, tor2-v6 Established/);
    const failed = run('fail', 'tor1');
    assert.match(failed, /settled \d+ ms after the change:\n10\.244\.2\.0\/24 .*\n10\.244\.200\.0\/24 nhid \d+ via 10\.2\.3\.0/, failed);
    t.diagnostic(failed.split('\n').find((l) => l.includes('settled')) ?? '');
    const healed = run('heal');
    assert.match(healed, /nexthop via 10\.1\.3\.0/, healed);
    assert.match(run('down'), /down|removed/);
    await exited;
    const left = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(`${prefix}-`));
    assert.deepEqual(left, [], 'namespaces left behind');
    assert.equal(existsSync(join(dir, `${prefix}.json`)), false, 'state file left behind');
  } finally {
    if (up.exitCode === null) {
      up.kill('SIGTERM');
      await exited;
    }
    try {
      execFileSync(process.execPath, [LAB_JS, 'down', ...common], { stdio: 'ignore' });
    } catch {
      // nothing to remove
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
