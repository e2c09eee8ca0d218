/** Unit tests for config/validate.ts: each cross-field rule on configs built in code. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateConfig } from '../../../config/validate.js';
import { config, node, peer } from './builders.js';

const messages = (c: ReturnType<typeof config>): string[] => validateConfig(c).map((e) => `${e.path}: ${e.message}`);

test('the base config is valid', () => {
  assert.deepEqual(messages(config()), []);
});

test('router id 0.0.0.0 is refused (RFC 6286 §2.1)', () => {
  assert.deepEqual(messages(config({ node: node({ routerId: '0.0.0.0', asn: 1 }) })), [
    'node.routerId: 0.0.0.0 is not allowed (a non-zero IPv4 address, RFC 6286 §2.1)',
  ]);
});

test('duplicate peer names and addresses', () => {
  const peers = [peer({ address: '10.0.0.1', name: 'a' }), peer({ address: '10.0.0.1', name: 'b' }), peer({ address: '10.0.0.3', name: 'a' })];
  assert.deepEqual(messages(config({ peers })), [
    'peers[1].address: 10.0.0.1 is already used by peers[0] (each address once)',
    'peers[2].name: "a" is already used by peers[0] (unique names)',
  ]);
});

test('a name derived from a duplicate address is reported once, as the address', () => {
  const peers = [peer({ address: '10.0.0.1' }), peer({ address: '10.0.0.1' })];
  assert.deepEqual(messages(config({ peers })), ['peers[1].address: 10.0.0.1 is already used by peers[0] (each address once)']);
});

test('overlapping originated prefixes', () => {
  const o = (prefix: string) => ({ prefix, communities: [], largeCommunities: [] });
  const c = config({ originate: [o('10.244.0.0/16'), o('fd00::/64'), o('10.244.3.0/24'), o('10.245.0.0/16'), o('fd00::/64')] });
  assert.deepEqual(messages(c), [
    'originate[2]: 10.244.3.0/24 overlaps 10.244.0.0/16 (see originate[0]; prefixes must not overlap)',
    'originate[4]: fd00::/64 is listed twice (see originate[1]; prefixes must not overlap)',
  ]);
});

test('peer address equal to its local address or to the router id', () => {
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.7', localAddress: '10.0.0.7' })] })), [
    "peers[0].address: 10.0.0.7 equals localAddress (the neighbour's address, not this node's)",
  ]);
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.5' })] })), [
    "peers[0].address: 10.0.0.5 equals node.routerId (the neighbour's address, not this node's)",
  ]);
});

test('local address family must match the peer address family', () => {
  assert.deepEqual(messages(config({ peers: [peer({ address: 'fd00::1', localAddress: '10.0.0.5' })] })), [
    'peers[0].localAddress: 10.0.0.5 is IPv4 but address is IPv6 (an IPv6 address)',
  ]);
});

test('timers: hold time below minHoldTime, keepalive not below hold time, keepalive with hold time 0', () => {
  const c = config({ peers: [peer({ address: '10.0.0.1', holdTime: 4 }), peer({ address: '10.0.0.2', holdTime: 9, keepalive: 9 }), peer({ address: '10.0.0.3', holdTime: 0, keepalive: 1 })] });
  c.bgp.minHoldTime = 5;
  assert.deepEqual(messages(c), [
    'peers[0].holdTime: 4 is below bgp.minHoldTime 5 (0 or 5..65535)',
    'peers[1].keepalive: 9 is not below holdTime 9 (1..8, usually a third)',
    'peers[2].keepalive: 1 is not allowed with holdTime 0 (leave keepalive unset)',
  ]);
});

test('listener: wildcard next to specific addresses, empty list while listening', () => {
  const c = config();
  c.bgp.listenAddresses = ['0.0.0.0', '10.0.0.5', 'fd00::5'];
  assert.deepEqual(messages(c), ['bgp.listenAddresses[1]: 10.0.0.5 is already covered by 0.0.0.0 (either the wildcard or specific addresses)']);
  c.bgp.listenAddresses = ['0.0.0.0', '::'];
  assert.equal(messages(c).length, 1, ':: covers 0.0.0.0');
  c.bgp.listenAddresses = [];
  assert.equal(messages(c).length, 1);
  c.bgp.listen = false;
  assert.deepEqual(messages(c), []);
});

test('metrics.listen may not take the BGP port on an address BGP listens on', () => {
  const c = config();
  c.metrics.listen = '127.0.0.1:179';
  assert.deepEqual(messages(c), ['metrics.listen: 127.0.0.1:179 takes bgp.listenPort 179 on ::, where BGP listens (another port, e.g. 127.0.0.1:9180)']);
  c.bgp.listenAddresses = ['10.0.0.5'];
  assert.deepEqual(messages(c), [], 'a different address');
  c.metrics.listen = '0.0.0.0:179';
  assert.equal(messages(c).length, 1, 'the wildcard covers 10.0.0.5');
  c.metrics.enabled = false;
  assert.deepEqual(messages(c), [], 'disabled: never bound');
  c.metrics = { enabled: true, listen: '[::1]:1179' };
  assert.deepEqual(messages(c), [], 'another port');
});

test('passive needs a listener; extended next hop needs IPv4; one password source', () => {
  const c = config({ peers: [peer({ address: 'fd00::1', passive: true, families: ['ipv6-unicast'], extendedNextHop: true, passwordFile: '/k', passwordEnv: 'K' })] });
  c.bgp.listen = false;
  assert.deepEqual(messages(c).map((m) => m.split(':')[0]), ['peers[0].passwordEnv', 'peers[0].passive', 'peers[0].extendedNextHop']);
});

test('routeReflectorClient and nextHopSelf are iBGP only (RFC 4456: clients are iBGP peers)', () => {
  const both = { routeReflectorClient: true, nextHopSelf: true };
  // The base node is AS 65000: internal and 65000 are iBGP.
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.1', asn: 'internal', ...both }), peer({ address: '10.0.0.2', asn: 65000, ...both })] })), []);
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.1', asn: 'external', ...both })] })), [
    'peers[0].routeReflectorClient: true needs an iBGP peer but asn is external (false, or asn: internal / 65000; RFC 4456: route reflector clients are iBGP peers)',
    'peers[0].nextHopSelf: true needs an iBGP peer but asn is external (false, or asn: internal / 65000; eBGP peers always get our address as next hop, RFC 4271 §5.1.3)',
  ]);
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.1', asn: 65001, nextHopSelf: true })] })).map((m) => m.split(':')[0]), ['peers[0].nextHopSelf']);
  assert.deepEqual(messages(config({ peers: [peer({ address: '10.0.0.1', asn: 65001, routeReflectorClient: false, nextHopSelf: false })] })), []);
});

test('unusable addresses: unspecified and multicast', () => {
  for (const address of ['0.0.0.0', '::', '239.1.1.1', 'ff02::5']) {
    assert.equal(messages(config({ peers: [peer({ address })] })).length, 1, address);
  }
});

test('errors carry the file and the line from the source info', () => {
  const errs = validateConfig(config({ node: node({ routerId: '0.0.0.0', asn: 1 }) }), {
    file: 'x.yaml', lineOf: (p) => (p === 'node.routerId' ? 7 : 1), isBad: () => false,
  });
  assert.deepEqual(errs.map((e) => [e.file, e.line]), [['x.yaml', 7]]);
});
