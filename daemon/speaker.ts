/**
 * The BGP speaker process wiring: one Session per configured peer, the listener that hands
 * inbound connections to them, and the route-engine worker they feed. Session events become
 * bus messages to the engine; engine output becomes socket writes. Also answers the control
 * API's questions about neighbours and routes. Edge: owns sessions, listener and worker.
 */
import os from 'node:os';
import type { Config, PeerConfig } from '../config/schema.js';
import { diffConfig, type ConfigDiff } from '../config/diff.js';
import { Session, type SessionConfig, type SessionEvents } from '../peers/session.js';
import { Listener } from '../peers/listener.js';
import type { Negotiated } from '../peers/negotiate.js';
import { notificationOf, type DownReason, type NotificationInfo } from '../peers/down.js';
import { parseIp, ipToString, u32ToIpv4, ipv4ToU32 } from '../peers/wire/ip.js';
import { CeaseSubcode } from '../peers/wire/constants.js';
import type { FromEngine, LocalInfo, OriginatedPrefix } from './bus.js';
import type { OwnershipSpec } from './kubernetes/ownership.js';
import type { InstalledPrefixes } from './datapath/datapath.js';
import { EngineClient } from './rib/engine-client.js';
import { nextHopsFor } from './next-hop.js';
import { FibClient } from './kernel/fib-client.js';
import { sessionConfig } from './peer-config.js';
import type { Logger } from './log.js';
import { grSession, keepsRoutes, STALE_PATH_MS, type GrSession } from './graceful.js';
import { NO_OBSERVER, wallClockMs, type PeerSessionState, type SpeakerObserver } from './metrics/observer.js';
import { logSessionDown } from './metrics/session-log.js';
import { PeerGuards } from './net/peer-guards.js';
import { needsGuard, securityInfo, type GuardFailure } from './net/protection.js';
import { BfdManager, type BfdTransition } from './bfd/manager.js';
import { diagName } from './bfd/packet.js';

const MSG_NAMES = ['', 'open', 'update', 'notification', 'keepalive', 'route-refresh'];

/**
 * UPDATEs handed to the route engine and not yet processed, per peer: above HIGH the peer's
 * socket is paused until the engine is back under LOW. 1024 full-size UPDATEs is 4 MiB, well
 * under a second of engine work, so the pause never approaches a hold time.
 */
const BACKLOG_HIGH = 1024;
const BACKLOG_LOW = 256;

interface PeerEntry {
  cfg: PeerConfig;
  session: Session;
  log: Logger;
  messages: { in: Record<string, number>; out: Record<string, number> };
  flaps: number;
  /** UPDATEs posted to the engine for the current session and not yet acknowledged. */
  backlog: number;
  /** The interface the current session's local address is on (for link-down failover). */
  ifname?: string;
  readPaused: boolean;
  /** `rackroute peer PEER disable`: kept down until enabled. */
  disabled?: boolean;
  /** Graceful restart as negotiated for the current (or last) session; null: none. */
  gr?: GrSession | null;
  /** RFC 4724 §4.2: bounds how long the peer's stale routes are kept (restart, then stale-path time). */
  staleTimer?: NodeJS.Timeout;
  lastNotification?: NotificationInfo;
}

/** The BFD settings of a peer as the BfdManager takes them (config/schema.ts BfdConfig, ms). */
function bfdSettings(p: PeerConfig): { minRxMs: number; minTxMs: number; multiplier: number } {
  return { minRxMs: p.bfd.minRx, minTxMs: p.bfd.minTx, multiplier: p.bfd.multiplier };
}

export class Speaker {
  private readonly peers = new Map<string, PeerEntry>();
  private readonly byAddress = new Map<string, PeerEntry>();
  private readonly engine = new EngineClient();
  /** RFC 5880 BFD, one session per peer with bfd.enabled, on this (the session) thread. */
  private readonly bfd = new BfdManager();
  private listener?: Listener;
  /** TCP-MD5 / TCP-AO keys, GTSM, multihop TTL and interface binding of the peers' sockets (daemon/net/). */
  private readonly guards = new PeerGuards(
    (peer, f) => this.guardFailed(peer, f),
    (message) => this.log.warn({ event: 'session.protection.warning', message }, message),
  );
  private fib: FibClient | null = null;
  readonly startedAt = Date.now();
  /**
   * RFC 4724 §4.1: this start found our routes still in the kernel (the daemon restarted and the
   * kernel kept forwarding). Our OPENs carry the Restart State and Forwarding State bits until
   * every GR peer has sent End-of-RIB (or the deadline passes).
   */
  private restarting = false;
  /** stop() has begun: session downs no longer reach the route engine. */
  private stopping = false;

  /** The running configuration (what a reload is diffed against). */
  get config(): Config {
    return this.cfg;
  }

  constructor(
    private cfg: Config,
    private readonly log: Logger,
    private readonly opts: { fib: boolean } = { fib: true },
  ) {
    this.engine.onMessage((m) => this.fromEngine(m));
    this.engine.onThreadStats = (sample) => this.observer.threadStats('route-engine', sample);
    this.bfd.onTransition = (t) => this.bfdTransition(t);
    this.bfd.onError = (peer, message) => this.log.error({ event: 'bfd.error', peer, message }, message);
  }

