/**
 * The config's file edge: reads the YAML file and hands the text to parseConfig, and reads a
 * peer's TCP-MD5 secret from its file or environment variable when the session layer asks.
 * Input: paths and the environment. Output: ParseResult / the secret. The only module in
 * config/ that touches the file system.
 */
import { readFile } from 'node:fs/promises';
import { parseConfig, type ParseResult } from './parse.js';
import type { PeerConfig } from './schema.js';

/** A missing or unreadable file is one error on line 0: `file:0: cannot read (reason)`. */
export async function loadConfigFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { errors: [{ file: path, line: 0, path: '', message: `cannot read (${reason(err)})` }] };
  }
  return parseConfig(text, path);
}

export type SecretResult = { ok: true; secret: string | undefined } | { ok: false; message: string };

/**
 * The peer's password: the file's first line or the variable's value; undefined when the peer
 * has neither. Not used by `--check` (secrets may live elsewhere on the checking host).
 */
export async function readPeerPassword(peer: PeerConfig, env: NodeJS.ProcessEnv = process.env): Promise<SecretResult> {
  if (peer.passwordEnv !== undefined) {
    const value = env[peer.passwordEnv];
    if (value === undefined || value === '') return { ok: false, message: `environment variable ${peer.passwordEnv} is not set` };
    return { ok: true, secret: value };
  }
  if (peer.passwordFile === undefined) return { ok: true, secret: undefined };
  try {
    const text = await readFile(peer.passwordFile, 'utf8');
    const secret = text.split(/\r?\n/)[0] ?? '';
    if (secret === '') return { ok: false, message: `${peer.passwordFile} is empty` };
    return { ok: true, secret };
  } catch (err) {
    return { ok: false, message: `cannot read ${peer.passwordFile} (${reason(err)})` };
  }
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.code ?? (err instanceof Error ? err.message : String(err));
}
