/**
 * BFD (RFC 5880 / 5881) against the real thing: rackrouted in namespace `rr` peers over eBGP with
 * FRR (bgpd + bfdd, `neighbor X bfd profile`, 300 ms x 3) and with BIRD (`protocol bfd`, `bfd on`),
 * each over its own veth and over both IPv4 and IPv6 (one BGP + BFD session per family), BFD at
 * 300 ms x 3 on every side, graceful restart negotiated and the hold time long (30 s), so only BFD
 * can be fast. The link is then cut without losing carrier (an nft
 * rule in the peer's namespace drops everything on its interface both ways: a forwarding failure
 * that no link-down event reveals), and the time from the cut to the kernel deleting the peer's
 * route in rr is measured from `ip -ts monitor route` (netlink) timestamps; RR_BFD_CUTS (default
 * 4) cuts per peer. Requirement (the issue, at 300 ms x 3): under 1000 ms every time. Also: both
 * BGP sessions go down, restoring brings BFD, BGP and the route back, a reload re-times BFD in
 * place (Poll) without a BGP reset, and SIGTERM with graceful restart sends BFD AdminDown so the
 * peers keep rackrouted's routes (no BFD-triggered teardown).
 * Input: the lab harness, FRR, BIRD, nft, rackrouted (dist). Output: pass/fail and the figures.
 * Must not: leave namespaces, nft tables or processes behind (all inside the lab's namespaces).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { startRackroute, type Rackroute, type RackrouteConfig } from '../support/rackroute.js';
import * as bird from '../support/peers/bird.js';
import * as frr from '../support/peers/frr.js';
import type { BfdOptions, NeighborConfig, Peer } from '../support/peers/types.js';

const CLI_JS = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'daemon', 'cli', 'main.js');
const CUTS = Number(process.env['RR_BFD_CUTS'] ?? 4);
const BFD: BfdOptions = { minRx: 300, minTx: 300, multiplier: 3 };
/** The issue's requirement at 300 ms x 3 (detection is 900 ms after the last packet heard). */
const LIMIT_MS = 1000;
const HOLD = 30;
const RR_ASN = 65010;

type Kind = 'frr' | 'bird';
type Fam = 'v4' | 'v6';
interface Side { rr: string; peer: string; prefix: string }
const SIDE: Record<Kind, { asn: number; link: string } & Record<Fam, Side>> = {
  frr: { asn: 65001, link: '', v4: { rr: '10.0.1.1', peer: '10.0.1.2', prefix: '10.244.11.0/24' }, v6: { rr: 'fd00:1::1', peer: 'fd00:1::2', prefix: 'fd10:244:11::/48' } },
  bird: { asn: 65002, link: '', v4: { rr: '10.0.2.1', peer: '10.0.2.2', prefix: '10.244.12.0/24' }, v6: { rr: 'fd00:2::1', peer: 'fd00:2::2', prefix: 'fd10:244:12::/48' } },
};
const KINDS: Kind[] = ['frr', 'bird'];
const FAMS: Fam[] = ['v4', 'v6'];
/** rackrouted's peer name for a daemon and transport family. */
const nameOf = (k: Kind, f: Fam): string => (f === 'v4' ? k : `${k}-v6`);
const NAMES = KINDS.flatMap((k) => FAMS.map((f) => nameOf(k, f)));
/** A third peer (BIRD, no BFD) that feeds LOAD_ROUTES routes while BFD runs with the other two. */
const LOAD = { rr: '10.0.3.1', peer: '10.0.3.2', asn: 65003, name: 'load' };
const LOAD_ROUTES = Number(process.env['RR_BFD_LOAD_ROUTES'] ?? 65536);

function rrConfig(minTx = BFD.minTx, load = false): RackrouteConfig {
  const common = { families: ['ipv4-unicast' as const], holdTime: HOLD, connectRetry: 1, gracefulRestart: { enabled: true, restartTime: 120 } };
  return {
    routerId: '192.0.2.1', asn: RR_ASN, podNetworks: ['10.244.0.0/16', '10.160.0.0/11', 'fd10:244::/32'], originate: [{ prefix: '10.244.1.0/24' }],
    peers: [
      ...KINDS.flatMap((k) => FAMS.map((f) => ({
        name: nameOf(k, f), address: SIDE[k][f].peer, asn: SIDE[k].asn, localAddress: SIDE[k][f].rr, ...common,
        families: [f === 'v4' ? 'ipv4-unicast' as const : 'ipv6-unicast' as const],
        bfd: { enabled: true, minRx: BFD.minRx, minTx, multiplier: BFD.multiplier },
      }))),
      ...(load ? [{ name: LOAD.name, address: LOAD.peer, asn: LOAD.asn, localAddress: LOAD.rr, ...common }] : []),
    ],
  };
}

