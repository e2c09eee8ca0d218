/**
 * The HTTP edge for Prometheus and health probes (node:http): GET /metrics (text exposition),
 * /healthz (200 while the main event loop is responsive, else 503) and /readyz (200 once the
 * daemon is ready, else 503 with what it waits for). HEAD works too; another method on those
 * paths is 405, any other path 404. Query strings are ignored.
 * Input: requests on one address:port. Output: responses from the handlers it is given.
 * Must not: serve anything else, keep slow clients forever, or throw out of a request.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Verdict } from './health.js';

export interface Endpoints {
  metrics(): Promise<{ contentType: string; body: string }>;
  healthz(): Verdict;
  readyz(): Verdict;
}

const PATHS = new Set(['/metrics', '/healthz', '/readyz']);

export class MetricsServer {
  private readonly server: http.Server;

  constructor(private readonly endpoints: Endpoints) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    // A scraper that stalls gets cut off; Prometheus's own timeout is 10 s by default.
    this.server.requestTimeout = 15_000;
    this.server.headersTimeout = 5_000;
    this.server.keepAliveTimeout = 5_000;
  }

  /** Binds; rejects with the socket error (EADDRINUSE, EADDRNOTAVAIL, ...). */
  listen(host: string, port: number): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen({ host, port }, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const head = req.method === 'HEAD';
    if (!PATHS.has(path)) return send(res, 404, 'text/plain; charset=utf-8', 'not found (/metrics, /healthz, /readyz)\n', head);
    if (req.method !== 'GET' && !head) {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, 405, 'text/plain; charset=utf-8', 'method not allowed (GET, HEAD)\n', false);
    }
    try {
      if (path === '/metrics') {
        const m = await this.endpoints.metrics();
        return send(res, 200, m.contentType, m.body, head);
      }
      const v = path === '/healthz' ? this.endpoints.healthz() : this.endpoints.readyz();
      return send(res, v.ok ? 200 : 503, 'text/plain; charset=utf-8', `${v.reason}\n`, head);
    } catch (err) {
      return send(res, 500, 'text/plain; charset=utf-8', `error: ${err instanceof Error ? err.message : String(err)}\n`, head);
    }
  }
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, head: boolean): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(head ? undefined : body);
}
