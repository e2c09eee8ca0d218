/**
 * rackrouted against GoBGP (see test/support/interop.ts for the scenario): eBGP and iBGP over
 * IPv4 and IPv6 transport. GoBGP-specific here: its Cease report, the gobgpd process to freeze,
 * and its version for the capture manifest. `gobgp neighbor ADDR -j` shows only a count of
 * received NOTIFICATIONs (state.messages.received.notification), no code or text; gobgpd logs
 * the details ("received notification" Code= Subcode= Communicated-Reason= Key=), so the report
 * is the JSON's count plus that log line. GoBGP sends only the global IPv6 next hop (no
 * link-local), on eBGP and iBGP alike.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../support/netns.js';
import * as gobgp from '../support/peers/gobgp.js';
import type { Peer } from '../support/peers/types.js';
import { interopSuite, labProcess, type CeaseReport } from '../support/interop.js';

async function gobgpCli(peer: Peer, args: string[]): Promise<string> {
  return (peer as unknown as { gobgp(a: string[]): Promise<string> }).gobgp(args);
}

interface GobgpNeighborJson {
  state?: { session_state?: number | string; messages?: { received?: { notification?: number } } };
}

/** gobgpd's log line for the last NOTIFICATION received from `neighbor` (logrus text format). */
export function parseCeaseLog(log: string, neighbor: string): CeaseReport | undefined {
  const lines = log.split('\n').filter((l) => l.includes('msg="received notification"'));
  const key = (l: string): string | undefined => /\bKey=(?:"([^"]*)"|(\S+))/.exec(l)?.slice(1).find((x) => x !== undefined);
  const line = lines.filter((l) => key(l) === neighbor).at(-1);
  if (line === undefined) return undefined;
  const num = (name: string): number => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? -1);
  const reason = /Communicated-Reason="((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
  return { code: num('Code'), subcode: num('Subcode'), ...(reason === undefined || reason === '' ? {} : { message: reason }), raw: line };
}

async function ceaseReport(peer: Peer, neighbor: string): Promise<CeaseReport | undefined> {
  const json = JSON.parse(await gobgpCli(peer, ['neighbor', neighbor, '-j'])) as GobgpNeighborJson;
  const count = json.state?.messages?.received?.notification ?? 0;
  if (count === 0 || gobgp.sessionState(json.state?.session_state) === 'Established') return undefined;
  const fromLog = parseCeaseLog(readFileSync(join(peer.dir, 'gobgpd.log'), 'utf8'), neighbor);
  return fromLog && { ...fromLog, raw: `received notifications: ${count}; log: ${fromLog.raw}` };
}

interopSuite({
  kind: 'gobgp',
  start: (lab, ns, cfg) => gobgp.start(lab, ns, cfg),
  version: async (lab: Lab, peer) => (await lab.exec(peer.ns, ['gobgpd', '--version'])).stdout.trim(),
  bgpProcess: (lab, peer) => labProcess(lab, 'gobgpd', peer.dir),
  ceaseReport: (_lab, peer, neighbor) => ceaseReport(peer, neighbor),
  showsShutdownMessage: true,
  sendsLinkLocal: { ext: false, int: false },
});
