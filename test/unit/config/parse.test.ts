/** Unit tests for config/parse.ts: defaults, error lines and messages, all errors at once, canonical values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../config/parse.js';
import { formatError, type ConfigError } from '../../../config/schema.js';

const NODE = 'node:\n  routerId: 10.0.0.5\n  asn: 65000\n';

function errorsOf(text: string): string[] {
  return parseConfig(text, 'c.yaml').errors.map(formatError);
}

test('a minimal file gets every default', () => {
  const { config, errors } = parseConfig(`${NODE}peers:\n  - address: 10.0.0.1\n    asn: 65001\n`, 'c.yaml');
  assert.deepEqual(errors, []);
  assert.deepEqual(config?.peers[0], {
    name: '10.0.0.1', address: '10.0.0.1', asn: 65001, port: 179, passive: false,
    families: ['ipv4-unicast', 'ipv6-unicast'], holdTime: 90, connectRetry: 5, addPath: 'off',
    gracefulRestart: { enabled: true, restartTime: 120 }, bfd: { enabled: false, minRx: 300, minTx: 300, multiplier: 3 }, extendedNextHop: false,
    routeReflectorClient: false, nextHopSelf: false, ttlSecurity: false, import: ['defaults'], export: ['defaults'],
  });
  assert.deepEqual(config?.bgp, { listen: true, listenAddresses: ['::'], listenPort: 179, minHoldTime: 3, extendedMessage: true, maxPaths: 8, multipathRelax: true, alwaysCompareMed: false, missingMedWorst: false, shutdownDrain: 5 });
  assert.deepEqual(config?.kernel, { enabled: true, protocol: 186, table: 254, forwarding: true });
  assert.deepEqual(config?.control, { socket: '/run/rackroute/rackroute.sock' });
  assert.deepEqual(config?.metrics, { enabled: true, listen: '127.0.0.1:9180' });
  assert.deepEqual(config?.log, { level: 'info' });
  assert.deepEqual(config?.originate, []);
  assert.deepEqual(config?.policies, []);
  assert.deepEqual([config?.node.podNetworks, config?.node.exportLearned, config?.node.clusterId], [[], false, undefined]);
});

test('defaults are not shared between peers or parses', () => {
  const text = `${NODE}peers:\n  - {address: 10.0.0.1, asn: 1}\n  - {address: 10.0.0.2, asn: 2}\n`;
  const a = parseConfig(text, 'a').config;
  const b = parseConfig(text, 'b').config;
  assert.ok(a && b);
  a.peers[0]?.families.pop();
  a.bgp.listenAddresses.push('10.0.0.9');
  assert.deepEqual(a.peers[1]?.families, ['ipv4-unicast', 'ipv6-unicast']);
  assert.deepEqual(b.bgp.listenAddresses, ['::']);
});

test('the error for hold time 2 names the allowed values, at the value line', () => {
  assert.deepEqual(errorsOf(`${NODE}peers:\n  - address: 10.0.0.1\n    asn: 65001\n    holdTime: 2\n`), [
    'c.yaml:7: peers[0].holdTime: 2 is not allowed (0 or 3..65535)',
  ]);
});

test('hold time: 0 and 3 and 65535 are fine, 1 2 65536 and -3 are not', () => {
  for (const ok of [0, 3, 65535]) {
    assert.deepEqual(errorsOf(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, holdTime: ${ok}}\n`), [], String(ok));
  }
  for (const bad of [1, 2, 65536, -3]) {
    assert.equal(errorsOf(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, holdTime: ${bad}}\n`).length, 1, String(bad));
  }
});

test('ASNs: 0 and AS_TRANS refused, 4-byte maximum accepted', () => {
  const asn = (v: string): ConfigError[] => parseConfig(`node:\n  routerId: 10.0.0.5\n  asn: ${v}\n`, 'c').errors;
  assert.deepEqual(asn('4294967295'), []);
  assert.equal(asn('0')[0]?.message, '0 is not allowed (1..4294967295 except 23456)');
  assert.equal(asn('23456').length, 1);
  assert.equal(asn('4294967296').length, 1);
  assert.equal(asn('internal').length, 1, 'internal/external only make sense for peers');
});

test('unknown keys are reported at their own line with the allowed keys', () => {
  const errs = parseConfig(`${NODE}  routerID: 1.2.3.4\n`, 'c.yaml').errors;
  assert.equal(errs.length, 1);
  assert.equal(errs[0]?.line, 4);
  assert.equal(errs[0]?.path, 'node.routerID');
  assert.match(errs[0]?.message ?? '', /^unknown key \(did you mean routerId\? allowed: routerId, asn, clusterId, hostname, podNetworks, exportLearned\)$/);
});

test('every error is reported, not just the first', () => {
  const text = 'node:\n  routerId: x\n  asn: 0\npeers:\n  - address: y\n    asn: -1\n    port: 0\nlog:\n  level: chatty\n';
  const errs = parseConfig(text, 'c').errors;
  assert.deepEqual(errs.map((e) => e.line), [2, 3, 5, 6, 7, 9]);
});

test('YAML syntax errors carry their line and stop further checks', () => {
  const errs = parseConfig(`${NODE}peers: [\n  {address: 10.0.0.1\n`, 'c').errors;
  assert.ok(errs.length >= 1);
  assert.ok(errs.every((e) => e.path === '(syntax)'));
  assert.ok(errs.every((e) => e.line >= 4), JSON.stringify(errs));
});

test('a duplicate key is an error naming the first line', () => {
  assert.deepEqual(errorsOf('node:\n  routerId: 10.0.0.5\n  asn: 65000\n  asn: 65001\n'), [
    'c.yaml:4: node.asn: duplicate key (first set on line 3; each key once)',
  ]);
});

test('addresses and prefixes are stored in canonical form', () => {
  const text = `${NODE}originate:\n  - 2001:DB8:0::/48\npeers:\n  - address: 2001:DB8::0:1\n    asn: external\n    localAddress: 2001:db8:0:0::2\n`;
  const { config, errors } = parseConfig(text, 'c');
  assert.deepEqual(errors, []);
  assert.equal(config?.originate[0]?.prefix, '2001:db8::/48');
  assert.equal(config?.peers[0]?.address, '2001:db8::1');
  assert.equal(config?.peers[0]?.name, '2001:db8::1');
  assert.equal(config?.peers[0]?.localAddress, '2001:db8::2');
});

test('families are kept in canonical order; empty lists are refused', () => {
  const ok = parseConfig(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, families: [ipv6-unicast, ipv4-unicast]}\n`, 'c');
  assert.deepEqual(ok.config?.peers[0]?.families, ['ipv4-unicast', 'ipv6-unicast']);
  assert.deepEqual(errorsOf(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, families: []}\n`), [
    'c.yaml:5: peers[0].families: empty list is not allowed (one or more of ipv4-unicast, ipv6-unicast)',
  ]);
});

test('a value that is refused does not cause follow-on errors', () => {
  // Bad address: no duplicate-name or address checks on the placeholder.
  const text = `${NODE}peers:\n  - {address: nope, asn: 1}\n  - {address: nope, asn: 2}\n`;
  assert.equal(parseConfig(text, 'c').errors.length, 2);
  // Missing node: no routerId check on the placeholder.
  assert.equal(parseConfig('peers: []\n', 'c').errors.length, 1);
});

test('YAML 1.2: yes/on are strings, so they are refused where a boolean is expected', () => {
  assert.deepEqual(errorsOf(`${NODE}bgp:\n  listen: on\n`), ['c.yaml:5: bgp.listen: "on" is not allowed (true or false)']);
});

test('formatError: file:line: path: message, and without a path for file-level errors', () => {
  assert.equal(formatError({ file: 'f', line: 3, path: 'a.b', message: 'm' }), 'f:3: a.b: m');
  assert.equal(formatError({ file: 'f', line: 0, path: '', message: 'cannot read (no such file)' }), 'f:0: cannot read (no such file)');
});

test('node.clusterId: an IPv4 dotted quad in canonical form, unset by default', () => {
  const { config, errors } = parseConfig(`${NODE}  clusterId: 10.0.0.1\n`, 'c');
  assert.deepEqual(errors, []);
  assert.equal(config?.node.clusterId, '10.0.0.1');
  assert.deepEqual(errorsOf(`${NODE}  clusterId: 65000\n`), ['c.yaml:4: node.clusterId: 65000 is not allowed (IPv4 address such as 192.0.2.1)']);
});

test('iBGP-only peer options: allowed on internal peers, refused on external ones, at their own line', () => {
  const ok = parseConfig(`${NODE}peers:\n  - {address: 10.0.0.1, asn: internal, routeReflectorClient: true, nextHopSelf: true}\n  - {address: 10.0.0.2, asn: 65000, routeReflectorClient: true}\n`, 'c');
  assert.deepEqual(ok.errors, []);
  assert.deepEqual(ok.config?.peers.map((p) => [p.routeReflectorClient, p.nextHopSelf]), [[true, true], [true, false]]);
  assert.deepEqual(errorsOf(`${NODE}peers:\n  - address: 10.0.0.1\n    asn: 65001\n    routeReflectorClient: true\n    nextHopSelf: true\n`), [
    'c.yaml:7: peers[0].routeReflectorClient: true needs an iBGP peer but asn 65001 is not node.asn 65000 (false, or asn: internal / 65000; RFC 4456: route reflector clients are iBGP peers)',
    'c.yaml:8: peers[0].nextHopSelf: true needs an iBGP peer but asn 65001 is not node.asn 65000 (false, or asn: internal / 65000; eBGP peers always get our address as next hop, RFC 4271 §5.1.3)',
  ]);
  assert.deepEqual(errorsOf(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, routeReflectorClient: yes}\n`), [
    'c.yaml:5: peers[0].routeReflectorClient: "yes" is not allowed (true or false)',
  ], 'a refused value gets no iBGP follow-on error');
});

test('metrics: listen is address:port in canonical form (IPv6 in brackets); errors name the form', () => {
  const metrics = (body: string) => parseConfig(`${NODE}metrics:\n${body}`, 'c.yaml');
  assert.deepEqual(metrics('  listen: "[FD00:0::5]:9180"\n  enabled: false\n').config?.metrics, { enabled: false, listen: '[fd00::5]:9180' });
  assert.deepEqual(metrics('  listen: 10.0.0.5:1\n').config?.metrics, { enabled: true, listen: '10.0.0.5:1' });
  const allowed = '(address:port such as 127.0.0.1:9180 or [::1]:9180, port 1..65535)';
  const bad = ['::1:9180', '[10.0.0.5]:9180', 'localhost:9180', '10.0.0.5', '10.0.0.5:0', '10.0.0.5:65536', '[::1]:', '10.0.0.5:09180x'].map((t) => JSON.stringify(t));
  for (const shown of [...bad, '9180']) {
    assert.deepEqual(metrics(`  listen: ${shown}\n`).errors.map(formatError), [`c.yaml:5: metrics.listen: ${shown} is not allowed ${allowed}`], shown);
  }
  assert.deepEqual(errorsOf(`${NODE}metrics:\n  enabled: yes\n  port: 1\n`), [
    'c.yaml:5: metrics.enabled: "yes" is not allowed (true or false)',
    'c.yaml:6: metrics.port: unknown key (allowed: enabled, listen)',
  ]);
});
