/**
 * Live bad-input injector. Runs INSIDE the injector namespace of the malformed-live scenario
 * (started with the lab's exec): `node dist/test/support/inject-run.js MAPFILE`. For every vector
 * in the map (test/support/malformed-plan.ts MapFile; several at a time) it connects to the daemon
 * from that vector's own source address, brings the session to the state the plan asks for
 * (OpenSent, OpenConfirm, Established), pre-announces the vector's prefixes when treat-as-withdraw
 * must remove them, sends the vector (stream vectors as their segments), then a well-formed
 * sentinel UPDATE, and records what happened: NOTIFICATION and close, or the sentinel in the
 * peer's Adj-RIB-In (asked over the control socket), the stored routes and the neighbour's
 * lastDown/lastNotification. Output: one JSON Observation per line on stdout.
 * Must not: connect anywhere but the daemon address in the map, or announce anything outside the
 * vectors' own prefixes and 198.18.0.0/15 (RFC 2544 benchmarking range).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { callDaemon } from '../../daemon/control/client.js';
import { asnOf, buildOpen, type Family } from '../../peers/negotiate.js';
import { decodeMessage, encodeMessage } from '../../peers/wire/index.js';
import { DEFAULT_CONTEXT, familyKey, type CodecContext } from '../../peers/wire/context.js';
import { ipv4ToU32, parseIpv4, parseIpv6 } from '../../peers/wire/ip.js';
import { parsePrefix } from '../../peers/wire/nlri.js';
import type { OpenMsg, PathAttributes, Prefix } from '../../peers/wire/types.js';
import { parseVec } from '../vectors/vec.js';
import { RawPeer } from './raw-peer.js';
import {
  MARKER_GLOBAL, planVector, prefixKey, routePrefix, sentinelPrefix,
  type LivePlan, type MapEntry, type MapFile, type Observation, type PeerRoutes,
} from './malformed-plan.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** Our OPEN for sessions the plan negotiates from `ctx:` (as2 = no 4-octet AS capability). */
function ourOpen(p: LivePlan, e: MapEntry): OpenMsg {
  const families: Family[] = [{ afi: 1, safi: 1 }];
  if (p.ctx.families.has(familyKey(2, 1))) families.push({ afi: 2, safi: 1 });
  // RFC 7911: the daemon receives path ids where we send them.
  const addPath = [...p.ctx.addPathRx].map((k) => ({ afi: k >> 8, safi: k & 0xff, mode: 'send' as const }));
  const open = buildOpen({
    asn: p.myAsn, bgpId: ipv4ToU32(e.local) ?? 1, holdTime: 90, families,
    extendedMessage: p.ctx.extendedMessage, ...(addPath.length ? { addPath } : {}),
  });
  return p.ctx.as4 ? open : { ...open, capabilities: open.capabilities.filter((c) => c.code !== 65) };
}

/** OPEN vectors: the raw bytes go on the wire; negotiation assumes their decoded form. */
function vectorOpen(p: LivePlan, e: MapEntry): { open: OpenMsg; raw: Uint8Array } {
  const d = decodeMessage(p.vec.bytes, DEFAULT_CONTEXT);
  return { open: d.ok && d.value.type === 1 ? d.value : ourOpen(p, e), raw: p.vec.bytes };
}

function ctxMismatch(want: CodecContext, got: CodecContext): string | undefined {
  const set = (s: ReadonlySet<number>): string => [...s].sort().join(',');
  const diffs: string[] = [];
  if (want.as4 !== got.as4) diffs.push(`as4 ${got.as4}`);
  if (want.extendedMessage !== got.extendedMessage) diffs.push(`ext ${got.extendedMessage}`);
  if (want.ebgp !== got.ebgp) diffs.push(`ebgp ${got.ebgp}`);
  if (set(want.families) !== set(got.families)) diffs.push(`families ${set(got.families)}`);
  // Our transmit side is the daemon's receive side.
  if (set(want.addPathRx) !== set(got.addPathTx)) diffs.push(`addPath ${set(got.addPathTx)}`);
  return diffs.length ? `negotiated ${diffs.join(', ')}` : undefined;
}

