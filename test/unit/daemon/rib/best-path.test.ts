/**
 * The decision process (daemon/rib/best-path.ts), OpenBGPD regress unittests/rde_decide_test.c
 * style: one reference path and single-attribute variants, each compared in both directions;
 * then every arrival order of a path set gives the same order and reason. Plus the MED rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, rank, select, DEFAULT_DECISION, type BestPathReason } from '../../../../daemon/rib/best-path.js';
import { Ineligible, type Path } from '../../../../daemon/rib/path.js';
import type { PathAttributes } from '../../../../peers/wire/types.js';
import { Builder, peer, permutations, u32 } from './paths.js';

const b = new Builder();
const SEQ = 2;
const SET = 1;
const CONFED_SEQ = 3;

// The reference: iBGP-learned, every attribute in the middle of its range.
const refPeer = peer({ id: 5, ebgp: false, asn: 65000, address: '10.0.0.5' });
const refAttrs: PathAttributes = {
  origin: 1,
  asPath: [{ type: SEQ, asns: [65001, 65002] }],
  med: 100,
  localPref: 200,
  clusterList: [u32('1.1.1.1')],
};
const ref = b.path({ peer: refPeer, attrs: refAttrs, igpCost: 10, pathId: 2 });
const withAttrs = (a: Partial<PathAttributes>, omit: (keyof PathAttributes)[] = []): Path => {
  const attrs: PathAttributes = { ...refAttrs, ...a };
  for (const k of omit) delete attrs[k];
  return b.path({ peer: refPeer, attrs, igpCost: 10, pathId: 2 });
};

/** Variants better than the reference, with the step that must decide. */
const better: [string, Path, BestPathReason][] = [
  ['higher LOCAL_PREF', withAttrs({ localPref: 300 }), 'local-pref'],
  ['shorter AS_PATH', withAttrs({ asPath: [{ type: SEQ, asns: [65001] }] }), 'as-path-length'],
  ['lower ORIGIN', withAttrs({ origin: 0 }), 'origin'],
  ['lower MED, same neighbour AS', withAttrs({ med: 50 }), 'med'],
  ['missing MED counts as 0', withAttrs({}, ['med']), 'med'],
  ['eBGP over iBGP', b.path({ peer: { ...refPeer, ebgp: true }, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2 }), 'ebgp-over-ibgp'],
  ['lower IGP cost', b.path({ peer: refPeer, attrs: b.attrs(refAttrs), igpCost: 5, pathId: 2 }), 'igp-cost'],
  ['lower ORIGINATOR_ID', withAttrs({ originatorId: u32('10.0.0.1') }), 'router-id'],
  ['lower peer router id', b.path({ peer: { ...refPeer, routerId: u32('10.0.0.4') }, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2 }), 'router-id'],
  ['shorter CLUSTER_LIST', withAttrs({}, ['clusterList']), 'cluster-list'],
  ['lower peer address', b.path({ peer: { ...refPeer, address: new Uint8Array([10, 0, 0, 4]) }, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2 }), 'peer-address'],
  ['lower ADD-PATH path id', b.path({ peer: refPeer, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 1 }), 'path-id'],
];

/** Variants worse than the reference. */
const worse: [string, Path, BestPathReason][] = [
  ['ineligible', b.path({ peer: refPeer, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2, ineligible: Ineligible.NextHopUnreachable }), 'eligibility'],
  ['missing LOCAL_PREF counts as 100', withAttrs({}, ['localPref']), 'local-pref'],
  ['longer AS_PATH', withAttrs({ asPath: [{ type: SEQ, asns: [65001, 65002, 65003] }] }), 'as-path-length'],
  ['AS_SET adds one', withAttrs({ asPath: [{ type: SEQ, asns: [65001, 65002] }, { type: SET, asns: [1] }] }), 'as-path-length'],
  ['higher ORIGIN', withAttrs({ origin: 2 }), 'origin'],
  ['higher MED', withAttrs({ med: 101 }), 'med'],
  ['higher IGP cost', b.path({ peer: refPeer, attrs: b.attrs(refAttrs), igpCost: 11, pathId: 2 }), 'igp-cost'],
  ['higher ORIGINATOR_ID', withAttrs({ originatorId: u32('10.0.0.6') }), 'router-id'],
  ['longer CLUSTER_LIST', withAttrs({ clusterList: [1, 2] }), 'cluster-list'],
  ['IPv6 peer address after IPv4 (even ::)', b.path({ peer: { ...refPeer, address: new Uint8Array(16) }, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2 }), 'peer-address'],
  ['higher peer address', b.path({ peer: { ...refPeer, address: new Uint8Array([10, 0, 0, 6]) }, attrs: b.attrs(refAttrs), igpCost: 10, pathId: 2 }), 'peer-address'],
];

