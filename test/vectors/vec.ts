/**
 * Reads the .vec format (test/vectors/README.md): `# key: value` header lines, then annotated
 * hex, `hex * N` repeats a field N times. Also turns the `ctx:` and `expect:` lines into a
 * CodecContext and a list of acceptable outcomes. Used by the unit catalogue, the fuzz seeds and
 * the live injector. Pure apart from loadVecs(), which reads the directory it is given.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { familyKey, type CodecContext } from '../../peers/wire/context.js';

export interface Vec {
  readonly name: string;
  readonly meta: ReadonlyMap<string, readonly string[]>;
  readonly bytes: Uint8Array;
}

export function meta1(v: Vec, key: string): string | undefined {
  return v.meta.get(key)?.[0];
}

export function parseVec(text: string, fallbackName: string): Vec {
  const meta = new Map<string, string[]>();
  const chunks: string[] = [];
  let inHex = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s*([a-z0-9-]+):\s?(.*)$/.exec(line);
      if (!inHex && m?.[1] !== undefined) meta.set(m[1], [...(meta.get(m[1]) ?? []), (m[2] ?? '').trim()]);
      continue;
    }
    inHex = true;
    const code = line.split('#')[0] ?? '';
    const rep = /^(.*?)\*\s*(\d+)\s*$/.exec(code);
    const hex = (rep ? rep[1] ?? '' : code).replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error(`${fallbackName}: bad hex line: ${raw}`);
    chunks.push(hex.repeat(rep ? Number(rep[2]) : 1));
  }
  const name = meta.get('name')?.[0] ?? fallbackName;
  return { name, meta, bytes: Uint8Array.from(Buffer.from(chunks.join(''), 'hex')) };
}

export function loadVecs(dir: string): Vec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.vec'))
    .sort()
    .map((f) => parseVec(readFileSync(join(dir, f), 'utf8'), f.slice(0, -4)));
}

const FAMILY: Record<string, number> = { v4: familyKey(1, 1), v6: familyKey(2, 1) };

/** `ctx: ebgp|ibgp as2|as4 [ext] [v6] [addpath=v4,v6]`; IPv4 unicast is always negotiated. */
export function parseCtx(text: string | undefined): CodecContext {
  const words = (text ?? '').split(/\s+/).filter((w) => w !== '');
  const families = new Set([FAMILY.v4 as number]);
  const addPath = new Set<number>();
  for (const w of words) {
    if (w === 'v6') families.add(FAMILY.v6 as number);
    if (w.startsWith('addpath=')) for (const f of w.slice(8).split(',')) addPath.add(FAMILY[f] ?? -1);
  }
  return {
    as4: words.includes('as4'),
    extendedMessage: words.includes('ext'),
    addPathRx: addPath,
    addPathTx: new Set(),
    ebgp: !words.includes('ibgp'),
    families,
  };
}

export type Kind = 'ok' | 'no-crash' | 'treat-as-withdraw' | 'discard' | 'session-reset' | 'afisafi-disable' | 'reset-or-disable';

export interface Outcome {
  readonly kind: Kind;
  /** Acceptable [code, subcode] pairs; subcode -1 = any. Empty = any. */
  readonly codes: readonly (readonly [number, number])[];
  readonly data?: string;
  /** For discard: the attribute type codes that must be gone. */
  readonly attrs: readonly number[];
}

/** `expect:` = alternatives separated by ` ; `, each `kind [c/s|c/s] [data=hex]` or `discard N[,N]`. */
export function parseExpect(text: string): Outcome[] {
  return text.split(';').map((alt) => {
    const [kind = '', ...rest] = alt.trim().split(/\s+/);
    const codes: [number, number][] = [];
    const attrs: number[] = [];
    let data: string | undefined;
    for (const r of rest) {
      if (r.startsWith('data=')) data = r.slice(5).toLowerCase();
      else if (kind === 'discard') attrs.push(...r.split(',').map(Number));
      else for (const cs of r.split('|')) codes.push(parseCode(cs));
    }
    if (!KINDS.includes(kind as Kind)) throw new Error(`unknown expectation kind: ${kind}`);
    return data === undefined ? { kind: kind as Kind, codes, attrs } : { kind: kind as Kind, codes, attrs, data };
  });
}

const KINDS: readonly Kind[] = ['ok', 'no-crash', 'treat-as-withdraw', 'discard', 'session-reset', 'afisafi-disable', 'reset-or-disable'];

function parseCode(cs: string): [number, number] {
  const [c = 'x', s = 'x'] = cs.split('/');
  const code = Number(c);
  const sub = s === '*' ? -1 : Number(s);
  if (!Number.isInteger(code) || !Number.isInteger(sub)) throw new Error(`bad code/subcode: ${cs}`);
  return [code, sub];
}

/** Stream expectation: `frames N [then <outcome> | then pending]`. */
export function parseFrames(text: string): { frames: number; then: 'end' | 'pending' | Outcome } {
  const m = /^frames\s+(\d+)(?:\s+then\s+(.+))?$/.exec(text.trim());
  if (!m) throw new Error(`bad stream expectation: ${text}`);
  const then = m[2]?.trim();
  if (then === undefined) return { frames: Number(m[1]), then: 'end' };
  if (then === 'pending') return { frames: Number(m[1]), then: 'pending' };
  const [first] = parseExpect(then);
  if (!first) throw new Error(`bad stream expectation: ${text}`);
  return { frames: Number(m[1]), then: first };
}
