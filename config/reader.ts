/**
 * Typed reads from a YAML node tree with line-accurate errors. Every reader records the line
 * of each path it visits (for validate.ts), reports a problem as "what is wrong (what is
 * allowed)" at the line of the offending key or value, marks the path bad and returns
 * undefined, so the caller can go on and collect every error in one pass.
 * Input: nodes of a `yaml` Document. Output: plain values plus Ctx.errors. Pure: no I/O.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { ConfigError } from './schema.js';

/** How the document root is named in errors. */
export const ROOT_PATH = '(root)';

export interface Ctx {
  readonly file: string;
  readonly doc: Document;
  readonly lc: LineCounter;
  readonly errors: ConfigError[];
  /** Line of every visited path: keys of mappings and items of lists. */
  readonly lines: Map<string, number>;
  /** Paths whose value was refused; validate.ts skips checks that depend on them. */
  readonly bad: Set<string>;
}

/** A value found at `path`, with the line to blame for it. `node` is null for a missing value. */
export interface Val {
  readonly node: Node | null;
  readonly path: string;
  readonly line: number;
}

export function lineOfNode(ctx: Ctx, node: Node | null | undefined, fallback: number): number {
  const start = node?.range?.[0];
  return start === undefined ? fallback : ctx.lc.linePos(start).line;
}

export function fail(ctx: Ctx, v: Val, message: string): undefined {
  ctx.errors.push({ file: ctx.file, line: v.line, path: v.path === '' ? ROOT_PATH : v.path, message });
  ctx.bad.add(v.path);
  return undefined;
}

function resolve(ctx: Ctx, node: Node | null): Node | null {
  if (node && isAlias(node)) return (node.resolve(ctx.doc) as Node | undefined) ?? null;
  return node;
}

/** How a value is shown in a message: 2, "yes", empty, a list, a mapping. */
export function describe(node: Node | null): string {
  if (node === null) return 'empty';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (!isScalar(node) || node.value === null || node.value === undefined) return 'empty';
  return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
}

export function refuse(ctx: Ctx, v: Val, allowed: string): undefined {
  return fail(ctx, v, `${describe(v.node)} is not allowed (${allowed})`);
}

/**
 * The entries of a mapping by key. Unknown keys, duplicate keys and non-string keys are
 * errors at the key's line; the known keys are returned as Vals.
 */
export function readMap(ctx: Ctx, v: Val, keys: readonly string[]): Map<string, Val> | undefined {
  const node = resolve(ctx, v.node);
  if (!node || !isMap(node)) return refuse(ctx, v, `a mapping with keys: ${keys.join(', ')}`);
  const out = new Map<string, Val>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const keyLine = lineOfNode(ctx, keyNode, v.line);
    const key = keyNode && isScalar(keyNode) ? String(keyNode.value) : undefined;
    const path = joinPath(v.path, key ?? '?');
    if (key === undefined) {
      fail(ctx, { node: keyNode, path, line: keyLine }, `keys must be plain names (allowed: ${keys.join(', ')})`);
    } else if (!keys.includes(key)) {
      const hint = closestKey(key, keys);
      const guess = hint === undefined ? '' : `did you mean ${hint}? `;
      fail(ctx, { node: keyNode, path, line: keyLine }, `unknown key (${guess}allowed: ${keys.join(', ')})`);
    } else if (out.has(key)) {
      const first = out.get(key)?.line ?? 0;
      fail(ctx, { node: keyNode, path, line: keyLine }, `duplicate key (first set on line ${first}; each key once)`);
    } else {
      // Blame the alias (where the value is used), not the anchor.
      const raw = (pair.value as Node | null) ?? null;
      out.set(key, { node: resolve(ctx, raw), path, line: lineOfNode(ctx, raw, keyLine) });
      ctx.lines.set(path, keyLine);
    }
  }
  return out;
}

/** A known key that differs only in case/separators, or by one or two typos (closest wins). */
function closestKey(key: string, keys: readonly string[]): string | undefined {
  const norm = (k: string): string => k.toLowerCase().replace(/[-_]/g, '');
  const same = keys.find((k) => norm(k) === norm(key));
  if (same !== undefined) return same;
  const limit = key.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of keys) {
    const d = editDistance(k, key);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Optimal string alignment distance: insert, delete, substitute, swap two neighbours. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) (d[0] ??= [])[j] = j;
  const at = (i: number, j: number): number => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] ??= [])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/** The items of a list, each with its own path `path[i]` and line. */
