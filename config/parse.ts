/**
 * Config text -> Config, with every problem at once: YAML syntax errors, wrong types, values
 * out of range, unknown keys, missing keys (reader.ts, sections.ts, peer.ts) and cross-field
 * checks (validate.ts), each with the line of the offending key or value. Input: file text and
 * its name (for messages). Output: the Config when there are no errors, and the errors sorted
 * by line. Pure: no I/O (load.ts reads the file).
 */
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { Ctx } from './reader.js';
import type { Config, ConfigError } from './schema.js';
import { readConfig } from './sections.js';
import { validateConfig, type SourceInfo } from './validate.js';

export interface ParseResult {
  /** Present only when `errors` is empty. */
  config?: Config;
  errors: ConfigError[];
}

export const SYNTAX_PATH = '(syntax)';

export function parseConfig(text: string, file: string): ParseResult {
  const result = parseConfigWithLines(text, file);
  delete result.lineOf;
  return result;
}

/** parseConfig, plus the line of any path in a valid config (load.ts reports key files with it). */
export function parseConfigWithLines(text: string, file: string): ParseResult & { lineOf?: (path: string) => number } {
  const lc = new LineCounter();
  // uniqueKeys off: reader.ts reports duplicate keys itself, with both lines.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) return { errors: syntaxErrors(problems, lc, file) };
  const ctx: Ctx = { file, doc, lc, errors: [], lines: new Map(), bad: new Set() };
  const config = readConfig(ctx, { node: doc.contents, path: '', line: 1 });
  const errors = [...ctx.errors, ...validateConfig(config, sourceInfo(ctx))];
  const sorted = errors.map((e, i) => ({ e, i })).sort((a, b) => a.e.line - b.e.line || a.i - b.i);
  const source = sourceInfo(ctx);
  return errors.length === 0 ? { config, errors: [], lineOf: (path) => source.lineOf(path) } : { errors: sorted.map((x) => x.e) };
}

/** A broken YAML tree would only produce follow-on errors: report the syntax alone. */
function syntaxErrors(problems: YAMLError[], lc: LineCounter, file: string): ConfigError[] {
  const seen = new Set<string>();
  const out: ConfigError[] = [];
  for (const p of problems) {
    const line = lc.linePos(p.pos[0]).line;
    const message = syntaxMessage(p);
    const key = `${line}\n${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ file, line, path: SYNTAX_PATH, message });
  }
  return out.sort((a, b) => a.line - b.line);
}

function syntaxMessage(p: YAMLError): string {
  if (p.code === 'MULTIPLE_DOCS') return 'a second document (---) is not allowed (one YAML document per file)';
  return `${(p.message.split('\n')[0] ?? '').trim()} (well-formed YAML)`;
}

function sourceInfo(ctx: Ctx): SourceInfo {
  const parentOf = (path: string): string | undefined => {
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    return cut > 0 ? path.slice(0, cut) : undefined;
  };
  return {
    file: ctx.file,
    lineOf(path) {
      for (let p: string | undefined = path; p !== undefined; p = parentOf(p)) {
        const line = ctx.lines.get(p);
        if (line !== undefined) return line;
      }
      return 1;
    },
    isBad(path) {
      for (const bad of ctx.bad) {
        if (bad === path || path.startsWith(`${bad}.`) || path.startsWith(`${bad}[`)) return true;
        if (bad.startsWith(`${path}.`) || bad.startsWith(`${path}[`)) return true;
      }
      return false;
    },
  };
}
