/**
 * Policy micro-benchmark: `node dist/test/bench/policy.js [--routes N]`. Measures, on one
 * thread with synthetic routes,
 *   1. every kind of condition not matching, called directly: time and garbage-collection
 *      events (the requirement: a non-matching rule allocates nothing, so 0 GC events);
 *   2. evaluate() of a 12-rule policy that matches nothing (one result object per route);
 *   3. evaluate() of the built-in defaults import policy.
 * Prints one line per measurement and exits 1 when the non-matching conditions caused a GC.
 * Not part of the unit tests: whether V8 has optimised a function yet is timing-dependent.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Afi, AsPathSegType } from '../../peers/wire/constants.js';
import type { PathAttributes } from '../../peers/wire/types.js';
import type { PolicyRule } from '../../config/schema.js';
import { compilePolicy } from '../../daemon/policy/compile.js';
import { defaultImportPolicy, policyContext } from '../../daemon/policy/defaults.js';
import { evaluate, type Matcher, type PolicyRoute } from '../../daemon/policy/policy.js';

const arg = process.argv.indexOf('--routes');
const N = arg > 0 ? Number(process.argv[arg + 1]) : 1_000_000;

let gcs = 0;
new PerformanceObserver((list) => {
  gcs += list.getEntries().length;
}).observe({ entryTypes: ['gc'] });

const accept = { action: 'accept' as const };
const RULES: PolicyRule[] = [
  { match: { prefix: ['10.96.0.0/12 le 32'] }, then: { ...accept, localPref: 1 } },
  { match: { community: ['65000:1', '65000:2'] }, then: accept },
  { match: { communityAll: ['65000:1', '65000:2'] }, then: accept },
  { match: { largeCommunity: ['1:2:3'] }, then: accept },
  { match: { asPath: '^65999 ' }, then: accept },
  { match: { originAs: [4200000001] }, then: accept },
  { match: { asPathMaxLength: 1 }, then: accept },
  { match: { neighborAs: [4200000007] }, then: accept },
  { match: { nextHop: ['192.0.2.0/24'] }, then: accept },
  { match: { source: ['local'] }, then: accept },
  { match: { prefix: Array.from({ length: 100 }, (_, i) => `172.${16 + (i % 16)}.${i}.0/24 le 28`) }, then: accept },
  { match: { prefix: ['fd00::/8 le 64'] }, then: accept },
];

const ctx = policyContext(65000, ['10.12.0.21'], ['10.244.21.0/24']);
const attrs: PathAttributes = {
  asPath: [{ type: AsPathSegType.AsSequence, asns: [4200000101, 65002] }],
  communities: [65000 * 65536 + 5],
  largeCommunities: [[4, 5, 6]],
};
const routes: PolicyRoute[] = Array.from({ length: 1000 }, (_, i) => ({
  prefix: { afi: Afi.Ipv4, len: 24, addr: new Uint8Array([10, 244, i & 255, 0]) },
  attrs,
  nextHop: { key: '10.12.0.1', global: new Uint8Array([10, 12, 0, 1]) },
  peer: { name: 'tor-a', asn: 4200000101, ebgp: true },
}));

function rate(ms: number): string {
  return `${(N / ms / 1000).toFixed(2)} M routes/s`;
}

async function main(): Promise<number> {
  const policy = compilePolicy({ name: 'bench', rules: RULES });
  const matchers: Matcher[] = policy.rules.flatMap((r) => [...r.matchers]);
  const runMatchers = (n: number): number => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const r = routes[i % routes.length] as PolicyRoute;
      for (let j = 0; j < matchers.length; j++) if ((matchers[j] as Matcher)(r, attrs, ctx)) hits++;
    }
    return hits;
  };
  runMatchers(300_000);
  await sleep(50);
  gcs = 0;
  let t = performance.now();
  const hits = runMatchers(N);
  let ms = performance.now() - t;
  await sleep(50);
  const matcherGcs = gcs;
  console.log(`non-matching conditions: ${N} routes x ${matchers.length} in ${ms.toFixed(0)} ms, hits ${hits}, GC events ${matcherGcs}`);

  t = performance.now();
  let accepted = 0;
  for (let i = 0; i < N; i++) if (evaluate(policy, routes[i % routes.length] as PolicyRoute, ctx).accept) accepted++;
  ms = performance.now() - t;
  console.log(`evaluate, 12 rules, none matches: ${rate(ms)} (accepted ${accepted})`);

  const defaults = defaultImportPolicy({ podNetworks: ['10.244.0.0/16', 'fd00:10:244::/56'], exportLearned: false });
  t = performance.now();
  accepted = 0;
  for (let i = 0; i < N; i++) if (evaluate(defaults, routes[i % routes.length] as PolicyRoute, ctx).accept) accepted++;
  ms = performance.now() - t;
  console.log(`evaluate, defaults import: ${rate(ms)} (accepted ${accepted})`);
  return hits === 0 && matcherGcs === 0 ? 0 : 1;
}

process.exitCode = await main();
