/**
 * One BGP neighbour: runs the pure FSM (peers/fsm.ts) against real sockets. Turns socket
 * events and decoded messages into FSM events, performs the FSM's actions (connect, send,
 * close, deliver), arms one timer for the earliest FSM deadline, resolves connection
 * collisions (RFC 4271 §6.8) between our outbound connection and the peer's inbound one, and
 * applies write back-pressure. Edge: owns sockets and a timer; route work happens elsewhere.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { Connection } from './connection.js';
import type { ConnectionEvents } from './connection.js';
import { step, initialState, nextDeadline, dueEvent, forkInbound } from './fsm.js';
import type { FsmAction, FsmConfig, FsmEvent, FsmState } from './fsm.js';
import type { Negotiated } from './negotiate.js';
import { asnOf, capsOf } from './negotiate.js';
import { resolveCollision, resolveEstablishedCollision } from './collision.js';
import type { DownReason } from './down.js';
import { encodeMessage } from './wire/index.js';
import { DEFAULT_CONTEXT } from './wire/context.js';
import type { WireError } from './wire/errors.js';
import type { BgpMessage, OpenMsg, RouteRefreshMsg } from './wire/types.js';
import { CeaseSubcode, MsgType, NotifCode } from './wire/constants.js';

export interface SessionConfig {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly localAddress?: string;
  readonly passive: boolean;
  readonly fsm: FsmConfig;
  /** Floor of the RFC 9687 send hold time in ms (default 30 s; tests lower it). */
  readonly sendHoldFloorMs?: number;
  /**
   * Opens the outbound connection instead of net.connect, e.g. with TCP-MD5 / GTSM options set
   * before the SYN (daemon/net/). null: it could not (and said why): a failed connection attempt.
   */
  readonly dialer?: (target: { host: string; port: number; localAddress?: string }) => net.Socket | null;
}

export interface SessionEvents {
  established(s: Session, n: Negotiated, conn: Connection): void;
  down(s: Session, reason: DownReason, wasEstablished: boolean): void;
  update(s: Session, body: Uint8Array): void;
  routeRefresh(s: Session, msg: RouteRefreshMsg): void;
  /** Write back-pressure: false above the high-water mark, true once drained. */
  writable(s: Session, ok: boolean): void;
  message(s: Session, direction: 'in' | 'out', type: number): void;
}

/** Above this many queued bytes the route engine stops producing for this peer (OpenBGPD XOFF). */
const HIGH_WATER = 1 << 20;
/** A peer that leaves this much unread is not reading at all: Cease/Out of Resources. */
const HARD_LIMIT = 64 << 20;
/**
 * RFC 9687 (Send Hold Timer): a peer that reads nothing for this long while we have data for it
 * is stuck even if its KEEPALIVEs still arrive. Twice the hold time (as FRR), at least 30 s.
 */
function sendHoldMs(holdTime: number, floorMs = 30_000): number {
  return Math.max(floorMs, 2 * holdTime * 1000);
}

let sessionCounter = 0;

interface Leg {
  state: FsmState;
  conn: Connection | null;
  /** Outbound connect in progress (before Tcp_CR_Acked). */
  dialing: net.Socket | null;
}

export class Session {
  private main: Leg;
  private fork: Leg | null = null;
  private offered: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private throttled = false;
  /** When the socket backed up past the high-water mark and has not drained since. */
  private blockedSince: number | null = null;
  private stopped = false;
  /** Unique per Established session in this process; the route engine tags messages with it. */
  sessionId = 0;
  establishedAt = 0;
  lastDown: DownReason | null = null;
  /** RFC 9687 expiries: sessions dropped because the peer stopped reading. */
  sendHoldExpired = 0;
  negotiated: Negotiated | null = null;

  constructor(
    readonly cfg: SessionConfig,
    private readonly events: SessionEvents,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.main = { state: initialState(cfg.fsm), conn: null, dialing: null };
  }

  get state(): string {
    return this.main.state.name;
  }

  get connection(): Connection | null {
    return this.main.conn;
  }

