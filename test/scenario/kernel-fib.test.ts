/**
 * Real-kernel scenario for daemon/kernel: a FibReconciler over rtnetlink (test/support/fib-agent)
 * runs inside a lab namespace joined to two peers by veth pairs. Checks, with `ip -j`: IPv4/IPv6
 * routes with one gateway and with two (nexthop group), replace, delete, startup adoption and a
 * deferred sweep, a route deleted behind its back back within 2 s, a link going down dropping
 * next hops through it, and foreign routes (proto static, proto bird) untouched throughout.
 * Input: the lab harness (test/support/netns.ts). Output: pass/fail.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createLab, waitFor, type Lab, type Link } from '../support/netns.js';
import type { FibRoute } from '../../daemon/kernel/fib.js';
import type { FibCounters } from '../../daemon/kernel/types.js';

const AGENT = fileURLToPath(new URL('../support/fib-agent.js', import.meta.url));
const OUR_NH = 0x5a000000; // first id of the default range

let lab: Lab;
let l0: Link;
let l1: Link;
let agent: ChildProcess | undefined;
let nextId = 1;
const waiting = new Map<number, (v: { ok: boolean; result?: unknown; error?: string }) => void>();

interface IpRoute {
  dst: string;
  nhid?: number;
  gateway?: string;
  dev?: string;
  protocol?: string;
  nexthops?: { gateway: string; dev: string; weight?: number }[];
}
interface IpNexthop {
  id: number;
  gateway?: string;
  dev?: string;
  group?: { id: number; weight?: number }[];
  protocol?: string;
}

const v4 = (prefix: string, gws: string[]): FibRoute => ({ prefix, family: 4, table: 254, protocol: 186, nexthops: gws.map((gateway) => ({ gateway })) });
const v6 = (prefix: string, gws: string[]): FibRoute => ({ prefix, family: 6, table: 254, protocol: 186, nexthops: gws.map((gateway) => ({ gateway })) });

async function ip(args: string[]): Promise<string> {
  return (await lab.exec('fib', ['ip', ...args])).stdout;
}
async function routes(family: 4 | 6, proto = '186'): Promise<IpRoute[]> {
  return JSON.parse(await ip(['-j', `-${family}`, 'route', 'show', 'proto', proto])) as IpRoute[];
}
async function nexthops(): Promise<IpNexthop[]> {
  return JSON.parse(await ip(['-j', 'nexthop', 'show'])) as IpNexthop[];
}
/** Gateways a route uses, whether plain, multipath or via a nexthop object. */
async function gatewaysOf(family: 4 | 6, dst: string): Promise<string[] | null> {
  const r = (await routes(family)).find((x) => x.dst === dst);
  if (!r) return null;
  if (r.nexthops) return r.nexthops.map((n) => n.gateway).sort();
  if (r.gateway) return [r.gateway];
  const nhs = await nexthops();
  const obj = nhs.find((n) => n.id === r.nhid);
  if (obj?.group) return obj.group.map((g) => nhs.find((n) => n.id === g.id)?.gateway ?? '?').sort();
  return obj?.gateway ? [obj.gateway] : [];
}

function call(cmd: string, extra: Record<string, unknown> = {}): Promise<FibCounters> {
  const id = nextId++;
  agent!.stdin!.write(`${JSON.stringify({ id, cmd, ...extra })}\n`);
  return new Promise((resolve, reject) => {
    waiting.set(id, (v) => (v.ok ? resolve(v.result as FibCounters) : reject(new Error(v.error))));
  });
}

function startAgent(): void {
  agent = spawn('ip', ['netns', 'exec', lab.nsName('fib'), process.execPath, AGENT], { stdio: ['pipe', 'pipe', 'inherit'] });
  createInterface({ input: agent.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { id: number; ok: boolean };
    waiting.get(msg.id)?.(msg);
    waiting.delete(msg.id);
  });
}

