/**
 * ECMP set selection (daemon/rib/multipath.ts) on top of the decision process: relax vs strict,
 * maxPaths, eBGP/iBGP never mixed, one path per next hop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { select } from '../../../../daemon/rib/best-path.js';
import { multipathSet, DEFAULT_MULTIPATH, type MultipathOptions } from '../../../../daemon/rib/multipath.js';
import { Ineligible, type Path } from '../../../../daemon/rib/path.js';
import { Builder, peer, permutations } from './paths.js';

const b = new Builder();
const SEQ = 2;
const ids = (ps: readonly Path[]): number[] => ps.map((p) => p.peer.id);
const mp = (ps: Path[], o: Partial<MultipathOptions> = {}): number[] => ids(multipathSet(select(ps), { ...DEFAULT_MULTIPATH, ...o }));

/** A ToR announcing a pod CIDR learned from AS 65200: path "torAs 65200". */
const tor = (id: number, torAs: number, over: { nh?: string; ebgp?: boolean; med?: number; lp?: number } = {}): Path =>
  b.path({
    peer: peer({ id, asn: torAs, ebgp: over.ebgp ?? true }),
    attrs: { origin: 0, asPath: [{ type: SEQ, asns: over.ebgp === false ? [65200] : [torAs, 65200] }], ...(over.med === undefined ? {} : { med: over.med }), ...(over.lp === undefined ? {} : { localPref: over.lp }) },
    ...(over.nh === undefined ? {} : { nh: over.nh }),
  });

test('dual-homed to two ToRs with different ASNs: both paths with relax, one without', () => {
  const a = tor(1, 65101);
  const c = tor(2, 65102);
  assert.deepEqual(mp([a, c], { relax: true }), [1, 2]);
  assert.deepEqual(mp([c, a], { relax: true }), [1, 2]);
  assert.deepEqual(mp([a, c], { relax: false }), [1]);
});

test('strict: same neighbour AS, distinct next hops', () => {
  assert.deepEqual(mp([tor(1, 65100), tor(2, 65100)]), [1, 2]);
  // Relax does not let a different MED through within the same neighbour AS (MED step).
  assert.deepEqual(mp([tor(1, 65100, { med: 5 }), tor(2, 65100, { med: 1 })], { relax: true }), [2]);
  // Different neighbour ASes with different MEDs tie (MED not comparable) -> relax takes both.
  assert.deepEqual(mp([tor(1, 65101, { med: 5 }), tor(2, 65102, { med: 1 })], { relax: true }), [1, 2]);
});

test('maxPaths caps the set; best first, then tie-break order, for any arrival order', () => {
  const paths = [tor(4, 65100), tor(2, 65100), tor(3, 65100), tor(1, 65100)];
  for (const perm of permutations(paths)) {
    assert.deepEqual(mp(perm), [1, 2, 3, 4]);
    assert.deepEqual(mp(perm, { maxPaths: 2 }), [1, 2]);
    assert.deepEqual(mp(perm, { maxPaths: 1 }), [1]);
  }
});

test('one path per next hop', () => {
  const a = tor(1, 65100, { nh: '192.0.2.9' });
  const c = tor(2, 65100, { nh: '192.0.2.9' });
  const d = tor(3, 65100, { nh: '192.0.2.10' });
  assert.deepEqual(mp([a, c]), [1]);
  assert.deepEqual(mp([d, c, a]), [1, 3]);
});

test('eBGP and iBGP paths are never mixed; iBGP multipath needs equal IGP cost', () => {
  const e = tor(1, 65101);
  const i = b.path({ peer: peer({ id: 2, ebgp: false, asn: 65000 }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [65101, 65200] }] }, igpCost: 0 });
  assert.deepEqual(mp([e, i], { relax: true }), [1]);
  assert.deepEqual(mp([i, e], { relax: true }), [1]);
  const ibgp = (id: number, cost: number): Path =>
    b.path({ peer: peer({ id, ebgp: false, asn: 65000 }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [65101, 65200] }], localPref: 100 }, igpCost: cost });
  assert.deepEqual(mp([ibgp(3, 10), ibgp(4, 10), ibgp(5, 20)]), [3, 4]);
  for (const p of multipathSet(select([ibgp(3, 10), ibgp(4, 10)]))) assert.equal(p.peer.ebgp, false);
});

test('paths that differ before router-id (LOCAL_PREF) or are ineligible stay out', () => {
  assert.deepEqual(mp([tor(1, 65100, { lp: 200 }), tor(2, 65100)]), [1]);
  const bad = b.path({ peer: peer({ id: 3, asn: 65100 }), attrs: { origin: 0, asPath: [{ type: SEQ, asns: [65100, 65200] }] }, ineligible: Ineligible.NextHopUnreachable });
  assert.deepEqual(mp([bad, tor(2, 65100)]), [2]);
  assert.deepEqual(mp([bad]), []);
});
