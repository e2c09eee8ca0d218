/**
 * Proves the scenario-test harness with the three real daemons and no rackroute: BIRD 2, FRR and
 * GoBGP in their own namespaces, a veth pair between each two of them (IPv4 + IPv6), eBGP over
 * IPv4 transport (ipv4 unicast) and IPv6 transport (ipv6 unicast) on every pair. Each originates
 * one IPv4 and one IPv6 prefix with a community, a large community and a MED; every daemon must
 * see the other two's routes with exactly those attributes through the harness's parsers;
 * withdrawals must propagate; cleanup must leave no namespace, link or process behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import * as bird from '../support/peers/bird.js';
import * as frr from '../support/peers/frr.js';
import * as gobgp from '../support/peers/gobgp.js';
import { compact, type Family, type NeighborConfig, type Origination, type Peer, type PeerConfig, type Route } from '../support/peers/types.js';

type Name = 'bird' | 'frr' | 'gobgp';
const NAMES: Name[] = ['bird', 'frr', 'gobgp'];
const IDX: Record<Name, number> = { bird: 1, frr: 2, gobgp: 3 };
const asn = (n: Name): number => 65000 + IDX[n];
const PREPEND: Record<Name, number> = { bird: 0, frr: 1, gobgp: 2 };

/** Address of `me` on the link to `other`: 10.0.AB.x/24 and fd00:0:0:AB::x/64, AB = sorted ids. */
function addr(me: Name, other: Name, family: Family): string {
  const link = [IDX[me], IDX[other]].sort().join('');
  return family === 'ipv4' ? `10.0.${link}.${IDX[me]}` : `fd00:0:0:${link}::${IDX[me]}`;
}

function originated(n: Name): Origination[] {
  const attrs = { communities: [`${asn(n)}:1`], largeCommunities: [`${asn(n)}:1:2`], med: 10 * IDX[n], prepend: PREPEND[n] };
  return [{ prefix: `172.16.${IDX[n]}.0/24`, ...attrs }, { prefix: `2001:db8:${IDX[n]}::/48`, ...attrs }];
}

function peerConfig(me: Name): PeerConfig {
  const neighbors: NeighborConfig[] = [];
  for (const other of NAMES.filter((o) => o !== me)) {
    for (const family of ['ipv4', 'ipv6'] as const) {
      // The higher ASN waits, so each session is opened from one side only.
      neighbors.push({ address: addr(other, me, family), asn: asn(other), passive: asn(me) > asn(other), families: [family], holdTime: 9 });
    }
  }
  return { routerId: `192.0.2.${IDX[me]}`, asn: asn(me), neighbors, routes: originated(me), connectRetry: 1 };
}

/** What `me` must have learned from the others in one family (nothing else). */
function expected(me: Name, family: Family, withdrawn: Set<string>): Route[] {
  const out: Route[] = [];
  for (const other of NAMES.filter((o) => o !== me)) {
    for (const r of originated(other).filter((x) => x.prefix.includes(':') === (family === 'ipv6') && !withdrawn.has(x.prefix))) {
      const from = addr(other, me, family);
      out.push({
        prefix: r.prefix, nextHop: from, asPath: Array<number>(1 + (r.prepend ?? 0)).fill(asn(other)), origin: 'igp',
        med: r.med, communities: r.communities ?? [], largeCommunities: r.largeCommunities ?? [], from,
      });
    }
  }
  return out.sort((a, b) => a.prefix.localeCompare(b.prefix));
}

/** Learned routes only, without local-pref (a per-daemon default on eBGP-learned routes). */
async function learned(p: Peer, family: Family): Promise<Route[]> {
  return (await p.routes(family)).filter((r) => r.from !== undefined).map((r) => {
    const c = compact(r);
    delete c.localPref;
    return c;
  });
}

