/** Unit tests for daemon/policy/policy.ts, match.ts and actions.ts: rule order, every condition, every change, attribute identity. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AsPathSegType } from '../../../../peers/wire/constants.js';
import type { PathAttributes } from '../../../../peers/wire/types.js';
import type { PolicyMatch, PolicyRule, PolicyThen } from '../../../../config/schema.js';
import { compilePolicy } from '../../../../daemon/policy/compile.js';
import { asPathText, originAs } from '../../../../daemon/policy/match.js';
import { prependAs } from '../../../../daemon/policy/actions.js';
import { chainPolicies, evaluate, type PolicyRoute } from '../../../../daemon/policy/policy.js';
import { ctx, LOCAL_ASN, route, RR, seq } from './builders.js';

const C = ctx();
const rule = (match: PolicyMatch, then: PolicyThen): PolicyRule => ({ match, then });
const policy = (...rules: PolicyRule[]) => compilePolicy({ name: 'p', rules });
/** Does a single accept rule with this match accept the route? */
const hits = (match: PolicyMatch, r: PolicyRoute): boolean => evaluate(policy(rule(match, { action: 'accept' })), r, C).accept;

test('first deciding rule wins; no match falls to the default reject with a reason', () => {
  const p = policy(
    rule({ prefix: ['10.244.0.0/16 le 24'] }, { action: 'accept' }),
    rule({ prefix: ['10.0.0.0/8 le 32'] }, { action: 'reject' }),
    rule({}, { action: 'accept' }),
  );
  assert.deepEqual(evaluate(p, route('10.244.1.0/24'), C), { accept: true, attrs: route('10.244.1.0/24').attrs, reason: 'p rule 1: accept' });
  const r2 = evaluate(p, route('10.244.1.0/25'), C);
  assert.deepEqual([r2.accept, r2.reason], [false, 'p rule 2: reject']);
  assert.equal(evaluate(p, route('192.168.0.0/24'), C).reason, 'p rule 3: accept');
  const none = evaluate(policy(rule({ prefix: ['10.0.0.0/8'] }, { action: 'accept' })), route('11.0.0.0/8'), C);
  assert.deepEqual([none.accept, none.reason], [false, 'p: no rule matched: reject']);
});

test('unchanged attributes come back as the same object; changed ones as a copy', () => {
  const attrs: PathAttributes = { localPref: 200, communities: [1], med: 5 };
  const r = route('10.244.1.0/24', attrs);
  assert.equal(evaluate(policy(rule({}, { action: 'accept' })), r, C).attrs, attrs);
  assert.equal(evaluate(policy(rule({}, { action: 'accept', localPref: 200, med: 5, addCommunities: ['0:1'] })), r, C).attrs, attrs, 'no effective change');
  assert.equal(evaluate(policy(rule({}, { action: 'accept', removeCommunities: ['0:2'] })), r, C).attrs, attrs);
  const changed = evaluate(policy(rule({}, { action: 'accept', localPref: 300 })), r, C).attrs;
  assert.notEqual(changed, attrs);
  assert.deepEqual(changed, { ...attrs, localPref: 300 });
  assert.deepEqual(attrs, { localPref: 200, communities: [1], med: 5 }, 'input not mutated');
});

test('continue applies changes and goes on; later rules see them; reject drops them', () => {
  const tag = rule({}, { action: 'continue', addCommunities: ['65000:7'], localPref: 150 });
  const onTag = rule({ community: ['65000:7'] }, { action: 'accept', med: 1 });
  const acc = evaluate(policy(tag, onTag), route('10.244.1.0/24', { communities: [5] }), C);
  assert.deepEqual([acc.accept, acc.reason], [true, 'p rule 2: accept']);
  assert.deepEqual(acc.attrs, { communities: [5, 65000 * 65536 + 7], localPref: 150, med: 1 });
  const attrs: PathAttributes = {};
  const rej = evaluate(policy(tag, rule({}, { action: 'reject' })), route('10.244.1.0/24', attrs), C);
  assert.equal(rej.attrs, attrs);
  assert.equal(rej.accept, false);
});

test('prefix and next-hop conditions', () => {
  assert.equal(hits({ prefix: ['10.244.0.0/16 ge 24 le 28'] }, route('10.244.3.0/24')), true);
  assert.equal(hits({ prefix: ['10.244.0.0/16 ge 24 le 28'] }, route('10.244.0.0/16')), false);
  assert.equal(hits({ prefix: ['fd00:10:244::/56 le 64'] }, route('fd00:10:244:1::/64')), true);
  assert.equal(hits({ nextHop: ['10.12.0.0/24'] }, route('10.244.3.0/24', {}, { nextHop: '10.12.0.2' })), true);
  assert.equal(hits({ nextHop: ['10.12.0.0/24'] }, route('10.244.3.0/24', {}, { nextHop: '10.13.0.2' })), false);
  assert.equal(hits({ nextHop: ['fd00:12::1/128'] }, route('10.244.3.0/24', {}, { nextHop: 'fd00:12::1' })), true, 'RFC 8950 IPv6 next hop');
});

test('community conditions: any of, all of; large communities alike', () => {
  const r = route('10.244.3.0/24', { communities: [65000 * 65536 + 1, 0xffffff01], largeCommunities: [[4200000021, 1, 12]] });
  assert.equal(hits({ community: ['65000:9', '65000:1'] }, r), true);
  assert.equal(hits({ community: ['65000:9'] }, r), false);
  assert.equal(hits({ communityAll: ['65000:1', 'no-export'] }, r), true);
  assert.equal(hits({ communityAll: ['65000:1', '65000:2'] }, r), false);
  assert.equal(hits({ community: ['65000:1'] }, route('10.244.3.0/24')), false, 'no COMMUNITIES attribute');
  assert.equal(hits({ largeCommunity: ['1:1:1', '4200000021:1:12'] }, r), true);
  assert.equal(hits({ largeCommunityAll: ['1:1:1', '4200000021:1:12'] }, r), false);
  assert.equal(hits({ largeCommunityAll: ['4200000021:1:12'] }, r), true);
});

