/**
 * The datapath's maps from the daemon's side: key/value layouts of bpf/datapath.c (pure
 * encoders), and RouteMaps, which keeps rr_routes{4,6} equal to the prefixes rackroute manages.
 * Each prefix has a route id, the index of its per-CPU counters in rr_counters; ids are read
 * back from the pinned maps at start, so a prefix keeps its id — and its counters — across
 * restarts; an id freed by a withdrawn prefix has its counters zeroed before reuse.
 * Input: desired prefixes with flags. Output: map writes through libbpf.ts. Edge (syscalls).
 */
import { readFileSync } from 'node:fs';
import { formatCidr, parseCidr } from '../../config/ip.js';
import type { Libbpf } from './libbpf.js';

export const MAX_ROUTES = 65536;
export const ROUTE_F_NO_FASTPATH = 1;
export const ROUTE_F_LOCAL = 2;
const BPF_ANY = 0;

/** Outcome counters (rr_stats indexes of bpf/datapath.c). */
export const OUTCOMES: Readonly<Record<number, string>> = {
  0: 'fast:redirect',
  1: 'fast:redirect-peer',
  2: 'fast:redirect-neigh',
  3: 'pass:not-managed',
  4: 'fallback:no-fastpath',
  5: 'fallback:ttl',
  6: 'fallback:ip-options',
  7: 'fallback:fragment',
  8: 'fallback:malformed',
  17: 'fallback:fib-blackhole',
  18: 'fallback:fib-unreachable',
  19: 'fallback:fib-prohibit',
  20: 'fallback:fib-not-forwarded',
  21: 'fallback:fib-forwarding-disabled',
  22: 'fallback:fib-unsupported-lwt',
  24: 'fallback:fib-frag-needed',
  25: 'fallback:fib-no-source-address',
};
export const STATS_SLOTS = 32;

/** LPM key: u32 prefixlen, then the address bytes (network order). */
export function lpmKey(cidr: string): Buffer | null {
  const r = parseCidr(cidr);
  if (!r.ok) return null;
  const key = Buffer.alloc(4 + r.cidr.bytes.length);
  key.writeUInt32LE(r.cidr.len, 0);
  Buffer.from(r.cidr.bytes).copy(key, 4);
  return key;
}

export function lpmKeyText(key: Buffer): string {
  const len = key.readUInt32LE(0);
  const bytes = new Uint8Array(key.subarray(4));
  return formatCidr({ family: bytes.length === 4 ? 4 : 6, bytes, len });
}

export function routeValue(routeId: number, flags: number): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt32LE(routeId, 0);
  v.writeUInt32LE(flags, 4);
  return v;
}

/** CPUs a per-CPU map has a slot for: /sys/devices/system/cpu/possible ("0-3", "0,2-5"). */
export function possibleCpus(text = readFileSync('/sys/devices/system/cpu/possible', 'utf8')): number {
  let n = 0;
  for (const part of text.trim().split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    n += b === undefined ? 1 : b - a + 1;
  }
  return Math.max(1, n);
}

export interface DesiredRoute {
  prefix: string;
  flags: number;
}

export interface RouteCounters {
  prefix: string;
  routeId: number;
  flags: number;
  packets: number;
  bytes: number;
}

export class RouteMaps {
  /** prefix -> {id, flags} as in the maps. */
  private readonly entries = new Map<string, { id: number; flags: number }>();
  private readonly freeIds: number[] = [];
  private nextId = 0;
  private readonly cpus = possibleCpus();
  errors = 0;

  constructor(
    private readonly lib: Libbpf,
    private readonly fds: { routes4: number; routes6: number; counters: number; stats: number; podIfaces: number },
  ) {
    this.readBack();
  }

  get size(): number {
    return this.entries.size;
  }

  /** What the pinned maps already hold (from before a restart): keep those ids and counters. */
  private readBack(): void {
    for (const [fd, keyLen] of [[this.fds.routes4, 8], [this.fds.routes6, 20]] as const) {
      let key: Buffer | null = null;
      const next = Buffer.alloc(keyLen);
      const val = Buffer.alloc(8);
      while (this.lib.mapNextKey(fd, key, next) === 0) {
        const k = Buffer.from(next);
        if (this.lib.mapLookup(fd, k, val) === 0) this.entries.set(lpmKeyText(k), { id: val.readUInt32LE(0), flags: val.readUInt32LE(4) });
        key = k;
      }
    }
    const used = new Set([...this.entries.values()].map((e) => e.id));
    this.nextId = used.size ? Math.max(...used) + 1 : 0;
    for (let i = 0; i < this.nextId; i++) if (!used.has(i)) this.freeIds.push(i);
  }

