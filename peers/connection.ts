/**
 * One TCP connection to a peer: frames the byte stream (peers/wire/framer.ts), decodes every
 * message except UPDATE (whose body goes to the route engine undecoded), writes encoded
 * messages, and reports write back-pressure. Edge: owns a net.Socket; knows nothing of the FSM.
 */
import type net from 'node:net';
import { Framer } from './wire/framer.js';
import { decodeMessage } from './wire/index.js';
import { DEFAULT_CONTEXT, type CodecContext } from './wire/context.js';
import type { WireError } from './wire/errors.js';
import type { BgpMessage } from './wire/types.js';
import { HEADER_LEN, MAX_EXT_MSG_LEN, MsgType } from './wire/constants.js';
import type { ConnDirection } from './collision.js';

export interface ConnectionEvents {
  /** A decoded non-UPDATE message. */
  message(m: BgpMessage): void;
  /** An UPDATE body: a view past the 19-byte header of a frame that owns its ArrayBuffer (transferable). */
  update(body: Uint8Array): void;
  /** A header or message error: the FSM sends its NOTIFICATION. */
  error(e: WireError, msgType: number): void;
  /** The socket closed or failed. */
  closed(err?: Error): void;
  /** The socket's write buffer drained below the low-water mark. */
  drained(): void;
}

export class Connection {
  private readonly framer = new Framer();
  private ctx: CodecContext = DEFAULT_CONTEXT;
  private dead = false;
  private corked = false;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;

  constructor(
    readonly socket: net.Socket,
    readonly direction: ConnDirection,
    private readonly events: ConnectionEvents,
  ) {
    this.remoteAddress = unmapV4(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = unmapV4(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.events.drained());
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail());
  }

  /** After OPEN negotiation: RFC 8654 raises the frame limit; the context drives decoding. */
  setContext(ctx: CodecContext): void {
    this.ctx = ctx;
    this.framer.maxLen = ctx.extendedMessage ? MAX_EXT_MSG_LEN : this.framer.maxLen;
  }

  private onData(chunk: Buffer): void {
    if (this.dead) return;
    this.framer.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    for (;;) {
      const r = this.framer.next();
      if (r === null) return;
      if (!r.ok) {
        this.events.error(r.error, 0);
        return;
      }
      const frame = r.value;
      if (frame[18] === MsgType.Update) {
        this.events.update(frame.subarray(HEADER_LEN));
      } else {
        const d = decodeMessage(frame, this.ctx);
        if (d.ok) this.events.message(d.value);
        else this.events.error(d.error, frame[18] ?? 0);
      }
      if (this.dead) return;
    }
  }

  /**
   * Queues a message. Writes made in one turn of the event loop leave in one writev (cork until
   * the turn ends): the route engine hands over a burst of UPDATEs as many small batches, and
   * one syscall per message cost more than the messages themselves.
   */
  send(bytes: Uint8Array): void {
    if (this.dead) return;
    // Only an idle socket is corked: behind a backlog, writes queue without syscalls anyway.
    if (!this.corked && this.socket.writableLength === 0) {
      this.corked = true;
      this.socket.cork();
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(bytes);
  }

  /** Bytes accepted by send() and not yet handed to the kernel. */
  get queued(): number {
    return this.socket.writableLength;
  }

  get framerBuffered(): number {
    return this.framer.buffered;
  }

  /** Flushes what was written (e.g. a NOTIFICATION), then closes; destroys after a grace period. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    this.socket.end();
    const t = setTimeout(() => this.socket.destroy(), 2000);
    t.unref();
    this.socket.once('close', () => clearTimeout(t));
  }

  destroy(): void {
    this.dead = true;
    this.socket.destroy();
  }

  private fail(err?: Error): void {
    const was = this.dead;
    this.dead = true;
    this.socket.destroy();
    if (!was) this.events.closed(err);
  }
}

/** "::ffff:10.0.0.1" (dual-stack listener) -> "10.0.0.1". */
export function unmapV4(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}
