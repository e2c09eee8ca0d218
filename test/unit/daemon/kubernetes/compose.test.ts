/** compose(): file config + node list -> running config and ownership table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compose, peerName } from '../../../../daemon/kubernetes/compose.js';
import type { NodeInfo } from '../../../../daemon/kubernetes/node-info.js';
import { KUBERNETES_DEFAULTS } from '../../../../config/schema.js';
import { config, node, peer } from '../../config/builders.js';

function n(name: string, ip: string, cidr: string, labels: Record<string, string> = {}, extra: Partial<NodeInfo> = {}): NodeInfo {
  return { name, labels, internalIps: [ip], podCidrs: [cidr], extraPeers: [], problems: [], ...extra };
}

const nodes = [
  n('a', '10.0.0.1', '10.244.1.0/24', { mesh: 'yes', 'rackroute.io/route-reflector': 'true' }),
  n('b', '10.0.0.2', '10.244.2.0/24', { mesh: 'yes' }),
  n('c', '10.0.0.3', '10.244.3.0/24', { mesh: 'yes' }),
  n('d', '10.0.0.4', '10.244.4.0/24'),
];
const file = (k: Partial<typeof KUBERNETES_DEFAULTS>) =>
  config({ node: node({ routerId: '', asn: 64512, podNetworks: ['10.244.0.0/16'] }), originate: [], peers: [peer({ address: '192.0.2.1', name: 'tor', asn: 65000 })], kubernetes: { ...KUBERNETES_DEFAULTS, enabled: true, ...k } });

test('router id from the IPv4 InternalIP, pod CIDRs originated, file peers kept', () => {
  const c = compose(file({}), nodes, 'b');
  assert.equal(c.runnable, true);
  assert.equal(c.config.node.routerId, '10.0.0.2');
  assert.deepEqual(c.config.originate.map((o) => o.prefix), ['10.244.2.0/24']);
  assert.deepEqual(c.config.peers.map((p) => p.name), ['tor']);
});

test('mesh: a session to every selected node from our InternalIP; the node itself and unselected ones left out', () => {
  const c = compose(file({ peering: 'mesh', nodeSelector: 'mesh=yes' }), nodes, 'b');
  const gen = c.config.peers.filter((p) => p.name.startsWith('k8s:'));
  assert.deepEqual(gen.map((p) => [p.name, p.address, p.asn, p.localAddress]), [['k8s:a', '10.0.0.1', 64512, '10.0.0.2'], ['k8s:c', '10.0.0.3', 64512, '10.0.0.2']]);
});

test('route reflectors: clients peer only with reflectors; a reflector with everyone, clients marked', () => {
  const client = compose(file({ peering: 'route-reflectors' }), nodes, 'b');
  assert.deepEqual(client.config.peers.filter((p) => p.name.startsWith('k8s:')).map((p) => p.name), ['k8s:a']);
  const rr = compose(file({ peering: 'route-reflectors' }), nodes, 'a');
  const gen = rr.config.peers.filter((p) => p.name.startsWith('k8s:'));
  assert.deepEqual(gen.map((p) => [p.name, p.routeReflectorClient]), [['k8s:b', true], ['k8s:c', true], ['k8s:d', true]]);
  assert.equal(rr.config.node.exportLearned, true, 'a reflector re-advertises what it learns');
  assert.equal(client.config.node.exportLearned, false);
});

test('per-node ASN and extra peers from annotations; the file wins on an address conflict', () => {
  const list = [
    n('a', '10.0.0.1', '10.244.1.0/24', {}, { asn: 65101 }),
    n('b', '10.0.0.2', '10.244.2.0/24', {}, { asn: 65102, extraPeers: [{ address: '192.0.2.1', asn: 65000 }, { address: '192.0.2.9', asn: 65009, name: 'tor2' }] }),
  ];
  const c = compose(file({ peering: 'mesh' }), list, 'b');
  assert.equal(c.config.node.asn, 65102);
  assert.deepEqual(c.config.peers.map((p) => [p.name, p.asn]), [['tor', 65000], ['k8s:a', 65101], ['tor2', 65009]]);
});

test('not runnable without a router id; the node missing from the list is a note', () => {
  const c = compose(file({}), [n('x', 'fd00::1', 'fd00:244::/64')], 'x');
  assert.equal(c.runnable, false);
  assert.match(c.notes.join(), /no router id/);
  const d = compose(file({}), nodes, 'zzz');
  assert.match(d.notes.join(), /Node zzz is not in the node list/);
});

test('ownership spec lists every node with its CIDRs and addresses', () => {
  const c = compose(file({ validation: 'warn' }), nodes, 'a');
  assert.equal(c.ownership.mode, 'warn');
  assert.deepEqual(c.ownership.nodes.find((o) => o.name === 'c'), { name: 'c', podCidrs: ['10.244.3.0/24'], addresses: ['10.0.0.3'], routerIds: ['10.0.0.3'] });
  assert.equal(peerName('x'.repeat(100)).length, 64);
});
