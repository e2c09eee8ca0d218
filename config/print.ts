/**
 * Canonical YAML for a Config (OpenBGPD `bgpd -nv`): every default written out, keys in the
 * order of schema.ts KEYS, optional fields only when set, originate entries always as
 * mappings, policy references always as lists, policy rules without an empty `match`. Golden property: parseConfig(printConfig(c)) gives back c. Input: a Config (from
 * parse.ts or built in code). Output: text for `rackrouted --check` and golden tests.
 * Pure: no I/O.
 */
import { stringify } from 'yaml';
import { KEYS, type Config, type OriginatePrefix, type PeerConfig, type PolicyConfig, type PolicyRule } from './schema.js';

export function printConfig(config: Config): string {
  const doc = {
    node: { ...pick(config.node, config.node.routerId === '' ? ['asn', 'clusterId', 'hostname'] : ['routerId', 'asn', 'clusterId', 'hostname']), podNetworks: [...config.node.podNetworks], exportLearned: config.node.exportLearned },
    originate: config.originate.map(printOriginate),
    policies: Object.fromEntries(config.policies.map((p) => [p.name, printPolicy(p)])),
    peers: config.peers.map(printPeer),
    bgp: { ...config.bgp, listenAddresses: [...config.bgp.listenAddresses] },
    kernel: pick(config.kernel, KEYS.kernel),
    control: pick(config.control, ['socket', 'group']),
    metrics: pick(config.metrics, KEYS.metrics),
    kubernetes: pick(config.kubernetes, KEYS.kubernetes),
    datapath: { enabled: config.datapath.enabled, interfaces: [...config.datapath.interfaces], podInterfaces: [...config.datapath.podInterfaces], noFastPath: [...config.datapath.noFastPath], pinDir: config.datapath.pinDir },
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
    bfd: pick(p.bfd, KEYS.bfd),
    ...pick(p, ['extendedNextHop', 'routeReflectorClient', 'nextHopSelf', 'passwordFile', 'passwordEnv']),
    ...(p.tcpAo ? { tcpAo: pick(p.tcpAo, KEYS.tcpAo) } : {}),
    ...pick(p, ['ttlSecurity', 'multihop', 'interface']),
    import: [...p.import],
    export: [...p.export],
    ...(p.maxPrefix ? { maxPrefix: pick(p.maxPrefix, KEYS.maxPrefix) } : {}),
  };
}

/** Rules as mappings; an empty match (every route) is left out. */
function printPolicy(p: PolicyConfig): Record<string, unknown>[] {
  return p.rules.map((r: PolicyRule) => {
    // Copies: one array object printed twice would come out as a YAML alias.
    const match = structuredClone(pick(r.match, KEYS.match));
    const then = structuredClone(pick(r.then, KEYS.then));
    return Object.keys(match).length === 0 ? { then } : { match, then };
  });
}

/** The listed keys in the listed order, leaving out the ones that are unset. */
function pick<T extends object>(obj: T, keys: readonly (keyof T & string)[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined) out[k] = obj[k];
  return out;
}
