/**
 * Session protection for every configured peer, as the speaker (daemon/speaker.ts) uses it:
 * reads each guarded peer's key (config/load.ts), tries all its socket options once before the
 * session starts (guard.ts preflight), hands its session a dialer that sets them before the SYN,
 * keeps the listening sockets' keys and TTL options in step (ListenerGuard), and decides whether
 * an accepted connection may go to its session. A peer whose protection cannot be put in place
 * is reported once (`report`: log, metric, session held in Idle) and its connections refused:
 * it never runs unauthenticated or without GTSM.
 * Input: PeerConfigs, listening descriptors, accepted sockets. Output: sockets and verdicts.
 * Edge: owns no sockets of its own beyond the throwaway preflight ones.
 */
import type net from 'node:net';
import type { PeerConfig } from '../../config/schema.js';
import { readPeerAoKey, readPeerPassword } from '../../config/load.js';
import { dial, guardAccepted, ListenerGuard, preflight, type DialTarget } from './guard.js';
import { needsGuard, protectionOf, sameProtection, type GuardFailure, type Protection } from './protection.js';

interface GuardState {
  readonly cfg: PeerConfig;
  protection: Protection | null;
  failure: GuardFailure | null;
  /**
   * Inbound connections may go to the session: its key is on every listening socket and one full
   * poll phase has passed since (anything accepted meanwhile may have shaken hands before it).
   */
  ready: boolean;
}

/** An outbound socket with the peer's protection in place, or null (the failure was reported). */
export type Dialer = (target: DialTarget) => net.Socket | null;

/**
 * Resolves after the event loop has run one full poll phase: connections whose handshake ended
 * before now sit in the accept queue, and that poll phase accepts all of them.
 */
function pollTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

export class PeerGuards {
  private readonly state = new Map<string, GuardState>();
  private readonly listener = new ListenerGuard();
  private syncing: Promise<void> = Promise.resolve();

  constructor(
    /** A peer's protection failed: log it, count it, hold its session down. */
    private readonly report: (peer: string, f: GuardFailure) => void,
    private readonly warn: (message: string) => void,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Reads the peer's key and tries every option once. null: nothing to guard, or ready to start. */
  async prepare(cfg: PeerConfig): Promise<GuardFailure | null> {
    if (!needsGuard(cfg)) {
      this.state.delete(cfg.name);
      return null;
    }
    const st: GuardState = { cfg, protection: null, failure: null, ready: false };
    this.state.set(cfg.name, st);
    const r = await this.protect(cfg);
    if (this.state.get(cfg.name) !== st) return r.ok ? null : r.failure; // replaced meanwhile (reload)
    const failure = r.ok ? preflight(r.protection) : r.failure;
    if (failure) this.fail(st, failure);
    else {
      st.protection = r.ok ? r.protection : null;
      // Without a key or GTSM nothing on the listener decides whether a connection may come in.
      st.ready = st.protection?.auth.kind === 'none' && !st.protection.gtsm;
    }
    return failure;
  }

  private async protect(cfg: PeerConfig): Promise<{ ok: true; protection: Protection } | { ok: false; failure: GuardFailure }> {
    const keyed = cfg.tcpAo !== undefined || cfg.passwordFile !== undefined || cfg.passwordEnv !== undefined;
    const key = cfg.tcpAo ? await readPeerAoKey(cfg, this.env) : keyed ? await readPeerPassword(cfg, this.env) : { ok: true as const, secret: undefined };
    if (!key.ok) return { ok: false, failure: { reason: 'key', message: `${cfg.tcpAo ? 'TCP-AO' : 'TCP-MD5'} key: ${key.message}` } };
    return protectionOf(cfg, key.secret);
  }

  private fail(st: GuardState, f: GuardFailure): void {
    const first = st.failure === null;
    st.failure = f;
    st.protection = null;
    st.ready = false;
    if (first && this.state.get(st.cfg.name) === st) this.report(st.cfg.name, f);
  }

  /** The peer left the configuration (or is about to be prepared anew): its keys go at the next sync. */
  forget(name: string): void {
    this.state.delete(name);
  }

  failure(name: string): GuardFailure | null {
    return this.state.get(name)?.failure ?? null;
  }

  /** For the peer's Session: dials with its protection; undefined for a peer that needs none. */
  dialer(cfg: PeerConfig): Dialer | undefined {
    if (!needsGuard(cfg)) return undefined;
    return (target) => {
      const st = this.state.get(cfg.name);
      if (!st?.protection) return null;
      const r = dial(st.protection, target);
      if (r.ok) return r.socket;
      this.fail(st, r.failure);
      return null;
    };
  }

  /**
   * Keys, TTL and the GTSM filter on the listening sockets for the current peers; resolves once
   * the peers whose keys (or filter entries) were just installed can take inbound connections.
   */
  syncListener(fds: readonly number[]): Promise<void> {
    // One at a time: a reload and a `peer reset` may both ask; each sees the state it finds.
    const run = this.syncing.then(() => this.syncNow(fds));
    this.syncing = run.catch(() => undefined);
    return run;
  }

  private async syncNow(fds: readonly number[]): Promise<void> {
    const keyed = [...this.state.values()].flatMap((s) => (s.protection ? [{ name: s.cfg.name, p: s.protection }] : []));
    const r = await this.listener.sync(fds, keyed);
    for (const w of r.warnings) this.warn(w);
    for (const [name, f] of r.failed) {
      const st = this.state.get(name);
      // Only the state this sync worked for (a reload may have prepared the peer anew meanwhile).
      if (st && st.protection === keyed.find((k) => k.name === name)?.p) this.fail(st, f);
    }
    const waiting = [...this.state.values()].filter((s) => s.protection && (!s.ready || r.installed.has(s.cfg.name)));
    for (const s of waiting) s.ready = false;
    if (waiting.length === 0) return;
    await pollTurn();
    for (const s of waiting) if (s.protection && this.state.get(s.cfg.name) === s) s.ready = true;
  }

  /**
   * An accepted connection from `cfg`'s address (`family` as on the wire): may it go to the
   * session? Sets the peer's per-connection options on it first.
   */
  admit(cfg: PeerConfig, sock: net.Socket, family: 4 | 6): boolean {
    const st = this.state.get(cfg.name);
    if (!st) {
      if (needsGuard(cfg)) return false; // not prepared yet
      const f = guardAccepted(sock, family, null, this.listener.ttlRaised);
      if (f) this.warn(`${cfg.name}: ${f.message}`);
      return true;
    }
    if (!st.protection || !st.ready) return false;
    const f = guardAccepted(sock, family, st.protection, this.listener.ttlRaised);
    if (!f) return true;
    this.fail(st, f);
    return false;
  }

  /**
   * For a reload: kept peers whose key now reads differently (a rotated key file: 'key'), or
   * whose protection had failed ('retry': the operator may have fixed it); both need a new
   * session. The current state is not touched.
   */
  async changed(peers: readonly PeerConfig[]): Promise<Map<string, 'key' | 'retry'>> {
    const out = new Map<string, 'key' | 'retry'>();
    for (const cfg of peers) {
      const st = this.state.get(cfg.name);
      if (!st || !needsGuard(cfg)) continue;
      if (st.failure) {
        out.set(cfg.name, 'retry');
        continue;
      }
      const r = await this.protect(cfg);
      if (!r.ok || !st.protection || !sameProtection(r.protection, st.protection)) out.set(cfg.name, 'key');
    }
    return out;
  }
}
