/**
 * The small two-rack lab shared by the graceful-restart and datapath scenarios and the datapath
 * benchmark: a ToR namespace running BIRD, two nodes (n1, n2) each on its own /31 below it, and
 * a pod namespace per node (p1, p2) on a veth with a /24 of the node's pod CIDR. The nodes reach
 * each other only through the ToR (no shared L2). rackrouted is started by the caller.
 * Input: a lab from netns.ts. Output: interface names and the ToR's BIRD. Test support only.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab, ProcHandle } from './netns.js';
import * as bird from './peers/bird.js';

export type NodeName = 'n1' | 'n2';
export const TWO_NODES: readonly NodeName[] = ['n1', 'n2'];
export const TOR_AS = 65100;
export const POD = { n1: '10.244.1.2', n2: '10.244.2.2' } as const;
export const CIDR = { n1: '10.244.1.0/24', n2: '10.244.2.0/24' } as const;
/** Each node's /31 to the ToR: [ToR end, node end]. */
export const LINK = { n1: ['10.0.1.0', '10.0.1.1'], n2: ['10.0.2.0', '10.0.2.1'] } as const;
/** The nodes' AS numbers (one each: eBGP to the ToR). */
export const NODE_AS = { n1: 4200000001, n2: 4200000002 } as const;

export interface TwoNodes {
  /** Node side of each node's link to the ToR. */
  uplink: Map<NodeName, string>;
  /** ToR side of each node's link. */
  torIf: Map<NodeName, string>;
  /** Node side of each node's pod veth. */
  podIf: Map<NodeName, string>;
}

/** Namespaces tor, n1, n2, p1, p2 with forwarding on, rp_filter off, links and pod default routes. */
export async function buildTwoNodes(lab: Lab): Promise<TwoNodes> {
  for (const ns of ['tor', 'n1', 'n2', 'p1', 'p2']) {
    await lab.addNamespace(ns);
    await lab.exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.ip_forward=1']);
  }
  const out: TwoNodes = { uplink: new Map(), torIf: new Map(), podIf: new Map() };
  for (const n of TWO_NODES) {
    const l = await lab.linkNamespaces('tor', n, { v4: [LINK[n][0], LINK[n][1], 31] });
    out.uplink.set(n, l.ifB);
    out.torIf.set(n, l.ifA);
    const p = n === 'n1' ? 'p1' : 'p2';
    const i = n === 'n1' ? 1 : 2;
    const pl = await lab.linkNamespaces(n, p, { v4: [`10.244.${i}.1`, POD[n], 24] });
    out.podIf.set(n, pl.ifA);
    await lab.exec(p, ['ip', 'route', 'add', 'default', 'via', `10.244.${i}.1`]);
  }
  return out;
}

/**
 * The ToR's BIRD config: eBGP to both nodes, what it learns exported to its kernel (it forwards
 * between the racks); with gracefulRestartS, graceful restart on and the kernel routes kept
 * (`persist`) if BIRD dies.
 */
export function torConfig(opts: { gracefulRestartS?: number } = {}): string {
  const base = bird.renderConfig({
    routerId: '10.0.0.100', asn: TOR_AS, exportLearned: true,
    neighbors: TWO_NODES.map((n) => ({ address: LINK[n][1], asn: NODE_AS[n], holdTime: 9 })),
  }, []);
  const gr = opts.gracefulRestartS;
  const lines = base.trimEnd().split('\n').map((l) => (gr !== undefined && /^\s+local as /.test(l) ? `${l}\n  graceful restart on; graceful restart time ${gr};` : l));
  lines.push(`protocol kernel kern4 { ipv4 { import none; export where source = RTS_BGP; };${gr !== undefined ? ' persist;' : ''} }`);
  return `${lines.join('\n')}\n`;
}

/** Writes the config into the lab dir and starts BIRD in the ToR namespace. */
export async function startTor(lab: Lab, conf: string): Promise<{ proc: ProcHandle; dir: string }> {
  const dir = join(lab.dir, 'bird-tor');
  await lab.exec('tor', ['mkdir', '-p', dir]);
  writeFileSync(join(dir, 'bird.conf'), conf);
  const proc = lab.spawnIn('tor', ['bird', '-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')], { logFile: join(dir, 'bird.log') });
  return { proc, dir };
}
