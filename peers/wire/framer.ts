/**
 * Framer: cuts a TCP byte stream into whole BGP messages (RFC 4271 §4.1). Input: chunks from
 * the session's socket, in order; output: one frame (header included) per next(), each in its
 * own ArrayBuffer so the session may keep it or transfer it to the route-engine worker.
 * The header is checked as soon as its 19 bytes are there, so a bad length is rejected without
 * waiting for (or buffering) the body it announces. After a header error the framer is dead.
 * Each byte is copied once into its output frame (plus 19 bytes when a header straddles chunks):
 * no quadratic re-concatenation. Frames are plain Uint8Arrays even when the chunks are Buffers.
 * Pure: no I/O, no clock; never throws on stream content.
 */
import { HEADER_LEN, MAX_MSG_LEN } from './constants.js';
import type { Decoded, WireError } from './errors.js';
import { fail, ok } from './errors.js';
import { decodeHeader, decodeHeaderAt } from './header.js';
import type { Header } from './header.js';

/** Below this many bytes a plain loop beats creating a subarray for `set`. */
const SMALL_COPY = 32;

export class Framer {
  /** Chunks not yet fully consumed; chunks[0] is read from headOffset. */
  private chunks: Uint8Array[] = [];
  private headIndex = 0;
  private headOffset = 0;
  private held = 0;
  /** Length of the message at the front, once its header passed; -1 before. */
  private pendingLen = -1;
  private failure: WireError | null = null;
  private limit: number;

  constructor(maxLen = MAX_MSG_LEN) {
    this.limit = maxLen;
  }

  /** Largest acceptable message: 4096, or 65535 after RFC 8654 Extended Message. */
  get maxLen(): number {
    return this.limit;
  }

  set maxLen(v: number) {
    this.limit = v;
    // The front header (if already read) is checked again against the new limit.
    this.pendingLen = -1;
  }

  /** Bytes held (received, not yet returned as frames), for the session's memory bound. */
  get buffered(): number {
    return this.held;
  }

  /** The header error that killed the framer, or null while it is alive. */
  get error(): WireError | null {
    return this.failure;
  }

  /**
   * Append a chunk. The framer keeps a reference (no copy): the caller must not modify the
   * chunk afterwards. Ignored once the framer is dead.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
  }

  /** The next whole message as its own copy; null if incomplete; the header error if bad. */
  next(): Decoded<Uint8Array> | null {
    if (this.failure !== null) return fail(this.failure);
    if (this.pendingLen < 0) {
      if (this.held < HEADER_LEN) return null;
      const h = this.checkHeader();
      if (!h.ok) return this.die(h.error);
      this.pendingLen = h.value.length;
    }
    if (this.held < this.pendingLen) return null;
    const frame = this.take(this.pendingLen);
    this.pendingLen = -1;
    return ok(frame);
  }

  private die(error: WireError): Decoded<Uint8Array> {
    this.failure = error;
    this.chunks = [];
    this.headIndex = 0;
    this.headOffset = 0;
    this.held = 0;
    return fail(error);
  }

  /** Check the header at the front (≥ 19 bytes held), in place when it sits in one chunk. */
  private checkHeader(): Decoded<Header> {
    const head = this.chunks[this.headIndex];
    if (head !== undefined && head.length - this.headOffset >= HEADER_LEN) {
      return decodeHeaderAt(head, this.headOffset, this.limit);
    }
    return decodeHeader(this.copyOut(HEADER_LEN, false), this.limit);
  }

  /** Consume the first n held bytes (n ≤ held) into a fresh buffer. */
  private take(n: number): Uint8Array {
    const head = this.chunks[this.headIndex];
    if (head !== undefined && head.length - this.headOffset >= n) {
      // Not head.slice(): on a Node Buffer (socket chunks) that is a view, not a copy.
      const out = new Uint8Array(head.subarray(this.headOffset, this.headOffset + n));
      const end = this.headOffset + n;
      if (end === head.length) this.advance(this.headIndex + 1, 0, n);
      else this.advance(this.headIndex, end, n);
      return out;
    }
    return this.copyOut(n, true);
  }

  private copyOut(n: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(n);
    let filled = 0;
    let index = this.headIndex;
    let offset = this.headOffset;
    while (filled < n) {
      const chunk = this.chunks[index];
      if (chunk === undefined) break;
      const count = Math.min(n - filled, chunk.length - offset);
      if (count > SMALL_COPY) {
        out.set(chunk.subarray(offset, offset + count), filled);
      } else {
        for (let k = 0; k < count; k++) out[filled + k] = chunk[offset + k] ?? 0;
      }
      filled += count;
      offset += count;
      if (offset === chunk.length) {
        index += 1;
        offset = 0;
      }
    }
    if (consume) this.advance(index, offset, n);
    return out;
  }

  private advance(index: number, offset: number, n: number): void {
    this.headIndex = index;
    this.headOffset = offset;
    this.held -= n;
    // Drop consumed chunk references in bulk, so the array shift stays amortised O(1).
    if (this.headIndex === this.chunks.length) {
      this.chunks = [];
      this.headIndex = 0;
    } else if (this.headIndex > 64 && this.headIndex * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.headIndex);
      this.headIndex = 0;
    }
  }
}
