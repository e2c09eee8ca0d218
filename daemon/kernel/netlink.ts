/**
 * rtnetlink edge of the FIB: the only module that talks to the kernel's routing tables, through
 * the `netlink` package's raw socket (N-API, prebuilt). Works in whatever network namespace the
 * process runs in (the daemon is started with `ip netns exec` in tests).
 *
 * Input: FibOps / NhOps from the reconciler; dump and lookup requests. Output: per-op results
 * (errno names, never thrown), kernel snapshots, and notifications (routes, links, nexthops).
 * Must not: touch routes other than those the ops name (deletes carry our protocol), throw out of
 * a batch, or leave more than `maxInFlight` requests unacknowledged.
 *
 * Why raw messages instead of the package's RtNetlinkSocket.newRoute(): that API makes one
 * sendmsg and one promise per route and has no 'error' listener, so a receive-buffer overrun
 * (ENOBUFS, e.g. 1000 ACKs in flight) is an unhandled 'error' event that kills the process. Here
 * several requests share one sendmsg, ACKs are matched by sequence number, the window is
 * bounded, the receive buffer is raised, and ENOBUFS is turned into "resync needed".
 */
import { constants as osConstants } from 'node:os';
import { RawNetlinkSocket, Protocol } from 'netlink';
import type { FibOp, FibRoute, FibScope } from './fib.js';
import { inScope } from './fib.js';
import type { NhOp, NhRange } from './nexthops.js';
import * as m from './rtmsg.js';
import type { BatchResult, FibKernel, KernelEvent, KernelSnapshot, LinkState } from './types.js';

export interface NetlinkOptions {
  /** Requests sent but not yet acknowledged, at most (default 256). */
  maxInFlight?: number;
  /** Requests packed into one sendmsg, at most (default 64). */
  batch?: number;
  /** SO_RCVBUF for both sockets (default 4 MiB; capped by net.core.rmem_max). */
  recvBuffer?: number;
  /** An unanswered request fails with ETIMEDOUT after this (default 10 s). */
  requestTimeoutMs?: number;
  /** Retries for EBUSY/EAGAIN, with backoff 20 ms x4^n (default 3). */
  retries?: number;
}

const GROUP_LINK = 1;
const GROUP_IPV4_ROUTE = 7;
const GROUP_IPV6_ROUTE = 11;
const GROUP_NEXTHOP = 32;

const errnoName = new Map<number, string>(Object.entries(osConstants.errno).map(([k, v]) => [v, k]));
const ERR = osConstants.errno;
const TRANSIENT = new Set([ERR.EBUSY, ERR.EAGAIN]);
const LOST = new Set([ERR.ENOBUFS, ERR.ETIMEDOUT]);

interface Pending {
  seq: number;
  sentAt: number;
  /** Called for each non-error reply message (dumps, lookups). */
  onMessage?: (h: m.NlHeader) => void;
  finish: (errno: number) => void;
}

interface Queued {
  /** The whole message (nlmsghdr included); its sequence number is written when it is sent. */
  msg: Buffer;
  finish: (errno: number) => void;
  onMessage?: ((h: m.NlHeader) => void) | undefined;
}

export class NetlinkFib implements FibKernel {
  private readonly req: RawNetlinkSocket;
  private events: RawNetlinkSocket | undefined;
  private readonly pending = new Map<number, Pending>();
  /** FIFO of requests waiting for the window (head index: Array#shift is O(n) on long arrays). */
  private queue: Queued[] = [];
  private head = 0;
  private seq = 1;
  private readonly timer: NodeJS.Timeout;
  private readonly maxInFlight: number;
  private readonly batch: number;
  private readonly recvBuffer: number;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private lost = false;
  private pumpQueued = false;
  private closed = false;

