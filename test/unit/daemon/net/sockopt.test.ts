/**
 * Unit tests for daemon/net/sockopt.ts against this kernel, on sockets that never connect (no
 * traffic): keys, TTLs and filters are accepted or refused with the errno's name; TCP-AO support
 * is detected as /proc/config.gz says (this kernel: CONFIG_TCP_AO unset).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import {
  bindToDevice, closeFd, errnoError, fdOf, setFilter, setMd5Key, setMinTtl, setTtl, socketFamily, tcpAoSupported, tcpSocket,
} from '../../../../daemon/net/sockopt.js';
import { AF_INET, AF_INET6, gtsmFilter } from '../../../../daemon/net/structs.js';
import { parseIp } from '../../../../peers/wire/ip.js';

const ip = (s: string): Uint8Array => parseIp(s) ?? assert.fail(s);

function withSocket(family: 4 | 6, fn: (fd: number) => void): void {
  const s = tcpSocket(family);
  assert.ok(s.ok, JSON.stringify(s));
  try {
    fn(s.fd);
  } finally {
    closeFd(s.fd);
  }
}

test('errno values come back as their names and texts', () => {
  assert.deepEqual(errnoError(92), { ok: false, errno: 92, code: 'ENOPROTOOPT', message: 'protocol not available' });
  assert.equal(errnoError(19).code, 'ENODEV');
});

test('TCP-MD5 keys on IPv4 and IPv6 sockets (an IPv4 peer on an IPv6 socket as ::ffff:a.b.c.d); removal', () => {
  withSocket(4, (fd) => {
    assert.deepEqual(socketFamily(fd), { ok: true, family: AF_INET });
    assert.deepEqual(setMd5Key(fd, AF_INET, ip('192.0.2.1'), Buffer.from('k')), { ok: true });
    assert.deepEqual(setMd5Key(fd, AF_INET, ip('192.0.2.1'), new Uint8Array(0)), { ok: true });
    const long = setMd5Key(fd, AF_INET, ip('192.0.2.1'), new Uint8Array(81));
    assert.equal(long.ok, false);
  });
  withSocket(6, (fd) => {
    assert.deepEqual(socketFamily(fd), { ok: true, family: AF_INET6 });
    assert.deepEqual(setMd5Key(fd, AF_INET6, ip('2001:db8::1'), Buffer.from('k')), { ok: true });
    assert.deepEqual(setMd5Key(fd, AF_INET6, ip('192.0.2.1'), Buffer.from('k')), { ok: true });
    // Removing a key that is not there: the kernel says so.
    const gone = setMd5Key(fd, AF_INET6, ip('2001:db8::2'), new Uint8Array(0));
    assert.equal(gone.ok ? '' : gone.code, 'ENOENT');
  });
});

test('TTL, minimum TTL (IPv4 on an IPv6 socket too), interface binding', () => {
  withSocket(4, (fd) => {
    assert.deepEqual(setTtl(fd, 4, 255), { ok: true });
    assert.deepEqual(setTtl(fd, 4, -1), { ok: true }, 'back to the default');
    assert.deepEqual(setMinTtl(fd, 4, 255), { ok: true });
    const bad = setTtl(fd, 4, 256);
    assert.equal(bad.ok ? '' : bad.code, 'EINVAL');
    const nodev = bindToDevice(fd, 'rrnosuchif0');
    assert.equal(nodev.ok ? '' : nodev.code, 'ENODEV');
    assert.deepEqual(bindToDevice(fd, 'lo'), { ok: true });
  });
  withSocket(6, (fd) => {
    assert.deepEqual(setTtl(fd, 6, 255), { ok: true });
    assert.deepEqual(setMinTtl(fd, 6, 255), { ok: true });
    assert.deepEqual(setTtl(fd, 4, 255), { ok: true }, 'IPv4-mapped traffic of a dual-stack socket');
    assert.deepEqual(setMinTtl(fd, 4, 255), { ok: true });
  });
});

test('a GTSM socket filter goes on and off a listening net.Server (its _handle.fd)', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen({ host: '::1', port: 0 }, resolve));
  try {
    const fd = fdOf(server);
    assert.ok(fd >= 0);
    const f = gtsmFilter([ip('10.0.1.2'), ip('fd00::2')]);
    assert.ok(f.ok);
    assert.deepEqual(setFilter(fd, f), { ok: true });
    assert.deepEqual(setFilter(fd, null), { ok: true });
    const again = setFilter(fd, null);
    assert.equal(again.ok ? '' : again.code, 'ENOENT', 'nothing left to take off');
  } finally {
    server.close();
  }
  assert.equal(fdOf({}), -1);
});

test('TCP-AO support is detected as the kernel config says', (t) => {
  let config: string;
  try {
    config = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    return t.skip('no /proc/config.gz to compare with');
  }
  const built = /^CONFIG_TCP_AO=y$/m.test(config);
  const s = tcpAoSupported();
  assert.equal(s.supported, built, JSON.stringify(s));
  if (!built) assert.equal(s.error?.code, 'ENOPROTOOPT');
  t.diagnostic(`CONFIG_TCP_AO ${built ? 'set' : 'unset'}; probe: ${JSON.stringify(s)}`);
});