test('each better variant beats the reference at its own step, in both directions', () => {
  for (const [name, v, reason] of better) {
    assert.deepEqual(compare(v, ref), { winner: -1, reason }, name);
    assert.deepEqual(compare(ref, v), { winner: 1, reason }, name);
  }
});

test('each worse variant loses to the reference at its own step, in both directions', () => {
  for (const [name, v, reason] of worse) {
    assert.deepEqual(compare(v, ref), { winner: 1, reason }, name);
    assert.deepEqual(compare(ref, v), { winner: -1, reason }, name);
  }
});

test('a path equals itself; AS_SET counts 1 and confed segments 0', () => {
  assert.deepEqual(compare(ref, ref), { winner: 0, reason: 'equal' });
  const set4 = withAttrs({ asPath: [{ type: SEQ, asns: [65001] }, { type: SET, asns: [1, 2, 3, 4] }] });
  const confed = withAttrs({ asPath: [{ type: CONFED_SEQ, asns: [65500, 65501, 65502] }, { type: SEQ, asns: [65001, 65002] }] });
  // Both have length 2 and neighbour AS 65001 like the reference, and the same source: equal.
  assert.equal(compare(set4, ref).reason, 'equal');
  assert.equal(compare(confed, ref).reason, 'equal');
});

test('every arrival order of five paths gives the same order and reason', () => {
  const p = (id: number, a: Partial<PathAttributes>, igpCost?: number, ebgp = true): Path =>
    b.path({ peer: peer({ id, ebgp, asn: ebgp ? 65100 + id : 65000 }), attrs: { ...refAttrs, ...a }, ...(igpCost === undefined ? {} : { igpCost }) });
  const set = [
    p(1, { localPref: 100 }),
    p(2, { asPath: [{ type: SEQ, asns: [65001, 65002, 65003] }] }),
    p(3, { origin: 2 }),
    p(4, {}),
    p(5, {}, 3, false),
  ];
  const expected = rank(set);
  assert.deepEqual(expected.order.map((x) => x.peer.id), [4, 5, 3, 2, 1]);
  assert.equal(expected.reason, 'ebgp-over-ibgp');
  for (const perm of permutations(set)) {
    const r = rank(perm);
    assert.deepEqual(r.order.map((x) => x.peer.id), [4, 5, 3, 2, 1]);
    assert.equal(r.reason, 'ebgp-over-ibgp');
    assert.equal(select(perm).best?.peer.id, 4);
  }
});

test('MED is compared only between paths from the same neighbour AS', () => {
  const fromAs = (id: number, firstAs: number, med: number | undefined): Path =>
    b.path({ peer: peer({ id }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [firstAs, 65009] }], ...(med === undefined ? {} : { med }) } });
  const a = fromAs(1, 65001, 50);
  const sameAsWorse = fromAs(2, 65001, 60);
  const otherAs = fromAs(3, 65002, 10);
  assert.deepEqual(compare(a, sameAsWorse), { winner: -1, reason: 'med' });
  // Different neighbour AS: MED ignored, the router id (10.0.0.1 < 10.0.0.3) decides.
  assert.deepEqual(compare(a, otherAs), { winner: -1, reason: 'router-id' });
  // always-compare-med: now the lower MED of AS 65002 wins.
  const always = { ...DEFAULT_DECISION, alwaysCompareMed: true };
  assert.deepEqual(compare(a, otherAs, always), { winner: 1, reason: 'med' });
  // Missing MED: 0 by default (beats 50), worst with missingMedWorst.
  const noMed = fromAs(4, 65001, undefined);
  assert.deepEqual(compare(noMed, a), { winner: -1, reason: 'med' });
  assert.deepEqual(compare(noMed, a, { ...DEFAULT_DECISION, missingMedWorst: true }), { winner: 1, reason: 'med' });
  const maxMed = fromAs(5, 65001, 0xffffffff);
  assert.deepEqual(compare(noMed, maxMed, { ...DEFAULT_DECISION, missingMedWorst: true }), { winner: 1, reason: 'med' });
});

