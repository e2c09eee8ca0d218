/**
 * The FIB turned off (`fib: none`, or tests without privileges): same interface as the
 * reconciler, keeps the desired set so counters and `settled()` behave, installs nothing.
 * Input: desired routes. Output: counters only. Must not: open sockets or touch the kernel.
 */
import { inScope, routeKey, DEFAULT_SCOPE, type FibRoute, type FibScope } from './fib.js';
import type { Fib, FibCounters, StartOptions } from './types.js';

export class DisabledFib implements Fib {
  private readonly desired = new Map<string, FibRoute>();

  constructor(private readonly scope: FibScope = DEFAULT_SCOPE) {}

  async start(_opts: StartOptions): Promise<void> {}

  setRoutes(routes: readonly FibRoute[]): void {
    this.desired.clear();
    this.update(routes, []);
  }

  update(upserts: readonly FibRoute[], withdrawn: readonly FibRoute[]): void {
    for (const r of withdrawn) this.desired.delete(routeKey(r));
    for (const r of upserts) if (inScope(r, this.scope)) this.desired.set(routeKey(r), r);
  }

  async settled(): Promise<void> {}
  async sweep(): Promise<void> {}
  async reconcile(): Promise<void> {}

  /** Desired routes are counted as "unusable": none of them reaches the kernel. */
  counters(): FibCounters {
    return { routesInstalled: 0, nexthopObjects: 0, ops: {}, driftRepaired: 0, fullReconciles: 0, resyncs: 0, unusable: this.desired.size, nexthopsTracked: 0, nexthopsUnresolved: 0, latencySamples: [] };
  }

  async stop(): Promise<void> {}
}
