/**
 * Session protection (daemon/net/) against real BIRD 2 and FRR in lab namespaces:
 * - TCP-MD5 (RFC 2385): with the right key, sessions come up both ways — rackrouted dials BIRD
 *   over IPv4 (key on the outgoing socket), BIRD dials rackrouted over IPv6 and FRR over IPv4
 *   (keys on the dual-stack listening socket); with a wrong key on the peers, and with no key,
 *   none comes up and the kernel counts why (nstat TcpExtTCPMD5Failure / NotFound / Unexpected);
 *   a rotated key file applies at SIGHUP (that session restarts, the others stay).
 * - GTSM (RFC 5082): FRR directly connected with ttl-security comes up; a BIRD one hop further
 *   away (a router namespace in between) is refused (TcpExtTCPMinTTLDrop), and the same BIRD
 *   comes up as soon as rackrouted sends with TTL 255 without checking it (multihop 255).
 * - eBGP multihop: TTL 1 dies at the router (its IcmpOutTimeExcds counts it), TTL 2 gets there.
 * - IPv6 link-local peers with `interface` (SO_BINDTODEVICE): two links to BIRD, rackrouted dials
 *   over one and BIRD over the other; a connection over the wrong link is refused.
 * - TCP-AO (RFC 5925): the kernel here has no CONFIG_TCP_AO; the peer is held in Idle with an
 *   error naming the missing kernel support, a metric, a log line; so is a peer whose key
 *   variable is unset. `rackroute neighbors PEER` shows auth, ttl-security and multihop.
 * Input: the lab harness, BIRD, FRR, rackrouted (dist). Output: pass/fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import { startRackroute, type Rackroute, type RackrouteConfig, type RrPeer } from '../support/rackroute.js';
import * as bird from '../support/peers/bird.js';
import * as frr from '../support/peers/frr.js';
import type { NeighborConfig, Peer, PeerConfig } from '../support/peers/types.js';

const CLI_JS = fileURLToPath(new URL('../../daemon/cli/main.js', import.meta.url));
const RR_ASN = 65010;
const KEY = 'rackroute-md5-key-1';
const ROTATED = 'rackroute-md5-key-2';
/** How long a session that must not come up is watched (BIRD and FRR retry every second). */
const REFUSED_WINDOW_MS = 6000;

const A = {
  rrBird: { v4: '10.0.1.1', v6: 'fd00:1::1' },
  bird: { v4: '10.0.1.2', v6: 'fd00:1::2' },
  rrFrr: '10.0.2.1',
  frr: '10.0.2.2',
  rrRtr: '10.0.3.1',
  rtrRr: '10.0.3.2',
  rtrFar: '10.0.4.1',
  far: '10.0.4.2',
};

/** Link-local addresses and interface names of the two rr-bird links (set in before()). */
const LL = { out: { rrIf: '', birdIf: '', rr: '', bird: '' }, in: { rrIf: '', birdIf: '', rr: '', bird: '' } };

function birdConfig(password: { v4?: string; v6?: string }): PeerConfig {
  return {
    routerId: A.bird.v4, asn: 65001, connectRetry: 1,
    neighbors: [
      // Link-local: rackrouted dials over the first link, BIRD over the second.
      { address: LL.out.rr, interface: LL.out.birdIf, asn: RR_ASN, passive: true, holdTime: 9 },
      { address: LL.in.rr, interface: LL.in.birdIf, asn: RR_ASN, holdTime: 9 },
      // rackrouted dials (BIRD passive): the key on rackrouted's outgoing socket.
      { address: A.rrBird.v4, asn: RR_ASN, passive: true, holdTime: 9, ...(password.v4 !== undefined ? { password: password.v4 } : {}) },
      // BIRD dials: the key on rackrouted's listening socket, IPv6.
      { address: A.rrBird.v6, asn: RR_ASN, holdTime: 9, ...(password.v6 !== undefined ? { password: password.v6 } : {}) },
    ],
  };
}

