/**
 * Unit tests for daemon/bfd/session.ts with a fake clock: the RFC 5880 three-way handshake
 * between two instances of the state machine, detection at the negotiated time after the link
 * is cut, slow TX while not Up, jitter bounds, Poll/Final for interval changes (with the §6.8.3
 * rules on which value applies meanwhile), AdminDown both ways, and single-event rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BfdDiag, BfdState, type BfdControl } from '../../../../daemon/bfd/packet.js';
import {
  controlPacket, createSession, detectionTimeMs, jittered, nextDeadline, step, txIntervalUs,
  type BfdAction, type BfdEvent, type BfdParams, type BfdSessionState,
} from '../../../../daemon/bfd/session.js';

const P300: BfdParams = { desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, detectMult: 3 };

/** A deterministic uniform source. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

interface Transition { t: number; from: string; to: string; diag: number; remoteAdminDown: boolean }

/** Two sessions joined by a link with 1 ms delay that can be cut; a discrete-event clock. */
class Pair {
  now = 0;
  s: [BfdSessionState, BfdSessionState];
  linkUp = true;
  readonly sent: [BfdControl[], BfdControl[]] = [[], []];
  readonly transitions: [Transition[], Transition[]] = [[], []];
  private inFlight: { at: number; to: 0 | 1; packet: BfdControl }[] = [];
  private readonly rand = lcg(7);

  constructor(a: BfdParams = P300, b: BfdParams = P300) {
    this.s = [createSession(a, 0x1111, 0), createSession(b, 0x2222, 0)];
  }

  apply(i: 0 | 1, e: BfdEvent): void {
    const r = step(this.s[i], e, this.now, this.rand);
    this.s[i] = r.state;
    this.perform(i, r.actions);
  }

  private perform(i: 0 | 1, actions: readonly BfdAction[]): void {
    for (const a of actions) {
      if (a.type === 'send') {
        this.sent[i].push(a.packet);
        if (this.linkUp) this.inFlight.push({ at: this.now + 1, to: i === 0 ? 1 : 0, packet: a.packet });
      } else this.transitions[i].push({ t: this.now, from: a.from, to: a.to, diag: a.diag, remoteAdminDown: a.remoteAdminDown });
    }
  }

  /** Runs every event up to `until` (ms). */
  run(until: number): void {
    for (;;) {
      const deadlines = [nextDeadline(this.s[0]), nextDeadline(this.s[1]), ...this.inFlight.map((f) => f.at)].filter((d): d is number => d !== null);
      const t = Math.min(...deadlines);
      if (!Number.isFinite(t) || t > until) break;
      this.now = Math.max(this.now, t);
      const due = this.inFlight.filter((f) => f.at <= this.now);
      this.inFlight = this.inFlight.filter((f) => f.at > this.now);
      for (const f of due) this.apply(f.to, { type: 'rx', packet: f.packet });
      for (const i of [0, 1] as const) {
        const d = nextDeadline(this.s[i]);
        if (d !== null && d <= this.now) this.apply(i, { type: 'timer' });
      }
    }
    this.now = until;
  }
}

test('two sessions come Up through Down -> Init -> Up and settle on 300 ms x 3', () => {
  const p = new Pair();
  p.run(5000);
  for (const i of [0, 1] as const) {
    assert.equal(p.s[i].state, BfdState.Up, `session ${i}`);
    // Down -> Init -> Up, or straight Down -> Up when the peer's Init arrives first.
    const path = p.transitions[i].map((t) => t.to).join(',');
    assert.ok(path === 'Init,Up' || path === 'Up', `session ${i}: ${path}`);
    assert.equal(p.s[i].poll, false, 'the Poll for the fast interval got its Final');
    assert.equal(txIntervalUs(p.s[i]), 300_000);
    assert.equal(detectionTimeMs(p.s[i]), 900);
  }
  // Discriminators learned both ways.
  assert.equal(p.s[0].remoteDisc, 0x2222);
  assert.equal(p.s[1].remoteDisc, 0x1111);
  // The first packets were slow (RFC 5880 §6.8.3: Desired Min TX 1 s while not Up) and said Down.
  assert.equal(p.sent[0][0]?.desiredMinTxUs, 1_000_000);
  assert.equal(p.sent[0][0]?.state, BfdState.Down);
  assert.equal(p.sent[0][0]?.yourDisc, 0);
  // Every packet: C bit clear (control-plane dependent), never P and F together.
  for (const pk of [...p.sent[0], ...p.sent[1]]) {
    assert.equal(pk.cpi, false);
    assert.ok(!(pk.poll && pk.final));
  }
});

