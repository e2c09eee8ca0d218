/**
 * The bad-input catalogue live: every test/vectors/malformed/*.vec sent over real TCP to a
 * running rackrouted, each followed by a well-formed sentinel UPDATE that proves the session is
 * alive when it should be. Lab: two namespaces (daemon, injector) on one veth, 10.77.0.0/16; the
 * daemon has one address, the injector one per vector, and the daemon one passive peer per
 * vector (a reset peer is damped, so no peer is used twice), configured so the session
 * negotiates exactly the vector's `ctx:` (or, for OPEN vectors, what the `peer:` line says).
 * The injector (test/support/inject-run.ts) runs inside the injector namespace; its observations
 * are judged by test/support/malformed-judge.ts against test/support/malformed-plan.ts.
 *
 * Live differences from the decoder-level catalogue, handled explicitly (see malformed-plan.ts):
 * - AFI/SAFI disable (RFC 7606 §5.1 / RFC 4760 §7) is a session reset with the same code here.
 * - A well-formed NOTIFICATION vector ("ok" for the decoder) ends the session: the daemon must
 *   close without answering and record it as received (lastDown notification-received).
 * - `fsm:` vectors are sent in OpenSent (instead of our OPEN) or OpenConfirm (instead of our
 *   KEEPALIVE); `then pending` streams get no sentinel (it would complete the pending message).
 * - OPEN vectors replace our OPEN; the BGP Role (RFC 9234) and "require=" vectors are skipped:
 *   rackroute has no configuration for them. `min-hold=30` needs bgp.minHoldTime, a global
 *   setting, so that vector gets its own daemon instance (port 1179).
 * - `check: caps` (OPEN capability lists) is not checked live: the daemon's capability table is
 *   keyed by name and cannot show repeats.
 * The daemon must survive all of it: same PID at the end, and it still answers `neighbors`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { callDaemon } from '../../daemon/control/client.js';
import { createLab, waitFor, type Lab, type ProcHandle } from '../support/netns.js';
import { loadVecs } from '../vectors/vec.js';
import { MALFORMED_DIR } from '../vectors/paths.js';
import { DAEMON_ASN, DAEMON_ID, planVector, type LivePlan, type MapEntry, type Observation } from '../support/malformed-plan.js';
import { judgeLive } from '../support/malformed-judge.js';

const here = dirname(fileURLToPath(import.meta.url));
const MAIN_JS = resolve(here, '..', '..', 'daemon', 'main.js');
const INJECT_JS = resolve(here, '..', 'support', 'inject-run.js');
const DAEMON_ADDR = '10.77.0.1';
const CONCURRENCY = 16;

/** Injector address of vector i: 10.77.10.1 upwards, 200 per /24 (never .0 or .255). */
const injectorAddr = (i: number): string => `10.77.${10 + Math.floor(i / 200)}.${1 + (i % 200)}`;

interface Daemon {
  readonly minHoldTime: number;
  readonly port: number;
  readonly socket: string;
  readonly log: string;
  proc?: ProcHandle;
}

function daemonConfig(d: Daemon, plans: readonly LivePlan[], entries: readonly MapEntry[]): string {
  const peers = entries.flatMap((e) => {
    const p = plans.find((x) => x.name === e.name);
    if (!p || e.socket !== d.socket) return [];
    const dp = p.daemonPeer;
    return [{ name: e.peer, address: e.local, asn: dp.asn, passive: true, families: [...dp.families], addPath: dp.addPath }];
  });
  return stringify({
    node: { routerId: DAEMON_ID, asn: DAEMON_ASN },
    originate: [],
    peers,
    bgp: { listenAddresses: [DAEMON_ADDR], listenPort: d.port, minHoldTime: d.minHoldTime },
    control: { socket: d.socket },
    // Several daemons share this namespace: one metrics port each (the default would collide).
    metrics: { listen: `127.0.0.1:${9180 + d.port - 179}` },
    log: { level: 'info' },
  });
}

function logLines(d: Daemon | undefined, peer: string, max = 12): string {
  if (!d) return '';
  try {
    const lines = readFileSync(d.log, 'utf8').split('\n').filter((l) => l.includes(`"peer":"${peer}"`));
    return lines.slice(-max).join('\n');
  } catch {
    return '(no log)';
  }
}

