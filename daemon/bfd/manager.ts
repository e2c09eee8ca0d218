/**
 * The BFD sessions of rackrouted, one per BGP peer with `bfd.enabled`: runs the pure state
 * machine (session.ts) against real UDP sockets (transport.ts) and one timer per session, on the
 * main thread beside the BGP keepalives (route work runs in worker threads, so nothing long
 * shares this loop). Received datagrams are decoded (packet.ts) and demultiplexed by Your
 * Discriminator, or by source address while it is zero (RFC 5880 §6.8.6, RFC 5881 §3). State
 * changes go to the speaker through `onTransition`; it decides what a Down means for BGP.
 * Input: add/configure/remove calls from daemon/speaker.ts, datagrams. Output: packets,
 * transition callbacks, a JSON view per session. Edge: owns sockets and timers; never throws
 * from a timer or a packet.
 */
import { performance } from 'node:perf_hooks';
import { randomInt } from 'node:crypto';
import { parseIp, ipToString } from '../../peers/wire/ip.js';
import { BfdDiag, BfdState, decodeControl, diagName, encodeControl, isDecodeError, STATE_NAMES, type BfdStateName } from './packet.js';
import {
  controlPacket, createSession, detectionTimeMs, nextDeadline, step, txIntervalUs,
  type BfdAction, type BfdEvent, type BfdParams, type BfdSessionState,
} from './session.js';
import { BfdTransport, type BfdDatagram, type BfdSender, type TransportOptions } from './transport.js';

/** Per-peer settings in ms, as in the config (`bfd.minRx`, `bfd.minTx`, `bfd.multiplier`). */
export interface BfdPeerSettings {
  minRxMs: number;
  minTxMs: number;
  multiplier: number;
}

export interface BfdEndpoints {
  localAddress: string;
  remoteAddress: string;
}

export interface BfdTransition {
  peer: string;
  from: BfdStateName;
  to: BfdStateName;
  /** Our diagnostic for the change (RFC 5880 §4.1). */
  diag: number;
  /** The peer said AdminDown: RFC 5882 §3.2, not a failure of the path. */
  remoteAdminDown: boolean;
  /** Whether the peer's last packet had the C bit (control-plane independent). */
  remoteCpi: boolean;
  /** performance.now() of the event that caused it. */
  at: number;
}

/** What `rackroute neighbors` and the metrics show for one session. */
export interface BfdInfo {
  state: BfdStateName;
  remoteState: BfdStateName;
  localAddress: string;
  remoteAddress: string;
  sourcePort: number;
  localDiscriminator: number;
  remoteDiscriminator: number;
  diagnostic: string;
  /** Configured, ms. */
  minRxMs: number;
  minTxMs: number;
  multiplier: number;
  /** Negotiated periodic TX interval, ms (null: none). */
  txIntervalMs: number | null;
  /** RFC 5880 §6.8.4 Detection Time, ms (null: the peer never heard). */
  detectionTimeMs: number | null;
  remoteMinRxMs: number;
  remoteMinTxMs: number;
  remoteMultiplier: number;
  remoteControlPlaneIndependent: boolean;
  /** ms since the session last went Up; 0 while not Up. */
  uptimeMs: number;
  /** Receive-side TTL 255 check active (RFC 5881 §5). */
  ttlChecked: boolean;
  packets: { received: number; sent: number; sendErrors: number };
}

interface Entry {
  peer: string;
  ends: BfdEndpoints;
  family: 4 | 6;
  settings: BfdPeerSettings;
  s: BfdSessionState;
  sender: BfdSender | null;
  timer: NodeJS.Timeout | null;
  upAt: number;
  received: number;
  sent: number;
  closed: boolean;
}

export function paramsOf(x: BfdPeerSettings): BfdParams {
  return { desiredMinTxUs: x.minTxMs * 1000, requiredMinRxUs: x.minRxMs * 1000, detectMult: x.multiplier };
}

