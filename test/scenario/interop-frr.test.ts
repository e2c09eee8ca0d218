/**
 * rackrouted against FRR bgpd (+ zebra, needed for IPv6 link-local next hops; see
 * test/support/interop.ts for the scenario): eBGP and iBGP over IPv4 and IPv6 transport.
 * FRR-specific here: its Cease report from `show bgp neighbors ADDR json`, the bgpd process to
 * freeze (zebra keeps running), and its version for the capture manifest.
 */
import type { Lab } from '../support/netns.js';
import * as frr from '../support/peers/frr.js';
import type { Peer } from '../support/peers/types.js';
import { interopSuite, labProcess, type CeaseReport } from '../support/interop.js';

async function vtysh(lab: Lab, peer: Peer, command: string): Promise<string> {
  return (await lab.exec(peer.ns, ['vtysh', '--vty_socket', peer.dir, '--config_dir', peer.dir, '-d', 'bgpd', '-c', command])).stdout;
}

interface FrrNeighborJson {
  /** "0602": code and subcode of the last NOTIFICATION, hex. */
  lastErrorCodeSubcode?: string;
  lastNotificationReason?: string;
  /** RFC 9003 text of the last Cease 6/2 or 6/4 received. */
  lastShutdownDescription?: string;
  lastResetDueTo?: string;
}

/** The last NOTIFICATION FRR reports for `neighbor`, if it was a received one. */
export function parseCease(json: string, neighbor: string): CeaseReport | undefined {
  const n = (JSON.parse(json) as Record<string, FrrNeighborJson>)[neighbor];
  const cs = n?.lastErrorCodeSubcode;
  if (n === undefined || cs === undefined || n.lastResetDueTo !== 'BGP Notification received') return undefined;
  const raw = JSON.stringify({ lastErrorCodeSubcode: cs, lastNotificationReason: n.lastNotificationReason, lastShutdownDescription: n.lastShutdownDescription, lastResetDueTo: n.lastResetDueTo });
  const msg = n.lastShutdownDescription;
  return { code: parseInt(cs.slice(0, 2), 16), subcode: parseInt(cs.slice(2, 4), 16), ...(msg === undefined ? {} : { message: msg }), raw };
}

interopSuite({
  kind: 'frr',
  start: (lab, ns, cfg) => frr.start(lab, ns, cfg),
  version: async (lab, peer) => (await vtysh(lab, peer, 'show version')).split('\n')[0]?.trim() ?? '',
  bgpProcess: (lab, peer) => labProcess(lab, '/usr/lib/frr/bgpd', peer.dir),
  ceaseReport: async (lab, peer, neighbor) => parseCease(await vtysh(lab, peer, `show bgp neighbors ${neighbor} json`), neighbor),
  showsShutdownMessage: true,
  sendsLinkLocal: { ext: true, int: true },
});