  /** Kubernetes pod-CIDR ownership for the engine's import (daemon/kubernetes/ownership.ts). */
  setOwnership(spec: OwnershipSpec): void {
    this.engine.post({ t: 'ownership', spec });
  }

  async start(): Promise<void> {
    if (this.opts.fib && this.cfg.kernel.enabled) await this.startFib();
    this.engine.post({ t: 'local', local: localInfo(this.cfg) });
    this.engine.post({ t: 'originate', prefixes: originated(this.cfg) });
    this.engine.post({ t: 'policy', config: this.cfg, hostAddresses: hostAddresses() });
    const grPeers = this.cfg.peers.filter((p) => p.gracefulRestart.enabled);
    this.restarting &&= grPeers.length > 0;
    if (this.restarting) {
      // RFC 4724 §4.1: defer advertising (and sweeping the kernel) until the peers' End-of-RIB,
      // at most the longest restart time we advertise.
      const deadline = Math.max(...grPeers.map((p) => p.gracefulRestart.restartTime)) * 1000;
      this.engine.post({ t: 'restarting', peers: grPeers.map((p) => p.name) });
      setTimeout(() => this.engine.post({ t: 'restart-deadline' }), deadline).unref();
      this.log.info({ event: 'gr.restarting', peers: grPeers.map((p) => p.name), deadlineMs: deadline }, 'restarting with forwarding state kept: waiting for End-of-RIB from the peers');
    }
    for (const p of this.cfg.peers) this.addPeer(p);
    // Keys read and every socket option tried before any session starts (daemon/net/).
    for (const p of this.cfg.peers) await this.guards.prepare(p);
    if (this.cfg.bgp.listen) await this.startListener();
    await this.syncGuards();
    for (const e of this.peers.values()) if (!this.guards.failure(e.cfg.name)) e.session.start();
  }

  /**
   * Applies a new, already validated config: unchanged peers are not touched, removed peers get
   * Cease/Peer De-configured (RFC 4486 §4), peers whose session parameters changed get
   * Cease/Other Configuration Change and a new session, originated prefixes are re-advertised
   * or withdrawn in place.
   */
  async reload(next: Config): Promise<ConfigDiff> {
    const d = diffConfig(this.cfg, next);
    this.cfg = next;
    const later = d.global.filter((g) => g.action === 'nextStart').map((g) => g.path);
    if (later.length) this.log.warn({ event: 'config.reload.next-start', fields: later }, `${later.join(', ')} changed: applies at the next start of rackrouted`);
    // Router id, AS or cluster id changed: every session restarts below, with the new values.
    if (d.restartAll) this.engine.post({ t: 'local', local: localInfo(next) });
    if (d.originate.add.length + d.originate.remove.length + d.originate.change.length > 0)
      this.engine.post({ t: 'originate', prefixes: originated(next) });
    // Policies are re-run over the stored routes in the engine: no session is reset for them.
    if (d.policies.changed.length > 0 || d.originate.add.length + d.originate.remove.length > 0 || d.global.length > 0)
      this.engine.post({ t: 'policy', config: next, hostAddresses: hostAddresses() });
    await this.rekey(d);
    const starting: PeerEntry[] = [];
    for (const c of d.peers) {
      if (c.kind === 'remove' || c.kind === 'restart') {
        const subcode = c.kind === 'remove' ? CeaseSubcode.PeerDeconfigured : CeaseSubcode.OtherConfigurationChange;
        this.removePeer(c.name, c.kind === 'remove' ? 'peer removed from the configuration' : `configuration changed: ${c.fields.join(', ')}`, subcode);
      }
      if (c.kind === 'add' || c.kind === 'restart') {
        this.addPeer(c.peer);
        const e = this.peers.get(c.name);
        if (e) starting.push(e);
      }
      if (c.kind === 'inPlace') {
        const e = this.peers.get(c.name);
        if (e) e.cfg = c.peer;
        if (e && c.fields.includes('bfd')) this.bfdReconfigure(e);
      }
    }
    if (d.relisten && this.listener) {
      await this.listener.close();
      this.listener = undefined;
    }
    if (d.relisten && next.bgp.listen) await this.startListener();
    // New and restarted sessions start once their keys are on the listening sockets.
    for (const e of starting) await this.guards.prepare(e.cfg);
    if (starting.length > 0 || d.peers.some((c) => c.kind === 'remove') || d.relisten) await this.syncGuards();
    for (const e of starting) if (this.peers.get(e.cfg.name) === e && !this.guards.failure(e.cfg.name)) e.session.start();
    this.log.level = next.log.level;
    return d;
  }