/** BIRD with LOAD_ROUTES static /27s in 10.160.0.0/11, exported to rackrouted. */
function loadBirdConfig(): string {
  const lines = ['log stderr all;', `router id ${LOAD.peer};`, 'protocol device { scan time 10; }', 'protocol static load4 {', '  ipv4;'];
  for (let i = 0; i < LOAD_ROUTES; i++) lines.push(`  route 10.${160 + (i >> 11)}.${(i >> 3) & 0xff}.${(i & 0x7) << 5}/27 blackhole;`);
  lines.push('}', `protocol bgp feed { local as ${LOAD.asn}; neighbor ${LOAD.rr} as ${RR_ASN}; passive on; hold time ${HOLD};`, '  ipv4 { import none; export all; }; }');
  return `${lines.join('\n')}\n`;
}

interface RrBfd { state: string; detectionTimeMs: number | null; txIntervalMs: number | null; minTxMs: number; remoteMultiplier?: number; remoteControlPlaneIndependent?: boolean; ttlChecked?: boolean }

/** `ip -ts` prints local time: "[2026-12-03T18:34:12.842844]". */
function monitorTime(stamp: string): number {
  const m = /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)\.(\d+)$/.exec(stamp);
  if (!m) throw new Error(`bad ip -ts stamp ${stamp}`);
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime() + Number(`0.${m[7]}`) * 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

