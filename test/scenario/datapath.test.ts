/**
 * The eBPF datapath (bpf/datapath.c, daemon/datapath/) against the real kernel. Two nodes in
 * different subnets behind a BIRD ToR (graceful restart on), a pod on each; rackrouted on each
 * node learns the other pod CIDR over BGP and attaches the program (tcx) to its uplink and pod
 * veth, with its pins in a per-run directory of the host's bpffs (nsenter --net keeps the
 * host's mounts, so the pins outlive a process as they do under systemd).
 *
 * Checks: mode bpf with every interface attached and the route map holding the learned and the
 * local pod CIDR; pod-to-pod traffic takes the fast path (outcome counters) and the per-prefix
 * byte counter equals the bytes the kernel counted on the pod's interface; a route withdrawn
 * over BGP leaves the map and its traffic goes to the stack; a restart of rackrouted under
 * traffic loses no datagram and keeps the counters; an unsupported device and forced legacy
 * mode are reported with their reasons, and legacy mode detaches the program.
 * Must not: leave namespaces, processes or pins behind (removed in `after`, also on failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, datapathPinDir, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { kernelGateways } from '../support/fabric.js';
import { startRackroute, type Rackroute, type RackrouteConfig } from '../support/rackroute.js';
import { CIDR, LINK, NODE_AS, POD, TOR_AS, buildTwoNodes, startTor, torConfig, type NodeName } from '../support/two-node.js';

const ECHO_JS = fileURLToPath(new URL('../support/pod-echo.js', import.meta.url));
const ECHO_PORT = 7007;
/** IPv6: the ToR session carries IPv4 only; the nodes originate these and static routes cross the ToR. */
const CIDR6 = { n1: 'fd00:244:0:1::/64', n2: 'fd00:244:0:2::/64' } as const;
const POD6 = { n1: 'fd00:244:0:1::2', n2: 'fd00:244:0:2::2' } as const;
const LINK6 = { n1: ['fd00:0:1::1', 'fd00:0:1::2'], n2: ['fd00:0:2::1', 'fd00:0:2::2'] } as const;

interface DpStatus {
  mode: string;
  reason: string;
  attach?: string;
  interfaces: { name: string; role: string; attached: boolean; reason?: string }[];
  routes: number;
  outcomes?: Record<string, number>;
  routeCounters?: { prefix: string; routeId: number; flags: number; packets: number; bytes: number }[];
}

/** Sends `count` UDP datagrams of `size` bytes to host:port, as fast as the socket takes them. */
const BLAST_JS = `
const dgram = require('node:dgram');
const [host, port, count, size] = process.argv.slice(1);
const s = dgram.createSocket('udp4');
const buf = Buffer.alloc(Number(size));
let sent = 0;
function next() {
  if (sent >= Number(count)) return s.close();
  sent++;
  s.send(buf, Number(port), host, next);
}
next();
`;

const BLAST6_JS = BLAST_JS.replace("'udp4'", "'udp6'");