export class BfdManager {
  private readonly byPeer = new Map<string, Entry>();
  private readonly byDisc = new Map<number, Entry>();
  private readonly byRemote = new Map<string, Entry>();
  private readonly transport: BfdTransport;
  /** Datagrams dropped before reaching a session, by reason. */
  readonly dropped = new Map<string, number>();
  onTransition: (t: BfdTransition) => void = () => {};
  onError: (peer: string, message: string) => void = () => {};

  constructor(
    transportOpts: TransportOptions = {},
    private readonly now: () => number = () => performance.now(),
    private readonly rand: () => number = Math.random,
  ) {
    this.transport = new BfdTransport((d) => this.receive(d), transportOpts);
  }

  has(peer: string): boolean {
    return this.byPeer.has(peer);
  }

  /**
   * Starts (or keeps) the peer's session between these addresses. A session already running
   * between the same addresses keeps its state and only takes the new settings (Poll).
   */
  async add(peer: string, ends: BfdEndpoints, settings: BfdPeerSettings): Promise<void> {
    const local = canonical(ends.localAddress);
    const remote = canonical(ends.remoteAddress);
    const old = this.byPeer.get(peer);
    if (old && old.ends.localAddress === local && old.ends.remoteAddress === remote) {
      this.configure(peer, settings);
      return;
    }
    if (old) this.remove(peer);
    const family: 4 | 6 = remote.includes(':') ? 6 : 4;
    const e: Entry = {
      peer, ends: { localAddress: local, remoteAddress: remote }, family, settings,
      s: createSession(paramsOf(settings), this.discriminator(), this.now()),
      sender: null, timer: null, upAt: 0, received: 0, sent: 0, closed: false,
    };
    this.byPeer.set(peer, e);
    this.byDisc.set(e.s.localDisc, e);
    this.byRemote.set(remote, e);
    try {
      await this.transport.listen(family);
      const sender = await this.transport.sender(local, family);
      if (e.closed) {
        sender.close();
        return;
      }
      e.sender = sender;
    } catch (err) {
      this.onError(peer, `BFD sockets on ${local}: ${err instanceof Error ? err.message : String(err)}`);
      if (!e.closed) this.remove(peer, false);
      return;
    }
    this.arm(e);
  }

  /** New intervals or multiplier for a running session, applied with a Poll Sequence. */
  configure(peer: string, settings: BfdPeerSettings): void {
    const e = this.byPeer.get(peer);
    if (!e) return;
    e.settings = settings;
    this.apply(e, { type: 'configure', params: paramsOf(settings) });
  }

  /**
   * Ends the peer's session. With `adminDown` (the default) the peer is first told AdminDown
   * (diagnostic 7, RFC 5880 §6.8.16), so its BGP does not take this for a failure (RFC 5882 §3.2).
   */
  remove(peer: string, adminDown = true): void {
    const e = this.byPeer.get(peer);
    if (!e) return;
    if (adminDown) this.apply(e, { type: 'adminDown', diag: BfdDiag.AdministrativelyDown });
    this.close(e);
  }

  /**
   * Process exit: every session goes AdminDown (diag 7) at once, so peers do not tear down BGP
   * for our BFD falling silent (RFC 5882 §3.2) -- with graceful restart they keep our routes.
   * The packet goes out three times: UDP, and nothing will repeat it afterwards. The send
   * sockets close once those packets are out (BfdSender.close).
   */
  shutdown(): void {
    for (const e of [...this.byPeer.values()]) {
      this.apply(e, { type: 'adminDown', diag: BfdDiag.AdministrativelyDown });
      const packet = encodeControl(controlPacket(e.s));
      for (let i = 0; i < 2; i++) e.sender?.send(packet, e.ends.remoteAddress);
      this.close(e);
    }
    this.transport.close();
  }

