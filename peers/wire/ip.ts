/**
 * IP address text <-> bytes for the edges (config, CLI, logs, tests). Not used on the decode
 * hot path. Pure: no I/O; never throws (parse returns null).
 */

/** Formats 4 bytes as a dotted quad or 16 bytes as RFC 5952 IPv6 text. */
export function ipToString(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  return b.length === 16 ? formatIpv6(b) : `<${b.length} bytes>`;
}

/**
 * RFC 5952 §4: lower case, no leading zeros, longest run (>= 2 groups) of zeros as `::`;
 * §5: IPv4-mapped addresses end in a dotted quad.
 */
export function formatIpv6(bytes: Uint8Array): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${Array.from(bytes.subarray(12)).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * text[start, end) as a dotted quad, to an unsigned 32-bit value; -1 when it is not exactly four
 * decimal octets. Leading zeros are refused (octal ambiguity). No allocation: the FIB's hot path
 * canonicalizes route keys with it.
 */
export function ipv4TextToU32(text: string, start = 0, end = text.length): number {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const first = i;
    let n = 0;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      n = n * 10 + (c - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || n > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return -1;
    value = value * 256 + n;
    octets++;
    if (octets < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) return -1;
      i++;
    }
  }
  return i === end ? value : -1;
}

/** Dotted quad with exactly four decimal octets; leading zeros are refused (octal ambiguity). */
export function parseIpv4(text: string): Uint8Array | null {
  const v = ipv4TextToU32(text);
  if (v < 0) return null;
  return new Uint8Array([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]);
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

/** RFC 4291 §2.2 text forms 1-3 (full, `::` compressed, trailing dotted quad). No zone ids. */
export function parseIpv6(text: string): Uint8Array | null {
  let body = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (!v4) return null;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return null;
  const present = head.length + rest.length + tail.length;
  if (halves.length === 2 ? present > 7 : present !== 8) return null;
  const groups = [...head, ...new Array<number>(8 - present).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses either family, or null. */
export function parseIp(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

/** u32 <-> dotted quad, for router ids and ORIGINATOR_ID / CLUSTER_LIST values. */
export function u32ToIpv4(v: number): string {
  return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

export function ipv4ToU32(text: string): number | null {
  const b = parseIpv4(text);
  return b ? (((b[0] ?? 0) << 24) | ((b[1] ?? 0) << 16) | ((b[2] ?? 0) << 8) | (b[3] ?? 0)) >>> 0 : null;
}

/** True for fe80::/10. */
export function isIpv6LinkLocal(b: Uint8Array): boolean {
  return b.length === 16 && b[0] === 0xfe && ((b[1] ?? 0) & 0xc0) === 0x80;
}