  /**
   * A reload re-reads the keys of kept peers: a rotated key file (same config) restarts the
   * session with the new key (RFC 2385 keys are bound to the connection), and so does a reload
   * of a peer whose protection had failed (the operator fixed it).
   */
  private async rekey(d: ConfigDiff): Promise<void> {
    const kept = d.peers.flatMap((c) => (c.kind === 'unchanged' || c.kind === 'inPlace' ? [c.peer] : []));
    const changed = await this.guards.changed(kept);
    d.peers = d.peers.map((c) => {
      const why = changed.get(c.name);
      if (!why || (c.kind !== 'unchanged' && c.kind !== 'inPlace')) return c;
      d.changed = true;
      const field = why === 'key' ? 'key' : 'session protection (retried)';
      return { kind: 'restart', name: c.name, old: c.kind === 'inPlace' ? c.old : c.peer, peer: c.peer, fields: [...(c.kind === 'inPlace' ? c.fields : []), field] };
    });
  }

  /** The listening sockets' keys and TTL options for the current peers (daemon/net/guard.ts). */
  private syncGuards(): Promise<void> {
    return this.guards.syncListener(this.listener?.fds() ?? []);
  }

  /** A peer's session protection could not be put in place: held in Idle, never run without it. */
  private guardFailed(peer: string, f: GuardFailure): void {
    this.observer.authError(peer, f.reason);
    const e = this.peers.get(peer);
    (e?.log ?? this.log).error({ event: 'session.protection.failed', peer, reason: f.reason, error: f.message }, `${f.message}: the session stays down (fix it, then reload or run rackroute peer ${peer} reset)`);
    // After the current step: this may be reported from inside the session's own dial.
    setImmediate(() => {
      if (e && this.peers.get(peer) === e) e.session.stop(f.message);
    });
  }

  /** (Re)starts a peer's session; a guarded one after reading its key and trying its options again. */
  private startPeer(e: PeerEntry): void {
    if (!needsGuard(e.cfg)) return e.session.start();
    void (async () => {
      await this.guards.prepare(e.cfg);
      await this.syncGuards();
      if (this.peers.get(e.cfg.name) === e && !this.guards.failure(e.cfg.name)) e.session.start();
    })();
  }

  /**
   * The kernel FIB runs in its own thread, fed by the route engine directly. Routes of ours
   * already in the kernel are kept (and adopted when re-learned) and swept after two minutes,
   * so a restart does not blackhole pods while peers re-send their tables.
   */
  private async startFib(): Promise<void> {
    const log = this.log.child({ comp: 'fib' });
    this.fib = new FibClient((message) => log.error({ event: 'fib.error', message }, `kernel FIB: ${message}`));
    this.engine.connectFib(this.fib.connect());
    this.fib.onThreadStats = (sample) => this.observer.threadStats('fib', sample);
    this.fib.onLink = (name, up) => {
      if (!up) this.linkDown(name);
    };
    // The sweep follows the peers' End-of-RIB (RFC 4724 §4.1); this is only the backstop.
    const restartMs = Math.max(120, ...this.cfg.peers.map((p) => p.gracefulRestart.restartTime)) * 1000;
    const k = this.cfg.kernel;
    const r = await this.fib.start({ sweepAfterMs: restartMs + 60_000, enableForwarding: k.forwarding, protocol: k.protocol, table: k.table });
    this.restarting = r.adopted > 0;
    if (r.changed.length) log.info({ event: 'sysctl.changed', changed: r.changed }, `enabled ${r.changed.join(', ')}`);
    if (r.failed.length) log.warn({ event: 'sysctl.failed', failed: r.failed }, `could not set ${r.failed.join(', ')}`);
    for (const f of r.findings) log.warn({ event: 'sysctl.finding', finding: f }, `native routing may break: ${f}`);
  }

  /**
   * RFC 4486 max-prefix: the session stays down (no automatic reconnect) for `ms`, or until an
   * operator restarts it when null.
   */
  private holdDown(e: PeerEntry, ms: number | null): void {
    e.session.stop();
    e.log.warn({ event: 'max-prefix.exceeded', holdDownMs: ms }, ms === null ? 'maximum prefixes exceeded: peer held down until restarted' : `maximum prefixes exceeded: reconnecting in ${ms / 1000} s`);
    if (ms !== null)
      setTimeout(() => {
        if (this.peers.get(e.cfg.name) === e) e.session.start();
      }, ms).unref();
  }

  /** Fast external failover: eBGP sessions over a link that went down are dropped at once. */
  private linkDown(name: string): void {
    for (const e of this.peers.values()) {
      const n = e.session.negotiated;
      if (e.ifname !== name || e.session.state !== 'Established' || !n || n.localAsn === n.remoteAsn) continue;
      e.log.warn({ event: 'session.link-down', interface: name }, `interface ${name} went down: dropping the session`);
      // Forwarding through a dead link is gone: no graceful restart keeps these routes.
      e.gr = null;
      e.session.linkDown();
    }
  }

