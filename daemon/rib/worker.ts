/**
 * Worker-thread entry of the route engine: its own event loop and heap, so decoding and RIB
 * work (and their GC pauses) never delay the session engine's keepalives. Messages in and out
 * are the daemon/bus.ts unions.
 */
import { parentPort } from 'node:worker_threads';
import type { ToEngine } from '../bus.js';
import { RouteEngine } from './engine.js';

if (!parentPort) throw new Error('daemon/rib/worker.ts must run as a worker thread');
const port = parentPort;
const engine = new RouteEngine((m, transfer) => port.postMessage(m, transfer ?? []));
port.on('message', (m: ToEngine) => {
  if (m.t === 'stop') {
    port.close();
    return;
  }
  engine.handle(m);
});