export function readList(ctx: Ctx, v: Val, allowed: string): Val[] | undefined {
  const node = resolve(ctx, v.node);
  if (!node || !isSeq(node)) return refuse(ctx, v, `a list of ${allowed}`);
  return node.items.map((item, i) => {
    const raw = (item as Node | null) ?? null;
    const path = `${v.path}[${i}]`;
    const line = lineOfNode(ctx, raw, v.line);
    ctx.lines.set(path, line);
    return { node: resolve(ctx, raw), path, line };
  });
}

function scalar(v: Val): unknown {
  return v.node && isScalar(v.node) ? v.node.value : undefined;
}

/** An integer accepted by `ok`; `allowed` says which ones, e.g. "0 or 3..65535". */
export function readInt(ctx: Ctx, v: Val, ok: (n: number) => boolean, allowed: string): number | undefined {
  const n = scalar(v);
  if (typeof n !== 'number' || !Number.isInteger(n) || !ok(n)) return refuse(ctx, v, allowed);
  return n;
}

export function readBool(ctx: Ctx, v: Val): boolean | undefined {
  const b = scalar(v);
  if (typeof b !== 'boolean') return refuse(ctx, v, 'true or false');
  return b;
}

/** A string matching `ok` (if given). Numbers and booleans are not strings here: quote them. */
export function readString(ctx: Ctx, v: Val, allowed: string, ok?: (s: string) => boolean): string | undefined {
  const s = scalar(v);
  if (typeof s !== 'string' || s === '' || (ok && !ok(s))) return refuse(ctx, v, allowed);
  return s;
}

export function readEnum<T extends string>(ctx: Ctx, v: Val, values: readonly T[]): T | undefined {
  const s = scalar(v);
  if (typeof s !== 'string' || !(values as readonly string[]).includes(s)) {
    return refuse(ctx, v, values.join(', '));
  }
  return s as T;
}

/** Read `key` from `entries` with `read`, or use `fallback` when the key is absent. */
export function optional<T>(entries: Map<string, Val>, key: string, read: (v: Val) => T | undefined, fallback: T): T {
  const v = entries.get(key);
  if (!v) return fallback;
  return read(v) ?? fallback;
}

/** Read a required `key`; when absent, report it at the parent's line. */
export function required<T>(
  ctx: Ctx,
  parent: Val,
  entries: Map<string, Val>,
  key: string,
  allowed: string,
  read: (v: Val) => T | undefined,
): T | undefined {
  const v = entries.get(key);
  if (v) return read(v);
  const line = ctx.lines.get(parent.path) ?? parent.line;
  return fail(ctx, { node: null, path: joinPath(parent.path, key), line }, `missing (required: ${allowed})`);
}

export function joinPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * A mapping whose keys are names the user chooses (policy names). Keys that are not strings
 * accepted by `nameOk`, and repeated keys, are errors at the key's line; the rest come back in
 * file order with their values at path `parent.name`.
 */
export function readNamedEntries(
  ctx: Ctx,
  v: Val,
  what: string,
  nameAllowed: string,
  nameOk: (name: string) => boolean,
): { name: string; value: Val }[] | undefined {
  const node = resolve(ctx, v.node);
  if (!node || !isMap(node)) return refuse(ctx, v, `a mapping of ${what}`);
  const out: { name: string; value: Val }[] = [];
  const lines = new Map<string, number>();
  for (const pair of node.items) {
    const keyNode = pair.key as Node | null;
    const keyLine = lineOfNode(ctx, keyNode, v.line);
    const raw = keyNode && isScalar(keyNode) ? keyNode.value : undefined;
    const name = typeof raw === 'string' ? raw : undefined;
    const path = joinPath(v.path, name ?? String(raw ?? '?'));
    const at: Val = { node: keyNode, path, line: keyLine };
    if (name === undefined || !nameOk(name)) {
      refuse(ctx, at, nameAllowed);
    } else if (lines.has(name)) {
      fail(ctx, at, `duplicate name (first defined on line ${lines.get(name) ?? 0}; each name once)`);
    } else {
      const value = (pair.value as Node | null) ?? null;
      lines.set(name, keyLine);
      ctx.lines.set(path, keyLine);
      out.push({ name, value: { node: resolve(ctx, value), path, line: lineOfNode(ctx, value, keyLine) } });
    }
  }
  return out;
}

/** One value or a list of them, read item by item: `x` is taken as `[x]`. */
export function readOneOrMany<T>(ctx: Ctx, v: Val, allowed: string, read: (item: Val) => T | undefined): T[] | undefined {
  const node = resolve(ctx, v.node);
  const items = node && isSeq(node) ? readList(ctx, v, allowed) : [v];
  if (!items) return undefined;
  if (items.length === 0) return fail(ctx, v, `empty list is not allowed (one or more of: ${allowed})`);
  const values = items.map((item) => read(item));
  if (values.some((x) => x === undefined)) return undefined;
  return values as T[];
}
