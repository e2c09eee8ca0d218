/**
 * Export rules per target peer: eBGP prepend and attribute stripping, iBGP split horizon and
 * RFC 4456 reflection, well-known communities, and interning of the result.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPath, NO_ADVERTISE, NO_EXPORT, type LocalSpeaker } from '../../../../daemon/rib/export.js';
import { AttrSetCache, NextHopTable, Path, type PeerRef } from '../../../../daemon/rib/path.js';
import type { PathAttributes } from '../../../../peers/wire/types.js';

const local: LocalSpeaker = { asn: 65010, routerId: 0x0a000001, clusterId: 0x0a000001 };
const peer = (id: number, ebgp: boolean, asn: number, rrClient = false): PeerRef => ({ id, ebgp, asn, routerId: 0x0a000000 + id, address: new Uint8Array([10, 0, 0, id]), rrClient });
const torA = peer(1, true, 65001);
const torB = peer(2, true, 65002);
const ibgp = peer(3, false, 65010);
const client = peer(4, false, 65010, true);
const client2 = peer(5, false, 65010, true);
const sets = new AttrSetCache();
const nhs = new NextHopTable();

function path(from: PeerRef, attrs: PathAttributes): Path {
  return new Path({ peer: from, attrs: sets.get(attrs), nextHop: nhs.intern(new Uint8Array([192, 0, 2, from.id])) });
}

const learned: PathAttributes = {
  origin: 0,
  asPath: [{ type: 2, asns: [65001, 64601] }],
  nextHop: new Uint8Array([192, 0, 2, 1]),
  med: 20,
  localPref: 300,
  communities: [65001 * 65536 + 1],
  unknown: [{ flags: 0xc0, type: 250, value: new Uint8Array([1]) }],
};

test('to eBGP: our AS prepended, MED/LOCAL_PREF/unknown dropped, next hop self', () => {
  const ad = exportPath(path(torA, learned), { peer: torB }, local);
  assert.ok(typeof ad === 'object');
  assert.deepEqual(ad.attrs.asPath, [{ type: 2, asns: [65010, 65001, 64601] }]);
  assert.equal(ad.attrs.med, undefined);
  assert.equal(ad.attrs.localPref, undefined);
  assert.equal(ad.attrs.unknown, undefined);
  assert.deepEqual(ad.attrs.communities, learned.communities);
  assert.equal(ad.nextHopSelf, true);
});

test('never back to the peer it came from; well-known communities honoured', () => {
  assert.equal(exportPath(path(torA, learned), { peer: torA }, local), 'source-peer');
  assert.equal(exportPath(path(torA, { ...learned, communities: [NO_ADVERTISE] }), { peer: ibgp }, local), 'no-advertise');
  assert.equal(exportPath(path(ibgp, { ...learned, communities: [NO_EXPORT] }), { peer: torA }, local), 'no-export');
  assert.ok(typeof exportPath(path(torA, { ...learned, communities: [NO_EXPORT] }), { peer: ibgp }, local) === 'object');
});

test('eBGP-learned to iBGP: AS path and next hop kept, LOCAL_PREF kept (100 when absent)', () => {
  const ad = exportPath(path(torA, { ...learned, localPref: undefined }), { peer: ibgp }, local);
  assert.ok(typeof ad === 'object');
  assert.deepEqual(ad.attrs.asPath, learned.asPath);
  assert.equal(ad.attrs.localPref, 100);
  assert.equal(ad.nextHopSelf, false);
  assert.deepEqual(ad.attrs.nextHop, learned.nextHop);
  const self = exportPath(path(torA, learned), { peer: ibgp, nextHopSelf: true }, local);
  assert.ok(typeof self === 'object' && self.nextHopSelf);
});

test('RFC 4456: iBGP split horizon, reflection from clients to all and from non-clients to clients', () => {
  assert.equal(exportPath(path(ibgp, learned), { peer: peer(6, false, 65010) }, local), 'ibgp-split-horizon');
  const toClient = exportPath(path(ibgp, learned), { peer: client }, local);
  assert.ok(typeof toClient === 'object');
  assert.equal(toClient.attrs.originatorId, ibgp.routerId);
  assert.deepEqual(toClient.attrs.clusterList, [local.clusterId]);
  const fromClient = exportPath(path(client, { ...learned, originatorId: 7, clusterList: [9] }), { peer: client2 }, local);
  assert.ok(typeof fromClient === 'object');
  assert.equal(fromClient.attrs.originatorId, 7, 'an existing ORIGINATOR_ID is kept');
  assert.deepEqual(fromClient.attrs.clusterList, [local.clusterId, 9]);
  assert.ok(typeof exportPath(path(client, learned), { peer: ibgp }, local) === 'object');
});

test('the same source attributes towards the same kind of peer give the same object', () => {
  const a = exportPath(path(torA, learned), { peer: torB }, local);
  const b = exportPath(path(torA, learned), { peer: peer(7, true, 65007) }, local);
  assert.equal(a, b);
});
