/**
 * Unit tests for daemon/net/guard.ts over loopback: the dialer sets the TCP-MD5 key before the SYN
 * (the right key connects to a keyed listener, a wrong one does not), preflight names what cannot
 * be set, and ListenerGuard installs, replaces and removes keys and the GTSM filter on a real
 * listening socket, reporting only what changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { dial, ListenerGuard, preflight } from '../../../../daemon/net/guard.js';
import { protectionOf, type Protection } from '../../../../daemon/net/protection.js';
import { fdOf, setMd5Key } from '../../../../daemon/net/sockopt.js';
import { AF_INET6 } from '../../../../daemon/net/structs.js';
import { peer } from '../../config/builders.js';

function prot(fields: Parameters<typeof peer>[0], key?: string): Protection {
  const r = protectionOf(peer(fields), key);
  assert.ok(r.ok, JSON.stringify(r));
  return r.protection;
}

async function listen(): Promise<net.Server> {
  const server = net.createServer((s) => s.end());
  await new Promise<void>((resolve) => server.listen({ host: '::', port: 0, ipv6Only: false }, resolve));
  return server;
}

/** 'connect' or 'none' within `ms`. */
function outcome(sock: net.Socket, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('none'), ms);
    sock.once('connect', () => {
      clearTimeout(t);
      resolve('connect');
    });
    sock.once('error', (e) => {
      clearTimeout(t);
      resolve((e as NodeJS.ErrnoException).code ?? 'error');
    });
  });
}

test('dial: the key is on the SYN; the right key connects to a keyed listener, a wrong one does not', async () => {
  const server = await listen();
  const port = (server.address() as net.AddressInfo).port;
  assert.deepEqual(setMd5Key(fdOf(server), AF_INET6, Uint8Array.from([127, 0, 0, 1]), Buffer.from('right')), { ok: true });
  try {
    const ok = dial(prot({ address: '127.0.0.1', passwordFile: '/k' }, 'right'), { host: '127.0.0.1', port });
    assert.ok(ok.ok);
    assert.equal(await outcome(ok.socket, 3000), 'connect');
    ok.socket.destroy();
    const wrong = dial(prot({ address: '127.0.0.1', passwordFile: '/k' }, 'wrong'), { host: '127.0.0.1', port, localAddress: '127.0.0.1' });
    assert.ok(wrong.ok);
    assert.equal(await outcome(wrong.socket, 1500), 'none', 'the listener drops the wrongly signed SYN');
    wrong.socket.destroy();
  } finally {
    server.close();
  }
});

test('dial and preflight name what could not be set', () => {
  const noIf = prot({ address: '127.0.0.1', interface: 'rrnosuchif0' });
  assert.deepEqual(preflight(noIf), { reason: 'interface', message: 'interface rrnosuchif0: no such interface' });
  const d = dial(noIf, { host: '127.0.0.1', port: 1 });
  assert.equal(d.ok, false);
  assert.equal(preflight(prot({ address: '127.0.0.1', ttlSecurity: true, passwordEnv: 'K' }, 'k')), null);
});

test('ListenerGuard: keys and the GTSM filter in, changed, out; only changes reported', async () => {
  const server = await listen();
  try {
    const fds = [fdOf(server)];
    const g = new ListenerGuard();
    const a = { name: 'a', p: prot({ address: '10.0.0.1', passwordFile: '/k' }, 'one') };
    const b = { name: 'b', p: prot({ address: 'fd00::2', ttlSecurity: true }) };
    let r = await g.sync(fds, [a, b]);
    assert.deepEqual([[...r.installed].sort(), [...r.failed.keys()], r.warnings], [['a', 'b'], [], []]);
    assert.equal(g.ttlRaised, true);
    r = await g.sync(fds, [a, b]);
    assert.deepEqual([...r.installed], [], 'nothing changed');
    const a2 = { name: 'a', p: prot({ address: '10.0.0.1', passwordFile: '/k' }, 'two') };
    r = await g.sync(fds, [a2, b]);
    assert.deepEqual([...r.installed], ['a'], 'a new key for a');
    r = await g.sync(fds, []);
    assert.deepEqual([[...r.installed], [...r.failed.keys()], r.warnings], [[], [], []], 'both removed without complaint');
    assert.equal(g.ttlRaised, false);
    // The key really went: removing it again is refused by the kernel.
    const again = setMd5Key(fds[0] ?? -1, AF_INET6, Uint8Array.from([10, 0, 0, 1]), new Uint8Array(0));
    assert.equal(again.ok ? '' : again.code, 'ENOENT');
  } finally {
    server.close();
  }
});

test('ListenerGuard: a new listening socket on a reused descriptor number gets its keys again', async () => {
  const g = new ListenerGuard();
  const a = { name: 'a', p: prot({ address: '10.0.0.1', passwordFile: '/k' }, 'one') };
  const first = await listen();
  const fd = fdOf(first);
  assert.deepEqual([...(await g.sync([fd], [a])).installed], ['a']);
  await new Promise<void>((resolve) => first.close(() => resolve()));
  const second = await listen();
  try {
    // Usually the same number (the lowest free one); either way the keys must be on the new socket.
    assert.deepEqual([...(await g.sync([fdOf(second)], [a])).installed], ['a'], `fd ${fd} -> ${fdOf(second)}`);
  } finally {
    second.close();
  }
});
