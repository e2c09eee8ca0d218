/**
 * The route engine on plain values: session up/down, UPDATE ingest with RFC 7606 verdicts,
 * origination with next-hop-self, End-of-RIB, route refresh and back-pressure. No worker, no
 * sockets: the engine's emit callback is recorded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RouteEngine } from '../../../../daemon/rib/engine.js';
import type { FromEngine, PeerSessionInfo } from '../../../../daemon/bus.js';
import { decodeMessage, encodeMessage } from '../../../../peers/wire/index.js';
import { familyKey, fullContext } from '../../../../peers/wire/context.js';
import type { UpdateMsg } from '../../../../peers/wire/types.js';
import { parsePrefix, prefixToString } from '../../../../peers/wire/nlri.js';
import { isEndOfRib } from '../../../../peers/wire/update.js';
import { hex } from '../../../support/hex.js';
import { config, node, peer } from '../../config/builders.js';

const V4V6 = [familyKey(1, 1), familyKey(2, 1)];

interface RouteJson {
  prefix: string;
  attrs: { asPath?: string; med?: number; largeCommunities?: string[] };
}
interface PeerRoutes {
  received: RouteJson[];
  counters: { treatAsWithdraw: number };
}

function info(over: Partial<PeerSessionInfo> = {}): PeerSessionInfo {
  return {
    peer: 'tor1',
    session: 1,
    localAs: 65010,
    peerAs: 65000,
    ebgp: true,
    routerId: 0x0a000001,
    peerRouterId: 0x0a000002,
    ctx: { as4: true, extendedMessage: false, addPathRx: [], addPathTx: [], ebgp: true, families: V4V6 },
    nextHopV4: '192.0.2.10',
    nextHopV6: '2001:db8::10',
    enhancedRouteRefresh: true,
    ...over,
  };
}

function harness(): { engine: RouteEngine; out: FromEngine[]; sent: (ebgp?: boolean) => UpdateMsg[]; query: (kind?: 'routes' | 'stats' | 'rib') => Record<string, PeerRoutes> } {
  const out: FromEngine[] = [];
  const engine = new RouteEngine((m) => out.push(m), (fn) => fn());
  return {
    engine,
    out,
    sent: (ebgp = true) => {
      const msgs = out.filter((m): m is Extract<FromEngine, { t: 'send' }> => m.t === 'send').flatMap((m) => m.msgs);
      out.length = 0;
      return msgs.map((b) => decodeMessage(new Uint8Array(b), { ...fullContext(ebgp), extendedMessage: true })).filter((d) => d.ok && d.value.type === 2).map((d) => (d.ok ? (d.value as UpdateMsg) : (null as never)));
    },
    query: (kind = 'routes') => {
      engine.handle({ t: 'query', id: 7, q: { kind } });
      const r = out.pop();
      assert.equal(r?.t, 'query-result');
      return (r as { result: Record<string, PeerRoutes> }).result;
    },
  };
}

function updateBody(u: UpdateMsg): ArrayBuffer {
  const full = encodeMessage(u, fullContext(true));
  return full.slice(19).buffer;
}

const ORIGINATE = { t: 'originate' as const, prefixes: [{ prefix: '10.244.1.0/24', communities: ['65010:7'] }, { prefix: 'fd00:244:1::/64' }] };

test('peer up: originated prefixes go out with next-hop-self and our AS, then End-of-RIB per family', () => {
  const h = harness();
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'peer-up', info: info() });
  const msgs = h.sent();
  const v4 = msgs.find((m) => m.nlri.length > 0);
  assert.ok(v4);
  assert.deepEqual(v4.nlri.map(prefixToString), ['10.244.1.0/24']);
  assert.deepEqual(v4.attrs.asPath, [{ type: 2, asns: [65010] }]);
  assert.deepEqual([...(v4.attrs.nextHop ?? [])], [192, 0, 2, 10]);
  assert.deepEqual(v4.attrs.communities, [((65010 << 16) | 7) >>> 0]);
  assert.equal(v4.attrs.localPref, undefined, 'RFC 4271 §5.1.5: no LOCAL_PREF to eBGP');
  const v6 = msgs.find((m) => m.mpReach);
  assert.deepEqual(v6?.mpReach?.nlri.map(prefixToString), ['fd00:244:1::/64']);
  assert.deepEqual(msgs.map(isEndOfRib).filter(Boolean), [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }]);
});

test('iBGP: empty AS path and LOCAL_PREF 100', () => {
  const h = harness();
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'peer-up', info: info({ ebgp: false, peerAs: 65010 }) });
  const v4 = h.sent(false).find((m) => m.nlri.length > 0);
  assert.deepEqual(v4?.attrs.asPath, []);
  assert.equal(v4?.attrs.localPref, 100);
});

test('originate changes are diffed: only the withdrawn prefix is withdrawn', () => {
  const h = harness();
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'peer-up', info: info() });
  h.sent();
  h.engine.handle({ t: 'originate', prefixes: [{ prefix: '10.244.1.0/24', communities: ['65010:7'] }] });
  const msgs = h.sent();
  assert.equal(msgs.length, 1);
  assert.deepEqual(msgs[0]?.mpUnreach?.withdrawn.map(prefixToString), ['fd00:244:1::/64']);
});

test('received routes land in Adj-RIB-In; withdrawals and treat-as-withdraw remove them', () => {
  const h = harness();
  h.engine.handle({ t: 'peer-up', info: info() });
  h.sent();
  const p1 = parsePrefix('10.1.0.0/24');
  const p2 = parsePrefix('10.2.0.0/24');
  assert.ok(p1 && p2);
  const attrs = { origin: 0 as const, asPath: [{ type: 2, asns: [65000, 65100] }], nextHop: new Uint8Array([192, 0, 2, 1]), med: 5, communities: [1], largeCommunities: [[65000, 1, 2] as const] };
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [], attrs, nlri: [p1, p2] }), receivedAt: 0 });
  let r = h.query().tor1 as PeerRoutes;
  assert.deepEqual(r.received.map((x) => x.prefix), ['10.1.0.0/24', '10.2.0.0/24']);
  assert.equal(r.received[0]?.attrs.asPath, '65000 65100');
  assert.equal(r.received[0]?.attrs.med, 5);
  assert.deepEqual(r.received[0]?.attrs.largeCommunities, ['65000:1:2']);
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [p1], attrs: {}, nlri: [] }), receivedAt: 0 });
  r = h.query().tor1 as PeerRoutes;
  assert.deepEqual(r.received.map((x) => x.prefix), ['10.2.0.0/24']);
  // RFC 7606 §7.1: ORIGIN of length 2 -> treat-as-withdraw for 10.2.0.0/24.
  const taw = hex`0000 0015 4001020000 40020602010000fde8 400304c0000201 180a0200`;
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, buf: taw.slice().buffer, offset: 0, receivedAt: 0 });
  r = h.query().tor1 as PeerRoutes;
  assert.deepEqual(r.received, []);
  assert.equal(r.counters.treatAsWithdraw, 1);
  assert.ok(h.out.some((m) => m.t === 'log' && m.event === 'update.malformed'));
});

test('a session-reset error goes back to the session; stale sessions are ignored', () => {
  const h = harness();
  h.engine.handle({ t: 'peer-up', info: info() });
  h.sent();
  // Withdrawn Routes Length runs past the body: RFC 4271 §6.3 3/1.
  const bad = hex`00ff 0000`;
  h.engine.handle({ t: 'update', peer: 'tor1', session: 0, buf: bad.slice().buffer, offset: 0, receivedAt: 0 });
  assert.equal(h.out.length, 0, 'an UPDATE from an old session is dropped');
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, buf: bad.slice().buffer, offset: 0, receivedAt: 0 });
  const reset = h.out.find((m) => m.t === 'reset');
  assert.ok(reset && reset.t === 'reset');
  assert.equal(reset.error.code, 3);
  assert.equal(reset.error.subcode, 1);
  // Anything the peer sent after the fatal UPDATE is ignored: the session is over.
  const ok = parsePrefix('10.9.0.0/24');
  assert.ok(ok);
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [], attrs: { origin: 0, asPath: [], nextHop: new Uint8Array([192, 0, 2, 1]) }, nlri: [ok] }), receivedAt: 0 });
  assert.deepEqual(h.query(), {});
});

test('peer down clears its routes; route refresh re-sends with BoRR/EoRR; xoff holds output until xon', () => {
  const h = harness();
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'peer-up', info: info() });
  h.sent();
  h.engine.handle({ t: 'route-refresh', peer: 'tor1', session: 1, afi: 1, safi: 1 });
  const rr = h.out.flatMap((m) => (m.t === 'send' ? m.msgs : [])).map((b) => new Uint8Array(b)[18]);
  assert.equal(rr[0], 5, 'BoRR first');
  assert.equal(rr.at(-1), 5, 'EoRR last');
  h.out.length = 0;
  h.engine.handle({ t: 'xoff', peer: 'tor1', session: 1 });
  h.engine.handle({ t: 'originate', prefixes: [] });
  assert.equal(h.out.length, 0, 'nothing produced while throttled');
  h.engine.handle({ t: 'xon', peer: 'tor1', session: 1 });
  assert.equal(h.sent().length, 2, 'withdrawals for both families after xon');
  h.engine.handle({ t: 'peer-down', peer: 'tor1', session: 1 });
  assert.deepEqual(h.query(), {});
});

function announceBody(prefix: string, asns: number[], nh: number[]): ArrayBuffer {
  const p = parsePrefix(prefix);
  assert.ok(p);
  return updateBody({ type: 2, withdrawn: [], attrs: { origin: 0, asPath: [{ type: 2, asns }], nextHop: new Uint8Array(nh) }, nlri: [p] });
}

function fibOf(out: FromEngine[]): { prefix: string; nexthops: readonly { gateway: string }[] }[] {
  return out.flatMap((m) => (m.t === 'fib' ? m.changes : []));
}

test('two ToRs in different ASes: one ECMP kernel route (multipath relax); withdrawals shrink then remove it', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-a', session: 1, peerAs: 65001, remoteAddress: '192.0.2.1' }) });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-b', session: 2, peerAs: 65002, peerRouterId: 0x0a000003, remoteAddress: '192.0.2.2' }) });
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody('10.5.0.0/24', [65001, 65100], [192, 0, 2, 1]), receivedAt: 0 });
  h.engine.handle({ t: 'update', peer: 'tor-b', session: 2, offset: 0, buf: announceBody('10.5.0.0/24', [65002, 65100], [192, 0, 2, 2]), receivedAt: 0 });
  const fib = fibOf(h.out);
  assert.deepEqual(fib.at(-1), { prefix: '10.5.0.0/24', nexthops: [{ gateway: '192.0.2.1' }, { gateway: '192.0.2.2' }] });
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [parsePrefix('10.5.0.0/24')!], attrs: {}, nlri: [] }), receivedAt: 0 });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.5.0.0/24', nexthops: [{ gateway: '192.0.2.2' }] }]);
  h.out.length = 0;
  h.engine.handle({ t: 'peer-down', peer: 'tor-b', session: 2 });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.5.0.0/24', nexthops: [] }]);
});

test('next-hop reachability from the FIB thread: an unresolvable next hop leaves ECMP and comes back; cost breaks ties', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-a', session: 1, peerAs: 65001, remoteAddress: '192.0.2.1' }) });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-b', session: 2, peerAs: 65002, peerRouterId: 0x0a000003, remoteAddress: '192.0.2.2' }) });
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody('10.5.0.0/24', [65001, 65100], [192, 0, 2, 1]), receivedAt: 0 });
  h.engine.handle({ t: 'update', peer: 'tor-b', session: 2, offset: 0, buf: announceBody('10.5.0.0/24', [65002, 65100], [192, 0, 2, 2]), receivedAt: 0 });
  const tracked = h.out.filter((m): m is Extract<FromEngine, { t: 'track' }> => m.t === 'track').flatMap((m) => m.gateways);
  assert.deepEqual(tracked, ['192.0.2.1', '192.0.2.2'], 'each learned next hop is handed to the FIB thread once');
  h.out.length = 0;
  h.engine.handle({ t: 'nh-state', states: [{ gateway: '192.0.2.1', reachable: false }] });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.5.0.0/24', nexthops: [{ gateway: '192.0.2.2' }] }]);
  const stats = h.query('stats') as unknown as { unreachableNextHops: string[] };
  assert.deepEqual(stats.unreachableNextHops, ['192.0.2.1']);
  h.out.length = 0;
  // Both reachable again, at different costs: the cheaper next hop wins alone (RFC 4271 §9.1.2.2 e).
  h.engine.handle({ t: 'nh-state', states: [{ gateway: '192.0.2.1', reachable: true, cost: 10 }, { gateway: '192.0.2.2', reachable: true, cost: 20 }] });
  assert.deepEqual(fibOf(h.out).at(-1), { prefix: '10.5.0.0/24', nexthops: [{ gateway: '192.0.2.1' }] });
  h.out.length = 0;
  h.engine.handle({ t: 'nh-state', states: [{ gateway: '192.0.2.2', reachable: true, cost: 10 }] });
  assert.deepEqual(fibOf(h.out).at(-1), { prefix: '10.5.0.0/24', nexthops: [{ gateway: '192.0.2.1' }, { gateway: '192.0.2.2' }] });
  h.out.length = 0;
  h.engine.handle({ t: 'nh-state', states: [{ gateway: '192.0.2.1', reachable: false }, { gateway: '192.0.2.2', reachable: false }] });
  assert.deepEqual(fibOf(h.out).at(-1), { prefix: '10.5.0.0/24', nexthops: [] }, 'no eligible path: the route leaves the kernel');
});

test('learned routes go only to peers configured for them, with our AS prepended; AS loops are not used', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tester', session: 1, peerAs: 65001 }) });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'monitor', session: 2, peerAs: 65003, exportLearned: true }) });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'quiet', session: 3, peerAs: 65004 }) });
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tester', session: 1, offset: 0, buf: announceBody('10.6.0.0/24', [65001], [192, 0, 2, 1]), receivedAt: 0 });
  h.engine.handle({ t: 'update', peer: 'tester', session: 1, offset: 0, buf: announceBody('10.7.0.0/24', [65001, 65010], [192, 0, 2, 1]), receivedAt: 0 });
  const sends = h.out.filter((m): m is Extract<FromEngine, { t: 'send' }> => m.t === 'send');
  assert.deepEqual([...new Set(sends.map((s) => s.peer))], ['monitor']);
  const sent = h.sent().filter((u) => u.nlri.length > 0);
  assert.deepEqual(sent.map((u) => u.nlri.map(prefixToString)), [['10.6.0.0/24']], 'the looped 10.7.0.0/24 is not exported');
  assert.deepEqual(sent[0]?.attrs.asPath, [{ type: 2, asns: [65010, 65001] }]);
  const rib = (h.query('rib') as unknown as { routes: { prefix: string; installed: boolean }[] }).routes;
  assert.deepEqual(rib.map((r) => [r.prefix, r.installed]), [['10.6.0.0/24', true], ['10.7.0.0/24', false]]);
});

test('policy from the config: only pod-network routes are accepted; max-prefix resets with Cease/1 and its data', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  const cfg = config({
    node: node({ routerId: '10.0.0.1', asn: 65010, podNetworks: ['10.5.0.0/16'] }),
    peers: [peer({ address: '192.0.2.1', name: 'tor-a', asn: 65001, maxPrefix: { limit: 2, warningPercent: 50 } })],
  });
  h.engine.handle({ t: 'policy', config: cfg, hostAddresses: ['192.0.2.10'] });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-a', session: 1, peerAs: 65001 }) });
  h.out.length = 0;
  for (const p of ['10.5.1.0/24', '10.99.0.0/24', '10.5.2.0/24'])
    h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody(p, [65001], [192, 0, 2, 1]), receivedAt: 0 });
  assert.deepEqual(fibOf(h.out).map((f) => f.prefix), ['10.5.1.0/24', '10.5.2.0/24'], '10.99.0.0/24 is outside the pod networks');
  const r = h.query()['tor-a'] as PeerRoutes;
  assert.ok(r.received.some((x) => x.prefix === '10.99.0.0/24'), 'refused routes stay visible in the Adj-RIB-In');
  assert.equal(h.out.filter((m) => m.t === 'reset').length, 0, 'the limit itself is allowed');
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody('10.5.3.0/24', [65001], [192, 0, 2, 1]), receivedAt: 0 });
  const reset = h.out.find((m) => m.t === 'reset');
  assert.ok(reset && reset.t === 'reset');
  assert.deepEqual([reset.error.code, reset.error.subcode], [6, 1]);
  // RFC 4486 §4: AFI (2 octets), SAFI (1), prefix upper bound (4).
  assert.deepEqual([...reset.error.data], [0, 1, 1, 0, 0, 0, 2]);
  assert.equal(reset.holdDownMs, null, 'no restartAfter: held down until an operator restarts it');
  assert.deepEqual(h.query(), {});
});

// ---- graceful restart (RFC 4724, RFC 8538) ----

/** RFC 4724 §2: the IPv4 unicast End-of-RIB, an UPDATE with nothing in it. */
function eor(): ArrayBuffer {
  return updateBody({ type: 2, withdrawn: [], attrs: {}, nlri: [] });
}

