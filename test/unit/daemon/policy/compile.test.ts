/** Unit tests for daemon/policy/compile.ts: config text -> per-peer import/export chains. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../../config/parse.js';
import type { Config } from '../../../../config/schema.js';
import { compilePolicies } from '../../../../daemon/policy/compile.js';
import { evaluate } from '../../../../daemon/policy/policy.js';
import { ctx, route } from './builders.js';

const TEXT = `node: {routerId: 10.12.0.21, asn: 65000, podNetworks: [10.244.0.0/16]}
policies:
  tor-in:
    - match: {prefix: "10.244.0.0/16 le 24", community: "65101:1"}
      then: {action: accept, localPref: 200}
  tag:
    - then: {action: continue, addCommunities: 65000:21}
  tor-out:
    - match: {source: local}
      then: {action: accept, prepend: 1}
peers:
  - {name: tor-a, address: 10.12.0.1, asn: 65101, import: tor-in, export: [tag, defaults]}
  - {name: tor-b, address: 10.12.0.2, asn: 65102, import: [tor-in], export: [tag, defaults]}
  - {name: tor-c, address: 10.12.0.3, asn: 65103, export: tor-out}
`;

function load(text: string): Config {
  const { config, errors } = parseConfig(text, 't.yaml');
  assert.deepEqual(errors, []);
  assert.ok(config);
  return config;
}

test('peers get their chains; equal chains share one Policy object', () => {
  const c = compilePolicies(load(TEXT));
  assert.equal(c.import('tor-a').name, 'tor-in');
  assert.equal(c.import('tor-a'), c.import('tor-b'));
  assert.equal(c.export('tor-a').name, 'tag+defaults');
  assert.equal(c.export('tor-a'), c.export('tor-b'));
  assert.equal(c.import('tor-c').name, 'defaults', 'RFC 8212: no policy configured = the defaults');
  assert.equal(c.export('nobody').name, 'defaults');
});

test('compiled rules behave as written', () => {
  const c = compilePolicies(load(TEXT));
  const C = ctx();
  const tagged = route('10.244.5.0/24', { communities: [65101 * 65536 + 1] });
  assert.deepEqual(evaluate(c.import('tor-a'), tagged, C).attrs.localPref, 200);
  assert.equal(evaluate(c.import('tor-a'), route('10.244.5.0/24'), C).accept, false);
  const own = evaluate(c.export('tor-a'), route('10.244.21.0/24', {}, { peer: null }), C);
  assert.deepEqual([own.accept, own.attrs.communities], [true, [65000 * 65536 + 21]]);
  assert.equal(evaluate(c.export('tor-a'), tagged, C).accept, false, 'learned routes stay in');
  assert.deepEqual(evaluate(c.export('tor-c'), route('10.244.21.0/24', {}, { peer: null }), C).attrs.asPath, [{ type: 2, asns: [65000] }]);
});

test('a config with an undefined policy name (not validated) is refused loudly', () => {
  const c = load(TEXT);
  const bad: Config = { ...c, peers: [{ ...(c.peers[0] as Config['peers'][number]), import: ['missing'] }] };
  assert.throws(() => compilePolicies(bad), /import policy missing is not defined/);
});