  start(): void {
    this.stopped = false;
    this.fire(this.main, this.cfg.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' });
  }

  /**
   * ManualStop: Cease/Administrative Shutdown (RFC 9003 text) and no restart. `hardReset`: the
   * peer must not keep our routes for a graceful restart (RFC 8538 §3: sent as Cease/Hard Reset
   * carrying the cause when both sides set the N bit).
   */
  stop(message?: string, subcode: number = CeaseSubcode.AdministrativeShutdown, hardReset = false): void {
    this.stopped = true;
    const e = { type: 'ManualStop' as const, subcode, ...(message ? { message } : {}), ...(hardReset ? { hardReset } : {}) };
    if (this.fork) this.fire(this.fork, e);
    this.fire(this.main, e);
    this.clearTimer();
  }

  /**
   * RFC 2918 §3: asks the peer to re-send its routes of every negotiated family. False when the
   * session is not Established or the peer did not negotiate route refresh.
   */
  requestRefresh(): boolean {
    const conn = this.main.conn;
    const n = this.negotiated;
    if (!conn || this.main.state.name !== 'Established' || !n?.routeRefresh) return false;
    for (const f of n.families) conn.send(encodeMessage({ type: MsgType.RouteRefresh, afi: f.afi, subtype: 0, safi: f.safi }, n.context));
    return true;
  }

  /** The listener matched an inbound connection to this peer (RFC 4271 Event 17). */
  offer(socket: net.Socket): void {
    if (this.stopped || this.offered) {
      socket.destroy();
      return;
    }
    this.offered = socket;
    this.fire(this.main, { type: 'TcpConnectionConfirmed' });
    if (this.offered) {
      // Not taken by any action: refuse it.
      this.offered.destroy();
      this.offered = null;
    }
  }

  /**
   * Read-side flow control: stop reading the peer's socket while the route engine is behind, so
   * the kernel's TCP window pushes back on the sender and our queue stays bounded.
   */
  pauseReading(): void {
    this.main.conn?.socket.pause();
  }

  resumeReading(): void {
    this.main.conn?.socket.resume();
  }

  /**
   * The interface this session runs over went down: the TCP connection is dead even if no
   * segment says so. Drop it now instead of waiting for the hold timer (FRR's
   * fast-external-failover); the routes learned over it go with it.
   */
  linkDown(): void {
    const conn = this.main.conn;
    if (!conn) return;
    this.main.conn = null;
    conn.destroy();
    this.fire(this.main, { type: 'TcpConnectionFails' });
  }

  /** The route engine found a session-reset error in an UPDATE (RFC 7606 §2). */
  updateError(error: WireError): void {
    this.fire(this.main, { type: 'UpdateMsgErr', error });
  }

  /** AutomaticStop, e.g. Cease/Out of Resources for a peer that stopped reading. */
  autoStop(subcode: number): void {
    this.fire(this.main, { type: 'AutomaticStop', subcode });
  }

  /** Sends UPDATEs produced by the route engine; restarts the KeepaliveTimer (RFC 4271 §8.2.2). */
  sendUpdates(msgs: readonly Uint8Array[]): void {
    const conn = this.main.conn;
    if (!conn || this.main.state.name !== 'Established') return;
    for (const m of msgs) {
      conn.send(m);
      this.events.message(this, 'out', m[18] ?? MsgType.Update);
    }
    this.fire(this.main, { type: 'UpdateSent' });
    this.checkBackPressure(conn);
  }

  private checkBackPressure(conn: Connection): void {
    if (conn.queued > HARD_LIMIT) {
      this.autoStop(CeaseSubcode.OutOfResources);
      return;
    }
    if (!this.throttled && conn.queued > HIGH_WATER) {
      this.throttled = true;
      this.blockedSince = this.now();
      this.events.writable(this, false);
      this.arm();
    }
  }

  // ---- FSM plumbing ----

  private fire(leg: Leg, event: FsmEvent): void {
    const r = step(leg.state, event, this.now(), this.cfg.fsm);
    leg.state = r.state;
    for (const a of r.actions) this.perform(leg, a);
    this.settle();
    this.arm();
  }

  /** After a step: a fork that outlived the main connection becomes the main one. */
  private settle(): void {
    const f = this.fork;
    if (!f) return;
    if (f.conn === null && f.state.name !== 'Active') {
      this.fork = null;
      return;
    }
    const mainLive = ['OpenSent', 'OpenConfirm', 'Established'].includes(this.main.state.name);
    if (!mainLive && f.conn) {
      this.main.conn?.destroy();
      this.main.dialing?.destroy();
      // The second FSM waited passively for its connection; as the main one it dials again
      // after a failure unless the peer is configured passive.
      f.state = { ...f.state, passive: this.cfg.passive };
      this.main = f;
      this.fork = null;
    }
  }

  private perform(leg: Leg, a: FsmAction): void {
    switch (a.type) {
      case 'connect':
        return this.dial(leg);
      case 'close':
        leg.dialing?.destroy();
        leg.dialing = null;
        leg.conn?.close();
        leg.conn = null;
        return;
      case 'acceptInbound':
        this.keepDialing(leg);
        if (this.offered) leg.conn = this.wrap(this.offered, 'inbound', leg);
        this.offered = null;
        return;
      case 'rejectInbound':
        this.offered?.destroy();
        this.offered = null;
        return;
      case 'trackInbound':
        return this.track();
      case 'sendOpen':
      case 'sendKeepalive':
      case 'sendNotification':
        return this.write(leg, a);
      case 'deliverUpdate':
        this.events.update(this, a.body);
        return;
      case 'deliverRouteRefresh':
        this.events.routeRefresh(this, a.msg);
        return;
      case 'established':
        return this.up(leg, a.negotiated);
      case 'down':
        if (leg === this.main || a.wasEstablished) {
          this.lastDown = a.reason;
          this.events.down(this, a.reason, a.wasEstablished);
        }
        if (a.wasEstablished) {
          this.negotiated = null;
          this.throttled = false;
          this.blockedSince = null;
        }
        return;
    }
  }

  private write(leg: Leg, a: Extract<FsmAction, { type: 'sendOpen' | 'sendKeepalive' | 'sendNotification' }>): void {
    const conn = leg.conn;
    if (!conn) return;
    let msg: BgpMessage;
    if (a.type === 'sendOpen') msg = a.open;
    else if (a.type === 'sendKeepalive') msg = { type: 4 };
    else msg = { type: 3, code: a.code, subcode: a.subcode, data: a.data };
    conn.send(encodeMessage(msg, this.negotiated?.context ?? DEFAULT_CONTEXT));
    this.events.message(this, 'out', msg.type);
  }

  private up(leg: Leg, n: Negotiated): void {
    this.sessionId = ++sessionCounter;
    this.negotiated = n;
    this.establishedAt = Date.now();
    this.throttled = false;
    leg.conn?.setContext(n.context);
    if (leg.conn) this.events.established(this, n, leg.conn);
  }

  private dial(leg: Leg): void {
    leg.dialing?.destroy();
    leg.dialing = null;
    const target = {
      host: this.cfg.address,
      port: this.cfg.port,
      ...(this.cfg.localAddress ? { localAddress: this.cfg.localAddress } : {}),
    };
    const sock = this.cfg.dialer ? this.cfg.dialer(target) : net.connect(target);
    if (!sock) {
      // As a connect error would: after this step, if the leg is still waiting for it.
      setImmediate(() => {
        const live = leg === this.main || leg === this.fork;
        if (live && leg.state.name === 'Connect' && leg.dialing === null && leg.conn === null) this.fire(leg, { type: 'TcpConnectionFails' });
      });
      return;
    }
    leg.dialing = sock;
    // The leg that owns the attempt may change (keepDialing moves it to a fork).
    const owner = (): Leg | undefined => [this.main, this.fork].find((l): l is Leg => l !== null && l.dialing === sock);
    const onError = (): void => {
      const l = owner();
      sock.destroy();
      if (!l) return;
      l.dialing = null;
      this.fire(l, { type: 'TcpConnectionFails' });
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      const l = owner();
      if (!l) {
        sock.destroy();
        return;
      }
      sock.off('error', onError);
      l.dialing = null;
      l.conn = this.wrap(sock, 'outbound', l);
      this.fire(l, { type: 'Tcp_CR_Acked' });
    });
  }

