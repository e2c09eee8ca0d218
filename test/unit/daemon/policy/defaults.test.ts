/** Unit tests for daemon/policy/defaults.ts: the safe import and export defaults (RFC 8212, reliability.md §5.3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultExportPolicy, defaultImportPolicy, ownPrefixSet, podRouteSet } from '../../../../daemon/policy/defaults.js';
import { evaluate } from '../../../../daemon/policy/policy.js';
import { ctx, prefix, route, RR } from './builders.js';

const PODS = { podNetworks: ['10.244.0.0/16', 'fd00:10:244::/56'], exportLearned: false };
const C = ctx(['10.12.0.21', 'fd00:12::21', '10.244.21.1'], ['10.244.21.0/24', 'fd00:10:244:21::/64']);
const imp = defaultImportPolicy(PODS);
const verdict = (p: string, c = C) => {
  const r = evaluate(imp, route(p), c);
  return `${r.accept ? 'accept' : 'reject'}: ${r.reason ?? ''}`;
};

test('import: pod routes inside podNetworks up to /28 (IPv4) and /56 to /124 (IPv6)', () => {
  for (const p of ['10.244.5.0/24', '10.244.5.16/28', 'fd00:10:244::/56', 'fd00:10:244:5::/64', 'fd00:10:244:5::10/124']) {
    assert.equal(verdict(p), 'accept: defaults (pod route inside node.podNetworks): accept', p);
  }
  for (const p of ['10.244.5.0/29', '11.0.0.0/8', '10.245.0.0/24', 'fd00:10:244:5::/125', 'fd00:10::/48', '192.0.2.0/24']) {
    assert.equal(verdict(p), 'reject: defaults (not a pod route inside node.podNetworks): reject', p);
  }
});

test('import: never a default route, a prefix over a host address, or our own prefixes', () => {
  const everything = defaultImportPolicy({ podNetworks: ['0.0.0.0/0', '::/0'], exportLearned: false });
  assert.equal(evaluate(everything, route('0.0.0.0/0'), C).reason, 'defaults (default route): reject');
  assert.equal(evaluate(everything, route('::/0'), C).reason, 'defaults (default route): reject');
  assert.equal(evaluate(everything, route('10.12.0.0/24'), C).reason, "defaults (covers this node's address): reject");
  assert.equal(evaluate(everything, route('fd00:12::/64'), C).reason, "defaults (covers this node's address): reject");
  assert.equal(evaluate(everything, route('10.13.0.0/24'), C).accept, true);
  assert.equal(verdict('10.244.21.0/24'), "reject: defaults (covers this node's address): reject");
  assert.equal(verdict('10.244.21.128/25'), "reject: defaults (this node's own prefix): reject");
  assert.equal(verdict('fd00:10:244:21::/64'), "reject: defaults (this node's own prefix): reject");
  assert.equal(verdict('10.244.0.0/16'), 'reject: defaults (covers this node\'s address): reject', 'the aggregate covers 10.244.21.1');
  assert.equal(verdict('10.244.0.0/16', ctx([], ['10.244.21.0/24'])), 'accept: defaults (pod route inside node.podNetworks): accept', 'an aggregate over our prefix is fine');
});

test('import with no podNetworks accepts nothing (RFC 8212: never accept everything)', () => {
  const none = defaultImportPolicy({ podNetworks: [], exportLearned: false });
  for (const p of ['10.244.5.0/24', 'fd00::/64', '0.0.0.0/0']) assert.equal(evaluate(none, route(p), C).accept, false, p);
});

test('export: only what this node originates, unless exportLearned', () => {
  const exp = defaultExportPolicy(PODS);
  assert.equal(evaluate(exp, route('10.244.21.0/24', {}, { peer: null }), C).reason, 'defaults (originated by this node): accept');
  assert.equal(evaluate(exp, route('192.0.2.0/24', {}, { peer: null }), C).accept, true, 'whatever is originated');
  assert.equal(evaluate(exp, route('10.244.5.0/24'), C).reason, 'defaults (learned route; node.exportLearned is off): reject');
  assert.equal(evaluate(exp, route('10.244.5.0/24', {}, { peer: RR }), C).accept, false);
  const transit = defaultExportPolicy({ ...PODS, exportLearned: true });
  assert.equal(evaluate(transit, route('10.244.5.0/24'), C).reason, 'defaults (learned pod route, node.exportLearned): accept');
  assert.equal(evaluate(transit, route('192.0.2.0/24'), C).reason, 'defaults (learned, not a pod route): reject');
  assert.equal(evaluate(defaultExportPolicy({ podNetworks: ['0.0.0.0/0'], exportLearned: true }), route('0.0.0.0/0'), C).accept, false, 'never a learned default route');
});

test('the sets behind the defaults', () => {
  const pods = podRouteSet(['10.244.0.0/16', '10.1.0.0/30', 'bad']);
  assert.equal(pods.size, 1, 'a pod network longer than /28 or unparsable is left out (validate.ts refuses it)');
  const own = ownPrefixSet(['10.244.21.0/24', prefix('fd00:10:244:21::/64')]);
  assert.equal(own.matches(prefix('10.244.21.0/32')), true);
  assert.equal(own.matches(prefix('10.244.0.0/16')), false);
  assert.equal(own.matches(prefix('fd00:10:244:21:1::/80')), true);
});

test('defaults leave the attributes object alone', () => {
  const r = route('10.244.5.0/24', { localPref: 100 });
  assert.equal(evaluate(imp, r, C).attrs, r.attrs);
});
