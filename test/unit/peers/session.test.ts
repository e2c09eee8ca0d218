/**
 * The socket edge against real TCP on loopback: handshake to Established, keepalives flowing,
 * RFC 4271 §6.8 collision resolution when both sides connect at once, hold-timer expiry on a
 * silent peer (4/0), and Cease/Administrative Shutdown with RFC 9003 text on stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Session, type SessionConfig, type SessionEvents } from '../../../peers/session.js';
import { Listener } from '../../../peers/listener.js';
import { buildOpen } from '../../../peers/negotiate.js';
import type { DownReason } from '../../../peers/down.js';
import { Framer } from '../../../peers/wire/framer.js';
import { decodeMessage, encodeMessage } from '../../../peers/wire/index.js';
import { DEFAULT_CONTEXT } from '../../../peers/wire/context.js';
import type { BgpMessage } from '../../../peers/wire/types.js';

interface Probe {
  events: SessionEvents;
  downs: DownReason[];
  keepalivesIn: number;
}

function probe(): Probe {
  const p: Probe = {
    downs: [],
    keepalivesIn: 0,
    events: {
      established: () => {},
      down: (_s, r) => p.downs.push(r),
      update: () => {},
      routeRefresh: () => {},
      writable: () => {},
      message: (_s, dir, type) => {
        if (dir === 'in' && type === 4) p.keepalivesIn++;
      },
    },
  };
  return p;
}

function cfg(over: { name: string; address: string; port: number; localAddress: string; passive: boolean; asn: number; id: number; peerAs: number }): SessionConfig {
  return {
    name: over.name,
    address: over.address,
    port: over.port,
    localAddress: over.localAddress,
    passive: over.passive,
    fsm: {
      local: { asn: over.asn, bgpId: over.id, holdTime: 3, families: [{ afi: 1, safi: 1 }] },
      peer: { peerAs: over.peerAs },
      connectRetryMs: 300,
      backoff: { baseMs: 100, capMs: 1000, amnesiaMs: 10_000 },
      rand: () => 0.5,
    },
  };
}

async function until(what: string, ok: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function listen(host: string, sessions: () => Session[]): Promise<Listener> {
  const l = new Listener((addr, sock) => {
    const s = sessions().find((x) => x.cfg.address === addr);
    if (!s) return false;
    s.offer(sock);
    return true;
  });
  await l.listen([host], 0);
  return l;
}

test('active to passive: both sides reach Established and exchange keepalives', async () => {
  const pa = probe();
  const pb = probe();
  const known: Session[] = [];
  const lb = await listen('127.0.0.1', () => known);
  const b = new Session(cfg({ name: 'a', address: '127.0.0.2', port: 0, localAddress: '127.0.0.1', passive: true, asn: 65002, id: 2, peerAs: 65001 }), pb.events);
  known.push(b);
  const a = new Session(cfg({ name: 'b', address: '127.0.0.1', port: lb.port, localAddress: '127.0.0.2', passive: false, asn: 65001, id: 1, peerAs: 65002 }), pa.events);
  b.start();
  a.start();
  try {
    await until('Established on both sides', () => a.state === 'Established' && b?.state === 'Established');
    await until('two keepalives each way', () => pa.keepalivesIn >= 2 && pb.keepalivesIn >= 2);
    assert.equal(a.negotiated?.holdTime, 3);
    assert.equal(a.connection?.direction, 'outbound');
    assert.equal(b.connection?.direction, 'inbound');
    a.stop('test over');
    await until('b sees the Cease', () => pb.downs.some((d) => d.kind === 'notification-received'));
  } finally {
    a.stop();
    b.stop();
    await lb.close();
    a.destroy();
    b.destroy();
  }
  const d = pb.downs.find((x) => x.kind === 'notification-received');
  assert.ok(d && d.kind === 'notification-received');
  assert.equal(d.code, 6);
  assert.equal(d.subcode, 2);
  assert.equal(d.shutdownMessage, 'test over');
});

for (const [idA, idB] of [
  [10, 2],
  [2, 10],
]) {
  test(`both sides connect at once (ids ${idA} vs ${idB}): exactly one connection survives on both sides`, async () => {
    const atA: Session[] = [];
    const atB: Session[] = [];
    const la = await listen('127.0.0.1', () => atA);
    const lb = await listen('127.0.0.2', () => atB);
    const a = new Session(cfg({ name: 'b', address: '127.0.0.2', port: lb.port, localAddress: '127.0.0.1', passive: false, asn: 65001, id: idA ?? 0, peerAs: 65002 }), probe().events);
    const b = new Session(cfg({ name: 'a', address: '127.0.0.1', port: la.port, localAddress: '127.0.0.2', passive: false, asn: 65002, id: idB ?? 0, peerAs: 65001 }), probe().events);
    atA.push(a);
    atB.push(b);
    a.start();
    b.start();
    try {
      await until('Established on both sides', () => a?.state === 'Established' && b?.state === 'Established');
      const ca = a.connection;
      const cb = b.connection;
      assert.ok(ca && cb);
      assert.equal(ca.localPort, cb.remotePort, 'both sides hold the same TCP connection');
      assert.equal(ca.remotePort, cb.localPort);
      assert.notEqual(ca.direction, cb.direction);
    } finally {
      a.stop();
      b.stop();
      await la.close();
      await lb.close();
      a.destroy();
      b.destroy();
    }
  });
}

/** A raw peer: sends our OPEN and one KEEPALIVE, then only listens. */
async function silentPeer(port: number): Promise<{ received: BgpMessage[]; closed: Promise<void>; sock: net.Socket }> {
  const sock = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.3' });
  await new Promise((r) => sock.once('connect', r));
  const received: BgpMessage[] = [];
  const framer = new Framer();
  sock.on('data', (chunk: Buffer) => {
    framer.push(new Uint8Array(chunk));
    for (let f = framer.next(); f && f.ok; f = framer.next()) {
      const d = decodeMessage(f.value, DEFAULT_CONTEXT);
      if (d.ok) received.push(d.value);
    }
  });
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.write(encodeMessage(buildOpen({ asn: 65003, bgpId: 3, holdTime: 3, families: [{ afi: 1, safi: 1 }] }), DEFAULT_CONTEXT));
  sock.write(encodeMessage({ type: 4 }, DEFAULT_CONTEXT));
  return { received, closed, sock };
}