/** Valid UPDATE(s) announcing `prefixes` (IPv4 classic NLRI, IPv6 MP_REACH), optionally marked. */
function announce(prefixes: readonly Prefix[], ctx: CodecContext, myAs: number, local: string, marker?: number): Uint8Array[] {
  const attrs: PathAttributes = {
    origin: 0,
    asPath: ctx.ebgp ? [{ type: 2, asns: [myAs] }] : [],
    ...(ctx.ebgp ? {} : { localPref: 100 }),
    ...(marker === undefined ? {} : { largeCommunities: [[MARKER_GLOBAL, 0, marker] as const] }),
  };
  const fam = (afi: number): Prefix[] => prefixes.filter((p) => p.afi === afi && ctx.families.has(familyKey(afi, 1)));
  const out: Uint8Array[] = [];
  const v4 = fam(1);
  const v6 = fam(2);
  if (v4.length) out.push(encodeMessage({ type: 2, withdrawn: [], attrs: { ...attrs, nextHop: parseIpv4(local) ?? new Uint8Array(4) }, nlri: v4 }, ctx));
  if (v6.length) {
    const global = parseIpv6('2001:db8::1') ?? new Uint8Array(16);
    out.push(encodeMessage({ type: 2, withdrawn: [], attrs, nlri: [], mpReach: { afi: 2, safi: 1, nextHop: { global }, nlri: v6 } }, ctx));
  }
  return out;
}

async function routesOf(e: MapEntry): Promise<PeerRoutes | undefined> {
  const all = (await callDaemon(e.socket, 'routes', { peer: e.peer }, 3000)) as Record<string, PeerRoutes>;
  const r = all[e.peer];
  if (!r) return undefined;
  // Keep the output small: huge unknown attributes (64 KiB vectors) are cut to their first bytes.
  const received = r.received.map((x) => {
    const u = x.attrs['unknown'] as { type: number; flags: number; hex: string }[] | undefined;
    return u ? { ...x, attrs: { ...x.attrs, unknown: u.map((a) => ({ ...a, hex: a.hex.slice(0, 64) })) } } : x;
  });
  return { ...r, received };
}

async function neighborOf(e: MapEntry): Promise<Observation['neighbor']> {
  const r = (await callDaemon(e.socket, 'neighbors', { peer: e.peer }, 3000)) as { neighbors: NonNullable<Observation['neighbor']>[] };
  const n = r.neighbors[0];
  if (!n) return undefined;
  return {
    state: n.state,
    ...(n.lastError !== undefined ? { lastError: n.lastError } : {}),
    ...(n.lastDown !== undefined ? { lastDown: n.lastDown } : {}),
    ...(n.lastNotification !== undefined ? { lastNotification: n.lastNotification } : {}),
  };
}

const has = (r: PeerRoutes | undefined, prefix: string): boolean => (r?.received ?? []).some((x) => routePrefix(x.prefix) === prefix);

/** Polls the Adj-RIB-In until `done` holds, the connection ends, or timeoutMs passes. */
async function pollRoutes(e: MapEntry, peer: RawPeer, done: (r: PeerRoutes | undefined) => boolean, timeoutMs: number): Promise<PeerRoutes | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: PeerRoutes | undefined;
  while (Date.now() < deadline && !peer.closed && !peer.notification()) {
    last = await routesOf(e);
    if (done(last)) return last;
    await peer.waitFor((m) => m.type === 3, 40, peer.received.length);
  }
  return last;
}

/** After a vector that must make the daemon reset: its NOTIFICATION, then the close. */
async function awaitReset(peer: RawPeer): Promise<void> {
  await peer.waitFor((m) => m.type === 3, 3000);
  await peer.waitClosed(3000);
}

async function drive(peer: RawPeer, p: LivePlan, e: MapEntry, obs: Observation): Promise<void> {
  if (p.kind === 'opensent') {
    // RFC 6608: the daemon sent its OPEN and waits for ours; the vector comes instead.
    const theirs = await peer.waitFor((m) => m.type === 1, 5000);
    if (!theirs) throw new Error('no OPEN from the daemon');
    obs.handshake = 'opensent';
    peer.send(p.vec.bytes);
    return awaitReset(peer);
  }
  const mine = p.kind === 'open' ? vectorOpen(p, e) : { open: ourOpen(p, e) };
  const hs = await peer.handshake(mine, { stopInOpenConfirm: p.kind === 'openconfirm' });
  if (hs.kind === 'refused') {
    obs.handshake = 'refused';
    obs.refusedStage = hs.stage;
    return;
  }
  if (hs.kind === 'openconfirm') {
    obs.handshake = 'openconfirm';
    peer.send(p.vec.bytes);
    return awaitReset(peer);
  }
  obs.handshake = 'established';
  // The daemon's End-of-RIB shows it reached Established too (it sends one on entering it).
  obs.daemonEstablished = (await peer.waitFor((m) => m.type === 2, 3000)) !== null;
  const ctx = hs.negotiated.context;
  const mismatch = p.kind === 'open' ? undefined : ctxMismatch(p.ctx, ctx);
  if (mismatch) obs.ctxMismatch = mismatch;
  const myAs = asnOf(mine.open);
  if (p.preAnnounce) {
    for (const m of announce(p.announced, ctx, myAs, e.local, e.index)) peer.send(m);
    const want = p.announced.map(prefixKey);
    const r = await pollRoutes(e, peer, (x) => want.every((w) => has(x, w)), 3000);
    obs.preAnnounced = want.every((w) => has(r, w));
  }
  await sendVector(peer, p);
  await react(peer, p, e, obs, ctx, myAs);
}