test('once Up, packets leave every 225..300 ms (jitter 75-100 %)', () => {
  const p = new Pair();
  p.run(5000);
  const times: number[] = [];
  const orig = p.apply.bind(p);
  p.apply = (i, e) => {
    const before = p.sent[i].length;
    orig(i, e);
    if (i === 0 && e.type === 'timer' && p.sent[0].length > before) times.push(p.now);
  };
  p.run(20000);
  const gaps = times.slice(1).map((t, k) => t - times[k]!);
  assert.ok(gaps.length > 40);
  for (const g of gaps) assert.ok(g >= 225 && g <= 300, `gap ${g} ms`);
});

test('cutting the link: both sides go Down with diag 1 within the 900 ms detection time', () => {
  const p = new Pair();
  p.run(5000);
  const cut = p.now;
  p.linkUp = false;
  p.run(cut + 2000);
  for (const i of [0, 1] as const) {
    const down = p.transitions[i].find((t) => t.to === 'Down');
    assert.ok(down, `session ${i} went down`);
    assert.equal(down.diag, BfdDiag.ControlDetectionTimeExpired);
    assert.equal(down.remoteAdminDown, false);
    const after = down.t - cut;
    // The last packet arrived at most one TX interval (300 ms) before the cut.
    assert.ok(after > 900 - 300 && after <= 900, `down ${after} ms after the cut`);
    assert.equal(p.s[i].advTxUs, 1_000_000, 'back to slow TX');
  }
});

test('restoring the link brings the sessions back Up', () => {
  const p = new Pair();
  p.run(5000);
  p.linkUp = false;
  p.run(7000);
  p.linkUp = true;
  p.run(12000);
  assert.equal(p.s[0].state, BfdState.Up);
  assert.equal(p.s[1].state, BfdState.Up);
});

test('Detection Time: the peer\'s multiplier x max(our minRx, its minTx)', () => {
  const p = new Pair({ desiredMinTxUs: 100_000, requiredMinRxUs: 200_000, detectMult: 3 }, { desiredMinTxUs: 500_000, requiredMinRxUs: 50_000, detectMult: 5 });
  p.run(8000);
  assert.equal(p.s[0].state, BfdState.Up);
  assert.equal(detectionTimeMs(p.s[0]), 5 * 500);
  assert.equal(detectionTimeMs(p.s[1]), 3 * 100);
  // TX: the larger of our Desired Min TX and the peer's Required Min RX.
  assert.equal(txIntervalUs(p.s[0]), 100_000);
  assert.equal(txIntervalUs(p.s[1]), 500_000);
});

test('jitter: 75-100 % of the interval, 75-90 % with detect multiplier 1', () => {
  for (const r of [0, 0.5, 0.999999]) {
    const a = jittered(300_000, 3, () => r);
    const b = jittered(300_000, 1, () => r);
    assert.ok(a >= 225 && a <= 300, `${a}`);
    assert.ok(b >= 225 && b <= 270, `${b}`);
  }
});

test('a slower TX interval set while Up waits for the Final; a faster one applies at once', () => {
  const p = new Pair();
  p.run(5000);
  p.apply(0, { type: 'configure', params: { ...P300, desiredMinTxUs: 600_000 } });
  assert.equal(p.s[0].advTxUs, 600_000);
  assert.equal(p.s[0].txInUseUs, 300_000, 'old interval until the Poll ends');
  assert.equal(p.s[0].poll, true);
  p.run(p.now + 2000);
  assert.equal(p.s[0].poll, false);
  assert.equal(p.s[0].txInUseUs, 600_000);
  assert.equal(detectionTimeMs(p.s[1]), 3 * 600, 'the peer lengthened its detection time');
  assert.equal(p.s[0].state, BfdState.Up);
  assert.equal(p.s[1].state, BfdState.Up);
  p.apply(0, { type: 'configure', params: P300 });
  assert.equal(p.s[0].txInUseUs, 300_000, 'faster: at once');
  assert.equal(p.transitions[0].length, 2, 'no flap through the changes');
});

