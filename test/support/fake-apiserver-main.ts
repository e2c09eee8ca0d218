/**
 * The fake API server (fake-apiserver.ts) as a process, so it can run inside a test's network
 * namespace: serves the Node API on --host:--port over HTTPS and takes the test's orders on a
 * Unix socket (--control; a filesystem path, reachable from the test across namespaces):
 * POST /add|/update {FakeNodeSpec}, POST /delete {name}, POST /compact, POST /stop (outage),
 * POST /start, GET /node?name=, GET /requests. Test support only.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { FakeApiServer, type FakeNodeSpec } from './fake-apiserver.js';

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (v === undefined) throw new Error(`--${name} is required`);
  return v;
}

const api = new FakeApiServer(arg('token'), { host: arg('host'), bookmarkMs: 1000, tls: { key: readFileSync(arg('key'), 'utf8'), cert: readFileSync(arg('cert'), 'utf8') } });
await api.start(Number(arg('port')));

const control = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const j = (body ? JSON.parse(body) : {}) as FakeNodeSpec & { name: string };
      let out: unknown = { ok: true };
      switch (url.pathname) {
        case '/add': api.add(j); break;
        case '/update': api.update(j); break;
        case '/delete': api.delete(j.name); break;
        case '/compact': api.compact(); break;
        case '/stop': await api.stop(); break;
        case '/start': await api.start(Number(arg('port'))); break;
        case '/node': out = api.node(url.searchParams.get('name') ?? '') ?? null; break;
        case '/requests': out = api.requests; break;
        default: res.writeHead(404).end(); return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    })().catch((err: unknown) => res.writeHead(500).end(String(err)));
  });
});
control.listen(arg('control'), () => process.stdout.write(`fake apiserver on ${arg('host')}:${arg('port')}, control ${arg('control')}\n`));
process.on('SIGTERM', () => process.exit(0));
