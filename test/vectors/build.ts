/**
 * Writes test/vectors/malformed/*.vec from the case tables in ./gen (lengths computed there).
 * Run after `npx tsc -p .`: `node dist/test/vectors/build.js` (from the repo root). Output: one
 * annotated-hex file per case, format in test/vectors/README.md. Removes .vec files no table
 * produces any more. Each written file is parsed back and its size checked before writing.
 */
import { readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { size, type Line } from './gen/hex.js';
import type { VecDef } from './gen/common.js';
import { fsmCases, headerCases, otherCases, streamCases } from './gen/header.js';
import { openCases } from './gen/open.js';
import { framingCases, nlriCases } from './gen/update.js';
import { coreAttrCases } from './gen/attrs-core.js';
import { optAttrCases } from './gen/attrs-opt.js';
import { parseVec } from './vec.js';

export const ALL_CASES: readonly VecDef[] = [
  ...headerCases, ...streamCases, ...openCases, ...framingCases, ...coreAttrCases, ...optAttrCases, ...nlriCases, ...otherCases, ...fsmCases,
];

function renderLine(l: Line): string {
  const hex = l.repeat === undefined ? l.hex : `${l.hex} * ${l.repeat}`;
  return l.note === '' ? hex : `${hex.padEnd(36)}  # ${l.note}`;
}

export function render(v: VecDef): string {
  const head: string[] = [
    `# name: ${v.name}`,
    `# table: ${v.table}`,
    `# rfc: ${v.rfc}`,
    `# desc: ${v.desc}`,
    `# mode: ${v.mode ?? 'message'}`,
    `# ctx: ${v.ctx ?? 'ebgp as2'}`,
  ];
  if (v.peer !== undefined) head.push(`# peer: ${v.peer}`);
  if (v.split !== undefined) head.push(`# split: ${v.split}`);
  head.push(`# expect: ${v.expect}`);
  if (v.withdraws !== undefined) head.push(`# withdraws: ${v.withdraws}`);
  for (const c of v.checks ?? []) head.push(`# check: ${c}`);
  if (v.fsm !== undefined) head.push(`# fsm: ${v.fsm}`);
  head.push(`# bytes: ${size(v.lines)}`, '');
  return [...head, ...v.lines.map(renderLine), ''].join('\n');
}

function main(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const seen = new Set<string>();
  for (const v of ALL_CASES) {
    if (seen.has(v.name)) throw new Error(`duplicate vector name ${v.name}`);
    seen.add(v.name);
  }
  for (const f of readdirSync(dir)) if (f.endsWith('.vec') && !seen.has(f.slice(0, -4))) rmSync(join(dir, f));
  for (const v of ALL_CASES) {
    const text = render(v);
    const back = parseVec(text, v.name);
    if (back.bytes.length !== size(v.lines)) throw new Error(`${v.name}: rendered ${back.bytes.length} bytes, built ${size(v.lines)}`);
    writeFileSync(join(dir, `${v.name}.vec`), text);
  }
  process.stdout.write(`wrote ${ALL_CASES.length} vectors to ${dir}\n`);
}

if (process.argv[1]?.endsWith('build.js')) main(process.argv[2] ?? 'test/vectors/malformed');
