/**
 * Worker threads (route engine, kernel sync) lower their own scheduling priority so that, on a
 * busy machine, the kernel runs the session thread — sockets, keepalives, hold timers — first.
 * Linux: setpriority() on a thread id changes only that thread.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

export function lowerOwnPriority(nice = 10): void {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) os.setPriority(tid, nice);
  } catch {
    // Not Linux, or not permitted: the thread still runs, only without the priority hint.
  }
}
