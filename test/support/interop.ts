/**
 * The interop scenario shared by interop-{bird,frr,gobgp}.test.ts: rackrouted in namespace `rr`
 * peers with two instances of one real BGP daemon, `ext` (eBGP, AS 65001, passive: rackrouted
 * connects out) and `int` (iBGP, rackrouted's AS, active: it connects to rackrouted's
 * listener), each over IPv4 transport (ipv4-unicast) and IPv6 transport (ipv6-unicast): four
 * sessions. The tests check both sides' session state, routes in both directions with their
 * attributes, withdrawals in both directions (rackrouted's by SIGHUP reload), hold-timer expiry
 * against a frozen (SIGSTOP) peer, and the Cease/Administrative Shutdown that SIGTERM sends.
 * tcpdump records the BGP traffic in `rr` meanwhile; with RR_CAPTURE_DIR set, the pcap and the
 * daemon's version are copied there for test/vectors/captures/extract.ts. RR_DEBUG=1 prints each
 * peer's raw Cease report; RR_KEEP_LAB=1 keeps the run dir (logs, pcap).
 *
 * Input: a DaemonSpec (how to start and interrogate one daemon kind). Output: node:test suites.
 * Must not: leave namespaces or processes behind (Lab cleanup), signal anything by name.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { createLab, waitFor, type Lab, type ProcHandle } from './netns.js';
import { compact, type Family, type Origination, type Peer, type PeerConfig, type Route } from './peers/types.js';
import { startRackroute, type Rackroute, type RackrouteConfig, type RrOriginate, type RrRoute } from './rackroute.js';

export type Role = 'ext' | 'int';

/** What the peer daemon reports about the last NOTIFICATION it received on a session. */
export interface CeaseReport {
  code: number;
  subcode: number;
  /** RFC 9003 shutdown communication as the daemon shows it; undefined if it shows none. */
  message?: string;
  /** The daemon's own words, for failure messages. */
  raw: string;
}

export interface DaemonSpec {
  kind: 'bird' | 'frr' | 'gobgp';
  start(lab: Lab, ns: string, cfg: PeerConfig): Promise<Peer>;
  /** Version string for the capture manifest. */
  version(lab: Lab, peer: Peer): Promise<string>;
  /** The process whose SIGSTOP silences the daemon's BGP sessions. */
  bgpProcess(lab: Lab, peer: Peer): ProcHandle;
  /** The last NOTIFICATION received from `neighbor`, or undefined while the daemon shows none. */
  ceaseReport(lab: Lab, peer: Peer, neighbor: string): Promise<CeaseReport | undefined>;
  /** Whether the daemon shows the RFC 9003 text (asserted either way). */
  showsShutdownMessage: boolean;
  /** Whether the daemon adds its link-local address to the IPv6 next hop, per role. */
  sendsLinkLocal: Record<Role, boolean>;
}

export const RR_ASN = 4200000001;
export const EXT_ASN = 65001;
export const HOLD_EXT = 3;
export const HOLD_INT = 9;
export const SHUTDOWN_TEXT = 'rackrouted shutting down (SIGTERM)';

interface Link { rr: { v4: string; v6: string }; peer: { v4: string; v6: string } }
const LINKS: Record<Role, Link> = {
  ext: { rr: { v4: '10.0.1.1', v6: 'fd00:1::1' }, peer: { v4: '10.0.1.2', v6: 'fd00:1::2' } },
  int: { rr: { v4: '10.0.2.1', v6: 'fd00:2::1' }, peer: { v4: '10.0.2.2', v6: 'fd00:2::2' } },
};
const v = (f: Family): 'v4' | 'v6' => (f === 'ipv4' ? 'v4' : 'v6');
const ROLES: Role[] = ['ext', 'int'];
const FAMILIES: Family[] = ['ipv4', 'ipv6'];
const sessionName = (role: Role, f: Family): string => `${role}-${v(f)}`;

const RR_POD = { communities: ['65000:100'], largeCommunities: [`${RR_ASN}:1:2`] };
const RR_ORIGINATE: RrOriginate[] = [
  { prefix: '10.244.1.0/24', ...RR_POD },
  { prefix: 'fd00:10:244:1::/64', ...RR_POD },
  { prefix: '10.244.2.0/24', communities: ['65000:200'] },
  { prefix: 'fd00:10:244:2::/64', communities: ['65000:200'] },
];
/** Withdrawn from rackrouted's config by the SIGHUP test. */
const RR_RELOAD_DROPS = ['10.244.2.0/24', 'fd00:10:244:2::/64'];

