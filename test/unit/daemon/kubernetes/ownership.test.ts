/** OwnershipTable: a pod-CIDR route is accepted only from the node that owns the CIDR. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OwnershipTable } from '../../../../daemon/kubernetes/ownership.js';
import { parseIp, ipv4ToU32 } from '../../../../peers/wire/ip.js';
import type { Prefix } from '../../../../peers/wire/types.js';

const table = new OwnershipTable({
  mode: 'enforce',
  podNetworks: ['10.244.0.0/16', 'fd00:244::/48'],
  nodes: [
    { name: 'a', podCidrs: ['10.244.1.0/24', 'fd00:244:1::/64'], addresses: ['10.0.0.1', 'fd00::1'], routerIds: ['10.0.0.1'], asn: 65101 },
    { name: 'b', podCidrs: ['10.244.2.0/24'], addresses: ['10.0.0.2'], routerIds: ['10.0.0.2'], asn: 65102 },
    { name: 'c', podCidrs: ['10.244.3.0/24'], addresses: ['10.0.0.3'], routerIds: ['10.0.0.3'], asn: 65100 },
    { name: 'd', podCidrs: ['10.244.4.0/24'], addresses: ['10.0.0.4'], routerIds: ['10.0.0.4'], asn: 65100 },
  ],
});

function p(text: string): Prefix {
  const [a = '', l = ''] = text.split('/');
  const addr = parseIp(a) as Uint8Array;
  return { afi: addr.length === 4 ? 1 : 2, len: Number(l), addr };
}
const from = (nh: string, extra: { originatorId?: string; peerRouterId?: string; originAs?: number } = {}) => ({
  nextHop: parseIp(nh) as Uint8Array,
  peerRouterId: ipv4ToU32(extra.peerRouterId ?? '192.0.2.99') ?? 0,
  ...(extra.originatorId ? { originatorId: ipv4ToU32(extra.originatorId) ?? 0 } : {}),
  ...(extra.originAs !== undefined ? { originAs: extra.originAs } : {}),
});

test('the owner by next hop is accepted, for its CIDR and more specifics, both families', () => {
  assert.deepEqual(table.check(p('10.244.1.0/24'), from('10.0.0.1')), { ok: true });
  assert.deepEqual(table.check(p('10.244.1.128/25'), from('10.0.0.1')), { ok: true });
  assert.deepEqual(table.check(p('fd00:244:1::/64'), from('fd00::1')), { ok: true });
});

test('another node announcing it is refused, naming both', () => {
  const v = table.check(p('10.244.1.0/24'), from('10.0.0.2'));
  assert.equal(v.ok, false);
  assert.match(!v.ok ? v.reason : '', /10\.244\.1\.0\/24 belongs to node a, announced by node b \(next hop 10\.0\.0\.2\)/);
});

test('reflected routes: ORIGINATOR_ID names the node; eBGP via a ToR: a unique origin AS does', () => {
  assert.deepEqual(table.check(p('10.244.2.0/24'), from('10.0.0.2', { originatorId: '10.0.0.2', peerRouterId: '10.0.0.9' })), { ok: true });
  assert.deepEqual(table.check(p('10.244.2.0/24'), from('192.0.2.1', { originAs: 65102 })), { ok: true });
  // AS 65100 is shared by c and d: it names nobody.
  const v = table.check(p('10.244.3.0/24'), from('192.0.2.1', { originAs: 65100 }));
  assert.equal(v.ok, false);
  assert.match(!v.ok ? v.reason : '', /belongs to node c; next hop 192\.0\.2\.1 is not one of its addresses/);
});

test('inside the pod networks but owned by no node: refused; outside them: not a pod route', () => {
  const v = table.check(p('10.244.99.0/24'), from('10.0.0.1'));
  assert.match(!v.ok ? v.reason : '', /no Kubernetes node owns 10\.244\.99\.0\/24/);
  assert.equal(table.check(p('10.244.0.0/16'), from('10.0.0.1')).ok, false);
  assert.deepEqual(table.check(p('198.51.100.0/24'), from('10.0.0.1')), { ok: true });
});

test('mode off accepts everything', () => {
  const off = new OwnershipTable({ mode: 'off', podNetworks: ['10.244.0.0/16'], nodes: [] });
  assert.deepEqual(off.check(p('10.244.1.0/24'), from('10.0.0.2')), { ok: true });
});
