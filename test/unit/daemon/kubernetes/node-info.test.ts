/** nodeInfo(): core/v1 Node JSON (untrusted) -> NodeInfo; bad parts reported, never thrown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeInfo } from '../../../../daemon/kubernetes/node-info.js';
import { nodeObject } from '../../../support/fake-apiserver.js';
import { parseSelector, matches } from '../../../../config/selector.js';

test('a well-formed Node', () => {
  const n = nodeInfo(nodeObject({ name: 'w1', internalIps: ['10.0.0.1', 'FD00::0:1'], podCidrs: ['10.244.1.0/24', 'fd00:244:1::/64'], annotations: { 'rackroute.io/asn': '65001', 'rackroute.io/router-id': '10.9.9.9', 'rackroute.io/peers': '[{"address":"10.0.0.254","asn":65000,"name":"tor"}]' } }));
  assert.deepEqual(n, {
    name: 'w1', labels: { 'kubernetes.io/hostname': 'w1' }, internalIps: ['10.0.0.1', 'fd00::1'], podCidrs: ['10.244.1.0/24', 'fd00:244:1::/64'],
    asn: 65001, routerId: '10.9.9.9', extraPeers: [{ address: '10.0.0.254', asn: 65000, name: 'tor' }], problems: [],
  });
});

test('garbage in: null for no name, problems for bad fields, nothing thrown', () => {
  for (const raw of [null, 42, 'x', [], {}, { metadata: { name: 7 } }]) assert.equal(nodeInfo(raw), null);
  const n = nodeInfo({
    metadata: { name: 'w2', labels: { ok: 'x', bad: 3 }, annotations: { 'rackroute.io/asn': '23456', 'rackroute.io/router-id': '::1', 'rackroute.io/peers': '{nope' } },
    spec: { podCIDRs: ['10.244.1.1/24', 5] },
    status: { addresses: [{ type: 'InternalIP', address: 'not-an-ip' }, { type: 'ExternalIP', address: '1.2.3.4' }, 'junk'] },
  });
  assert.deepEqual(n?.labels, { ok: 'x' });
  assert.deepEqual(n?.internalIps, []);
  assert.deepEqual(n?.podCidrs, []);
  assert.equal(n?.asn, undefined);
  assert.equal(n?.problems.length, 6, n?.problems.join('\n'));
});

test('label selectors', () => {
  const sel = (t: string) => {
    const r = parseSelector(t);
    assert.ok(r.ok, t);
    return r.ok ? r.selector : [];
  };
  assert.equal(matches(sel(''), {}), true);
  assert.equal(matches(sel('a=b,!c'), { a: 'b' }), true);
  assert.equal(matches(sel('a=b,!c'), { a: 'b', c: '' }), false);
  assert.equal(matches(sel('a!=b'), {}), true);
  assert.equal(matches(sel('example.com/rr'), { 'example.com/rr': '' }), true);
  assert.equal(matches(sel('a==b'), { a: 'c' }), false);
  for (const bad of ['a in (b)', '=b', 'a=b=c', '-a']) assert.equal(parseSelector(bad).ok, false, bad);
});
