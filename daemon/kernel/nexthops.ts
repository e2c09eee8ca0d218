/**
 * Kernel nexthop-object plan (RTA_NH_ID routes, Linux ≥ 5.3): one nexthop object per
 * (gateway, ifindex), one group object per distinct ECMP set (members + weights), reference
 * counted, with ids taken from a configured range so they never collide with another daemon's
 * objects (FRR's zebra allocates its own). Why: with one gateway per node, plain gateway routes
 * are quadratic in the kernel (fib_info hash ignores the gateway: research/perf.md note 1);
 * nexthop objects install 50k such routes ~50x faster.
 *
 * Input: the next-hop sets of routes being installed (acquire) or removed (release), and the
 * objects read back from the kernel (adopt, repair). Output: NhOps, in the order the kernel
 * needs: create nexthops → groups (→ routes, by the caller); delete (routes →) groups → nexthops.
 * Pure: no I/O, no clock.
 */
import { formatIp, parseIp, type Family } from './addr.js';
import { nexthopKey, nexthopSetKey, normalizeNexthops, type FibNexthop } from './fib.js';

export interface NhRange {
  first: number;
  last: number;
}

/** Default id range: high, away from zebra's (it counts up from small ids). */
export const DEFAULT_NH_RANGE: NhRange = { first: 0x5a000000, last: 0x5affffff };

export interface NexthopObject {
  kind: 'nexthop';
  id: number;
  family: Family;
  gateway: string;
  ifindex: number;
}

export interface GroupMember {
  id: number;
  /** 1..256 */
  weight: number;
}

export interface GroupObject {
  kind: 'group';
  id: number;
  members: GroupMember[];
}

export type NhObject = NexthopObject | GroupObject;

export type NhOp =
  | { op: 'nh-add'; obj: NexthopObject }
  | { op: 'group-add'; obj: GroupObject }
  | { op: 'group-del'; id: number }
  | { op: 'nh-del'; id: number };

export type Acquired = { id: number; ops: NhOp[] } | { error: string };

interface Entry {
  obj: NhObject;
  key: string;
  refs: number;
}

export class NexthopPlan {
  private readonly byId = new Map<number, Entry>();
  private readonly byKey = new Map<string, Entry>();
  /** nexthopSetKey -> the entry acquire() returned for it (checked against byId before use). */
  private readonly bySetKey = new Map<string, Entry>();
  private cursor: number;

  constructor(readonly range: NhRange = DEFAULT_NH_RANGE) {
    if (!(range.first >= 1 && range.last >= range.first && range.last <= 0xffffffff)) throw new RangeError('bad nexthop id range');
    this.cursor = range.first;
  }

  inRange(id: number): boolean {
    return id >= this.range.first && id <= this.range.last;
  }