  info(peer: string): BfdInfo | null {
    const e = this.byPeer.get(peer);
    if (!e) return null;
    const s = e.s;
    const tx = txIntervalUs(s);
    return {
      state: STATE_NAMES[s.state],
      remoteState: STATE_NAMES[s.remoteState],
      localAddress: e.ends.localAddress,
      remoteAddress: e.ends.remoteAddress,
      sourcePort: e.sender?.port ?? 0,
      localDiscriminator: s.localDisc,
      remoteDiscriminator: s.remoteDisc,
      diagnostic: diagName(s.localDiag),
      minRxMs: e.settings.minRxMs,
      minTxMs: e.settings.minTxMs,
      multiplier: e.settings.multiplier,
      txIntervalMs: tx === null ? null : tx / 1000,
      detectionTimeMs: detectionTimeMs(s),
      remoteMinRxMs: s.remoteMinRxUs / 1000,
      remoteMinTxMs: s.remoteMinTxUs / 1000,
      remoteMultiplier: s.remoteDetectMult,
      remoteControlPlaneIndependent: s.remoteCpi,
      uptimeMs: s.state === BfdState.Up ? Math.round(this.now() - e.upAt) : 0,
      ttlChecked: this.transport.ttlChecked.get(e.family) ?? false,
      packets: { received: e.received, sent: e.sent, sendErrors: e.sender?.errors ?? 0 },
    };
  }

  // ---- internals ----

  private receive(d: BfdDatagram): void {
    const p = decodeControl(d.data);
    if (isDecodeError(p)) return this.drop('malformed');
    const from = canonical(d.from);
    // RFC 5880 §6.8.6: "If the Your Discriminator field is nonzero, it MUST be used to select the
    // session ... If no session is found, the packet MUST be discarded." Otherwise RFC 5881 §3:
    // single hop sessions are selected by the source address (and interface).
    const e = p.yourDisc !== 0 ? this.byDisc.get(p.yourDisc) : this.byRemote.get(from);
    if (!e) return this.drop('no-session');
    // Single hop: the packet must come from the session's peer, whichever way it was matched.
    if (e.ends.remoteAddress !== from) return this.drop('wrong-source');
    e.received++;
    this.apply(e, { type: 'rx', packet: p });
  }

  private drop(reason: string): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + 1);
  }

  private apply(e: Entry, ev: BfdEvent): void {
    if (e.closed) return;
    const now = this.now();
    const r = step(e.s, ev, now, this.rand);
    e.s = r.state;
    this.perform(e, r.actions, now);
    this.arm(e);
  }

  private perform(e: Entry, actions: readonly BfdAction[], now: number): void {
    for (const a of actions) {
      if (a.type === 'send') {
        e.sent++;
        e.sender?.send(encodeControl(a.packet), e.ends.remoteAddress);
        continue;
      }
      if (a.to === 'Up') e.upAt = now;
      try {
        this.onTransition({ peer: e.peer, from: a.from, to: a.to, diag: a.diag, remoteAdminDown: a.remoteAdminDown, remoteCpi: e.s.remoteCpi, at: now });
      } catch (err) {
        this.onError(e.peer, `BFD transition handler: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private arm(e: Entry): void {
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    if (e.closed || !e.sender) return;
    const d = nextDeadline(e.s);
    if (d === null) return;
    e.timer = setTimeout(() => {
      e.timer = null;
      this.apply(e, { type: 'timer' });
    }, Math.max(0, d - this.now()));
  }

  private close(e: Entry): void {
    e.closed = true;
    if (e.timer) clearTimeout(e.timer);
    e.timer = null;
    e.sender?.close();
    if (this.byPeer.get(e.peer) === e) this.byPeer.delete(e.peer);
    if (this.byDisc.get(e.s.localDisc) === e) this.byDisc.delete(e.s.localDisc);
    if (this.byRemote.get(e.ends.remoteAddress) === e) this.byRemote.delete(e.ends.remoteAddress);
  }

  /** RFC 5880 §6.8.1 bfd.LocalDiscr: non-zero and unique on this system. */
  private discriminator(): number {
    for (;;) {
      const d = randomInt(1, 0xffffffff);
      if (!this.byDisc.has(d)) return d;
    }
  }
}

/** One text form per address ("::ffff:10.0.0.1" from a dual-stack socket -> "10.0.0.1"). */
function canonical(addr: string): string {
  const a = addr.startsWith('::ffff:') && addr.includes('.') ? addr.slice(7) : addr;
  const b = parseIp(a);
  return b ? ipToString(b) : a;
}
