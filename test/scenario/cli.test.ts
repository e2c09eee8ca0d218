/**
 * The operator's CLI against a running rackrouted and a real BIRD peer (eBGP, IPv4) in a lab
 * namespace, through the real `rackroute` binary (dist/daemon/cli/main.js) and control socket:
 * `reload --dry-run` shows the plan and changes nothing; `reload` applies it (a new originated
 * prefix reaches BIRD, the session is not reset); a bad file is refused with `file:line` and
 * exit code 1; `peer PEER disable --message` gives BIRD Cease/Administrative Shutdown with that
 * text and keeps the session down until `enable`; `refresh` and `reset` work; a daemon that is
 * not running is a clear error with exit code 1.
 * Input: the lab harness, BIRD, rackrouted (dist). Output: pass/fail.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLab, waitFor, type Lab } from '../support/netns.js';
import { renderConfig, startRackroute, type Rackroute, type RackrouteConfig } from '../support/rackroute.js';
import * as bird from '../support/peers/bird.js';
import type { Peer } from '../support/peers/types.js';

const CLI_JS = fileURLToPath(new URL('../../daemon/cli/main.js', import.meta.url));
const RR = '10.0.1.1';
const PEER = '10.0.1.2';

function cfg(extra: string[] = [], holdTime = 9): RackrouteConfig {
  return {
    routerId: '192.0.2.1', asn: 65010, podNetworks: ['10.244.0.0/16'],
    originate: ['10.244.1.0/24', ...extra].map((prefix) => ({ prefix })),
    peers: [{ name: 'tor', address: PEER, asn: 65001, localAddress: RR, families: ['ipv4-unicast'], holdTime, connectRetry: 1, passive: false }],
  };
}

describe('rackroute CLI against a live daemon and BIRD', () => {
  let lab: Lab;
  let rr: Rackroute;
  let tor: Peer;
  const cli = (...args: string[]): { code: number | null; out: string } => {
    const r = spawnSync(process.execPath, [CLI_JS, '--socket', rr.socket, ...args], { encoding: 'utf8', timeout: 30000 });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const birdProto = async (): Promise<string> => (await lab.exec('tor', ['birdc', '-s', join(tor.dir, 'bird.ctl'), 'show', 'protocols', 'all', bird.protocolName(RR)])).stdout;
  const torHas = async (prefix: string): Promise<boolean> => (await tor.routes('ipv4')).some((r) => r.prefix === prefix);

  before(async () => {
    lab = await createLab();
    await lab.addNamespace('rr');
    await lab.addNamespace('tor');
    await lab.linkNamespaces('rr', 'tor', { v4: [RR, PEER, 24] });
    tor = await bird.start(lab, 'tor', { routerId: PEER, asn: 65001, neighbors: [{ address: RR, asn: 65010, holdTime: 9 }] });
    rr = await startRackroute(lab, 'rr', cfg());
    await rr.waitEstablished('tor', 15000);
  });

  after(async () => {
    await lab?.cleanup();
  });

  it('reload --dry-run shows the plan and changes nothing; reload applies it without a reset', async () => {
    const before = await rr.neighbor('tor');
    writeFileSync(rr.configFile, renderConfig(cfg(['10.244.9.0/24']), rr.socket));
    const dry = cli('reload', '--dry-run');
    assert.equal(dry.code, 0, dry.out);
    assert.match(dry.out, /plan \(nothing applied\)/);
    assert.match(dry.out, /sessions reset: none/);
    assert.match(dry.out, /originated prefixes: \+1 -0 ~0/);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await torHas('10.244.9.0/24'), false, 'a dry run must not advertise anything');
    const applied = cli('reload');
    assert.equal(applied.code, 0, applied.out);
    assert.match(applied.out, /^applied:/);
    await waitFor(() => torHas('10.244.9.0/24'), { timeoutMs: 10000, what: 'BIRD to receive the new prefix', until: (x) => x });
    const after = await rr.neighbor('tor');
    assert.equal(after.flaps, before.flaps, 'reload must not reset the session');
    // A policy edit: the dry run names the routes whose import verdict would change.
    await tor.announce('10.244.8.0/24');
    await waitFor(async () => ((await rr.routes('tor'))['tor']?.received ?? []).some((r) => r.prefix === '10.244.8.0/24'), { timeoutMs: 10000, what: 'BIRD route in the Adj-RIB-In', until: (x) => x });
    const withPolicy = renderConfig(cfg(['10.244.9.0/24']), rr.socket).replace('peers:', 'policies:\n  refuse8:\n    - match: {prefix: [10.244.8.0/24]}\n      then: {action: reject}\n    - then: {action: continue}\npeers:').replace(/(holdTime: 9)/, '$1\n    import: [refuse8, defaults]');
    writeFileSync(rr.configFile, withPolicy);
    const pol = cli('reload', '--dry-run');
    assert.match(pol.out, /from tor: 0 newly accepted, 1 newly refused \(-10\.244\.8\.0\/24\)/, pol.out);
    assert.match(pol.out, /sessions reset: none/, pol.out);
    // A peer field that needs a new session is shown as such.
    writeFileSync(rr.configFile, renderConfig(cfg(['10.244.9.0/24'], 12), rr.socket));
    assert.match(cli('reload', '--dry-run').out, /sessions reset: tor \(holdTime\)/);
    writeFileSync(rr.configFile, renderConfig(cfg(['10.244.9.0/24']), rr.socket));
  });

  it('a bad file is refused with file:line and exit code 1; the running config stays', async () => {
    const good = readFileSync(rr.configFile, 'utf8');
    writeFileSync(rr.configFile, good.replace(/holdTime: 9/, 'holdTime: 2'));
    const r = cli('reload');
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /config\.yaml:\d+: peers\[0\]\.holdTime: 2 is not allowed/);
    writeFileSync(rr.configFile, good);
    assert.equal((await rr.neighbor('tor')).state, 'Established');
  });

  it('peer disable sends Cease/Administrative Shutdown with the text and stays down; enable brings it back', async () => {
    const r = cli('peer', 'tor', 'disable', '--message', 'maintenance CHG-42');
    assert.equal(r.code, 0, r.out);
    await waitFor(birdProto, { timeoutMs: 10000, what: 'BIRD to see the Cease', until: (o) => /Received: Administrative shutdown/.test(o) });
    assert.match(await birdProto(), /Message:\s+maintenance CHG-42/);
    await new Promise((res) => setTimeout(res, 3000));
    assert.notEqual((await rr.neighbor('tor')).state, 'Established', 'a disabled peer stays down');
    assert.equal(cli('peer', 'tor', 'enable').code, 0);
    await rr.waitEstablished('tor', 15000);
  });

  it('peer refresh and reset work; bad actions and unknown peers are errors', async () => {
    const f = cli('peer', 'tor', 'refresh');
    assert.equal(f.code, 0, f.out);
    const before = (await rr.neighbor('tor')).flaps;
    assert.equal(cli('peer', 'tor', 'reset').code, 0);
    await waitFor(() => rr.neighbor('tor'), { timeoutMs: 15000, what: 'the reset session back', until: (n) => n.state === 'Established' && n.flaps > before });
    assert.equal(cli('peer', 'tor', 'explode').code, 1);
    assert.match(cli('peer', 'nobody', 'reset').out, /no such peer: nobody/);
  });

  it('why ADDRESS: the covering route, who sent it, why it won, and whether the kernel agrees', async () => {
    await tor.announce('10.244.7.0/24');
    await waitFor(() => cli('why', '10.244.7.5').out, { timeoutMs: 10000, what: 'the route to be installed', until: (o) => o.includes('installed in the kernel') });
    const r = cli('why', '10.244.7.5');
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /10\.244\.7\.5 is in 10\.244\.7\.0\/24/);
    assert.match(r.out, /\* from tor/);
    assert.match(r.out, /kernel: 10\.244\.7\.0\/24 proto 186 via 10\.0\.1\.2/);
    assert.match(r.out, /the kernel agrees/);
    assert.match(cli('why', '192.0.2.200').out, /no BGP route covers it/);
    assert.equal(cli('why', 'not-an-ip').code, 1);
  });

    it('a daemon that is not running is a clear error with exit code 1', () => {
    const r = spawnSync(process.execPath, [CLI_JS, '--socket', join(lab.dir, 'nothing.sock'), 'status'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /rackroute: .*nothing\.sock/);
  });
});
