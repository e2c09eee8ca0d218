/**
 * The Kubernetes API edge: the only module that talks to the API server, through the unmodified
 * `@kubernetes/client-node`. A reflector over core/v1 Nodes — list (paged), then watch from the
 * list's resourceVersion with bookmarks; a watch that ends is resumed from the last
 * resourceVersion seen (event or BOOKMARK); 410 Gone (an ERROR event or status) means the
 * version is too old: list again. Errors are retried with capped exponential backoff, and a
 * watch silent for longer than its timeout plus a grace period is abandoned and replaced (a
 * half-open connection to a dead API server never stalls the node). While the API is away the
 * last node list stays in force; nothing is withdrawn because the API went quiet.
 * Also patches this node's NetworkUnavailable condition (status subresource, strategic merge).
 * Input: kubeconfig / in-cluster service account. Output: NodeSource events. Edge.
 */
import { CoreV1Api, KubeConfig, PatchStrategy, Watch, setHeaderOptions } from '@kubernetes/client-node';

/** What a reflector reports; the node list is always whole (raw Node objects by name). */
export interface NodeSourceEvents {
  /** The node list changed (after a list, or one or more watch events; coalesced). */
  nodes(nodes: ReadonlyMap<string, unknown>): void;
  /** The API answered (true) or failed (false, with why). */
  apiState(up: boolean, error?: string): void;
  /** A list (initial or after 410 / a lost version) was done. */
  relisted?(reason: string): void;
  /** One watch event of this type arrived. */
  watchEvent?(type: string): void;
}

export interface ApiOptions {
  /** kubeconfig path; unset = in-cluster service account when present, else $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** Seconds the server is asked to keep a watch open (it closes it then; we resume). */
  watchTimeoutSeconds?: number;
  /** Milliseconds; first retry delay after an error, doubled up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Milliseconds to wait for a list page. */
  listTimeoutMs?: number;
}

const PAGE = 500;

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (process.env['KUBERNETES_SERVICE_HOST']) kc.loadFromCluster();
  else kc.loadFromDefault();
  return kc;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown; statusCode?: unknown }).statusCode ?? (err as { code?: unknown }).code;
    return code !== undefined ? `${err.message} (${String(code)})` : err.message;
  }
  return String(err);
}

function isGone(err: unknown): boolean {
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  return e !== null && typeof e === 'object' && (e.statusCode === 410 || e.code === 410);
}

export class NodeReflector {
  private readonly kc: KubeConfig;
  private readonly api: CoreV1Api;
  private readonly nodes = new Map<string, unknown>();
  private resourceVersion = '';
  private stopped = true;
  /** Each list/watch attempt has a generation; callbacks of an abandoned one are ignored. */
  private gen = 0;
  private abort: AbortController | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private emitTimer: NodeJS.Timeout | null = null;
  private backoff: number;
  private up: boolean | null = null;
  private readonly opts: Required<Omit<ApiOptions, 'kubeconfig'>>;

  constructor(
    private readonly events: NodeSourceEvents,
    opts: ApiOptions = {},
  ) {
    this.kc = loadKubeConfig(opts.kubeconfig);
    this.api = this.kc.makeApiClient(CoreV1Api);
    this.opts = { watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300, backoffMs: opts.backoffMs ?? 500, maxBackoffMs: opts.maxBackoffMs ?? 30_000, listTimeoutMs: opts.listTimeoutMs ?? 15_000 };
    this.backoff = this.opts.backoffMs;
  }

  /** The API server URL in use (for logs). */
  get server(): string {
    return this.kc.getCurrentCluster()?.server ?? '';
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.list('initial');
  }

  stop(): void {
    this.stopped = true;
    this.gen++;
    this.abort?.abort();
    this.abort = null;
    for (const t of [this.retryTimer, this.idleTimer, this.emitTimer]) if (t) clearTimeout(t);
    this.retryTimer = this.idleTimer = this.emitTimer = null;
  }

  private setUp(up: boolean, error?: string): void {
    if (up) this.backoff = this.opts.backoffMs;
    if (this.up === up && up) return;
    this.up = up;
    this.events.apiState(up, error);
  }