test('a lower minRx keeps the old detection time until the Final (RFC 5880 §6.8.3)', () => {
  const p = new Pair();
  p.run(5000);
  p.apply(0, { type: 'configure', params: { ...P300, requiredMinRxUs: 100_000 } });
  assert.equal(p.s[0].rxInUseUs, 300_000);
  assert.equal(detectionTimeMs(p.s[0]), 900);
  p.run(p.now + 2000);
  assert.equal(p.s[0].rxInUseUs, 100_000);
  // The peer now sends every 300 ms still (its own minTx), so detection is 3 x 300.
  assert.equal(detectionTimeMs(p.s[0]), 900);
  assert.equal(txIntervalUs(p.s[1]), 300_000);
  p.apply(1, { type: 'configure', params: { ...P300, desiredMinTxUs: 100_000 } });
  p.run(p.now + 2000);
  assert.equal(detectionTimeMs(p.s[0]), 300);
  assert.equal(p.s[0].state, BfdState.Up);
});

test('a received Poll is answered at once with Final, P clear', () => {
  const s0 = createSession(P300, 1, 0);
  const r = step(s0, { type: 'rx', packet: { ...controlPacket(createSession(P300, 2, 0)), poll: true } }, 10, () => 0.5);
  const sends = r.actions.filter((a) => a.type === 'send');
  assert.equal(sends.length, 1);
  const pk = sends[0]!.type === 'send' ? sends[0]!.packet : null;
  assert.equal(pk?.final, true);
  assert.equal(pk?.poll, false);
  assert.equal(pk?.state, BfdState.Init, 'the answer carries the new state');
});

test('the peer\'s AdminDown takes an Up session Down with diag 3, flagged as not a failure', () => {
  const p = new Pair();
  p.run(5000);
  p.apply(1, { type: 'adminDown', diag: BfdDiag.AdministrativelyDown });
  assert.equal(p.s[1].state, BfdState.AdminDown);
  assert.equal(p.sent[1].at(-1)?.state, BfdState.AdminDown);
  assert.equal(p.sent[1].at(-1)?.diag, BfdDiag.AdministrativelyDown);
  p.run(p.now + 5);
  const t = p.transitions[0].at(-1);
  assert.deepEqual({ to: t?.to, diag: t?.diag, remoteAdminDown: t?.remoteAdminDown }, { to: 'Down', diag: BfdDiag.NeighborSignaledSessionDown, remoteAdminDown: true });
  // AdminDown ignores what it receives (RFC 5880 §6.8.6) and never comes back up by itself.
  p.run(p.now + 5000);
  assert.equal(p.s[1].state, BfdState.AdminDown);
  assert.equal(p.s[0].state, BfdState.Down);
});

test('the peer saying Down while Up: Down with diag 3, not flagged AdminDown', () => {
  const p = new Pair();
  p.run(5000);
  const down: BfdControl = { ...controlPacket(p.s[1]), state: BfdState.Down, yourDisc: p.s[0].localDisc };
  p.apply(0, { type: 'rx', packet: down });
  const t = p.transitions[0].at(-1);
  assert.deepEqual({ from: t?.from, to: t?.to, diag: t?.diag, remoteAdminDown: t?.remoteAdminDown }, { from: 'Up', to: 'Down', diag: 3, remoteAdminDown: false });
});

test('no periodic TX while the peer asks for none (Required Min RX 0)', () => {
  const s0 = createSession(P300, 1, 0);
  const peer = { ...controlPacket(createSession(P300, 2, 0)), requiredMinRxUs: 0 };
  const r = step(s0, { type: 'rx', packet: peer }, 10, () => 0.5);
  assert.equal(r.state.nextTx, null);
});

test('silence for a Detection Time in Down forgets the peer\'s discriminator (RFC 5880 §6.8.1)', () => {
  const s0 = createSession(P300, 1, 0);
  const peer = { ...controlPacket(createSession(P300, 2, 0)), state: BfdState.AdminDown };
  let s = step(s0, { type: 'rx', packet: peer }, 0, () => 0.5).state;
  assert.equal(s.remoteDisc, 2);
  assert.equal(s.state, BfdState.Down);
  s = step(s, { type: 'timer' }, 3000, () => 0.5).state;
  assert.equal(s.remoteDisc, 0);
});