describe('BFD with FRR bfdd and BIRD: a cut link takes the peer\'s routes out of the kernel in under a second', () => {
  let lab: Lab;
  let rr: Rackroute;
  const peers = new Map<Kind, Peer>();
  const figures: { name: string; ms: number }[] = [];

  const diag = (): string => `\n--- rackrouted log ---\n${rr?.logTail(30)}`;
  const peer = (k: Kind): Peer => peers.get(k)!;
  const rrBfd = async (name: string): Promise<RrBfd | undefined> => ((await rr.neighbor(name)) as unknown as { bfd?: RrBfd }).bfd;

  async function kernelHas(prefix: string): Promise<boolean> {
    const out = (await lab.exec('rr', ['ip', prefix.includes(':') ? '-6' : '-4', 'route', 'show', prefix, 'proto', '186'])).stdout;
    return out.trim() !== '';
  }

  /** The peer's own view of its BFD session with rackrouted's address: 'up', 'down', ... */
  async function peerBfdState(k: Kind, f: Fam): Promise<string> {
    const p = peer(k);
    const addr = SIDE[k][f].rr;
    if (k === 'frr') {
      const list = JSON.parse(await (p as unknown as { vtysh(c: string[], d?: string): Promise<string> }).vtysh(['show bfd peers json'], 'bfdd')) as { peer: string; status: string }[];
      return list.find((x) => x.peer === addr)?.status ?? 'none';
    }
    const out = (await lab.exec('bird', ['birdc', '-s', join(p.dir, 'bird.ctl'), 'show', 'bfd', 'sessions'])).stdout;
    const line = out.split('\n').find((l) => l.trim().startsWith(`${addr} `));
    return line?.trim().split(/\s+/)[2]?.toLowerCase() ?? 'none';
  }

  /** Why the peer's BGP session last went down, in its own words. */
  async function peerDownReason(k: Kind, f: Fam = 'v4'): Promise<string> {
    const addr = SIDE[k][f].rr;
    if (k === 'frr') {
      const j = JSON.parse(await (peer('frr') as unknown as { vtysh(c: string[]): Promise<string> }).vtysh([`show bgp neighbors ${addr} json`])) as Record<string, { lastResetDueTo?: string; lastNotificationReason?: string }>;
      const n = j[addr];
      // A BFD Down makes FRR send Cease/BFD Down (RFC 9384): lastResetDueTo "BGP Notification send".
      return n ? `${n.lastResetDueTo ?? '-'}: ${n.lastNotificationReason ?? '-'}` : JSON.stringify(j);
    }
    const b = (await lab.exec('bird', ['birdc', '-s', join(peer('bird').dir, 'bird.ctl'), 'show', 'protocols', 'all', bird.protocolName(addr)])).stdout;
    return b.split('\n').find((l) => /Last error/.test(l))?.trim() ?? b;
  }

  /** Both families' BGP sessions Established and BFD Up on both sides, the peer's routes in rr's kernel. */
  async function allUp(k: Kind, timeoutMs = 30000): Promise<void> {
    await waitFor(async () => {
      for (const f of FAMS) {
        const n = await rr.neighbor(nameOf(k, f));
        const b = (n as unknown as { bfd?: RrBfd }).bfd;
        const ok = n.state === 'Established' && b?.state === 'Up' && (await peer(k).state(SIDE[k][f].rr)) === 'Established' && (await peerBfdState(k, f)) === 'up' && (await kernelHas(SIDE[k][f].prefix));
        if (!ok) return `${nameOf(k, f)}: rr ${n.state}/BFD ${b?.state}, peer ${await peer(k).state(SIDE[k][f].rr)}/BFD ${await peerBfdState(k, f)}, kernel ${await kernelHas(SIDE[k][f].prefix)}`;
      }
      return 'up';
    }, { timeoutMs, what: `${k}: BGP Established and BFD Up on both sides for both families, routes in rr's kernel${diag()}`, intervalMs: 200, until: (x) => x === 'up' });
  }

  async function cut(k: Kind): Promise<void> {
    const ruleset = `table inet rrcut {\n chain in { type filter hook input priority -300; iifname "${SIDE[k].link}" drop; }\n chain out { type filter hook output priority -300; oifname "${SIDE[k].link}" drop; }\n}\n`;
    await lab.exec(k, ['nft', '-f', '-'], { input: ruleset });
  }

  async function restore(k: Kind): Promise<void> {
    await lab.exec(k, ['nft', 'delete', 'table', 'inet', 'rrcut']);
  }

  before(async () => {
    // Own per-run prefix ("bf" + random): other suites' leftover sweeps look for "rr".
    lab = await createLab(`bf${randomBytes(3).toString('hex').slice(0, 5)}`);
    for (const ns of ['rr', 'frr', 'bird']) await lab.addNamespace(ns);
    for (const k of KINDS) {
      const l = await lab.linkNamespaces('rr', k, { v4: [SIDE[k].v4.rr, SIDE[k].v4.peer, 24], v6: [SIDE[k].v6.rr, SIDE[k].v6.peer, 64] });
      SIDE[k].link = l.ifB;
    }
    await lab.addNamespace('load');
    await lab.linkNamespaces('rr', 'load', { v4: [LOAD.rr, LOAD.peer, 24] });
    const neighbors = (k: Kind): NeighborConfig[] => FAMS.map((f) => ({ address: SIDE[k][f].rr, asn: RR_ASN, holdTime: HOLD, passive: true, bfd: BFD, families: [f === 'v4' ? 'ipv4' : 'ipv6'] }));
    const routes = (k: Kind): { prefix: string }[] => FAMS.map((f) => ({ prefix: SIDE[k][f].prefix }));
    peers.set('frr', await frr.start(lab, 'frr', { routerId: SIDE.frr.v4.peer, asn: SIDE.frr.asn, neighbors: neighbors('frr'), routes: routes('frr'), connectRetry: 1 }));
    // BIRD graceful-restart able (its default, "aware", advertises Restart Time 0: no helper); FRR
    // is a helper by default.
    peers.set('bird', await bird.start(lab, 'bird', { routerId: SIDE.bird.v4.peer, asn: SIDE.bird.asn, neighbors: neighbors('bird'), routes: routes('bird'), connectRetry: 1, gracefulRestart: true }));
    rr = await startRackroute(lab, 'rr', rrConfig());
  });

  after(async () => {
    if (figures.length > 0) {
      const all = figures.map((f) => f.ms);
      process.stdout.write(`# BFD cut -> kernel route deleted, ms: ${figures.map((f) => `${f.name} ${f.ms.toFixed(1)}`).join(', ')}; median ${median(all).toFixed(1)}, max ${Math.max(...all).toFixed(1)} (${all.length} deletions)\n`);
    }
    await lab?.cleanup();
  });

  it('brings BFD Up over IPv4 and IPv6 on every side at 300 ms x 3 (900 ms detection), next to Established BGP', async (t) => {
    for (const k of KINDS) await allUp(k);
    for (const name of NAMES) {
      const b = await rrBfd(name);
      assert.equal(b?.detectionTimeMs, 900, `${name}: rackrouted's detection time ${JSON.stringify(b)}`);
      assert.equal(b?.txIntervalMs, 300, `${name}: TX interval`);
      assert.equal(b?.remoteMultiplier, 3);
      assert.equal(b?.ttlChecked, true, 'received TTL / Hop Limit checked (RFC 5881 §5)');
      t.diagnostic(`${name}: peer's C bit ${b?.remoteControlPlaneIndependent ? 1 : 0}`);
    }
    const { body } = await rr.http('/metrics');
    for (const name of NAMES) {
      assert.match(body, new RegExp(`rackroute_bfd_session_state\\{peer="${name}",state="Up"\\} 1`));
      assert.match(body, new RegExp(`rackroute_bfd_detection_time_seconds\\{peer="${name}"\\} 0\\.9`));
      assert.match(body, new RegExp(`rackroute_bfd_transitions_total\\{peer="${name}",to="Up"\\} 1`));
    }
    // `rackroute neighbors PEER` shows it.
    const cli = await lab.exec('rr', [process.execPath, CLI_JS, '--socket', rr.socket, 'neighbors', 'frr']);
    assert.match(cli.stdout, /BFD with frr: Up/);
    assert.match(cli.stdout, /negotiated: TX every 300 ms, detection time 900 ms/);
  });

  for (const k of KINDS) {
    it(`${k}: cutting the link removes its IPv4 and IPv6 routes from the kernel in under ${LIMIT_MS} ms, ${CUTS} times; BGP goes down on both sides and comes back`, async (t) => {
      const mine: number[] = [];
      for (let i = 0; i < CUTS; i++) {
        await allUp(k);
        const flaps = new Map((await rr.neighbors()).map((n) => [n.name, n.flaps]));
        const monLog = join(lab.dir, `monitor-${k}-${i}.log`);
        const mon: ProcHandle = lab.spawnIn('rr', ['ip', '-ts', 'monitor', 'route'], { logFile: monLog });
        await new Promise((r) => setTimeout(r, 300));
        try {
          try {
            const t0 = Date.now();
            await cut(k);
            for (const f of FAMS) {
              const prefix = SIDE[k][f].prefix;
              const line = await waitFor(() => readFileSync(monLog, 'utf8').split('\n').find((l) => l.includes(`Deleted ${prefix}`)), {
                timeoutMs: 5000, what: `rr's kernel to delete ${prefix} after the cut${diag()}`, intervalMs: 10,
              });
              const ms = monitorTime(/^\[([^\]]+)\]/.exec(line!)![1]!) - t0;
              mine.push(ms);
              figures.push({ name: nameOf(k, f), ms });
              t.diagnostic(`${k} cut ${i + 1}: ${prefix} deleted ${ms.toFixed(1)} ms after the cut`);
            }
          } finally {
            await mon.stop();
          }
          for (const f of FAMS) {
            const name = nameOf(k, f);
            const n = await rr.neighbor(name);
            assert.notEqual(n.state, 'Established', `${name}: rackrouted's session still Established`);
            assert.equal(n.flaps, (flaps.get(name) ?? 0) + 1);
            assert.deepEqual({ kind: n.lastDown?.kind, subcode: n.lastDown?.subcode }, { kind: 'auto-stop', subcode: 10 }, `${name}: down for BFD (Cease/10), not the hold timer: ${JSON.stringify(n.lastDown)}`);
            assert.notEqual((await rrBfd(name))?.state, 'Up');
            // The peer's BFD sees us gone too, and takes its BGP session down, naming BFD.
            await waitFor(() => peer(k).state(SIDE[k][f].rr), { timeoutMs: 3000, what: `${name}: the peer's BGP session to rackrouted down after the cut`, until: (st) => st !== 'Established' });
            const why = await peerDownReason(k, f);
            if (i === 0) t.diagnostic(`${name}: the peer's own reason: ${why}`);
            assert.match(why, /BFD/i, `${name}: the peer's BGP went down for another reason: ${why}`);
          }
          assert.ok(rr.logTail(300).includes('"event":"session.bfd-down"'), 'logged session.bfd-down');
          // The other daemon's sessions are not touched.
          for (const other of KINDS.filter((x) => x !== k)) for (const f of FAMS) assert.equal(flaps.get(nameOf(other, f)), (await rr.neighbor(nameOf(other, f))).flaps);
        } finally {
          await restore(k);
        }
      }
      await allUp(k);
      t.diagnostic(`${k}: median ${median(mine).toFixed(1)} ms, max ${Math.max(...mine).toFixed(1)} ms over ${mine.length} route deletions (${CUTS} cuts x 2 families)`);
      for (const ms of mine) assert.ok(ms < LIMIT_MS, `${k}: route deleted ${ms.toFixed(1)} ms after the cut (limit ${LIMIT_MS} ms); all: ${mine.map((x) => x.toFixed(1)).join(', ')}`);
    });
  }

  it('a reload re-times BFD in place (Poll Sequence): no BFD or BGP flap', async () => {
    for (const k of KINDS) await allUp(k);
    const before = new Map((await rr.neighbors()).map((n) => [n.name, n.flaps]));
    await rr.reload(rrConfig(200));
    for (const name of NAMES) {
      const b = await waitFor(() => rrBfd(name), { timeoutMs: 5000, what: `${name}: BFD minTx 200 applied`, until: (x) => x?.minTxMs === 200 && x.txIntervalMs !== null && x.txIntervalMs <= 300 });
      assert.equal(b?.state, 'Up');
      const n = await rr.neighbor(name);
      assert.equal(n.state, 'Established');
      assert.equal(n.flaps, before.get(name), `${name}: the BGP session was reset by a BFD timer change`);
    }
    const { body } = await rr.http('/metrics');
    for (const name of NAMES) assert.match(body, new RegExp(`rackroute_bfd_transitions_total\\{peer="${name}",to="Up"\\} ${CUTS + 1}\\b`), `${name}: an Up per cut plus the first, none from the reload`);
  });

  it(`keeps every BFD session Up while ${LOAD_ROUTES} routes from a third peer are learned, installed and withdrawn`, async (t) => {
    for (const k of KINDS) await allUp(k);
    const dir = join(lab.dir, 'bird-load');
    await lab.exec('load', ['mkdir', '-p', dir]);
    writeFileSync(join(dir, 'bird.conf'), loadBirdConfig());
    const loadProc = lab.spawnIn('load', ['bird', '-f', '-c', join(dir, 'bird.conf'), '-s', join(dir, 'bird.ctl'), '-P', join(dir, 'bird.pid')], { logFile: join(dir, 'bird.log') });
    const downs = async (): Promise<Map<string, number>> => {
      const { body } = await rr.http('/metrics');
      return new Map(NAMES.map((n) => [n, Number(new RegExp(`rackroute_bfd_transitions_total\\{peer="${n}",to="Down"\\} (\\d+)`).exec(body)?.[1] ?? 0)]));
    };
    const before = await downs();
    const flaps = new Map((await rr.neighbors()).map((n) => [n.name, n.flaps]));
    const count = async (): Promise<number> => Number((await lab.exec('rr', ['sh', '-c', 'ip -4 route show proto 186 | wc -l'])).stdout.trim());
    let maxLag = 0;
    const lag = async (): Promise<void> => {
      const m = /rackroute_event_loop_lag_seconds\{thread="main"\} ([\d.e-]+)/.exec((await rr.http('/metrics')).body);
      maxLag = Math.max(maxLag, Number(m?.[1] ?? 0));
    };
    try {
      const t0 = Date.now();
      await rr.reload(rrConfig(BFD.minTx, true));
      await waitFor(async () => {
        if (loadProc.exitStatus() !== null) throw new Error(`the load BIRD exited: ${readFileSync(join(dir, 'bird.log'), 'utf8').slice(0, 500)}`);
        await lag();
        return count();
      }, { timeoutMs: 120000, what: `${LOAD_ROUTES} load routes in rr's kernel`, intervalMs: 500, until: (n) => n >= LOAD_ROUTES + KINDS.length });
      t.diagnostic(`${LOAD_ROUTES} routes learned and installed in ${Date.now() - t0} ms`);
      const t1 = Date.now();
      await rr.reload(rrConfig(BFD.minTx, false));
      await waitFor(async () => {
        await lag();
        return count();
      }, { timeoutMs: 120000, what: 'the load routes gone from rr\'s kernel', intervalMs: 500, until: (n) => n <= KINDS.length });
      t.diagnostic(`withdrawn and removed in ${Date.now() - t1} ms; main thread event-loop lag at most ${(maxLag * 1000).toFixed(1)} ms (sampled)`);
    } finally {
      await loadProc.stop();
    }
    assert.deepEqual(await downs(), before, 'a BFD session went Down during the route load');
    for (const k of KINDS) {
      for (const f of FAMS) {
        const name = nameOf(k, f);
        assert.equal((await rr.neighbor(name)).flaps, flaps.get(name), `${name}: BGP flapped during the load`);
        assert.equal((await rrBfd(name))?.state, 'Up');
        assert.equal(await peerBfdState(k, f), 'up', `${name}: the peer's own BFD session`);
      }
    }
  });

  it('SIGTERM with graceful restart: BFD AdminDown (diag 7) first; FRR keeps rackrouted\'s route as a helper', async (t) => {
    for (const k of KINDS) await allUp(k);
    const t0 = Date.now();
    assert.equal(await rr.stop(), 0, `rackrouted exit status${diag()}`);
    // Three BFD detection times: a peer that took our silence for a failure would have acted.
    await new Promise((r) => setTimeout(r, 2700));
    const kept = new Map<Kind, boolean>();
    for (const k of KINDS) {
      kept.set(k, (await peer(k).routes('ipv4')).some((r) => r.prefix === '10.244.1.0/24'));
      t.diagnostic(`${k}: ${Date.now() - t0} ms after SIGTERM: BFD ${await peerBfdState(k, 'v4')}, BGP ${await peer(k).state(SIDE[k].v4.rr)} (${await peerDownReason(k)}), rackrouted's route ${kept.get(k) ? 'kept (graceful restart helper)' : 'gone'}`);
    }
    // RFC 5882 §3.2: the peer's AdminDown is not a path failure. FRR 8.4 keeps our route as a
    // graceful-restart helper (its bgpd still records "BFD down received"). BIRD 2.0 reports any
    // Up -> Down to BGP, AdminDown included: with `bfd on` it drops the session and our routes,
    // its `bfd graceful` would keep them. Reported above, not asserted: that is BIRD's behaviour.
    assert.ok(kept.get('frr'), 'frr: dropped rackrouted\'s route although it restarts gracefully (BFD AdminDown must not count as a failure)');
    const f = JSON.parse(await (peer('frr') as unknown as { vtysh(c: string[], d?: string): Promise<string> }).vtysh([`show bfd peer ${SIDE.frr.v4.rr} json`], 'bfdd')) as { status?: string; 'remote-diagnostic'?: string; diagnostic?: string };
    t.diagnostic(`FRR bfdd: ${JSON.stringify({ status: f.status, diagnostic: f.diagnostic, remote: f['remote-diagnostic'] })}`);
    assert.match(f['remote-diagnostic'] ?? '', /administratively down/, 'FRR saw our AdminDown (diag 7)');
  });

  it('for comparison, SIGKILL (no AdminDown): what the peers do when our BFD just falls silent', async (t) => {
    rr = await startRackroute(lab, 'rr', rrConfig());
    for (const k of KINDS) await allUp(k, 60000);
    process.kill(rr.pid, 'SIGKILL');
    await rr.proc.exited;
    await new Promise((r) => setTimeout(r, 2700));
    // Peer behaviour, reported, not asserted: rackrouted's BFD shares fate with it (C bit 0), so a
    // peer may keep graceful restart through the BFD failure (RFC 5882 §4.3) or not.
    for (const k of KINDS) {
      const kept = (await peer(k).routes('ipv4')).some((r) => r.prefix === '10.244.1.0/24');
      t.diagnostic(`${k}: 2.7 s after SIGKILL: BFD ${await peerBfdState(k, 'v4')}, BGP ${await peer(k).state(SIDE[k].v4.rr)} (${await peerDownReason(k)}), rackrouted's route ${kept ? 'kept' : 'gone'}`);
    }
  });
});