test('GR helper: a restarting peer\'s routes stay (stale) until re-announced or its End-of-RIB; no F bit flushes at once', () => {
  const h = harness();
  const gr = { gracefulRestart: { forwarding: [familyKey(1, 1)] } };
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ session: 1, remoteAddress: '192.0.2.1', ...gr }) });
  for (const p of ['10.5.0.0/24', '10.6.0.0/24']) h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: announceBody(p, [65000], [192, 0, 2, 1]), receivedAt: 0 });
  h.out.length = 0;
  h.engine.handle({ t: 'peer-down', peer: 'tor1', session: 1, graceful: true });
  assert.deepEqual(fibOf(h.out), [], 'nothing leaves the kernel while the peer restarts');
  assert.equal((h.query('stats') as unknown as { staleRoutes: number }).staleRoutes, 2);
  // Back, with forwarding state kept: it re-sends one route (replacing the stale one), then End-of-RIB.
  h.engine.handle({ t: 'peer-up', info: info({ session: 2, remoteAddress: '192.0.2.1', ...gr }) });
  h.engine.handle({ t: 'update', peer: 'tor1', session: 2, offset: 0, buf: announceBody('10.5.0.0/24', [65000], [192, 0, 2, 1]), receivedAt: 0 });
  assert.deepEqual(fibOf(h.out).filter((c) => c.nexthops.length === 0), [], 'a re-announced route is never withdrawn');
  assert.equal((h.query('stats') as unknown as { staleRoutes: number }).staleRoutes, 1);
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tor1', session: 2, offset: 0, buf: eor(), receivedAt: 0 });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.6.0.0/24', nexthops: [] }], 'End-of-RIB removes what was not re-learned');
  assert.equal((h.query('stats') as unknown as { staleRoutes: number }).staleRoutes, 0);
  // Down again; back without the F bit (it lost its forwarding state): stale routes go at once.
  h.engine.handle({ t: 'peer-down', peer: 'tor1', session: 2, graceful: true });
  h.out.length = 0;
  h.engine.handle({ t: 'peer-up', info: info({ session: 3, remoteAddress: '192.0.2.1', gracefulRestart: { forwarding: [] } }) });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.5.0.0/24', nexthops: [] }]);
});

