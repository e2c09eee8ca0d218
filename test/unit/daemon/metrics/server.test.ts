/**
 * The HTTP side (daemon/metrics/server.ts) and its wiring (service.ts) over real loopback
 * sockets: /metrics text with the Prometheus content type, /healthz and /readyz 200/503 with a
 * reason, 404 for other paths, 405 for other methods; a scrape against a fake speaker whose
 * route engine never answers still completes (gauges left out); a reload moves the listener.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { MetricsServer } from '../../../../daemon/metrics/server.js';
import { MetricsService, SCRAPE_TIMEOUT_MS } from '../../../../daemon/metrics/service.js';
import type { ScrapeSource } from '../../../../daemon/metrics/observer.js';
import { silentLogger } from '../../../../daemon/log.js';
import { diffConfig } from '../../../../config/diff.js';
import { config } from '../../config/builders.js';

async function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

/** A port that was free a moment ago (for listeners that take no port 0). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

test('MetricsServer: the three paths, 404 elsewhere, 405 for other methods, HEAD without a body', async () => {
  let live = true;
  let ready = false;
  const server = new MetricsServer({
    metrics: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'rackroute_x 1\n' }),
    healthz: () => ({ ok: live, reason: live ? 'ok' : 'event loop stalled' }),
    readyz: () => ({ ok: ready, reason: ready ? 'ready' : 'not ready: waiting for first FIB sync' }),
  });
  const { port } = await server.listen('127.0.0.1', 0);
  try {
    assert.deepEqual(await get(port, '/metrics'), { status: 200, type: 'text/plain; version=0.0.4; charset=utf-8', body: 'rackroute_x 1\n' });
    assert.equal((await get(port, '/metrics?name=x')).status, 200, 'query strings are ignored');
    assert.deepEqual(await get(port, '/healthz'), { status: 200, type: 'text/plain; charset=utf-8', body: 'ok\n' });
    live = false;
    assert.equal((await get(port, '/healthz')).status, 503);
    assert.deepEqual([(await get(port, '/readyz')).status, (await get(port, '/readyz')).body], [503, 'not ready: waiting for first FIB sync\n']);
    ready = true;
    assert.equal((await get(port, '/readyz')).status, 200);
    for (const path of ['/', '/metrics/', '/debug', '/healthz/x']) assert.equal((await get(port, path)).status, 404, path);
    assert.equal((await get(port, '/metrics', 'POST')).status, 405);
    const head = await get(port, '/readyz', 'HEAD');
    assert.deepEqual([head.status, head.body], [200, '']);
  } finally {
    await server.close();
  }
});

test('MetricsServer: a bind failure rejects with the socket error', async () => {
  const a = new MetricsServer({ metrics: async () => ({ contentType: '', body: '' }), healthz: () => ({ ok: true, reason: '' }), readyz: () => ({ ok: true, reason: '' }) });
  const { port } = await a.listen('127.0.0.1', 0);
  const b = new MetricsServer({ metrics: async () => ({ contentType: '', body: '' }), healthz: () => ({ ok: true, reason: '' }), readyz: () => ({ ok: true, reason: '' }) });
  await assert.rejects(b.listen('127.0.0.1', port), /EADDRINUSE/);
  await a.close();
});

function fakeSpeaker(engine: () => Promise<unknown>): ScrapeSource {
  return {
    sessionStates: () => [{ peer: 'tor-a', state: 'Established', families: ['ipv4-unicast'] }],
    engineStats: engine,
    fibStats: () => null,
  };
}

test('MetricsService: ready only after started(); a scrape with a silent route engine completes after the timeout', async () => {
  const port = await freePort();
  const cfg = { enabled: true, listen: `127.0.0.1:${port}` };
  const svc = new MetricsService(cfg, fakeSpeaker(() => new Promise(() => {})), silentLogger(), { version: '1.2.3' });
  await svc.start();
  try {
    assert.equal(svc.address?.port, port);
    const before = await get(port, '/readyz');
    assert.deepEqual([before.status, before.body], [503, 'not ready: waiting for sessions started, first FIB sync, control socket open\n']);
    assert.equal((await get(port, '/healthz')).status, 200);
    await svc.started();
    assert.equal((await get(port, '/readyz')).status, 200);
    svc.observer.message('tor-a', 'in', 4);
    const t0 = Date.now();
    const m = await get(port, '/metrics');
    assert.ok(Date.now() - t0 >= SCRAPE_TIMEOUT_MS - 50, 'waited for the engine');
    assert.equal(m.status, 200);
    assert.match(m.type, /^text\/plain; version=0\.0\.4/);
    assert.match(m.body, /^rackroute_peer_up\{peer="tor-a"\} 1$/m);
    assert.match(m.body, /^rackroute_peer_messages_total\{peer="tor-a",direction="received",type="keepalive"\} 1$/m);
    assert.match(m.body, /^rackroute_stats_collected\{thread="route-engine"\} 0$/m);
    assert.doesNotMatch(m.body, /^rackroute_rib_prefixes /m);
    assert.match(m.body, /^rackroute_ready 1$/m);
    assert.match(m.body, /^rackroute_fib_routes_installed 0$/m, 'no FIB (fibStats null): nothing installed');
  } finally {
    await svc.stop();
  }
});

test('MetricsService: a reload moves the listener, a disabled one closes, a removed peer loses its series', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const a = config();
  a.metrics = { enabled: true, listen: `127.0.0.1:${p1}` };
  const svc = new MetricsService(a.metrics, fakeSpeaker(async () => ({ peers: [], locRib: 0 })), silentLogger(), { version: '0' });
  await svc.start();
  try {
    svc.observer.message('gone', 'out', 4);
    assert.match((await get(p1, '/metrics')).body, /peer="gone"/);
    const b = config();
    b.metrics = { enabled: true, listen: `127.0.0.1:${p2}` };
    b.peers = [];
    const before = config({ peers: [...a.peers, { ...a.peers[0]!, name: 'gone', address: '10.0.0.77' }] });
    before.metrics = a.metrics;
    await svc.reloaded(b, diffConfig(before, b));
    await assert.rejects(get(p1, '/healthz'), 'the old address is closed');
    const m = await get(p2, '/metrics');
    assert.doesNotMatch(m.body, /peer="gone"/);
    assert.match(m.body, /^rackroute_config_reloads_total\{result="applied"\} 1$/m);
    const c = structuredClone(b);
    c.metrics.enabled = false;
    await svc.reloaded(c, diffConfig(b, c));
    assert.equal(svc.address, null);
    await assert.rejects(get(p2, '/healthz'));
  } finally {
    await svc.stop();
  }
});

test('MetricsService: a reload to an address that cannot be bound keeps the old listener', async () => {
  const [p1, p2] = [await freePort(), await freePort()];
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(p2, '127.0.0.1', r));
  const a = config();
  a.metrics = { enabled: true, listen: `127.0.0.1:${p1}` };
  const svc = new MetricsService(a.metrics, fakeSpeaker(async () => ({ peers: [] })), silentLogger(), { version: '0' });
  await svc.start();
  try {
    const b = structuredClone(a);
    b.metrics.listen = `127.0.0.1:${p2}`;
    await svc.reloaded(b, diffConfig(a, b));
    assert.equal(svc.address?.port, p1);
    assert.equal((await get(p1, '/healthz')).status, 200);
  } finally {
    await svc.stop();
    await new Promise((r) => blocker.close(r));
  }
});

test('MetricsService: a start on an address in use fails with the config key in the message', async () => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as net.AddressInfo).port;
  const svc = new MetricsService({ enabled: true, listen: `127.0.0.1:${port}` }, fakeSpeaker(async () => ({})), silentLogger(), { version: '0' });
  await assert.rejects(svc.start(), new RegExp(`cannot listen on metrics.listen 127.0.0.1:${port}: .*EADDRINUSE`));
  await svc.stop();
  await new Promise((r) => blocker.close(r));
});