describe('eBPF datapath: fast path, per-route counters, restarts and fallbacks', () => {
  let lab: Lab;
  let torProc: ProcHandle;
  const nodes = new Map<NodeName, Rackroute>();
  const cfgs = new Map<NodeName, RackrouteConfig>();
  const podIf = new Map<NodeName, string>();

  const dp = async (n: NodeName): Promise<DpStatus> => (await callDaemon(nodes.get(n)!.socket, 'datapath', {}, 3000)) as DpStatus;
  const counterOf = async (n: NodeName, prefix: string) => (await dp(n)).routeCounters?.find((c) => c.prefix === prefix);
  const probe = async (from: string, to: string): Promise<number | null> => {
    const res = await lab.exec(from, [process.execPath, ECHO_JS, 'probe', String(ECHO_PORT), '1000', to], { timeoutMs: 6000 });
    return (JSON.parse(res.stdout) as Record<string, number | null>)[to] ?? null;
  };
  const rxBytes = async (n: NodeName): Promise<number> => Number((await lab.exec(n, ['cat', `/sys/class/net/${podIf.get(n)}/statistics/rx_bytes`])).stdout.trim());

  before(async () => {
    lab = await createLab();
    const { uplink, torIf, podIf: pods } = await buildTwoNodes(lab);
    for (const n of ['n1', 'n2'] as const) {
      const p = n === 'n1' ? 'p1' : 'p2';
      podIf.set(n, pods.get(n)!);
      // Only the test's own packets on the pod link: no IPv6 chatter in the byte counts.
      await lab.exec(p, ['sysctl', '-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
      await lab.exec(n, ['sysctl', '-q', '-w', `net.ipv6.conf.${pods.get(n)!}.disable_ipv6=1`]);
    }
    // IPv6 pods (p1b on n1, p2b on n2) on links of their own, and v6 on the ToR links, routed statically.
    for (const n of ['n1', 'n2'] as const) {
      const i = n === 'n1' ? 1 : 2;
      const pb = `p${i}b`;
      await lab.addNamespace(pb);
      await lab.exec(n, ['ip', '-6', 'addr', 'add', `${LINK6[n][1]}/64`, 'dev', uplink.get(n)!, 'nodad']);
      await lab.exec('tor', ['ip', '-6', 'addr', 'add', `${LINK6[n][0]}/64`, 'dev', torIf.get(n)!, 'nodad']);
      await lab.linkNamespaces(n, pb, { v6: [`fd00:244:0:${i}::1`, POD6[n], 64] });
      await lab.exec(pb, ['ip', '-6', 'route', 'add', 'default', 'via', `fd00:244:0:${i}::1`]);
      await lab.exec(n, ['ip', '-6', 'route', 'add', 'default', 'via', LINK6[n][0]]);
      await lab.exec('tor', ['ip', '-6', 'route', 'add', CIDR6[n], 'via', LINK6[n][1]]);
    }
    await lab.exec('tor', ['sysctl', '-q', '-w', 'net.ipv6.conf.all.forwarding=1']);
    torProc = (await startTor(lab, torConfig({ gracefulRestartS: 30 }))).proc;
    for (const n of ['n1', 'n2'] as const) {
      // Removed with the lab (netns.ts cleanup).
      const pinDir = datapathPinDir(lab, n);
      const cfg: RackrouteConfig = {
        routerId: LINK[n][1], asn: NODE_AS[n], podNetworks: ['10.244.0.0/16', 'fd00:244::/48'], originate: [{ prefix: CIDR[n] }, { prefix: CIDR6[n] }],
        peers: [{ name: 'tor', address: LINK[n][0], asn: TOR_AS, localAddress: LINK[n][1], families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1, gracefulRestart: { enabled: true, restartTime: 120 } }],
        // Pod veths: the node-side ends of links made from the node (…l<N>a); uplinks are …l<N>b.
        datapath: { enabled: true, interfaces: [uplink.get(n)!, ...(n === 'n1' ? ['lo'] : [])], podInterfaces: [`${lab.prefix}l*a`], pinDir },
        hostMounts: true,
      };
      cfgs.set(n, cfg);
      nodes.set(n, await startRackroute(lab, n, cfg));
    }
    for (const n of ['n1', 'n2'] as const) await nodes.get(n)!.waitEstablished('tor', 15_000);
    await waitFor(() => kernelGateways(lab, 'n1', CIDR.n2), { timeoutMs: 15000, what: `n1: ${CIDR.n2} in the kernel`, until: (g) => g !== null });
    await waitFor(() => kernelGateways(lab, 'n2', CIDR.n1), { timeoutMs: 15000, what: `n2: ${CIDR.n1} in the kernel`, until: (g) => g !== null });
    for (const p of ['p1', 'p2']) lab.spawnIn(p, [process.execPath, ECHO_JS, 'serve', String(ECHO_PORT)], { logFile: join(lab.dir, `echo-${p}.log`) });
    // Neighbours resolved (and the echo servers up) before anything is counted.
    await waitFor(() => probe('p1', POD.n2), { timeoutMs: 10_000, what: 'p1 -> p2 echo', until: (ms) => ms !== null });
  });

  after(async () => {
    for (const r of nodes.values()) await r.stop().catch(() => undefined);
    await torProc?.stop(0);
    await lab?.cleanup();
  });

  it('runs in bpf mode: uplink and pod veth attached with tcx, learned and local pod CIDRs in the route map', async () => {
    const st = await waitFor(() => dp('n1'), { timeoutMs: 5000, what: 'n1 route map synced', until: (s) => (s.routeCounters ?? []).length === 3 });
    assert.equal(st.mode, 'bpf', st.reason);
    assert.equal(st.attach, 'tcx');
    const ifs = Object.fromEntries(st.interfaces.map((i) => [i.name, i]));
    assert.equal(ifs[podIf.get('n1')!]?.attached, true);
    assert.equal(ifs[podIf.get('n1')!]?.role, 'pod');
    assert.deepEqual((st.routeCounters ?? []).map((c) => [c.prefix, c.flags]), [[CIDR.n1, 2], [CIDR.n2, 0], [CIDR6.n1, 2]]);
    const status = (await callDaemon(nodes.get('n1')!.socket, 'status')) as { datapath: { mode: string } };
    assert.equal(status.datapath.mode, 'bpf');
  });

  it('attaches to a pod veth that appears while it runs', async () => {
    await lab.addNamespace('p3');
    const l = await lab.linkNamespaces('n1', 'p3', { v4: ['10.244.1.65', '10.244.1.66', 26] });
    const st = await waitFor(() => dp('n1'), { timeoutMs: 6000, what: `${l.ifA} attached`, until: (s) => s.interfaces.some((i) => i.name === l.ifA && i.attached) });
    assert.equal(st.interfaces.find((i) => i.name === l.ifA)?.role, 'pod');
    await lab.exec('n1', ['ip', 'link', 'del', l.ifA]);
    await waitFor(() => dp('n1'), { timeoutMs: 6000, what: `${l.ifA} forgotten`, until: (s) => !s.interfaces.some((i) => i.name === l.ifA) });
  });

  it('reports an unsupported device with its reason and leaves it to the stack', async () => {
    const lo = (await dp('n1')).interfaces.find((i) => i.name === 'lo');
    assert.equal(lo?.attached, false);
    assert.match(lo?.reason ?? '', /device type unsupported: ARPHRD 772 \(loopback\)/);
  });

  it('fast-paths pod traffic and counts exactly the bytes the kernel counted on the pod interface', async () => {
    const before1 = await dp('n1');
    const before2 = await dp('n2');
    const c0 = await counterOf('n1', CIDR.n2);
    const rx0 = await rxBytes('n1');
    const N = 5000;
    await lab.exec('p1', [process.execPath, '-e', BLAST_JS, POD.n2, '9999', String(N), '100']);
    await new Promise((r) => setTimeout(r, 1500));
    const c1 = await counterOf('n1', CIDR.n2);
    const rx1 = await rxBytes('n1');
    const after1 = await dp('n1');
    const after2 = await dp('n2');
    const fast = (s: DpStatus, k: string): number => s.outcomes?.[k] ?? 0;
    assert.ok(fast(after1, 'fast:redirect') - fast(before1, 'fast:redirect') >= N, `n1 fast:redirect ${JSON.stringify(after1.outcomes)}`);
    assert.ok(fast(after2, 'fast:redirect-peer') - fast(before2, 'fast:redirect-peer') >= N, `n2 redirect_peer into the pod ${JSON.stringify(after2.outcomes)}`);
    assert.equal((c1?.packets ?? 0) - (c0?.packets ?? 0), N);
    // Both count skb->len (L2 header included) of every packet that came in from the pod.
    assert.equal((c1?.bytes ?? 0) - (c0?.bytes ?? 0), rx1 - rx0);
    assert.equal(rx1 - rx0, N * (100 + 8 + 20 + 14));
    const metrics = await nodes.get('n1')!.http('/metrics');
    assert.match(metrics.body, new RegExp(`rackroute_route_bytes_total\\{prefix="${CIDR.n2.replace(/\./g, '\\.').replace('/', '\\/')}"\\} [1-9]`));
    assert.match(metrics.body, /rackroute_datapath_mode\{mode="bpf",reason="attached with tcx"\} 1/);
  });

  it('a route withdrawn over BGP leaves the route map; its traffic goes to the stack', async () => {
    await nodes.get('n2')!.reload({ ...cfgs.get('n2')!, originate: [] });
    await waitFor(() => dp('n1'), { timeoutMs: 8000, what: `${CIDR.n2} out of n1's route map`, until: (s) => !(s.routeCounters ?? []).some((c) => c.prefix === CIDR.n2) });
    assert.equal(await kernelGateways(lab, 'n1', CIDR.n2), null, 'withdrawn from the kernel too');
    const before = await dp('n1');
    await lab.exec('p1', [process.execPath, '-e', BLAST_JS, POD.n2, '9999', '100', '100']);
    await new Promise((r) => setTimeout(r, 500));
    const after = await dp('n1');
    const d = (k: string): number => (after.outcomes?.[k] ?? 0) - (before.outcomes?.[k] ?? 0);
    assert.equal(d('fast:redirect'), 0, 'nothing fast-pathed');
    assert.ok(d('pass:not-managed') >= 100, `handed to the stack: ${JSON.stringify(after.outcomes)}`);
    await nodes.get('n2')!.reload(cfgs.get('n2')!);
    await waitFor(() => dp('n1'), { timeoutMs: 10000, what: `${CIDR.n2} back in n1's route map`, until: (s) => (s.routeCounters ?? []).some((c) => c.prefix === CIDR.n2) });
  });

  it('restarting rackrouted under traffic loses nothing and keeps the counters', async (t) => {
    const before = await counterOf('n1', CIDR.n2);
    lab.spawnIn('p2', ['iperf3', '-s', '-1', '-p', '5201'], { logFile: join(lab.dir, 'iperf-s.log') });
    await new Promise((r) => setTimeout(r, 500));
    const out = join(lab.dir, 'iperf-c.json');
    const client = lab.spawnIn('p1', ['iperf3', '-c', POD.n2, '-p', '5201', '-u', '-b', '5M', '-l', '1000', '-t', '8', '-J', '--logfile', out]);
    await new Promise((r) => setTimeout(r, 1500));
    const n1 = nodes.get('n1')!;
    await n1.stop();
    nodes.set('n1', await startRackroute(lab, 'n1', cfgs.get('n1')!));
    await nodes.get('n1')!.waitEstablished('tor', 15_000);
    await client.exited;
    const r = JSON.parse(readFileSync(out, 'utf8')) as { end?: { sum?: { lost_packets: number; packets: number } }; error?: string };
    assert.ok(r.end?.sum, `iperf3: ${r.error ?? 'no summary'}`);
    t.diagnostic(`${r.end.sum.lost_packets} of ${r.end.sum.packets} datagrams lost across a restart of rackrouted`);
    assert.equal(r.end.sum.lost_packets, 0);
    const st = await dp('n1');
    assert.equal(st.mode, 'bpf');
    const after = st.routeCounters?.find((c) => c.prefix === CIDR.n2);
    assert.equal(after?.routeId, before?.routeId, 'same route id after the restart');
    assert.ok((after?.packets ?? 0) >= (before?.packets ?? 0) + r.end.sum.packets, `counters kept and counting: ${before?.packets} -> ${after?.packets}\n${readFileSync(nodes.get('n1')!.logFile, 'utf8').split('\n').filter((l) => /datapath\.|daemon\.st|gr\./.test(l)).join('\n')}`);
  });

  it('IPv6: traffic to a local pod CIDR is fast-pathed into the pod and counted', async () => {
    const before = await dp('n2');
    const c0 = (before.routeCounters ?? []).find((c) => c.prefix === CIDR6.n2);
    const N = 1000;
    await lab.exec('p1b', [process.execPath, '-e', BLAST6_JS, POD6.n2, '9999', String(N), '100']);
    await new Promise((r) => setTimeout(r, 1500));
    const after = await dp('n2');
    const c1 = (after.routeCounters ?? []).find((c) => c.prefix === CIDR6.n2);
    assert.ok((c1?.packets ?? 0) - (c0?.packets ?? 0) >= N, `${CIDR6.n2} counted: ${c0?.packets} -> ${c1?.packets}`);
    const d = (k: string): number => (after.outcomes?.[k] ?? 0) - (before.outcomes?.[k] ?? 0);
    assert.ok(d('fast:redirect-peer') + d('fast:redirect-neigh') >= N, `fast path into the pod: ${JSON.stringify(after.outcomes)}`);
  });

  it('forced legacy mode says why and takes the program off the interfaces', async () => {
    const n2 = nodes.get('n2')!;
    await n2.stop();
    const cfg = { ...cfgs.get('n2')!, datapath: { ...cfgs.get('n2')!.datapath, enabled: false } };
    nodes.set('n2', await startRackroute(lab, 'n2', cfg));
    const st = await dp('n2');
    assert.equal(st.mode, 'legacy');
    assert.match(st.reason, /disabled by config/);
    const status = (await callDaemon(nodes.get('n2')!.socket, 'status')) as { datapath: { mode: string; reason: string } };
    assert.equal(status.datapath.mode, 'legacy');
    // Nothing of ours attached: pod traffic still flows, through the stack.
    await nodes.get('n2')!.waitEstablished('tor', 15_000);
    await waitFor(() => probe('p2', POD.n1), { timeoutMs: 10_000, what: 'p2 -> p1 echo through the stack', until: (ms) => ms !== null });
    assert.equal(existsSync(String((cfg.datapath as Record<string, unknown>)['pinDir'])), false, 'links and maps unpinned');
  });
});
