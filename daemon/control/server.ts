/**
 * The control API: newline-delimited JSON requests ({"method": "...", "params": {...}}) on a
 * Unix socket that only root (or the configured group) may open. Each request gets one JSON
 * line back: {"ok": true, "result": ...} or {"ok": false, "error": "..."}. Edge: owns the socket.
 */
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

export type Handler = (params: Record<string, unknown>) => Promise<unknown> | unknown;

const MAX_REQUEST = 64 * 1024;

export class ControlServer {
  private server?: net.Server;

  constructor(
    private readonly socketPath: string,
    private readonly handlers: Record<string, Handler>,
    private readonly group?: string,
  ) {}

  async start(): Promise<void> {
    fs.mkdirSync(path.dirname(this.socketPath), { recursive: true, mode: 0o755 });
    removeStaleSocket(this.socketPath);
    const server = net.createServer((c) => this.serve(c));
    // Create the socket with no permissions for others from the first instant.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.socketPath, () => resolve());
      });
    } finally {
      process.umask(oldMask);
    }
    if (this.group) {
      fs.chownSync(this.socketPath, 0, groupId(this.group));
      fs.chmodSync(this.socketPath, 0o660);
    } else fs.chmodSync(this.socketPath, 0o600);
    this.server = server;
  }

  private serve(c: net.Socket): void {
    let buf = '';
    c.setEncoding('utf8');
    c.on('error', () => c.destroy());
    c.on('data', (chunk: string) => {
      buf += chunk;
      if (buf.length > MAX_REQUEST) {
        c.end(JSON.stringify({ ok: false, error: 'request too large' }) + '\n');
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        void this.answer(line).then((reply) => c.write(JSON.stringify(reply) + '\n'));
      }
    });
  }

  private async answer(line: string): Promise<unknown> {
    let req: { method?: unknown; params?: unknown };
    try {
      req = JSON.parse(line) as { method?: unknown; params?: unknown };
    } catch {
      return { ok: false, error: 'request is not JSON' };
    }
    const h = typeof req.method === 'string' ? this.handlers[req.method] : undefined;
    if (!h) return { ok: false, error: `unknown method (known: ${Object.keys(this.handlers).join(', ')})` };
    try {
      const params = typeof req.params === 'object' && req.params !== null ? (req.params as Record<string, unknown>) : {};
      return { ok: true, result: await h(params) };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    await new Promise<void>((resolve) => s.close(() => resolve()));
    fs.rmSync(this.socketPath, { force: true });
  }
}

/** Removes a socket file left by a crashed daemon; refuses if a live daemon answers on it. */
function removeStaleSocket(p: string): void {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(p);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new Error(`${p} exists and is not a socket; refusing to replace it`);
  fs.rmSync(p);
}

function groupId(name: string): number {
  if (/^\d+$/.test(name)) return Number(name);
  const line = execFileSync('getent', ['group', name], { encoding: 'utf8' });
  const gid = Number(line.split(':')[2]);
  if (!Number.isInteger(gid)) throw new Error(`control.group ${name}: no such group`);
  return gid;
}
