/**
 * A stand-in for kube-apiserver, for tests only (no API server can be installed here): the
 * core/v1 Node API as the real one speaks it, so `@kubernetes/client-node` runs unmodified
 * against it. List (with limit/continue paging and the list's resourceVersion), watch from a
 * resourceVersion (ADDED/MODIFIED/DELETED events in order, BOOKMARK events when
 * allowWatchBookmarks=true, the server closing the watch after timeoutSeconds, and an ERROR
 * event with a 410 Status when the version was compacted away), get, and PATCH of the status
 * subresource (strategic merge of conditions by type). Every request needs
 * `Authorization: Bearer <token>` (401 otherwise). The test drives it: add/update/delete nodes,
 * compact the history, take the server down (connections cut) and up again on the same port.
 * HTTPS with a certificate made for the run (selfSignedCert), as client-node refuses plain
 * HTTP; on the address given (loopback or a test namespace's address).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeNodeSpec {
  name: string;
  internalIps: string[];
  podCidrs: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

type Obj = Record<string, unknown>;
interface Event {
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: Obj;
}
interface Watcher {
  res: http.ServerResponse;
  bookmarks: boolean;
  timer?: NodeJS.Timeout;
}

export interface RequestRecord {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

export function nodeObject(n: FakeNodeSpec): Obj {
  return {
    kind: 'Node',
    apiVersion: 'v1',
    metadata: { name: n.name, uid: `uid-${n.name}`, labels: { 'kubernetes.io/hostname': n.name, ...(n.labels ?? {}) }, annotations: { ...(n.annotations ?? {}) } },
    spec: { podCIDR: n.podCidrs[0], podCIDRs: [...n.podCidrs] },
    status: {
      addresses: [...n.internalIps.map((a) => ({ type: 'InternalIP', address: a })), { type: 'Hostname', address: n.name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    },
  };
}

export class FakeApiServer {
  private readonly nodes = new Map<string, Obj>();
  private rv = 100;
  private history: Event[] = [];
  /** Versions at or below this are gone (compacted): watching from them is 410. */
  private compactedTo = 0;
  private server: https.Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly watchers = new Set<Watcher>();
  private bookmarkTimer: NodeJS.Timeout | null = null;
  readonly requests: RequestRecord[] = [];
  port = 0;

  constructor(
    readonly token: string,
    private readonly opts: { host?: string; bookmarkMs?: number; tls: { key: string; cert: string } },
  ) {}

  async start(port = 0): Promise<number> {
    const server = https.createServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, (req, res) => this.handle(req, res));
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port || this.port, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    this.bookmarkTimer = setInterval(() => this.bookmark(), this.opts.bookmarkMs ?? 1000);
    this.bookmarkTimer.unref();
    return this.port;
  }

  /** An outage: stop listening and cut every connection (watches end with an error). */
  async stop(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.bookmarkTimer = null;
    for (const w of this.watchers) if (w.timer) clearTimeout(w.timer);
    this.watchers.clear();
    const s = this.server;
    this.server = null;
    for (const sock of this.sockets) sock.destroy();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  get resourceVersion(): number {
    return this.rv;
  }

  node(name: string): Obj | undefined {
    return this.nodes.get(name);
  }

  add(n: FakeNodeSpec): void {
    this.put(nodeObject(n), 'ADDED');
  }

  /** Replaces spec/labels/addresses (keeps status conditions, as kubelet and CNIs share them). */
  update(n: FakeNodeSpec): void {
    const old = this.nodes.get(n.name);
    const next = nodeObject(n);
    if (old) (next['status'] as Obj)['conditions'] = (old['status'] as Obj)['conditions'];
    this.put(next, old ? 'MODIFIED' : 'ADDED');
  }

  delete(name: string): void {
    const old = this.nodes.get(name);
    if (!old) return;
    this.nodes.delete(name);
    const object = structuredClone(old);
    (object['metadata'] as Obj)['resourceVersion'] = String(++this.rv);
    this.emit({ rv: this.rv, type: 'DELETED', object });
  }

  /** Forgets the event history: a watch from any version seen so far gets 410 Gone. */
  compact(): void {
    this.compactedTo = this.rv;
    this.history = [];
  }

  private put(obj: Obj, type: 'ADDED' | 'MODIFIED'): void {
    const meta = obj['metadata'] as Obj;
    meta['resourceVersion'] = String(++this.rv);
    this.nodes.set(String(meta['name']), obj);
    this.emit({ rv: this.rv, type, object: structuredClone(obj) });
  }

  private emit(e: Event): void {
    this.history.push(e);
    for (const w of this.watchers) write(w.res, { type: e.type, object: e.object });
  }

  private bookmark(): void {
    for (const w of this.watchers) if (w.bookmarks) write(w.res, { type: 'BOOKMARK', object: { kind: 'Node', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    const rec: RequestRecord = { method: req.method ?? '', path: url.pathname, query, status: 0 };
    this.requests.push(rec);
    const reply = (status: number, body: unknown): void => {
      rec.status = status;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.token}`) return reply(401, statusObj(401, 'Unauthorized', 'Unauthorized'));
    const m = /^\/api\/v1\/nodes(?:\/([^/]+))?(\/status)?$/.exec(url.pathname);
    if (!m) return reply(404, statusObj(404, 'NotFound', `the server could not find the requested resource`));
    const [, name, status] = m;
    if (req.method === 'GET' && !name) {
      if (query['watch'] === 'true' || query['watch'] === '1') return this.watch(req, res, rec, query);
      return reply(200, this.list(query));
    }
    if (req.method === 'GET' && name) {
      const n = this.nodes.get(name);
      return n ? reply(200, n) : reply(404, statusObj(404, 'NotFound', `nodes "${name}" not found`));
    }
    if (req.method === 'PATCH' && name && status) {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const n = this.nodes.get(name);
        if (!n) return reply(404, statusObj(404, 'NotFound', `nodes "${name}" not found`));
        if (req.headers['content-type'] !== 'application/strategic-merge-patch+json') return reply(415, statusObj(415, 'UnsupportedMediaType', `the body of the request was in an unknown format`));
        let patch: Obj;
        try {
          patch = JSON.parse(body) as Obj;
        } catch {
          return reply(400, statusObj(400, 'BadRequest', 'invalid JSON'));
        }
        const next = structuredClone(n);
        const st = next['status'] as Obj;
        const have = (st['conditions'] ?? []) as Obj[];
        // Strategic merge: conditions are merged by their `type` key (patchMergeKey).
        for (const c of ((patch['status'] as Obj | undefined)?.['conditions'] ?? []) as Obj[]) {
          const i = have.findIndex((h) => h['type'] === c['type']);
          if (i >= 0) have[i] = { ...have[i], ...c };
          else have.push(c);
        }
        st['conditions'] = have;
        this.put(next, 'MODIFIED');
        reply(200, next);
      });
      return;
    }
    reply(405, statusObj(405, 'MethodNotAllowed', `${req.method ?? ''} is not supported here`));
  }

  private list(query: Record<string, string>): Obj {
    const all = [...this.nodes.values()].sort((a, b) => String((a['metadata'] as Obj)['name']).localeCompare(String((b['metadata'] as Obj)['name'])));
    const limit = Number(query['limit'] ?? 0) || all.length;
    const from = Number(query['continue'] ?? 0) || 0;
    const items = all.slice(from, from + limit);
    const more = from + limit < all.length;
    return { kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv), ...(more ? { continue: String(from + limit) } : {}) }, items };
  }

  private watch(req: http.IncomingMessage, res: http.ServerResponse, rec: RequestRecord, query: Record<string, string>): void {
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const since = Number(query['resourceVersion'] ?? 0);
    if (since && since < this.compactedTo) {
      // What kube-apiserver sends for a compacted version: one ERROR event, then it ends the watch.
      write(res, { type: 'ERROR', object: statusObj(410, 'Expired', `too old resource version: ${since} (${this.compactedTo})`) });
      res.end();
      return;
    }
    const w: Watcher = { res, bookmarks: query['allowWatchBookmarks'] === 'true' };
    // Without a version: the current state as ADDED events, then changes.
    if (!since) for (const n of this.nodes.values()) write(res, { type: 'ADDED', object: n });
    else for (const e of this.history) if (e.rv > since) write(res, { type: e.type, object: e.object });
    this.watchers.add(w);
    const timeout = Number(query['timeoutSeconds'] ?? 0);
    if (timeout > 0) w.timer = setTimeout(() => res.end(), timeout * 1000);
    const done = (): void => {
      if (w.timer) clearTimeout(w.timer);
      this.watchers.delete(w);
    };
    req.on('close', done);
    res.on('close', done);
  }
}

function write(res: http.ServerResponse, event: unknown): void {
  if (!res.writableEnded) res.write(`${JSON.stringify(event)}\n`);
}

function statusObj(code: number, reason: string, message: string): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A self-signed certificate (its own CA) for the given IP addresses, made with openssl in `dir`. */
export function selfSignedCert(dir: string, ips: string[]): { key: string; cert: string } {
  const key = join(dir, 'apiserver.key');
  const cert = join(dir, 'apiserver.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=fake-apiserver', '-addext', `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}`,
    '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
}

/** A kubeconfig for the fake server (token auth, its certificate as the cluster CA). */
export function kubeconfigFor(server: string, token: string, caCert: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${Buffer.from(caCert).toString('base64')}`,
    'users:',
    '- name: rackroute',
    '  user:',
    `    token: ${token}`,
    'contexts:',
    '- name: fake',
    '  context:',
    '    cluster: fake',
    '    user: rackroute',
    'current-context: fake',
    '',
  ].join('\n');
}
