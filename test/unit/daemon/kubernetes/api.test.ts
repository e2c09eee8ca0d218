/**
 * The Kubernetes edge (daemon/kubernetes/api.ts) with the unmodified @kubernetes/client-node
 * against the fake core/v1 API server on loopback: list, watch events, bookmarks and resuming
 * from them, the server closing watches, 410 Gone -> relist, an outage, auth, and the status
 * patch of NetworkUnavailable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeReflector } from '../../../../daemon/kubernetes/api.js';
import { nodeInfo } from '../../../../daemon/kubernetes/node-info.js';
import { FakeApiServer, kubeconfigFor, selfSignedCert } from '../../../support/fake-apiserver.js';

const TOKEN = 'test-token-1';

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('NodeReflector against the fake API server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rr-kube-'));
  const tls = selfSignedCert(dir, ['127.0.0.1']);
  const api = new FakeApiServer(TOKEN, { bookmarkMs: 200, tls });
  let kubeconfig = '';
  let names: string[] = [];
  const states: { up: boolean; error?: string }[] = [];
  const relists: string[] = [];
  const events: string[] = [];
  let reflector: NodeReflector;

  before(async () => {
    api.add({ name: 'n1', internalIps: ['10.0.0.1'], podCidrs: ['10.244.1.0/24'] });
    api.add({ name: 'n2', internalIps: ['10.0.0.2', 'fd00::2'], podCidrs: ['10.244.2.0/24', 'fd00:244:2::/64'] });
    const port = await api.start();
    kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(`https://127.0.0.1:${port}`, TOKEN, tls.cert));
    reflector = new NodeReflector(
      {
        nodes: (m) => (names = [...m.keys()].sort()),
        apiState: (up, error) => states.push({ up, ...(error ? { error } : {}) }),
        relisted: (r) => relists.push(r),
        watchEvent: (t) => events.push(t),
      },
      { kubeconfig, watchTimeoutSeconds: 1, backoffMs: 50, maxBackoffMs: 200 },
    );
    reflector.start();
  });

  after(async () => {
    reflector.stop();
    await api.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the nodes, then follows ADDED / MODIFIED / DELETED', async () => {
    await until('the first list', () => names.join() === 'n1,n2');
    assert.deepEqual(relists, ['initial']);
    api.add({ name: 'n3', internalIps: ['10.0.0.3'], podCidrs: ['10.244.3.0/24'] });
    await until('n3', () => names.join() === 'n1,n2,n3');
    api.delete('n1');
    await until('n1 gone', () => names.join() === 'n2,n3');
    assert.ok(events.includes('ADDED') && events.includes('DELETED'));
  });

  it('parses what it received into NodeInfo (addresses, both families of pod CIDRs)', () => {
    const raw = api.node('n2');
    const n = nodeInfo(JSON.parse(JSON.stringify(raw)));
    assert.deepEqual(n?.internalIps, ['10.0.0.2', 'fd00::2']);
    assert.deepEqual(n?.podCidrs, ['10.244.2.0/24', 'fd00:244:2::/64']);
  });

  it('resumes a watch the server closed from the last bookmark, without listing again', async () => {
    const before = api.requests.length;
    await until('bookmarks and a resumed watch', () => events.includes('BOOKMARK') && api.requests.slice(before).filter((r) => r.query['watch'] === 'true').length >= 2, 8000);
    const watches = api.requests.slice(before).filter((r) => r.query['watch'] === 'true');
    for (const w of watches) {
      assert.equal(w.query['allowWatchBookmarks'], 'true');
      assert.ok(Number(w.query['resourceVersion']) > 100, `resumed from a version: ${JSON.stringify(w.query)}`);
    }
    // Nothing changed meanwhile: the bookmark's version is the current one.
    assert.equal(watches.at(-1)?.query['resourceVersion'], String(api.resourceVersion));
    assert.deepEqual(relists, ['initial']);
  });

  it('an outage keeps the last list; 410 Gone after it leads to a relist with the changes', async () => {
    await api.stop();
    await until('the API reported down', () => states.some((s) => !s.up));
    assert.equal(names.join(), 'n2,n3', 'an outage changes nothing');
    api.add({ name: 'n4', internalIps: ['10.0.0.4'], podCidrs: ['10.244.4.0/24'] });
    api.delete('n3');
    api.compact();
    await api.start();
    await until('the relist', () => names.join() === 'n2,n4');
    assert.ok(relists.includes('resourceVersion expired (410 Gone)'), `relists: ${relists.join(', ')}`);
    assert.equal(states.at(-1)?.up, true);
    assert.ok(api.requests.some((r) => r.status === 200 && r.query['watch'] === 'true' && r.query['resourceVersion'] !== undefined));
  });

  it('sets NetworkUnavailable=False by a strategic-merge patch of the status', async () => {
    await reflector.setNetworkAvailable('n2', 'RackrouteIsUp', 'routes in place');
    const conds = (api.node('n2')?.['status'] as { conditions: { type: string; status: string; reason?: string }[] }).conditions;
    assert.deepEqual(conds.map((c) => `${c.type}=${c.status}`), ['Ready=True', 'NetworkUnavailable=False']);
    assert.equal(conds[1]?.reason, 'RackrouteIsUp');
  });
});

describe('NodeReflector with a wrong token', () => {
  it('reports the API down with 401 and lists nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rr-kube-'));
    const tls = selfSignedCert(dir, ['127.0.0.1']);
    const api = new FakeApiServer('right', { tls });
    const port = await api.start();
    writeFileSync(join(dir, 'kc'), kubeconfigFor(`https://127.0.0.1:${port}`, 'wrong', tls.cert));
    const states: { up: boolean; error?: string }[] = [];
    let lists = 0;
    const r = new NodeReflector({ nodes: () => lists++, apiState: (up, error) => states.push({ up, ...(error ? { error } : {}) }) }, { kubeconfig: join(dir, 'kc'), backoffMs: 50, maxBackoffMs: 100 });
    r.start();
    try {
      await until('an error', () => states.length > 0);
      assert.equal(states[0]?.up, false);
      assert.match(states[0]?.error ?? '', /401/);
      assert.equal(lists, 0);
    } finally {
      r.stop();
      await api.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
