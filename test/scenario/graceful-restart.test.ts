/**
 * Graceful restart (RFC 4724 / RFC 8538) with real traffic: two nodes running rackrouted under a
 * BIRD ToR with graceful restart on, a pod on each, UDP streams both ways between the pods
 * (iperf3, counting lost datagrams). rackrouted on node 1 is killed (SIGKILL) and stopped
 * (SIGTERM) and started again, several times, while the streams run: BIRD keeps node 1's pod
 * route as a helper, node 1's kernel keeps its routes, the restarted daemon adopts them, sends
 * the Restart State bit and sweeps only after End-of-RIB. Then the ToR's BIRD is killed for
 * good: node 2 keeps BIRD's routes (stale) and traffic flows through the ToR's kernel until
 * BIRD's restart time runs out, then the stale routes go.
 * RR_GR_RESTARTS (default 3) sets how many restarts of each kind; the benchmark uses 20.
 * Input: the lab harness, BIRD, iperf3 and rackrouted (dist). Output: pass/fail + loss figures.
 * Must not: leave namespaces or processes behind (lab cleanup in `after`, also on failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { kernelGateways } from '../support/fabric.js';
import { startRackroute, type Rackroute } from '../support/rackroute.js';
import { CIDR, LINK, NODE_AS, POD, TOR_AS, buildTwoNodes, startTor, torConfig, type NodeName } from '../support/two-node.js';

const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'daemon', 'main.js');
const RESTARTS = Number(process.env['RR_GR_RESTARTS'] ?? 3);
const BIRD_RESTART_S = 6;

describe('graceful restart: pods keep talking while rackrouted and the ToR restart', () => {
  let lab: Lab;
  let torProc: ProcHandle;
  const nodes = new Map<NodeName, Rackroute>();
  /** The running rackrouted of node 1 (replaced on every restart). */
  let n1Proc: ProcHandle;

  async function established(n: NodeName): Promise<void> {
    await waitFor(async () => ((await callDaemon(nodes.get(n)!.socket, 'neighbors', {}, 2000)) as { neighbors: { state: string }[] }).neighbors, {
      timeoutMs: 15000, what: `${n}: session to the ToR Established`, until: (ns) => ns.every((x) => x.state === 'Established'),
    });
  }

  async function restartComplete(n: NodeName): Promise<void> {
    await waitFor(async () => (await callDaemon(nodes.get(n)!.socket, 'status', {}, 2000)) as { restarting?: boolean }, {
      timeoutMs: 15000, what: `${n}: graceful restart complete`, until: (st) => st.restarting === false,
    });
  }

  function logOf(n: NodeName): string {
    try {
      return readFileSync(nodes.get(n)!.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  before(async () => {
    lab = await createLab();
    await buildTwoNodes(lab);
    // BIRD as the ToR: graceful restart on, routes exported to its kernel and kept there if BIRD dies.
    torProc = (await startTor(lab, torConfig({ gracefulRestartS: BIRD_RESTART_S }))).proc;
    for (const n of ['n1', 'n2'] as const) {
      nodes.set(n, await startRackroute(lab, n, {
        routerId: LINK[n][1], asn: NODE_AS[n], podNetworks: ['10.244.0.0/16'], originate: [{ prefix: CIDR[n] }],
        peers: [{ name: 'tor', address: LINK[n][0], asn: TOR_AS, localAddress: LINK[n][1], families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1, gracefulRestart: { enabled: true, restartTime: 120 } }],
      }));
    }
    n1Proc = nodes.get('n1')!.proc;
    for (const n of ['n1', 'n2'] as const) await established(n);
    await waitFor(() => kernelGateways(lab, 'n1', CIDR.n2), { timeoutMs: 15000, what: `n1: ${CIDR.n2} in the kernel`, until: (g) => g !== null });
    await waitFor(() => kernelGateways(lab, 'n2', CIDR.n1), { timeoutMs: 15000, what: `n2: ${CIDR.n1} in the kernel`, until: (g) => g !== null });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it(`loses no datagram while rackrouted is killed and stopped ${RESTARTS} times each`, async (t) => {
    // Streams both ways: p1 -> p2 uses node 1's kernel route (kept by rackrouted), p2 -> p1 uses
    // the ToR's route to node 1's pod (kept by BIRD as a GR helper).
    const seconds = 8 + RESTARTS * 2 * 4;
    for (const p of ['p1', 'p2']) lab.spawnIn(p, ['iperf3', '-s', '-1', '-p', '5201'], { logFile: join(lab.dir, `iperf-s-${p}.log`) });
    await new Promise((r) => setTimeout(r, 500));
    const clients = (['p1', 'p2'] as const).map((p) => {
      const to = p === 'p1' ? POD.n2 : POD.n1;
      const out = join(lab.dir, `iperf-c-${p}.json`);
      return { p, out, proc: lab.spawnIn(p, ['iperf3', '-c', to, '-p', '5201', '-u', '-b', '2M', '-l', '1000', '-t', String(seconds), '-J', '--logfile', out]) };
    });
    await new Promise((r) => setTimeout(r, 1500));
    const kinds = [...Array(RESTARTS).fill('SIGKILL'), ...Array(RESTARTS).fill('SIGTERM')] as NodeJS.Signals[];
    const n1 = nodes.get('n1')!;
    for (const sig of kinds) {
      process.kill(n1Proc.pid, sig);
      await n1Proc.exited;
      n1Proc = lab.spawnIn('n1', [process.execPath, MAIN_JS, '--config', n1.configFile], { logFile: n1.logFile });
      (n1 as { proc: ProcHandle }).proc = n1Proc;
      await waitFor(() => callDaemon(n1.socket, 'status', {}, 1000), { timeoutMs: 10000, what: 'restarted rackrouted to answer' });
      await established('n1');
      await restartComplete('n1');
      assert.deepEqual(await kernelGateways(lab, 'n1', CIDR.n2), [LINK.n1[0]], `after ${sig}: n1's route to ${CIDR.n2}`);
    }
    const log = logOf('n1');
    assert.ok(log.includes('"event":"gr.restarting"'), 'the restarted daemon knew it was restarting (routes adopted)');
    assert.ok(log.includes('"reason":"end-of-rib"'), 'restart completed on End-of-RIB, not the deadline');
    for (const c of clients) {
      await c.proc.exited;
      const r = JSON.parse(readFileSync(c.out, 'utf8')) as { end?: { sum?: { lost_packets: number; packets: number } }; error?: string };
      assert.ok(r.end?.sum, `iperf3 from ${c.p}: ${r.error ?? 'no summary'}`);
      t.diagnostic(`${c.p}: ${r.end.sum.lost_packets} of ${r.end.sum.packets} datagrams lost over ${RESTARTS} SIGKILL + ${RESTARTS} SIGTERM restarts`);
      assert.equal(r.end.sum.lost_packets, 0, `${c.p}: datagrams lost`);
    }
    // Afterwards the kernel holds exactly what the RIB says: one route of ours, via the ToR.
    const ours = (await lab.exec('n1', ['ip', '-4', 'route', 'show', 'proto', '186'])).stdout.trim().split('\n').filter(Boolean);
    assert.equal(ours.length, 1, `n1 kernel routes of ours: ${ours.join(' | ')}`);
  });

  it('keeps a dead ToR\'s routes (stale) for its restart time, traffic still flowing, then removes them', async (t) => {
    const n2 = nodes.get('n2')!;
    const t0 = Date.now();
    process.kill(torProc.pid, 'SIGKILL');
    await torProc.exited;
    // The ToR's kernel still forwards (BIRD's routes persist); node 2 keeps its route through it.
    await waitFor(async () => ((await callDaemon(n2.socket, 'neighbors', {}, 2000)) as { neighbors: { state: string }[] }).neighbors, {
      timeoutMs: 15000, what: 'n2: session to the dead ToR down', until: (ns) => ns.every((x) => x.state !== 'Established'),
    });
    assert.deepEqual(await kernelGateways(lab, 'n2', CIDR.n1), [LINK.n2[0]], 'stale route kept while the ToR restarts');
    // Pod traffic toward node 1 still crosses the headless ToR on the stale route.
    lab.spawnIn('p1', ['iperf3', '-s', '-1', '-p', '5202'], { logFile: join(lab.dir, 'iperf-s2.log') });
    await new Promise((r) => setTimeout(r, 300));
    const res = await lab.exec('p2', ['iperf3', '-c', POD.n1, '-p', '5202', '-u', '-b', '1M', '-l', '1000', '-t', '1', '-J'], { allowFail: true, timeoutMs: 10000 });
    const sum = (JSON.parse(res.stdout || '{}') as { end?: { sum?: { lost_packets: number; packets: number } } }).end?.sum;
    assert.ok(sum && sum.packets > 0 && sum.lost_packets === 0, `p2 -> p1 through the headless ToR: ${res.stdout.slice(0, 300)}`);
    await waitFor(() => kernelGateways(lab, 'n2', CIDR.n1), { timeoutMs: BIRD_RESTART_S * 1000 + 5000, what: `n2: stale ${CIDR.n1} removed after the ToR's restart time`, until: (g) => g === null });
    const kept = Date.now() - t0;
    t.diagnostic(`stale routes kept ${kept} ms (ToR restart time ${BIRD_RESTART_S} s)`);
    assert.ok(kept >= BIRD_RESTART_S * 1000 - 500, `stale routes went after ${kept} ms, before the ${BIRD_RESTART_S} s restart time`);
  });
});
