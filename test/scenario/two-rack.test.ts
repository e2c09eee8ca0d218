/**
 * Issue 3's main scenario: two racks of rackrouted nodes behind a BIRD ToR and an FRR ToR under a
 * BIRD spine (topology in test/support/fabric.ts). Checks that every BGP session comes up, that
 * rackrouted turns on forwarding, that every pod reaches every other pod over IPv4 and IPv6 (UDP
 * echo: the machine has no ICMP ping), that the dual-homed node3 installs the spine's service
 * prefix as a 2-way ECMP route, that a route deleted behind rackrouted's back comes back, that
 * a default route from the ToR is refused with its reason, and that node3 losing its tor1 uplink
 * keeps a one-way route and pod reachability through tor2. Failover and repair times are
 * printed as test diagnostics.
 * Input: the lab harness, BIRD 2, FRR, rackrouted (dist). Output: pass/fail plus diagnostics.
 * Must not: leave namespaces or processes behind (lab cleanup in `after`, also on failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { callDaemon } from '../../daemon/control/client.js';
import { waitFor, type Lab } from '../support/netns.js';
import {
  buildFabric, evidence, kernelGateways, link, probePods, podV4, podV4Cidr, podV6, podV6Cidr, sessionName, uplinksOf,
  NODES, SERVICE_PREFIX, type Fabric, type NodeName,
} from '../support/fabric.js';

interface RibEntry { prefix: string; installed: boolean; nexthops: string[]; reason?: string }

describe('two racks: BIRD spine, BIRD and FRR ToRs, three rackrouted nodes (node3 dual-homed)', () => {
  let lab: Lab | undefined;
  let f: Fabric;

  before(async () => {
    f = await buildFabric((l) => (lab = l));
  });

  after(async () => {
    await lab?.cleanup();
  });

  /** Every prefix a node should have in its kernel (other nodes' pod CIDRs and the service). */
  const learnedBy = (n: NodeName): string[] =>
    [...NODES.filter((m) => m !== n).flatMap((m) => [podV4Cidr(m), podV6Cidr(m)]), SERVICE_PREFIX];

  it('brings every BGP session to Established on both sides', async () => {
    for (const n of NODES) {
      for (const tor of uplinksOf(n)) {
        for (const fam of ['v4', 'v6'] as const) {
          await f.nodes[n].waitEstablished(sessionName(tor, fam), 20000).catch(async (e: Error) => assert.fail(`${n}: ${e.message}${await evidence(f, n)}`));
        }
      }
    }
    for (const [name, peer] of Object.entries(f.routers)) {
      for (const nb of peer.config.neighbors) {
        await waitFor(() => peer.state(nb.address), { timeoutMs: 10000, what: `${name}: session to ${nb.address} Established`, until: (s) => s === 'Established' });
      }
    }
  });

  it('has IPv4 and IPv6 forwarding turned on by rackrouted in every node', async () => {
    for (const n of NODES) {
      const out = (await f.lab.exec(n, ['sysctl', '-n', 'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding'])).stdout.trim().split('\n');
      assert.deepEqual(out, ['1', '1'], `${n}: ip_forward, ipv6 forwarding`);
    }
  });

  it('installs every other rack\'s pod CIDRs and the service prefix in each node\'s kernel', async () => {
    for (const n of NODES) {
      const want = learnedBy(n);
      await waitFor(async () => Promise.all(want.map((p) => kernelGateways(f.lab, n, p))), {
        timeoutMs: 15000, what: `${n}: kernel routes (proto 186) for ${want.join(', ')}`, until: (gws) => gws.every((g) => g !== null && g.length > 0),
      }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, n)}`));
    }
  });

  it('lets every pod reach every other pod over IPv4 and IPv6', async (t) => {
    const failures: string[] = [];
    const deadline = Date.now() + 15000;
    // ToR and spine kernels converge a little after the nodes: retry a failed pair until the deadline.
    for (;;) {
      failures.length = 0;
      const rounds = await Promise.all(NODES.map(async (n) => {
        const targets = NODES.filter((m) => m !== n).flatMap((m) => [podV4(m), podV6(m)]);
        return [n, await probePods(f.lab, n, targets, 2000)] as const;
      }));
      for (const [n, rtts] of rounds) {
        for (const [addr, ms] of Object.entries(rtts)) if (ms === null) failures.push(`${n}'s pod -> ${addr}`);
      }
      if (failures.length === 0 || Date.now() > deadline) {
        if (failures.length === 0) t.diagnostic(`all 12 pod pairs (6 IPv4, 6 IPv6) answer: ${JSON.stringify(Object.fromEntries(rounds))}`);
        break;
      }
    }
    assert.deepEqual(failures, [], `unreachable pod pairs${failures.length ? await evidence(f, 'node3') : ''}`);
  });

  it('installs the spine\'s service prefix on node3 as a 2-way ECMP route via tor1 and tor2', async () => {
    const want = [link('tor1', 'node3').v4[0], link('tor2', 'node3').v4[0]].sort();
    const got = await waitFor(() => kernelGateways(f.lab, 'node3', SERVICE_PREFIX), {
      timeoutMs: 10000, what: `node3: ${SERVICE_PREFIX} via ${want.join(' and ')}`, until: (g) => isDeepStrictEqual(g, want),
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, 'node3', SERVICE_PREFIX)}`));
    assert.deepEqual(got, want);
    const rib = (await callDaemon(f.nodes.node3.socket, 'rib', { prefix: SERVICE_PREFIX })) as { routes: RibEntry[] };
    const e = rib.routes[0];
    assert.equal(e?.installed, true, `rib: ${JSON.stringify(rib)}`);
    assert.equal(e?.nexthops.length, 2, `rib: ${JSON.stringify(rib)}`);
    // Single-homed nodes: one path only.
    assert.deepEqual(await kernelGateways(f.lab, 'node1', SERVICE_PREFIX), [link('tor1', 'node1').v4[0]]);
  });

  it('repairs a learned route deleted from node1\'s kernel behind rackrouted\'s back', async (t) => {
    const prefix = podV4Cidr('node2');
    const via = [link('tor1', 'node1').v4[0]];
    assert.deepEqual(await kernelGateways(f.lab, 'node1', prefix), via, 'route present before the delete');
    const t0 = Date.now();
    await f.lab.exec('node1', ['ip', 'route', 'del', prefix, 'proto', '186']);
    await waitFor(() => kernelGateways(f.lab, 'node1', prefix), {
      timeoutMs: 5000, intervalMs: 10, what: `node1: ${prefix} back in the kernel via ${via[0]}`, until: (g) => isDeepStrictEqual(g, via),
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, 'node1', prefix)}`));
    const ms = Date.now() - t0;
    t.diagnostic(`node1: ${prefix} repaired ${ms} ms after \`ip route del\``);
    const rtt = await probePods(f.lab, 'node1', [podV4('node2')], 3000);
    assert.notEqual(rtt[podV4('node2')], null, 'node1\'s pod reaches node2\'s pod after the repair');
  });

  it('refuses a default route announced by tor1: not in node1\'s kernel, shown rejected with the reason', async () => {
    const toNode1 = [link('tor1', 'node1').v4[1], link('tor1', 'node1').v6[1]];
    await f.announceDefaultFromTor1(toNode1);
    for (const [fam, dflt] of [['v4', '0.0.0.0/0'], ['v6', '::/0']] as const) {
      const name = sessionName('tor1', fam);
      const got = await waitFor(async () => ((await f.nodes.node1.routes(name))[name]?.received ?? []).find((r) => r.prefix === dflt), {
        timeoutMs: 10000, what: `node1: ${dflt} from tor1 in the Adj-RIB-In of ${name}`,
      }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, 'node1')}`));
      const rejected = (got as { rejected?: string }).rejected;
      assert.ok(rejected !== undefined, `${dflt} not marked rejected: ${JSON.stringify(got)}`);
      assert.match(rejected, /default route/, `${dflt} rejected for the wrong reason`);
      const rib = (await callDaemon(f.nodes.node1.socket, 'rib', { prefix: dflt })) as { routes: RibEntry[] };
      assert.deepEqual(rib.routes, [], `${dflt} must not be in node1's Loc-RIB`);
      assert.equal(await kernelGateways(f.lab, 'node1', dflt), null, `node1's kernel has a proto 186 default route for ${dflt}${await evidence(f, 'node1')}`);
    }
    // Only node1 was offered it.
    for (const fam of ['v4', 'v6'] as const) {
      const name = sessionName('tor1', fam);
      const got = ((await f.nodes.node3.routes(name))[name]?.received ?? []).filter((r) => r.prefix.endsWith('/0'));
      assert.deepEqual(got, [], `node3 got a default route from tor1 (${name})`);
    }
  });

  it('keeps a one-way route within a second when node3 loses its tor1 uplink, and node3\'s pod still reaches node1\'s pod via tor2', async (t) => {
    const viaTor2 = [link('tor2', 'node3').v4[0]];
    const uplink = f.ifName.get('tor1-node3')!.b;
    assert.equal((await kernelGateways(f.lab, 'node3', SERVICE_PREFIX))?.length, 2, 'ECMP before the link goes down');
    const t0 = Date.now();
    await f.lab.exec('node3', ['ip', 'link', 'set', uplink, 'down']);
    const samples: string[] = [];
    await waitFor(async () => {
      const g = await kernelGateways(f.lab, 'node3', SERVICE_PREFIX);
      samples.push(`${Date.now() - t0}ms:${JSON.stringify(g)}`);
      return g;
    }, { timeoutMs: 5000, intervalMs: 5, what: `node3: ${SERVICE_PREFIX} via ${viaTor2[0]} only`, until: (g) => isDeepStrictEqual(g, viaTor2) })
      .catch(async (e: Error) => assert.fail(`${e.message}\nsamples: ${samples.join(' ')}${await evidence(f, 'node3', SERVICE_PREFIX)}`));
    const oneWayMs = Date.now() - t0;
    t.diagnostic(`node3: ${SERVICE_PREFIX} down to one next hop (tor2) ${oneWayMs} ms after the tor1 uplink went down (${samples.length} samples)`);
    assert.ok(oneWayMs <= 1000, `one-way route after ${oneWayMs} ms, want <= 1000 ms; samples: ${samples.join(' ')}`);

    // BGP catches up when the tor1 sessions go down; the kernel route must stay one-way
    // throughout (no delete and re-add while rackrouted drops the tor1 paths).
    const kernelSeen: string[] = [];
    const rib = await waitFor(async () => {
      kernelSeen.push(JSON.stringify(await kernelGateways(f.lab, 'node3', SERVICE_PREFIX)));
      return ((await callDaemon(f.nodes.node3.socket, 'rib', { prefix: SERVICE_PREFIX })) as { routes: RibEntry[] }).routes[0];
    }, { timeoutMs: 8000, intervalMs: 20, what: `node3: Loc-RIB ${SERVICE_PREFIX} with one next hop`, until: (e) => e?.nexthops.length === 1 && e.installed })
      .catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, 'node3', SERVICE_PREFIX)}`));
    const ribMs = Date.now() - t0;
    t.diagnostic(`node3: Loc-RIB ${SERVICE_PREFIX} down to one next hop ${ribMs} ms after the link went down (${JSON.stringify(rib?.nexthops)})`);
    // Fast external failover: the eBGP sessions over the downed link are dropped on the link
    // event, not at hold-timer expiry (3 s here).
    assert.ok(ribMs <= 1000, `Loc-RIB followed the link after ${ribMs} ms, want <= 1000 ms (not the 3 s hold time)`);
    const n3 = await f.nodes.node3.neighbors();
    for (const n of n3.filter((x) => x.state !== 'Established')) assert.equal(n.lastDown?.kind, 'connection-failed', `${n.name}: ${JSON.stringify(n.lastDown)}`);
    const gaps = kernelSeen.filter((g) => g !== JSON.stringify(viaTor2));
    assert.deepEqual(gaps, [], `node3's kernel route left ${JSON.stringify(viaTor2)} while BGP converged (${kernelSeen.length} samples)`);

    // node1's pod CIDR now goes through tor2 (and the spine) from node3; the way back needs tor1
    // to drop its session to node3 (hold time 3 s: BIRD does not watch the link).
    const p1 = podV4Cidr('node1');
    await waitFor(() => kernelGateways(f.lab, 'node3', p1), {
      timeoutMs: 10000, what: `node3: ${p1} via ${viaTor2[0]}`, until: (g) => isDeepStrictEqual(g, viaTor2),
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(f, 'node3', p1)}`));
    const rtts = await probePods(f.lab, 'node3', [podV4('node1'), podV6('node1')], 10000);
    const reachMs = Date.now() - t0;
    t.diagnostic(`node3's pod reaches node1's pod again ${reachMs} ms after the link went down (rtt incl. retries: ${JSON.stringify(rtts)})`);
    assert.notEqual(rtts[podV4('node1')], null, `node3's pod -> ${podV4('node1')} via tor2${await evidence(f, 'node3')}`);
    assert.notEqual(rtts[podV6('node1')], null, `node3's pod -> ${podV6('node1')} via tor2${await evidence(f, 'node3')}`);
    assert.deepEqual(await kernelGateways(f.lab, 'node3', SERVICE_PREFIX), viaTor2, 'the one-way route stays');
    assert.equal(f.nodes.node3.proc.exitStatus(), null, `rackrouted on node3 exited: ${f.nodes.node3.logTail(30)}`);
  });
});

