/**
 * The config's file edge: reads the YAML file and hands the text to parseConfig, checks the key
 * files it names (TCP-MD5 passwordFile, TCP-AO tcpAo.keyFile: readable, 1..80 bytes) with the
 * line that names them, and reads a peer's keys from their file or environment variable when
 * the session layer asks. Input: paths and the environment. Output: ParseResult / the key. The
 * only module in config/ that touches the file system; never logs or returns a key's value in
 * an error.
 */
import { readFile } from 'node:fs/promises';
import { parseConfigWithLines, type ParseResult } from './parse.js';
import type { Config, ConfigError, PeerConfig } from './schema.js';

/** TCP_MD5SIG_MAXKEYLEN and TCP_AO_MAXKEYLEN (linux/tcp.h). */
export const MAX_KEY_BYTES = 80;

/**
 * A missing or unreadable file is one error on line 0: `file:0: cannot read (reason)`. A valid
 * file whose key files cannot be read, are empty or are too long gets one error per key file,
 * at the line of the key naming it. Keys from environment variables are checked when the
 * daemon starts the peer (the checking shell's environment is not the daemon's).
 */
export async function loadConfigFile(path: string): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { errors: [{ file: path, line: 0, path: '', message: `cannot read (${reason(err)})` }] };
  }
  const { config, errors, lineOf } = parseConfigWithLines(text, path);
  if (!config || !lineOf) return { errors };
  const keyErrors = await checkKeyFiles(config, path, lineOf);
  return keyErrors.length === 0 ? { config, errors } : { errors: keyErrors };
}

async function checkKeyFiles(config: Config, file: string, lineOf: (path: string) => number): Promise<ConfigError[]> {
  const errors: ConfigError[] = [];
  for (const [i, peer] of config.peers.entries()) {
    const files: [string, string | undefined][] = [[`peers[${i}].passwordFile`, peer.passwordFile], [`peers[${i}].tcpAo.keyFile`, peer.tcpAo?.keyFile]];
    for (const [at, keyFile] of files) {
      if (keyFile === undefined) continue;
      const r = await readSecret({ file: keyFile });
      if (!r.ok) errors.push({ file, line: lineOf(at), path: at, message: r.message });
    }
  }
  return errors;
}

export type SecretResult = { ok: true; secret: string | undefined } | { ok: false; message: string };

/** Where one key comes from: the first line of `file`, or the value of variable `env`. */
export interface SecretSource {
  file?: string;
  env?: string;
}

/** The key, 1..80 bytes (UTF-8); undefined when the source names neither a file nor a variable. */
export async function readSecret(src: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<SecretResult> {
  let secret: string;
  let where: string;
  if (src.env !== undefined) {
    const value = env[src.env];
    if (value === undefined || value === '') return { ok: false, message: `environment variable ${src.env} is not set (the key, 1..${MAX_KEY_BYTES} bytes)` };
    [secret, where] = [value, `environment variable ${src.env}`];
  } else if (src.file !== undefined) {
    try {
      secret = (await readFile(src.file, 'utf8')).split(/\r?\n/)[0] ?? '';
    } catch (err) {
      return { ok: false, message: `cannot read ${src.file} (${reason(err)})` };
    }
    if (secret === '') return { ok: false, message: `${src.file} is empty (the key on its first line, 1..${MAX_KEY_BYTES} bytes)` };
    where = src.file;
  } else return { ok: true, secret: undefined };
  const bytes = Buffer.byteLength(secret, 'utf8');
  if (bytes > MAX_KEY_BYTES) return { ok: false, message: `the key in ${where} is ${bytes} bytes (1..${MAX_KEY_BYTES}: the kernel's limit)` };
  return { ok: true, secret };
}

/** The peer's TCP-MD5 password: passwordEnv or passwordFile; undefined when it has neither. */
export function readPeerPassword(peer: PeerConfig, env: NodeJS.ProcessEnv = process.env): Promise<SecretResult> {
  return readSecret({ ...(peer.passwordFile !== undefined ? { file: peer.passwordFile } : {}), ...(peer.passwordEnv !== undefined ? { env: peer.passwordEnv } : {}) }, env);
}

/** The peer's TCP-AO key: tcpAo.keyEnv or tcpAo.keyFile; undefined without tcpAo. */
export function readPeerAoKey(peer: PeerConfig, env: NodeJS.ProcessEnv = process.env): Promise<SecretResult> {
  const ao = peer.tcpAo;
  if (!ao) return Promise.resolve({ ok: true, secret: undefined });
  return readSecret({ ...(ao.keyFile !== undefined ? { file: ao.keyFile } : {}), ...(ao.keyEnv !== undefined ? { env: ao.keyEnv } : {}) }, env);
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'no such file';
  if (e.code === 'EACCES') return 'permission denied';
  if (e.code === 'EISDIR') return 'is a directory';
  return e.code ?? (err instanceof Error ? err.message : String(err));
}
