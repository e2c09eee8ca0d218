/**
 * The keepalive-gap benchmark's load generator, run as its own process inside the blaster's
 * network namespace (started by test/bench/keepalive-gap.ts). It opens two BGP sessions to the
 * daemon from two local addresses: `flood` sends the packed table (test/bench/workload.ts) as fast
 * as TCP allows once told to, `idle` sends nothing but KEEPALIVEs. On both it records the arrival
 * time of every KEEPALIVE the daemon sends. Messages are built and read with the project's codec
 * (peers/negotiate.ts buildOpen, peers/wire encodeMessage / Framer / decodeMessage).
 *
 * Output: one JSON event per stdout line, {"ev": name, "t": CLOCK_MONOTONIC seconds, ...}.
 * Input (stdin lines): "go" starts the flood, "quit" prints the summary and closes both sessions
 * with Cease; EOF on stdin quits too (so it never outlives the benchmark). Talks only to the
 * daemon address it is given (inside the benchmark's own namespaces).
 */
import net from 'node:net';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { buildOpen } from '../../peers/negotiate.js';
import { decodeMessage, encodeMessage, Framer } from '../../peers/wire/index.js';
import { BENCH_CONTEXT, ipU32, tableWorkload } from './workload.js';

const now = (): number => Number(process.hrtime.bigint()) / 1e9;
const emit = (ev: string, extra: Record<string, unknown> = {}): void => {
  process.stdout.write(JSON.stringify({ ev, t: now(), ...extra }) + '\n');
};

interface Opts {
  daemon: string;
  floodFrom: string;
  idleFrom: string;
  asn: number;
  hold: number;
  prefixes: number;
  seed: number;
  chunk: number;
}

function parse(argv: readonly string[]): Opts {
  const get = (k: string, d?: string): string => {
    const i = argv.indexOf(`--${k}`);
    const v = i >= 0 ? argv[i + 1] : d;
    if (v === undefined) throw new Error(`blaster: --${k} is required`);
    return v;
  };
  return {
    daemon: get('daemon'),
    floodFrom: get('flood-from'),
    idleFrom: get('idle-from'),
    asn: Number(get('asn', '65001')),
    hold: Number(get('hold', '3')),
    prefixes: Number(get('prefixes', '1000000')),
    seed: Number(get('seed', '1')),
    chunk: Number(get('chunk', '65536')),
  };
}

class BenchSession {
  readonly keepalives: number[] = [];
  established = false;
  private readonly framer = new Framer();
  private readonly sock: net.Socket;
  private timer?: NodeJS.Timeout;
  private quitting = false;

  constructor(
    readonly name: string,
    o: Opts,
    localAddress: string,
    private readonly onUp: () => void,
  ) {
    this.sock = net.connect({ host: o.daemon, port: 179, localAddress });
    this.sock.setNoDelay(true);
    const open = buildOpen({ asn: o.asn, bgpId: ipU32(localAddress), holdTime: o.hold, families: [{ afi: 1, safi: 1 }], extendedMessage: false, enhancedRouteRefresh: false });
    this.sock.on('connect', () => this.sock.write(encodeMessage(open, BENCH_CONTEXT)));
    this.sock.on('data', (d: Buffer) => this.onData(d, now()));
    this.sock.on('error', (e) => emit('socket_error', { session: name, msg: e.message }));
    this.sock.on('close', () => {
      if (!this.quitting) emit('closed', { session: name });
      clearInterval(this.timer);
    });
    this.timer = setInterval(() => this.sock.write(encodeMessage({ type: 4 }, BENCH_CONTEXT)), (o.hold * 1000) / 3);
  }

  private onData(d: Buffer, t: number): void {
    this.framer.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    for (let r = this.framer.next(); r !== null; r = this.framer.next()) {
      if (!r.ok) return emit('framing_error', { session: this.name, error: r.error.reason });
      const type = r.value[18];
      if (type === 4) this.onKeepalive(t);
      else if (type === 1) this.sock.write(encodeMessage({ type: 4 }, BENCH_CONTEXT));
      else if (type === 3) {
        const m = decodeMessage(r.value, BENCH_CONTEXT);
        emit('notification', { session: this.name, message: m.ok ? m.value : null });
      }
    }
  }

  private onKeepalive(t: number): void {
    if (!this.established) {
      this.established = true;
      emit('established', { session: this.name });
      this.onUp();
      return;
    }
    this.keepalives.push(t);
  }

  /** Writes `buf` in chunks, honouring back-pressure; resolves once the kernel has it all. */
  sendAll(buf: Buffer, chunk: number): Promise<void> {
    return new Promise((resolve) => {
      let off = 0;
      const pump = (): void => {
        while (off < buf.length) {
          const end = Math.min(buf.length, off + chunk);
          const last = end === buf.length;
          const more = this.sock.write(buf.subarray(off, end), last ? () => resolve() : undefined);
          off = end;
          if (!more && !last) {
            this.sock.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  }

  write(b: Uint8Array): void {
    this.sock.write(b);
  }

  quit(): void {
    this.quitting = true;
    clearInterval(this.timer);
    // Cease / Administrative Shutdown (RFC 4486 §4).
    this.sock.end(encodeMessage({ type: 3, code: 6, subcode: 2, data: new Uint8Array(0) }, BENCH_CONTEXT));
  }
}

function main(): void {
  const o = parse(process.argv.slice(2));
  const t0 = now();
  const wl = tableWorkload({ prefixes: o.prefixes, peerAs: o.asn, nextHop: ipU32(o.floodFrom), seed: o.seed });
  const updates = wl.frames.length;
  const table = Buffer.concat(wl.frames);
  wl.frames.length = 0;
  // Collect the workload's garbage now, so no major GC of ours lands inside the measured flood.
  (globalThis as { gc?: () => void }).gc?.();
  emit('encoded', { prefixes: wl.prefixes, updates, bytes: table.length, build_s: now() - t0 });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  let up = 0;
  const onUp = (): void => {
    if (++up === 2) emit('ready');
  };
  const flood = new BenchSession('flood', o, o.floodFrom, onUp);
  const idle = new BenchSession('idle', o, o.idleFrom, onUp);
  let started = false;
  const go = async (): Promise<void> => {
    if (started) return;
    started = true;
    loop.reset();
    emit('first_update');
    await flood.sendAll(table, o.chunk);
    flood.write(encodeMessage({ type: 2, withdrawn: [], attrs: {}, nlri: [] }, BENCH_CONTEXT)); // End-of-RIB (RFC 4724 §2)
    emit('sent_all', { bytes: table.length });
  };
  let done = false;
  const quit = (): void => {
    if (done) return;
    done = true;
    emit('final', {
      keepalives: { flood: flood.keepalives, idle: idle.keepalives },
      blasterLoopDelayMaxMs: loop.max / 1e6,
      blasterLoopDelayP99Ms: loop.percentile(99) / 1e6,
    });
    flood.quit();
    idle.quit();
    setTimeout(() => process.exit(0), 300).unref();
  };
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (l) => {
    if (l.trim() === 'go') void go();
    else if (l.trim() === 'quit') quit();
  });
  rl.on('close', quit);
}

main();
