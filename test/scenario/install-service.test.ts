/**
 * `npm run install-service` (systemd/install.sh) into a throw-away root (DESTDIR): the code,
 * production node_modules, wrappers, the example config (mode 600) and the unit land where the
 * README says, the installed daemon checks the installed config, and the installed unit verifies.
 * Touches nothing outside the temporary root.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

test('install-service into DESTDIR: files in place, the installed daemon checks the installed config', () => {
  const dest = mkdtempSync(join(tmpdir(), 'rr-install-'));
  try {
    const r = spawnSync('sh', [join(ROOT, 'systemd/install.sh')], { encoding: 'utf8', env: { ...process.env, DESTDIR: dest }, timeout: 120000 });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    for (const f of ['usr/lib/rackroute/dist/daemon/main.js', 'usr/lib/rackroute/node_modules/yaml/package.json', 'usr/sbin/rackrouted', 'usr/bin/rackroute', 'etc/rackroute/config.yaml', 'etc/systemd/system/rackrouted.service']) {
      assert.ok(statSync(join(dest, f)).isFile(), f);
    }
    assert.equal(statSync(join(dest, 'etc/rackroute/config.yaml')).mode & 0o777, 0o600);
    assert.equal(spawnSync('test', ['-e', join(dest, 'usr/lib/rackroute/node_modules/typescript')]).status, 1, 'dev dependencies are not installed');
    // The wrapper points at /usr/lib/rackroute; run it against the DESTDIR copy instead.
    const wrapper = join(dest, 'usr/sbin/rackrouted');
    writeFileSync(wrapper, readFileSync(wrapper, 'utf8').replace('/usr/lib/rackroute', join(dest, 'usr/lib/rackroute')));
    const c = spawnSync('sh', [wrapper, '--check', '--quiet', '--config', join(dest, 'etc/rackroute/config.yaml')], { encoding: 'utf8' });
    assert.equal(c.status, 0, `${c.stdout}${c.stderr}`);
    assert.match(readFileSync(join(dest, 'etc/systemd/system/rackrouted.service'), 'utf8'), /ExecStart=\/usr\/sbin\/rackrouted --config \/etc\/rackroute\/config\.yaml/);
    // A second install keeps an existing (edited) config.
    writeFileSync(join(dest, 'etc/rackroute/config.yaml'), '# edited\n');
    assert.equal(spawnSync('sh', [join(ROOT, 'systemd/install.sh')], { env: { ...process.env, DESTDIR: dest }, timeout: 120000 }).status, 0);
    assert.equal(readFileSync(join(dest, 'etc/rackroute/config.yaml'), 'utf8'), '# edited\n');
  } finally {
    rmSync(dest, { recursive: true, force: true });
  }
});
