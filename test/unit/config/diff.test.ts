/** Unit tests for config/diff.ts: every field classified, and add/remove/restart/inPlace/unchanged decisions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffConfig, GLOBAL_FIELD_CLASS, PEER_FIELD_CLASS } from '../../../config/diff.js';
import { parseConfig } from '../../../config/parse.js';
import { KEYS, type PeerConfig } from '../../../config/schema.js';
import { config, node, peer } from './builders.js';

test('every peer key the parser accepts is classified, and nothing else', () => {
  // A peer with every key set: a new key in KEYS.peer (or the parser) must be classified.
  const text = `node: {routerId: 10.0.0.5, asn: 65000}
peers:
  - {name: p, address: 10.0.0.1, asn: 1, port: 1, passive: false, families: [ipv4-unicast], holdTime: 9,
     keepalive: 3, connectRetry: 1, localAddress: 10.0.0.2, description: d, addPath: off,
     gracefulRestart: {enabled: true, restartTime: 1}, bfd: {enabled: true}, extendedNextHop: true, passwordFile: /k,
     import: defaults, export: [defaults], maxPrefix: {limit: 10, warningPercent: 50, restartAfter: 60}}
  - {address: 10.0.0.3, asn: 1, passwordEnv: K, ttlSecurity: true}
  - {address: 10.0.0.4, asn: 1, tcpAo: {keyEnv: AO, sendId: 1, recvId: 2}, multihop: 2, interface: eth0}
`;
  const { config: c, errors } = parseConfig(text, 't');
  assert.deepEqual(errors, []);
  const seen = new Set((c?.peers ?? []).flatMap((p) => Object.keys(p)));
  const classified = Object.keys(PEER_FIELD_CLASS).sort();
  assert.deepEqual([...seen].sort(), classified, 'parsed peer fields vs PEER_FIELD_CLASS');
  assert.deepEqual([...KEYS.peer].sort(), classified, 'KEYS.peer vs PEER_FIELD_CLASS');
});

test('every global key the parser accepts is classified', () => {
  const globals = [
    ...KEYS.node.map((k) => `node.${k}`), ...KEYS.bgp.map((k) => `bgp.${k}`), ...KEYS.kernel.map((k) => `kernel.${k}`),
    ...KEYS.control.map((k) => `control.${k}`), ...KEYS.metrics.map((k) => `metrics.${k}`), ...KEYS.log.map((k) => `log.${k}`),
    ...KEYS.kubernetes.map((k) => `kubernetes.${k}`), ...KEYS.datapath.map((k) => `datapath.${k}`),
  ];
  assert.deepEqual(globals.sort(), Object.keys(GLOBAL_FIELD_CLASS).sort());
  // policies and originate are diffed by their own functions (ConfigDiff.policies / .originate).
  assert.deepEqual([...KEYS.root].sort(), ['bgp', 'control', 'datapath', 'kernel', 'kubernetes', 'log', 'metrics', 'node', 'originate', 'peers', 'policies']);
});

test('identical configs: nothing changed, every peer unchanged', () => {
  const d = diffConfig(config(), config());
  assert.equal(d.changed, false);
  assert.deepEqual(d.peers.map((p) => p.kind), ['unchanged']);
  assert.deepEqual(d.global, []);
});

test('add and remove by name; removals come first', () => {
  const old = config({ peers: [peer({ address: '10.0.0.1', name: 'a' }), peer({ address: '10.0.0.2', name: 'b' })] });
  const next = config({ peers: [peer({ address: '10.0.0.3', name: 'c' }), peer({ address: '10.0.0.1', name: 'a' })] });
  assert.deepEqual(diffConfig(old, next).peers.map((p) => `${p.kind}:${p.name}`), ['remove:b', 'add:c', 'unchanged:a']);
});

test('each restart-forcing field restarts the peer; in-place fields do not', () => {
  const base = peer({ address: '10.0.0.1', name: 'a' });
  const changes: Partial<PeerConfig>[] = [
    { address: '10.0.0.9' }, { asn: 65009 }, { port: 1179 }, { families: ['ipv4-unicast'] }, { holdTime: 30 },
    { localAddress: '10.0.0.5' }, { addPath: 'both' }, { gracefulRestart: { enabled: true, restartTime: 60 } },
    { extendedNextHop: true }, { passive: true }, { passwordFile: '/k' }, { passwordEnv: 'K' },
    // Socket options of the connection (daemon/net/): TCP-AO keys, GTSM, TTL, bound interface.
    { tcpAo: { keyEnv: 'AO', sendId: 1, recvId: 1, algorithm: 'hmac-sha1' } }, { ttlSecurity: true }, { multihop: 2 }, { interface: 'eth0' },
    // The route engine reads these once per session (PeerSessionInfo at peer-up).
    { routeReflectorClient: true }, { nextHopSelf: true },
  ];
  for (const change of changes) {
    const d = diffConfig(config({ peers: [base] }), config({ peers: [{ ...base, ...change }] }));
    assert.equal(d.peers[0]?.kind, 'restart', JSON.stringify(change));
  }
  const bfd = { enabled: true, minRx: 100, minTx: 200, multiplier: 5 };
  for (const change of [{ description: 'x' }, { keepalive: 5 }, { connectRetry: 60 }, { bfd }] as Partial<PeerConfig>[]) {
    const d = diffConfig(config({ peers: [base] }), config({ peers: [{ ...base, ...change }] }));
    assert.equal(d.peers[0]?.kind, 'inPlace', JSON.stringify(change));
  }
});

test('a restart lists every changed field, in-place ones included', () => {
  const base = peer({ address: '10.0.0.1', name: 'a' });
  const d = diffConfig(config({ peers: [base] }), config({ peers: [{ ...base, holdTime: 9, description: 'x' }] }));
  assert.deepEqual(d.peers[0], { kind: 'restart', name: 'a', old: base, peer: { ...base, holdTime: 9, description: 'x' }, fields: ['holdTime', 'description'] });
});

test('router id or AS change restarts every kept peer; added peers stay adds', () => {
  const old = config();
  const next = config({ node: node({ routerId: '10.0.0.6', asn: 65000 }), peers: [...old.peers, peer({ address: '10.0.0.2' })] });
  const d = diffConfig(old, next);
  assert.equal(d.restartAll, true);
  assert.deepEqual(d.global, [{ path: 'node.routerId', action: 'restartAll' }]);
  assert.deepEqual(d.peers.map((p) => p.kind), ['restart', 'add']);
  assert.deepEqual(d.peers[0]?.kind === 'restart' && d.peers[0].fields, ['node.routerId']);
});

test('cluster id change restarts every kept peer (RFC 4456 §8: CLUSTER_LIST of everything reflected)', () => {
  const next = config({ node: node({ routerId: '10.0.0.5', asn: 65000, clusterId: '10.0.0.100' }) });
  const d = diffConfig(config(), next);
  assert.equal(d.restartAll, true);
  assert.deepEqual(d.global, [{ path: 'node.clusterId', action: 'restartAll' }]);
  assert.deepEqual(d.peers.map((p) => p.kind), ['restart']);
});

test('originate changes are in place: add, remove, new communities', () => {
  const o = (prefix: string, communities: string[] = []) => ({ prefix, communities, largeCommunities: [] });
  const old = config({ originate: [o('10.244.1.0/24'), o('10.244.2.0/24')] });
  const next = config({ originate: [o('10.244.2.0/24', ['65000:1']), o('fd00::/64')] });
  const d = diffConfig(old, next);
  assert.deepEqual(d.originate, { add: [o('fd00::/64')], remove: [o('10.244.1.0/24')], change: [o('10.244.2.0/24', ['65000:1'])] });
  assert.equal(d.restartAll, false);
  assert.deepEqual(d.peers.map((p) => p.kind), ['unchanged']);
  assert.equal(d.changed, true);
});

test('listener and control socket changes ask for a rebind, not a restart', () => {
  const next = config();
  next.bgp.listenPort = 1179;
  next.control.group = 'ops';
  next.log.level = 'debug';
  const d = diffConfig(config(), next);
  assert.deepEqual([d.restartAll, d.relisten, d.reopenControl], [false, true, true]);
  assert.deepEqual(d.global.map((g) => g.path), ['bgp.listenPort', 'control.group', 'log.level']);
});

test('metrics listener changes reopen the HTTP listener only', () => {
  const next = config();
  next.metrics.listen = '[::1]:9181';
  const d = diffConfig(config(), next);
  assert.deepEqual([d.restartAll, d.relisten, d.reopenControl, d.reopenMetrics, d.changed], [false, false, false, true, true]);
  assert.deepEqual(d.global, [{ path: 'metrics.listen', action: 'reopenMetrics' }]);
  assert.deepEqual(d.peers.map((p) => p.kind), ['unchanged']);
  next.metrics.listen = config().metrics.listen;
  next.metrics.enabled = false;
  assert.deepEqual(diffConfig(config(), next).global, [{ path: 'metrics.enabled', action: 'reopenMetrics' }]);
});

test('import, export and maxPrefix changes are in place (issue 3: no session reset)', () => {
  const base = peer({ address: '10.0.0.1', name: 'a' });
  const p = { name: 'p', rules: [{ match: {}, then: { action: 'accept' as const } }] };
  for (const change of [{ import: ['p'] }, { export: ['p', 'defaults'] }, { maxPrefix: { limit: 5, warningPercent: 75 } }] as Partial<PeerConfig>[]) {
    const d = diffConfig(config({ peers: [base], policies: [p] }), config({ peers: [{ ...base, ...change }], policies: [p] }));
    assert.equal(d.peers[0]?.kind, 'inPlace', JSON.stringify(change));
    assert.equal(d.restartAll, false);
  }
  const d = diffConfig(config({ peers: [base], policies: [p] }), config({ peers: [{ ...base, import: ['p'] }], policies: [p] }));
  assert.deepEqual(d.policies, { changed: [], reimport: ['a'], reexport: [] });
});

test('a changed policy re-runs exactly the peers whose chains use it', () => {
  const rules = (action: 'accept' | 'reject') => [{ match: { prefix: ['10.0.0.0/8 le 24'] }, then: { action } }];
  const peers = [
    peer({ address: '10.0.0.1', name: 'uses-in', import: ['in'] }),
    peer({ address: '10.0.0.2', name: 'uses-out', export: ['out', 'defaults'] }),
    peer({ address: '10.0.0.3', name: 'other' }),
  ];
  const old = config({ peers, policies: [{ name: 'in', rules: rules('accept') }, { name: 'out', rules: rules('accept') }] });
  const next = config({ peers, policies: [{ name: 'in', rules: rules('reject') }, { name: 'out', rules: rules('reject') }, { name: 'new', rules: rules('accept') }] });
  const d = diffConfig(old, next);
  assert.deepEqual(d.policies, { changed: ['in', 'new', 'out'], reimport: ['uses-in'], reexport: ['uses-out'] });
  assert.deepEqual(d.peers.map((p) => p.kind), ['unchanged', 'unchanged', 'unchanged']);
  assert.equal(d.changed, true);
  assert.equal(d.restartAll, false);
});

test('podNetworks, exportLearned and originated prefixes re-run the peers on the defaults', () => {
  const peers = [peer({ address: '10.0.0.1', name: 'dflt' }), peer({ address: '10.0.0.2', name: 'own', import: ['p'], export: ['p'] })];
  const policies = [{ name: 'p', rules: [{ match: {}, then: { action: 'accept' as const } }] }];
  const old = config({ peers, policies });
  const pods = config({ peers, policies, node: node({ routerId: '10.0.0.5', asn: 65000, podNetworks: ['10.244.0.0/16'] }) });
  let d = diffConfig(old, pods);
  assert.deepEqual(d.global, [{ path: 'node.podNetworks', action: 'inPlace' }]);
  assert.deepEqual(d.policies, { changed: [], reimport: ['dflt'], reexport: ['dflt'] });
  d = diffConfig(old, config({ peers, policies, node: node({ routerId: '10.0.0.5', asn: 65000, exportLearned: true }) }));
  assert.deepEqual(d.global, [{ path: 'node.exportLearned', action: 'inPlace' }]);
  assert.deepEqual(d.policies, { changed: [], reimport: [], reexport: ['dflt'] });
  d = diffConfig(old, config({ peers, policies, originate: [] }));
  assert.deepEqual(d.policies, { changed: [], reimport: ['dflt'], reexport: [] });
});

test('restarted, added and removed peers are not in the re-run lists', () => {
  const a = peer({ address: '10.0.0.1', name: 'a', import: ['p'] });
  const p1 = [{ name: 'p', rules: [{ match: {}, then: { action: 'accept' as const } }] }];
  const p2 = [{ name: 'p', rules: [{ match: {}, then: { action: 'reject' as const } }] }];
  const d = diffConfig(config({ peers: [a], policies: p1 }), config({ peers: [{ ...a, holdTime: 30 }, peer({ address: '10.0.0.2', name: 'b', import: ['p'] })], policies: p2 }));
  assert.deepEqual(d.peers.map((c) => c.kind), ['restart', 'add']);
  assert.deepEqual(d.policies, { changed: ['p'], reimport: [], reexport: [] });
});