test('GR helper: the stale timer ends stale routes; a hard down never keeps them', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ session: 1, remoteAddress: '192.0.2.1' }) });
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: announceBody('10.5.0.0/24', [65000], [192, 0, 2, 1]), receivedAt: 0 });
  h.engine.handle({ t: 'peer-down', peer: 'tor1', session: 1, graceful: true });
  h.out.length = 0;
  h.engine.handle({ t: 'stale-expire', peer: 'tor1' });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.5.0.0/24', nexthops: [] }]);
  h.engine.handle({ t: 'peer-up', info: info({ session: 2, remoteAddress: '192.0.2.1' }) });
  h.engine.handle({ t: 'update', peer: 'tor1', session: 2, offset: 0, buf: announceBody('10.7.0.0/24', [65000], [192, 0, 2, 1]), receivedAt: 0 });
  h.out.length = 0;
  h.engine.handle({ t: 'peer-down', peer: 'tor1', session: 2 });
  assert.deepEqual(fibOf(h.out), [{ prefix: '10.7.0.0/24', nexthops: [] }]);
});

test('GR restarting speaker: nothing is sent until End-of-RIB from every GR peer, then restart-complete', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'restarting', peers: ['tor1', 'tor2'] });
  h.engine.handle({ t: 'peer-up', info: info({ session: 1, remoteAddress: '192.0.2.1', gracefulRestart: { forwarding: [] } }) });
  // tor2 comes up without graceful restart: it need not send End-of-RIB, so it is not waited for.
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor2', session: 2, remoteAddress: '192.0.2.2' }) });
  assert.deepEqual(h.sent(), [], 'advertisements deferred (RFC 4724 §4.1)');
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: eor(), receivedAt: 0 });
  assert.ok(!h.out.some((m) => m.t === 'restart-complete'), 'IPv6 End-of-RIB still missing');
  h.engine.handle({ t: 'update', peer: 'tor1', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [], attrs: {}, nlri: [], mpUnreach: { afi: 2, safi: 1, withdrawn: [] } }), receivedAt: 0 });
  const done = h.out.find((m) => m.t === 'restart-complete');
  assert.deepEqual(done, { t: 'restart-complete', reason: 'end-of-rib' });
  const msgs = h.sent();
  assert.ok(msgs.some((m) => m.nlri.some((p) => prefixToString(p) === '10.244.1.0/24')), 'the initial table goes out once the restart is over');
});