  /**
   * A BFD session changed state. Up -> Down for a reason other than the peer's AdminDown means
   * the forwarding path failed: the BGP session goes at once (RFC 5882 §3.2), with Cease/10 "BFD
   * Down" (RFC 9384) in case the TCP path still works, and its routes go with it, like a link
   * down: no graceful-restart helper keeps routes through a path BFD just declared dead. (RFC
   * 5882 §4.3 would let a peer whose BFD shares fate with its control plane -- C bit clear, as
   * FRR's and BIRD's -- keep GR through a BFD failure; FRR does that only behind `neighbor X bfd
   * check-control-plane-failure`, and so would rackroute only behind such an option: by default
   * a BFD Down always withdraws.) The peer's AdminDown (it is restarting on purpose, or removed
   * BFD) is not a failure: RFC 5882 §3.2, the BGP session is left to BGP.
   */
  private bfdTransition(t: BfdTransition): void {
    this.observer.bfdTransition(t.peer, t.to);
    const e = this.peers.get(t.peer);
    const log = e?.log ?? this.log;
    const fields = { event: 'bfd.state', peer: t.peer, from: t.from, to: t.to, diagnostic: diagName(t.diag), remoteAdminDown: t.remoteAdminDown, remoteControlPlaneIndependent: t.remoteCpi };
    if (t.to === 'Up') log.info(fields, `BFD ${t.from} -> Up`);
    else if (t.from === 'Up') log.warn(fields, `BFD Up -> ${t.to}: ${diagName(t.diag)}${t.remoteAdminDown ? ' (the peer is administratively down: not a failure)' : ''}`);
    else log.debug(fields, `BFD ${t.from} -> ${t.to}`);
    if (!e || t.from !== 'Up' || t.to !== 'Down' || t.remoteAdminDown) return;
    if (e.session.state !== 'Established') return;
    e.log.warn({ event: 'session.bfd-down', diagnostic: diagName(t.diag) }, `BFD down (${diagName(t.diag)}): dropping the session and its routes`);
    // The forwarding path is gone: no graceful restart keeps these routes (as linkDown below).
    e.gr = null;
    e.session.autoStop(CeaseSubcode.BfdDown);
  }

  /** bfd changed in a reload: started, ended (AdminDown) or re-timed (Poll), BGP left alone. */
  private bfdReconfigure(e: PeerEntry): void {
    const name = e.cfg.name;
    if (!e.cfg.bfd.enabled) {
      this.bfd.remove(name);
      return;
    }
    const conn = e.session.connection;
    if (this.bfd.has(name)) this.bfd.configure(name, bfdSettings(e.cfg));
    else if (e.session.state === 'Established' && conn) void this.bfd.add(name, { localAddress: conn.localAddress, remoteAddress: conn.remoteAddress }, bfdSettings(e.cfg));
  }

  /**
   * `rackroute why ADDRESS`: the Loc-RIB entry the address falls in (the BGP paths, who sent
   * them, why the best won, the next hops), next to the kernel's own answer for the address
   * (the FIB entry that carries it), and whether the two agree.
   */
  async why(address: string): Promise<unknown> {
    if (parseIp(address) === null) throw new Error(`not an IP address: ${address}`);
    const rib = (await this.engine.query({ kind: 'why', address })) as { routes: { prefix: string; nexthops: string[]; installed: boolean }[] };
    const kernel = this.fib ? ((await this.fib.lookup(address)) as { prefix: string; protocol: number; type: number; nexthops: { gateway?: string; ifindex: number }[] } | null) : null;
    const route = rib.routes[0];
    const ours = kernel !== null && kernel.protocol === this.cfg.kernel.protocol;
    const agrees = route === undefined ? !ours : route.installed ? ours && kernel.prefix === route.prefix : !ours;
    return { address, route: route ?? null, kernel, kernelAgrees: this.fib ? agrees : null };
  }

  /** reload --dry-run: routes the new import policies would accept or refuse differently. */
  policyPreview(next: Config): Promise<unknown> {
    return this.engine.query({ kind: 'policy-preview', config: next });
  }

  fibCounters(): Promise<unknown> {
    return this.fib ? this.fib.counters() : Promise.resolve(null);
  }

  // ---- metrics (daemon/metrics/observer.ts ScrapeSource) ----

  /** Told about session events as they happen (daemon/metrics/service.ts sets it). */
  observer: SpeakerObserver = NO_OBSERVER;

  sessionStates(): PeerSessionState[] {
    return [...this.peers.values()].map((e) => {
      const b = e.cfg.bfd.enabled ? this.bfd.info(e.cfg.name) : null;
      return { peer: e.cfg.name, state: e.session.state, families: e.cfg.families, ...(e.cfg.bfd.enabled ? { bfd: { state: b?.state ?? 'Down', detectionTimeMs: b?.detectionTimeMs ?? null } } : {}) };
    });
  }

  engineStats(): Promise<unknown> {
    return this.engine.query({ kind: 'stats' });
  }

  fibStats(): Promise<unknown> | null {
    return this.fib ? this.fib.stats() : null;
  }

  rib(q: { prefix?: string; limit?: number }): Promise<unknown> {
    return this.engine.query({ kind: 'rib', ...q });
  }

  /** Prefixes in the kernel (learned) and originated here, for the datapath's route map. */
  installedPrefixes(limit: number, since?: number): Promise<InstalledPrefixes> {
    return this.engine.query({ kind: 'installed', limit, ...(since !== undefined ? { since } : {}) }) as Promise<InstalledPrefixes>;
  }

