import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FibReconciler } from '../../../../daemon/kernel/reconciler.js';
import { routeKey, inScope, type FibOp, type FibRoute, type FibScope } from '../../../../daemon/kernel/fib.js';
import type { NhObject, NhOp, NhRange } from '../../../../daemon/kernel/nexthops.js';
import type { BatchResult, FibKernel, KernelEvent, KernelSnapshot, LinkState, LookupAnswer } from '../../../../daemon/kernel/types.js';

/** In-memory kernel: routes by key, nexthop objects by id, EEXIST on add over an existing route. */
class FakeKernel implements FibKernel {
  routes = new Map<string, FibRoute>();
  objects = new Map<number, NhObject>();
  links_: LinkState[] = [
    { ifindex: 2, name: 'eth0', up: true },
    { ifindex: 3, name: 'eth1', up: true },
  ];
  onEvent: ((ev: KernelEvent) => void) | undefined;
  closed = false;

  async dump(scope: FibScope, range: NhRange): Promise<KernelSnapshot> {
    return { routes: [...this.routes.values()].filter((r) => inScope(r, scope)).map((r) => this.expand(r)), nexthops: [...this.objects.values()].filter((o) => o.id >= range.first && o.id <= range.last) };
  }
  async links(): Promise<LinkState[]> {
    return this.links_;
  }
  /** Underlay routes (not ours) by the gateway they cover: recursive resolution. */
  underlay = new Map<string, LookupAnswer>();
  lookups = 0;
  async lookup(addrs: readonly string[]): Promise<Map<string, LookupAnswer | null>> {
    this.lookups += addrs.length;
    const connected = (a: string): LookupAnswer | null =>
      a.startsWith('10.0.') ? { prefix: '10.0.0.0/16', protocol: 2, type: 1, metric: 0, nexthops: [{ ifindex: 2 }] } : a.startsWith('10.1.') ? { prefix: '10.1.0.0/16', protocol: 2, type: 1, metric: 0, nexthops: [{ ifindex: 3 }] } : null;
    return new Map(addrs.map((a) => [a, this.underlay.get(a) ?? connected(a)]));
  }
  async applyRoutes(ops: readonly FibOp[]): Promise<BatchResult> {
    return result(
      ops.map((op) => {
        const key = routeKey(op.route);
        if (op.op === 'delete') return this.routes.delete(key) ? '' : 'ESRCH';
        if (op.op === 'add' && this.routes.has(key)) return 'EEXIST';
        if (op.route.nhid === undefined || !this.objects.has(op.route.nhid)) return 'EINVAL';
        this.routes.set(key, op.route);
        return '';
      }),
    );
  }
  async applyNexthops(ops: readonly NhOp[]): Promise<BatchResult> {
    return result(
      ops.map((op) => {
        if (op.op === 'nh-add' || op.op === 'group-add') this.objects.set(op.obj.id, op.obj);
        else if (!this.objects.delete(op.id)) return 'ENOENT';
        return '';
      }),
    );
  }
  subscribe(cb: (ev: KernelEvent) => void): void {
    this.onEvent = cb;
  }
  close(): void {
    this.closed = true;
  }
  /** Gateways of a route as the kernel would report them. */
  gateways(prefix: string): string[] | null {
    const r = [...this.routes.values()].find((x) => x.prefix === prefix);
    if (!r) return null;
    const o = r.nhid === undefined ? undefined : this.objects.get(r.nhid);
    if (!o) return r.nexthops.map((n) => n.gateway);
    if (o.kind === 'nexthop') return [o.gateway];
    return o.members.map((m) => (this.objects.get(m.id) as { gateway: string }).gateway).sort();
  }
  private expand(r: FibRoute): FibRoute {
    const gws = this.gateways(r.prefix) ?? [];
    const o = r.nhid === undefined ? undefined : this.objects.get(r.nhid);
    if (!o) return r;
    const ifOf = (gw: string): number => ([...this.objects.values()].find((x) => x.kind === 'nexthop' && x.gateway === gw) as { ifindex: number }).ifindex;
    return { ...r, nexthops: gws.map((g) => ({ gateway: g, ifindex: ifOf(g), weight: 1 })) };
  }
}

function result(results: string[]): BatchResult {
  const byError: Record<string, number> = {};
  for (const r of results) if (r) byError[r] = (byError[r] ?? 0) + 1;
  return { ok: results.filter((r) => !r).length, failed: results.filter(Boolean).length, byError, results, latencyMs: results.map(() => 1), resync: false };
}

const route = (prefix: string, gws: string[], protocol = 186): FibRoute => ({ prefix, family: 4, table: 254, protocol, nexthops: gws.map((gateway) => ({ gateway })) });

test('start with nothing to do settles (no busy loop), stop closes the kernel', async () => {
  const k = new FakeKernel();
  const f = new FibReconciler(k, { resyncIntervalMs: 0 });
  await f.start({ sweep: false });
  await f.settled();
  f.setRoutes([]);
  await f.settled();
  await f.stop();
  assert.equal(k.closed, true);
});

test('installs single and ECMP routes through objects, repairs a route deleted behind its back', async () => {
  const k = new FakeKernel();
  const f = new FibReconciler(k, { resyncIntervalMs: 0 });
  await f.start({ sweep: false });
  f.setRoutes([route('10.9.1.0/24', ['10.0.0.1']), route('10.9.2.0/24', ['10.0.0.1', '10.1.0.1'])]);
  await f.settled();
  assert.deepEqual(k.gateways('10.9.1.0/24'), ['10.0.0.1']);
  assert.deepEqual(k.gateways('10.9.2.0/24'), ['10.0.0.1', '10.1.0.1']);
  assert.equal(k.objects.size, 3);
  const gone = k.routes.get(routeKey(route('10.9.1.0/24', [])))!;
  k.routes.delete(routeKey(gone));
  k.onEvent!({ kind: 'route', action: 'del', route: gone });
  await f.settled();
  assert.deepEqual(k.gateways('10.9.1.0/24'), ['10.0.0.1']);
  assert.equal(f.counters().driftRepaired, 1);
  await f.stop();
});

