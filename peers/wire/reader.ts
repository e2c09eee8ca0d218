/**
 * ByteReader: the only way the codec reads wire bytes. Every read is bounds-checked; a short
 * read returns 0 / an empty view and sets `failed` instead of throwing (see
 * research/reliability.md §1.4: Buffer reads throw RangeError, indexing returns undefined).
 * Pure: no I/O.
 */
export class ByteReader {
  private readonly view: DataView;
  private pos: number;
  private readonly end: number;
  /** Set by the first read past the end; stays set. */
  failed = false;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
    end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = Math.max(0, Math.min(start, bytes.length));
    this.end = Math.max(this.pos, Math.min(end, bytes.length));
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private take(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      this.failed = true;
      this.pos = this.end;
      return -1;
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.view.getUint8(at);
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.view.getUint16(at);
  }

  u32(): number {
    const at = this.take(4);
    return at < 0 ? 0 : this.view.getUint32(at);
  }

  /** A view (no copy) of the next n bytes; empty and `failed` if fewer remain. */
  bytesView(n: number): Uint8Array {
    const at = this.take(n);
    return at < 0 ? new Uint8Array(0) : this.bytes.subarray(at, at + n);
  }

  /** A sub-reader over the next n bytes; the parent skips them. */
  sub(n: number): ByteReader {
    const at = this.take(n);
    return at < 0 ? failedReader() : new ByteReader(this.bytes, at, at + n);
  }

  skip(n: number): void {
    this.take(n);
  }

  rest(): Uint8Array {
    return this.bytesView(this.remaining);
  }
}

function failedReader(): ByteReader {
  const r = new ByteReader(new Uint8Array(0));
  r.failed = true;
  return r;
}
