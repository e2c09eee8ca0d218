/**
 * iBGP route reflection (RFC 4456) between rackrouted nodes, with no shared L2: one reflector
 * node (AS 65010, cluster id 10.255.0.1, node.exportLearned on) and three client nodes, each on
 * its own point-to-point veth (/31 + /64) to the reflector and peering only with it (one session
 * per transport family; both sides connect, so connection collisions happen and must resolve). Each client originates
 * its pod CIDRs (10.244.N.0/24, fd00:10:244:N::/64).
 * Checks that every client learns every other client's pod CIDRs through the reflector with
 * ORIGINATOR_ID = the originating client's router id and CLUSTER_LIST = [the reflector's cluster
 * id]; that the reflected routes keep the originator's next hop even with nextHopSelf on the
 * reflector's client sessions (RFC 4456 §10, daemon/rib/export.ts); that the clients therefore do
 * not install them (that next hop is not directly connected); and that the reflector, which is
 * directly connected to every client, installs all of them via the clients.
 * Input: the lab harness and rackrouted (dist). Output: pass/fail plus diagnostics.
 * Must not: leave namespaces or processes behind (lab cleanup in `after`, also on failure).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { kernelGateways } from '../support/fabric.js';
import { renderConfig, type RackrouteConfig, type RrNeighbor, type RrPeer, type RrPeerRoutes } from '../support/rackroute.js';

const MAIN_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'daemon', 'main.js');
const ASN = 65010;
const RR_ID = '192.0.2.10';
const CLUSTER_ID = '10.255.0.1';
const CLIENTS = [1, 2, 3] as const;
type Client = (typeof CLIENTS)[number];
const POD_NETWORKS = ['10.244.0.0/16', 'fd00:10:244::/48'];
const FAMS = ['v4', 'v6'] as const;
type Fam = (typeof FAMS)[number];

const clientNs = (c: Client): string => `c${c}`;
const clientId = (c: Client): string => `192.0.2.${c}`;
const podCidr = (c: Client, fam: Fam): string => (fam === 'v4' ? `10.244.${c}.0/24` : `fd00:10:244:${c}::/64`);
/** [reflector side, client side] of the reflector-client link. */
const linkAddr = (c: Client, fam: Fam): [string, string] => (fam === 'v4' ? [`10.0.${c}.0`, `10.0.${c}.1`] : [`fd00:0:${c}::1`, `fd00:0:${c}::2`]);
const famName = (fam: Fam): 'ipv4-unicast' | 'ipv6-unicast' => (fam === 'v4' ? 'ipv4-unicast' : 'ipv6-unicast');

/** RrPeer plus the route-reflection keys, which renderConfig passes straight into the YAML. */
type RrPeerRR = RrPeer & { routeReflectorClient?: boolean; nextHopSelf?: boolean };

interface Node {
  ns: string;
  socket: string;
  logFile: string;
  proc: ProcHandle;
}

/**
 * rackrouted with extra `node` keys (clusterId, exportLearned) that test/support/rackroute.ts
 * does not render: same layout as startRackroute, config patched before the start.
 */
async function startNode(lab: Lab, ns: string, cfg: RackrouteConfig, nodeExtra: Record<string, unknown>): Promise<Node> {
  const dir = join(lab.dir, `rackroute-${ns}`);
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  const socket = join(dir, 'rackroute.sock');
  const logFile = join(dir, 'rackrouted.log');
  const doc = parse(renderConfig(cfg, socket)) as { node: Record<string, unknown> };
  Object.assign(doc.node, nodeExtra);
  writeFileSync(configFile, stringify(doc));
  const proc = lab.spawnIn(ns, [process.execPath, MAIN_JS, '--config', configFile], { logFile });
  const node = { ns, socket, logFile, proc };
  await waitFor(async () => {
    if (proc.exitStatus() !== null) throw new Error(`rackrouted exited ${proc.exitStatus()}: ${logTail(node)}`);
    return callDaemon(socket, 'status', {}, 2000);
  }, { timeoutMs: 10000, what: `rackrouted in ${ns} to answer on ${socket}` });
  return node;
}

