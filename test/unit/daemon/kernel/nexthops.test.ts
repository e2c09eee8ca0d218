import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NexthopPlan, type NhOp } from '../../../../daemon/kernel/nexthops.js';
import type { FibNexthop } from '../../../../daemon/kernel/fib.js';

const range = { first: 1000, last: 1009 };
const nh = (gateway: string, ifindex = 2, weight?: number): FibNexthop => (weight === undefined ? { gateway, ifindex } : { gateway, ifindex, weight });
const ok = (a: ReturnType<NexthopPlan['acquire']>): { id: number; ops: NhOp[] } => {
  assert.ok(!('error' in a), JSON.stringify(a));
  return a;
};
const kinds = (ops: NhOp[]): string[] => ops.map((o) => o.op);

test('one object per (gateway, ifindex), shared by routes, ids from the range', () => {
  const p = new NexthopPlan(range);
  const a = ok(p.acquire([nh('10.0.0.1')]));
  assert.deepEqual(kinds(a.ops), ['nh-add']);
  assert.equal(a.id, 1000);
  const b = ok(p.acquire([nh('10.0.0.1')]));
  assert.equal(b.id, a.id);
  assert.deepEqual(b.ops, []);
  assert.equal(p.refs(a.id), 2);
  const c = ok(p.acquire([nh('10.0.0.1', 3)]));
  assert.notEqual(c.id, a.id, 'same gateway on another interface is another object');
});

test('one group per distinct ECMP set; members created first; order and duplicates ignored', () => {
  const p = new NexthopPlan(range);
  const g = ok(p.acquire([nh('10.0.0.2'), nh('10.0.0.1')]));
  assert.deepEqual(kinds(g.ops), ['nh-add', 'nh-add', 'group-add']);
  const grp = g.ops[2]!;
  assert.ok(grp.op === 'group-add' && grp.obj.members.length === 2);
  const again = ok(p.acquire([nh('10.0.0.1'), nh('10.0.0.2'), nh('10.0.0.1')]));
  assert.equal(again.id, g.id);
  assert.deepEqual(again.ops, []);
  const weighted = ok(p.acquire([nh('10.0.0.1', 2, 3), nh('10.0.0.2')]));
  assert.notEqual(weighted.id, g.id, 'other weights: another group');
  assert.deepEqual(kinds(weighted.ops), ['group-add'], 'members reused');
  const single = ok(p.acquire([nh('10.0.0.1')]));
  assert.deepEqual(single.ops, [], 'a single next hop uses the member object directly');
});

test('refcounts and GC: nothing is deleted while used; groups go before their nexthops', () => {
  const p = new NexthopPlan(range);
  const g = ok(p.acquire([nh('10.0.0.1'), nh('10.0.0.2')]));
  const s = ok(p.acquire([nh('10.0.0.1')]));
  p.release(g.id);
  const gc = p.collect();
  assert.deepEqual(gc, [{ op: 'group-del', id: g.id }, { op: 'nh-del', id: 1001 }], '10.0.0.1 still used by a route');
  assert.equal(p.refs(s.id), 1);
  p.release(s.id);
  assert.deepEqual(p.collect(), [{ op: 'nh-del', id: s.id }]);
  assert.deepEqual(p.collect(), []);
  assert.deepEqual(p.objects(), []);
});

test('ids are stable while used, not reused at once, and the range can run out', () => {
  const p = new NexthopPlan({ first: 1, last: 3 });
  const a = ok(p.acquire([nh('10.0.0.1')]));
  const b = ok(p.acquire([nh('10.0.0.2')]));
  p.release(a.id);
  p.collect();
  const c = ok(p.acquire([nh('10.0.0.3')]));
  assert.equal(c.id, 3, 'freed id 1 is not handed out next');
  assert.equal(ok(p.acquire([nh('10.0.0.2')])).id, b.id);
  assert.equal(ok(p.acquire([nh('10.0.0.4')])).id, 1);
  assert.ok('error' in p.acquire([nh('10.0.0.5')]));
});

test('next hops need an ifindex and a valid gateway', () => {
  const p = new NexthopPlan(range);
  assert.ok('error' in p.acquire([{ gateway: '10.0.0.1' }]));
  assert.ok('error' in p.acquire([{ gateway: 'nope', ifindex: 2 }]));
  assert.ok('error' in p.acquire([]));
});

test('adopt / rebase: kernel objects in range taken over (out of range ignored), refs recounted', () => {
  const p = new NexthopPlan(range);
  p.rebase(
    [
      { kind: 'nexthop', id: 1003, family: 4, gateway: '10.0.0.1', ifindex: 2 },
      { kind: 'nexthop', id: 1004, family: 4, gateway: '10.0.0.2', ifindex: 2 },
      { kind: 'group', id: 1005, members: [{ id: 1003, weight: 1 }, { id: 1004, weight: 1 }] },
      { kind: 'nexthop', id: 5, family: 4, gateway: '10.0.0.9', ifindex: 2 }, // zebra's
    ],
    [1005],
  );
  assert.equal(p.get(5), undefined);
  const g = ok(p.acquire([nh('10.0.0.2'), nh('10.0.0.1')]));
  assert.equal(g.id, 1005, 'adopted group reused');
  assert.deepEqual(g.ops, []);
  assert.equal(p.refs(1005), 2);
  assert.equal(p.refs(1003), 1);
  // The kernel lost 1004 (link down): the plan drops it and the group that needs it.
  p.rebase([{ kind: 'nexthop', id: 1003, family: 4, gateway: '10.0.0.1', ifindex: 2 }], []);
  assert.equal(p.get(1004), undefined);
  assert.equal(p.get(1005), undefined);
  assert.equal(p.refs(1003), 0);
});

test('repair: objects missing or different in the kernel are re-created, nexthops before groups', () => {
  const p = new NexthopPlan(range);
  const g = ok(p.acquire([nh('10.0.0.1'), nh('10.0.0.2')]));
  const ops = p.repair([{ kind: 'nexthop', id: 1000, family: 4, gateway: '10.0.0.1', ifindex: 9 }]);
  assert.deepEqual(kinds(ops), ['nh-add', 'nh-add', 'group-add']);
  assert.equal(ops[2]!.op === 'group-add' && ops[2]!.obj.id, g.id);
  assert.deepEqual(p.repair(p.objects()), []);
});