  private fdFor(prefix: string): number {
    return prefix.includes(':') ? this.fds.routes6 : this.fds.routes4;
  }

  /** Makes the maps hold exactly `want` (at most MAX_ROUTES; with keepOthers, at least); returns what changed. */
  sync(want: readonly DesiredRoute[], keepOthers = false): { added: number; removed: number; changed: number; failed: number } {
    const out = { added: 0, removed: 0, changed: 0, failed: 0 };
    const wanted = new Map(want.slice(0, MAX_ROUTES).map((w) => [w.prefix, w.flags]));
    for (const [prefix, e] of [...this.entries]) {
      if (wanted.has(prefix) || keepOthers) continue;
      const key = lpmKey(prefix);
      if (key && this.lib.mapDelete(this.fdFor(prefix), key) !== 0) {
        out.failed++;
        this.errors++;
        continue;
      }
      this.entries.delete(prefix);
      this.zeroCounters(e.id);
      this.freeIds.push(e.id);
      out.removed++;
    }
    for (const [prefix, flags] of wanted) {
      const have = this.entries.get(prefix);
      if (have && have.flags === flags) continue;
      const key = lpmKey(prefix);
      if (!key) continue;
      const id = have?.id ?? this.freeIds.pop() ?? this.nextId++;
      if (this.lib.mapUpdate(this.fdFor(prefix), key, routeValue(id, flags), BPF_ANY) !== 0) {
        out.failed++;
        this.errors++;
        if (!have) this.freeIds.push(id);
        continue;
      }
      this.entries.set(prefix, { id, flags });
      if (have) out.changed++;
      else out.added++;
    }
    return out;
  }

  private zeroCounters(id: number): void {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(id, 0);
    this.lib.mapUpdate(this.fds.counters, key, Buffer.alloc(16 * this.cpus), BPF_ANY);
  }

  /** Packets and bytes per managed prefix, summed over CPUs. */
  counters(): RouteCounters[] {
    const key = Buffer.alloc(4);
    const val = Buffer.alloc(16 * this.cpus);
    const out: RouteCounters[] = [];
    for (const [prefix, e] of this.entries) {
      key.writeUInt32LE(e.id, 0);
      let packets = 0;
      let bytes = 0;
      if (this.lib.mapLookup(this.fds.counters, key, val) === 0) {
        for (let c = 0; c < this.cpus; c++) {
          packets += Number(val.readBigUInt64LE(c * 16));
          bytes += Number(val.readBigUInt64LE(c * 16 + 8));
        }
      }
      out.push({ prefix, routeId: e.id, flags: e.flags, packets, bytes });
    }
    return out.sort((a, b) => (a.prefix < b.prefix ? -1 : 1));
  }

  /** Outcome counters by name, summed over CPUs. */
  outcomes(): Record<string, number> {
    const key = Buffer.alloc(4);
    const val = Buffer.alloc(8 * this.cpus);
    const out: Record<string, number> = {};
    for (const [slot, name] of Object.entries(OUTCOMES)) {
      key.writeUInt32LE(Number(slot), 0);
      let n = 0;
      if (this.lib.mapLookup(this.fds.stats, key, val) === 0) for (let c = 0; c < this.cpus; c++) n += Number(val.readBigUInt64LE(c * 8));
      out[name] = n;
    }
    return out;
  }

  /** The pod-facing interfaces packets may be redirect_peer'ed to. */
  setPodInterfaces(ifindexes: ReadonlySet<number>): void {
    const fd = this.fds.podIfaces;
    const have = new Set<number>();
    let key: Buffer | null = null;
    const next = Buffer.alloc(4);
    while (this.lib.mapNextKey(fd, key, next) === 0) {
      have.add(next.readUInt32LE(0));
      key = Buffer.from(next);
    }
    const k = Buffer.alloc(4);
    for (const i of have) {
      if (ifindexes.has(i)) continue;
      k.writeUInt32LE(i, 0);
      this.lib.mapDelete(fd, k);
    }
    for (const i of ifindexes) {
      if (have.has(i)) continue;
      k.writeUInt32LE(i, 0);
      if (this.lib.mapUpdate(fd, k, Buffer.alloc(4), BPF_ANY) !== 0) this.errors++;
    }
  }
}