describe('malformed-message catalogue, live against rackrouted over TCP', () => {
  let lab: Lab;
  const plans = loadVecs(MALFORMED_DIR).map(planVector);
  const live = plans.filter((p) => p.skip === undefined);
  const daemons = new Map<number, Daemon>();
  const entries: MapEntry[] = [];
  const observations = new Map<string, Observation>();
  const tally = new Map<string, { pass: number; fail: number; skip: number }>();
  let injectMs = 0;

  before(async () => {
    lab = await createLab();
    await lab.addNamespace('d');
    await lab.addNamespace('i');
    const link = await lab.linkNamespaces('d', 'i', { v4: [DAEMON_ADDR, '10.77.0.2', 16] });
    const batch = live.map((_, i) => `addr add ${injectorAddr(i)}/16 dev ${link.ifB}`).join('\n');
    await lab.exec('i', ['ip', '-batch', '-'], { input: `${batch}\n` });
    const dir = join(lab.dir, 'rackroute');
    mkdirSync(dir, { recursive: true });
    live.forEach((p, i) => {
      const min = p.daemonPeer.minHoldTime;
      if (!daemons.has(min)) {
        const n = daemons.size;
        daemons.set(min, { minHoldTime: min, port: n === 0 ? 179 : 1179 + n, socket: join(dir, `rr${n}.sock`), log: join(dir, `rr${n}.log`) });
      }
      const d = daemons.get(min) as Daemon;
      entries.push({ name: p.name, peer: `v${i}`, local: injectorAddr(i), index: i, port: d.port, socket: d.socket });
    });
    for (const [n, d] of [...daemons.values()].entries()) {
      const cfg = join(dir, `rr${n}.yaml`);
      writeFileSync(cfg, daemonConfig(d, plans, entries));
      d.proc = lab.spawnIn('d', [process.execPath, MAIN_JS, '--config', cfg], { logFile: d.log });
      await waitFor(() => {
        if (d.proc?.exitStatus() !== null) throw new Error(`rackrouted exited: ${readFileSync(d.log, 'utf8').slice(-2000)}`);
        return callDaemon(d.socket, 'status', {}, 2000);
      }, { timeoutMs: 10000, what: `rackrouted ${n} to answer on ${d.socket}` });
    }
    const mapFile = join(dir, 'map.json');
    writeFileSync(mapFile, JSON.stringify({ daemon: DAEMON_ADDR, vectorsDir: MALFORMED_DIR, concurrency: CONCURRENCY, entries }));
    const t0 = Date.now();
    const r = await lab.exec('i', [process.execPath, INJECT_JS, mapFile], { timeoutMs: 80000, allowFail: true });
    injectMs = Date.now() - t0;
    writeFileSync(join(dir, 'observations.jsonl'), r.stdout);
    for (const line of r.stdout.split('\n').filter((l) => l.trim() !== '')) {
      const o = JSON.parse(line) as Observation;
      observations.set(o.name, o);
    }
    if (r.code !== 0) throw new Error(`inject-run exited ${r.code}: ${r.stderr.slice(-3000)}`);
  });

  after(async () => {
    const rows = [...tally].sort().map(([k, t]) => `${k.padEnd(18)} pass ${t.pass}  fail ${t.fail}  skip ${t.skip}`);
    process.stdout.write(`# live catalogue: ${observations.size} vectors injected in ${injectMs} ms\n# ${rows.join('\n# ')}\n`);
    await lab?.cleanup();
  });

  const count = (group: string, what: 'pass' | 'fail' | 'skip'): void => {
    const t = tally.get(group) ?? { pass: 0, fail: 0, skip: 0 };
    t[what]++;
    tally.set(group, t);
  };

  for (const p of plans) {
    const expect = p.alternatives.map((a) => a.label).join(' ; ');
    it(`${p.name} [${p.group}] ${expect}`, { skip: p.skip ?? false }, () => {
      const o = observations.get(p.name);
      const e = entries.find((x) => x.name === p.name);
      if (!o || !e) {
        count(p.group, 'fail');
        assert.fail(`no observation for ${p.name} (the injector did not report it)`);
      }
      const v = judgeLive(p, o);
      count(p.group, v.problems.length ? 'fail' : 'pass');
      const d = [...daemons.values()].find((x) => x.socket === e.socket);
      assert.deepEqual(v.problems, [], `${p.name} (${p.vec.meta.get('desc')?.[0]}), daemon peer ${e.peer} from ${e.local}\n` +
        `  expected: ${expect}\n  observed: ${JSON.stringify({ ...o, routes: undefined })}\n` +
        `  Adj-RIB-In: ${JSON.stringify({ prefixes: o.routes?.received.map((r) => r.prefix), counters: o.routes?.counters })}\n  daemon log:\n${logLines(d, e.peer)}`);
    });
    if (p.skip) count(p.group, 'skip');
  }

  it('the daemon survived every vector: same PID, still answers neighbors', async () => {
    for (const d of daemons.values()) {
      assert.ok(d.proc, 'daemon not started');
      assert.equal(d.proc.exitStatus(), null, `rackrouted ${d.socket} exited: ${readFileSync(d.log, 'utf8').slice(-3000)}`);
      assert.doesNotThrow(() => process.kill(d.proc?.pid ?? -1, 0), 'daemon PID gone');
      const status = (await callDaemon(d.socket, 'status', {}, 3000)) as { pid: number };
      assert.equal(status.pid, d.proc.pid, 'a different process answers on the control socket');
      const n = (await callDaemon(d.socket, 'neighbors', {}, 3000)) as { neighbors: unknown[] };
      assert.equal(n.neighbors.length, entries.filter((x) => x.socket === d.socket).length);
    }
  });
});
