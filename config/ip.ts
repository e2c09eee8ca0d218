/**
 * IP address and CIDR text handling for the config: strict parsing of IPv4 dotted quads and
 * IPv6 text (RFC 4291 §2.2), canonical output (RFC 5952 §4) and prefix arithmetic (host bits,
 * overlap). Input: strings from the config file. Output: canonical strings and byte arrays for
 * parse.ts / validate.ts. Pure: no I/O; never throws.
 */

export type IpFamily = 4 | 6;

export interface IpAddr {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

export interface Cidr extends IpAddr {
  readonly len: number;
}

/** Dotted quad with exactly four decimal octets; leading zeros are refused (octal ambiguity). */
export function parseIPv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

/** RFC 4291 §2.2 text forms 1-3 (full, `::` compressed, trailing dotted quad). No zone ids. */
export function parseIPv6(text: string): Uint8Array | undefined {
  let body = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = parseIPv4(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = [((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0)];
    body = text.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (!head || !rest) return undefined;
  const present = head.length + rest.length + tail.length;
  if (halves.length === 2 ? present > 7 : present !== 8) return undefined;
  const groups = [...head, ...new Array<number>(8 - present).fill(0), ...rest, ...tail];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function parseIp(text: string): IpAddr | undefined {
  if (text.includes(':')) {
    const bytes = parseIPv6(text);
    return bytes && { family: 6, bytes };
  }
  const bytes = parseIPv4(text);
  return bytes && { family: 4, bytes };
}

/**
 * RFC 5952 §4: lower case, no leading zeros, longest run (>= 2 groups) of zeros as `::`;
 * §5: IPv4-mapped addresses end in a dotted quad.
 */
export function formatIPv6(bytes: Uint8Array): string {
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

export function formatIp(addr: IpAddr): string {
  return addr.family === 4 ? Array.from(addr.bytes).join('.') : formatIPv6(addr.bytes);
}

/** Canonical text of an address, or undefined when it is not an IP address. */
export function canonicalIp(text: string): string | undefined {
  const addr = parseIp(text);
  return addr && formatIp(addr);
}

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: 'syntax' | 'length' | 'host-bits' };

/** `addr/len` with the length in range for the family and all host bits zero. */
export function parseCidr(text: string): CidrResult {
  const m = /^([^/]+)\/(0|[1-9][0-9]{0,2})$/.exec(text);
  const addr = m && parseIp(m[1] ?? '');
  if (!m || !addr) return { ok: false, reason: 'syntax' };
  const len = Number(m[2]);
  if (len > addr.bytes.length * 8) return { ok: false, reason: 'length' };
  const cidr = { ...addr, len };
  if (!sameBytes(maskBytes(addr.bytes, len), addr.bytes)) return { ok: false, reason: 'host-bits' };
  return { ok: true, cidr };
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidr)}/${cidr.len}`;
}

/** The address with every bit past `len` cleared. */
export function maskBytes(bytes: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, len - 8 * i));
    out[i] = (bytes[i] ?? 0) & ((0xff00 >> keep) & 0xff);
  }
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Two prefixes overlap when the shorter one contains the longer one's network address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const len = Math.min(a.len, b.len);
  return sameBytes(maskBytes(a.bytes, len), maskBytes(b.bytes, len));
}

export function isUnspecified(addr: IpAddr): boolean {
  return addr.bytes.every((b) => b === 0);
}