// ---- metrics: per-family counts and update-to-kernel stamps ----

interface FamilyCounts {
  received: number;
  accepted: number;
  advertised: number;
}

function familiesOf(h: ReturnType<typeof harness>, name: string): Record<string, FamilyCounts> {
  const s = h.query('stats') as unknown as { peers: { peer: string; families: Record<string, FamilyCounts> }[] };
  const p = s.peers.find((x) => x.peer === name);
  assert.ok(p, `stats for ${name}`);
  return p.families;
}

test('stats per family: received (pre-policy), accepted (post-policy), advertised; withdrawals count down', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  const cfg = config({ node: node({ routerId: '10.0.0.1', asn: 65010, podNetworks: ['10.5.0.0/16', 'fd00:5::/48'] }), peers: [peer({ address: '192.0.2.1', name: 'tor-a', asn: 65001 })] });
  h.engine.handle({ t: 'policy', config: cfg, hostAddresses: [] });
  h.engine.handle(ORIGINATE);
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-a', session: 1, peerAs: 65001 }) });
  for (const p of ['10.5.1.0/24', '10.99.0.0/24'])
    h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody(p, [65001], [192, 0, 2, 1]), receivedAt: 0 });
  const v6 = ['fd00:5:0:1::/64', 'fd00:5:0:2::/64', 'fd00:99::/64'].map((t) => parsePrefix(t)).filter((p) => p !== null);
  const mpReach = { afi: 2, safi: 1, nextHop: { global: new Uint8Array([0x20, 1, 0xd, 0xb8, ...Array<number>(11).fill(0), 1]) }, nlri: v6 };
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [], attrs: { origin: 0, asPath: [{ type: 2, asns: [65001] }] }, nlri: [], mpReach }), receivedAt: 0 });
  // The defaults export this node's own prefixes only: one per family.
  assert.deepEqual(familiesOf(h, 'tor-a'), {
    'ipv4-unicast': { received: 2, accepted: 1, advertised: 1 },
    'ipv6-unicast': { received: 3, accepted: 2, advertised: 1 },
  });
  const p1 = parsePrefix('10.5.1.0/24');
  assert.ok(p1);
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: updateBody({ type: 2, withdrawn: [p1], attrs: {}, nlri: [] }), receivedAt: 0 });
  assert.deepEqual(familiesOf(h, 'tor-a')['ipv4-unicast'], { received: 1, accepted: 0, advertised: 1 });
});

