/**
 * Annotated hex for golden test vectors. `hex` takes a template string such as
 *
 *   hex`ffffffff ffffffff ffffffff ffffffff  # marker
 *        0013 04                             # length 19, KEEPALIVE`
 *
 * and returns the bytes: everything from `#` to the end of a line is a comment, whitespace,
 * `|`, `_`, `:` and `.` are separators. Throws on anything else (a typo must fail the test).
 * Test-only helper: no I/O.
 */

/** Bytes of an annotated hex string; usable as a plain function or as a template tag. */
export function hex(strings: TemplateStringsArray | string, ...values: unknown[]): Uint8Array {
  const text = typeof strings === 'string' ? strings : String.raw({ raw: strings }, ...values);
  const digits = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .join('')
    .replace(/[\s|_:.]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error(`hex: invalid characters in ${JSON.stringify(digits)}`);
  if (digits.length % 2 !== 0) throw new Error(`hex: odd number of digits (${digits.length})`);
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lower-case hex of bytes, for assertion messages and building expectations. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Concatenate byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The 16-byte all-ones marker as hex, to splice into vectors: hex`${MARKER} 0013 04`. */
export const MARKER = 'ffffffffffffffffffffffffffffffff';