function logTail(n: Node, lines = 30): string {
  try {
    return readFileSync(n.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function neighbors(n: Node): Promise<RrNeighbor[]> {
  return ((await callDaemon(n.socket, 'neighbors')) as { neighbors: RrNeighbor[] }).neighbors;
}

async function routes(n: Node, peer: string): Promise<RrPeerRoutes | undefined> {
  return ((await callDaemon(n.socket, 'routes', { peer })) as Record<string, RrPeerRoutes>)[peer];
}

async function evidence(lab: Lab, n: Node): Promise<string> {
  const parts = [`\n===== evidence from ${n.ns} (log ${n.logFile}) =====`];
  for (const [title, get] of [
    ['rib', () => callDaemon(n.socket, 'rib', {}, 3000)],
    ['fib', () => callDaemon(n.socket, 'fib', {}, 3000)],
    ['ip route', async () => (await lab.exec(n.ns, ['ip', 'route'], { allowFail: true })).stdout],
    ['ip -6 route', async () => (await lab.exec(n.ns, ['ip', '-6', 'route'], { allowFail: true })).stdout],
  ] as const) {
    try {
      const v = await get();
      parts.push(`--- ${title} ---\n${typeof v === 'string' ? v.trimEnd() : JSON.stringify(v)}`);
    } catch (e) {
      parts.push(`--- ${title} --- (failed: ${String(e)})`);
    }
  }
  parts.push(`--- log tail ---\n${logTail(n)}`);
  return parts.join('\n');
}

function reflectorConfig(): RackrouteConfig {
  const peers: RrPeerRR[] = CLIENTS.flatMap((c) => FAMS.map((fam) => ({
    name: `c${c}-${fam}`, address: linkAddr(c, fam)[1], asn: 'internal' as const, localAddress: linkAddr(c, fam)[0],
    families: [famName(fam)], holdTime: 3, connectRetry: 1, routeReflectorClient: true, nextHopSelf: true,
    // Both sides connect: collisions happen here and must resolve (this once left a session
    // stuck in Active: a promoted second FSM kept its passive flag).
    passive: false,
  })));
  return { routerId: RR_ID, asn: ASN, podNetworks: POD_NETWORKS, peers, originate: [], logLevel: 'debug' };
}

function clientConfig(c: Client): RackrouteConfig {
  const peers: RrPeer[] = FAMS.map((fam) => ({
    name: `rr-${fam}`, address: linkAddr(c, fam)[0], asn: 'internal' as const, localAddress: linkAddr(c, fam)[1],
    families: [famName(fam)], holdTime: 3, connectRetry: 1,
  }));
  return {
    routerId: clientId(c), asn: ASN, podNetworks: POD_NETWORKS, peers, logLevel: 'debug',
    originate: [{ prefix: podCidr(c, 'v4') }, { prefix: podCidr(c, 'v6') }],
  };
}

describe('iBGP route reflector: one rackrouted reflector, three rackrouted clients, point-to-point links', () => {
  let lab: Lab | undefined;
  let rr: Node;
  const clients = new Map<Client, Node>();

  before(async () => {
    lab = await createLab();
    for (const ns of ['rr', ...CLIENTS.map(clientNs)]) {
      await lab.addNamespace(ns);
      await lab.exec(ns, ['sysctl', '-q', '-w', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
    }
    for (const c of CLIENTS) {
      const [v4a, v4b] = linkAddr(c, 'v4');
      const [v6a, v6b] = linkAddr(c, 'v6');
      await lab.linkNamespaces('rr', clientNs(c), { v4: [v4a, v4b, 31], v6: [v6a, v6b, 64] });
    }
    const l = lab;
    const [r, ...cs] = await Promise.all([
      startNode(l, 'rr', reflectorConfig(), { clusterId: CLUSTER_ID, exportLearned: true }),
      ...CLIENTS.map((c) => startNode(l, clientNs(c), clientConfig(c), {})),
    ]);
    rr = r!;
    CLIENTS.forEach((c, i) => clients.set(c, cs[i]!));
  });

  after(async () => {
    await lab?.cleanup();
  });

  const client = (c: Client): Node => clients.get(c)!;

  it('brings every client session to Established on both sides', async () => {
    const want = (n: Node, names: string[]) => waitFor(() => neighbors(n), {
      timeoutMs: 20000, what: `${n.ns}: ${names.join(', ')} Established`,
      until: (ns) => names.every((name) => ns.find((x) => x.name === name)?.state === 'Established'),
    });
    await want(rr, CLIENTS.flatMap((c) => FAMS.map((f) => `c${c}-${f}`))).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(lab!, rr)}`));
    for (const c of CLIENTS) await want(client(c), ['rr-v4', 'rr-v6']).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(lab!, client(c))}`));
  });

  it('reflects every client\'s pod CIDRs to every other client with ORIGINATOR_ID and CLUSTER_LIST', async (t) => {
    for (const c of CLIENTS) {
      for (const fam of FAMS) {
        const others = CLIENTS.filter((o) => o !== c);
        const want = others.map((o) => podCidr(o, fam));
        const got = await waitFor(async () => (await routes(client(c), `rr-${fam}`))?.received ?? [], {
          timeoutMs: 15000, what: `c${c}: ${want.join(', ')} received from the reflector on rr-${fam}`,
          until: (rs) => want.every((p) => rs.some((r) => r.prefix === p)),
        }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(lab!, client(c))}`));
        // Split horizon at the reflector: a client never gets its own prefix back.
        assert.equal(got.find((r) => r.prefix === podCidr(c, fam)), undefined, `c${c} got its own ${podCidr(c, fam)} back: ${JSON.stringify(got)}`);
        for (const o of others) {
          const r = got.find((x) => x.prefix === podCidr(o, fam))!;
          assert.equal(r.attrs.originatorId, clientId(o), `c${c}: ${r.prefix} ORIGINATOR_ID: ${JSON.stringify(r)}`);
          assert.deepEqual(r.attrs.clusterList, [CLUSTER_ID], `c${c}: ${r.prefix} CLUSTER_LIST: ${JSON.stringify(r)}`);
          assert.equal(r.attrs.asPath ?? '', '', `c${c}: ${r.prefix} AS_PATH stays empty inside the AS: ${JSON.stringify(r)}`);
          assert.equal(r.attrs.localPref, 100, `c${c}: ${r.prefix} LOCAL_PREF: ${JSON.stringify(r)}`);
        }
        if (c === 1) t.diagnostic(`c1 on rr-${fam}: ${JSON.stringify(got.map((r) => ({ prefix: r.prefix, nh: r.mpNextHop ?? r.attrs.nextHop, originatorId: r.attrs.originatorId, clusterList: r.attrs.clusterList })))}`);
      }
    }
  });

  it('keeps the originating client\'s next hop on reflected routes although nextHopSelf is set (RFC 4456 §10)', async () => {
    for (const c of CLIENTS) {
      for (const fam of FAMS) {
        const got = (await routes(client(c), `rr-${fam}`))?.received ?? [];
        for (const o of CLIENTS.filter((x) => x !== c)) {
          const r = got.find((x) => x.prefix === podCidr(o, fam));
          assert.ok(r, `c${c}: ${podCidr(o, fam)} missing on rr-${fam}`);
          const nh = r.mpNextHop ?? r.attrs.nextHop ?? '';
          assert.ok(nh.split(/[ ,]+/).includes(linkAddr(o, fam)[1]), `c${c}: ${r.prefix} next hop ${nh}, want c${o}'s own ${linkAddr(o, fam)[1]} (not the reflector's ${linkAddr(c, fam)[0]}): ${JSON.stringify(r)}`);
        }
      }
    }
  });

  it('installs every client\'s pod CIDRs in the reflector\'s kernel via that client', async () => {
    for (const c of CLIENTS) {
      for (const fam of FAMS) {
        const p = podCidr(c, fam);
        const via = [linkAddr(c, fam)[1]];
        await waitFor(() => kernelGateways(lab!, rr.ns, p), {
          timeoutMs: 10000, what: `rr: ${p} via ${via[0]} (proto 186)`, until: (g) => JSON.stringify(g) === JSON.stringify(via),
        }).catch(async (e: Error) => assert.fail(`${e.message}${await evidence(lab!, rr)}`));
      }
    }
    assert.equal(rr.proc.exitStatus(), null, `rackrouted on the reflector exited: ${logTail(rr)}`);
    for (const c of CLIENTS) assert.equal(client(c).proc.exitStatus(), null, `rackrouted on c${c} exited: ${logTail(client(c))}`);
  });
});
