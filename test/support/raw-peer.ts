/**
 * A minimal scripted BGP speaker for tests: one TCP connection (from a chosen local address),
 * an OPEN built with the project codec (peers/negotiate.ts buildOpen, capabilities chosen by the
 * test) or raw OPEN bytes, the KEEPALIVE handshake, raw byte injection (whole or in segments),
 * and a log of every message the other side sent, decoded with the project codec (Framer +
 * decodeMessage). Used by the live bad-input injector (test/support/inject-run.ts).
 *
 * Input: a host/port to connect to and what to send. Output: received messages, the NOTIFICATION
 * (if any), whether/when the connection closed. Must not: connect anywhere but the address it is
 * given (tests give lab-namespace addresses only), or keep timers alive after close().
 */
import net from 'node:net';
import { Framer, decodeMessage, encodeMessage } from '../../peers/wire/index.js';
import { negotiate, type Negotiated } from '../../peers/negotiate.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../peers/wire/context.js';
import { MAX_EXT_MSG_LEN } from '../../peers/wire/constants.js';
import type { BgpMessage, NotificationMsg, OpenMsg } from '../../peers/wire/types.js';

export interface Received {
  /** Message type from the header (byte 18). */
  readonly type: number;
  /** Decoded message, or undefined when our decoder refused it (see `error`). */
  readonly msg?: BgpMessage;
  readonly error?: string;
  readonly raw: Uint8Array;
  /** ms since connect. */
  readonly at: number;
}

