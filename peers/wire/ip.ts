/**
 * IP address text <-> bytes for the edges (config, CLI, logs, tests). Not used on the decode
 * hot path. Pure: no I/O; never throws (parse returns null).
 */

/** Formats 4 bytes as dotted quad or 16 bytes as RFC 5952 compressed IPv6 text. */
export function ipToString(b: Uint8Array): string {
  if (b.length === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (b.length !== 16) return `<${b.length} bytes>`;
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((b[i] ?? 0) << 8) | (b[i + 1] ?? 0));
  // RFC 5952 §4.2: compress the longest run (length >= 2) of zero words, the first if tied.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (bestAt < 0) return hex(words);
  return `${hex(words.slice(0, bestAt))}::${hex(words.slice(bestAt + bestLen))}`;
}

/** Parses dotted-quad IPv4 into 4 bytes, or null. */
export function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^\d{1,3}$/.test(p)) return null;
    const v = Number(p);
    if (v > 255 || (p.length > 1 && p[0] === '0')) return null;
    out[i] = v;
  }
  return out;
}

/** Parses IPv6 text (with optional embedded IPv4 tail, no zone) into 16 bytes, or null. */
export function parseIpv6(text: string): Uint8Array | null {
  if (text.includes('%')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseSide = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    const groups = s.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i] ?? '';
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
        out.push(parseInt(g, 16));
      }
    }
    return out;
  };
  const head = parseSide(halves[0] ?? '');
  const tail = halves.length === 2 ? parseSide(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
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
