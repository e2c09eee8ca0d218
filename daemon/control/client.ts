/**
 * Client side of the control API, used by the CLI and by tests: one request, one reply, with
 * errors that say what to do when the daemon is not running or the socket is not permitted.
 */
import net from 'node:net';

export const DEFAULT_SOCKET = '/run/rackroute/rackroute.sock';

export class ControlError extends Error {}

export function callDaemon(socketPath: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(socketPath);
    let buf = '';
    const timer = setTimeout(() => {
      c.destroy();
      reject(new ControlError(`rackrouted did not answer on ${socketPath} within ${timeoutMs} ms`));
    }, timeoutMs);
    c.setEncoding('utf8');
    c.on('connect', () => c.write(JSON.stringify({ method, params }) + '\n'));
    c.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      c.end();
      try {
        const reply = JSON.parse(buf.slice(0, nl)) as { ok: boolean; result?: unknown; error?: string };
        if (reply.ok) resolve(reply.result);
        else reject(new ControlError(reply.error ?? 'request failed'));
      } catch {
        reject(new ControlError('rackrouted sent a reply that is not JSON'));
      }
    });
    c.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new ControlError(explain(err, socketPath)));
    });
  });
}

function explain(err: NodeJS.ErrnoException, socketPath: string): string {
  switch (err.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
      return `rackrouted is not running (no control socket at ${socketPath}); start it with 'systemctl start rackrouted'`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${socketPath}: run as root or as a member of the configured control group`;
    default:
      return `cannot reach rackrouted at ${socketPath}: ${err.message}`;
  }
}
