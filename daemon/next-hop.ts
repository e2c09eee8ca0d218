/**
 * Next-hop-self addresses for one session (RFC 4271 §5.1.3, RFC 2545 §3): the session's local
 * address for its own family, and for the other family an address of the same interface (the
 * way FRR picks an IPv6 global next hop for IPv6 NLRI on an IPv4 session). Input: the local
 * address and os.networkInterfaces(); pure apart from that argument.
 */
import type { NetworkInterfaceInfo } from 'node:os';

export interface NextHops {
  nextHopV4?: string;
  nextHopV6?: string;
  nextHopV6LinkLocal?: string;
}

type Ifaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

export function nextHopsFor(localAddress: string, ifaces: Ifaces): NextHops {
  const iface = Object.values(ifaces).find((list) => list?.some((a) => a.address === localAddress));
  const on = iface ?? [];
  const v4 = on.find((a) => a.family === 'IPv4' && !a.internal)?.address;
  const v6Global = on.find((a) => a.family === 'IPv6' && !a.address.startsWith('fe80'))?.address;
  const out: NextHops = {};
  if (localAddress.includes(':')) {
    const isLinkLocal = localAddress.toLowerCase().startsWith('fe80');
    const global = isLinkLocal ? v6Global : localAddress;
    if (global) out.nextHopV6 = global;
    // RFC 2545 §3: carry the link-local address too when the session itself is link-local.
    if (isLinkLocal) out.nextHopV6LinkLocal = localAddress;
    if (v4) out.nextHopV4 = v4;
  } else {
    out.nextHopV4 = localAddress;
    if (v6Global) out.nextHopV6 = v6Global;
  }
  return out;
}
