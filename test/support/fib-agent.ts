/**
 * Test driver for the kernel FIB: runs a FibReconciler over NetlinkFib in the network namespace
 * it was started in (`ip netns exec NS node dist/test/support/fib-agent.js`), driven by JSON
 * lines on stdin ({"id":1,"cmd":"set","routes":[...]}) and answering one JSON line per command
 * on stdout ({"id":1,"ok":true,"result":...}).
 * Input: commands from the scenario test. Output: kernel routes in that namespace, answers.
 * Must not: run outside a namespace the test created (the test starts it with `ip netns exec`).
 */
import { createInterface } from 'node:readline';
import { FibReconciler } from '../../daemon/kernel/reconciler.js';
import { NetlinkFib } from '../../daemon/kernel/netlink.js';
import type { FibRoute } from '../../daemon/kernel/fib.js';

interface Command {
  id: number;
  cmd: 'start' | 'set' | 'sweep' | 'settled' | 'counters' | 'reconcile' | 'stop';
  routes?: FibRoute[];
  sweep?: boolean;
  resyncIntervalMs?: number;
}

let fib: FibReconciler | undefined;

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'start':
      fib = new FibReconciler(new NetlinkFib(), { resyncIntervalMs: c.resyncIntervalMs ?? 30_000 });
      if (c.routes) fib.setRoutes(c.routes);
      await fib.start({ sweep: c.sweep ?? false });
      return fib.counters();
    case 'set':
      fib!.setRoutes(c.routes ?? []);
      await fib!.settled();
      return fib!.counters();
    case 'sweep':
      await fib!.sweep();
      return fib!.counters();
    case 'reconcile':
      await fib!.reconcile();
      return fib!.counters();
    case 'settled':
      await fib!.settled();
      return fib!.counters();
    case 'counters':
      return fib!.counters();
    case 'stop':
      await fib?.stop();
      setImmediate(() => process.exit(0));
      return null;
  }
}

const keepAlive = setInterval(() => undefined, 1 << 30);
createInterface({ input: process.stdin }).on('line', (line) => {
  const c = JSON.parse(line) as Command;
  handle(c).then(
    (result) => process.stdout.write(`${JSON.stringify({ id: c.id, ok: true, result })}\n`),
    (e: unknown) => process.stdout.write(`${JSON.stringify({ id: c.id, ok: false, error: String(e) })}\n`),
  );
}).on('close', () => {
  clearInterval(keepAlive);
  void fib?.stop().finally(() => process.exit(0));
});
