/**
 * SIGTERM without graceful restart (RFC 8326 + RFC 9003), seen from a real BIRD peer: rackrouted
 * first re-announces its routes with the GRACEFUL_SHUTDOWN community (65535:0) and waits
 * `bgp.shutdownDrain` seconds, then sends Cease/Administrative Shutdown with its reason, and
 * removes its kernel routes (no graceful restart configured, so nothing would adopt them).
 * Input: the lab harness, BIRD, rackrouted (dist). Output: pass/fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import { kernelGateways } from '../support/fabric.js';
import { startRackroute, type Rackroute } from '../support/rackroute.js';
import * as bird from '../support/peers/bird.js';
import type { Peer } from '../support/peers/types.js';

const RR = '10.0.1.1';
const PEER = '10.0.1.2';
const DRAIN_S = 2;

describe('SIGTERM without graceful restart: GRACEFUL_SHUTDOWN drain, Cease, kernel routes removed', () => {
  let lab: Lab;
  let rr: Rackroute;
  let tor: Peer;

  before(async () => {
    lab = await createLab();
    await lab.addNamespace('rr');
    await lab.addNamespace('tor');
    await lab.linkNamespaces('rr', 'tor', { v4: [RR, PEER, 24] });
    tor = await bird.start(lab, 'tor', { routerId: PEER, asn: 65001, neighbors: [{ address: RR, asn: 65010, holdTime: 9 }], routes: [{ prefix: '10.244.7.0/24' }] });
    rr = await startRackroute(lab, 'rr', {
      routerId: '192.0.2.1', asn: 65010, podNetworks: ['10.244.0.0/16'], originate: [{ prefix: '10.244.1.0/24' }], shutdownDrain: DRAIN_S,
      peers: [{ name: 'tor', address: PEER, asn: 65001, localAddress: RR, families: ['ipv4-unicast'], holdTime: 9, connectRetry: 1, gracefulRestart: { enabled: false } }],
    });
    await rr.waitEstablished('tor', 15000);
    await waitFor(() => kernelGateways(lab, 'rr', '10.244.7.0/24'), { timeoutMs: 10000, what: 'the peer route in the kernel', until: (g) => g !== null });
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('drains, then Ceases with the reason, then leaves no route of ours in the kernel', async () => {
    const ours = async (): Promise<string[]> => (await tor.routes('ipv4')).find((r) => r.prefix === '10.244.1.0/24')?.communities ?? [];
    assert.deepEqual(await ours(), [], 'no GRACEFUL_SHUTDOWN before the stop');
    const t0 = Date.now();
    const stopped = rr.stop(DRAIN_S * 1000 + 8000);
    const seen = await waitFor(ours, { timeoutMs: DRAIN_S * 1000, what: 'BIRD to see 65535:0 on our route during the drain', until: (c) => c.includes('65535:0') });
    assert.ok(seen.includes('65535:0'));
    const drainedFor = Date.now() - t0;
    assert.equal(await stopped, 0);
    assert.ok(Date.now() - t0 >= DRAIN_S * 1000, `stopped after ${Date.now() - t0} ms, before the ${DRAIN_S} s drain`);
    const proto = (await lab.exec('tor', ['birdc', '-s', join(tor.dir, 'bird.ctl'), 'show', 'protocols', 'all', bird.protocolName(RR)])).stdout;
    assert.match(proto, /Received: Administrative shutdown/);
    assert.match(proto, /Message:\s+rackrouted shutting down \(SIGTERM\)/);
    const left = (await lab.exec('rr', ['ip', 'route', 'show', 'proto', '186'])).stdout.trim();
    assert.equal(left, '', `kernel routes of ours left behind: ${left}`);
    assert.ok(drainedFor < DRAIN_S * 1000);
  });
});