test('neighbour AS skips leading confed segments; a leading AS_SET has none', () => {
  const mk = (id: number, asPath: PathAttributes['asPath'], med: number): Path =>
    b.path({ peer: peer({ id }), attrs: { origin: 0, ...(asPath ? { asPath } : {}), med } });
  const confed = mk(1, [{ type: CONFED_SEQ, asns: [65500] }, { type: SEQ, asns: [65001, 7] }], 90);
  const plain = mk(2, [{ type: SEQ, asns: [65001, 7] }], 10);
  assert.deepEqual(compare(confed, plain), { winner: 1, reason: 'med' });
  const setFirst1 = mk(1, [{ type: SET, asns: [65001] }, { type: SEQ, asns: [7] }], 90);
  const setFirst2 = mk(2, [{ type: SET, asns: [65001] }, { type: SEQ, asns: [7] }], 10);
  assert.deepEqual(compare(setFirst1, setFirst2), { winner: -1, reason: 'router-id' });
  // Empty AS paths (internal routes) share the neighbour "AS 0": MED compared.
  const local1 = mk(1, [], 90);
  const local2 = mk(2, [], 10);
  assert.deepEqual(compare(local1, local2), { winner: 1, reason: 'med' });
});

test('MED intransitivity: elimination gives the same best for every arrival order', () => {
  // Pairwise: p1 beats p2 (MED), p2 beats p3 (router id), p3 beats p1 (router id) — a cycle.
  // RFC 4271 §9.1.2.2 (c) removes p2 first (MED within AS 65001), then p3 wins on router id.
  const mk = (id: number, rid: string, firstAs: number, med: number): Path =>
    b.path({ peer: peer({ id, routerId: rid }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [firstAs] }], med } });
  const p1 = mk(1, '10.0.0.3', 65001, 10);
  const p2 = mk(2, '10.0.0.1', 65001, 20);
  const p3 = mk(3, '10.0.0.2', 65002, 5);
  assert.equal(compare(p1, p2).winner, -1);
  assert.equal(compare(p2, p3).winner, -1);
  assert.equal(compare(p3, p1).winner, -1);
  for (const perm of permutations([p1, p2, p3])) {
    const s = select(perm);
    assert.equal(s.best, p3);
    assert.equal(s.reason, 'router-id');
  }
});

test('an unknown IGP cost is equal to any cost (RFC 4271 §9.1.2.2 e)', () => {
  const d = b.path({ peer: peer({ id: 1, asn: 65001 }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [1] }] }, igpCost: 100 });
  const e = b.path({ peer: peer({ id: 2, asn: 65001 }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [1] }] } });
  assert.deepEqual(compare(d, e), { winner: -1, reason: 'router-id' });
});

test('no best when every candidate is ineligible; select of nothing is empty', () => {
  const x = b.path({ peer: peer({ id: 1 }), ineligible: Ineligible.AsLoop });
  const y = b.path({ peer: peer({ id: 2 }), ineligible: Ineligible.NextHopUnreachable });
  const s = select([x, y]);
  assert.equal(s.top, x);
  assert.equal(s.best, undefined);
  assert.deepEqual(s.equal, []);
  assert.equal(select([]).top, undefined);
  assert.equal(select([x]).best, undefined);
});
