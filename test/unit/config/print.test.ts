/** Unit tests for config/print.ts: key order, quoting, and the property parse(print(c)) == c (fast-check). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse } from 'yaml';
import { canonicalIp } from '../../../config/ip.js';
import { canonicalPrefixRange } from '../../../config/prefix-range.js';
import { parseConfig } from '../../../config/parse.js';
import { printConfig } from '../../../config/print.js';
import {
  ADD_PATH_MODES, FAMILIES, KEYS, LOG_LEVELS, ROUTE_SOURCES, WELL_KNOWN_COMMUNITIES, type Config, type PeerConfig,
  KUBERNETES_DEFAULTS,
} from '../../../config/schema.js';
import { validateConfig } from '../../../config/validate.js';
import { config, node, peer } from './builders.js';

test('printed keys follow KEYS order, with every optional field when set', () => {
  const full: PeerConfig = peer({
    address: 'fd00::1', name: 'full', keepalive: 3, localAddress: 'fd00::2', description: 'd',
    passwordFile: '/k', passwordEnv: 'K', maxPrefix: { limit: 100, warningPercent: 75, restartAfter: 30 },
    tcpAo: { keyEnv: 'AO', sendId: 1, recvId: 2, algorithm: 'hmac-sha1' }, ttlSecurity: true, multihop: 2, interface: 'eth0',
  });
  const c = config({ peers: [full], node: node({ routerId: '10.0.0.5', asn: 1, clusterId: '10.0.0.1', hostname: 'h' }) });
  c.control.group = 'g';
  c.policies = [{ name: 'p', rules: [{ match: { prefix: ['10.0.0.0/8 le 24'], source: ['ebgp'] }, then: { action: 'accept', med: 5, localPref: 1 } }] }];
  const doc = parse(printConfig(c)) as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(doc), [...KEYS.root]);
  assert.deepEqual(Object.keys(doc['node'] ?? {}), [...KEYS.node]);
  assert.deepEqual(Object.keys((doc['peers'] as unknown as Record<string, unknown>[])[0] ?? {}), [...KEYS.peer]);
  assert.deepEqual(Object.keys(doc['bgp'] ?? {}), [...KEYS.bgp]);
  assert.deepEqual(Object.keys(doc['control'] ?? {}), [...KEYS.control]);
  assert.deepEqual(Object.keys((doc['originate'] as unknown as Record<string, unknown>[])[0] ?? {}), [...KEYS.originate]);
  const peer0 = (doc['peers'] as unknown as Record<string, Record<string, unknown>>[])[0];
  assert.deepEqual(Object.keys(peer0?.['maxPrefix'] ?? {}), [...KEYS.maxPrefix]);
  const rule = (doc['policies']?.['p'] as Record<string, Record<string, unknown>>[])[0];
  assert.deepEqual(Object.keys(rule ?? {}), [...KEYS.rule]);
  assert.deepEqual(Object.keys(rule?.['match'] ?? {}), ['prefix', 'source']);
  assert.deepEqual(Object.keys(rule?.['then'] ?? {}), ['action', 'localPref', 'med']);
});

test('unset optional fields are left out, defaults are written', () => {
  const text = printConfig(config());
  assert.doesNotMatch(text, /keepalive|hostname|clusterId|group|description|password/);
  assert.match(text, /holdTime: 90\n/);
  assert.match(text, /routeReflectorClient: false\n +nextHopSelf: false\n/);
  assert.match(text, /connectRetry: 5\n/);
});

test('strings that look like other YAML types are quoted so they re-parse as strings', () => {
  const c = config({ peers: [peer({ address: '10.0.0.1', name: '123', description: 'true' })] });
  c.control.group = '1000';
  assert.deepEqual(parseConfig(printConfig(c), 'p').config, c);
});

// Property: any config that validates prints to text that parses back to the same config.
const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(fc.integer({ min: 1, max: 223 }), octet, octet, fc.integer({ min: 1, max: 254 })).map((a) => a.join('.'));
const ipv6 = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 7, maxLength: 7 })
  .map((g) => canonicalIp(`fd00:${g.map((x) => x.toString(16)).join(':')}`) ?? '');
const asn = fc.integer({ min: 1, max: 0xffffffff }).filter((n) => n !== 23456);
const word = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);
const community = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 65535 })).map(([a, b]) => `${a}:${b}`),
  fc.constantFrom(...Object.keys(WELL_KNOWN_COMMUNITIES)),
);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const large = fc.tuple(u32, u32, u32).map((p) => p.join(':'));

const peerArb = fc.record({
  address: fc.oneof(ipv4, ipv6), asn: fc.oneof(asn, fc.constantFrom('internal' as const, 'external' as const)),
  port: fc.integer({ min: 1, max: 65535 }), passive: fc.boolean(),
  families: fc.subarray([...FAMILIES], { minLength: 1 }), holdTime: fc.oneof(fc.constant(0), fc.integer({ min: 3, max: 65535 })),
  connectRetry: fc.integer({ min: 1, max: 65535 }), addPath: fc.constantFrom(...ADD_PATH_MODES),
  gracefulRestart: fc.record({ enabled: fc.boolean(), restartTime: fc.integer({ min: 0, max: 4095 }) }),
  bfd: fc.record({ enabled: fc.boolean(), minRx: fc.integer({ min: 10, max: 60000 }), minTx: fc.integer({ min: 10, max: 60000 }), multiplier: fc.integer({ min: 1, max: 255 }) }),
  extendedNextHop: fc.boolean(), routeReflectorClient: fc.boolean(), nextHopSelf: fc.boolean(), ttlSecurity: fc.boolean(), name: word, description: fc.option(fc.string({ maxLength: 20 }).filter((s) => s !== '' && !/[\r\n]/.test(s)), { nil: undefined }),
  keepalive: fc.option(fc.integer({ min: 1, max: 21845 }), { nil: undefined }),
  import: fc.subarray(['defaults', 'pa', 'pb'], { minLength: 1 }), export: fc.subarray(['pb', 'defaults', 'pa'], { minLength: 1 }),
  maxPrefix: fc.option(fc.record({ limit: fc.integer({ min: 1, max: 0xffffffff }), warningPercent: fc.integer({ min: 1, max: 100 }), restartAfter: fc.option(fc.integer({ min: 1, max: 86400 }), { nil: undefined }) }), { nil: undefined }),
}).map((p) => {
  // fc.record builds null-prototype objects; the parser builds plain ones.
  const out: PeerConfig = {
    ...p, families: [...p.families], gracefulRestart: { ...p.gracefulRestart }, bfd: { ...p.bfd }, import: [...p.import], export: [...p.export],
    maxPrefix: p.maxPrefix && plain(p.maxPrefix),
    // iBGP-only options: set only where valid, so most generated configs pass validation.
    routeReflectorClient: p.asn === 'internal' && p.routeReflectorClient, nextHopSelf: p.asn === 'internal' && p.nextHopSelf,
  };
  for (const k of ['description', 'keepalive', 'maxPrefix'] as const) if (out[k] === undefined) delete out[k];
  return out;
});

/** A plain-prototype copy without the keys whose value is undefined (fc.record / fc.option leave them). */
function plain<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const rangeArb = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 32 }), fc.integer({ min: 0, max: 16 }))
  .map(([third, ge, extra]) => canonicalPrefixRange(`10.${third}.0.0/16 ge ${ge} le ${Math.min(32, ge + extra)}`) ?? '');
