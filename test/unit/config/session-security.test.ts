/**
 * Unit tests for the session-protection keys of a peer (config/peer.ts, validate.ts, load.ts):
 * passwordFile / passwordEnv, tcpAo, ttlSecurity, multihop, interface. Errors carry file:line;
 * key files are checked at load (readable, 1..80 bytes) with the line of the key naming them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, readPeerAoKey, readSecret } from '../../../config/load.js';
import { parseConfig } from '../../../config/parse.js';
import { printConfig } from '../../../config/print.js';
import { formatError } from '../../../config/schema.js';
import { peer } from './builders.js';

const NODE = 'node: {routerId: 10.0.0.5, asn: 65000}\npeers:\n';
const errorsOf = (peers: string): string[] => parseConfig(`${NODE}${peers}`, 'c.yaml').errors.map(formatError);

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'rackroute-keys-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('every protection key parses and prints back in canonical order', () => {
  const text = `${NODE}  - {address: 10.0.0.1, asn: 1, passwordEnv: K, ttlSecurity: true}
  - {address: fe80::2, asn: 2, interface: eth0, multihop: 2, tcpAo: {recvId: 7, sendId: 6, keyFile: /etc/k, algorithm: cmac-aes128}}
`;
  const { config, errors } = parseConfig(text, 'c.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual([config?.peers[0]?.ttlSecurity, config?.peers[1]?.ttlSecurity, config?.peers[1]?.multihop, config?.peers[1]?.interface], [true, false, 2, 'eth0']);
  assert.deepEqual(config?.peers[1]?.tcpAo, { keyFile: '/etc/k', sendId: 6, recvId: 7, algorithm: 'cmac-aes128' });
  const printed = printConfig(config ?? assert.fail());
  assert.match(printed, /passwordEnv: K\n +ttlSecurity: true\n/);
  assert.match(printed, /tcpAo:\n +keyFile: \/etc\/k\n +sendId: 6\n +recvId: 7\n +algorithm: cmac-aes128\n +ttlSecurity: false\n +multihop: 2\n +interface: eth0\n/);
  assert.deepEqual(parseConfig(printed, 'again').config, config);
  const ao = parseConfig(`${NODE}  - {address: 10.0.0.1, asn: 1, tcpAo: {keyEnv: K, sendId: 0, recvId: 255}}\n`, 'c').config;
  assert.equal(ao?.peers[0]?.tcpAo?.algorithm, 'hmac-sha1', 'RFC 5926 HMAC-SHA-1-96 by default');
});

test('value errors with file:line and what is allowed', () => {
  assert.deepEqual(errorsOf(`  - address: 10.0.0.1
    asn: 1
    multihop: 0
    interface: "eth0/1"
    ttlSecurity: yes
    tcpAo: {sendId: 1}
`), [
    'c.yaml:5: peers[0].multihop: 0 is not allowed (1..255: the TTL to send with)',
    'c.yaml:6: peers[0].interface: "eth0/1" is not allowed (interface name: 1..15 characters without /, : or white space)',
    'c.yaml:7: peers[0].ttlSecurity: "yes" is not allowed (true or false)',
    'c.yaml:8: peers[0].tcpAo.recvId: missing (required: KeyID 0..255 the peer sends)',
    'c.yaml:8: peers[0].tcpAo: has no key (keyFile or keyEnv: the file or environment variable holding it)',
  ]);
  assert.deepEqual(errorsOf('  - {address: 10.0.0.1, asn: 1, interface: abcdefghijklmnop, tcpAo: {keyFile: /k, keyEnv: K, sendId: 1, recvId: 256, algorithm: md5}}\n'), [
    'c.yaml:3: peers[0].tcpAo.recvId: 256 is not allowed (0..255)',
    'c.yaml:3: peers[0].tcpAo.algorithm: "md5" is not allowed (hmac-sha1, cmac-aes128)',
    'c.yaml:3: peers[0].tcpAo.keyEnv: set together with keyFile (one of keyFile or keyEnv)',
    'c.yaml:3: peers[0].interface: "abcdefghijklmnop" is not allowed (interface name: 1..15 characters without /, : or white space)',
  ]);
});

test('cross-field: GTSM or multihop, TCP-AO or TCP-MD5, a link-local peer needs its interface', () => {
  assert.deepEqual(errorsOf(`  - address: 10.0.0.1
    asn: 1
    ttlSecurity: true
    multihop: 2
  - address: 10.0.0.2
    asn: 2
    passwordFile: /k
    tcpAo: {keyEnv: K, sendId: 1, recvId: 1}
  - address: fe80::1
    asn: 3
`), [
    'c.yaml:6: peers[0].multihop: 2 is set together with ttlSecurity (one of them: ttlSecurity for a directly connected peer, RFC 5082; multihop for a peer further away)',
    'c.yaml:10: peers[1].tcpAo: set together with passwordFile (TCP-AO or TCP-MD5, not both)',
    'c.yaml:11: peers[2].address: fe80::1 is an IPv6 link-local address without interface (add interface: the interface the peer is on)',
  ]);
  assert.deepEqual(errorsOf('  - {address: fe80::1, asn: 3, interface: eth0}\n'), []);
});

test('key files are checked at load: unreadable, empty, longer than 80 bytes (file:line of the key)', async () => {
  const good = join(dir, 'good.key');
  const empty = join(dir, 'empty.key');
  const long = join(dir, 'long.key');
  const locked = join(dir, 'locked.key');
  writeFileSync(good, 'secret\n');
  writeFileSync(empty, '\nsecond line is not the key\n');
  writeFileSync(long, `${'x'.repeat(81)}\n`);
  writeFileSync(locked, 'k\n');
  chmodSync(locked, 0);
  const path = join(dir, 'c.yaml');
  writeFileSync(path, `${NODE}  - {address: 10.0.0.1, asn: 1, passwordFile: ${good}}
  - address: 10.0.0.2
    asn: 2
    passwordFile: ${empty}
  - {address: 10.0.0.3, asn: 3, passwordFile: ${join(dir, 'missing.key')}}
  - address: 10.0.0.4
    asn: 4
    tcpAo:
      keyFile: ${long}
      sendId: 1
      recvId: 1
  - {address: 10.0.0.6, asn: 5, passwordEnv: RR_NOT_CHECKED_AT_LOAD}
`);
  const r = await loadConfigFile(path);
  assert.equal(r.config, undefined);
  assert.deepEqual(r.errors.map(formatError), [
    `${path}:6: peers[1].passwordFile: ${empty} is empty (the key on its first line, 1..80 bytes)`,
    `${path}:7: peers[2].passwordFile: cannot read ${join(dir, 'missing.key')} (no such file)`,
    `${path}:11: peers[3].tcpAo.keyFile: the key in ${long} is 81 bytes (1..80: the kernel's limit)`,
  ]);
  writeFileSync(path, `${NODE}  - {address: 10.0.0.1, asn: 1, passwordFile: ${good}}\n`);
  assert.deepEqual((await loadConfigFile(path)).errors, []);
  if (process.getuid?.() !== 0) {
    writeFileSync(path, `${NODE}  - {address: 10.0.0.1, asn: 1, passwordFile: ${locked}}\n`);
    assert.match(formatError((await loadConfigFile(path)).errors[0] ?? assert.fail()), /cannot read .* \(permission denied\)/);
  }
});

test('keys at run time: from the environment (length checked too) or the first line of a file', async () => {
  assert.deepEqual(await readSecret({ env: 'K' }, { K: 'x'.repeat(80) }), { ok: true, secret: 'x'.repeat(80) });
  assert.deepEqual(await readSecret({ env: 'K' }, { K: 'é'.repeat(41) }), { ok: false, message: 'the key in environment variable K is 82 bytes (1..80: the kernel\'s limit)' });
  assert.deepEqual(await readSecret({ env: 'K' }, {}), { ok: false, message: 'environment variable K is not set (the key, 1..80 bytes)' });
  assert.deepEqual(await readSecret({}), { ok: true, secret: undefined });
  const f = join(dir, 'ao.key');
  writeFileSync(f, 'ao-secret\r\n');
  assert.deepEqual(await readPeerAoKey(peer({ address: '10.0.0.1', tcpAo: { keyFile: f, sendId: 1, recvId: 1, algorithm: 'hmac-sha1' } })), { ok: true, secret: 'ao-secret' });
  assert.deepEqual(await readPeerAoKey(peer({ address: '10.0.0.1' })), { ok: true, secret: undefined });
});