async function stopAgent(): Promise<void> {
  const a = agent;
  agent = undefined;
  if (!a || a.exitCode !== null) return;
  const exited = new Promise((r) => a.once('exit', r));
  a.stdin!.end();
  const t = setTimeout(() => a.pid && process.kill(a.pid, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

const FOREIGN = [
  ['172.16.1.0/24', 'static'],
  ['172.16.2.0/24', 'bird'],
] as const;

before(async () => {
  lab = await createLab();
  await lab.addNamespace('fib');
  await lab.addNamespace('p0');
  await lab.addNamespace('p1');
  l0 = await lab.linkNamespaces('fib', 'p0', { v4: ['10.90.0.1', '10.90.0.2', 24], v6: ['fd90::1', 'fd90::2', 64] });
  l1 = await lab.linkNamespaces('fib', 'p1', { v4: ['10.91.0.1', '10.91.0.2', 24], v6: ['fd91::1', 'fd91::2', 64] });
  for (const [dst, proto] of FOREIGN) await ip(['route', 'add', dst, 'via', '10.90.0.2', 'proto', proto]);
  // Left over from a previous run of ours: one matching the desired set (nexthop object in our
  // range, to be adopted as is) and one stale route (kept until sweep).
  await ip(['nexthop', 'add', 'id', String(OUR_NH), 'via', '10.90.0.2', 'dev', l0.ifA, 'proto', '186']);
  await ip(['route', 'add', '172.16.3.0/24', 'nhid', String(OUR_NH), 'proto', '186']);
  await ip(['route', 'add', '172.16.9.0/24', 'via', '10.90.0.2', 'proto', '186']);
  startAgent();
});

after(async () => {
  await stopAgent();
  await lab?.cleanup();
});

const DESIRED = [
  v4('172.16.3.0/24', ['10.90.0.2']),
  v4('10.100.1.0/24', ['10.90.0.2']),
  v4('10.100.2.0/24', ['10.90.0.2', '10.91.0.2']),
  v6('fd00:100:1::/64', ['fd90::2']),
  v6('fd00:100:2::/64', ['fd90::2', 'fd91::2']),
];

async function assertForeignUntouched(): Promise<void> {
  for (const [dst, proto] of FOREIGN) {
    const r = (await routes(4, proto)).find((x) => x.dst === dst);
    assert.ok(r, `foreign ${proto} route ${dst} still there`);
    assert.equal(r.gateway, '10.90.0.2');
  }
}

test('startup: adopts the matching route, installs the rest, keeps the stale one until sweep', async () => {
  const c = await call('start', { routes: DESIRED, sweep: false });
  const r4 = await routes(4);
  assert.deepEqual(r4.map((r) => r.dst).sort(), ['10.100.1.0/24', '10.100.2.0/24', '172.16.3.0/24', '172.16.9.0/24']);
  assert.equal(r4.find((r) => r.dst === '172.16.3.0/24')?.nhid, OUR_NH, 'adopted route keeps its nexthop object');
  assert.equal(c.ops['add:ok'], 4, 'four adds (the adopted route needs none)');
  assert.deepEqual(await gatewaysOf(4, '10.100.1.0/24'), ['10.90.0.2']);
  assert.deepEqual(await gatewaysOf(4, '10.100.2.0/24'), ['10.90.0.2', '10.91.0.2']);
  assert.deepEqual(await gatewaysOf(6, 'fd00:100:1::/64'), ['fd90::2']);
  assert.deepEqual(await gatewaysOf(6, 'fd00:100:2::/64'), ['fd90::2', 'fd91::2']);
  const nhs = await nexthops();
  assert.equal(nhs.filter((n) => n.group).length, 2, 'one group per ECMP set (v4, v6)');
  assert.equal(nhs.filter((n) => n.gateway === '10.90.0.2').length, 1, 'one object per (gateway, ifindex), shared');
  assert.ok(nhs.every((n) => n.id >= OUR_NH && n.protocol === 'bgp'));
  await assertForeignUntouched();

  await call('sweep');
  assert.deepEqual((await routes(4)).map((r) => r.dst).sort(), ['10.100.1.0/24', '10.100.2.0/24', '172.16.3.0/24']);
  await assertForeignUntouched();
});

test('replace and delete: atomic replace to a new gateway, unused objects collected', async () => {
  const next = [v4('172.16.3.0/24', ['10.90.0.2']), v4('10.100.1.0/24', ['10.90.0.3']), v6('fd00:100:1::/64', ['fd90::3']), v6('fd00:100:2::/64', ['fd90::2', 'fd91::2'])];
  const c = await call('set', { routes: next });
  assert.ok((c.ops['replace:ok'] ?? 0) >= 2, JSON.stringify(c.ops));
  assert.deepEqual(await gatewaysOf(4, '10.100.1.0/24'), ['10.90.0.3']);
  assert.deepEqual(await gatewaysOf(6, 'fd00:100:1::/64'), ['fd90::3']);
  assert.equal(await gatewaysOf(4, '10.100.2.0/24'), null, 'deleted');
  const nhs = await nexthops();
  assert.equal(nhs.filter((n) => n.group).length, 1, 'the v4 group is gone with its last route');
  assert.equal(nhs.find((n) => n.gateway === '10.91.0.2'), undefined, 'its member nexthop too');
  assert.equal(nhs.find((n) => n.gateway === 'fd90::2')?.gateway, 'fd90::2', 'still used by the v6 group');
  await assertForeignUntouched();
});

test('a route deleted behind our back is back within 2 s', async () => {
  await ip(['route', 'del', '10.100.1.0/24', 'proto', '186']);
  const t0 = Date.now();
  await waitFor(() => gatewaysOf(4, '10.100.1.0/24'), { timeoutMs: 2000, intervalMs: 20, what: '10.100.1.0/24 re-installed', until: (g) => g?.[0] === '10.90.0.3' });
  const c = await call('counters');
  assert.ok(c.driftRepaired >= 1);
  console.log(`# drift repaired in ${Date.now() - t0} ms (polling every 20 ms)`);
});

test('a link going down drops next hops through it; back when it comes up', async () => {
  await call('set', { routes: [...DESIRED.slice(0, 1), v4('10.100.2.0/24', ['10.90.0.2', '10.91.0.2']), v6('fd00:100:2::/64', ['fd90::2', 'fd91::2'])] });
  assert.deepEqual(await gatewaysOf(4, '10.100.2.0/24'), ['10.90.0.2', '10.91.0.2']);
  // Keep fd91::1/64 across down/up (by default IPv6 drops addresses on admin down).
  await lab.exec('fib', ['sysctl', '-q', '-w', `net.ipv6.conf.${l1.ifA}.keep_addr_on_down=1`]);
  await ip(['link', 'set', l1.ifA, 'down']);
  await waitFor(() => gatewaysOf(4, '10.100.2.0/24'), { timeoutMs: 2000, intervalMs: 20, what: 'v4 ECMP route down to 10.90.0.2', until: (g) => JSON.stringify(g) === '["10.90.0.2"]' });
  await waitFor(() => gatewaysOf(6, 'fd00:100:2::/64'), { timeoutMs: 2000, intervalMs: 20, what: 'v6 ECMP route down to fd90::2', until: (g) => JSON.stringify(g) === '["fd90::2"]' });
  await ip(['link', 'set', l1.ifA, 'up']);
  await waitFor(() => gatewaysOf(4, '10.100.2.0/24'), { timeoutMs: 3000, intervalMs: 20, what: 'v4 ECMP restored', until: (g) => g?.length === 2 });
  await waitFor(() => gatewaysOf(6, 'fd00:100:2::/64'), { timeoutMs: 3000, intervalMs: 20, what: 'v6 ECMP restored', until: (g) => g?.length === 2 });
  await assertForeignUntouched();
});

test('a full reconcile after all this changes nothing; empty set removes all of ours only', async () => {
  const before = await call('settled');
  const after1 = await call('reconcile');
  const opsOf = (c: FibCounters): number => Object.entries(c.ops).filter(([k]) => !k.startsWith('dump')).reduce((s, [, n]) => s + n, 0);
  assert.equal(opsOf(after1), opsOf(before), `no ops: ${JSON.stringify(after1.ops)}`);
  await call('set', { routes: [] });
  assert.deepEqual(await routes(4), []);
  assert.deepEqual(await routes(6), []);
  assert.deepEqual(await nexthops(), []);
  await assertForeignUntouched();
});
