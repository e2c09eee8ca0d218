/**
 * IP address and prefix text <-> bytes for the kernel FIB modules: canonical text forms (IPv4
 * dotted quad, IPv6 per RFC 5952) so that a prefix from the RIB and the same prefix read back
 * from the kernel compare equal as strings.
 *
 * Input: address/prefix text or 4/16 raw bytes. Output: bytes or canonical text.
 * Pure: no I/O, no clock; never throws on bad text (returns null).
 */

export type Family = 4 | 6;

export interface ParsedPrefix {
  family: Family;
  /** Network address with host bits cleared (4 or 16 bytes). */
  addr: Uint8Array;
  len: number;
}

/** Parses IPv4 or IPv6 text (no zone id) to 4 or 16 bytes; null when malformed. */
export function parseIp(text: string): Uint8Array | null {
  return text.includes(':') ? parseIp6(text) : parseIp4(text);
}

function parseIp4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

function parseIp6(text: string): Uint8Array | null {
  let t = text;
  let tail: Uint8Array | null = null;
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    tail = parseIp4(t.slice(lastColon + 1));
    if (tail === null) return null;
    t = `${t.slice(0, lastColon + 1)}0:0`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

/** Canonical text for 4 or 16 bytes (RFC 5952 §4 for IPv6: lower case, longest zero run as ::). */
export function formatIp(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[2 * i]! << 8) | b[2 * i + 1]!);
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

/** Parses "addr/len" (host bits are cleared); null when malformed. */
export function parsePrefix(text: string): ParsedPrefix | null {
  const slash = text.indexOf('/');
  const addr = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (addr === null) return null;
  const max = addr.length * 8;
  const lenText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) return null;
  const len = Number(lenText);
  if (len > max) return null;
  for (let bit = len; bit < max; bit++) addr[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return { family: addr.length === 4 ? 4 : 6, addr, len };
}

/** Canonical "addr/len" text, or null when malformed. */
export function canonicalPrefix(text: string): string | null {
  const p = parsePrefix(text);
  return p === null ? null : `${formatIp(p.addr)}/${p.len}`;
}

/** Canonical address text, or null when malformed. */
export function canonicalIp(text: string): string | null {
  const b = parseIp(text);
  return b === null ? null : formatIp(b);
}
