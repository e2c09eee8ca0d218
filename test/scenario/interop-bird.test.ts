/**
 * rackrouted against BIRD 2 (see test/support/interop.ts for the scenario): eBGP and iBGP over
 * IPv4 and IPv6 transport. BIRD-specific here: its Cease report from `birdc show protocols all`
 * ("Last error: Received: Administrative shutdown" plus the RFC 9003 message line), the bird
 * process to freeze, and its version for the capture manifest.
 */
import { join } from 'node:path';
import type { Lab } from '../support/netns.js';
import * as bird from '../support/peers/bird.js';
import type { Peer } from '../support/peers/types.js';
import { interopSuite, labProcess, type CeaseReport } from '../support/interop.js';

async function birdc(lab: Lab, peer: Peer, args: string[]): Promise<string> {
  return (await lab.exec(peer.ns, ['birdc', '-s', join(peer.dir, 'bird.ctl'), ...args])).stdout;
}

/** `show protocols all NAME` after a received NOTIFICATION. */
export function parseCease(out: string): CeaseReport | undefined {
  const err = /Last error:\s+Received: (.*)$/m.exec(out)?.[1]?.trim();
  if (err === undefined) return undefined;
  const code = err === 'Administrative shutdown' ? { code: 6, subcode: 2 } : { code: -1, subcode: -1 };
  const msg = /Message:\s+(.*)$/m.exec(out)?.[1]?.trim();
  return { ...code, ...(msg === undefined ? {} : { message: msg }), raw: out };
}

interopSuite({
  kind: 'bird',
  start: (lab, ns, cfg) => bird.start(lab, ns, cfg),
  version: async (lab, peer) => (await lab.exec(peer.ns, ['bird', '--version'])).stderr.trim(),
  bgpProcess: (lab, peer) => labProcess(lab, 'bird', peer.dir),
  ceaseReport: async (lab, peer, neighbor) => {
    const out = await birdc(lab, peer, ['show', 'protocols', 'all', bird.protocolName(neighbor)]);
    return parseCease(out);
  },
  showsShutdownMessage: true,
  sendsLinkLocal: { ext: true, int: false },
});
