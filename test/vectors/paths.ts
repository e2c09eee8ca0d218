/**
 * Where the vector and fuzz-corpus folders are, from the compiled location (dist/test/vectors)
 * back to the source tree, so tests run from any working directory. Pure: path arithmetic only.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** Repository root: dist/test/vectors -> three levels up. */
export const REPO_ROOT = resolve(here, '..', '..', '..');
export const MALFORMED_DIR = join(REPO_ROOT, 'test', 'vectors', 'malformed');
export const CORPUS_DIR = join(REPO_ROOT, 'test', 'fuzz', 'corpus');