  private retry(gen: number, err: unknown): void {
    if (gen !== this.gen || this.stopped) return;
    this.gen++;
    this.abort?.abort();
    this.abort = null;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (isGone(err)) this.resourceVersion = '';
    this.setUp(false, errorText(err));
    const delay = this.backoff * (0.8 + Math.random() * 0.4);
    this.backoff = Math.min(this.backoff * 2, this.opts.maxBackoffMs);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.resourceVersion) void this.watch();
      else void this.list('resync after an error');
    }, delay);
    this.retryTimer.unref();
  }

  private async list(reason: string): Promise<void> {
    const gen = ++this.gen;
    try {
      const items = new Map<string, unknown>();
      let cont: string | undefined;
      let rv = '';
      do {
        const page = await withTimeout(this.api.listNode({ limit: PAGE, ...(cont ? { _continue: cont } : {}) }), this.opts.listTimeoutMs, 'list nodes timed out');
        if (gen !== this.gen || this.stopped) return;
        for (const n of page.items) if (n.metadata?.name) items.set(n.metadata.name, n);
        cont = page.metadata?._continue || undefined;
        rv = page.metadata?.resourceVersion ?? '';
      } while (cont);
      this.nodes.clear();
      for (const [k, v] of items) this.nodes.set(k, v);
      this.resourceVersion = rv;
      this.setUp(true);
      this.events.relisted?.(reason);
      this.emitNow();
      void this.watch();
    } catch (err) {
      this.retry(gen, err);
    }
  }

  private async watch(): Promise<void> {
    const gen = ++this.gen;
    const w = new Watch(this.kc);
    const params = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.opts.watchTimeoutSeconds };
    this.armIdle(gen);
    try {
      const ctl = await w.watch(
        '/api/v1/nodes',
        params,
        (type: string, obj: unknown) => this.onEvent(gen, type, obj),
        (err: unknown) => {
          if (gen !== this.gen || this.stopped) return;
          if (err) return this.retry(gen, err);
          // The server ended the watch (its timeout, or after a 410 ERROR event): resume or relist.
          if (this.idleTimer) clearTimeout(this.idleTimer);
          if (this.resourceVersion) void this.watch();
          else void this.list('resourceVersion expired (410 Gone)');
        },
      );
      if (gen !== this.gen || this.stopped) {
        ctl.abort();
        return;
      }
      this.abort = ctl;
      this.setUp(true);
    } catch (err) {
      this.retry(gen, err);
    }
  }

  /** No event or bookmark for the watch's timeout plus a grace period: the connection is dead. */
  private armIdle(gen: number): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    const ms = this.opts.watchTimeoutSeconds * 1000 + Math.max(5000, this.opts.watchTimeoutSeconds * 100);
    this.idleTimer = setTimeout(() => this.retry(gen, new Error('watch silent past its timeout')), ms);
    this.idleTimer.unref();
  }

  private onEvent(gen: number, type: string, obj: unknown): void {
    if (gen !== this.gen || this.stopped) return;
    this.armIdle(gen);
    this.events.watchEvent?.(type);
    const o = (obj ?? {}) as { metadata?: { name?: string; resourceVersion?: string }; code?: number };
    if (type === 'ERROR') {
      // A Status object: 410 Gone means our resourceVersion is too old; the server then ends the watch.
      if (o.code === 410) this.resourceVersion = '';
      return;
    }
    const rv = o.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const name = o.metadata?.name;
    if (!name) return;
    if (type === 'DELETED') this.nodes.delete(name);
    else if (type === 'ADDED' || type === 'MODIFIED') this.nodes.set(name, obj);
    else return;
    // Coalesce bursts (a relist of thousands of nodes arrives as thousands of events).
    this.emitTimer ??= setTimeout(() => this.emitNow(), 50);
  }

  private emitNow(): void {
    if (this.emitTimer) clearTimeout(this.emitTimer);
    this.emitTimer = null;
    this.events.nodes(this.nodes);
  }

  /** Sets this node's NetworkUnavailable condition (status subresource, strategic merge on type). */
  async setNetworkAvailable(name: string, reason: string, message: string): Promise<void> {
    const now = new Date().toISOString();
    const body = {
      status: {
        conditions: [{ type: 'NetworkUnavailable', status: 'False', reason, message, lastTransitionTime: now, lastHeartbeatTime: now }],
      },
    };
    await withTimeout(
      this.api.patchNodeStatus({ name, body }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)),
      this.opts.listTimeoutMs,
      'patch node status timed out',
    );
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}
