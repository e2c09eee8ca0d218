/**
 * Turns a configured peer (config/schema.ts) into what the session layer runs with: the FSM
 * config (our OPEN's contents and what we expect of the peer's) and the socket parameters.
 * Pure.
 */
import type { Config, PeerConfig } from '../config/schema.js';
import type { SessionConfig } from '../peers/session.js';
import type { LocalSpeaker, PeerAsSpec } from '../peers/negotiate.js';
import { ipv4ToU32 } from '../peers/wire/ip.js';

const FAMILY = { 'ipv4-unicast': { afi: 1, safi: 1 }, 'ipv6-unicast': { afi: 2, safi: 1 } } as const;

/**
 * `restarting` (RFC 4724 §4.1): this start found our routes still in the kernel: the OPEN says
 * so with the Restart State bit and the Forwarding State bit of every family.
 */
export function localSpeaker(cfg: Config, peer: PeerConfig, restarting = false): LocalSpeaker {
  const families = peer.families.map((f) => FAMILY[f]);
  const addPath = peer.addPath === 'off' ? undefined : families.map((f) => ({ ...f, mode: peer.addPath as 'receive' | 'send' | 'both' }));
  return {
    asn: cfg.node.asn,
    bgpId: ipv4ToU32(cfg.node.routerId) ?? 0,
    holdTime: peer.holdTime,
    families,
    routeRefresh: true,
    enhancedRouteRefresh: true,
    extendedMessage: cfg.bgp.extendedMessage,
    ...(peer.gracefulRestart.enabled
      ? {
          gracefulRestart: {
            restarting,
            notification: true,
            restartTime: peer.gracefulRestart.restartTime,
            // RFC 4724 §3: F = the kernel kept our routes across this restart (the FIB adopted them).
            families: families.map((f) => ({ ...f, forwardingState: restarting })),
          },
        }
      : {}),
    ...(addPath ? { addPath } : {}),
    ...(cfg.node.hostname ? { fqdn: { hostname: cfg.node.hostname } } : {}),
    ...(peer.extendedNextHop ? { extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }] } : {}),
  };
}

export function sessionConfig(cfg: Config, peer: PeerConfig, rand: () => number = Math.random, opts: { restarting?: boolean } = {}): SessionConfig {
  const peerAs: PeerAsSpec = peer.asn;
  return {
    name: peer.name,
    address: peer.address,
    port: peer.port,
    passive: peer.passive,
    ...(peer.localAddress ? { localAddress: peer.localAddress } : {}),
    fsm: {
      local: localSpeaker(cfg, peer, opts.restarting ?? false),
      // Hold time 0 stays acceptable (RFC 4271 §4.2); 1 and 2 are always refused.
      peer: cfg.bgp.minHoldTime > 3 ? { peerAs, minHoldTime: cfg.bgp.minHoldTime } : { peerAs },
      ...(peer.keepalive !== undefined ? { keepaliveTime: peer.keepalive } : {}),
      connectRetryMs: peer.connectRetry * 1000,
      rand,
    },
  };
}