describe('harness self-test: BIRD, FRR and GoBGP peering with each other', () => {
  let lab: Lab;
  const peers = new Map<Name, Peer>();
  const withdrawn = new Set<string>();

  before(async () => {
    lab = await createLab();
    for (const n of NAMES) await lab.addNamespace(n);
    for (const [a, b] of [['bird', 'frr'], ['bird', 'gobgp'], ['frr', 'gobgp']] as const) {
      await lab.linkNamespaces(a, b, { v4: [addr(a, b, 'ipv4'), addr(b, a, 'ipv4'), 24], v6: [addr(a, b, 'ipv6'), addr(b, a, 'ipv6'), 64] });
    }
    const [pb, pf, pg] = await Promise.all([
      bird.start(lab, 'bird', peerConfig('bird')),
      frr.start(lab, 'frr', peerConfig('frr')),
      gobgp.start(lab, 'gobgp', peerConfig('gobgp')),
    ]);
    peers.set('bird', pb).set('frr', pf).set('gobgp', pg);
  });

  after(async () => {
    await lab?.cleanup();
  });

  const peer = (n: Name): Peer => {
    const p = peers.get(n);
    assert.ok(p, `${n} did not start`);
    return p;
  };

  it('brings every IPv4 and IPv6 session to Established', async () => {
    for (const me of NAMES) {
      for (const other of NAMES.filter((o) => o !== me)) {
        for (const family of ['ipv4', 'ipv6'] as const) {
          const nb = addr(other, me, family);
          await waitFor(() => peer(me).state(nb), { timeoutMs: 15000, what: `${me}: session to ${other} (${nb}) Established`, until: (s) => s === 'Established' });
        }
      }
    }
  });

  it('each daemon sees the others\' routes with community, large community, MED and AS path', async () => {
    for (const me of NAMES) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        const want = expected(me, family, withdrawn);
        const got = await waitFor(() => learned(peer(me), family), {
          timeoutMs: 10000, what: `${me}: ${family} routes from the other two`, until: (r) => r.length >= want.length,
        });
        assert.deepEqual(got, want, `${me} ${family}`);
      }
    }
  });

  it('propagates a withdrawal from each daemon', async () => {
    const gone: [Name, string][] = [['bird', '172.16.1.0/24'], ['frr', '2001:db8:2::/48'], ['gobgp', '172.16.3.0/24']];
    for (const [n, prefix] of gone) {
      await peer(n).withdraw(prefix);
      withdrawn.add(prefix);
    }
    for (const me of NAMES) {
      for (const family of ['ipv4', 'ipv6'] as const) {
        const want = expected(me, family, withdrawn);
        await waitFor(() => learned(peer(me), family), {
          timeoutMs: 10000, what: `${me}: ${family} routes after withdrawals to be ${JSON.stringify(want)}`,
          until: (r) => isDeepStrictEqual(r, want),
        });
      }
    }
  });

  it('announces a new route at run time from each daemon', async () => {
    for (const n of NAMES) {
      await peer(n).announce(`172.17.${IDX[n]}.0/24`, { communities: [`${asn(n)}:7`], largeCommunities: [`${asn(n)}:7:7`], med: 7 });
    }
    for (const me of NAMES) {
      const want = NAMES.filter((o) => o !== me).map((o) => `172.17.${IDX[o]}.0/24`);
      const got = await waitFor(async () => (await learned(peer(me), 'ipv4')).filter((r) => r.prefix.startsWith('172.17.')), {
        timeoutMs: 10000, what: `${me}: runtime announcements ${want.join(',')}`, until: (r) => r.length === want.length,
      });
      for (const r of got) {
        const o = NAMES.find((x) => r.prefix === `172.17.${IDX[x]}.0/24`) ?? 'bird';
        assert.deepEqual({ c: r.communities, l: r.largeCommunities, m: r.med }, { c: [`${asn(o)}:7`], l: [`${asn(o)}:7:7`], m: 7 }, `${me} ${r.prefix}`);
      }
    }
  });

  it('cleanup leaves no namespace, link or process behind', async () => {
    const pids = lab.running().map((p) => p.pid);
    assert.ok(pids.length >= 4, `expected bird, zebra, bgpd and gobgpd running, got ${pids.length} processes`);
    await lab.cleanup();
    const netns = execFileSync('ip', ['netns', 'list']).toString();
    assert.ok(!netns.includes(lab.prefix), `namespaces left: ${netns}`);
    const links = execFileSync('ip', ['-o', 'link']).toString();
    assert.ok(!links.includes(lab.prefix), `links left in the root namespace: ${links}`);
    for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} still alive`);
  });
});