test('stale routes wait for sweep; foreign ones are never touched; EEXIST is counted, not thrown', async () => {
  const k = new FakeKernel();
  k.routes.set(routeKey(route('10.9.8.0/24', ['10.0.0.1'])), route('10.9.8.0/24', ['10.0.0.1']));
  k.routes.set(routeKey(route('10.9.7.0/24', ['10.0.0.1'], 4)), route('10.9.7.0/24', ['10.0.0.1'], 4));
  const f = new FibReconciler(k, { resyncIntervalMs: 0 });
  await f.start({ sweep: false });
  f.setRoutes([route('10.9.7.0/24', ['10.0.0.2'])]);
  await f.settled();
  assert.ok(k.gateways('10.9.8.0/24'), 'stale kept');
  assert.equal(f.counters().ops['add:EEXIST'], 1, 'the slot is taken by the static route');
  await f.sweep();
  assert.equal(k.gateways('10.9.8.0/24'), null, 'swept');
  assert.deepEqual(k.gateways('10.9.7.0/24'), ['10.0.0.1'], 'foreign route untouched');
  await f.stop();
});

test('link down drops its next hops from groups at once; unused objects are collected', async () => {
  const k = new FakeKernel();
  const f = new FibReconciler(k, { resyncIntervalMs: 0 });
  await f.start({ sweep: false });
  f.setRoutes([route('10.9.2.0/24', ['10.0.0.1', '10.1.0.1'])]);
  await f.settled();
  k.onEvent!({ kind: 'link', action: 'new', link: { ifindex: 3, name: 'eth1', up: false } });
  await f.settled();
  assert.deepEqual(k.gateways('10.9.2.0/24'), ['10.0.0.1']);
  assert.deepEqual([...k.objects.values()].map((o) => o.kind), ['nexthop'], 'group and 10.1.0.1 deleted');
  assert.equal(f.counters().unusable, 0);
  await f.stop();
});

test('recursive next hop: installed via the covering route, follows it when it moves, withdrawn when it goes', async () => {
  const k = new FakeKernel();
  const seen: [string, string | null][] = [];
  const f = new FibReconciler(k, { resyncIntervalMs: 0, onResolution: (g, r) => seen.push([g, r ? r.nexthops.map((h) => h.gateway).join(',') : null]) });
  await f.start({ sweep: false });
  const via = (gw: string, ifindex: number, metric = 20): LookupAnswer => ({ prefix: '192.168.0.0/16', protocol: 4, type: 1, metric, nexthops: [{ gateway: gw, ifindex }] });
  k.underlay.set('192.168.5.1', via('10.0.0.1', 2));
  f.setRoutes([route('10.9.5.0/24', ['192.168.5.1'])]);
  await f.settled();
  assert.deepEqual(k.gateways('10.9.5.0/24'), ['10.0.0.1'], 'the underlay gateway is installed, not the BGP next hop');
  assert.deepEqual(seen, [['192.168.5.1', '10.0.0.1']]);
  // The underlay route moves to the other uplink: a route event (not ours) triggers re-resolution.
  k.underlay.set('192.168.5.1', via('10.1.0.1', 3));
  k.onEvent!({ kind: 'route', action: 'new', route: { prefix: '192.168.0.0/16', family: 4, table: 254, protocol: 4, nexthops: [{ gateway: '10.1.0.1', ifindex: 3 }] } });
  await waitUntil(() => k.gateways('10.9.5.0/24')?.[0] === '10.1.0.1');
  assert.deepEqual(seen.at(-1), ['192.168.5.1', '10.1.0.1']);
  // Underlay gone: the next hop no longer resolves; the route leaves the kernel and is counted.
  k.underlay.delete('192.168.5.1');
  k.onEvent!({ kind: 'route', action: 'del', route: { prefix: '192.168.0.0/16', family: 4, table: 254, protocol: 4, nexthops: [] } });
  await waitUntil(() => k.gateways('10.9.5.0/24') === null);
  assert.deepEqual(seen.at(-1), ['192.168.5.1', null]);
  const c = f.counters();
  assert.equal(c.unusable, 1);
  assert.equal(c.nexthopsTracked, 1);
  assert.equal(c.nexthopsUnresolved, 1);
  await f.stop();
});

test('a next hop is never resolved through one of our own routes; track() reports without a route', async () => {
  const k = new FakeKernel();
  const seen: [string, boolean][] = [];
  const f = new FibReconciler(k, { resyncIntervalMs: 0, onResolution: (g, r) => seen.push([g, r !== null]) });
  await f.start({ sweep: false });
  k.underlay.set('10.9.9.9', { prefix: '10.9.9.0/24', protocol: 186, type: 1, metric: 0, nexthops: [{ gateway: '10.0.0.1', ifindex: 2 }] });
  await f.track(['10.9.9.9', '10.0.0.7']);
  assert.deepEqual(seen, [['10.9.9.9', false], ['10.0.0.7', true]]);
  await f.track(['10.0.0.7']);
  assert.equal(k.lookups, 2, 'a known gateway is not looked up again');
  await f.stop();
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}
