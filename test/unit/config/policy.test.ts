/** Unit tests for the policy parts of the config: policies, import/export references, maxPrefix, podNetworks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../config/parse.js';
import { formatError } from '../../../config/schema.js';
import { validateConfig } from '../../../config/validate.js';
import { config, node, peer } from './builders.js';

const NODE = 'node: {routerId: 10.0.0.5, asn: 65000}\n';
const errors = (text: string): string[] => parseConfig(text, 'c.yaml').errors.map(formatError);

test('one value or a list: both read to the same canonical lists', () => {
  const one = parseConfig(`${NODE}policies:
  p:
    - match: {prefix: "10.0.0.0/8{16,24}", community: 1:1, originAs: 65001, source: local, nextHop: 10.1.1.1}
      then: {action: accept, addCommunities: no-export}
peers:
  - {address: 10.0.0.1, asn: 1, import: p, export: p}
`, 'a');
  const many = parseConfig(`${NODE}policies:
  p:
    - match: {prefix: ["10.0.0.0/8 ge 16 le 24"], community: ["1:1"], originAs: [65001], source: [local], nextHop: [10.1.1.1/32]}
      then: {action: accept, addCommunities: [no-export]}
peers:
  - {address: 10.0.0.1, asn: 1, import: [p], export: [p]}
`, 'b');
  assert.deepEqual(one.errors, []);
  assert.deepEqual(one.config, many.config);
  assert.deepEqual(one.config?.policies[0]?.rules[0], {
    match: { prefix: ['10.0.0.0/8 ge 16 le 24'], community: ['1:1'], originAs: [65001], source: ['local'], nextHop: ['10.1.1.1/32'] },
    then: { action: 'accept', addCommunities: ['no-export'] },
  });
});

test('a peer without import/export gets the built-in defaults (RFC 8212)', () => {
  const { config: c } = parseConfig(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1}\n`, 'c');
  assert.deepEqual([c?.peers[0]?.import, c?.peers[0]?.export], [['defaults'], ['defaults']]);
});

test('an unknown policy name is reported at its line with the names that exist', () => {
  assert.deepEqual(errors(`${NODE}policies:
  a: [{then: {action: accept}}]
  b: [{then: {action: reject}}]
peers:
  - address: 10.0.0.1
    asn: 1
    import:
      - a
      - nope
    export: bee
`), [
    'c.yaml:10: peers[0].import[1]: unknown policy name nope (defined: a, b; built in: defaults)',
    'c.yaml:11: peers[0].export[0]: unknown policy name bee (defined: a, b; built in: defaults)',
  ]);
  assert.deepEqual(errors(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, import: x}\n`), [
    'c.yaml:3: peers[0].import[0]: unknown policy name x (defined: none; built in: defaults)',
  ]);
});

test('a rule without match matches everything; an empty policies section is none', () => {
  const { config: c, errors: errs } = parseConfig(`${NODE}policies:\n  p:\n    - match:\n      then: {action: reject}\n`, 'c');
  assert.deepEqual(errs, []);
  assert.deepEqual(c?.policies, [{ name: 'p', rules: [{ match: {}, then: { action: 'reject' } }] }]);
  assert.deepEqual(parseConfig(`${NODE}policies:\n`, 'c').config?.policies, []);
});

test('policies must be a mapping of names; rules need then.action', () => {
  assert.deepEqual(errors(`${NODE}policies: [a]\n`), ['c.yaml:2: policies: a list is not allowed (a mapping of policy names to lists of rules)']);
  assert.deepEqual(errors(`${NODE}policies:\n  p:\n    - match: {prefix: 10.0.0.0/8}\n`), [
    'c.yaml:4: policies.p[0].then: missing (required: a mapping with action (accept, reject, continue) and optional changes)',
  ]);
  assert.deepEqual(errors(`${NODE}policies:\n  p:\n    - then: {action: drop}\n`), [
    'c.yaml:4: policies.p[0].then.action: "drop" is not allowed (accept, reject, continue)',
  ]);
});

test('validate on configs built in code: pod network lengths and overlaps, references, dead rules', () => {
  const c = config({
    node: node({ routerId: '10.0.0.5', asn: 65000, podNetworks: ['10.244.0.0/16', '10.244.1.0/24', '10.9.0.0/30'] }),
    policies: [{ name: 'p', rules: [{ match: {}, then: { action: 'reject' } }, { match: {}, then: { action: 'accept' } }] }],
    peers: [peer({ address: '10.0.0.1', import: ['p', 'q'], export: ['defaults', 'defaults'] })],
  });
  assert.deepEqual(validateConfig(c).map((e) => `${e.path}: ${e.message}`), [
    'node.podNetworks[1]: 10.244.1.0/24 overlaps 10.244.0.0/16 (see node.podNetworks[0]; pod networks must not overlap)',
    'node.podNetworks[2]: 10.9.0.0/30 is longer than /28 (a pod network of /28 or shorter: the defaults accept pod routes up to /28)',
    'policies.p[1]: rule 2 is never reached (rule 1 matches every route and rejects it: put the catch-all rule last)',
    'peers[0].import[1]: unknown policy name q (defined: p; built in: defaults)',
    'peers[0].export[1]: defaults is listed twice (each policy once)',
  ]);
});

test('a continue catch-all does not make later rules unreachable', () => {
  const c = config({ policies: [{ name: 'p', rules: [{ match: {}, then: { action: 'continue', med: 1 } }, { match: {}, then: { action: 'accept' } }] }] });
  assert.deepEqual(validateConfig(c), []);
});

test('maxPrefix: limit required, warningPercent defaults to 75, restartAfter optional', () => {
  const { config: c } = parseConfig(`${NODE}peers:\n  - {address: 10.0.0.1, asn: 1, maxPrefix: {limit: 5}}\n`, 'c');
  assert.deepEqual(c?.peers[0]?.maxPrefix, { limit: 5, warningPercent: 75 });
});
