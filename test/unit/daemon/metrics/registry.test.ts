/**
 * daemon/metrics/registry.ts on plain values: events and scrape snapshots in, Prometheus text
 * out. Checks names, labels and values, that counters only grow (also when a thread does not
 * answer), that gauges nobody reported are left out rather than shown as 0, that a removed
 * peer's series go, and the histogram rendering of worker-side buckets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RackrouteMetrics, type ScrapeSnapshot } from '../../../../daemon/metrics/registry.js';
import { parseExposition } from '../../../support/prometheus.js';

async function samples(m: RackrouteMetrics): Promise<Map<string, number>> {
  return parseExposition(await m.render());
}

const SESSIONS = [
  { peer: 'tor-a', state: 'Established', families: ['ipv4-unicast', 'ipv6-unicast'] },
  { peer: 'tor-b', state: 'Active', families: ['ipv4-unicast'] },
];

const ENGINE = {
  peers: [{ peer: 'tor-a', families: { 'ipv4-unicast': { received: 5, accepted: 4, advertised: 1 }, 'ipv6-unicast': { received: 2, accepted: 2, advertised: 1 } } }],
  locRib: 9,
  paths: 11,
  installed: 6,
  stale: [{ peer: 'tor-b', routes: 3 }],
};

function fib(over: { ops?: Record<string, number>; drift?: number } = {}): unknown {
  return {
    counters: { routesInstalled: 6, nexthopObjects: 2, ops: over.ops ?? { 'add:ok': 6, 'nh-add:ok': 2, 'add:EEXIST': 1 }, driftRepaired: over.drift ?? 1, fullReconciles: 3, resyncs: 0, unusable: 1, nexthopsTracked: 2, nexthopsUnresolved: 0 },
    staleRoutes: 0,
    pendingRoutes: 4,
    timing: {
      opLatency: { add: { bounds: [0.001, 0.01], counts: [5, 1, 1], sum: 0.5, count: 7 } },
      updateToKernel: { bounds: [0.001, 0.01], counts: [0, 2, 1], sum: 0.1, count: 3 },
      unconfirmed: 2,
    },
  };
}

function snapshot(over: Partial<ScrapeSnapshot> = {}): ScrapeSnapshot {
  return { sessions: SESSIONS, engine: ENGINE, fib: fib(), mainLagMs: 2, ready: true, ...over };
}

test('sessions: up, one-hot FSM state, messages by type and direction, flaps and the last NOTIFICATION', async () => {
  const m = new RackrouteMetrics({ version: '9.9.9', defaultMetrics: false });
  m.message('tor-a', 'in', 1);
  m.message('tor-a', 'in', 4);
  m.message('tor-a', 'in', 4);
  m.message('tor-a', 'out', 2);
  m.message('tor-a', 'in', 77);
  m.sessionDown('tor-a', { kind: 'notification-received', code: 6, subcode: 2, text: 'Cease / Administrative Shutdown' }, true);
  m.sessionDown('tor-a', { kind: 'hold-timer-expired' }, true);
  m.sessionDown('tor-b', { kind: 'connection-failed' }, false);
  m.sessionDown('tor-b', { kind: 'notification-received', code: 99, subcode: 1, text: 'code 99 / subcode 1' }, false);
  m.collect(snapshot());
  const s = await samples(m);
  assert.equal(s.get('rackroute_peer_up{peer="tor-a"}'), 1);
  assert.equal(s.get('rackroute_peer_up{peer="tor-b"}'), 0);
  assert.equal(s.get('rackroute_peer_state{peer="tor-b",state="Active"}'), 1);
  assert.equal([...s].filter(([k, v]) => k.startsWith('rackroute_peer_state{peer="tor-b"') && v === 0).length, 5);
  assert.equal(s.get('rackroute_peer_messages_total{peer="tor-a",direction="received",type="open"}'), 1);
  assert.equal(s.get('rackroute_peer_messages_total{peer="tor-a",direction="received",type="keepalive"}'), 2);
  assert.equal(s.get('rackroute_peer_messages_total{peer="tor-a",direction="sent",type="update"}'), 1);
  assert.equal(s.get('rackroute_peer_messages_total{peer="tor-a",direction="received",type="other"}'), 1);
  assert.equal(s.get('rackroute_peer_flaps_total{peer="tor-a"}'), 2);
  assert.equal(s.get('rackroute_peer_flaps_total{peer="tor-b"}'), 0, 'never Established: no flap');
  assert.equal(s.get('rackroute_peer_notifications_total{peer="tor-a",direction="received",code="6"}'), 1);
  assert.equal(s.get('rackroute_peer_notifications_total{peer="tor-a",direction="sent",code="4"}'), 1, 'hold timer expiry sends 4/0');
  assert.equal(s.get('rackroute_peer_notifications_total{peer="tor-b",direction="received",code="other"}'), 1, 'unknown codes are one label value');
  const last = [...s.keys()].filter((k) => k.startsWith('rackroute_peer_last_notification_timestamp_seconds'));
  assert.deepEqual(last.sort(), [
    'rackroute_peer_last_notification_timestamp_seconds{peer="tor-a",direction="received",code="6",subcode="2",reason="Cease / Administrative Shutdown"}',
    'rackroute_peer_last_notification_timestamp_seconds{peer="tor-a",direction="sent",code="4",subcode="0",reason="Hold Timer Expired"}',
    'rackroute_peer_last_notification_timestamp_seconds{peer="tor-b",direction="received",code="99",subcode="1",reason="code 99 / subcode 1"}',
  ]);
  const at = s.get(last[0] ?? '') ?? 0;
  assert.ok(Math.abs(at - Date.now() / 1000) < 60, 'Unix time in seconds');
  assert.equal(s.get('rackroute_build_info{version="9.9.9"}'), 1);
});

test('routes and FIB: per-peer family gauges (0 while down), RIB size, kernel counters and histograms', async () => {
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  m.collect(snapshot());
  const s = await samples(m);
  assert.equal(s.get('rackroute_peer_prefixes_received{peer="tor-a",family="ipv4-unicast"}'), 5);
  assert.equal(s.get('rackroute_peer_prefixes_accepted{peer="tor-a",family="ipv4-unicast"}'), 4);
  assert.equal(s.get('rackroute_peer_prefixes_advertised{peer="tor-a",family="ipv6-unicast"}'), 1);
  assert.equal(s.get('rackroute_peer_prefixes_received{peer="tor-b",family="ipv4-unicast"}'), 0, 'a down peer shows 0, not nothing');
  assert.equal(s.has('rackroute_peer_prefixes_received{peer="tor-b",family="ipv6-unicast"}'), false, 'only configured families');
  assert.equal(s.get('rackroute_peer_stale_routes{peer="tor-b"}'), 3);
  assert.equal(s.get('rackroute_peer_stale_routes{peer="tor-a"}'), 0);
  assert.equal(s.get('rackroute_rib_prefixes'), 9);
  assert.equal(s.get('rackroute_rib_paths'), 11);
  assert.equal(s.get('rackroute_fib_routes_desired'), 6);
  assert.equal(s.get('rackroute_fib_routes_installed'), 6);
  assert.equal(s.get('rackroute_fib_routes_pending'), 4);
  assert.equal(s.get('rackroute_fib_routes_unusable'), 1);
  assert.equal(s.get('rackroute_fib_operations_total{op="add",result="ok"}'), 6);
  assert.equal(s.get('rackroute_fib_operations_total{op="add",result="EEXIST"}'), 1);
  assert.equal(s.get('rackroute_fib_operations_total{op="nh-add",result="ok"}'), 2);
  assert.equal(s.get('rackroute_fib_drift_repaired_total'), 1);
  assert.equal(s.get('rackroute_fib_full_reconciles_total'), 3);
  // Buckets are cumulative in the exposition; the last one (+Inf) is the count.
  assert.equal(s.get('rackroute_fib_operation_duration_seconds_bucket{op="add",le="0.001"}'), 5);
  assert.equal(s.get('rackroute_fib_operation_duration_seconds_bucket{op="add",le="0.01"}'), 6);
  assert.equal(s.get('rackroute_fib_operation_duration_seconds_bucket{op="add",le="+Inf"}'), 7);
  assert.equal(s.get('rackroute_fib_operation_duration_seconds_count{op="add"}'), 7);
  assert.equal(s.get('rackroute_update_to_kernel_seconds_bucket{le="0.001"}'), 0);
  assert.equal(s.get('rackroute_update_to_kernel_seconds_bucket{le="+Inf"}'), 3);
  assert.equal(s.get('rackroute_update_to_kernel_seconds_sum'), 0.1);
  assert.equal(s.get('rackroute_update_to_kernel_unconfirmed_total'), 2);
  assert.equal(s.get('rackroute_stats_collected{thread="fib"}'), 1);
  assert.equal(s.get('rackroute_ready'), 1);
  assert.match(await m.render(), /# TYPE rackroute_update_to_kernel_seconds histogram/);
});

test('a thread that does not answer: its gauges are left out, its counters keep their totals', async () => {
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  m.collect(snapshot());
  m.collect(snapshot({ engine: null, fib: null }));
  const s = await samples(m);
  for (const name of ['rackroute_rib_prefixes', 'rackroute_fib_routes_installed', 'rackroute_fib_routes_pending', 'rackroute_fib_routes_desired'])
    assert.equal(s.has(name), false, `${name} is not shown as 0`);
  assert.equal([...s.keys()].some((k) => k.startsWith('rackroute_peer_prefixes_')), false);
  assert.equal(s.get('rackroute_fib_operations_total{op="add",result="ok"}'), 6, 'counter kept');
  assert.equal(s.get('rackroute_update_to_kernel_seconds_count'), 3, 'histogram kept');
  assert.equal(s.get('rackroute_stats_collected{thread="route-engine"}'), 0);
  assert.equal(s.get('rackroute_stats_collected{thread="fib"}'), 0);
  assert.equal(s.get('rackroute_peer_up{peer="tor-a"}'), 1, 'session state comes from the main thread');
});

test('without a kernel FIB (--no-fib): nothing installed, no FIB gauges, no FIB thread', async () => {
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  m.collect(snapshot({ fib: 'disabled' }));
  const s = await samples(m);
  assert.equal(s.get('rackroute_fib_routes_installed'), 0);
  assert.equal(s.has('rackroute_fib_routes_pending'), false);
  assert.equal(s.has('rackroute_stats_collected{thread="fib"}'), false);
});

test('counters only go up across scrapes, and a removed peer\'s series are gone', async () => {
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  let previous = new Map<string, number>();
  for (let round = 0; round < 5; round++) {
    m.message('tor-a', 'in', 4);
    if (round === 2) m.sessionDown('tor-a', { kind: 'hold-timer-expired' }, true);
    m.collect(snapshot({ fib: fib({ ops: { 'add:ok': 6 + round }, drift: 1 + round }) }));
    const s = await samples(m);
    for (const [k, v] of s) if (/_total\{|_total$|_count|_bucket/.test(k) && previous.has(k)) assert.ok(v >= (previous.get(k) ?? 0), `${k} went down`);
    previous = s;
  }
  assert.equal(previous.get('rackroute_peer_messages_total{peer="tor-a",direction="received",type="keepalive"}'), 5);
  m.peerRemoved('tor-b');
  m.collect(snapshot({ sessions: SESSIONS.filter((x) => x.peer !== 'tor-b') }));
  const s = await samples(m);
  assert.deepEqual([...s.keys()].filter((k) => k.includes('peer="tor-b"')), []);
  assert.ok([...s.keys()].some((k) => k.includes('peer="tor-a"')));
});

test('event-loop lag per thread: the report, or how overdue it is when the thread is stuck', async () => {
  let now = 1000;
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false, now: () => now });
  m.threadStats('route-engine', { maxLagMs: 12, heapUsedBytes: 5e6 });
  m.threadStats('fib', { maxLagMs: 3, heapUsedBytes: 1e6 });
  m.collect(snapshot({ mainLagMs: 4 }));
  let s = await samples(m);
  assert.equal(s.get('rackroute_event_loop_lag_seconds{thread="main"}'), 0.004);
  assert.equal(s.get('rackroute_event_loop_lag_seconds{thread="route-engine"}'), 0.012);
  assert.equal(s.get('rackroute_thread_heap_used_bytes{thread="route-engine"}'), 5e6);
  now += 6000; // no report for 6 s, reports are due every second
  m.threadStats('fib', { maxLagMs: 3, heapUsedBytes: 1e6 });
  m.collect(snapshot());
  s = await samples(m);
  assert.equal(s.get('rackroute_event_loop_lag_seconds{thread="route-engine"}'), 5);
  assert.equal(s.get('rackroute_event_loop_lag_seconds{thread="fib"}'), 0.003);
});

test('default process metrics are on the same registry (memory, CPU)', async () => {
  const m = new RackrouteMetrics({ version: '0' });
  m.collect(snapshot());
  const text = await m.render();
  assert.match(text, /^process_resident_memory_bytes \d+/m);
  assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
});

test('the README table lists every metric, and the Grafana dashboard queries only metrics that exist', async () => {
  const { readFileSync } = await import('node:fs');
  const root = new URL('../../../../../', import.meta.url);
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  const names = m.registry.getMetricsAsArray().map((x) => x.name);
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const section = readme.slice(readme.indexOf('## Metrics'), readme.indexOf('\n## ', readme.indexOf('## Metrics') + 1));
  for (const name of names) assert.ok(section.includes(`| \`${name}\` |`), `README Metrics table lacks ${name}`);
  const dashboard = JSON.parse(readFileSync(new URL('config/grafana/rackroute-dashboard.json', root), 'utf8')) as { panels: { targets?: { expr: string }[] }[] };
  const used = new Set(dashboard.panels.flatMap((p) => p.targets ?? []).flatMap((t) => t.expr.match(/rackroute_[a-z_]+/g) ?? []));
  assert.ok(used.size >= 15, `the dashboard uses ${used.size} metrics`);
  for (const u of used) assert.ok(names.includes(u.replace(/_(bucket|sum|count)$/, '')), `the dashboard queries ${u}, which does not exist`);
});

test('BFD: state gauge per peer with BFD, transitions counted by the state entered, detection time in seconds', async () => {
  const m = new RackrouteMetrics({ version: '0', defaultMetrics: false });
  for (const to of ['Init', 'Up', 'Down', 'Up']) m.bfdTransition('tor-a', to);
  const sessions = [
    { ...SESSIONS[0]!, bfd: { state: 'Up', detectionTimeMs: 900 } },
    { ...SESSIONS[1]!, bfd: { state: 'Down', detectionTimeMs: null } },
    { peer: 'tor-c', state: 'Idle', families: ['ipv4-unicast'] },
  ];
  m.collect({ sessions, engine: ENGINE, fib: fib(), mainLagMs: 1, ready: true });
  const s = await samples(m);
  assert.equal(s.get('rackroute_bfd_session_state{peer="tor-a",state="Up"}'), 1);
  assert.equal(s.get('rackroute_bfd_session_state{peer="tor-a",state="Down"}'), 0);
  assert.equal(s.get('rackroute_bfd_session_state{peer="tor-b",state="Down"}'), 1);
  assert.equal(s.get('rackroute_bfd_session_state{peer="tor-c",state="Up"}'), undefined, 'no BFD series for a peer without BFD');
  assert.equal(s.get('rackroute_bfd_detection_time_seconds{peer="tor-a"}'), 0.9);
  assert.equal(s.get('rackroute_bfd_detection_time_seconds{peer="tor-b"}'), undefined, 'absent until the peer was heard');
  assert.equal(s.get('rackroute_bfd_transitions_total{peer="tor-a",to="Up"}'), 2);
  assert.equal(s.get('rackroute_bfd_transitions_total{peer="tor-a",to="Down"}'), 1);
  m.peerRemoved('tor-a');
  m.collect({ sessions: sessions.slice(1), engine: ENGINE, fib: fib(), mainLagMs: 1, ready: true });
  assert.equal((await samples(m)).get('rackroute_bfd_transitions_total{peer="tor-a",to="Up"}'), undefined);
});
