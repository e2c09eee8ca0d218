/**
 * Metrics and health endpoints end to end: rackrouted in namespace `rr` peers with a real BIRD 2
 * in `bird` (eBGP over a veth pair) and serves /metrics, /healthz and /readyz on 127.0.0.1:9180
 * inside its namespace; the test scrapes them over HTTP from inside it. Checks: ready after the
 * first kernel sync, healthy, 404 elsewhere; after establishment peer_up=1 and messages counted;
 * a route BIRD announces raises prefixes received/accepted and FIB routes installed, lands in the
 * kernel, and gives an update-to-kernel sample; `birdc disable` (BIRD sends Cease/Administrative
 * Shutdown) counts a flap and records the last NOTIFICATION, `birdc enable` brings the session
 * back; counters never go down between scrapes; every thread reports its event-loop lag.
 * RR_DEBUG=1 prints the last scrape. Input: the lab harness. Output: pass/fail. Must not: leave namespaces or processes behind.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import * as bird from '../support/peers/bird.js';
import type { Peer } from '../support/peers/types.js';
import { startRackroute, type Rackroute } from '../support/rackroute.js';
import { parseExposition } from '../support/prometheus.js';

const RR_ASN = 4200000001;
const BIRD_ASN = 65001;
const RR_ADDR = '10.0.1.1';
const BIRD_ADDR = '10.0.1.2';
const ROUTE = '198.51.100.0/24';
const PEER = 'bird';

let lab: Lab;
let peer: Peer;
let rr: Rackroute;
/** Every scrape's counters, to check none ever goes down. */
const seen = new Map<string, number>();

