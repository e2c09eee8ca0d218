/**
 * Micro-benchmark of the Loc-RIB (daemon/rib/loc-rib.ts), no sockets, no decode:
 *   - Path objects alone: heap per Path for N paths sharing 10k attribute sets;
 *   - insert N IPv4 prefixes from peer A, then the same N from peer B (two eBGP ToRs with
 *     different ASNs, multipath relax on, so every prefix ends with a 2-path ECMP set) ->
 *     inserts/s and heap bytes per route (and per prefix), attribute sets shared;
 *   - peer-down of A as a budgeted walk over every prefix (daemon/scheduler.ts) -> prefixes/s
 *     and the longest slice.
 * Run as `node dist/test/bench/loc-rib.js [--prefixes N] [--ipv6]` (default 1,000,000 IPv4 /24s;
 * --ipv6: /64s, string keys); prints a short
 * report on stderr and one JSON line on stdout.
 */
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { performance } from 'node:perf_hooks';
import { LocRib } from '../../daemon/rib/loc-rib.js';
import { attrSet, NextHopTable, Path, type AttrSet, type PeerRef } from '../../daemon/rib/path.js';
import { ipv4Key, keyFromBytes, type PrefixKey } from '../../daemon/rib/prefix-key.js';
import { runBudgeted } from '../../daemon/scheduler.js';

const ATTR_SETS = 10_000;

function gcFn(): () => void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  return gc;
}

function heapAfterGc(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function attrSets(peerAs: number): AttrSet[] {
  return Array.from({ length: ATTR_SETS }, (_, i) =>
    attrSet({ origin: 0, asPath: [{ type: 2, asns: [peerAs, 64512 + (i % 1000), 65000 + (i % 7)] }], med: i % 3, communities: [(65000 << 16) | i] }),
  );
}

function peer(id: number, asn: number, last: number): PeerRef {
  return { id, ebgp: true, asn, routerId: 0x0a000000 + last, address: new Uint8Array([10, 0, 0, last]) };
}

function prefixKeyAt(i: number, v6: boolean): PrefixKey {
  // IPv4: the i-th /24 above 10.0.0.0. IPv6: the i-th /64 above fd00::.
  if (!v6) return ipv4Key((0x0a000000 + i * 256) >>> 0, 24);
  const b = new Uint8Array([0xfd, 0, 0, 0, i >>> 24, (i >>> 16) & 0xff, (i >>> 8) & 0xff, i & 0xff]);
  return keyFromBytes(2, b, 0, 64);
}

function main(): void {
  const argIdx = process.argv.indexOf('--prefixes');
  const n = argIdx > 0 ? Number(process.argv[argIdx + 1]) : 1_000_000;
  const v6 = process.argv.includes('--ipv6');
  const gc = gcFn();
  const nhs = new NextHopTable();
  const a = peer(1, 65101, 1);
  const b = peer(2, 65102, 2);
  const setsA = attrSets(a.asn);
  const setsB = attrSets(b.asn);
  const nhA = nhs.intern(a.address);
  const nhB = nhs.intern(b.address);

  let h0 = heapAfterGc(gc);
  const alone: Path[] = new Array<Path>(n);
  for (let i = 0; i < n; i++) alone[i] = new Path({ peer: a, attrs: setsA[i % ATTR_SETS] as AttrSet, nextHop: nhA });
  const pathBytes = (heapAfterGc(gc) - h0) / n;
  alone.length = 0;

  h0 = heapAfterGc(gc);
  // The keys count (the Map holds them); the array's own 8-byte slots are subtracted below.
  const keys = Array.from({ length: n }, (_, i) => prefixKeyAt(i, v6));
  const rib = new LocRib({ relax: true });
  let changes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (rib.update(keys[i] as PrefixKey, a.id, new Path({ peer: a, attrs: setsA[i % ATTR_SETS] as AttrSet, nextHop: nhA }))) changes++;
  const t1a = performance.now();
  const heapOne = heapAfterGc(gc) - h0 - 8 * n;
  const t1 = performance.now();
  for (let i = 0; i < n; i++) if (rib.update(keys[i] as PrefixKey, b.id, new Path({ peer: b, attrs: setsB[i % ATTR_SETS] as AttrSet, nextHop: nhB }))) changes++;
  const t2 = performance.now();
  const heap = heapAfterGc(gc) - h0 - 8 * n;
  const ecmp = rib.get(keys[0] as PrefixKey)?.multipath.length ?? 0;

  let slowest = 0;
  const t3 = performance.now();
  void runBudgeted(rib.removePeer(a), { maxItems: 256, maxMs: 5, yield: () => Promise.resolve() }).then((run) => {
    const t4 = performance.now();
    slowest = Math.max(...run.sliceMs);
    const result = {
      family: v6 ? 'ipv6 /64' : 'ipv4 /24',
      prefixes: n,
      routes: 2 * n,
      attrSetsPerPeer: ATTR_SETS,
      pathObjectBytes: Math.round(pathBytes),
      insertFirstPeerPerSec: Math.round(n / ((t1a - t0) / 1000)),
      insertSecondPeerPerSec: Math.round(n / ((t2 - t1) / 1000)),
      insertsPerSec: Math.round((2 * n) / ((t1a - t0 + t2 - t1) / 1000)),
      heapBytesPerPrefixOnePath: Math.round(heapOne / n),
      heapBytesPerRoute: Math.round(heap / (2 * n)),
      heapBytesPerPrefix: Math.round(heap / n),
      changes,
      ecmpPathsPerPrefix: ecmp,
      removePeerPrefixesPerSec: Math.round(n / ((t4 - t3) / 1000)),
      removePeerSlices: run.slices,
      removePeerSlowestSliceMs: Math.round(slowest * 100) / 100,
      remainingPaths: rib.pathCount,
      node: process.version,
    };
    process.stderr.write(
      `Loc-RIB, ${n} ${result.family} prefixes x 2 peers: ${result.insertsPerSec} inserts/s (first peer ${result.insertFirstPeerPerSec}/s, ` +
        `second ${result.insertSecondPeerPerSec}/s), ${result.heapBytesPerRoute} B/route (${result.heapBytesPerPrefix} B/prefix; ` +
        `${result.heapBytesPerPrefixOnePath} B/prefix with one path), ` +
        `Path alone ${result.pathObjectBytes} B; peer-down walk ${result.removePeerPrefixesPerSec} prefixes/s, slowest slice ${result.removePeerSlowestSliceMs} ms\n`,
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });
}

main();
