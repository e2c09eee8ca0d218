/**
 * Loc-RIB (daemon/rib/loc-rib.ts): change detection (a change only when the best path or the
 * ECMP next-hop set moved), arrival-order independence, ADD-PATH candidates, and peer-down
 * walks in bounded slices giving the same result as one pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LocRib, type RibChange } from '../../../../daemon/rib/loc-rib.js';
import { Ineligible, type Path, type PeerRef } from '../../../../daemon/rib/path.js';
import { ipv4Key, type PrefixKey } from '../../../../daemon/rib/prefix-key.js';
import { runBudgeted } from '../../../../daemon/scheduler.js';
import { Builder, peer, permutations } from './paths.js';

const b = new Builder();
const SEQ = 2;
const P = ipv4Key(0x0a010000, 24);
const nhKeys = (c: RibChange | null, side: 'before' | 'after'): string[] => (c ? c[side].nexthops.map((n) => n.key) : []);

const tor = (pr: PeerRef, over: { lp?: number; nh?: string; med?: number; pathId?: number } = {}): Path =>
  b.path({
    peer: pr,
    attrs: { origin: 0, asPath: [{ type: SEQ, asns: [pr.asn, 65200] }], ...(over.lp === undefined ? {} : { localPref: over.lp }), ...(over.med === undefined ? {} : { med: over.med }) },
    ...(over.nh === undefined ? {} : { nh: over.nh }),
    ...(over.pathId === undefined ? {} : { pathId: over.pathId }),
  });

const t1 = peer({ id: 1, asn: 65101 });
const t2 = peer({ id: 2, asn: 65102 });
const t3 = peer({ id: 3, asn: 65103 });

test('first path, second equal path (ECMP grows), withdrawals (ECMP shrinks, prefix goes)', () => {
  const rib = new LocRib({ relax: true });
  const c1 = rib.update(P, 1, tor(t1));
  assert.equal(c1?.before.best, undefined);
  assert.equal(c1?.after.best?.peer, t1);
  assert.equal(c1?.reason, 'only-path');
  const c2 = rib.update(P, 2, tor(t2));
  assert.equal(c2?.after.best?.peer, t1, 'best unchanged');
  assert.deepEqual(nhKeys(c2, 'before'), ['192.0.2.1']);
  assert.deepEqual(nhKeys(c2, 'after'), ['192.0.2.1', '192.0.2.2']);
  assert.equal(c2?.reason, 'router-id');
  assert.equal(rib.size, 1);
  assert.equal(rib.pathCount, 2);
  const c3 = rib.update(P, 1, null);
  assert.equal(c3?.after.best?.peer, t2);
  assert.deepEqual(nhKeys(c3, 'after'), ['192.0.2.2']);
  const c4 = rib.update(P, 2, null);
  assert.equal(c4?.after.best, undefined);
  assert.deepEqual(c4?.after.nexthops, []);
  assert.equal(rib.size, 0);
  assert.equal(rib.pathCount, 0);
  assert.equal(rib.update(P, 2, null), null, 'withdrawing an unknown path changes nothing');
});

test('no change when a non-best path changes or a path is re-announced unchanged', () => {
  const rib = new LocRib({ relax: true });
  rib.update(P, 1, tor(t1, { lp: 200 }));
  assert.equal(rib.update(P, 2, tor(t2)), null, 'worse path added');
  assert.equal(rib.update(P, 2, tor(t2, { med: 7 })), null, 'non-best changed');
  assert.equal(rib.update(P, 2, null), null, 'non-best withdrawn');
  assert.equal(rib.update(P, 3, tor(t3)), null, 'another worse path added');
  assert.equal(rib.update(P, 1, tor(t1, { lp: 200 })), null, 'best re-announced with the same attributes');
  const c = rib.update(P, 1, tor(t1, { lp: 300 }));
  assert.equal(c?.after.best?.attrs.attrs.localPref, 300, 'best changed attributes');
  assert.equal(c?.reason, 'local-pref');
});

test('a change when the ECMP set changes although the best does not', () => {
  const rib = new LocRib({ relax: true });
  rib.update(P, 1, tor(t1));
  rib.update(P, 2, tor(t2, { lp: 50 }));
  const c = rib.update(P, 2, tor(t2));
  assert.equal(c?.before.best?.peer, t1);
  assert.equal(c?.after.best?.peer, t1);
  assert.deepEqual(nhKeys(c, 'after'), ['192.0.2.1', '192.0.2.2']);
  // The second path moves to the first path's next hop: set shrinks to one next hop.
  const d = rib.update(P, 2, tor(t2, { nh: '192.0.2.1' }));
  assert.deepEqual(nhKeys(d, 'after'), ['192.0.2.1']);
  // Without relax the two ToRs never form a set: the same events give no change.
  const strict = new LocRib({ relax: false });
  strict.update(P, 1, tor(t1));
  assert.equal(strict.update(P, 2, tor(t2)), null);
});

test('ineligible paths: never best; best falls back and comes back', () => {
  const rib = new LocRib();
  const bad = b.path({ peer: t1, ineligible: Ineligible.NextHopUnreachable });
  assert.equal(rib.update(P, 1, bad), null, 'only an ineligible path: no best, no change');
  assert.equal(rib.get(P)?.best, undefined);
  assert.equal(rib.get(P)?.candidates.length, 1);
  const c = rib.update(P, 2, tor(t2));
  assert.equal(c?.after.best?.peer, t2);
  const good = rib.update(P, 1, tor(t1));
  assert.equal(good?.after.best?.peer, t1);
  assert.equal(rib.update(P, 1, bad)?.after.best?.peer, t2);
});

test('ADD-PATH: two paths of one peer are separate candidates', () => {
  const rib = new LocRib({ relax: true });
  rib.update(P, 1, tor(t1, { pathId: 1, nh: '192.0.2.11' }));
  const c = rib.update(P, 1, tor(t1, { pathId: 2, nh: '192.0.2.12' }));
  assert.equal(c?.reason, 'path-id');
  assert.deepEqual(nhKeys(c, 'after'), ['192.0.2.11', '192.0.2.12']);
  assert.equal(rib.pathCount, 2);
  assert.deepEqual(nhKeys(rib.update(P, 1, null, 1), 'after'), ['192.0.2.12']);
  assert.throws(() => rib.update(P, 2, tor(t1)), /given as 2\/0/);
});

test('the final state does not depend on arrival order', () => {
  const paths = [tor(t1, { lp: 120 }), tor(t2), tor(t3, { lp: 120 }), tor(peer({ id: 4, asn: 65101 }), { lp: 120 }), b.path({ peer: peer({ id: 5 }), ineligible: Ineligible.AsLoop })];
  let want: string | undefined;
  for (const perm of permutations(paths)) {
    const rib = new LocRib({ relax: true, maxPaths: 2 });
    for (const p of perm) rib.update(P, p.peer.id, p);
    const v = rib.get(P);
    const got = JSON.stringify({ best: v?.best?.peer.id, mp: v?.multipath.map((p) => p.peer.id), reason: v?.reason });
    want ??= got;
    assert.equal(got, want);
  }
  assert.equal(want, JSON.stringify({ best: 1, mp: [1, 3], reason: 'router-id' }));
});

/** A random table: `prefixes` prefixes, each announced by a random subset of the peers. */
function buildRib(peers: readonly PeerRef[], seed: number, prefixes: number): { rib: LocRib; keys: PrefixKey[] } {
  const rib = new LocRib({ relax: true });
  const keys: PrefixKey[] = [];
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  for (let i = 0; i < prefixes; i++) {
    const k = ipv4Key(0x0a000000 + i * 256, 24);
    keys.push(k);
    for (const pr of peers) if (rnd(3) > 0) rib.update(k, pr.id, tor(pr, { lp: 100 + rnd(2), med: rnd(2) }));
  }
  return { rib, keys };
}

