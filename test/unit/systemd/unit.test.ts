/**
 * systemd/rackrouted.service passes `systemd-analyze verify` and keeps its
 * `systemd-analyze security --offline=yes` exposure score low (Debian's bird and frr units have
 * no sandboxing at all; they score around 9.6). Skipped, saying why, without systemd-analyze.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../../../systemd/rackrouted.service', import.meta.url));
const have = spawnSync('systemd-analyze', ['--version']).status === 0;

test('the unit verifies and its exposure score stays at or below 3.0', { skip: have ? false : 'systemd-analyze not installed (apt package systemd)' }, () => {
  const v = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
  assert.equal(v.status, 0, `${v.stdout}${v.stderr}`);
  assert.equal(v.stderr.trim(), '', v.stderr);
  const s = spawnSync('systemd-analyze', ['security', '--offline=yes', UNIT], { encoding: 'utf8' });
  const m = /Overall exposure level for rackrouted\.service: ([\d.]+)/.exec(s.stdout);
  assert.ok(m, `${s.stdout}${s.stderr}`);
  assert.ok(Number(m[1]) <= 3.0, `exposure ${m[1]}`);
  // The pieces that matter for this daemon, by name.
  const unit = spawnSync('cat', [UNIT], { encoding: 'utf8' }).stdout;
  for (const line of ['Type=notify', 'WatchdogSec=', 'ExecReload=', 'Restart=on-failure', 'NoNewPrivileges=yes', 'ProtectSystem=strict']) assert.ok(unit.includes(line), line);
  assert.ok(!/CAP_SYS_ADMIN/.test(unit.replace(/#.*$/gm, '')), 'no CAP_SYS_ADMIN');
  assert.ok(!/MemoryDenyWriteExecute=yes/.test(unit), 'MemoryDenyWriteExecute breaks V8');
});