  private removePeer(name: string, message: string, subcode: number): void {
    const e = this.peers.get(name);
    if (!e) return;
    // RFC 8538 §5: a de-configured peer must not keep our routes as stale: Hard Reset. A session
    // restarted for a configuration change keeps graceful restart (its routes come right back).
    e.session.stop(message, subcode, subcode === CeaseSubcode.PeerDeconfigured);
    setTimeout(() => e.session.destroy(), 1000).unref();
    // RFC 5880 §6.8.16: BFD ends with AdminDown, so the peer does not count it as a failure.
    this.bfd.remove(name);
    this.guards.forget(name);
    this.peers.delete(name);
    if (this.byAddress.get(canonical(e.cfg.address)) === e) this.byAddress.delete(canonical(e.cfg.address));
  }

  private async startListener(): Promise<void> {
    this.listener = new Listener((remote, sock) => {
      // A link-local address comes with its interface: fe80::2%eth0.
      const [addr = remote, zone] = remote.split('%');
      const e = this.byAddress.get(canonical(addr));
      if (!e) {
        this.log.warn({ event: 'connection.rejected', remote }, 'connection from an unconfigured address');
        return false;
      }
      // The peer's key, GTSM and interface (daemon/net/): refused while they are not in place.
      const wrongLink = zone !== undefined && e.cfg.interface !== undefined && zone !== e.cfg.interface;
      if (wrongLink || !this.guards.admit(e.cfg, sock, addr.includes(':') ? 6 : 4)) {
        e.log.debug({ event: 'connection.refused', remote }, wrongLink ? `inbound connection over ${zone}, not ${e.cfg.interface}: refused` : 'inbound connection refused: session protection not in place');
        return false;
      }
      e.session.offer(sock);
      return true;
    });
    await this.listener.listen(this.cfg.bgp.listenAddresses, this.cfg.bgp.listenPort);
  }

  private addPeer(p: PeerConfig): void {
    const log = this.log.child({ comp: 'session', peer: p.name });
    const entry: PeerEntry = {
      cfg: p,
      log,
      session: new Session(withDialer(sessionConfig(this.cfg, p, Math.random, { restarting: this.restarting }), this.guards.dialer(p)), this.sessionEvents()),
      messages: { in: {}, out: {} },
      flaps: 0,
      backlog: 0,
      readPaused: false,
    };
    this.peers.set(p.name, entry);
    this.byAddress.set(canonical(p.address), entry);
  }

  private entryOf(s: Session): PeerEntry {
    const e = this.peers.get(s.cfg.name);
    if (!e) throw new Error(`session ${s.cfg.name} has no peer entry`);
    return e;
  }

  private sessionEvents(): SessionEvents {
    return {
      established: (s, n, conn) => this.established(s, n, conn.localAddress, conn.remoteAddress),
      down: (s, reason, wasEstablished) => {
        const e = this.peers.get(s.cfg.name);
        const graceful = wasEstablished && e?.session === s && keepsRoutes(e.gr ?? null, reason);
        // Our own shutdown changes nothing in the RIB: the kernel routes stay for the next start
        // to adopt (graceful restart), or fib.stop removes them all at once.
        if (wasEstablished && !this.stopping) this.engine.post({ t: 'peer-down', peer: s.cfg.name, session: s.sessionId, graceful });
        if (!e || e.session !== s) return;
        if (graceful && e.gr) {
          // RFC 4724 §4.2: keep the routes while the peer restarts, at most its Restart Time.
          this.staleTimer(e, e.gr.restartMs);
          e.log.info({ event: 'gr.helper', restartMs: e.gr.restartMs }, `peer restarting: keeping its routes as stale for up to ${e.gr.restartMs / 1000} s`);
        }
        if (wasEstablished) {
          e.flaps++;
        }
        const n = notificationOf(reason);
        if (n) e.lastNotification = n;
        this.observer.sessionDown(s.cfg.name, reason, wasEstablished);
        logSessionDown(e.log, s, reason, describeDown(reason), wasEstablished);
      },
      update: (s, body) => {
        // The framer gives every frame its own ArrayBuffer, so it can be transferred, not copied.
        const buf = body.buffer as ArrayBuffer;
        const owned = body.byteOffset + body.byteLength === buf.byteLength ? buf : (body.slice().buffer as ArrayBuffer);
        const offset = owned === buf ? body.byteOffset : 0;
        this.engine.post({ t: 'update', peer: s.cfg.name, session: s.sessionId, buf: owned, offset, receivedAt: wallClockMs() }, [owned]);
        const e = this.peers.get(s.cfg.name);
        if (e && e.session === s && ++e.backlog > BACKLOG_HIGH && !e.readPaused) {
          e.readPaused = true;
          s.pauseReading();
        }
      },
      routeRefresh: (s, msg) => {
        // RFC 7313 §4: BoRR/EoRR from the peer only mark its re-advertisement; a normal request asks us to re-send.
        if (msg.subtype === 0) this.engine.post({ t: 'route-refresh', peer: s.cfg.name, session: s.sessionId, afi: msg.afi, safi: msg.safi });
      },
      writable: (s, ok) => this.engine.post({ t: ok ? 'xon' : 'xoff', peer: s.cfg.name, session: s.sessionId }),
      message: (s, dir, type) => {
        const e = this.peers.get(s.cfg.name);
        if (!e || e.session !== s) return;
        this.observer.message(s.cfg.name, dir, type);
        const m = e.messages[dir];
        const name = MSG_NAMES[type] ?? `type-${type}`;
        m[name] = (m[name] ?? 0) + 1;
      },
    };
  }