test('a silent peer is detected at hold-time expiry: NOTIFICATION 4/0 and down', async () => {
  const pb = probe();
  const known: Session[] = [];
  const lb = await listen('127.0.0.1', () => known);
  const b = new Session(cfg({ name: 'silent', address: '127.0.0.3', port: 0, localAddress: '127.0.0.1', passive: true, asn: 65002, id: 2, peerAs: 65003 }), pb.events);
  known.push(b);
  b.start();
  const peer = await silentPeer(lb.port);
  try {
    await until('Established', () => b?.state === 'Established');
    const upAt = Date.now();
    await until('hold timer expiry', () => pb.downs.length > 0, 6000);
    const elapsed = Date.now() - upAt;
    assert.deepEqual(pb.downs[0], { kind: 'hold-timer-expired' });
    // The deadline is the negotiated 3 s, restarted by the last KEEPALIVE received.
    assert.ok(elapsed >= 2000 && elapsed <= 4000, `expired after ${elapsed} ms`);
    await peer.closed;
    const n = peer.received.find((m) => m.type === 3);
    assert.ok(n && n.type === 3);
    assert.equal(n.code, 4);
    assert.equal(n.subcode, 0);
  } finally {
    peer.sock.destroy();
    b.stop();
    b.destroy();
    await lb.close();
  }
});

function reader(sock: net.Socket): BgpMessage[] {
  const got: BgpMessage[] = [];
  const framer = new Framer();
  sock.on('data', (chunk: Buffer) => {
    framer.push(new Uint8Array(chunk));
    for (let f = framer.next(); f && f.ok; f = framer.next()) {
      const d = decodeMessage(f.value, DEFAULT_CONTEXT);
      if (d.ok) got.push(d.value);
    }
  });
  return got;
}

for (const remoteId of [2, 20]) {
  test(`RFC 4271 §6.8 collision with a peer of identifier ${remoteId} (ours 10): the loser gets Cease 6/7`, async () => {
    // The raw peer listens on 127.0.0.2, waits for our outbound connection, then connects in too.
    let accepted: net.Socket | undefined;
    const server = net.createServer((c) => (accepted = c));
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const known: Session[] = [];
    const la = await listen('127.0.0.1', () => known);
    const a = new Session(cfg({ name: 'raw', address: '127.0.0.2', port, localAddress: '127.0.0.1', passive: false, asn: 65001, id: 10, peerAs: 65002 }), probe().events);
    known.push(a);
    a.start();
    const open = encodeMessage(buildOpen({ asn: 65002, bgpId: remoteId, holdTime: 3, families: [{ afi: 1, safi: 1 }] }), DEFAULT_CONTEXT);
    let inbound: net.Socket | undefined;
    try {
      await until('our outbound connection', () => accepted !== undefined);
      const outGot = reader(accepted as net.Socket);
      await until('our OPEN on it', () => outGot.some((m) => m.type === 1));
      inbound = net.connect({ host: '127.0.0.1', port: la.port, localAddress: '127.0.0.2' });
      const inGot = reader(inbound);
      await until('our OPEN on the inbound connection', () => inGot.some((m) => m.type === 1));
      accepted?.write(open);
      await until('OpenConfirm on the outbound one', () => outGot.some((m) => m.type === 4));
      inbound.write(open);
      // Higher local id keeps our outbound connection (the one we initiated).
      const [loser, winner] = remoteId < 10 ? [inGot, outGot] : [outGot, inGot];
      await until('Cease on the losing connection', () => loser.some((m) => m.type === 3));
      const n = loser.find((m) => m.type === 3);
      assert.ok(n && n.type === 3);
      assert.deepEqual([n.code, n.subcode], [6, 7]);
      assert.ok(!winner.some((m) => m.type === 3), 'the winner gets no NOTIFICATION');
      assert.equal(a.connection?.direction, remoteId < 10 ? 'outbound' : 'inbound');
    } finally {
      inbound?.destroy();
      accepted?.destroy();
      a.stop();
      a.destroy();
      await la.close();
      await new Promise((r) => server.close(r));
    }
  });
}

