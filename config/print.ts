/**
 * Canonical YAML for a Config (OpenBGPD `bgpd -nv`): every default written out, keys in the
 * order of schema.ts KEYS, optional fields only when set, originate entries always as
 * mappings. Golden property: parseConfig(printConfig(c)) gives back c. Input: a Config (from
 * parse.ts or built in code). Output: text for `rackrouted --check` and golden tests.
 * Pure: no I/O.
 */
import { stringify } from 'yaml';
import type { Config, OriginatePrefix, PeerConfig } from './schema.js';

export function printConfig(config: Config): string {
  const doc = {
    node: pick(config.node, ['routerId', 'asn', 'hostname']),
    originate: config.originate.map(printOriginate),
    peers: config.peers.map(printPeer),
    bgp: { ...config.bgp, listenAddresses: [...config.bgp.listenAddresses] },
    control: pick(config.control, ['socket', 'group']),
    log: { level: config.log.level },
  };
  return stringify(doc, { lineWidth: 0, indent: 2, indentSeq: true, flowCollectionPadding: false });
}

function printOriginate(o: OriginatePrefix): Record<string, unknown> {
  return { prefix: o.prefix, communities: [...o.communities], largeCommunities: [...o.largeCommunities] };
}

function printPeer(p: PeerConfig): Record<string, unknown> {
  return {
    ...pick(p, ['name', 'address', 'asn', 'port', 'passive']),
    families: [...p.families],
    ...pick(p, ['holdTime', 'keepalive', 'connectRetry', 'localAddress', 'description', 'addPath']),
    gracefulRestart: { enabled: p.gracefulRestart.enabled, restartTime: p.gracefulRestart.restartTime },
    ...pick(p, ['extendedNextHop', 'passwordFile', 'passwordEnv']),
  };
}

/** The listed keys in the listed order, leaving out the ones that are unset. */
function pick<T extends object>(obj: T, keys: readonly (keyof T & string)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
