/**
 * Datapath benchmark (`npm run bench -- --only datapath`): iperf3 pod to pod across a router in
 * one run, every mode interleaved in each repetition so drifts of this shared VM hit them alike.
 * Two nodes in different subnets behind a BIRD ToR, a pod on each, rackrouted on each node with
 * its datapath attached (tcx). Modes:
 *   host       node to node (the underlay: the ceiling)
 *   stack      pod to pod, native routing through the kernel stack (datapath.noFastPath over the
 *              pod networks: the program counts and hands every packet to the stack)
 *   bpf        pod to pod, native routing with the BPF fast path
 *   vxlan      pod to pod through a VXLAN overlay between the nodes (MTU 1450)
 *   stack+ct / bpf+ct   the same with a kube-proxy-like nftables forward chain and conntrack
 * Tests: TCP 1 stream, TCP 4 streams (Mbit/s), UDP 64-byte payload (received kpps).
 * Output: a table on stdout and test/bench/results/datapath-<time>.json.
 * Must not: leave namespaces, processes or pins behind.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, datapathPinDir, waitFor, type Lab } from '../support/netns.js';
import { startRackroute, type Rackroute, type RackrouteConfig } from '../support/rackroute.js';
import { kernelGateways } from '../support/fabric.js';
import { CIDR, LINK, NODE_AS, POD, TOR_AS, buildTwoNodes, startTor, torConfig } from '../support/two-node.js';

const REPS = Number(process.env['RR_BENCH_REPS'] ?? 3);
const SECONDS = Number(process.env['RR_BENCH_SECONDS'] ?? 5);
const MODES = ['host', 'stack', 'bpf', 'vxlan', 'stack+ct', 'bpf+ct'] as const;
const TESTS = ['tcp1', 'tcp4', 'udp64'] as const;
type Mode = (typeof MODES)[number];
type Test = (typeof TESTS)[number];

/** A kube-proxy-like forward chain: conntrack INVALID drop, 20 service-ish rules, ESTABLISHED accept. */
function nftRules(): string {
  const rules = Array.from({ length: 20 }, (_, i) => `    ip daddr 10.96.${i}.${i + 1} tcp dport ${8000 + i} counter accept`);
  return ['table inet rrbench {', '  chain forward {', '    type filter hook forward priority 0; policy accept;', '    ct state invalid counter drop', ...rules, '    ct state established,related counter accept', '  }', '}', ''].join('\n');
}