  private established(s: Session, n: Negotiated, localAddress: string, remoteAddress: string): void {
    const e = this.entryOf(s);
    e.ifname = e.cfg.interface ?? interfaceOf(localAddress);
    e.gr = grSession(e.cfg.gracefulRestart.enabled, true, n.gracefulRestart);
    // Back from a restart: stale routes left now wait for its End-of-RIB, at most the stale-path time.
    if (e.staleTimer) this.staleTimer(e, STALE_PATH_MS);
    e.backlog = 0;
    e.readPaused = false;
    // BFD starts with the first Established session (its addresses are the session's) and stays
    // for as long as the peer is configured with it, across BGP flaps; a later session over
    // other addresses moves it.
    if (e.cfg.bfd.enabled) void this.bfd.add(s.cfg.name, { localAddress, remoteAddress }, bfdSettings(e.cfg));
    e.log.info({ event: 'session.up', remote: remoteAddress, local: localAddress, asn: n.remoteAsn, holdTime: n.holdTime }, 'session established');
    this.engine.post({
      t: 'peer-up',
      info: {
        peer: s.cfg.name,
        session: s.sessionId,
        localAs: n.localAsn,
        peerAs: n.remoteAsn,
        ebgp: n.localAsn !== n.remoteAsn,
        routerId: s.cfg.fsm.local.bgpId,
        peerRouterId: n.remoteId,
        ctx: {
          as4: n.context.as4,
          extendedMessage: n.context.extendedMessage,
          addPathRx: [...n.context.addPathRx],
          addPathTx: [...n.context.addPathTx],
          ebgp: n.context.ebgp,
          families: [...n.context.families],
        },
        ...nextHopsFor(localAddress, os.networkInterfaces()),
        enhancedRouteRefresh: n.enhancedRouteRefresh,
        remoteAddress,
        // Read once per session: diff.ts makes a change of either restart the session.
        rrClient: e.cfg.routeReflectorClient,
        nextHopSelf: e.cfg.nextHopSelf,
        ...(n.gracefulRestart ? { gracefulRestart: { forwarding: e.gr?.forwarding ?? [] } } : {}),
      },
    });
  }

  /** (Re)starts the timer that ends a restarting peer's stale routes (`stale-expire`). */
  private staleTimer(e: PeerEntry, ms: number): void {
    clearTimeout(e.staleTimer);
    e.staleTimer = setTimeout(() => {
      e.staleTimer = undefined;
      this.engine.post({ t: 'stale-expire', peer: e.cfg.name });
    }, ms);
    e.staleTimer.unref();
  }

  private fromEngine(m: FromEngine): void {
    switch (m.t) {
      case 'send': {
        const e = this.peers.get(m.peer);
        if (e && e.session.sessionId === m.session) e.session.sendUpdates(m.msgs.map((b) => new Uint8Array(b)));
        return;
      }
      case 'ack': {
        const e = this.peers.get(m.peer);
        if (!e || e.session.sessionId !== m.session) return;
        e.backlog = Math.max(0, e.backlog - m.count);
        if (e.readPaused && e.backlog < BACKLOG_LOW) {
          e.readPaused = false;
          e.session.resumeReading();
        }
        return;
      }
      case 'reset': {
        const e = this.peers.get(m.peer);
        if (!e || e.session.sessionId !== m.session) return;
        e.session.updateError(m.error);
        if (m.holdDownMs !== undefined) this.holdDown(e, m.holdDownMs);
        return;
      }
      case 'log':
        this.log[m.level]({ ...m.fields, event: m.event }, m.event);
        return;
      case 'restart-complete':
        // RFC 4724 §4.1: the restart is over; later OPENs no longer carry the Restart State bit.
        this.restarting = false;
        for (const e of this.peers.values()) clearRestartBit(e.session);
        this.log.info({ event: 'gr.restart-complete', reason: m.reason }, `restart complete (${m.reason === 'deadline' ? 'deadline reached' : 'End-of-RIB from every peer'}): stale kernel routes swept`);
        return;
      default:
        return;
    }
  }

  // ---- control API ----

  async neighbors(peer?: string): Promise<unknown> {
    const stats = (await this.engine.query({ kind: 'stats' })) as { peers: { peer: string; received: number; advertised: number }[] };
    const counts = new Map(stats.peers.map((p) => [p.peer, p]));
    const list = [...this.peers.values()]
      .filter((e) => peer === undefined || e.cfg.name === peer || e.cfg.address === peer)
      .map((e) => this.neighborJson(e, counts.get(e.cfg.name)));
    if (peer !== undefined && list.length === 0) throw new Error(`no such peer: ${peer}`);
    return { neighbors: list };
  }