test('kernel changes carry the receive time of the UPDATE that caused them; walks carry -1', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'tor-a', session: 1, peerAs: 65001 }) });
  h.out.length = 0;
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody('10.5.1.0/24', [65001], [192, 0, 2, 1]), receivedAt: 1234.5 });
  h.engine.handle({ t: 'update', peer: 'tor-a', session: 1, offset: 0, buf: announceBody('10.5.2.0/24', [65001], [192, 0, 2, 1]), receivedAt: 1300 });
  const fib = h.out.filter((m): m is Extract<FromEngine, { t: 'fib' }> => m.t === 'fib');
  const pairs = fib.flatMap((m) => {
    const out: [string, number][] = [];
    for (let s = 0; s < (m.stamps ?? []).length; s += 2)
      for (let i = m.stamps?.[s] ?? 0; i < (m.stamps?.[s + 2] ?? m.changes.length); i++) out.push([m.changes[i]?.prefix ?? '', m.stamps?.[s + 1] ?? NaN]);
    return out;
  });
  assert.deepEqual(pairs, [['10.5.1.0/24', 1234.5], ['10.5.2.0/24', 1300]]);
  h.out.length = 0;
  h.engine.handle({ t: 'peer-down', peer: 'tor-a', session: 1 });
  const down = h.out.filter((m): m is Extract<FromEngine, { t: 'fib' }> => m.t === 'fib');
  assert.deepEqual(down.flatMap((m) => m.stamps ?? []), [0, -1], 'a session going down is no UPDATE');
  assert.equal(down.flatMap((m) => m.changes).length, 2);
});