const matchArb = fc.record({
  prefix: fc.uniqueArray(rangeArb, { minLength: 1, maxLength: 3 }), community: fc.uniqueArray(community, { minLength: 1, maxLength: 2 }),
  communityAll: fc.uniqueArray(community, { minLength: 1, maxLength: 2 }), largeCommunity: fc.uniqueArray(large, { minLength: 1, maxLength: 2 }),
  largeCommunityAll: fc.uniqueArray(large, { minLength: 1, maxLength: 2 }), asPath: fc.constantFrom('^65001 ', '(^| )65002$', '.*', '{'),
  originAs: fc.uniqueArray(asn, { minLength: 1, maxLength: 2 }), asPathMaxLength: fc.integer({ min: 0, max: 65535 }),
  neighborAs: fc.uniqueArray(asn, { minLength: 1, maxLength: 2 }), nextHop: fc.uniqueArray(fc.constantFrom('10.12.0.0/24', 'fd00:12::1/128', '0.0.0.0/0'), { minLength: 1 }),
  source: fc.subarray([...ROUTE_SOURCES], { minLength: 1 }),
}, { requiredKeys: [] });
const thenArb = fc.oneof(
  fc.constant({ action: 'reject' as const }),
  fc.record({
    action: fc.constantFrom('accept' as const, 'continue' as const), localPref: u32, med: u32,
    addCommunities: fc.uniqueArray(community, { minLength: 1, maxLength: 2 }), removeCommunities: fc.uniqueArray(community, { minLength: 1, maxLength: 2 }),
    addLargeCommunities: fc.uniqueArray(large, { minLength: 1, maxLength: 2 }), removeLargeCommunities: fc.uniqueArray(large, { minLength: 1, maxLength: 2 }),
    prepend: fc.integer({ min: 1, max: 16 }),
  }, { requiredKeys: ['action'] }),
);
const rulesArb = fc.array(fc.record({ match: matchArb, then: thenArb }), { minLength: 1, maxLength: 3 })
  .map((rules) => rules.map((r) => ({ match: plain(r.match), then: plain(r.then) })));
