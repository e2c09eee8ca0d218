import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applySysctls } from '../../../../daemon/kernel/sysctl.js';

function fakeRoots(rp: Record<string, string>, networkd?: string): { proc: string; etc: string; done: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'rr-sysctl-'));
  const proc = join(root, 'proc');
  const etc = join(root, 'etc');
  mkdirSync(join(proc, 'net', 'ipv4'), { recursive: true });
  mkdirSync(join(proc, 'net', 'ipv6', 'conf', 'all'), { recursive: true });
  writeFileSync(join(proc, 'net', 'ipv4', 'ip_forward'), '0\n');
  writeFileSync(join(proc, 'net', 'ipv6', 'conf', 'all', 'forwarding'), '1\n');
  for (const [ifname, v] of Object.entries(rp)) {
    mkdirSync(join(proc, 'net', 'ipv4', 'conf', ifname), { recursive: true });
    writeFileSync(join(proc, 'net', 'ipv4', 'conf', ifname, 'rp_filter'), `${v}\n`);
  }
  if (networkd !== undefined) {
    mkdirSync(join(etc, 'systemd'), { recursive: true });
    writeFileSync(join(etc, 'systemd', 'networkd.conf'), networkd);
  }
  return { proc, etc, done: () => rmSync(root, { recursive: true, force: true }) };
}

test('enables forwarding where off, reports strict rp_filter and networkd ManageForeignRoutes', () => {
  const f = fakeRoots({ all: '0', default: '1', eth0: '1', eth1: '2' }, '[Network]\n#ManageForeignRoutes=no\n');
  try {
    const rep = applySysctls({ procRoot: f.proc, etcRoot: f.etc });
    assert.deepEqual(rep.changed, ['net.ipv4.ip_forward=1']);
    assert.equal(readFileSync(join(f.proc, 'net', 'ipv4', 'ip_forward'), 'utf8').trim(), '1');
    assert.deepEqual(rep.findings.map((x) => x.setting), ['net.ipv4.conf.eth0.rp_filter', 'systemd-networkd ManageForeignRoutes']);
    assert.equal(readFileSync(join(f.proc, 'net', 'ipv4', 'conf', 'eth0', 'rp_filter'), 'utf8').trim(), '1', 'reported, not changed');
  } finally {
    f.done();
  }
});

test('all=1 makes every uplink strict; ManageForeignRoutes=no and no networkd are fine; forwarding can be left alone', () => {
  const f = fakeRoots({ all: '1', eth0: '0' }, '[Network]\nManageForeignRoutes=no\n');
  try {
    const rep = applySysctls({ procRoot: f.proc, etcRoot: f.etc, enableForwarding: false, uplinks: ['eth0'] });
    assert.deepEqual(rep.changed, []);
    assert.deepEqual(rep.findings.map((x) => x.setting), ['net.ipv4.conf.eth0.rp_filter']);
  } finally {
    f.done();
  }
  const g = fakeRoots({ all: '0', eth0: '2' });
  try {
    assert.deepEqual(applySysctls({ procRoot: g.proc, etcRoot: g.etc }).findings, []);
  } finally {
    g.done();
  }
});