async function main(): Promise<void> {
  const lab: Lab = await createLab();
  const nodes = new Map<'n1' | 'n2', Rackroute>();
  const cfgs = new Map<'n1' | 'n2', RackrouteConfig>();
  try {
    const { uplink, podIf } = await buildTwoNodes(lab);
    // Host to host across the ToR (the underlay; BGP carries only pod CIDRs).
    await lab.exec('n1', ['ip', 'route', 'add', '10.0.2.0/31', 'via', LINK.n1[0]]);
    await lab.exec('n2', ['ip', 'route', 'add', '10.0.1.0/31', 'via', LINK.n2[0]]);
    // The ToR forwards between the racks: what it learns goes into its kernel.
    await startTor(lab, torConfig());
    for (const n of ['n1', 'n2'] as const) {
      const pinDir = datapathPinDir(lab, n);
      const cfg: RackrouteConfig = {
        routerId: LINK[n][1], asn: NODE_AS[n], podNetworks: ['10.244.0.0/16'], originate: [{ prefix: CIDR[n] }], logLevel: 'info',
        peers: [{ name: 'tor', address: LINK[n][0], asn: TOR_AS, localAddress: LINK[n][1], families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1 }],
        datapath: { enabled: true, interfaces: [uplink.get(n)!], podInterfaces: [podIf.get(n)!], pinDir },
        hostMounts: true,
      };
      cfgs.set(n, cfg);
      nodes.set(n, await startRackroute(lab, n, cfg));
    }
    for (const n of ['n1', 'n2'] as const) await nodes.get(n)!.waitEstablished('tor', 15000);
    await waitFor(() => kernelGateways(lab, 'n1', CIDR.n2), { timeoutMs: 15000, what: 'n1 route', until: (g) => g !== null });
    await waitFor(() => kernelGateways(lab, 'n2', CIDR.n1), { timeoutMs: 15000, what: 'n2 route', until: (g) => g !== null });
    // VXLAN between the nodes; pod traffic goes into it by policy routing (table 250) in vxlan mode.
    await lab.exec('n1', ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', LINK.n1[1], 'remote', LINK.n2[1], 'dstport', '4789', 'dev', uplink.get('n1')!]);
    await lab.exec('n2', ['ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '42', 'local', LINK.n2[1], 'remote', LINK.n1[1], 'dstport', '4789', 'dev', uplink.get('n2')!]);
    for (const [n, a, other, gw] of [['n1', '10.250.0.1/24', CIDR.n2, '10.250.0.2'], ['n2', '10.250.0.2/24', CIDR.n1, '10.250.0.1']] as const) {
      await lab.exec(n, ['ip', 'link', 'set', 'vx0', 'mtu', '1450', 'up']);
      await lab.exec(n, ['ip', 'addr', 'add', a, 'dev', 'vx0']);
      await lab.exec(n, ['ip', 'route', 'add', other, 'via', gw, 'dev', 'vx0', 'table', '250']);
    }

    const setMode = async (m: Mode): Promise<void> => {
      const stack = m === 'stack' || m === 'stack+ct' || m === 'vxlan';
      for (const n of ['n1', 'n2'] as const) {
        const c = cfgs.get(n)!;
        await nodes.get(n)!.reload({ ...c, datapath: { ...c.datapath, noFastPath: stack ? ['10.244.0.0/16'] : [] } });
        await lab.exec(n, ['ip', 'rule', 'del', 'priority', '100'], { allowFail: true });
        if (m === 'vxlan') await lab.exec(n, ['ip', 'rule', 'add', 'from', n === 'n1' ? POD.n1 : POD.n2, 'table', '250', 'priority', '100']);
        await lab.exec(n, ['nft', 'delete', 'table', 'inet', 'rrbench'], { allowFail: true });
        if (m.endsWith('+ct')) {
          const f = join(lab.dir, 'rrbench.nft');
          writeFileSync(f, nftRules());
          await lab.exec(n, ['nft', '-f', f]);
        }
      }
      await new Promise((r) => setTimeout(r, 1500)); // the route maps follow within a second
    };
    const run = async (m: Mode, t: Test): Promise<number> => {
      const [from, to, addr] = m === 'host' ? ['n1', 'n2', LINK.n2[1]] : ['p1', 'p2', POD.n2];
      const srv = lab.spawnIn(to, ['iperf3', '-s', '-1', '-p', '5401']);
      await new Promise((r) => setTimeout(r, 300));
      const args = t === 'udp64' ? ['-u', '-l', '64', '-b', '0'] : t === 'tcp4' ? ['-P', '4'] : [];
      const res = await lab.exec(from, ['iperf3', '-c', addr, '-p', '5401', '-t', String(SECONDS), '-O', '1', '-J', ...args], { allowFail: true, timeoutMs: SECONDS * 1000 + 20000 });
      await srv.stop(500);
      const j = JSON.parse(res.stdout || '{}') as { error?: string; end?: { sum_received?: { bits_per_second: number }; sum?: { packets: number; lost_packets: number; seconds: number } } };
      if (j.error || !res.stdout) process.stderr.write(`${m} ${t}: iperf3: ${j.error ?? res.stderr}\n`);
      if (t === 'udp64') {
        const s = j.end?.sum;
        return s ? Math.round((s.packets - s.lost_packets) / s.seconds / 100) / 10 : 0;
      }
      return Math.round((j.end?.sum_received?.bits_per_second ?? 0) / 1e6);
    };
    const results: Record<string, number[]> = {};
    for (let rep = 0; rep < REPS; rep++) {
      for (const m of MODES) {
        await setMode(m);
        for (const t of TESTS) {
          const v = await run(m, t);
          (results[`${m} ${t}`] ??= []).push(v);
          process.stderr.write(`rep ${rep + 1}/${REPS} ${m} ${t}: ${v}\n`);
        }
      }
    }
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : ((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2);
    };
    const med = (m: Mode, t: Test): number => median(results[`${m} ${t}`] ?? [0]);
    const lines = ['| mode | TCP 1 stream Mbit/s | vs host | TCP 4 streams Mbit/s | vs host | UDP 64 B kpps | vs host |', '|---|---|---|---|---|---|---|'];
    for (const m of MODES) {
      const cells = TESTS.flatMap((t) => [String(med(m, t)), (med(m, t) / Math.max(1e-9, med('host', t))).toFixed(2)]);
      lines.push(`| ${m} | ${cells.join(' | ')} |`);
    }
    // Paired: the two modes of one repetition ran back to back, so a slow stretch of the VM hits both.
    const paired = (a: Mode, b: Mode, t: Test): string => {
      const xs = (results[`${a} ${t}`] ?? []).map((v, i) => v / Math.max(1e-9, results[`${b} ${t}`]?.[i] ?? 0));
      return `${median(xs).toFixed(2)} (${xs.map((x) => x.toFixed(2)).join(' ')})`;
    };
    const ratios = TESTS.map((t) => `${t}: bpf/stack ${paired('bpf', 'stack', t)}, bpf+ct/stack+ct ${paired('bpf+ct', 'stack+ct', t)}, stack/host ${paired('stack', 'host', t)}, bpf/host ${paired('bpf', 'host', t)}`);
    const out = `${lines.join('\n')}\n\nmedians of ${REPS} interleaved repetitions, ${SECONDS} s each (first second omitted); paired ratios, median (per repetition):\n${ratios.join('\n')}\n`;
    process.stdout.write(out);
    const resultsDir = fileURLToPath(new URL('../../../test/bench/results/', import.meta.url));
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, `datapath-${new Date().toISOString().replace(/[:.]/g, '-')}.json`), JSON.stringify({ reps: REPS, seconds: SECONDS, results }, null, 1));
  } finally {
    for (const r of nodes.values()) await r.stop().catch(() => undefined);
    await lab.cleanup();
  }
}

await main();