function dump(rib: LocRib, keys: readonly PrefixKey[]): string {
  return JSON.stringify(keys.map((k) => {
    const v = rib.get(k);
    return v && { best: v.best?.peer.id, mp: v.multipath.map((p) => p.nextHop.key), n: v.candidates.length, r: v.reason };
  }));
}

test('removePeer in budgeted slices equals removing all at once and never having had the peer', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 50 }), async (seed, maxItems) => {
      const peers = [t1, t2, t3];
      const sliced = buildRib(peers, seed, 300);
      const whole = buildRib(peers, seed, 300);
      const entries = sliced.rib.size;
      const paths = sliced.rib.pathCount;
      let yields = 0;
      const changes: RibChange[] = [];
      const run = await runBudgeted(sliced.rib.removePeer(t2), {
        maxItems,
        maxMs: Infinity,
        yield: async () => void yields++,
        onItem: (c) => c && changes.push(c),
      });
      const all = [...whole.rib.removePeer(2)].filter((c): c is RibChange => c !== null);
      assert.equal(dump(sliced.rib, sliced.keys), dump(whole.rib, whole.keys));
      assert.deepEqual(changes.map((c) => c.prefix), all.map((c) => c.prefix));
      assert.equal(yields, Math.floor(entries / maxItems), 'one yield per full slice');
      assert.equal(run.result, paths - sliced.rib.pathCount, 'returns the number of paths removed');
      // Reference: the same random draws but peer 2's announcements never applied.
      const never = buildRib(peers, seed, 300);
      for (const k of never.keys) never.rib.update(k, 2, null);
      assert.equal(dump(sliced.rib, sliced.keys), dump(never.rib, never.keys));
    }),
    { numRuns: 30 },
  );
});

test('removePeer by PeerRef spares a new session of the same peer id; keys limit the walk', async () => {
  const { rib, keys } = buildRib([t1, t2], 7, 100);
  const before = rib.pathCount;
  const entries = rib.size;
  const t2again: PeerRef = { ...t2 };
  const last = [...rib.keys()].pop() as PrefixKey;
  let visited = 0;
  let injected = false;
  await runBudgeted(rib.removePeer(t2), {
    maxItems: 10,
    maxMs: Infinity,
    onItem: () => void visited++,
    yield: async () => {
      if (!injected) rib.update(last, 2, tor(t2again, { lp: 500 }));
      injected = true;
    },
  });
  assert.equal(visited, entries);
  assert.equal(rib.best(last)?.peer, t2again, 'the new session path survived the old session walk');
  assert.ok(rib.pathCount < before);
  const n = [...rib.removePeer(1, keys.slice(0, 10))].length;
  assert.equal(n, 10);
});