  constructor(opts: NetlinkOptions = {}) {
    this.maxInFlight = opts.maxInFlight ?? 256;
    this.batch = opts.batch ?? 64;
    this.recvBuffer = opts.recvBuffer ?? 4 * 1024 * 1024;
    this.timeoutMs = opts.requestTimeoutMs ?? 10_000;
    this.retries = opts.retries ?? 3;
    this.req = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: this.recvBuffer, sendBufferSize: 1024 * 1024 });
    this.req.unref();
    this.req.on('message', (buf) => this.onReply(buf));
    // Without this listener an ENOBUFS from recvmsg is an unhandled 'error' event: a crash.
    this.req.on('error', (e) => this.onSocketError(e));
    this.timer = setInterval(() => this.expire(), 500).unref();
  }

  async dump(scope: FibScope, range: NhRange): Promise<KernelSnapshot> {
    for (let attempt = 0; ; attempt++) {
      let interrupted = false;
      const routes: FibRoute[] = [];
      const nexthops: KernelSnapshot['nexthops'] = [];
      const onRoute = (h: m.NlHeader): void => {
        if (h.flags & m.NLM_F_DUMP_INTR) interrupted = true;
        const r = h.type === m.RTM_NEWROUTE ? m.parseRoute(h.body) : null;
        if (r && inScope(r, scope)) routes.push(r);
      };
      const e4 = await this.request(m.RTM_GETROUTE, m.NLM_F_DUMP, m.routeDumpBody(4), onRoute);
      const e6 = await this.request(m.RTM_GETROUTE, m.NLM_F_DUMP, m.routeDumpBody(6), onRoute);
      const enh = await this.request(m.RTM_GETNEXTHOP, m.NLM_F_DUMP, m.nexthopDumpBody(), (h) => {
        if (h.flags & m.NLM_F_DUMP_INTR) interrupted = true;
        const n = h.type === m.RTM_NEWNEXTHOP ? m.parseNexthop(h.body) : null;
        if (n && n.obj.id >= range.first && n.obj.id <= range.last) nexthops.push(n.obj);
      });
      const err = e4 || e6 || (enh === ERR.EOPNOTSUPP || enh === ERR.EINVAL ? 0 : enh);
      if (!err && !interrupted) return { routes, nexthops };
      if (attempt >= 3) throw new Error(`rtnetlink dump failed: ${interrupted ? 'interrupted (NLM_F_DUMP_INTR)' : errnoName.get(err) ?? err}`);
    }
  }

  async links(): Promise<LinkState[]> {
    const out: LinkState[] = [];
    const err = await this.request(m.RTM_GETLINK, m.NLM_F_DUMP, m.linkDumpBody(), (h) => {
      const l = h.type === m.RTM_NEWLINK ? m.parseLink(h.body) : null;
      if (l) out.push(l);
    });
    if (err) throw new Error(`rtnetlink link dump failed: ${errnoName.get(err) ?? err}`);
    return out;
  }

  async lookup(addresses: readonly string[]): Promise<Map<string, m.LookupAnswer | null>> {
    const out = new Map<string, m.LookupAnswer | null>();
    await Promise.all(
      addresses.map(async (addr) => {
        const body = m.routeGetBody(addr);
        if (body === null) return out.set(addr, null);
        let found: m.LookupAnswer | null = null;
        // ENETUNREACH / EHOSTUNREACH: no route at all; the answer stays null.
        await this.request(m.RTM_GETROUTE, 0, body, (h) => {
          if (h.type === m.RTM_NEWROUTE) found = m.parseLookup(h.body);
        });
        out.set(addr, found);
      }),
    );
    return out;
  }

  applyRoutes(ops: readonly FibOp[], encoding: m.RouteEncoding): Promise<BatchResult> {
    const ack = m.NLM_F_REQUEST | m.NLM_F_ACK;
    return this.applyAll(ops, (op) => {
      if (op.op === 'delete') return m.routeMessage(op.route, m.RTM_DELROUTE, ack, encoding);
      // add: never overwrite a foreign route in the same slot (EEXIST instead); replace: ours.
      const flags = op.op === 'add' ? m.NLM_F_CREATE | m.NLM_F_EXCL : m.NLM_F_CREATE | m.NLM_F_REPLACE;
      return m.routeMessage(op.route, m.RTM_NEWROUTE, ack | flags, encoding);
    });
  }

  applyNexthops(ops: readonly NhOp[], protocol: number): Promise<BatchResult> {
    const ack = m.NLM_F_REQUEST | m.NLM_F_ACK;
    return this.applyAll(ops, (op) =>
      op.op === 'nh-add' || op.op === 'group-add'
        ? m.nlmsg(m.RTM_NEWNEXTHOP, ack | m.NLM_F_CREATE | m.NLM_F_REPLACE, 0, m.nexthopBody(op.obj, protocol))
        : m.nlmsg(m.RTM_DELNEXTHOP, ack, 0, m.nexthopDelBody(op.id)),
    );
  }

  subscribe(onEvent: (ev: KernelEvent) => void): void {
    if (this.events) throw new Error('already subscribed');
    // Message peeking (two recvmsg calls per notification) is kept on purpose: with a fixed
    // buffer the package allocates that much native memory per notification, outside V8's
    // accounting — 50k route echoes of 16 KiB each grew the process by 1.6 GB before a GC.
    const s = new RawNetlinkSocket(Protocol.ROUTE, { recvBufferSize: this.recvBuffer, sendBufferSize: 0 });
    s.unref();
    for (const g of [GROUP_LINK, GROUP_IPV4_ROUTE, GROUP_IPV6_ROUTE, GROUP_NEXTHOP]) s.addMembership(g);
    s.on('message', (buf) => {
      for (const h of m.splitMessages(buf)) {
        const ev = decodeEvent(h);
        if (ev) onEvent(ev);
      }
    });
    s.on('truncatedMessage', () => onEvent({ kind: 'overrun' }));
    s.on('error', (e) => {
      if ((e as { code?: string }).code === 'ENOBUFS') onEvent({ kind: 'overrun' });
    });
    this.events = s;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    for (const p of [...this.pending.values()]) p.finish(ERR.ECANCELED);
    for (const q of this.queue.slice(this.head)) q.finish(ERR.ECANCELED);
    this.queue = [];
    this.head = 0;
    this.pending.clear();
    this.req.close();
    this.events?.close();
  }

  /**
   * Sends every request through a bounded window, retrying transient errors; counts, never
   * throws. Messages are encoded lazily as the window opens, so memory stays bounded by the
   * window, not by the batch (1M routes are not 1M queued buffers), and an item costs one
   * callback, not a promise: at tens of thousands of routes a second that is what the kernel
   * is waiting on.
   */
  private applyAll<T>(items: readonly T[], encode: (item: T) => Buffer | null): Promise<BatchResult> {
    const n = items.length;
    const res: BatchResult = { ok: 0, failed: 0, byError: {}, results: new Array<string>(n), latencyMs: new Array<number>(n), resync: false };
    if (n === 0) return Promise.resolve(res);
    return new Promise((resolve) => {
      const t0 = new Float64Array(n);
      const tries = new Uint8Array(n);
      let next = 0;
      let open = 0;
      let finished = 0;
      const done = (i: number, err: number): void => {
        res.latencyMs[i] = performance.now() - t0[i]!;
        this.tally(res, i, err);
        finished++;
      };
      const end = (): void => {
        if (finished !== n) return;
        if (this.lost) {
          res.resync = true;
          this.lost = false;
        }
        resolve(res);
      };
      const feed = (): void => {
        while (open < this.maxInFlight && next < n) {
          const i = next++;
          const msg = encode(items[i]!);
          t0[i] = performance.now();
          if (msg === null) done(i, ERR.EINVAL);
          else {
            open++;
            send(i, msg);
          }
        }
        end();
      };
      const send = (i: number, msg: Buffer): void =>
        this.enqueue({
          msg,
          finish: (err) => {
            if (TRANSIENT.has(err) && tries[i]! < this.retries) {
              const delay = 20 * 4 ** tries[i]!++;
              setTimeout(() => send(i, msg), delay);
              return;
            }
            open--;
            done(i, err);
            feed();
          },
        });
      feed();
    });
  }

  private tally(res: BatchResult, i: number, err: number): void {
    if (err === 0) {
      res.ok++;
      res.results[i] = '';
      return;
    }
    const name = errnoName.get(err) ?? `E${err}`;
    res.failed++;
    res.results[i] = name;
    res.byError[name] = (res.byError[name] ?? 0) + 1;
    if (LOST.has(err)) res.resync = true;
  }

  /** One request: resolves with 0 (ACK / DONE) or a positive errno. */
  private request(type: number, flags: number, body: Buffer, onMessage?: (h: m.NlHeader) => void): Promise<number> {
    if (this.closed) return Promise.resolve(ERR.ECANCELED);
    return new Promise((finish) => this.enqueue({ msg: m.nlmsg(type, flags | m.NLM_F_REQUEST, 0, body), finish, onMessage }));
  }

  private enqueue(q: Queued): void {
    if (this.closed) return q.finish(ERR.ECANCELED);
    this.queue.push(q);
    this.schedulePump();
  }

  /**
   * One pump per event-loop turn, after the turn's I/O: the ACKs read in this turn release their
   * workers, whose next requests then share sendmsg calls (up to `batch` each) instead of one
   * syscall per ACK. (A microtask here ran after every single ACK and sent one message per call.)
   */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      if (!this.closed) this.pump();
    });
  }

  private pump(): void {
    let out: Buffer[] = [];
    let seqs: number[] = [];
    const flush = (): void => {
      if (out.length === 0) return;
      const sent = seqs;
      this.req.send(out, { port: 0 }, (e) => {
        if (!e) return;
        const errno = typeof e.errno === 'number' ? Math.abs(e.errno) : ERR.EIO;
        for (const s of sent) this.settle(s, errno);
      });
      out = [];
      seqs = [];
    };
    while (this.head < this.queue.length && this.pending.size < this.maxInFlight) {
      const q = this.queue[this.head++]!;
      const seq = this.seq;
      this.seq = this.seq >= 0x7fffffff ? 1 : this.seq + 1;
      this.pending.set(seq, { finish: q.finish, onMessage: q.onMessage, seq, sentAt: performance.now() });
      q.msg.writeUInt32LE(seq, 8);
      out.push(q.msg);
      seqs.push(seq);
      if (out.length >= this.batch) flush();
    }
    flush();
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.pending.size > 0) this.req.ref();
    else this.req.unref();
  }

  private settle(seq: number, errno: number): void {
    const p = this.pending.get(seq);
    if (!p) return;
    this.pending.delete(seq);
    p.finish(errno);
  }

  private onReply(buf: Buffer): void {
    let done = false;
    for (const h of m.splitMessages(buf)) {
      const p = this.pending.get(h.seq);
      if (!p) continue;
      if (h.type === m.NLMSG_ERROR) {
        this.settle(h.seq, m.errorCode(h.body));
        done = true;
      } else if (h.type === m.NLMSG_DONE) {
        this.settle(h.seq, h.body.length >= 4 ? Math.abs(h.body.readInt32LE(0)) : 0);
        done = true;
      } else {
        p.onMessage?.(h);
        // A lookup without NLM_F_ACK gets one reply and no ACK.
        if (!(h.flags & m.NLM_F_MULTI)) {
          this.settle(h.seq, 0);
          done = true;
        }
      }
    }
    if (done) this.schedulePump();
  }

  /** Receive overrun: ACKs may be lost. Fail what is in flight, ask for a resync. */
  private onSocketError(e: Error): void {
    const code = (e as { code?: string }).code;
    this.lost = true;
    if (code !== 'ENOBUFS') return;
    for (const seq of [...this.pending.keys()]) this.settle(seq, ERR.ENOBUFS);
    this.pump();
  }

  private expire(): void {
    const limit = performance.now() - this.timeoutMs;
    let any = false;
    for (const p of [...this.pending.values()]) {
      if (p.sentAt >= limit) continue;
      this.settle(p.seq, ERR.ETIMEDOUT);
      any = true;
    }
    if (any) this.pump();
  }
}

function decodeEvent(h: m.NlHeader): KernelEvent | null {
  switch (h.type) {
    case m.RTM_NEWROUTE:
    case m.RTM_DELROUTE: {
      const route = m.parseRoute(h.body);
      return route && { kind: 'route', action: h.type === m.RTM_NEWROUTE ? 'new' : 'del', route };
    }
    case m.RTM_NEWLINK:
    case m.RTM_DELLINK: {
      const link = m.parseLink(h.body);
      return link && { kind: 'link', action: h.type === m.RTM_NEWLINK ? 'new' : 'del', link };
    }
    case m.RTM_NEWNEXTHOP:
    case m.RTM_DELNEXTHOP: {
      const id = m.nexthopId(h.body);
      const obj = m.parseNexthop(h.body)?.obj ?? null;
      return id === null ? null : { kind: 'nexthop', action: h.type === m.RTM_NEWNEXTHOP ? 'new' : 'del', id, obj };
    }
    default:
      return null;
  }
}