test('a peer that stops reading is throttled (writable false) and released when it reads again', async () => {
  const flow: boolean[] = [];
  const pb = probe();
  pb.events.writable = (_s, ok) => flow.push(ok);
  const known: Session[] = [];
  const lb = await listen('127.0.0.1', () => known);
  const b = new Session(cfg({ name: 'slow', address: '127.0.0.3', port: 0, localAddress: '127.0.0.1', passive: true, asn: 65002, id: 2, peerAs: 65003 }), pb.events);
  known.push(b);
  b.start();
  const peer = await silentPeer(lb.port);
  try {
    await until('Established', () => b.state === 'Established');
    peer.sock.pause();
    // 4096-byte UPDATE-typed frames (content is irrelevant to the sender): 16 MiB in all.
    const frame = new Uint8Array(4096).fill(0xff);
    frame.set([0x10, 0x00, 2], 16);
    for (let i = 0; i < 64 && !flow.includes(false); i++) b.sendUpdates(new Array<Uint8Array>(64).fill(frame));
    assert.deepEqual(flow, [false], 'throttled once the socket backs up');
    assert.ok((b.connection?.queued ?? 0) > 1 << 20);
    peer.sock.resume();
    await until('released after the peer drains', () => flow.at(-1) === true);
  } finally {
    peer.sock.destroy();
    b.stop();
    b.destroy();
    await lb.close();
  }
});

test('RFC 9687: a peer that reads nothing for twice the hold time is dropped (Cease/Out of Resources)', async () => {
  const pb = probe();
  const known: Session[] = [];
  const lb = await listen('127.0.0.1', () => known);
  const b = new Session({ ...cfg({ name: 'stuck', address: '127.0.0.3', port: 0, localAddress: '127.0.0.1', passive: true, asn: 65002, id: 2, peerAs: 65003 }), sendHoldFloorMs: 0 }, pb.events);
  known.push(b);
  b.start();
  const peer = await silentPeer(lb.port);
  // Keep its hold timer on our side alive: the stuck peer still sends KEEPALIVEs.
  const ka = setInterval(() => peer.sock.write(encodeMessage({ type: 4 }, DEFAULT_CONTEXT)), 500);
  try {
    await until('Established', () => b.state === 'Established');
    peer.sock.pause();
    const frame = new Uint8Array(4096).fill(0xff);
    frame.set([0x10, 0x00, 2], 16);
    // Writes of one loop turn leave together (connection.ts corks them): let each batch reach the
    // kernel before judging the backlog, until the kernel's buffers are full and 1 MiB waits here.
    for (let i = 0; i < 256 && (b.connection?.queued ?? 0) <= 1 << 20; i++) {
      b.sendUpdates(new Array<Uint8Array>(64).fill(frame));
      await new Promise((r) => setImmediate(r));
    }
    const blockedAt = Date.now();
    await until('send hold expiry', () => pb.downs.length > 0, 9000);
    const elapsed = Date.now() - blockedAt;
    assert.deepEqual(pb.downs[0], { kind: 'auto-stop', subcode: 8 });
    assert.equal(b.sendHoldExpired, 1);
    assert.ok(elapsed >= 5500 && elapsed <= 8000, `dropped after ${elapsed} ms (2 x hold 3 s)`);
  } finally {
    clearInterval(ka);
    peer.sock.destroy();
    b.stop();
    b.destroy();
    await lb.close();
  }
});

test('a dialer (daemon/net/) opens the outbound connection; one that cannot is a failed attempt, retried', async () => {
  const pa = probe();
  const pb = probe();
  const known: Session[] = [];
  const lb = await listen('127.0.0.1', () => known);
  const b = new Session(cfg({ name: 'a', address: '127.0.0.2', port: 0, localAddress: '127.0.0.1', passive: true, asn: 65002, id: 2, peerAs: 65001 }), pb.events);
  known.push(b);
  const targets: unknown[] = [];
  let refusals = 0;
  const base = cfg({ name: 'b', address: '127.0.0.1', port: lb.port, localAddress: '127.0.0.2', passive: false, asn: 65001, id: 1, peerAs: 65002 });
  const failing = new Session({ ...base, dialer: () => (refusals++, null) }, probe().events);
  const a = new Session({ ...base, dialer: (t) => (targets.push(t), net.connect(t)) }, pa.events);
  b.start();
  failing.start();
  try {
    await until('the failing dialer asked again after ConnectRetry', () => refusals >= 2);
    assert.notEqual(failing.state, 'Established');
    a.start();
    await until('Established over the dialer\'s socket', () => a.state === 'Established' && b.state === 'Established');
    assert.deepEqual(targets[0], { host: '127.0.0.1', port: lb.port, localAddress: '127.0.0.2' });
  } finally {
    for (const s of [a, b, failing]) s.stop();
    await lb.close();
    for (const s of [a, b, failing]) s.destroy();
  }
});