test('Kubernetes ownership: enforce refuses a pod CIDR from the wrong node (kept, with the reason), warn accepts and counts, a new node list re-checks stored routes', () => {
  const h = harness();
  h.engine.handle({ t: 'local', local: { asn: 65010, routerId: 0x0a000001 } });
  const nodes = [
    { name: 'n2', podCidrs: ['10.244.2.0/24'], addresses: ['192.0.2.2'], routerIds: ['192.0.2.2'] },
    { name: 'n3', podCidrs: ['10.244.3.0/24'], addresses: ['192.0.2.3'], routerIds: ['192.0.2.3'] },
  ];
  h.engine.handle({ t: 'ownership', spec: { mode: 'enforce', podNetworks: ['10.244.0.0/16'], nodes } });
  h.engine.handle({ t: 'peer-up', info: info({ peer: 'n3', session: 1, peerAs: 65010, ebgp: false, peerRouterId: 0xc0000203, remoteAddress: '192.0.2.3' }) });
  h.out.length = 0;
  // n3 announces its own CIDR and n2's: the first is accepted, the second refused.
  h.engine.handle({ t: 'update', peer: 'n3', session: 1, offset: 0, buf: announceBody('10.244.3.0/24', [], [192, 0, 2, 3]), receivedAt: 0 });
  h.engine.handle({ t: 'update', peer: 'n3', session: 1, offset: 0, buf: announceBody('10.244.2.0/24', [], [192, 0, 2, 3]), receivedAt: 0 });
  assert.deepEqual(fibOf(h.out).map((f) => f.prefix), ['10.244.3.0/24']);
  const received = (h.query()['n3'] as unknown as { received: { prefix: string; rejected?: string }[] }).received;
  assert.match(received.find((r) => r.prefix === '10.244.2.0/24')?.rejected ?? '', /^ownership: 10\.244\.2\.0\/24 belongs to node n2, announced by node n3 \(next hop 192\.0\.2\.3\)/);
  const stats = h.query('stats') as unknown as { peers: { peer: string; ownershipRejected: number; ownershipWarned: number }[] };
  assert.equal(stats.peers[0]?.ownershipRejected, 1);
  // The API now says n3 owns 10.244.2.0/24 too: the stored route is accepted without a new UPDATE.
  h.out.length = 0;
  h.engine.handle({ t: 'ownership', spec: { mode: 'enforce', podNetworks: ['10.244.0.0/16'], nodes: [nodes[0]!, { ...nodes[1]!, podCidrs: ['10.244.3.0/24', '10.244.2.0/24'] }].map((n) => (n.name === 'n2' ? { ...n, podCidrs: [] } : n)) } });
  assert.deepEqual(fibOf(h.out).map((f) => f.prefix), ['10.244.2.0/24']);
  // warn: a violation is installed, and counted.
  h.engine.handle({ t: 'ownership', spec: { mode: 'warn', podNetworks: ['10.244.0.0/16'], nodes } });
  const warned = h.query('stats') as unknown as { peers: { ownershipWarned: number }[] };
  assert.ok((warned.peers[0]?.ownershipWarned ?? 0) >= 1);
  const logs = h.out.filter((m) => m.t === 'log' && m.event === 'route.ownership');
  assert.ok(logs.length >= 1);
});