test('AS path conditions: regex over the text form, origin AS, length', () => {
  const path = [{ type: AsPathSegType.AsSequence, asns: [65101, 65001] }, { type: AsPathSegType.AsSet, asns: [7, 8] }];
  assert.equal(asPathText(path), '65101 65001 {7,8}');
  assert.equal(asPathText([{ type: AsPathSegType.AsConfedSequence, asns: [1, 2] }, { type: AsPathSegType.AsConfedSet, asns: [3, 4] }]), '(1 2) [3,4]');
  const r = route('10.244.3.0/24', { asPath: seq(65101, 65001) });
  assert.equal(hits({ asPath: '^65101 ' }, r), true);
  assert.equal(hits({ asPath: '(^| )65001$' }, r), true);
  assert.equal(hits({ asPath: '^65001' }, r), false);
  assert.equal(hits({ originAs: [65001] }, r), true);
  assert.equal(hits({ originAs: [65101] }, r), false);
  assert.equal(originAs(path, LOCAL_ASN), -1, 'RFC 6811: AS_SET at the end = NONE');
  assert.equal(originAs(undefined, LOCAL_ASN), LOCAL_ASN, 'RFC 6811: empty path = own AS');
  assert.equal(hits({ asPathMaxLength: 2 }, r), true);
  assert.equal(hits({ asPathMaxLength: 1 }, r), false);
  assert.equal(hits({ asPathMaxLength: 0 }, route('10.244.3.0/24')), true, 'no AS_PATH = length 0');
});

test('neighbor AS and source conditions', () => {
  const ebgp = route('10.244.3.0/24');
  const ibgp = route('10.244.3.0/24', {}, { peer: RR });
  const local = route('10.244.3.0/24', {}, { peer: null });
  assert.equal(hits({ neighborAs: [65101] }, ebgp), true);
  assert.equal(hits({ neighborAs: [65101] }, ibgp), false);
  assert.equal(hits({ neighborAs: [65101] }, local), false);
  assert.deepEqual([ebgp, ibgp, local].map((r) => hits({ source: ['local', 'ibgp'] }, r)), [false, true, true]);
});

test('conditions of one rule must all hold', () => {
  const m: PolicyMatch = { prefix: ['10.244.0.0/16 le 24'], community: ['65000:1'] };
  assert.equal(hits(m, route('10.244.3.0/24', { communities: [65000 * 65536 + 1] })), true);
  assert.equal(hits(m, route('10.244.3.0/24')), false);
  assert.equal(hits(m, route('10.245.3.0/24', { communities: [65000 * 65536 + 1] })), false);
});

test('changes: local-pref, MED, community add/remove, large add/remove, prepend', () => {
  const attrs: PathAttributes = { communities: [1, 2], largeCommunities: [[1, 2, 3]], asPath: seq(65101) };
  const then: PolicyThen = {
    action: 'accept', localPref: 300, med: 10, addCommunities: ['0:3', '0:1'], removeCommunities: ['0:2'],
    addLargeCommunities: ['7:8:9'], removeLargeCommunities: ['1:2:3'], prepend: 2,
  };
  const out = evaluate(policy(rule({}, then)), route('10.244.3.0/24', attrs), C).attrs;
  assert.deepEqual(out, {
    communities: [1, 3], largeCommunities: [[7, 8, 9]], asPath: seq(LOCAL_ASN, LOCAL_ASN, 65101), localPref: 300, med: 10,
  });
  const emptied = evaluate(policy(rule({}, { action: 'accept', removeCommunities: ['0:1', '0:2'], removeLargeCommunities: ['1:2:3'] })), route('10.244.3.0/24', attrs), C).attrs;
  assert.equal('communities' in emptied, false, 'an emptied attribute is dropped');
  assert.equal('largeCommunities' in emptied, false);
});

test('prepend: into the leading AS_SEQUENCE, or a new one before a set or on an empty path', () => {
  assert.deepEqual(prependAs(undefined, 1, 2), seq(1, 1));
  assert.deepEqual(prependAs(seq(5, 6), 1, 1), seq(1, 5, 6));
  const set = [{ type: AsPathSegType.AsSet, asns: [5] }];
  assert.deepEqual(prependAs(set, 1, 1), [{ type: AsPathSegType.AsSequence, asns: [1] }, ...set]);
});

test('a chain is one rule list: the first deciding rule of any policy wins, else the last default', () => {
  const a = compilePolicy({ name: 'a', rules: [rule({ prefix: ['10.0.0.0/8 le 32'] }, { action: 'continue', localPref: 50 })] });
  const b = compilePolicy({ name: 'b', rules: [rule({ prefix: ['10.244.0.0/16 le 24'] }, { action: 'accept' })] });
  const ab = chainPolicies([a, b]);
  assert.equal(ab.name, 'a+b');
  const r = evaluate(ab, route('10.244.3.0/24'), C);
  assert.deepEqual([r.accept, r.attrs.localPref, r.reason], [true, 50, 'b rule 1: accept']);
  assert.deepEqual(evaluate(ab, route('10.9.0.0/16'), C).reason, 'b: no rule matched: reject');
});
