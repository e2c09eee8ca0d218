/**
 * A dependency-free "ping" for lab pods (the test machine has no ICMP ping): a UDP echo server
 * and a prober, run as `node pod-echo.js serve PORT` / `node pod-echo.js probe PORT TIMEOUT_MS
 * ADDR...` inside a pod's namespace (started by test/support/fabric.ts). A reply proves that the
 * path there and the path back both forward, like an ICMP echo does.
 *
 * Input: argv. Output: serve echoes every datagram back to its sender; probe prints one JSON
 * object {address: round-trip ms | null} on stdout and exits 0.
 * Must not: send to anything but the addresses it is given (lab pod addresses); probe retries
 * every RETRY_MS until TIMEOUT_MS, then reports null for that address.
 */
import { createSocket, type Socket } from 'node:dgram';

const RETRY_MS = 200;

function serve(port: number): void {
  for (const [type, addr] of [['udp4', '0.0.0.0'], ['udp6', '::']] as const) {
    const s = createSocket({ type, ipv6Only: type === 'udp6' });
    s.on('message', (msg, rinfo) => s.send(msg, rinfo.port, rinfo.address));
    s.bind(port, addr);
  }
}

function probeOne(port: number, timeoutMs: number, address: string): Promise<number | null> {
  return new Promise((resolve) => {
    const s: Socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    const token = Buffer.from(`probe ${address} ${process.pid}`);
    const t0 = Date.now();
    const send = (): void => s.send(token, port, address, () => undefined);
    const retry = setInterval(send, RETRY_MS);
    const done = (v: number | null): void => {
      clearInterval(retry);
      clearTimeout(limit);
      s.close();
      resolve(v);
    };
    const limit = setTimeout(() => done(null), timeoutMs);
    s.on('message', (msg) => {
      if (msg.equals(token)) done(Date.now() - t0);
    });
    s.on('error', () => undefined); // e.g. EHOSTUNREACH / ENETUNREACH: keep retrying until the limit
    send();
  });
}

async function probe(port: number, timeoutMs: number, addresses: string[]): Promise<void> {
  const rtts = await Promise.all(addresses.map((a) => probeOne(port, timeoutMs, a)));
  process.stdout.write(`${JSON.stringify(Object.fromEntries(addresses.map((a, i) => [a, rtts[i]])))}\n`);
}

const [mode, port, ...rest] = process.argv.slice(2);
if (mode === 'serve') serve(Number(port));
else if (mode === 'probe') void probe(Number(port), Number(rest[0]), rest.slice(1));
else {
  process.stderr.write('usage: pod-echo serve PORT | probe PORT TIMEOUT_MS ADDR...\n');
  process.exit(2);
}
