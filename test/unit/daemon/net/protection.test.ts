/** Unit tests for daemon/net/protection.ts: what a peer's sockets must carry, from its config and key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { needsGuard, protectionOf, sameProtection, securityInfo } from '../../../../daemon/net/protection.js';
import { peer } from '../../config/builders.js';

test('a peer without any protection option keeps the plain net.connect path', () => {
  assert.equal(needsGuard(peer({ address: '10.0.0.1' })), false);
  for (const extra of [{ passwordFile: '/k' }, { passwordEnv: 'K' }, { ttlSecurity: true }, { multihop: 2 }, { interface: 'eth0' }, { tcpAo: { keyEnv: 'A', sendId: 1, recvId: 2, algorithm: 'hmac-sha1' as const } }]) {
    assert.equal(needsGuard(peer({ address: '10.0.0.1', ...extra })), true, JSON.stringify(extra));
  }
});

test('TCP-MD5, GTSM (send 255, accept only 255), multihop (send N, accept any), interface', () => {
  const md5 = protectionOf(peer({ address: '10.0.0.1', passwordFile: '/k', ttlSecurity: true }), 'secret');
  assert.ok(md5.ok);
  assert.deepEqual(md5.protection, { peer: Uint8Array.from([10, 0, 0, 1]), family: 4, auth: { kind: 'md5', key: new Uint8Array(Buffer.from('secret')) }, gtsm: true, ttl: 255, minTtl: 255 });
  const hop = protectionOf(peer({ address: 'fe80::2', multihop: 3, interface: 'eth1' }), undefined);
  assert.ok(hop.ok);
  assert.equal(hop.protection.family, 6);
  assert.deepEqual([hop.protection.auth, hop.protection.ttl, hop.protection.minTtl, hop.protection.ifname], [{ kind: 'none' }, 3, null, 'eth1']);
  const ao = protectionOf(peer({ address: '10.0.0.1', tcpAo: { keyFile: '/k', sendId: 5, recvId: 6, algorithm: 'cmac-aes128' } }), 'k');
  assert.ok(ao.ok);
  assert.deepEqual(ao.protection.auth, { kind: 'tcp-ao', ao: { sendId: 5, recvId: 6, algorithm: 'cmac-aes128', key: new Uint8Array(Buffer.from('k')) } });
});

test('a keyed peer without its key is a failure, never an unkeyed protection', () => {
  const r = protectionOf(peer({ address: '10.0.0.1', passwordEnv: 'K' }), undefined);
  assert.deepEqual(r, { ok: false, failure: { reason: 'key', message: 'no key' } });
});

test('sameProtection sees a changed key, and nothing else', () => {
  const p = peer({ address: '10.0.0.1', passwordFile: '/k' });
  const a = protectionOf(p, 'one');
  const b = protectionOf(p, 'one');
  const c = protectionOf(p, 'two');
  assert.ok(a.ok && b.ok && c.ok);
  assert.equal(sameProtection(a.protection, b.protection), true);
  assert.equal(sameProtection(a.protection, c.protection), false);
});

test('securityInfo is what `rackroute neighbors PEER` shows', () => {
  assert.deepEqual(securityInfo(peer({ address: '10.0.0.1' })), { auth: 'none', ttlSecurity: false });
  assert.deepEqual(securityInfo(peer({ address: '10.0.0.1', passwordEnv: 'K', multihop: 2 })), { auth: 'md5', ttlSecurity: false, multihop: 2 });
  assert.deepEqual(securityInfo(peer({ address: 'fe80::1', interface: 'eth0', ttlSecurity: true, tcpAo: { keyEnv: 'A', sendId: 1, recvId: 1, algorithm: 'hmac-sha1' } })), { auth: 'tcp-ao', ttlSecurity: true, interface: 'eth0' });
});