function rrConfig(originate: RrOriginate[]): RackrouteConfig {
  const peers = ROLES.flatMap((role) => FAMILIES.map((f) => ({
    name: sessionName(role, f),
    address: LINKS[role].peer[v(f)],
    asn: role === 'ext' ? EXT_ASN : ('internal' as const),
    passive: role === 'int',
    families: [f === 'ipv4' ? 'ipv4-unicast' as const : 'ipv6-unicast' as const],
    holdTime: role === 'ext' ? HOLD_EXT : HOLD_INT,
    connectRetry: 1,
    localAddress: LINKS[role].rr[v(f)],
    // The eBGP sessions run without graceful restart: on SIGTERM their peer must get Cease with
    // the RFC 9003 reason (a GR peer without the RFC 8538 N bit, BIRD 2.0, is closed on silently
    // so it keeps our routes; test/scenario/graceful-restart.test.ts covers that side).
    ...(role === 'ext' ? { gracefulRestart: { enabled: false } } : {}),
  })));
  // The peers' routes (198.51.10x.0/24, 203.0.11x.0/24, 2001:db8:x::/48) stand for other nodes'
  // pod CIDRs: the default import policy takes only routes inside node.podNetworks.
  const podNetworks = ['198.51.96.0/19', '203.0.96.0/19', '2001:db8::/32'];
  return { routerId: '192.0.2.100', asn: RR_ASN, originate, peers, podNetworks, logLevel: 'debug' };
}

/** Routes each peer originates: one kept, one withdrawn later, per family. */
function peerRoutes(role: Role): Origination[] {
  const n = role === 'ext' ? 1 : 2;
  const asn = role === 'ext' ? EXT_ASN : 65002;
  // eBGP: own AS prepended once in front of an explicit path; iBGP: an explicit path only (the
  // daemon adds nothing on iBGP, and rackrouted's own AS in it would be a loop).
  const path = role === 'ext' ? { prepend: 1, asPath: [64601] } : { asPath: [64602, 64603] };
  const main = { communities: [`${asn}:10`, `${asn}:20`], largeCommunities: [`${asn}:1:1`, `${RR_ASN}:7:8`], med: 50 + n, ...path };
  const second = { communities: [`${asn}:11`], med: 5 };
  return [
    { prefix: `198.51.10${n}.0/24`, ...main },
    { prefix: `2001:db8:${n}::/48`, ...main },
    { prefix: `203.0.11${n}.0/24`, ...second },
    { prefix: `2001:db8:${n}0::/48`, ...second },
  ];
}
const peerWithdraws = (role: Role): string[] => peerRoutes(role).slice(2).map((r) => r.prefix);

function peerConfig(role: Role): PeerConfig {
  return {
    routerId: role === 'ext' ? '192.0.2.1' : '192.0.2.2',
    asn: role === 'ext' ? EXT_ASN : RR_ASN,
    neighbors: FAMILIES.map((f) => ({
      address: LINKS[role].rr[v(f)], asn: RR_ASN, passive: role === 'ext', families: [f], holdTime: role === 'ext' ? HOLD_EXT : HOLD_INT,
    })),
    routes: peerRoutes(role),
    connectRetry: 1,
  };
}

const sortStrings = (a: readonly string[] | undefined): string[] | undefined => (a === undefined ? undefined : [...a].sort());

/** A received route as rackrouted should show it in its Adj-RIB-In. */
function expectedInRr(role: Role, r: Origination, linkLocal: string | undefined): RrRoute {
  const path = role === 'ext' ? [EXT_ASN, ...Array<number>(r.prepend ?? 0).fill(EXT_ASN), ...(r.asPath ?? [])] : (r.asPath ?? []);
  const peerAddr = LINKS[role].peer[v(familyOfPrefix(r.prefix))];
  const attrs: RrRoute['attrs'] = { origin: 'igp', asPath: path.join(' '), asPathSegments: path.length ? [{ type: 'sequence', asns: path }] : [] };
  if (familyOfPrefix(r.prefix) === 'ipv4') attrs.nextHop = peerAddr;
  if (r.med !== undefined) attrs.med = r.med;
  if (role === 'int') attrs.localPref = 100;
  if (r.communities?.length) attrs.communities = sortStrings(r.communities);
  if (r.largeCommunities?.length) attrs.largeCommunities = sortStrings(r.largeCommunities);
  const out: RrRoute = { prefix: r.prefix, attrs };
  if (familyOfPrefix(r.prefix) === 'ipv6') out.mpNextHop = linkLocal === undefined ? peerAddr : `${peerAddr} ${linkLocal}`;
  return out;
}

