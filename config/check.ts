/**
 * `rackrouted --check --config FILE`: load, parse and validate the file; print every error
 * (`file:line: path: message`) to stderr and return 1, or print the canonical config to stdout
 * and return 0. Input: a path. Output: text on the given streams and an exit code; the caller
 * (daemon/main.ts) exits with it.
 */
import { loadConfigFile } from './load.js';
import { printConfig } from './print.js';
import { formatError } from './schema.js';

export interface CheckOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export async function runCheck(path: string, out: CheckOutput = process): Promise<number> {
  const { config, errors } = await loadConfigFile(path);
  if (!config || errors.length > 0) {
    out.stderr.write(errors.map((e) => `${formatError(e)}\n`).join(''));
    return 1;
  }
  out.stdout.write(printConfig(config));
  return 0;
}
