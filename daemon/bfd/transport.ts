/**
 * BFD's UDP edge (RFC 5881 single hop): one receive socket per address family on port 3784
 * (wildcard address), and one send socket per session bound to the session's local address and
 * a source port from 49152-65535 that stays the same for the session's life (RFC 5881 §4), with
 * TTL / Hop Limit 255 on every packet (RFC 5881 §5). Received datagrams whose TTL is not 255
 * are dropped in the kernel by a socket filter (ttl-filter.ts), since Node cannot read the TTL.
 * Input: bytes to send and where. Output: received datagrams with their source address, to the
 * BfdManager (manager.ts), which decodes and demultiplexes them. Edge: owns the sockets; never
 * throws from a send (a dead link makes sends fail; BFD notices from the silence).
 */
import dgram from 'node:dgram';
import { requireTtl255 } from './ttl-filter.js';

/** RFC 5881 §4: "BFD Control packets MUST be transmitted in UDP packets with destination port 3784". */
export const BFD_PORT = 3784;
/** RFC 5881 §4: "The source port MUST be in the range 49152 through 65535." */
const SRC_PORT_MIN = 49152;
const SRC_PORT_MAX = 65535;

export interface BfdDatagram {
  data: Uint8Array;
  /** Source address as the socket reports it (IPv4 dotted quad or IPv6 text). */
  from: string;
  fromPort: number;
  family: 4 | 6;
}

export interface TransportOptions {
  /** Receive (and destination) port; tests on one host use others. */
  port?: number;
  /** Attach the TTL 255 filter on the receive sockets (default true). */
  ttlFilter?: boolean;
}

export class BfdSender {
  /** Sends that failed (typically: no route while the link is down). */
  errors = 0;
  /** Sends handed to the socket and not completed yet (node:dgram sends asynchronously). */
  private pending = 0;
  private closing = false;

  constructor(private readonly sock: dgram.Socket, readonly localAddress: string, readonly port: number, private readonly dstPort: number) {}

  send(packet: Uint8Array, to: string): void {
    if (this.closing) return;
    this.pending++;
    try {
      this.sock.send(packet, this.dstPort, to, (err) => {
        if (err) this.errors++;
        if (--this.pending === 0 && this.closing) this.closeNow();
      });
    } catch {
      this.errors++;
      this.pending--;
    }
  }

  /**
   * Closes once the sends already handed over have gone out: a last AdminDown must not be lost
   * to a socket closed under it.
   */
  close(): void {
    this.closing = true;
    if (this.pending === 0) this.closeNow();
  }

  private closeNow(): void {
    try {
      this.sock.close();
    } catch {
      // already closed
    }
  }
}

export class BfdTransport {
  private readonly rx = new Map<4 | 6, dgram.Socket>();
  private readonly binding = new Map<4 | 6, Promise<void>>();
  private readonly usedPorts = new Set<number>();
  readonly port: number;
  /** Whether the receive sockets drop packets with TTL < 255 (per family). */
  readonly ttlChecked = new Map<4 | 6, boolean>();

  constructor(
    private readonly onPacket: (d: BfdDatagram) => void,
    private readonly opts: TransportOptions = {},
    private readonly rand: () => number = Math.random,
  ) {
    this.port = opts.port ?? BFD_PORT;
  }

  /** Binds the family's receive socket on first use; rejects when the port cannot be bound. */
  listen(family: 4 | 6): Promise<void> {
    let p = this.binding.get(family);
    if (!p) {
      p = this.bindRx(family);
      this.binding.set(family, p);
      // A failed bind may be retried by the next session of that family.
      p.catch(() => this.binding.delete(family));
    }
    return p;
  }

  private bindRx(family: 4 | 6): Promise<void> {
    const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6', ipv6Only: family === 6 });
    return new Promise((resolve, reject) => {
      sock.once('error', (err) => {
        sock.close();
        reject(err);
      });
      sock.bind({ port: this.port, address: family === 4 ? '0.0.0.0' : '::', exclusive: true }, () => {
        sock.removeAllListeners('error');
        // After bind: a read error must not crash the daemon; the packets just stop.
        sock.on('error', () => undefined);
        // RFC 5881 §5: "If a BFD Control packet is received with a TTL or Hop Limit value other
        // than 255, it MUST be discarded" (no authentication in use).
        this.ttlChecked.set(family, this.opts.ttlFilter === false ? false : requireTtl255(sock, family));
        sock.on('message', (msg, rinfo) => this.onPacket({ data: msg, from: rinfo.address, fromPort: rinfo.port, family }));
        this.rx.set(family, sock);
        resolve();
      });
    });
  }

  /** A send socket bound to `localAddress` and a free source port in 49152-65535, TTL 255. */
  async sender(localAddress: string, family: 4 | 6): Promise<BfdSender> {
    let lastErr: unknown;
    for (let attempt = 0; attempt < 32; attempt++) {
      const port = SRC_PORT_MIN + Math.floor(this.rand() * (SRC_PORT_MAX - SRC_PORT_MIN + 1));
      if (this.usedPorts.has(port)) continue;
      try {
        const sock = await bindSender(localAddress, port, family);
        // RFC 5881 §5: "the TTL or Hop Limit value MUST be set to 255" on transmit.
        sock.setTTL(255);
        this.usedPorts.add(port);
        sock.once('close', () => this.usedPorts.delete(port));
        return new BfdSender(sock, localAddress, port, this.port);
      } catch (err) {
        lastErr = err;
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
      }
    }
    throw lastErr instanceof Error ? lastErr : new Error(`no free BFD source port on ${localAddress}`);
  }

  close(): void {
    for (const s of this.rx.values()) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    this.rx.clear();
    this.binding.clear();
  }
}

function bindSender(address: string, port: number, family: 4 | 6): Promise<dgram.Socket> {
  const sock = dgram.createSocket({ type: family === 4 ? 'udp4' : 'udp6' });
  return new Promise((resolve, reject) => {
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.bind({ port, address, exclusive: true }, () => {
      sock.removeAllListeners('error');
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}