function frrConfig(password: string | undefined): PeerConfig {
  // FRR dials (rackrouted passive): the key on the listener, IPv4 on the dual-stack socket; GTSM both ways.
  return { routerId: A.frr, asn: 65002, connectRetry: 1, neighbors: [{ address: A.rrFrr, asn: RR_ASN, holdTime: 9, ttlSecurity: true, ...(password !== undefined ? { password } : {}) }] };
}

function farConfig(n: Partial<NeighborConfig>): PeerConfig {
  return { routerId: A.far, asn: 65004, connectRetry: 1, neighbors: [{ address: A.rrRtr, asn: RR_ASN, holdTime: 9, ...n }] };
}

describe('session protection: TCP-MD5 with BIRD and FRR, GTSM and multihop across a router, TCP-AO detection', () => {
  let lab: Lab;
  let rr: Rackroute;
  let birdPeer: Peer;
  let frrPeer: Peer;
  let farPeer: Peer;
  let birdKeyFile = '';
  let farPeerRr: RrPeer = { name: 'far', address: A.far, asn: 65004 };

  const rrConfig = (): RackrouteConfig => {
    const common = { families: ['ipv4-unicast' as const], holdTime: 9, connectRetry: 1, gracefulRestart: { enabled: false } };
    return {
      routerId: '192.0.2.10', asn: RR_ASN, originate: [{ prefix: '10.244.10.0/24' }], logLevel: 'debug',
      peers: [
        { name: 'bird4', address: A.bird.v4, asn: 65001, localAddress: A.rrBird.v4, passwordFile: birdKeyFile, ...common },
        { name: 'bird6', address: A.bird.v6, asn: 65001, localAddress: A.rrBird.v6, passive: true, passwordEnv: 'RR_BIRD6_KEY', ...common, families: ['ipv6-unicast'] },
        { name: 'frr', address: A.frr, asn: 65002, localAddress: A.rrFrr, passive: true, passwordFile: join(lab.dir, 'keys', 'frr.key'), ttlSecurity: true, ...common },
        { ...farPeerRr, localAddress: A.rrRtr, ...common },
        { name: 'ao', address: '10.0.1.3', asn: 65003, tcpAo: { keyEnv: 'RR_AO_KEY', sendId: 1, recvId: 1 }, ...common },
        { name: 'nokey', address: '10.0.1.4', asn: 65005, passwordEnv: 'RR_UNSET_KEY', ...common },
        { name: 'll-out', address: LL.out.bird, interface: LL.out.rrIf, asn: 65001, ...common, families: ['ipv6-unicast'] },
        { name: 'll-in', address: LL.in.bird, interface: LL.in.rrIf, asn: 65001, passive: true, ...common, families: ['ipv6-unicast'] },
      ],
    };
  };

  const nstat = async (ns: string, names: string[]): Promise<Record<string, number>> => {
    const { stdout } = await lab.exec(ns, ['nstat', '-saz', ...names]);
    const out: Record<string, number> = {};
    for (const line of stdout.split('\n')) {
      const m = /^(\w+)\s+(\d+)/.exec(line);
      if (m?.[1] && names.includes(m[1])) out[m[1]] = Number(m[2]);
    }
    return out;
  };
  const MD5 = ['TcpExtTCPMD5NotFound', 'TcpExtTCPMD5Unexpected', 'TcpExtTCPMD5Failure'];
  const diff = (a: Record<string, number>, b: Record<string, number>): Record<string, number> => Object.fromEntries(Object.keys(b).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

  const established = async (name: string, peer: Peer, neighbor: string, timeoutMs = 20000): Promise<void> => {
    await rr.waitEstablished(name, timeoutMs).catch((e: Error) => assert.fail(`${e.message}\n${rr.logTail(30)}`));
    await waitFor(() => peer.state(neighbor), { timeoutMs: 10000, what: `${peer.kind} in ${peer.ns}: session to ${neighbor} Established`, until: (s) => s === 'Established' });
  };

  /** Watches the sessions for REFUSED_WINDOW_MS: rackrouted's and the peer's side never Established. */
  const neverUp = async (sessions: { name: string; peer: Peer; neighbor: string }[]): Promise<void> => {
    const end = Date.now() + REFUSED_WINDOW_MS;
    while (Date.now() < end) {
      for (const s of sessions) {
        const n = await rr.neighbor(s.name);
        assert.notEqual(n.state, 'Established', `${s.name} came up on rackrouted's side: ${JSON.stringify(n)}`);
        assert.notEqual(await s.peer.state(s.neighbor), 'Established', `${s.name} came up on ${s.peer.kind}'s side`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const down = (name: string): Promise<unknown> => waitFor(() => rr.neighbor(name), { timeoutMs: 15000, what: `rackrouted: ${name} down`, until: (n) => n.state !== 'Established' });

  const restart = async (peer: Peer, start: () => Promise<Peer>): Promise<Peer> => {
    await peer.stop();
    return start();
  };

  const cli = (...args: string[]): { code: number | null; out: string } => {
    const r = spawnSync(process.execPath, [CLI_JS, '--socket', rr.socket, ...args], { encoding: 'utf8', timeout: 30000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };

  before(async () => {
    lab = await createLab();
    for (const ns of ['rr', 'bird', 'frr', 'rtr', 'far']) await lab.addNamespace(ns);
    const l1 = await lab.linkNamespaces('rr', 'bird', { v4: [A.rrBird.v4, A.bird.v4, 24], v6: [A.rrBird.v6, A.bird.v6, 64] });
    const l2 = await lab.linkNamespaces('rr', 'bird', {});
    for (const [side, l] of [['out', l1], ['in', l2]] as const) {
      Object.assign(LL[side], { rrIf: l.ifA, birdIf: l.ifB, rr: await linkLocal(lab, 'rr', l.ifA), bird: await linkLocal(lab, 'bird', l.ifB) });
    }
    await lab.linkNamespaces('rr', 'frr', { v4: [A.rrFrr, A.frr, 24] });
    await lab.linkNamespaces('rr', 'rtr', { v4: [A.rrRtr, A.rtrRr, 24] });
    await lab.linkNamespaces('rtr', 'far', { v4: [A.rtrFar, A.far, 24] });
    await lab.exec('rtr', ['sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
    await lab.exec('rr', ['ip', 'route', 'add', '10.0.4.0/24', 'via', A.rtrRr]);
    await lab.exec('far', ['ip', 'route', 'add', '10.0.3.0/24', 'via', A.rtrFar]);
    mkdirSync(join(lab.dir, 'keys'), { mode: 0o700 });
    birdKeyFile = join(lab.dir, 'keys', 'bird.key');
    writeFileSync(birdKeyFile, `${KEY}\n`, { mode: 0o600 });
    writeFileSync(join(lab.dir, 'keys', 'frr.key'), `${KEY}\n`, { mode: 0o600 });
    birdPeer = await bird.start(lab, 'bird', birdConfig({ v4: KEY, v6: KEY }));
    frrPeer = await frr.start(lab, 'frr', frrConfig(KEY));
    // One hop further away, with GTSM as BIRD does it: TTL 255 out, at least 256 - 2 in.
    farPeer = await bird.start(lab, 'far', farConfig({ ttlSecurity: true, multihop: 2 }));
    farPeerRr = { name: 'far', address: A.far, asn: 65004, ttlSecurity: true };
    rr = await startRackroute(lab, 'rr', rrConfig(), { env: { RR_BIRD6_KEY: KEY, RR_AO_KEY: 'ao-key-1' } });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('TCP-MD5 with the right key: Established with BIRD (we dial over IPv4, it dials over IPv6) and FRR (it dials, with GTSM)', async () => {
    await established('bird4', birdPeer, A.rrBird.v4);
    await established('bird6', birdPeer, A.rrBird.v6);
    await established('frr', frrPeer, A.rrFrr);
    const out = cli('neighbors', 'frr');
    assert.equal(out.code, 0, out.out);
    assert.match(out.out, /auth +md5 \(TCP-MD5, RFC 2385\)/);
    assert.match(out.out, /ttl-security +on/);
    assert.equal((await rr.neighbor('bird4')).security?.auth, 'md5');
  });

  it('TCP-MD5 with a wrong key on the peers: nothing comes up, the kernel counts TCPMD5Failure', async (t) => {
    const rr0 = await nstat('rr', MD5);
    const bird0 = await nstat('bird', MD5);
    birdPeer = await restart(birdPeer, () => bird.start(lab, 'bird', birdConfig({ v4: 'wrong-key', v6: 'wrong-key' })));
    frrPeer = await restart(frrPeer, () => frr.start(lab, 'frr', frrConfig('wrong-key')));
    for (const name of ['bird4', 'bird6', 'frr']) await down(name);
    await neverUp([{ name: 'bird4', peer: birdPeer, neighbor: A.rrBird.v4 }, { name: 'bird6', peer: birdPeer, neighbor: A.rrBird.v6 }, { name: 'frr', peer: frrPeer, neighbor: A.rrFrr }]);
    const inRr = diff(rr0, await nstat('rr', MD5));
    const inBird = diff(bird0, await nstat('bird', MD5));
    t.diagnostic(`rr: ${JSON.stringify(inRr)}; bird: ${JSON.stringify(inBird)}`);
    // BIRD's and FRR's SYNs to our listener carry the wrong signature; ours to BIRD too.
    assert.ok((inRr['TcpExtTCPMD5Failure'] ?? 0) > 0, `rr: ${JSON.stringify(inRr)}`);
    assert.ok((inBird['TcpExtTCPMD5Failure'] ?? 0) > 0, `bird: ${JSON.stringify(inBird)}`);
  });

  it('TCP-MD5 without a key on the peers: nothing comes up, the kernel counts TCPMD5NotFound and TCPMD5Unexpected', async (t) => {
    const rr0 = await nstat('rr', MD5);
    const bird0 = await nstat('bird', MD5);
    const frr0 = await nstat('frr', MD5);
    birdPeer = await restart(birdPeer, () => bird.start(lab, 'bird', birdConfig({})));
    frrPeer = await restart(frrPeer, () => frr.start(lab, 'frr', frrConfig(undefined)));
    await neverUp([{ name: 'bird4', peer: birdPeer, neighbor: A.rrBird.v4 }, { name: 'bird6', peer: birdPeer, neighbor: A.rrBird.v6 }, { name: 'frr', peer: frrPeer, neighbor: A.rrFrr }]);
    const inRr = diff(rr0, await nstat('rr', MD5));
    const inBird = diff(bird0, await nstat('bird', MD5));
    const inFrr = diff(frr0, await nstat('frr', MD5));
    t.diagnostic(`rr: ${JSON.stringify(inRr)}; bird: ${JSON.stringify(inBird)}; frr: ${JSON.stringify(inFrr)}`);
    // Unsigned SYNs from BIRD and FRR to our keyed listener; our signed SYNs to a BIRD without a key.
    assert.ok((inRr['TcpExtTCPMD5NotFound'] ?? 0) > 0, `rr: ${JSON.stringify(inRr)}`);
    assert.ok((inBird['TcpExtTCPMD5Unexpected'] ?? 0) > 0, `bird: ${JSON.stringify(inBird)}`);
  });

  it('TCP-MD5: the right key again brings everything back; a rotated key file applies at SIGHUP to that session only', async (t) => {
    birdPeer = await restart(birdPeer, () => bird.start(lab, 'bird', birdConfig({ v4: KEY, v6: KEY })));
    frrPeer = await restart(frrPeer, () => frr.start(lab, 'frr', frrConfig(KEY)));
    await established('bird4', birdPeer, A.rrBird.v4);
    await established('bird6', birdPeer, A.rrBird.v6);
    await established('frr', frrPeer, A.rrFrr);
    const before6 = await rr.neighbor('bird6');
    const bird0 = await nstat('bird', MD5);
    writeFileSync(birdKeyFile, `${ROTATED}\n`);
    await rr.reload(rrConfig());
    await down('bird4');
    await neverUp([{ name: 'bird4', peer: birdPeer, neighbor: A.rrBird.v4 }]);
    const inBird = diff(bird0, await nstat('bird', MD5));
    t.diagnostic(`bird after the rotation: ${JSON.stringify(inBird)}`);
    assert.ok((inBird['TcpExtTCPMD5Failure'] ?? 0) > 0, `our SYNs now carry the new key: ${JSON.stringify(inBird)}`);
    const after6 = await rr.neighbor('bird6');
    assert.equal(after6.state, 'Established');
    assert.equal(after6.flaps, before6.flaps, 'the other sessions are not reset');
    birdPeer = await restart(birdPeer, () => bird.start(lab, 'bird', birdConfig({ v4: ROTATED, v6: KEY })));
    await established('bird4', birdPeer, A.rrBird.v4);
  });

  it('GTSM: a peer one hop further away is refused (TCPMinTTLDrop); the same peer with multihop 255 comes up', async (t) => {
    const rr0 = await nstat('rr', ['TcpExtTCPMinTTLDrop']);
    await neverUp([{ name: 'far', peer: farPeer, neighbor: A.rrRtr }]);
    const inRr = diff(rr0, await nstat('rr', ['TcpExtTCPMinTTLDrop']));
    t.diagnostic(`rr: ${JSON.stringify(inRr)}`);
    assert.ok((inRr['TcpExtTCPMinTTLDrop'] ?? 0) > 0, `segments from one hop away dropped for TTL 254: ${JSON.stringify(inRr)}`);
    // The same peer, the same path: sending with 255 but accepting 254 is all that differs.
    farPeerRr = { name: 'far', address: A.far, asn: 65004, multihop: 255 };
    await rr.reload(rrConfig());
    await established('far', farPeer, A.rrRtr);
  });

  it('eBGP multihop: with TTL 1 the packets die at the router, with TTL 2 the session comes up', async (t) => {
    farPeer = await restart(farPeer, () => bird.start(lab, 'far', farConfig({ multihop: 2 })));
    farPeerRr = { name: 'far', address: A.far, asn: 65004, multihop: 1 };
    await rr.reload(rrConfig());
    await down('far');
    const rtr0 = await nstat('rtr', ['IcmpOutTimeExcds']);
    await neverUp([{ name: 'far', peer: farPeer, neighbor: A.rrRtr }]);
    const inRtr = diff(rtr0, await nstat('rtr', ['IcmpOutTimeExcds']));
    t.diagnostic(`rtr: ${JSON.stringify(inRtr)}`);
    assert.ok((inRtr['IcmpOutTimeExcds'] ?? 0) > 0, `the router drops our TTL-1 packets: ${JSON.stringify(inRtr)}`);
    farPeerRr = { name: 'far', address: A.far, asn: 65004, multihop: 2 };
    await rr.reload(rrConfig());
    await established('far', farPeer, A.rrRtr);
    const out = cli('neighbors', 'far');
    assert.match(out.out, /multihop +2 \(sends TTL 2\)/, out.out);
  });

  it('IPv6 link-local peers over their interface (SO_BINDTODEVICE): Established both ways; the other link is refused', async () => {
    await established('ll-out', birdPeer, LL.out.rr);
    await established('ll-in', birdPeer, LL.in.rr);
    const n = await rr.neighbor('ll-out');
    assert.equal(n.security?.interface, LL.out.rrIf);
    // ll-out's address arriving over the other link is not ll-out: refused (closed at once).
    // The same probe over ll-out's own link gets rackrouted's OPEN, so the refusal is the link's.
    await lab.exec('bird', ['ip', '-6', 'addr', 'add', `${LL.out.bird}/64`, 'dev', LL.in.birdIf, 'nodad']);
    try {
      const wrong = await lab.exec('bird', [process.execPath, '-e', CONNECT_PROBE, `${LL.in.rr}%${LL.in.birdIf}`, `${LL.out.bird}%${LL.in.birdIf}`]);
      assert.equal(wrong.stdout.trim(), 'closed', `from ${LL.out.bird} over ${LL.in.birdIf}: ${wrong.stdout}${wrong.stderr}`);
    } finally {
      await lab.exec('bird', ['ip', '-6', 'addr', 'del', `${LL.out.bird}/64`, 'dev', LL.in.birdIf]);
    }
    const right = await lab.exec('bird', [process.execPath, '-e', CONNECT_PROBE, `${LL.out.rr}%${LL.out.birdIf}`, `${LL.out.bird}%${LL.out.birdIf}`]);
    assert.equal(right.stdout.trim(), 'open-received', `from ${LL.out.bird} over ${LL.out.birdIf}: ${right.stdout}${right.stderr}`);
    await established('ll-out', birdPeer, LL.out.rr);
  });

  it('TCP-AO: detected at start; without kernel support the peer stays in Idle with the reason, a metric and a log line', async (t) => {
    const kernelAo = kernelHasTcpAo();
    if (kernelAo === undefined) return t.skip('no /proc/config.gz: cannot tell whether this kernel has TCP-AO');
    if (kernelAo) return t.skip('this kernel has CONFIG_TCP_AO: the unsupported path cannot be shown here');
    const n = await rr.neighbor('ao');
    assert.equal(n.state, 'Idle');
    assert.equal(n.protectionError?.reason, 'tcp-ao-unsupported');
    assert.match(n.lastError ?? '', /TCP-AO \(RFC 5925\) is not supported by this kernel .*CONFIG_TCP_AO/);
    assert.equal(n.security?.auth, 'tcp-ao');
    const nokey = await rr.neighbor('nokey');
    assert.equal(nokey.state, 'Idle');
    assert.equal(nokey.protectionError?.reason, 'key');
    assert.match(nokey.lastError ?? '', /RR_UNSET_KEY is not set/);
    const metrics = (await rr.http('/metrics')).body;
    // Once at start, and once more at each reload above: a reload retries a held-down peer.
    assert.match(metrics, /^rackroute_peer_auth_errors_total\{peer="ao",reason="tcp-ao-unsupported"\} [1-9]\d*$/m);
    assert.match(metrics, /^rackroute_peer_auth_errors_total\{peer="nokey",reason="key"\} [1-9]\d*$/m);
    const log = readFileSync(rr.logFile, 'utf8');
    assert.match(log, /"event":"session.protection.failed".*"peer":"ao"/);
    const out = cli('neighbors', 'ao');
    assert.match(out.out, /auth +tcp-ao/);
    assert.match(out.out, /held down +tcp-ao-unsupported: TCP-AO \(RFC 5925\) is not supported/);
  });
});

/** The link-local address of an interface in a lab namespace. */
async function linkLocal(lab: Lab, ns: string, ifname: string): Promise<string> {
  return waitFor(async () => /inet6 (fe80:[0-9a-f:]+)\//.exec((await lab.exec(ns, ['ip', '-6', '-o', 'addr', 'show', 'dev', ifname, 'scope', 'link'])).stdout)?.[1], {
    timeoutMs: 5000, what: `a link-local address on ${ifname} in ${ns}`,
  }) as Promise<string>;
}

/**
 * Run by `node -e` in a namespace: connect to argv[1] (address%zone) port 179 from argv[2] and
 * print the first outcome: open-received (rackrouted sent its OPEN), closed (it closed the
 * connection), refused, or timeout.
 */
const CONNECT_PROBE = `const net = require('node:net');
const done = (what) => { console.log(what); process.exit(0); };
const s = net.connect({ host: process.argv[1], port: 179, localAddress: process.argv[2] });
setTimeout(() => done('timeout'), 4000);
s.on('data', (d) => { if (d[18] === 1) done('open-received'); });
s.on('close', () => done('closed'));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'closed'));`;

/** CONFIG_TCP_AO from /proc/config.gz: true/false, or undefined when the kernel does not say. */
function kernelHasTcpAo(): boolean | undefined {
  try {
    return /^CONFIG_TCP_AO=y$/m.test(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  } catch {
    return undefined;
  }
}
