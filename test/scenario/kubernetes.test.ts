/**
 * rackrouted with the Kubernetes API as its source of truth, end to end. Three nodes (n1..n3),
 * each in its own subnet behind router `sw` (no shared L2); the fake core/v1 API server
 * (test/support/fake-apiserver-main.ts) runs in `sw` on 10.96.0.1:6443 with HTTPS and a bearer
 * token, and the unmodified @kubernetes/client-node in each rackrouted talks to it. No node has
 * a router id, pod CIDR or peer in its file: everything comes from the Node objects (iBGP full
 * mesh over the InternalIPs, validation: enforce).
 *
 * Checks: the mesh comes up and every node installs the others' pod CIDRs (IPv4 and IPv6);
 * NetworkUnavailable=False is set on every Node; a pod CIDR change is followed without
 * resetting the session; a node joining adds one peer and leaving removes it, touching no other
 * session; a node announcing another node's pod CIDR is refused, shown with the reason and
 * counted; with the API down, a restart of rackrouted comes back from the state file with the
 * same peers and routes, and the API's return changes nothing.
 * Input: the lab harness, rackrouted (dist). Must not: leave namespaces or processes behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileSync } from 'node:fs';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { startRackroute, type Rackroute, type RackrouteConfig } from '../support/rackroute.js';
import { kubeconfigFor, selfSignedCert, type FakeNodeSpec } from '../support/fake-apiserver.js';

const API_MAIN = fileURLToPath(new URL('../support/fake-apiserver-main.js', import.meta.url));
const API_IP = '10.96.0.1';
const TOKEN = 'rackroute-test-token';
const ASN = 64600;
const NODES = [1, 2, 3] as const;

const spec = (i: number, cidrIndex = i): FakeNodeSpec => ({
  name: `n${i}`,
  internalIps: [`10.60.${i}.2`, `fd00:60:${i}::2`],
  podCidrs: [`10.244.${cidrIndex}.0/24`, `fd00:244:0:${cidrIndex}::/64`],
  labels: { 'rackroute.io/mesh': 'true' },
});

async function kernelPrefixes(lab: Lab, ns: string): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ['-4', '-6']) {
    const routes = JSON.parse((await lab.exec(ns, ['ip', '-j', fam, 'route', 'show', 'proto', '186'])).stdout || '[]') as { dst: string }[];
    out.push(...routes.map((r) => r.dst));
  }
  return out.sort();
}

describe('Kubernetes: pod CIDRs, peers and ownership from the API', () => {
  let lab: Lab;
  let apiProc: ProcHandle;
  let controlSock = '';
  const rr = new Map<number, Rackroute>();
  const cfgOf = new Map<number, RackrouteConfig>();

  async function api(path: string, body?: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: controlSock, path, method: body === undefined && path.startsWith('/node') ? 'GET' : 'POST' }, (res) => {
        let s = '';
        res.on('data', (c: Buffer) => (s += c.toString()));
        res.on('end', () => (res.statusCode === 200 ? resolve(s ? JSON.parse(s) : null) : reject(new Error(`${path}: ${res.statusCode} ${s}`))));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  const n = (i: number): Rackroute => rr.get(i)!;
  const flapsOf = async (i: number): Promise<Record<string, number>> => Object.fromEntries((await n(i).neighbors()).map((x) => [x.name, x.flaps]));

  async function evidence(i: number): Promise<string> {
    const rib = await callDaemon(n(i).socket, 'rib', { limit: 20 }).catch(String);
    const received = await n(i).routes().then((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.received]))).catch(String);
    return `\n--- n${i} neighbors ---\n${JSON.stringify(await n(i).neighbors().catch(String))}\n--- rib ---\n${JSON.stringify(rib)}\n--- received ---\n${JSON.stringify(received)}\n--- kernel ---\n${(await kernelPrefixes(lab, `n${i}`).catch(String)).toString()}\n--- log ---\n${n(i).logTail(30)}`;
  }

  before(async () => {
    lab = await createLab();
    await lab.addNamespace('sw');
    await lab.exec('sw', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);
    await lab.exec('sw', ['ip', 'addr', 'add', `${API_IP}/32`, 'dev', 'lo']);
    await lab.exec('sw', ['ip', 'link', 'set', 'lo', 'up']);
    for (const i of NODES) await lab.addNamespace(`n${i}`);
    for (const i of [...NODES, 4]) {
      if (i === 4) continue;
      await lab.linkNamespaces('sw', `n${i}`, { v4: [`10.60.${i}.1`, `10.60.${i}.2`, 24], v6: [`fd00:60:${i}::1`, `fd00:60:${i}::2`, 64] });
      await lab.exec(`n${i}`, ['ip', 'route', 'add', 'default', 'via', `10.60.${i}.1`, 'proto', 'static']);
      await lab.exec(`n${i}`, ['ip', '-6', 'route', 'add', 'default', 'via', `fd00:60:${i}::1`, 'proto', 'static']);
    }
    const tls = selfSignedCert(lab.dir, [API_IP]);
    writeFileSync(join(lab.dir, 'apiserver.crt'), tls.cert);
    writeFileSync(join(lab.dir, 'apiserver.key'), tls.key);
    controlSock = join(lab.dir, 'apiserver.sock');
    apiProc = lab.spawnIn('sw', [process.execPath, API_MAIN, '--host', API_IP, '--port', '6443', '--token', TOKEN, '--cert', join(lab.dir, 'apiserver.crt'), '--key', join(lab.dir, 'apiserver.key'), '--control', controlSock], { logFile: join(lab.dir, 'apiserver.log') });
    await waitFor(() => api('/requests'), { timeoutMs: 10_000, what: 'the fake API server' });
    for (const i of NODES) await api('/add', spec(i));
    writeFileSync(join(lab.dir, 'kubeconfig'), kubeconfigFor(`https://${API_IP}:6443`, TOKEN, tls.cert));
    for (const i of NODES) {
      const cfg: RackrouteConfig = {
        routerId: '',
        asn: ASN,
        originate: [],
        peers: [],
        podNetworks: ['10.244.0.0/16', 'fd00:244::/48'],
        kubernetes: {
          enabled: true, kubeconfig: join(lab.dir, 'kubeconfig'), nodeName: `n${i}`, peering: 'mesh', nodeSelector: 'rackroute.io/mesh=true',
          validation: 'enforce', stateFile: join(lab.dir, `state-n${i}.json`),
        },
      };
      cfgOf.set(i, cfg);
      rr.set(i, await startRackroute(lab, `n${i}`, cfg));
    }
  });

  after(async () => {
    for (const r of rr.values()) await r.stop().catch(() => undefined);
    await apiProc?.stop(0);
    await lab?.cleanup();
  });

  it('builds the iBGP mesh from the node list and installs every other node\'s pod CIDRs', async () => {
    for (const i of NODES) for (const j of NODES) if (i !== j) await n(i).waitEstablished(`k8s:n${j}`, 20_000);
    for (const i of NODES) {
      const want = NODES.filter((j) => j !== i).flatMap((j) => [`10.244.${j}.0/24`, `fd00:244:0:${j}::/64`]).sort();
      await waitFor(() => kernelPrefixes(lab, `n${i}`), { timeoutMs: 15_000, what: `n${i}'s kernel routes ${want.join(' ')}${await evidence(i)}`, until: (have) => want.every((w) => have.includes(w)) });
    }
    const st = (await callDaemon(n(1).socket, 'status')) as { routerId: string; originated: string[]; kubernetes: { apiUp: boolean; source: string; nodes: number } };
    assert.equal(st.routerId, '10.60.1.2');
    assert.deepEqual(st.originated, ['10.244.1.0/24', 'fd00:244:0:1::/64']);
    assert.equal(st.kubernetes.apiUp, true);
    assert.equal(st.kubernetes.source, 'api');
    assert.equal(st.kubernetes.nodes, 3);
  });

  it('sets NetworkUnavailable=False on every Node', async () => {
    for (const i of NODES) {
      const cond = await waitFor(async () => {
        const node = (await api(`/node?name=n${i}`)) as { status: { conditions: { type: string; status: string; reason: string }[] } };
        return node.status.conditions.find((c) => c.type === 'NetworkUnavailable');
      }, { timeoutMs: 10_000, what: `NetworkUnavailable on n${i}` });
      assert.equal(cond?.status, 'False');
      assert.equal(cond?.reason, 'RackrouteIsUp');
    }
  });

  it('follows a pod CIDR change without resetting any session', async () => {
    const before = await flapsOf(1);
    await api('/update', spec(2, 12));
    await waitFor(() => kernelPrefixes(lab, 'n1'), {
      timeoutMs: 10_000, what: `n1 follows n2's new pod CIDR${await evidence(1)}`,
      until: (have) => have.includes('10.244.12.0/24') && have.includes('fd00:244:0:12::/64') && !have.includes('10.244.2.0/24'),
    });
    assert.deepEqual(await flapsOf(1), before);
    for (const j of [2, 3]) assert.equal((await n(1).neighbor(`k8s:n${j}`)).state, 'Established');
  });

  it('adds a peer for a node that joins and removes it when it leaves, touching no other session', async () => {
    const before = await flapsOf(1);
    await api('/add', { ...spec(4), internalIps: ['10.60.4.2'] });
    await waitFor(() => n(1).neighbors(), { timeoutMs: 10_000, what: 'k8s:n4 configured on n1', until: (l) => l.some((x) => x.name === 'k8s:n4') });
    await api('/delete', { name: 'n4' });
    await waitFor(() => n(1).neighbors(), { timeoutMs: 10_000, what: 'k8s:n4 removed from n1', until: (l) => !l.some((x) => x.name === 'k8s:n4') });
    const after = await flapsOf(1);
    assert.deepEqual(after, before);
    for (const j of [2, 3]) assert.equal((await n(1).neighbor(`k8s:n${j}`)).state, 'Established');
  });

  it('refuses a pod CIDR announced by a node that does not own it, with the reason, and counts it', async () => {
    // n3 starts announcing a more specific of n2's pod CIDR: would win every lookup if installed.
    const cfg3 = { ...cfgOf.get(3)!, originate: [{ prefix: '10.244.12.0/25' }] };
    await n(3).reload(cfg3);
    const got = await waitFor(async () => (await n(1).routes('k8s:n3'))['k8s:n3']?.received.find((r) => r.prefix === '10.244.12.0/25') as { rejected?: string } | undefined, {
      timeoutMs: 10_000, what: `n1 receives 10.244.12.0/25 from n3${await evidence(1)}`,
    });
    assert.match(got?.rejected ?? '', /^ownership: 10\.244\.12\.0\/25 belongs to node n2, announced by node n3 \(next hop 10\.60\.3\.2\)/);
    assert.ok(!(await kernelPrefixes(lab, 'n1')).includes('10.244.12.0/25'), 'the hijack is not in the kernel');
    const metrics = await n(1).http('/metrics');
    assert.match(metrics.body, /rackroute_route_ownership_violations_total\{peer="k8s:n3",action="rejected"\} [1-9]/);
    await n(3).reload(cfgOf.get(3)!);
  });

  it('keeps routing through an API outage and a restart of rackrouted, from the state file', async () => {
    await api('/stop');
    await waitFor(async () => ((await callDaemon(n(1).socket, 'status')) as { kubernetes: { apiUp: boolean } }).kubernetes.apiUp, { timeoutMs: 15_000, what: 'n1 sees the API down', until: (up) => !up });
    const routesBefore = await kernelPrefixes(lab, 'n1');
    assert.ok(routesBefore.includes('10.244.12.0/24') && routesBefore.includes('10.244.3.0/24'), routesBefore.join(' '));
    // Graceful restart (on by default): SIGTERM leaves the routes in the kernel.
    await n(1).stop();
    assert.deepEqual(await kernelPrefixes(lab, 'n1'), routesBefore, 'the kernel keeps forwarding while rackrouted is down');
    rr.set(1, await startRackroute(lab, 'n1', cfgOf.get(1)!));
    for (const j of [2, 3]) await n(1).waitEstablished(`k8s:n${j}`, 20_000);
    const st = (await callDaemon(n(1).socket, 'status')) as { routerId: string; originated: string[]; kubernetes: { apiUp: boolean; source: string } };
    assert.equal(st.kubernetes.source, 'state-file');
    assert.equal(st.kubernetes.apiUp, false);
    assert.equal(st.routerId, '10.60.1.2');
    assert.deepEqual(st.originated, ['10.244.1.0/24', 'fd00:244:0:1::/64']);
    await waitFor(() => kernelPrefixes(lab, 'n1'), { timeoutMs: 10_000, what: 'n1 routes after the restart', until: (have) => routesBefore.every((r) => have.includes(r)) });
    // The API comes back: nothing changes (same node list), no session is reset.
    const flaps = await flapsOf(1);
    await api('/start');
    await waitFor(async () => ((await callDaemon(n(1).socket, 'status')) as { kubernetes: { apiUp: boolean; source: string } }).kubernetes, {
      timeoutMs: 20_000, what: 'n1 back on the API', until: (k) => k.apiUp && k.source === 'api',
    });
    assert.deepEqual(await flapsOf(1), flaps);
    assert.deepEqual(await kernelPrefixes(lab, 'n1'), routesBefore);
  });

  it('switches to route reflectors by label and reload: clients keep one session, routes are reflected and pass ownership', async () => {
    await api('/update', { ...spec(1), labels: { 'rackroute.io/mesh': 'true', 'rackroute.io/route-reflector': 'true' } });
    for (const i of NODES) {
      const c = cfgOf.get(i)!;
      const next = { ...c, kubernetes: { ...c.kubernetes, peering: 'route-reflectors' } };
      cfgOf.set(i, next);
      await n(i).reload(next);
    }
    for (const i of [2, 3]) {
      await waitFor(() => n(i).neighbors(), { timeoutMs: 15_000, what: `n${i} peers only with the reflector${await evidence(i)}`, until: (l) => l.map((x) => x.name).join() === 'k8s:n1' });
      await n(i).waitEstablished('k8s:n1', 20_000);
    }
    for (const j of [2, 3]) await n(1).waitEstablished(`k8s:n${j}`, 20_000);
    // n3 learns n2's pod CIDR only through n1, with n2's next hop (RFC 4456 §10) and ORIGINATOR_ID.
    await waitFor(() => kernelPrefixes(lab, 'n3'), { timeoutMs: 15_000, what: `n3 installs n2's CIDR via the reflector${await evidence(3)}`, until: (have) => have.includes('10.244.12.0/24') && have.includes('fd00:244:0:12::/64') });
    const got = (await n(3).routes('k8s:n1'))['k8s:n1']?.received.find((r) => r.prefix === '10.244.12.0/24') as { rejected?: string; attrs: { nextHop?: string; originatorId?: string } } | undefined;
    assert.equal(got?.rejected, undefined);
    assert.equal(got?.attrs.nextHop, '10.60.2.2');
  });
});
