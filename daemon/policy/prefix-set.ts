/**
 * Prefix sets with ge/le ranges (FRR `prefix-list ... ge 24 le 28`, BIRD `10.244.0.0/16{24,28}`)
 * for IPv4 and IPv6, built once from config text and asked "is this prefix in the set?" once
 * per route per rule, so membership must be fast and allocation-free:
 *   - up to LINEAR_MAX ranges per family: a flat scan (IPv4 as u32 mask-and-compare);
 *   - more: a binary trie on the address bits; a lookup walks at most min(prefix length,
 *     longest range length) nodes and checks the ge/le pairs stored on each node it passes.
 * Input: PrefixRange values (config/prefix-range.ts) or their text. Output: `has` / `matches`
 * answers for policy.ts and defaults.ts. Pure: no I/O, no clock.
 */
import { Afi } from '../../peers/wire/constants.js';
import type { Prefix } from '../../peers/wire/types.js';
import { parsePrefixRange, type PrefixRange } from '../../config/prefix-range.js';

/** Up to this many ranges a scan beats the trie walk (measured to be about equal at 8..16). */
export const LINEAR_MAX = 8;

interface FamilyMatcher {
  has(addr: Uint8Array, len: number): boolean;
}

const NONE: FamilyMatcher = { has: () => false };

function u32(addr: Uint8Array): number {
  return (((addr[0] ?? 0) << 24) | ((addr[1] ?? 0) << 16) | ((addr[2] ?? 0) << 8) | (addr[3] ?? 0)) >>> 0;
}

function mask32(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** IPv4, few ranges: parallel typed arrays, one mask-and-compare per range. */
class LinearV4 implements FamilyMatcher {
  private readonly nets: Uint32Array;
  private readonly masks: Uint32Array;
  private readonly ges: Uint8Array;
  private readonly les: Uint8Array;

  constructor(ranges: readonly PrefixRange[]) {
    this.nets = Uint32Array.from(ranges, (r) => u32(r.bytes));
    this.masks = Uint32Array.from(ranges, (r) => mask32(r.len));
    this.ges = Uint8Array.from(ranges, (r) => r.ge);
    this.les = Uint8Array.from(ranges, (r) => r.le);
  }

  has(addr: Uint8Array, len: number): boolean {
    const a = u32(addr);
    for (let i = 0; i < this.nets.length; i++) {
      if (len >= (this.ges[i] as number) && len <= (this.les[i] as number) && ((a & (this.masks[i] as number)) >>> 0) === this.nets[i]) return true;
    }
    return false;
  }
}

/** True when the first `bits` bits of `a` and `b` are equal. */
export function sameLeadingBits(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const full = bits >> 3;
  for (let i = 0; i < full; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const m = (0xff00 >> rest) & 0xff;
  return (((a[full] ?? 0) ^ (b[full] ?? 0)) & m) === 0;
}

/** IPv6 (or IPv4 when the trie is not worth it), few ranges: byte-wise compare. */
class LinearBytes implements FamilyMatcher {
  constructor(private readonly ranges: readonly PrefixRange[]) {}

  has(addr: Uint8Array, len: number): boolean {
    const rs = this.ranges;
    for (let i = 0; i < rs.length; i++) {
      const r = rs[i] as PrefixRange;
      if (len >= r.ge && len <= r.le && sameLeadingBits(addr, r.bytes, r.len)) return true;
    }
    return false;
  }
}

class TrieNode {
  zero: TrieNode | null = null;
  one: TrieNode | null = null;
  /** ge, le pairs of the ranges whose CIDR is this node; null when none. */
  bounds: number[] | null = null;
}

function bitAt(addr: Uint8Array, i: number): number {
  return ((addr[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
}

/** Many ranges: a binary trie on the address bits. */
class Trie implements FamilyMatcher {
  private readonly root = new TrieNode();
  private readonly depth: number;

  constructor(ranges: readonly PrefixRange[]) {
    let depth = 0;
    for (const r of ranges) {
      let node = this.root;
      for (let i = 0; i < r.len; i++) {
        if (bitAt(r.bytes, i) === 1) node = node.one ??= new TrieNode();
        else node = node.zero ??= new TrieNode();
      }
      (node.bounds ??= []).push(r.ge, r.le);
      depth = Math.max(depth, r.len);
    }
    this.depth = depth;
  }

  has(addr: Uint8Array, len: number): boolean {
    let node: TrieNode | null = this.root;
    const stop = len < this.depth ? len : this.depth;
    for (let d = 0; node !== null; d++) {
      const b = node.bounds;
      if (b !== null) {
        for (let i = 0; i < b.length; i += 2) if (len >= (b[i] as number) && len <= (b[i + 1] as number)) return true;
      }
      if (d >= stop) return false;
      node = bitAt(addr, d) === 1 ? node.one : node.zero;
    }
    return false;
  }
}

function familyMatcher(ranges: readonly PrefixRange[], v4: boolean): FamilyMatcher {
  if (ranges.length === 0) return NONE;
  if (ranges.length > LINEAR_MAX) return new Trie(ranges);
  return v4 ? new LinearV4(ranges) : new LinearBytes(ranges);
}

export class PrefixSet {
  static readonly EMPTY = new PrefixSet([]);

  private readonly v4: FamilyMatcher;
  private readonly v6: FamilyMatcher;
  /** The ranges the set was built from, in the given order. */
  readonly ranges: readonly PrefixRange[];

  constructor(ranges: readonly PrefixRange[]) {
    this.ranges = ranges;
    this.v4 = familyMatcher(ranges.filter((r) => r.family === 4), true);
    this.v6 = familyMatcher(ranges.filter((r) => r.family === 6), false);
  }

  /** Parses range texts; the first bad one is the error (config validation reports them all). */
  static parse(texts: readonly string[]): PrefixSet | { error: string } {
    const ranges: PrefixRange[] = [];
    for (const t of texts) {
      const r = parsePrefixRange(t);
      if (!r.ok) return { error: r.message };
      ranges.push(r.range);
    }
    return new PrefixSet(ranges);
  }

  get size(): number {
    return this.ranges.length;
  }

  /** `addr` is 4 (Afi.Ipv4) or 16 (Afi.Ipv6) bytes; `len` the prefix length. Allocation-free. */
  has(afi: number, addr: Uint8Array, len: number): boolean {
    return afi === Afi.Ipv4 ? this.v4.has(addr, len) : this.v6.has(addr, len);
  }

  matches(p: Prefix): boolean {
    return this.has(p.afi, p.addr, p.len);
  }

  /** A host address (4 or 16 bytes) as a /32 or /128. */
  hasAddress(addr: Uint8Array): boolean {
    return addr.length === 4 ? this.v4.has(addr, 32) : this.v6.has(addr, 128);
  }
}

/** The set from texts, throwing on a bad one: for built-in sets and tests, not for user input. */
export function prefixSet(texts: readonly string[]): PrefixSet {
  const s = PrefixSet.parse(texts);
  if (!(s instanceof PrefixSet)) throw new Error(s.error);
  return s;
}
