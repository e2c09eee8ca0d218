/**
 * iBGP full mesh across a routed underlay, with recursive next hops (daemon/kernel/resolve.ts).
 * Two racks share no L2: rack 1 is router r1 with node n1, rack 2 is router r2 with nodes n2 and
 * n3; r1 and r2 are joined by a /31. The underlay is static routing (nodes: a default route to
 * their router; routers: routes to the other rack's node links). All five speakers are in AS
 * 65010 and mesh over the underlay, IPv4 and IPv6 sessions apart: the routers run FRR (they
 * learn the pod CIDRs and forward), the nodes run rackrouted with a pod each (netns + veth).
 * A GoBGP speaker in rack 2 (iBGP to n1 only) announces a route whose next hop resolves only to
 * an `unreachable` route on n1.
 *
 * Checks: every session Established; each node installs the other nodes' pod CIDRs through its
 * underlay gateway (the BGP next hop is another rack's node, not connected); pods reach each
 * other across racks (UDP echo, v4 and v6); moving n1's default route to its second uplink moves
 * the pod routes with it; a next hop that does not resolve leaves the path ineligible, out of
 * the kernel and counted, and adding/removing an underlay route for it installs/removes the
 * route (RFC 4271 §9.1.2.1).
 * Input: the lab harness, FRR, GoBGP and rackrouted (dist). Output: pass/fail plus evidence.
 * Must not: leave namespaces or processes behind (lab cleanup in `after`, also on failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import { kernelGateways } from '../support/fabric.js';
import { startRackroute, type Rackroute, type RrPeer } from '../support/rackroute.js';
import * as frr from '../support/peers/frr.js';
import * as gobgp from '../support/peers/gobgp.js';
import type { NeighborConfig, Peer } from '../support/peers/types.js';

const ASN = 65010;
const POD_NETWORKS = ['10.244.0.0/16', 'fd00:10:244::/48'];
const ECHO_JS = fileURLToPath(new URL('../support/pod-echo.js', import.meta.url));
const ECHO_PORT = 7007;
const UNRESOLVED_NH = '10.77.0.1';
const FAR_PREFIX = '10.244.9.0/24';

type NodeName = 'n1' | 'n2' | 'n3';
const NODES: NodeName[] = ['n1', 'n2', 'n3'];
const idx = (n: NodeName): number => Number(n.slice(1));

/** Session address of each speaker: [v4, v6] (the node's end of its first uplink). */
const ADDR: Record<string, [string, string]> = {
  r1: ['10.1.1.0', 'fd00:1:1::1'],
  r2: ['10.0.0.1', 'fd00:0:12::2'],
  n1: ['10.1.1.1', 'fd00:1:1::2'],
  n2: ['10.2.2.1', 'fd00:2:2::2'],
  n3: ['10.3.2.1', 'fd00:3:2::2'],
  g: ['10.9.2.1', 'fd00:9:2::2'],
};
const podCidr = (n: NodeName, v6: boolean): string => (v6 ? `fd00:10:244:${idx(n)}::/64` : `10.244.${idx(n)}.0/24`);
const podAddr = (n: NodeName, v6: boolean): string => (v6 ? `fd00:10:244:${idx(n)}::2` : `10.244.${idx(n)}.2`);