export type HandshakeResult =
  | { readonly kind: 'established' | 'openconfirm'; readonly negotiated: Negotiated; readonly remoteOpen: OpenMsg }
  /** Refused: the NOTIFICATION the other side sent (if any) and whether it closed. */
  | { readonly kind: 'refused'; readonly notification?: NotificationMsg; readonly closed: boolean; readonly stage: string };

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export class RawPeer {
  readonly received: Received[] = [];
  private readonly framer = new Framer(MAX_EXT_MSG_LEN);
  private ctx: CodecContext = DEFAULT_CONTEXT;
  private closedFlag = false;
  private readonly t0 = Date.now();
  private waiters: (() => void)[] = [];
  private keepaliveTimer: NodeJS.Timeout | null = null;
  /** Socket errors seen (EPIPE/ECONNRESET after the other side closed are expected in tests). */
  readonly socketErrors: string[] = [];
  closedAt: number | null = null;

  private constructor(private readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (e) => this.socketErrors.push(e.message));
    sock.on('close', () => {
      this.closedFlag = true;
      this.closedAt = Date.now() - this.t0;
      this.stopKeepalives();
      this.wake();
    });
  }

  /** Connects from `localAddress` (optional) to host:port; rejects on failure or after timeoutMs. */
  static connect(opts: { host: string; port: number; localAddress?: string; timeoutMs?: number }): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: opts.host, port: opts.port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error(`connect to ${opts.host}:${opts.port} timed out`));
      }, opts.timeoutMs ?? 5000);
      sock.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      sock.once('connect', () => {
        clearTimeout(timer);
        sock.removeAllListeners('error');
        resolve(new RawPeer(sock));
      });
    });
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** The context incoming messages are decoded with (DEFAULT until the handshake negotiated one). */
  get context(): CodecContext {
    return this.ctx;
  }

  private onData(chunk: Buffer): void {
    this.framer.push(new Uint8Array(chunk));
    for (;;) {
      const f = this.framer.next();
      if (f === null) break;
      if (!f.ok) {
        this.received.push({ type: -1, error: `framing: ${f.error.reason}`, raw: new Uint8Array(0), at: this.elapsed() });
        break;
      }
      const d = decodeMessage(f.value, this.ctx);
      const type = f.value[18] ?? -1;
      this.received.push(d.ok ? { type, msg: d.value, raw: f.value, at: this.elapsed() } : { type, error: d.error.reason, raw: f.value, at: this.elapsed() });
    }
    this.wake();
  }

  private elapsed(): number {
    return Date.now() - this.t0;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /**
   * Resolves with the first received message (at index >= from) that satisfies pred, or null
   * when the connection closes or timeoutMs passes first.
   */
  async waitFor(pred: (r: Received) => boolean, timeoutMs: number, from = 0): Promise<Received | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.received.slice(from).find(pred);
      if (hit) return hit;
      if (this.closedFlag || Date.now() >= deadline) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Resolves true once the connection is closed, false if still open after timeoutMs. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closedFlag && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.closedFlag;
  }

  /** The first NOTIFICATION received, if any. */
  notification(): NotificationMsg | undefined {
    for (const r of this.received) if (r.msg?.type === 3) return r.msg;
    return undefined;
  }

  /** Sends bytes as one write. Silently ignored once closed (the write error is recorded). */
  send(bytes: Uint8Array): void {
    if (!this.closedFlag) this.sock.write(bytes);
  }

  sendMessage(m: BgpMessage, ctx: CodecContext = this.ctx): void {
    this.send(encodeMessage(m, ctx));
  }

  /** Sends each segment as its own write, `gapMs` apart, so the receiver sees them separately. */
  async sendSegments(segments: readonly Uint8Array[], gapMs = 1): Promise<void> {
    for (const s of segments) {
      if (this.closedFlag) return;
      await new Promise<void>((resolve) => this.sock.write(s, () => resolve()));
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /**
   * Passive-side handshake as the initiator of the TCP connection: wait for the other side's
   * OPEN, send ours (an OpenMsg, or raw bytes for malformed-OPEN tests), wait for its KEEPALIVE,
   * send ours. `ours.open` is what negotiation assumes we sent (decoded raw bytes for raw OPENs).
   * With `stopInOpenConfirm` our KEEPALIVE is not sent: the other side stays in OpenConfirm.
   */
  async handshake(ours: { open: OpenMsg; raw?: Uint8Array }, opts: { timeoutMs?: number; stopInOpenConfirm?: boolean } = {}): Promise<HandshakeResult> {
    const timeoutMs = opts.timeoutMs ?? 5000;
    const theirOpen = await this.waitFor((r) => r.type === 1 || r.type === 3, timeoutMs);
    if (!theirOpen || theirOpen.msg?.type !== 1) return this.refused('waiting for OPEN');
    this.send(ours.raw ?? encodeMessage(ours.open, DEFAULT_CONTEXT));
    const ka = await this.waitFor((r) => r.type === 4 || r.type === 3, timeoutMs);
    if (!ka || ka.type !== 4) return this.refused('waiting for KEEPALIVE');
    const negotiated = negotiate(ours.open, theirOpen.msg);
    this.ctx = negotiated.context;
    if (opts.stopInOpenConfirm) return { kind: 'openconfirm', negotiated, remoteOpen: theirOpen.msg };
    this.sendMessage({ type: 4 });
    this.startKeepalives(negotiated.keepaliveTime);
    return { kind: 'established', negotiated, remoteOpen: theirOpen.msg };
  }

  private async refused(stage: string): Promise<HandshakeResult> {
    // A NOTIFICATION is followed by the close; give it a moment to arrive.
    await this.waitClosed(2000);
    const n = this.notification();
    return { kind: 'refused', closed: this.closedFlag, stage, ...(n ? { notification: n } : {}) };
  }

  /** RFC 4271 §4.4: KEEPALIVE every `seconds` (0 = hold time 0, none). */
  startKeepalives(seconds: number): void {
    this.stopKeepalives();
    if (seconds <= 0) return;
    this.keepaliveTimer = setInterval(() => this.sendMessage({ type: 4 }), seconds * 1000);
    this.keepaliveTimer.unref();
  }

  private stopKeepalives(): void {
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  /** Ends the connection (FIN) and resolves when it is closed (destroyed after graceMs). */
  async close(graceMs = 1000): Promise<void> {
    this.stopKeepalives();
    if (this.closedFlag) return;
    this.sock.end();
    if (!(await this.waitClosed(graceMs))) this.sock.destroy();
    await this.waitClosed(graceMs);
  }

  /** Compact description of what was received, for reports. */
  summary(): string[] {
    return this.received.map((r) => {
      if (r.msg?.type === 3) return `NOTIFICATION ${r.msg.code}/${r.msg.subcode} data=${hex(r.msg.data)}`;
      return r.error ? `type ${r.type} undecodable: ${r.error}` : `type ${r.type}`;
    });
  }
}
