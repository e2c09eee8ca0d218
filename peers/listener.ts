/**
 * The BGP listener (TCP 179 by default): accepts connections and hands each to the session
 * configured for the remote address; connections from unknown addresses are closed at once.
 * Edge: owns the listening sockets.
 */
import net from 'node:net';
import { unmapV4 } from './connection.js';

export type Matcher = (remoteAddress: string, socket: net.Socket) => boolean;

export class Listener {
  private readonly servers: net.Server[] = [];
  rejected = 0;

  constructor(private readonly match: Matcher) {}

  /** Listens on each address ("::" is dual-stack on Linux). */
  async listen(addresses: readonly string[], port: number): Promise<void> {
    for (const host of addresses) {
      const server = net.createServer({ noDelay: true }, (sock) => this.accept(sock));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host, port, ipv6Only: false }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', () => {});
      this.servers.push(server);
    }
  }

  /**
   * The listening sockets' descriptors, for socket options Node has no API for (TCP-MD5 keys,
   * GTSM; daemon/net/). `_handle.fd` is Linux libuv's own; a server without one is left out.
   */
  fds(): number[] {
    return this.servers.map((s) => (s as unknown as { _handle?: { fd?: unknown } })._handle?.fd).filter((fd): fd is number => typeof fd === 'number' && fd >= 0);
  }

  get port(): number {
    const a = this.servers[0]?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  private accept(sock: net.Socket): void {
    sock.on('error', () => sock.destroy());
    const remote = unmapV4(sock.remoteAddress ?? '');
    if (!this.match(remote, sock)) {
      this.rejected++;
      sock.destroy();
    }
  }

  /**
   * Stops listening. Does not wait for the connections already handed to sessions (net.Server's
   * close callback would): those belong to their sessions, which close them as they choose —
   * with a NOTIFICATION, or silently for a graceful restart.
   */
  async close(): Promise<void> {
    for (const s of this.servers) s.close();
    this.servers.length = 0;
  }
}