  /** Takes over objects found in the kernel (ids in our range only), unreferenced until acquired. */
  adopt(objs: readonly NhObject[]): void {
    const sorted = [...objs].sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'nexthop' ? -1 : 1));
    for (const obj of sorted) {
      if (!this.inRange(obj.id) || this.byId.has(obj.id)) continue;
      if (obj.kind === 'group' && !obj.members.every((m) => this.byId.get(m.id)?.obj.kind === 'nexthop')) continue;
      const key = obj.kind === 'nexthop' ? nexthopKey(obj) : this.groupKey(obj.members);
      const entry: Entry = { obj, key, refs: 0 };
      this.byId.set(obj.id, entry);
      if (!this.byKey.has(key)) this.byKey.set(key, entry);
      if (obj.kind === 'group') for (const m of obj.members) this.byId.get(m.id)!.refs++;
    }
  }

  /**
   * Reference to the object a route with these next hops should point at (the nexthop object
   * for one next hop, a group for two or more), creating it (and its members) when missing.
   * Every next hop needs its ifindex (kernel: "Device attribute required").
   */
  acquire(nexthops: readonly FibNexthop[], setKey?: string): Acquired {
    // Fast path: routes of one pass share next-hop sets; the caller passes the set's key.
    if (setKey !== undefined) {
      const e = this.bySetKey.get(setKey);
      if (e !== undefined && this.byId.get(e.obj.id) === e) {
        e.refs++;
        return { id: e.obj.id, ops: [] };
      }
      const r = this.acquire(nexthops);
      if (!('error' in r)) this.bySetKey.set(setKey, this.byId.get(r.id)!);
      return r;
    }
    const nhs = normalizeNexthops(nexthops);
    if (nhs.length === 0) return { error: 'no next hops' };
    if (nhs.some((n) => n.ifindex === undefined || parseIp(n.gateway) === null)) return { error: 'next hop without ifindex or with a bad gateway' };
    const ops: NhOp[] = [];
    if (nhs.length === 1) {
      const e = this.nexthopEntry(nhs[0]!, ops);
      if (e === null) return { error: 'nexthop id range exhausted' };
      e.refs++;
      return { id: e.obj.id, ops };
    }
    const key = `g:${nexthopSetKey(nhs)}`;
    const have = this.byKey.get(key);
    if (have) {
      have.refs++;
      return { id: have.obj.id, ops };
    }
    const members: GroupMember[] = [];
    for (const n of nhs) {
      const e = this.nexthopEntry(n, ops);
      if (e === null) return { error: 'nexthop id range exhausted' };
      members.push({ id: e.obj.id, weight: n.weight ?? 1 });
    }
    const id = this.allocate();
    if (id === null) return { error: 'nexthop id range exhausted' };
    for (const m of members) this.byId.get(m.id)!.refs++;
    const obj: GroupObject = { kind: 'group', id, members };
    this.insert({ obj, key, refs: 1 });
    ops.push({ op: 'group-add', obj });
    return { id, ops };
  }

  /** Drops one route's reference; the object is deleted by the next collect() if unused. */
  release(id: number): void {
    const e = this.byId.get(id);
    if (e && e.refs > 0) e.refs--;
  }

  /** Counts one more user of an existing object (a route found in the kernel); false if unknown. */
  retain(id: number): boolean {
    const e = this.byId.get(id);
    if (e) e.refs++;
    return e !== undefined;
  }

  /**
   * Makes the kernel's objects the truth (full resync): drops plan objects the kernel lacks or
   * holds with other content, adopts kernel objects in range the plan lacks, and recounts
   * references from the groups and from `routeNhids` (one per installed route).
   */
  rebase(kernel: readonly NhObject[], routeNhids: Iterable<number>): void {
    const have = new Map(kernel.map((o) => [o.id, o]));
    for (const e of [...this.byId.values()]) {
      const k = have.get(e.obj.id);
      if (k === undefined || !sameObject(k, e.obj)) this.remove(e);
    }
    for (const e of [...this.byId.values()]) {
      if (e.obj.kind === 'group' && !e.obj.members.every((m) => this.byId.has(m.id))) this.remove(e);
    }
    this.adopt(kernel.filter((o) => !this.byId.has(o.id)));
    for (const e of this.byId.values()) e.refs = 0;
    for (const e of this.byId.values()) if (e.obj.kind === 'group') for (const m of e.obj.members) this.retain(m.id);
    for (const id of routeNhids) this.retain(id);
  }

  refs(id: number): number {
    return this.byId.get(id)?.refs ?? 0;
  }

  get(id: number): NhObject | undefined {
    return this.byId.get(id)?.obj;
  }

  objects(): NhObject[] {
    return [...this.byId.values()].map((e) => e.obj);
  }

  /** Removes unreferenced objects: group deletions first, then the nexthops they freed. */
  collect(): NhOp[] {
    const groups: NhOp[] = [];
    const nexthops: NhOp[] = [];
    for (const e of [...this.byId.values()]) {
      if (e.obj.kind !== 'group' || e.refs > 0) continue;
      for (const m of e.obj.members) this.release(m.id);
      this.remove(e);
      groups.push({ op: 'group-del', id: e.obj.id });
    }
    for (const e of [...this.byId.values()]) {
      if (e.obj.kind !== 'nexthop' || e.refs > 0) continue;
      this.remove(e);
      nexthops.push({ op: 'nh-del', id: e.obj.id });
    }
    return [...groups, ...nexthops];
  }

  /** Objects the plan holds but the kernel lacks or holds differently: nexthops, then groups. */
  repair(kernel: readonly NhObject[]): NhOp[] {
    const have = new Map(kernel.map((o) => [o.id, o]));
    const ops: NhOp[] = [];
    for (const kind of ['nexthop', 'group'] as const) {
      for (const e of this.byId.values()) {
        const k = have.get(e.obj.id);
        if (e.obj.kind !== kind || (k !== undefined && sameObject(k, e.obj))) continue;
        ops.push(e.obj.kind === 'nexthop' ? { op: 'nh-add', obj: e.obj } : { op: 'group-add', obj: e.obj });
      }
    }
    return ops;
  }

  private nexthopEntry(n: FibNexthop, ops: NhOp[]): Entry | null {
    const key = nexthopKey(n);
    const have = this.byKey.get(key);
    if (have) return have;
    const id = this.allocate();
    if (id === null) return null;
    const gw = parseIp(n.gateway)!;
    const obj: NexthopObject = { kind: 'nexthop', id, family: gw.length === 4 ? 4 : 6, gateway: formatIp(gw), ifindex: n.ifindex! };
    const e: Entry = { obj, key, refs: 0 };
    this.insert(e);
    ops.push({ op: 'nh-add', obj });
    return e;
  }

  private groupKey(members: readonly GroupMember[]): string {
    const nhs = members.map((m) => {
      const o = this.byId.get(m.id)!.obj as NexthopObject;
      return { gateway: o.gateway, ifindex: o.ifindex, weight: m.weight };
    });
    return `g:${nexthopSetKey(nhs)}`;
  }

  /** Next free id after the cursor (wrapping): a freed id is not reused at once. */
  private allocate(): number | null {
    const size = this.range.last - this.range.first + 1;
    if (this.byId.size >= size) return null;
    for (;;) {
      const id = this.cursor;
      this.cursor = id === this.range.last ? this.range.first : id + 1;
      if (!this.byId.has(id)) return id;
    }
  }

  private insert(e: Entry): void {
    this.byId.set(e.obj.id, e);
    this.byKey.set(e.key, e);
  }

  private remove(e: Entry): void {
    if (this.bySetKey.size > 4 * this.byId.size + 1024) this.bySetKey.clear();
    this.byId.delete(e.obj.id);
    if (this.byKey.get(e.key) === e) this.byKey.delete(e.key);
  }
}

/** Same kernel object content (ids equal assumed). */
export function sameObject(a: NhObject, b: NhObject): boolean {
  if (a.kind === 'nexthop' && b.kind === 'nexthop') return nexthopKey(a) === nexthopKey(b) && a.family === b.family;
  if (a.kind === 'group' && b.kind === 'group') {
    const key = (g: GroupObject): string => g.members.map((m) => `${m.id}*${m.weight}`).sort().join(',');
    return key(a) === key(b);
  }
  return false;
}
