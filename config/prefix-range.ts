/**
 * Prefix ranges as written in policies: a CIDR plus the prefix lengths it admits. Accepts the
 * FRR form (`10.244.0.0/16 le 28`, `... ge 24 le 28`, `... ge 24`), the BIRD forms
 * (`10.244.0.0/16{24,28}`, `10.244.0.0/16+`) and a bare CIDR (that prefix exactly).
 * Canonical text is the FRR form with the fewest words that re-parse to the same range.
 * Input: strings from the config file. Output: PrefixRange values for config/policy.ts and for
 * daemon/policy/prefix-set.ts. Pure: no I/O; never throws.
 */
import { formatCidr, parseCidr, type Cidr } from './ip.js';

/** `len <= ge <= le <= max`: a prefix P matches when it lies inside the CIDR and ge <= P.len <= le. */
export interface PrefixRange extends Cidr {
  readonly ge: number;
  readonly le: number;
}

export type PrefixRangeResult = { ok: true; range: PrefixRange } | { ok: false; message: string };

export const PREFIX_RANGE_ALLOWED =
  'CIDR prefix with optional "ge N" and "le N", e.g. 10.244.0.0/16 le 28, or 10.244.0.0/16{24,28} or 10.244.0.0/16+';

const FORM = /^([^\s{}+]+)(\+|\{([0-9]{1,3}),([0-9]{1,3})\})?((?:\s+(?:ge|le)\s+[0-9]{1,3})*)\s*$/;

export function parsePrefixRange(text: string): PrefixRangeResult {
  const m = FORM.exec(text.trim());
  if (!m) return refused(text, PREFIX_RANGE_ALLOWED);
  const r = parseCidr(m[1] ?? '');
  if (!r.ok) {
    if (r.reason === 'host-bits') return { ok: false, message: `${JSON.stringify(text)} has host bits set (a network address: all bits after the prefix length zero)` };
    if (r.reason === 'length') return refused(text, 'prefix length 0..32 for IPv4, 0..128 for IPv6');
    return refused(text, PREFIX_RANGE_ALLOWED);
  }
  const { cidr } = r;
  const max = cidr.bytes.length * 8;
  const words = m[5] ?? '';
  if (m[2] !== undefined && words.trim() !== '') return refused(text, 'either BIRD {a,b} / + or FRR ge/le, not both');
  let ge = cidr.len;
  let le = cidr.len;
  if (m[2] === '+') le = max;
  else if (m[2] !== undefined) [ge, le] = [Number(m[3]), Number(m[4])];
  else {
    const got = readGeLe(words);
    if (typeof got === 'string') return refused(text, got);
    if (got.ge !== undefined) [ge, le] = [got.ge, max];
    if (got.le !== undefined) le = got.le;
  }
  // FRR prefix-list rule: len <= ge <= le <= max.
  if (ge < cidr.len || le < ge || le > max) {
    return refused(text, `prefix lengths with ${cidr.len} <= ge <= le <= ${max}`);
  }
  return { ok: true, range: { ...cidr, ge, le } };
}

/** `ge N` and `le N`, each at most once, ge first. */
function readGeLe(words: string): { ge?: number; le?: number } | string {
  const tokens = words.trim() === '' ? [] : words.trim().split(/\s+/);
  const out: { ge?: number; le?: number } = {};
  for (let i = 0; i < tokens.length; i += 2) {
    const key = tokens[i] as 'ge' | 'le';
    if (out[key] !== undefined) return `${key} at most once`;
    if (key === 'ge' && out.le !== undefined) return 'ge before le';
    out[key] = Number(tokens[i + 1]);
  }
  return out;
}

function refused(text: string, allowed: string): PrefixRangeResult {
  return { ok: false, message: `${JSON.stringify(text)} is not allowed (${allowed})` };
}

/** `10.244.0.0/16`, `10.244.0.0/16 le 28`, `10.244.0.0/16 ge 24 le 28`. */
export function formatPrefixRange(r: PrefixRange): string {
  const cidr = formatCidr(r);
  if (r.ge === r.len && r.le === r.len) return cidr;
  if (r.ge === r.len) return `${cidr} le ${r.le}`;
  return `${cidr} ge ${r.ge} le ${r.le}`;
}

/** Canonical text of a range, or undefined when it does not parse. */
export function canonicalPrefixRange(text: string): string | undefined {
  const r = parsePrefixRange(text);
  return r.ok ? formatPrefixRange(r.range) : undefined;
}