async function scrape(): Promise<Map<string, number>> {
  const res = await rr.http('/metrics');
  assert.equal(res.status, 200, res.body);
  const s = parseExposition(res.body);
  for (const [k, v] of s) {
    // rackroute's counters and histograms (prom-client's nodejs_active_resources_total is a gauge).
    if (!/^rackroute_\w+(_total|_count|_bucket)(\{|$)/.test(k)) continue;
    assert.ok(v >= (seen.get(k) ?? 0), `counter ${k} went down: ${seen.get(k)} -> ${v}`);
    seen.set(k, v);
  }
  return s;
}

/** Scrapes until `check` passes (it throws while not yet). */
function eventually(what: string, check: (s: Map<string, number>) => void, timeoutMs = 15000): Promise<Map<string, number>> {
  return waitFor(async () => {
    const s = await scrape();
    check(s);
    return s;
  }, { timeoutMs, what: `${what} (log ${rr.logFile})` });
}

const get = (s: Map<string, number>, series: string): number => s.get(series) ?? NaN;

async function birdc(args: string[]): Promise<string> {
  return (await lab.exec(peer.ns, ['birdc', '-s', join(peer.dir, 'bird.ctl'), ...args])).stdout;
}

describe('metrics and health endpoints against BIRD', () => {
  before(async () => {
    lab = await createLab();
    await lab.addNamespace('rr');
    await lab.addNamespace('bird');
    await lab.linkNamespaces('rr', 'bird', { v4: [RR_ADDR, BIRD_ADDR, 24] });
    peer = await bird.start(lab, 'bird', {
      routerId: '192.0.2.1',
      asn: BIRD_ASN,
      neighbors: [{ address: RR_ADDR, asn: RR_ASN, passive: true, holdTime: 9 }],
    });
    rr = await startRackroute(lab, 'rr', {
      routerId: '192.0.2.100',
      asn: RR_ASN,
      originate: [{ prefix: '10.244.1.0/24' }],
      podNetworks: ['198.51.96.0/19'],
      peers: [{ name: PEER, address: BIRD_ADDR, asn: BIRD_ASN, families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1, localAddress: RR_ADDR }],
      metricsListen: '127.0.0.1:9180',
      logLevel: 'debug',
    });
  });

  after(async () => {
    await rr?.stop().catch(() => undefined);
    await lab?.cleanup();
  });

  it('is ready once started (first FIB sync done), healthy, and serves nothing else', async () => {
    const ready = await waitFor(() => rr.http('/readyz'), { timeoutMs: 10000, what: 'rackrouted /readyz 200', until: (r) => r.status === 200 });
    assert.equal(ready.body, 'ready\n');
    const health = await rr.http('/healthz');
    assert.equal(health.status, 200, health.body);
    assert.match(health.body, /^ok: event loop lag/);
    assert.equal((await rr.http('/')).status, 404);
    assert.equal((await rr.http('/metrics/peers')).status, 404);
    const s = await scrape();
    assert.equal(get(s, 'rackroute_ready'), 1);
    assert.ok(get(s, 'process_resident_memory_bytes') > 0, 'process memory');
  });

  it('after establishment: peer_up=1, FSM state Established, messages counted both ways', async () => {
    await rr.waitEstablished(PEER);
    const s = await eventually('the session Established in the metrics, with its first messages', (x) => {
      assert.equal(get(x, `rackroute_peer_up{peer="${PEER}"}`), 1);
      assert.ok(get(x, `rackroute_peer_messages_total{peer="${PEER}",direction="received",type="keepalive"}`) >= 1);
      // Our own prefix went out once the session was up.
      assert.equal(get(x, `rackroute_peer_prefixes_advertised{peer="${PEER}",family="ipv4-unicast"}`), 1);
    });
    assert.equal(get(s, `rackroute_peer_state{peer="${PEER}",state="Established"}`), 1);
    assert.equal(get(s, `rackroute_peer_state{peer="${PEER}",state="Active"}`), 0);
    assert.ok(get(s, `rackroute_peer_messages_total{peer="${PEER}",direction="received",type="open"}`) >= 1);
    assert.ok(get(s, `rackroute_peer_messages_total{peer="${PEER}",direction="sent",type="open"}`) >= 1);
    assert.ok(get(s, `rackroute_peer_messages_total{peer="${PEER}",direction="sent",type="update"}`) >= 1);
    assert.equal(get(s, `rackroute_peer_flaps_total{peer="${PEER}"}`), 0);
  });

  it('a route from BIRD: received and accepted rise, it is installed in the kernel, update-to-kernel has a sample', async () => {
    const base = await scrape();
    const installed0 = get(base, 'rackroute_fib_routes_installed');
    const u2k0 = get(base, 'rackroute_update_to_kernel_seconds_count');
    assert.equal(get(base, `rackroute_peer_prefixes_received{peer="${PEER}",family="ipv4-unicast"}`), 0);
    await peer.announce(ROUTE, { nextHop: BIRD_ADDR });
    const s = await eventually(`${ROUTE} received, accepted and installed`, (x) => {
      assert.equal(get(x, `rackroute_peer_prefixes_received{peer="${PEER}",family="ipv4-unicast"}`), 1);
      assert.equal(get(x, `rackroute_peer_prefixes_accepted{peer="${PEER}",family="ipv4-unicast"}`), 1);
      assert.equal(get(x, 'rackroute_fib_routes_installed'), installed0 + 1);
      assert.ok(get(x, 'rackroute_update_to_kernel_seconds_count') >= u2k0 + 1);
    });
    const kernel = (await lab.exec('rr', ['ip', '-4', 'route', 'show', 'proto', '186'])).stdout;
    assert.match(kernel, new RegExp(`^${ROUTE.replace(/[./]/g, '\\$&')} `, 'm'), kernel);
    assert.equal(get(s, 'rackroute_fib_routes_desired'), 1);
    assert.ok(get(s, 'rackroute_rib_prefixes') >= 2, 'own prefix and the learned one');
    assert.ok(get(s, 'rackroute_update_to_kernel_seconds_sum') > 0);
    // A route write took one netlink op at least, timed.
    assert.ok([...s].some(([k, v]) => k.startsWith('rackroute_fib_operations_total{op="add",result="ok"}') && v >= 1));
    assert.ok([...s].some(([k, v]) => k.startsWith('rackroute_fib_operation_duration_seconds_count{op="add"}') && v >= 1));
    assert.equal(get(s, 'rackroute_stats_collected{thread="fib"}'), 1);
  });

  it('a flap: birdc disable counts one, records the Cease received; birdc enable brings the session back', async () => {
    const base = await scrape();
    const opens = get(base, `rackroute_peer_messages_total{peer="${PEER}",direction="received",type="open"}`);
    await birdc(['disable', bird.protocolName(RR_ADDR)]);
    const down = await eventually('the flap and the NOTIFICATION from BIRD', (x) => {
      assert.equal(get(x, `rackroute_peer_flaps_total{peer="${PEER}"}`), 1);
      assert.equal(get(x, `rackroute_peer_up{peer="${PEER}"}`), 0);
      assert.equal(get(x, `rackroute_peer_notifications_total{peer="${PEER}",direction="received",code="6"}`), 1);
    });
    const last = [...down.keys()].filter((k) => k.startsWith(`rackroute_peer_last_notification_timestamp_seconds{peer="${PEER}",direction="received"`));
    assert.deepEqual(last, [`rackroute_peer_last_notification_timestamp_seconds{peer="${PEER}",direction="received",code="6",subcode="2",reason="Cease / Administrative Shutdown"}`]);
    assert.ok(Math.abs(get(down, last[0] ?? '') - Date.now() / 1000) < 60);
    assert.ok(get(down, `rackroute_peer_messages_total{peer="${PEER}",direction="received",type="notification"}`) >= 1);
    await birdc(['enable', bird.protocolName(RR_ADDR)]);
    await rr.waitEstablished(PEER, 20000);
    await eventually('the session back up in the metrics', (x) => {
      assert.equal(get(x, `rackroute_peer_up{peer="${PEER}"}`), 1);
      assert.ok(get(x, `rackroute_peer_messages_total{peer="${PEER}",direction="received",type="open"}`) > opens);
      assert.equal(get(x, `rackroute_peer_flaps_total{peer="${PEER}"}`), 1, 'coming back is not a flap');
    });
  });

  it('every thread reports its event-loop lag and heap', async () => {
    const s = await eventually('lag reports from both worker threads', (x) => {
      for (const thread of ['main', 'route-engine', 'fib']) {
        const lag = get(x, `rackroute_event_loop_lag_seconds{thread="${thread}"}`);
        assert.ok(lag >= 0 && lag < 60, `${thread} lag ${lag}`);
        assert.ok(get(x, `rackroute_thread_heap_used_bytes{thread="${thread}"}`) > 0, `${thread} heap`);
      }
    });
    assert.equal(get(s, 'rackroute_stats_collected{thread="route-engine"}'), 1);
    assert.ok(seen.size > 20, 'counters were compared across scrapes');
    if (process.env['RR_DEBUG']) process.stderr.write(`${[...s].filter(([k]) => k.startsWith('rackroute_')).map(([k, v]) => `${k} ${v}`).join('\n')}\n`);
  });
});