function normalizeRr(routes: RrRoute[]): RrRoute[] {
  return routes.map((r) => {
    const attrs = { ...r.attrs };
    if (attrs.communities) attrs.communities = sortStrings(attrs.communities);
    if (attrs.largeCommunities) attrs.largeCommunities = sortStrings(attrs.largeCommunities);
    return { ...r, attrs };
  }).sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** rackrouted's originated route as the peer should show it. */
function expectedAtPeer(role: Role, o: RrOriginate): Route {
  const f = familyOfPrefix(o.prefix);
  const r: Route = {
    prefix: o.prefix, nextHop: LINKS[role].rr[v(f)], asPath: role === 'ext' ? [RR_ASN] : [], origin: 'igp',
    communities: sortStrings(o.communities) ?? [], largeCommunities: sortStrings(o.largeCommunities) ?? [],
  };
  if (role === 'int') r.localPref = 100;
  return r;
}

function familyOfPrefix(p: string): Family {
  return p.includes(':') ? 'ipv6' : 'ipv4';
}

/** The peer's routes for rackrouted's prefixes (by prefix: `from` is not shown by every daemon). */
async function rrRoutesAtPeer(peer: Peer, role: Role, f: Family): Promise<Route[]> {
  const mine = new Set(RR_ORIGINATE.map((o) => o.prefix));
  return (await peer.routes(f)).filter((r) => mine.has(r.prefix)).map((r) => {
    const c = compact(r);
    delete c.from;
    if (role === 'ext') delete c.localPref; // a per-daemon default on eBGP-learned routes
    return c;
  });
}

/** Routes of protocol 186 (ours) in a namespace, as "prefix via gateway", both families. */
async function kernelRoutes(lab: Lab, ns: string): Promise<string[]> {
  const out: string[] = [];
  for (const fam of ['-4', '-6']) {
    const { stdout } = await lab.exec(ns, ['ip', '-j', fam, 'route', 'show', 'proto', '186']);
    for (const r of JSON.parse(stdout || '[]') as { dst: string; gateway?: string; nexthops?: { gateway: string }[] }[]) {
      const gws = r.gateway ? [r.gateway] : (r.nexthops ?? []).map((n) => n.gateway);
      out.push(`${r.dst} via ${gws.join(',')}`);
    }
  }
  return out.sort();
}

async function linkLocalOf(lab: Lab, ns: string, address: string): Promise<string> {
  const out = (await lab.exec(ns, ['ip', '-6', '-o', 'addr', 'show'])).stdout;
  const dev = out.split('\n').find((l) => l.includes(` ${address}/`))?.split(/\s+/)[1];
  const ll = out.split('\n').find((l) => dev !== undefined && l.split(/\s+/)[1] === dev && / fe80:/.test(l));
  const m = ll === undefined ? null : / (fe80:[0-9a-f:]+)\//.exec(ll);
  if (!m?.[1]) throw new Error(`no link-local address next to ${address} in ${ns}: ${out}`);
  return m[1];
}

export function interopSuite(spec: DaemonSpec): void {
  describe(`interop with ${spec.kind}: eBGP and iBGP over IPv4 and IPv6 transport`, () => {
    let lab: Lab;
    let rr: Rackroute;
    let tcpdump: ProcHandle | undefined;
    const peers = new Map<Role, Peer>();
    const pcap = (): string => join(lab.dir, 'bgp.pcap');
    let originate = RR_ORIGINATE;
    const withdrawnByPeer = new Set<string>();

    const peer = (role: Role): Peer => {
      const p = peers.get(role);
      assert.ok(p, `${spec.kind} (${role}) did not start`);
      return p;
    };
    const diag = (): string => `\n--- rackrouted log (${rr?.logFile}) ---\n${rr?.logTail(25)}`;

    before(async () => {
      lab = await createLab();
      for (const ns of ['rr', 'ext', 'int']) await lab.addNamespace(ns);
      for (const role of ROLES) {
        const l = LINKS[role];
        await lab.linkNamespaces('rr', role, { v4: [l.rr.v4, l.peer.v4, 24], v6: [l.rr.v6, l.peer.v6, 64] });
      }
      const capLog = join(lab.dir, 'tcpdump.log');
      tcpdump = lab.spawnIn('rr', ['tcpdump', '-i', 'any', '-U', '-Z', 'root', '-w', join(lab.dir, 'bgp.pcap'), 'tcp port 179'], { logFile: capLog });
      await waitFor(() => readFileSync(capLog, 'utf8').includes('listening on'), { timeoutMs: 5000, what: `tcpdump in rr to start (${capLog})` });
      const started = await Promise.all(ROLES.map((role) => spec.start(lab, role, peerConfig(role))));
      ROLES.forEach((role, i) => peers.set(role, started[i]!));
      rr = await startRackroute(lab, 'rr', rrConfig(originate));
    });

    after(async () => {
      // A frozen daemon must be able to die; SIGCONT is harmless to a running one.
      for (const p of peers.values()) {
        try {
          continueProcess(spec.bgpProcess(lab, p));
        } catch {
          // not running any more
        }
      }
      await tcpdump?.stop();
      const out = process.env['RR_CAPTURE_DIR'];
      if (out !== undefined && lab !== undefined) {
        mkdirSync(out, { recursive: true });
        copyFileSync(pcap(), join(out, `${spec.kind}.pcap`));
        const p = peers.get('ext');
        const info = { daemon: spec.kind, version: p ? await spec.version(lab, p) : 'unknown', date: new Date().toISOString(), rrAsn: RR_ASN, extAsn: EXT_ASN, links: LINKS };
        writeFileSync(join(out, `${spec.kind}.json`), `${JSON.stringify(info, null, 2)}\n`);
      }
      await lab?.cleanup();
    });

    it('brings all four sessions to Established on both sides', async () => {
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const name = sessionName(role, f);
          const n = await rr.waitEstablished(name).catch((e: Error) => assert.fail(`${e.message}${diag()}`));
          assert.equal(n.remoteAsn, role === 'ext' ? EXT_ASN : RR_ASN, `${name} remote AS`);
          assert.equal(n.holdTime, role === 'ext' ? HOLD_EXT : HOLD_INT, `${name} negotiated hold time`);
          assert.deepEqual(n.families, [f === 'ipv4' ? 'ipv4-unicast' : 'ipv6-unicast'], `${name} families`);
          const addr = LINKS[role].rr[v(f)];
          await waitFor(() => peer(role).state(addr), { timeoutMs: 10000, what: `${spec.kind} (${role}): session to ${addr} Established`, until: (s) => s === 'Established' });
        }
      }
    });

    it('delivers rackrouted\'s pod CIDRs to the peer with AS path, LOCAL_PREF, next hop and communities', async () => {
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const want = originate.filter((o) => familyOfPrefix(o.prefix) === f).map((o) => expectedAtPeer(role, o)).sort((a, b) => a.prefix.localeCompare(b.prefix));
          const got = await waitFor(() => rrRoutesAtPeer(peer(role), role, f), {
            timeoutMs: 10000, what: `${spec.kind} (${role}): rackrouted's ${f} routes`, until: (r) => r.length >= want.length,
          });
          assert.deepEqual(got, want, `${spec.kind} (${role}) ${f}: routes from rackrouted${diag()}`);
        }
      }
    });

    it('keeps the peer\'s routes intact in rackrouted\'s Adj-RIB-In (communities, large communities, MED, AS path)', async () => {
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const name = sessionName(role, f);
          const ll = spec.sendsLinkLocal[role] && f === 'ipv6' ? await linkLocalOf(lab, role, LINKS[role].peer.v6) : undefined;
          const want = peerRoutes(role).filter((r) => familyOfPrefix(r.prefix) === f).map((r) => expectedInRr(role, r, ll)).sort((a, b) => a.prefix.localeCompare(b.prefix));
          const got = await waitFor(async () => normalizeRr((await rr.routes(name))[name]?.received ?? []), {
            timeoutMs: 10000, what: `rackrouted: ${name} Adj-RIB-In with ${want.length} routes`, until: (r) => r.length >= want.length,
          });
          assert.deepEqual(got, want, `rackrouted ${name} Adj-RIB-In${diag()}`);
        }
      }
    });

    it('installs the peer\'s routes in the kernel under protocol 186, via the peer\'s address', async () => {
      const want = ROLES.flatMap((role) => peerRoutes(role).map((r) => `${r.prefix} via ${LINKS[role].peer[v(familyOfPrefix(r.prefix))]}`)).sort();
      const got = await waitFor(() => kernelRoutes(lab, rr.ns), {
        timeoutMs: 10000, what: 'kernel routes of proto 186 in rackrouted\'s namespace', until: (r) => r.length >= want.length,
      });
      assert.deepEqual(got, want, `kernel FIB${diag()}`);
    });

    it('removes a route from rackrouted\'s Adj-RIB-In when the peer withdraws it', async () => {
      for (const role of ROLES) {
        for (const prefix of peerWithdraws(role)) {
          await peer(role).withdraw(prefix);
          withdrawnByPeer.add(prefix);
        }
      }
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const name = sessionName(role, f);
          const want = peerRoutes(role).filter((r) => familyOfPrefix(r.prefix) === f && !withdrawnByPeer.has(r.prefix)).map((r) => r.prefix);
          await waitFor(async () => ((await rr.routes(name))[name]?.received ?? []).map((r) => r.prefix).sort(), {
            timeoutMs: 10000, what: `rackrouted: ${name} Adj-RIB-In to be exactly ${want.join(', ')}`, until: (r) => isDeepStrictEqual(r, want),
          });
        }
      }
      const left = ROLES.flatMap((role) => peerRoutes(role).filter((r) => !withdrawnByPeer.has(r.prefix)).map((r) => `${r.prefix} via ${LINKS[role].peer[v(familyOfPrefix(r.prefix))]}`)).sort();
      await waitFor(() => kernelRoutes(lab, rr.ns), { timeoutMs: 10000, what: `kernel routes to be exactly ${left.join(', ')}`, until: (r) => isDeepStrictEqual(r, left) });
    });

    it('withdraws a prefix removed from the config at SIGHUP, without resetting any session', async () => {
      const before = new Map((await rr.neighbors()).map((n) => [n.name, n]));
      originate = RR_ORIGINATE.filter((o) => !RR_RELOAD_DROPS.includes(o.prefix));
      await rr.reload(rrConfig(originate));
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const want = originate.filter((o) => familyOfPrefix(o.prefix) === f).map((o) => expectedAtPeer(role, o));
          await waitFor(() => rrRoutesAtPeer(peer(role), role, f), {
            timeoutMs: 10000, what: `${spec.kind} (${role}): rackrouted's ${f} routes after SIGHUP to be ${JSON.stringify(want)}${diag()}`,
            until: (r) => isDeepStrictEqual(r, want),
          });
        }
      }
      for (const n of await rr.neighbors()) {
        const b = before.get(n.name);
        assert.equal(n.state, 'Established', `${n.name} after reload`);
        assert.equal(n.flaps, b?.flaps, `${n.name}: reload must not reset the session`);
        assert.ok(n.uptimeMs > (b?.uptimeMs ?? Infinity), `${n.name}: uptime went from ${b?.uptimeMs} to ${n.uptimeMs} ms: session was reset`);
      }
      assert.equal(rr.proc.exitStatus(), null, `rackrouted exited on SIGHUP${diag()}`);
    });

    it(`detects a silent peer at hold-time expiry (${HOLD_EXT} s)`, async (t) => {
      const names = FAMILIES.map((f) => sessionName('ext', f));
      const flaps = new Map((await rr.neighbors()).map((n) => [n.name, n.flaps]));
      for (const name of names) assert.equal((await rr.neighbor(name)).state, 'Established', `${name} before the freeze`);
      const proc = spec.bgpProcess(lab, peer('ext'));
      const t0 = Date.now();
      process.kill(proc.pid, 'SIGSTOP');
      try {
        const downAt = new Map<string, number>();
        await waitFor(async () => {
          for (const n of await rr.neighbors()) {
            if (names.includes(n.name) && !downAt.has(n.name) && n.flaps > (flaps.get(n.name) ?? 0)) downAt.set(n.name, Date.now() - t0);
          }
          return downAt.size === names.length;
        }, { timeoutMs: (HOLD_EXT + 3) * 1000, what: `rackrouted: ${names.join(' and ')} down after the peer froze${diag()}`, intervalMs: 50 });
        for (const name of names) {
          const n = await rr.neighbor(name);
          assert.equal(n.lastDown?.kind, 'hold-timer-expired', `${name}: lastDown ${JSON.stringify(n.lastDown)}`);
          const ms = downAt.get(name) ?? 0;
          t.diagnostic(`${name}: hold timer expired ${ms} ms after SIGSTOP`);
          // The peer's last KEEPALIVE left at most one keepalive interval (hold/3) before the freeze
          // (500 ms for scheduling); a hold timer run on the keepalive interval would fire at ~1 s.
          const earliest = (HOLD_EXT - HOLD_EXT / 3) * 1000 - 500;
          const latest = HOLD_EXT * 1000 + 1000;
          assert.ok(ms >= earliest && ms <= latest, `${name}: down ${ms} ms after the freeze, want ${earliest}..${latest} ms`);
        }
        // The other sessions are not affected.
        for (const f of FAMILIES) assert.equal((await rr.neighbor(sessionName('int', f))).state, 'Established');
      } finally {
        continueProcess(proc);
      }
      for (const name of names) await rr.waitEstablished(name, 20000).catch((e: Error) => assert.fail(`after SIGCONT: ${e.message}${diag()}`));
    });

    it('sends Cease/Administrative Shutdown with the RFC 9003 reason on SIGTERM', async (t) => {
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          await rr.waitEstablished(sessionName(role, f));
          await waitFor(() => peer(role).state(LINKS[role].rr[v(f)]), { timeoutMs: 10000, what: `${spec.kind} (${role}) ${f} Established before SIGTERM`, until: (s) => s === 'Established' });
        }
      }
      // RFC 8538 §3 / RFC 4724 §4: a graceful-restart peer without the N bit is closed on silently
      // (a NOTIFICATION would make it drop our routes); every other one gets the Cease.
      const silent = new Set<string>();
      for (const n of await rr.neighbors()) {
        const caps = (n.capabilities ?? []) as { name: string; advertised?: boolean; received?: boolean; remoteDetail?: string }[];
        const gr = caps.find((c) => c.name === 'graceful-restart');
        if (gr?.advertised && gr.received && !/ N\b/.test(gr.remoteDetail ?? '') && !/restart-time 0s/.test(gr.remoteDetail ?? '')) silent.add(n.name);
      }
      const code = await rr.stop();
      assert.equal(code, 0, `rackrouted exit status after SIGTERM${diag()}`);
      for (const role of ROLES) {
        for (const f of FAMILIES) {
          const addr = LINKS[role].rr[v(f)];
          if (silent.has(sessionName(role, f))) {
            await waitFor(() => peer(role).state(addr), { timeoutMs: 10000, what: `${spec.kind} (${role}) ${f}: session closed`, until: (st) => st !== 'Established' });
            t.diagnostic(`${spec.kind} (${role}) ${f}: graceful restart without N bit: closed without NOTIFICATION`);
            continue;
          }
          const rep = (await waitFor(() => spec.ceaseReport(lab, peer(role), addr), { timeoutMs: 5000, what: `${spec.kind} (${role}): a NOTIFICATION from ${addr}` }))!;
          if (process.env['RR_DEBUG']) t.diagnostic(rep.raw);
          assert.deepEqual({ code: rep.code, subcode: rep.subcode }, { code: 6, subcode: 2 }, `${spec.kind} (${role}) ${addr}: ${rep.raw}`);
          if (spec.showsShutdownMessage) assert.equal(rep.message, SHUTDOWN_TEXT, `${spec.kind} (${role}) ${addr}: ${rep.raw}`);
          else assert.equal(rep.message, undefined, `${spec.kind} (${role}) ${addr} shows a message after all: ${rep.raw}`);
        }
      }
    });
  });
}

function continueProcess(p: ProcHandle): void {
  if (p.exitStatus() !== null) return;
  try {
    process.kill(p.pid, 'SIGCONT');
  } catch {
    // exited meanwhile
  }
}

/** The lab process whose argv starts with `program` and mentions `marker` (e.g. its per-peer dir). */
export function labProcess(lab: Lab, program: string, marker: string): ProcHandle {
  const p = lab.running().find((x) => x.argv[0] === program && x.argv.some((a) => a.includes(marker)));
  if (!p) throw new Error(`no running ${program} for ${marker} in lab ${lab.prefix}`);
  return p;
}