  private neighborJson(e: PeerEntry, c?: { received: number; advertised: number }): unknown {
    const s = e.session;
    const n = s.negotiated;
    const conn = s.connection;
    const up = s.state === 'Established';
    const guard = this.guards.failure(e.cfg.name);
    return {
      name: e.cfg.name,
      address: e.cfg.address,
      port: e.cfg.port,
      asn: e.cfg.asn,
      passive: e.cfg.passive,
      state: s.state,
      uptimeMs: up ? Date.now() - s.establishedAt : 0,
      flaps: e.flaps,
      ...(s.lastDown ? { lastError: describeDown(s.lastDown), lastDown: s.lastDown } : {}),
      // TCP-MD5 / TCP-AO, GTSM, multihop, interface; why the session is held down if it is.
      security: securityInfo(e.cfg),
      ...(guard ? { lastError: guard.message, protectionError: guard } : {}),
      ...(e.lastNotification ? { lastNotification: e.lastNotification } : {}),
      ...(conn ? { local: `${conn.localAddress}:${conn.localPort}`, remote: `${conn.remoteAddress}:${conn.remotePort}`, direction: conn.direction } : {}),
      ...(n && up
        ? {
            remoteAsn: n.remoteAsn,
            remoteRouterId: u32ToIpv4(n.remoteId),
            holdTime: n.holdTime,
            keepaliveTime: n.keepaliveTime,
            families: n.families.map((f) => (f.afi === 1 ? 'ipv4-unicast' : f.afi === 2 ? 'ipv6-unicast' : `${f.afi}/${f.safi}`)),
            capabilities: n.capabilities,
            ...(n.fqdn ? { remoteHostname: n.fqdn.hostname } : {}),
          }
        : {}),
      prefixes: { received: c?.received ?? 0, advertised: c?.advertised ?? 0 },
      ...(e.cfg.bfd.enabled
        ? { bfd: this.bfd.info(e.cfg.name) ?? { state: 'NotStarted', minRxMs: e.cfg.bfd.minRx, minTxMs: e.cfg.bfd.minTx, multiplier: e.cfg.bfd.multiplier } }
        : {}),
      messages: e.messages,
    };
  }

  routes(q: { peer?: string; prefix?: string; limit?: number }): Promise<unknown> {
    if (q.peer !== undefined && !this.peers.has(q.peer)) throw new Error(`no such peer: ${q.peer}`);
    return this.engine.query({ kind: 'routes', ...q });
  }

  status(version: string): unknown {
    const states: Record<string, number> = {};
    for (const e of this.peers.values()) states[e.session.state] = (states[e.session.state] ?? 0) + 1;
    return {
      version,
      pid: process.pid,
      uptimeMs: Date.now() - this.startedAt,
      routerId: this.cfg.node.routerId,
      asn: this.cfg.node.asn,
      peers: this.peers.size,
      sessions: states,
      originated: this.cfg.originate.map((o) => o.prefix),
      // RFC 4724: true from a start that found our routes in the kernel until every peer's End-of-RIB.
      restarting: this.restarting,
    };
  }

  /**
   * Operator actions on one peer (`rackroute peer PEER ACTION`): reset = Cease/Administrative
   * Reset (RFC 4486) and reconnect; disable = Cease/Administrative Shutdown with the operator's
   * RFC 9003 text, as a Hard Reset (RFC 8538: the peer must drop our routes), and stay down until
   * enable (not kept across a restart of the daemon); refresh = ROUTE-REFRESH (RFC 2918).
   */
  peerAction(name: string, action: string, message?: string): { peer: string; action: string; state: string } {
    const e = this.peers.get(name) ?? [...this.peers.values()].find((x) => x.cfg.address === name);
    if (!e) throw new Error(`no such peer: ${name}`);
    const s = e.session;
    switch (action) {
      case 'reset':
        s.stop(message ?? 'reset by the operator', CeaseSubcode.AdministrativeReset);
        setTimeout(() => {
          if (this.peers.get(e.cfg.name) === e) this.startPeer(e);
        }, 200).unref();
        break;
      case 'disable':
        e.disabled = true;
        s.stop(message ?? 'disabled by the operator', CeaseSubcode.AdministrativeShutdown, true);
        break;
      case 'enable':
        if (!e.disabled) throw new Error(`peer ${e.cfg.name} is not disabled`);
        e.disabled = false;
        this.startPeer(e);
        break;
      case 'refresh':
        if (!s.requestRefresh()) throw new Error(`peer ${e.cfg.name}: route refresh needs an Established session that negotiated it (state ${s.state})`);
        break;
      default:
        throw new Error(`unknown action ${action} (reset, disable, enable, refresh)`);
    }
    e.log.info({ event: `peer.${action}`, message }, `operator: ${action}`);
    return { peer: e.cfg.name, action, state: s.state };
  }