const policiesArb = fc.tuple(rulesArb, rulesArb, fc.option(rulesArb, { nil: undefined })).map(([a, b, c]) => [
  { name: 'pa', rules: a }, { name: 'pb', rules: b }, ...(c ? [{ name: 'Extra_1', rules: c }] : []),
]);
const podNetworksArb = fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 255 }).map((x) => `10.${x}.0.0/16`), fc.integer({ min: 0, max: 0xffff }).map((x) => `${canonicalIp(`fd00:${x.toString(16)}::`) ?? ''}/48`)), { maxLength: 3 });

const configArb: fc.Arbitrary<Config> = fc.record({
  routerId: ipv4, asn, peers: fc.array(peerArb, { maxLength: 4 }),
  prefixes: fc.array(fc.record({ third: fc.integer({ min: 0, max: 255 }), communities: fc.uniqueArray(community, { maxLength: 3 }), large: fc.uniqueArray(large, { maxLength: 2 }) }), { maxLength: 3 }),
  level: fc.constantFrom(...LOG_LEVELS), listen: fc.boolean(), minHoldTime: fc.integer({ min: 3, max: 90 }),
  maxPaths: fc.integer({ min: 1, max: 64 }), relax: fc.boolean(), table: fc.constantFrom(254, 100, 1000),
  metrics: fc.record({ enabled: fc.boolean(), listen: fc.constantFrom('127.0.0.1:9180', '[::1]:9180', '0.0.0.0:1', '[fd00:12::21]:65535') }),
  policies: policiesArb, podNetworks: podNetworksArb, exportLearned: fc.boolean(), clusterId: fc.option(ipv4, { nil: undefined }),
}).map((r) => ({
  node: node({ routerId: r.routerId, asn: r.asn, podNetworks: r.podNetworks, exportLearned: r.exportLearned, ...(r.clusterId ? { clusterId: r.clusterId } : {}) }),
  originate: r.prefixes.map((p) => ({ prefix: `10.${p.third}.0.0/16`, communities: p.communities, largeCommunities: p.large })),
  policies: r.policies,
  peers: r.peers,
  bgp: { listen: r.listen, listenAddresses: ['::'], listenPort: 179, minHoldTime: r.minHoldTime, extendedMessage: true, maxPaths: r.maxPaths, multipathRelax: r.relax, alwaysCompareMed: !r.relax, missingMedWorst: false, shutdownDrain: r.maxPaths % 7 },
  kernel: { enabled: true, protocol: 186, table: r.table, forwarding: r.listen },
  control: { socket: '/run/rackroute/rackroute.sock' },
  metrics: { enabled: r.metrics.enabled, listen: r.metrics.listen },
  kubernetes: {
    ...KUBERNETES_DEFAULTS, enabled: r.listen, validation: (['enforce', 'warn', 'off'] as const)[r.maxPaths % 3] ?? 'off',
    peering: (['none', 'mesh', 'route-reflectors'] as const)[r.table % 3] ?? 'none', nodeSelector: r.relax ? '' : 'rackroute.io/mesh=true,!example.com/skip',
    ...(r.listen ? { nodeName: 'node-1.rack-a', kubeconfig: '/etc/rackroute/kubeconfig' } : {}),
  },
  datapath: { enabled: !r.listen, interfaces: r.relax ? [] : ['eth*', 'bond0'], podInterfaces: ['lxc*'], noFastPath: r.relax ? ['10.244.7.0/24'] : [], pinDir: r.relax ? '/sys/fs/bpf/rackroute' : '/sys/fs/bpf/rr-2' },
  log: { level: r.level },
}));

test('property: parse(print(c)) deep-equals c for every valid c', () => {
  let checked = 0;
  fc.assert(
    fc.property(configArb, (c) => {
      // The generator does not avoid every cross-field rule; those configs are not valid input.
      fc.pre(validateConfig(c).length === 0);
      checked++;
      const back = parseConfig(printConfig(c), 'printed');
      assert.deepEqual(back.errors, []);
      assert.deepEqual(back.config, c);
    }),
    { numRuns: 300 },
  );
  assert.ok(checked > 50, `only ${checked} valid configs generated`);
});