  /**
   * The peer's connection arrived while ours was still being set up. The peer may already have
   * accepted ours, so dropping it could make both sides drop each other's (a livelock when both
   * retry in step). RFC 4271 §6.8: keep both, let the OPENs' identifiers decide. Our attempt
   * continues on a second FSM; the loser gets Cease 6/7 once both OPENs are in.
   */
  private keepDialing(leg: Leg): void {
    const sock = leg.dialing;
    leg.dialing = null;
    if (!sock) return;
    if (leg !== this.main || this.fork) {
      sock.destroy();
      return;
    }
    this.fork = { state: forkInbound(this.main.state), conn: null, dialing: sock };
  }

  /** RFC 4271 §6.8: keep the inbound connection on its own FSM until its OPEN arrives. */
  private track(): void {
    const sock = this.offered;
    this.offered = null;
    if (!sock) return;
    if (this.fork) {
      sock.destroy();
      return;
    }
    const fork: Leg = { state: forkInbound(this.main.state), conn: null, dialing: null };
    fork.conn = this.wrap(sock, 'inbound', fork);
    this.fork = fork;
    this.fire(fork, { type: 'TcpConnectionConfirmed' });
  }

  private wrap(sock: net.Socket, direction: 'inbound' | 'outbound', leg: Leg): Connection {
    const events: ConnectionEvents = {
      message: (m) => this.onMessage(leg, m),
      update: (body) => {
        this.events.message(this, 'in', MsgType.Update);
        this.fire(leg, { type: 'UpdateMsg', body });
      },
      error: (e, t) => this.fire(leg, t === MsgType.Open ? { type: 'BGPOpenMsgErr', error: e } : t === MsgType.Update ? { type: 'UpdateMsgErr', error: e } : { type: 'BGPHeaderErr', error: e }),
      closed: () => {
        if (leg.conn?.socket !== sock) return;
        leg.conn = null;
        this.fire(leg, { type: 'TcpConnectionFails' });
      },
      drained: () => {
        if (leg === this.main && this.throttled) {
          this.throttled = false;
          this.blockedSince = null;
          this.events.writable(this, true);
        }
      },
    };
    return new Connection(sock, direction, events);
  }