  /** RFC 4486 / RFC 9003: Cease/Administrative Shutdown with a reason to every peer, then stop. */
  async stop(message: string): Promise<void> {
    this.stopping = true;
    // RFC 8326: peers that will not keep our routes (no graceful restart) first get everything
    // again with GRACEFUL_SHUTDOWN, and `bgp.shutdownDrain` seconds to move traffic elsewhere.
    const drain = [...this.peers.values()].filter((e) => e.session.state === 'Established' && !e.gr).map((e) => e.cfg.name);
    if (drain.length > 0 && this.cfg.bgp.shutdownDrain > 0) {
      this.engine.post({ t: 'graceful-shutdown', peers: drain });
      this.log.info({ event: 'shutdown.drain', peers: drain, seconds: this.cfg.bgp.shutdownDrain }, `announcing GRACEFUL_SHUTDOWN to ${drain.join(', ')} for ${this.cfg.bgp.shutdownDrain} s`);
      await new Promise((r) => setTimeout(r, this.cfg.bgp.shutdownDrain * 1000));
    }
    // RFC 5880 §6.8.16 / RFC 5882 §3.2: BFD goes AdminDown (diagnostic 7) before BGP closes, so
    // peers do not take our BFD falling silent for a path failure: with graceful restart they keep
    // our routes, and BGP alone decides (rackrouted's BFD shares fate with it: C bit clear).
    this.bfd.shutdown();
    // RFC 8538 §3: with the N bit negotiated the Cease still lets the peer keep our routes while
    // we restart; without it a NOTIFICATION would end graceful restart (RFC 4724 §4), so a
    // graceful-restart peer without N just sees the connection close.
    for (const e of this.peers.values()) {
      if (!e.gr || e.gr.notification) e.session.stop(message, CeaseSubcode.AdministrativeShutdown);
      else e.session.destroy();
    }
    await this.listener?.close();
    // Give the NOTIFICATIONs a moment to leave before the sockets are destroyed.
    await new Promise((r) => setTimeout(r, 200));
    for (const e of this.peers.values()) e.session.destroy();
    await this.engine.stop();
    // With graceful restart configured our kernel routes stay for the next start to adopt.
    await this.fib?.stop(!this.cfg.peers.some((p) => p.gracefulRestart.enabled));
  }
}

/** The interface holding a local address, by name. */
function interfaceOf(address: string): string | undefined {
  for (const [name, list] of Object.entries(os.networkInterfaces())) if (list?.some((a) => a.address === address)) return name;
  return undefined;
}

/** This node's own interface addresses (policies never accept a route covering them). */
function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal)
    .map((a) => a.address);
}

/** The session's config with the peer's protected dialer, when it has one (daemon/net/). */
function withDialer(c: SessionConfig, dialer: SessionConfig['dialer']): SessionConfig {
  return dialer ? { ...c, dialer } : c;
}

function canonical(addr: string): string {
  const b = parseIp(addr);
  return b ? ipToString(b) : addr;
}

/** The node for the route engine; RFC 4456 §7: CLUSTER_ID is the router id unless configured. */
function localInfo(cfg: Config): LocalInfo {
  const b = cfg.bgp;
  const local: LocalInfo = {
    asn: cfg.node.asn, routerId: ipv4ToU32(cfg.node.routerId) ?? 0,
    maxPaths: b.maxPaths, multipathRelax: b.multipathRelax, alwaysCompareMed: b.alwaysCompareMed, missingMedWorst: b.missingMedWorst,
  };
  const clusterId = cfg.node.clusterId === undefined ? null : ipv4ToU32(cfg.node.clusterId);
  return clusterId === null ? local : { ...local, clusterId };
}

function originated(cfg: Config): OriginatedPrefix[] {
  return cfg.originate.map((o) => ({ prefix: o.prefix, communities: o.communities, largeCommunities: o.largeCommunities }));
}

/** One line for logs and `rackroute neighbors`: why the session went down. */
export function describeDown(r: DownReason): string {
  switch (r.kind) {
    case 'hold-timer-expired':
      return 'hold timer expired';
    case 'notification-received':
      return `received NOTIFICATION ${r.code}/${r.subcode} (${r.text})${r.shutdownMessage ? `: "${r.shutdownMessage}"` : ''}`;
    case 'notification-sent':
      return `sent NOTIFICATION ${r.code}/${r.subcode} (${r.text})`;
    case 'connection-failed':
      return 'connection failed or closed by the peer';
    case 'admin-stop':
      return `stopped by the operator (Cease ${r.subcode})${r.message ? `: "${r.message}"` : ''}`;
    case 'auto-stop':
      return `stopped by rackrouted (Cease ${r.subcode})`;
    case 'collision':
      return 'connection collision: the other connection was kept';
    case 'fsm-error':
      return `unexpected ${r.event} (FSM error 5/${r.subcode})`;
  }
}

/** The Restart State bit lives in the session's OPEN template (peer-config.ts): clear it there. */
function clearRestartBit(s: Session): void {
  const gr = s.cfg.fsm.local.gracefulRestart as { restarting: boolean } | undefined;
  if (gr) gr.restarting = false;
}
