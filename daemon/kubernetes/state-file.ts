/**
 * The last known good node list on disk, so a node that restarts while the Kubernetes API is
 * unreachable comes back with the same pod CIDRs, peers and ownership table instead of none.
 * Written atomically (temporary file, fsync, rename) after the list changes; read once at
 * start. Input: NodeInfo lists (node-info.ts). Output: a JSON file (default
 * /var/lib/rackroute/kubernetes.json). Edge: file I/O only, asynchronous; never throws — a
 * missing or unreadable file reads as "nothing known", with the reason.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { NodeInfo } from './node-info.js';

const VERSION = 1;

export interface SavedState {
  savedAt: string;
  nodeName: string;
  nodes: NodeInfo[];
}

export async function readState(path: string): Promise<{ state: SavedState | null; error?: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    return { state: null, ...(code === 'ENOENT' ? {} : { error: `cannot read ${path}: ${(err as Error).message}` }) };
  }
  try {
    const j = JSON.parse(text) as { version?: unknown; savedAt?: unknown; nodeName?: unknown; nodes?: unknown };
    if (j.version !== VERSION || typeof j.nodeName !== 'string' || typeof j.savedAt !== 'string' || !Array.isArray(j.nodes)) {
      return { state: null, error: `${path} is not a rackroute state file of version ${VERSION}` };
    }
    const nodes = (j.nodes as unknown[]).filter(isNodeInfo);
    return { state: { savedAt: j.savedAt, nodeName: j.nodeName, nodes } };
  } catch (err) {
    return { state: null, error: `${path}: ${(err as Error).message}` };
  }
}

function isNodeInfo(v: unknown): v is NodeInfo {
  const n = v as Partial<NodeInfo> | null;
  const strs = (x: unknown): boolean => Array.isArray(x) && x.every((s) => typeof s === 'string');
  return (
    typeof n === 'object' && n !== null && typeof n.name === 'string' && strs(n.internalIps) && strs(n.podCidrs) &&
    typeof n.labels === 'object' && n.labels !== null && Array.isArray(n.extraPeers) && strs(n.problems)
  );
}

export async function writeState(path: string, state: Omit<SavedState, 'savedAt'>): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o750 });
  const tmp = `${path}.tmp-${process.pid}`;
  const f = await open(tmp, 'w', 0o640);
  try {
    await f.writeFile(JSON.stringify({ version: VERSION, savedAt: new Date().toISOString(), ...state }, null, 1));
    await f.sync();
  } finally {
    await f.close();
  }
  await rename(tmp, path);
}