  private onMessage(leg: Leg, m: BgpMessage): void {
    this.events.message(this, 'in', m.type);
    switch (m.type) {
      case 1:
        if (this.collides(leg, asnOf(m), m.bgpId, m)) return;
        return this.fire(leg, { type: 'BGPOpen', open: m });
      case 3:
        // RFC 4271 §6.2: a NOTIFICATION about an unsupported version in reply to our OPEN.
        if (m.code === NotifCode.OpenMessageError && m.subcode === 1 && leg.state.name === 'OpenSent')
          return this.fire(leg, { type: 'NotifMsgVerErr', notification: m });
        return this.fire(leg, { type: 'NotifMsg', notification: m });
      case 4:
        return this.fire(leg, { type: 'KeepAliveMsg' });
      case 5:
        return this.fire(leg, { type: 'RouteRefreshMsg', msg: m });
      case 2:
        return;
    }
  }

  /**
   * RFC 4271 §6.8: an OPEN arrived on `leg` while the other connection is in OpenConfirm (or
   * Established). Dump the loser with OpenCollisionDump. Returns true if `leg` itself was dumped.
   */
  private collides(leg: Leg, remoteAsn: number, remoteId: number, open: OpenMsg): boolean {
    const other = leg === this.main ? this.fork : this.main;
    if (!other || !other.conn || !leg.conn) return false;
    const dump = (l: Leg): void => this.fire(l, { type: 'OpenCollisionDump' });
    if (other.state.name === 'Established') {
      // RFC 4724 §4.2: a peer that restarted says so with the Restart State bit in its new OPEN;
      // without it this is only a late collision, and the Established session stays.
      const restarted = capsOf(open, 64).some((c) => c.restarting) && this.negotiated?.gracefulRestart != null;
      if (resolveEstablishedCollision(restarted) === 'close-new') {
        dump(leg);
        return true;
      }
      dump(other);
      return false;
    }
    if (other.state.name !== 'OpenConfirm') return false;
    const d = resolveCollision({
      localId: this.cfg.fsm.local.bgpId,
      remoteId,
      localAsn: this.cfg.fsm.local.asn,
      remoteAsn,
      existing: other.conn.direction,
    });
    if (d.closeExisting) {
      dump(other);
      return false;
    }
    dump(leg);
    return true;
  }

  private arm(): void {
    this.clearTimer();
    const deadlines = [nextDeadline(this.main.state), this.fork ? nextDeadline(this.fork.state) : null, this.sendHoldDeadline()].filter((d): d is number => d !== null);
    if (deadlines.length === 0) return;
    const delay = Math.max(0, Math.min(...deadlines) - this.now());
    this.timer = setTimeout(() => this.onTimer(), Math.ceil(delay));
  }

  private sendHoldDeadline(): number | null {
    const hold = this.negotiated?.holdTime ?? 0;
    return this.blockedSince === null || hold === 0 ? null : this.blockedSince + sendHoldMs(hold, this.cfg.sendHoldFloorMs);
  }

  private onTimer(): void {
    this.timer = null;
    const sendHold = this.sendHoldDeadline();
    if (sendHold !== null && this.now() >= sendHold) {
      // RFC 9687 §3: the peer stopped reading; drop the session rather than queue forever.
      this.blockedSince = null;
      this.sendHoldExpired++;
      this.fire(this.main, { type: 'AutomaticStop', subcode: CeaseSubcode.OutOfResources });
      return;
    }
    for (const leg of [this.main, this.fork]) {
      if (!leg) continue;
      for (let i = 0; i < 8; i++) {
        const e = dueEvent(leg.state, this.now());
        if (!e) break;
        const r = step(leg.state, e, this.now(), this.cfg.fsm);
        leg.state = r.state;
        for (const a of r.actions) this.perform(leg, a);
      }
    }
    this.settle();
    this.arm();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Tear down sockets without any protocol (process exit). */
  destroy(): void {
    this.clearTimer();
    for (const leg of [this.main, this.fork]) {
      leg?.conn?.destroy();
      leg?.dialing?.destroy();
    }
  }
}
