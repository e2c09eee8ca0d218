/**
 * sd_notify(3) without libsystemd: one AF_UNIX datagram per message to $NOTIFY_SOCKET (a path, or
 * an abstract name written with a leading '@'). Node has no Unix datagram sockets, so the three
 * libc calls go through koffi (FFI, prebuilt; DESIGN.md). A no-op when $NOTIFY_SOCKET is unset
 * (not started by systemd, or Type= is not notify). Also feeds the watchdog from the calling
 * thread's event loop when $WATCHDOG_USEC asks for it.
 * Edge: owns nothing between calls (a socket per message); never throws.
 */
import koffi from 'koffi';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH = 108;

interface Libc {
  socket: (domain: number, type: number, protocol: number) => number;
  sendto: (fd: number, buf: Buffer, len: number, flags: number, addr: Buffer, addrLen: number) => number;
  close: (fd: number) => number;
}

let libc: Libc | null | undefined;
function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const lib = koffi.load('libc.so.6');
    libc = {
      socket: lib.func('int socket(int, int, int)') as Libc['socket'],
      sendto: lib.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)') as Libc['sendto'],
      close: lib.func('int close(int)') as Libc['close'],
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** struct sockaddr_un for a path or an '@abstract' name, and its length. */
export function sockaddrUn(target: string): { addr: Buffer; len: number } | null {
  const abstract = target.startsWith('@');
  const name = Buffer.from(abstract ? target.slice(1) : target, 'utf8');
  if (name.length + 1 > SUN_PATH) return null;
  const addr = Buffer.alloc(2 + SUN_PATH);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, abstract ? 3 : 2); // abstract: a NUL first, then the name (no terminator)
  return { addr, len: 2 + (abstract ? 1 + name.length : name.length + 1) };
}

/** Sends `state` ("READY=1\nSTATUS=...") to systemd; false when not under systemd or it failed. */
export function sdNotify(state: string, socketPath = process.env['NOTIFY_SOCKET']): boolean {
  if (!socketPath) return false;
  const c = load();
  const sa = sockaddrUn(socketPath);
  if (!c || !sa) return false;
  const fd = c.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const msg = Buffer.from(state, 'utf8');
    return c.sendto(fd, msg, msg.length, MSG_NOSIGNAL, sa.addr, sa.len) === msg.length;
  } finally {
    c.close(fd);
  }
}

/**
 * WATCHDOG=1 every WatchdogSec/2 from this event loop ($WATCHDOG_USEC, honoured only when
 * $WATCHDOG_PID is unset or ours). A loop stalled long enough to miss keepalives misses these too.
 */
export function startWatchdog(env: NodeJS.ProcessEnv = process.env): NodeJS.Timeout | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!env['NOTIFY_SOCKET'] || !(usec > 0) || (env['WATCHDOG_PID'] && Number(env['WATCHDOG_PID']) !== process.pid)) return null;
  const t = setInterval(() => sdNotify('WATCHDOG=1', env['NOTIFY_SOCKET']), Math.max(100, usec / 2000));
  t.unref();
  return t;
}