async function sendVector(peer: RawPeer, p: LivePlan): Promise<void> {
  if (p.kind === 'open') return; // the vector was our OPEN
  if (p.segments) await peer.sendSegments(p.segments);
  else peer.send(p.vec.bytes);
}

/** After the vector: sentinel and wait, per the reactions the plan allows. */
async function react(peer: RawPeer, p: LivePlan, e: MapEntry, obs: Observation, ctx: CodecContext, myAs: number): Promise<void> {
  const kinds = new Set(p.alternatives.map((a) => a.kind));
  if (kinds.size === 1 && kinds.has('pending')) {
    // The daemon must keep waiting for the rest of the message: no NOTIFICATION, no close.
    await peer.waitFor((m) => m.type === 3, 1000);
    return;
  }
  if (kinds.size === 1 && kinds.has('peer-closed')) {
    await peer.waitClosed(3000);
    return;
  }
  if (kinds.size === 1 && kinds.has('reset')) {
    // Nothing to prove with a sentinel yet: give the NOTIFICATION its moment first.
    await peer.waitFor((m) => m.type === 3, 300);
  }
  const s = parsePrefix(sentinelPrefix(e.index));
  if (s && !peer.closed && !peer.notification()) {
    const pathId = ctx.addPathTx.has(familyKey(1, 1)) ? { pathId: 1 } : {};
    for (const m of announce([{ ...s, ...pathId }], ctx, myAs, e.local)) peer.send(m);
    obs.sentinel = 'absent';
    const r = await pollRoutes(e, peer, (x) => has(x, sentinelPrefix(e.index)), 4000);
    if (has(r, sentinelPrefix(e.index))) {
      obs.sentinel = 'present';
      if (r) obs.routes = r;
    }
  }
  if (peer.notification()) await peer.waitClosed(3000);
}

async function runOne(p: LivePlan, e: MapEntry, daemon: string): Promise<Observation> {
  const t0 = Date.now();
  const obs: Observation = {
    name: e.name, peer: e.peer, index: e.index, handshake: 'not-run', daemonEstablished: false, closed: false, sentinel: 'not-sent', received: [], ms: 0,
  };
  let peer: RawPeer | undefined;
  try {
    peer = await RawPeer.connect({ host: daemon, port: e.port, localAddress: e.local });
    await drive(peer, p, e, obs);
  } catch (err) {
    obs.harnessError = err instanceof Error ? (err.stack ?? err.message) : String(err);
  }
  try {
    if (peer) {
      const n = peer.notification();
      if (n) obs.notification = { code: n.code, subcode: n.subcode, data: hex(n.data) };
      if (!obs.routes && !peer.closed && obs.handshake === 'established') {
        const r = await routesOf(e);
        if (r) obs.routes = r;
      }
    }
    const nb = await neighborOf(e);
    if (nb) obs.neighbor = nb;
    if (peer) {
      obs.closed = peer.closed;
      obs.received = peer.summary();
      await peer.close();
    }
  } catch (err) {
    obs.harnessError = `${obs.harnessError ?? ''}\n${err instanceof Error ? err.message : String(err)}`;
  }
  obs.ms = Date.now() - t0;
  return obs;
}

async function main(mapFile: string): Promise<void> {
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as MapFile;
  const queue = [...map.entries];
  const worker = async (): Promise<void> => {
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) {
      const v = parseVec(readFileSync(join(map.vectorsDir, `${e.name}.vec`), 'utf8'), e.name);
      const obs = await runOne(planVector(v), e, map.daemon);
      process.stdout.write(`${JSON.stringify(obs)}\n`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, map.concurrency) }, worker));
}

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: inject-run.js MAPFILE\n');
  process.exit(2);
}
main(file).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`inject-run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