describe('iBGP full mesh over a routed underlay: recursive next hops', () => {
  let lab: Lab;
  const nodes = new Map<NodeName, Rackroute>();
  const routers: Peer[] = [];
  let g: Peer;

  const node = (n: NodeName): Rackroute => nodes.get(n)!;

  async function evidence(n: NodeName): Promise<string> {
    const rr = node(n);
    const parts = [`\n===== evidence from ${n} =====`];
    for (const [title, get] of [
      ['neighbors', () => rr.neighbors()],
      ['fib', () => callDaemon(rr.socket, 'fib', {}, 3000)],
      ['stats', () => callDaemon(rr.socket, 'status', {}, 3000)],
      ['ip route', async () => (await lab.exec(n, ['ip', 'route'], { allowFail: true })).stdout],
      ['ip -6 route', async () => (await lab.exec(n, ['ip', '-6', 'route'], { allowFail: true })).stdout],
    ] as const) {
      try {
        const v = await get();
        parts.push(`--- ${title} ---\n${typeof v === 'string' ? v.trimEnd() : JSON.stringify(v)}`);
      } catch (e) {
        parts.push(`--- ${title} --- (failed: ${String(e)})`);
      }
    }
    parts.push(`--- log tail ---\n${rr.logTail(30)}`);
    return parts.join('\n');
  }

  before(async () => {
    lab = await createLab();
    for (const ns of ['r1', 'r2', 'g', ...NODES, ...NODES.map((n) => `p${idx(n)}`)]) {
      await lab.addNamespace(ns);
      await lab.exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    }
    // Underlay links (/31 and /64), no shared L2 between racks.
    await lab.linkNamespaces('r1', 'r2', { v4: ['10.0.0.0', '10.0.0.1', 31], v6: ['fd00:0:12::1', 'fd00:0:12::2', 64] });
    await lab.linkNamespaces('r1', 'n1', { v4: ['10.1.1.0', '10.1.1.1', 31], v6: ['fd00:1:1::1', 'fd00:1:1::2', 64] });
    await lab.linkNamespaces('r2', 'n1', { v4: ['10.1.2.0', '10.1.2.1', 31], v6: ['fd00:1:2::1', 'fd00:1:2::2', 64] });
    await lab.linkNamespaces('r2', 'n2', { v4: ['10.2.2.0', '10.2.2.1', 31], v6: ['fd00:2:2::1', 'fd00:2:2::2', 64] });
    await lab.linkNamespaces('r2', 'n3', { v4: ['10.3.2.0', '10.3.2.1', 31], v6: ['fd00:3:2::1', 'fd00:3:2::2', 64] });
    await lab.linkNamespaces('r2', 'g', { v4: ['10.9.2.0', '10.9.2.1', 31], v6: ['fd00:9:2::1', 'fd00:9:2::2', 64] });
    const route = (ns: string, ...args: string[]): Promise<unknown> => lab.exec(ns, ['ip', ...args]);
    for (const [ns, v4gw, v6gw] of [['n1', '10.1.1.0', 'fd00:1:1::1'], ['n2', '10.2.2.0', 'fd00:2:2::1'], ['n3', '10.3.2.0', 'fd00:3:2::1'], ['g', '10.9.2.0', 'fd00:9:2::1']] as const) {
      await route(ns, 'route', 'add', 'default', 'via', v4gw, 'proto', 'static');
      await route(ns, '-6', 'route', 'add', 'default', 'via', v6gw, 'proto', 'static');
    }
    for (const dst of ['10.2.2.0/31', '10.3.2.0/31', '10.9.2.0/31', '10.1.2.0/31']) await route('r1', 'route', 'add', dst, 'via', '10.0.0.1', 'proto', 'static');
    for (const dst of ['fd00:2:2::/64', 'fd00:3:2::/64', 'fd00:9:2::/64', 'fd00:1:2::/64']) await route('r1', '-6', 'route', 'add', dst, 'via', 'fd00:0:12::2', 'proto', 'static');
    await route('r2', 'route', 'add', '10.1.1.0/31', 'via', '10.0.0.0', 'proto', 'static');
    await route('r2', '-6', 'route', 'add', 'fd00:1:1::/64', 'via', 'fd00:0:12::1', 'proto', 'static');
    // Pods: a namespace per node, veth to the node, the node's end is the pod's gateway.
    for (const n of NODES) {
      const p = `p${idx(n)}`;
      await lab.linkNamespaces(n, p, { v4: [`10.244.${idx(n)}.1`, podAddr(n, false), 24], v6: [`fd00:10:244:${idx(n)}::1`, podAddr(n, true), 64] });
      await route(p, 'route', 'add', 'default', 'via', `10.244.${idx(n)}.1`);
      await route(p, '-6', 'route', 'add', 'default', 'via', `fd00:10:244:${idx(n)}::1`);
      lab.spawnIn(p, [process.execPath, ECHO_JS, 'serve', String(ECHO_PORT)], { logFile: join(lab.dir, `echo-${p}.log`) });
    }
    const speakers = ['r1', 'r2', ...NODES];
    const neighborsOf = (self: string): NeighborConfig[] => speakers.filter((s) => s !== self).flatMap((s) => [
      { address: ADDR[s]![0], asn: ASN, families: ['ipv4' as const], holdTime: 9 },
      { address: ADDR[s]![1], asn: ASN, families: ['ipv6' as const], holdTime: 9 },
    ]);
    for (const r of ['r1', 'r2']) routers.push(await frr.start(lab, r, { routerId: ADDR[r]![0], asn: ASN, neighbors: neighborsOf(r) }));
    g = await gobgp.start(lab, 'g', { routerId: ADDR['g']![0], asn: ASN, neighbors: [{ address: ADDR['n1']![0], asn: ASN, families: ['ipv4'], holdTime: 9 }] });
    await Promise.all(NODES.map(async (n) => {
      const peers: RrPeer[] = speakers.filter((s) => s !== n).flatMap((s) => [0, 1].map((f) => ({
        name: `${s}-${f === 0 ? 'v4' : 'v6'}`, address: ADDR[s]![f]!, asn: 'internal' as const, localAddress: ADDR[n]![f]!,
        families: [f === 0 ? 'ipv4-unicast' as const : 'ipv6-unicast' as const], holdTime: 9, connectRetry: 1,
      })));
      if (n === 'n1') peers.push({ name: 'g-v4', address: ADDR['g']![0], asn: 'internal', localAddress: ADDR['n1']![0], families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1 });
      nodes.set(n, await startRackroute(lab, n, {
        routerId: ADDR[n]![0], asn: ASN, podNetworks: POD_NETWORKS, peers,
        originate: [{ prefix: podCidr(n, false) }, { prefix: podCidr(n, true) }],
      }));
    }));
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('brings the whole mesh to Established over the underlay', async () => {
    for (const n of NODES) {
      const names = (await node(n).neighbors()).map((x) => x.name);
      await waitFor(() => node(n).neighbors(), {
        timeoutMs: 30000, what: `${n}: all of ${names.join(', ')} Established`,
        until: (ns) => ns.every((x) => x.state === 'Established'),
      }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(n)}`));
    }
  });

  it('installs every other node\'s pod CIDRs through the underlay gateway, not the unconnected BGP next hop', async () => {
    const gw: Record<NodeName, [string, string]> = { n1: ['10.1.1.0', 'fd00:1:1::1'], n2: ['10.2.2.0', 'fd00:2:2::1'], n3: ['10.3.2.0', 'fd00:3:2::1'] };
    for (const n of NODES) {
      for (const o of NODES.filter((x) => x !== n)) {
        for (const v6 of [false, true]) {
          const want = [gw[n][v6 ? 1 : 0]];
          await waitFor(() => kernelGateways(lab, n, podCidr(o, v6)), {
            timeoutMs: 15000, what: `${n}: ${podCidr(o, v6)} via ${want[0]} (proto 186)`, until: (gws) => JSON.stringify(gws) === JSON.stringify(want),
          }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(n)}`));
        }
      }
    }
  });

  it('carries pod traffic across racks, IPv4 and IPv6', async () => {
    for (const n of NODES) {
      const targets = NODES.filter((x) => x !== n).flatMap((o) => [podAddr(o, false), podAddr(o, true)]);
      const res = await lab.exec(`p${idx(n)}`, [process.execPath, ECHO_JS, 'probe', String(ECHO_PORT), '5000', ...targets], { timeoutMs: 10000 });
      const rtt = JSON.parse(res.stdout) as Record<string, number | null>;
      const lost = targets.filter((t) => rtt[t] === null || rtt[t] === undefined);
      if (lost.length > 0) assert.fail(`p${idx(n)} got no echo from ${lost.join(', ')}: ${JSON.stringify(rtt)}${await evidence(n)}`);
    }
  });

  it('moves the pod routes when the underlay route under them moves (re-resolution)', async () => {
    await lab.exec('n1', ['ip', 'route', 'replace', 'default', 'via', '10.1.2.0', 'proto', 'static']);
    await lab.exec('n1', ['ip', '-6', 'route', 'replace', 'default', 'via', 'fd00:1:2::1', 'proto', 'static']);
    const t0 = Date.now();
    for (const o of ['n2', 'n3'] as const) {
      for (const v6 of [false, true]) {
        const want = [v6 ? 'fd00:1:2::1' : '10.1.2.0'];
        await waitFor(() => kernelGateways(lab, 'n1', podCidr(o, v6)), {
          timeoutMs: 2000, what: `n1: ${podCidr(o, v6)} moved to ${want[0]}`, until: (gws) => JSON.stringify(gws) === JSON.stringify(want),
        }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence('n1')}`));
      }
    }
    const moved = Date.now() - t0;
    const res = await lab.exec('p1', [process.execPath, ECHO_JS, 'probe', String(ECHO_PORT), '5000', podAddr('n2', false), podAddr('n3', true)], { timeoutMs: 10000 });
    const rtt = JSON.parse(res.stdout) as Record<string, number | null>;
    assert.ok(Object.values(rtt).every((v) => v !== null), `pods unreachable after the move: ${JSON.stringify(rtt)}`);
    assert.ok(moved < 2000, `re-resolution took ${moved} ms`);
  });

  it('keeps a path whose next hop resolves nowhere out of the kernel, counts it, and installs it once the underlay can reach it', async () => {
    // n1's default route would carry anything: an operator's `unreachable` route for 10.77/16
    // is what stops the next hop from resolving (the kernel answers the lookup with it).
    await lab.exec('n1', ['ip', 'route', 'add', 'unreachable', '10.77.0.0/16', 'proto', 'static']);
    await g.announce(FAR_PREFIX, { nextHop: UNRESOLVED_NH });
    const n1 = node('n1');
    const received = await waitFor(async () => (await n1.routes('g-v4'))['g-v4']?.received ?? [], {
      timeoutMs: 10000, what: `n1: ${FAR_PREFIX} received from GoBGP`, until: (rs) => rs.some((r) => r.prefix === FAR_PREFIX),
    });
    const r = received.find((x) => x.prefix === FAR_PREFIX) as unknown as { ineligible?: string };
    await waitFor(async () => ((await n1.routes('g-v4'))['g-v4']?.received.find((x) => x.prefix === FAR_PREFIX) as unknown as { ineligible?: string } | undefined)?.ineligible, {
      timeoutMs: 5000, what: `n1: ${FAR_PREFIX} marked ineligible (first seen: ${JSON.stringify(r)})`, until: (why) => why === 'next hop unreachable',
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence('n1')}`));
    assert.equal(await kernelGateways(lab, 'n1', FAR_PREFIX), null, 'an unresolvable route is not installed');
    const fib = (await callDaemon(n1.socket, 'fib', {}, 3000)) as { nexthopsUnresolved?: number; counters?: { nexthopsUnresolved?: number } };
    const unresolved = fib.counters?.nexthopsUnresolved ?? fib.nexthopsUnresolved;
    assert.ok((unresolved ?? 0) >= 1, `unresolved next hops counted: ${JSON.stringify(fib)}`);
    // The underlay learns a route to it: the path becomes eligible and goes in via that gateway.
    await lab.exec('n1', ['ip', 'route', 'add', '10.77.0.0/24', 'via', '10.1.1.0', 'proto', 'static']);
    await waitFor(() => kernelGateways(lab, 'n1', FAR_PREFIX), {
      timeoutMs: 2000, what: `n1: ${FAR_PREFIX} via 10.1.1.0 once ${UNRESOLVED_NH} resolves`, until: (gws) => JSON.stringify(gws) === '["10.1.1.0"]',
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence('n1')}`));
    await lab.exec('n1', ['ip', 'route', 'del', '10.77.0.0/24', 'via', '10.1.1.0', 'proto', 'static']);
    await waitFor(() => kernelGateways(lab, 'n1', FAR_PREFIX), {
      timeoutMs: 2000, what: `n1: ${FAR_PREFIX} removed when ${UNRESOLVED_NH} stops resolving`, until: (gws) => gws === null,
    }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence('n1')}`));
    for (const n of NODES) assert.equal(node(n).proc.exitStatus(), null, `rackrouted on ${n} exited: ${node(n).logTail()}`);
  });
});
