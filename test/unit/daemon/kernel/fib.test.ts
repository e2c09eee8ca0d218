import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffFib, routeKey, nexthopSetKey, type FibRoute, type FibOp } from '../../../../daemon/kernel/fib.js';
import { canonicalPrefix, canonicalIp } from '../../../../daemon/kernel/addr.js';

const r = (prefix: string, gws: string[], extra: Partial<FibRoute> = {}): FibRoute => ({
  prefix,
  family: prefix.includes(':') ? 6 : 4,
  table: 254,
  protocol: 186,
  nexthops: gws.map((g) => ({ gateway: g, ifindex: 2 })),
  ...extra,
});
const summary = (ops: FibOp[]): string[] => ops.map((o) => `${o.op} ${o.route.prefix}`).sort();

function apply(actual: FibRoute[], ops: FibOp[]): FibRoute[] {
  const m = new Map(actual.map((x) => [routeKey(x), x]));
  for (const op of ops) {
    if (op.op === 'delete') m.delete(routeKey(op.route));
    else m.set(routeKey(op.route), op.route);
  }
  return [...m.values()];
}

test('add, replace, delete against the kernel state', () => {
  const desired = [r('10.1.0.0/24', ['10.0.0.1']), r('10.2.0.0/24', ['10.0.0.3'])];
  const actual = [r('10.2.0.0/24', ['10.0.0.2']), r('10.3.0.0/24', ['10.0.0.1'])];
  assert.deepEqual(summary(diffFib(desired, actual)), ['add 10.1.0.0/24', 'delete 10.3.0.0/24', 'replace 10.2.0.0/24']);
});

test('idempotent: applying the diff leaves nothing to do', () => {
  const desired = [r('10.1.0.0/24', ['10.0.0.1', '10.0.0.2']), r('fd00:1::/64', ['fd00::1'])];
  const actual = [r('10.1.0.0/24', ['10.0.0.1']), r('10.9.0.0/24', ['10.0.0.1'])];
  const after = apply(actual, diffFib(desired, actual));
  assert.deepEqual(diffFib(desired, after), []);
});

test('ECMP: next-hop order, text form and default weight do not matter; weights do', () => {
  const a = r('10.1.0.0/24', ['10.0.0.1', '10.0.0.2']);
  const b = { ...r('10.1.0.0/24', []), nexthops: [{ gateway: '10.0.0.2', ifindex: 2, weight: 1 }, { gateway: '10.0.0.1', ifindex: 2 }] };
  assert.deepEqual(diffFib([a], [b]), []);
  const c = { ...b, nexthops: [{ gateway: '10.0.0.2', ifindex: 2, weight: 3 }, { gateway: '10.0.0.1', ifindex: 2 }] };
  assert.equal(diffFib([a], [c])[0]?.op, 'replace');
  assert.equal(nexthopSetKey([{ gateway: 'FD00::0:1' }]), nexthopSetKey([{ gateway: 'fd00::1' }]));
  assert.deepEqual(diffFib([r('fd00:0001::/64', ['fd00::1'])], [r('fd00:1::/64', ['fd00:0::1'])]), []);
});

test('one gateway vs two is a replace (ECMP set change)', () => {
  const ops = diffFib([r('10.1.0.0/24', ['10.0.0.1', '10.0.0.2'])], [r('10.1.0.0/24', ['10.0.0.1'])]);
  assert.deepEqual(summary(ops), ['replace 10.1.0.0/24']);
});

test('foreign routes are never touched: other protocol, other table', () => {
  const actual = [r('10.1.0.0/24', ['10.0.0.1'], { protocol: 4 }), r('10.2.0.0/24', ['10.0.0.1'], { protocol: 12 }), r('10.3.0.0/24', ['10.0.0.1'], { table: 100 })];
  assert.deepEqual(diffFib([], actual), []);
  // A desired route that collides with a foreign one is an add (the kernel answers EEXIST), not a replace.
  assert.deepEqual(summary(diffFib([r('10.1.0.0/24', ['10.0.0.9'])], actual)), ['add 10.1.0.0/24']);
  // Desired routes outside the scope are not installed (we could not recognise them afterwards).
  assert.deepEqual(diffFib([r('10.4.0.0/24', ['10.0.0.1'], { table: 100 })], []), []);
  // A configured extra table is ours.
  assert.deepEqual(summary(diffFib([], actual, { protocol: 186, tables: [254, 100] })), ['delete 10.3.0.0/24']);
});

test('metric is part of the identity; IPv6 default metric 1024 matches an explicit 1024', () => {
  assert.deepEqual(summary(diffFib([r('10.1.0.0/24', ['10.0.0.1'], { metric: 20 })], [r('10.1.0.0/24', ['10.0.0.1'])])), ['add 10.1.0.0/24', 'delete 10.1.0.0/24']);
  assert.deepEqual(diffFib([r('fd00:1::/64', ['fd00::1'])], [r('fd00:1::/64', ['fd00::1'], { metric: 1024 })]), []);
});

test('nhid: a desired object id that differs from the kernel route is a replace', () => {
  const ops = diffFib([r('10.1.0.0/24', ['10.0.0.1'], { nhid: 7 })], [r('10.1.0.0/24', ['10.0.0.1'], { nhid: 8 })]);
  assert.equal(ops[0]?.op, 'replace');
});

test('routes without next hops are not installed; duplicates count once', () => {
  assert.deepEqual(diffFib([r('10.1.0.0/24', [])], []), []);
  assert.equal(diffFib([r('10.1.0.0/24', ['10.0.0.1']), r('10.1.0.7/24', ['10.0.0.2'])], []).length, 1);
});

test('address text: canonical forms, host bits cleared, bad text is null', () => {
  assert.equal(canonicalPrefix('10.1.2.3/24'), '10.1.2.0/24');
  assert.equal(canonicalPrefix('2001:DB8:0:0:1:0:0:1/128'), '2001:db8::1:0:0:1/128');
  assert.equal(canonicalIp('2001:db8:0:1:1:1:1:1'), '2001:db8:0:1:1:1:1:1');
  // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad.
  assert.equal(canonicalIp('::ffff:1.2.3.4'), '::ffff:1.2.3.4');
  assert.equal(canonicalIp('::'), '::');
  for (const bad of ['1.2.3', '1.2.3.256', '1::2::3', 'fd00::/129', 'x', '10.0.0.0/33', '1:2:3:4:5:6:7:8:9']) assert.equal(canonicalPrefix(bad), null, bad);
});
