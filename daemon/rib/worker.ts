/**
 * Worker-thread entry of the route engine: its own event loop and heap, so decoding and RIB
 * work (and their GC pauses) never delay the session engine's keepalives. Messages in and out
 * are the daemon/bus.ts unions. Processed UPDATEs are acknowledged per session so the session
 * engine can stop reading a peer's socket while the engine is behind (bounded queue, TCP
 * back-pressure to the sender). The thread lowers its own scheduling priority so that, on a
 * busy machine, the kernel runs the session thread first.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import type { ToEngine } from '../bus.js';
import { RouteEngine } from './engine.js';
import { lowerOwnPriority } from '../thread-priority.js';
import { reportThreadStats } from '../metrics/loop-lag.js';

if (!parentPort) throw new Error('daemon/rib/worker.ts must run as a worker thread');
const port = parentPort;
/** Best-path changes go straight to the sync engine's thread once it is connected. */
let fibPort: MessagePort | null = null;
const engine = new RouteEngine((m, transfer) => {
  if (m.t === 'restart-complete') fibPort?.postMessage(m);
  if (m.t === 'fib' || m.t === 'track') {
    // Without a FIB thread (--no-fib) nothing resolves next hops: every next hop counts as reachable.
    if (fibPort) fibPort.postMessage(m);
    else if (m.t === 'fib') port.postMessage(m);
    return;
  }
  port.postMessage(m, transfer ?? []);
});

lowerOwnPriority();
// Event-loop lag and heap for the metrics, every second (daemon/metrics/loop-lag.ts).
reportThreadStats((m) => port.postMessage(m));

const ACK_EVERY = 64;
const pending = new Map<string, { peer: string; session: number; count: number }>();
let flushScheduled = false;

function flushAcks(): void {
  flushScheduled = false;
  for (const a of pending.values()) port.postMessage({ t: 'ack', ...a });
  pending.clear();
}

function ack(peer: string, session: number): void {
  const key = `${peer}|${session}`;
  const a = pending.get(key) ?? { peer, session, count: 0 };
  a.count++;
  pending.set(key, a);
  if (a.count >= ACK_EVERY) {
    port.postMessage({ t: 'ack', ...a });
    pending.delete(key);
  } else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAcks);
  }
}

port.on('message', (m: ToEngine | { t: 'fib-port'; port: MessagePort }) => {
  if (m.t === 'fib-port') {
    fibPort = m.port;
    fibPort.on('message', (r: ToEngine) => {
      if (r.t === 'nh-state') engine.handle(r);
    });
    return;
  }
  if (m.t === 'stop') {
    port.close();
    return;
  }
  engine.handle(m);
  if (m.t === 'update') ack(m.peer, m.session);
});
