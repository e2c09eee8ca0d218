/**
 * Old config x new config -> what a reload must do: per peer add / remove / restart /
 * inPlace / unchanged, plus global actions (restart every session, rebind the BGP listener,
 * reopen the control socket or the metrics listener), originated prefix changes and policy changes (which peers must
 * have their routes re-run through import or export policy). Peers are matched by name; a
 * renamed peer is a remove plus an add. Input: two valid Configs. Output: a ConfigDiff for the
 * peer manager and the route engine. Pure: no I/O.
 *
 * The classification tables below are the single place that says what a field change costs.
 * A new PeerConfig field fails to compile until it is added to PEER_FIELD_CLASS, and
 * test/unit/config/diff.test.ts fails if the parser accepts a key the table does not know.
 */
import {
  DEFAULT_POLICY,
  type BgpConfig, type Config, type ControlConfig, type DatapathConfig, type KernelConfig, type KubernetesConfig, type LogConfig, type MetricsConfig, type NodeConfig, type OriginatePrefix, type PeerConfig,
} from './schema.js';

export type PeerFieldClass = 'identity' | 'restart' | 'inPlace';

/** What a change of each peer field needs. `identity` = the key peers are matched by. */
export const PEER_FIELD_CLASS: Readonly<Record<keyof PeerConfig, PeerFieldClass>> = {
  name: 'identity',
  // Anything carried in the TCP connection or the OPEN needs a new session.
  address: 'restart',
  asn: 'restart',
  port: 'restart',
  passive: 'restart',
  families: 'restart', // Multiprotocol capability (RFC 4760 §8)
  holdTime: 'restart', // OPEN Hold Time (RFC 4271 §4.2)
  localAddress: 'restart',
  addPath: 'restart', // ADD-PATH capability (RFC 7911 §4)
  gracefulRestart: 'restart', // Graceful Restart capability (RFC 4724 §3)
  extendedNextHop: 'restart', // Extended Next Hop Encoding capability (RFC 8950 §3)
  passwordFile: 'restart', // TCP-MD5 key is bound to the connection (RFC 2385)
  passwordEnv: 'restart',
  tcpAo: 'restart', // TCP-AO keys too (RFC 5925)
  // Socket options of the connection: TTL sent and accepted (RFC 5082), bound interface.
  ttlSecurity: 'restart',
  multihop: 'restart',
  interface: 'restart',
  // Only change what we advertise (RFC 4456 §8 reflection, RFC 4271 §5.1.3 next hop), so they
  // could be in place; but the route engine reads them once per session (PeerSessionInfo at
  // peer-up), so a change takes a new session until the engine can take them live.
  routeReflectorClient: 'restart',
  nextHopSelf: 'restart',
  // Local timers and labels: applied to the running session.
  keepalive: 'inPlace',
  connectRetry: 'inPlace',
  description: 'inPlace',
  // Policy is local: re-run the peer's routes through it (Adj-RIB-In kept, or ROUTE-REFRESH,
  // RFC 2918 / RFC 7313) without a session reset. See ConfigDiff.policies.
  import: 'inPlace',
  export: 'inPlace',
  maxPrefix: 'inPlace', // a lower limit is applied to the current count at once
  // BFD runs beside the BGP session: new intervals go to the running BFD session with a Poll
  // Sequence (RFC 5880 §6.8.3), and turning it on or off starts or ends (AdminDown) only BFD.
  bfd: 'inPlace',
};

export type GlobalAction = 'restartAll' | 'relisten' | 'reopenControl' | 'reopenMetrics' | 'nextStart' | 'inPlace';

export type GlobalPath =
  | `node.${keyof NodeConfig}`
  | `bgp.${keyof BgpConfig}`
  | `kernel.${keyof KernelConfig}`
  | `control.${keyof ControlConfig}`
  | `metrics.${keyof MetricsConfig}`
  | `kubernetes.${keyof KubernetesConfig}`
  | `datapath.${keyof DatapathConfig}`
  | `log.${keyof LogConfig}`;

/** What a change of each global field needs (peers and originate are diffed separately). */
export const GLOBAL_FIELD_CLASS: Readonly<Record<GlobalPath, GlobalAction>> = {
  'node.routerId': 'restartAll', // BGP Identifier in every OPEN
  'node.asn': 'restartAll', // My AS in every OPEN; also changes which peers are internal
  'node.clusterId': 'restartAll', // RFC 4456 §8: the CLUSTER_LIST of every reflected route
  'node.hostname': 'inPlace', // FQDN capability: sent with the next OPEN
  'node.podNetworks': 'inPlace', // re-run the peers that use the defaults policy
  'node.exportLearned': 'inPlace', // re-run export for the peers that use the defaults policy
  'bgp.extendedMessage': 'restartAll', // capability in every OPEN (RFC 8654)
  'bgp.listen': 'relisten',
  'bgp.listenAddresses': 'relisten',
  'bgp.listenPort': 'relisten',
  'bgp.minHoldTime': 'inPlace', // checked against the next OPEN received
  // The decision process and ECMP options shape every Loc-RIB entry: rebuilt from fresh sessions.
  'bgp.maxPaths': 'restartAll',
  'bgp.multipathRelax': 'restartAll',
  'bgp.alwaysCompareMed': 'restartAll',
  'bgp.missingMedWorst': 'restartAll',
  'bgp.shutdownDrain': 'inPlace', // read at the next SIGTERM
  // The kernel thread is set up once: these apply at the next start (reload logs that).
  'kernel.enabled': 'nextStart',
  'kernel.protocol': 'nextStart',
  'kernel.table': 'nextStart',
  'kernel.forwarding': 'nextStart',
  'control.socket': 'reopenControl',
  'control.group': 'reopenControl',
  // The HTTP listener is closed and opened anew; the metrics themselves carry on.
  'metrics.enabled': 'reopenMetrics',
  'metrics.listen': 'reopenMetrics',
  // The API connection is made once: these apply at the next start.
  'kubernetes.enabled': 'nextStart',
  'kubernetes.kubeconfig': 'nextStart',
  'kubernetes.nodeName': 'nextStart',
  // The rest re-derive peers, originated pod CIDRs and ownership from the node list in hand.
  'kubernetes.originatePodCidrs': 'inPlace',
  'kubernetes.peering': 'inPlace',
  'kubernetes.nodeSelector': 'inPlace',
  'kubernetes.routeReflectorSelector': 'inPlace',
  'kubernetes.validation': 'inPlace',
  'kubernetes.reportCondition': 'inPlace',
  'kubernetes.stateFile': 'inPlace',
  // The program stays loaded; interfaces and prefixes are re-synced from the new settings.
  'datapath.enabled': 'nextStart',
  'datapath.interfaces': 'inPlace',
  'datapath.podInterfaces': 'inPlace',
  'datapath.noFastPath': 'inPlace',
  'datapath.pinDir': 'nextStart',
  'log.level': 'inPlace',
};

export type PeerChange =
  | { kind: 'add'; name: string; peer: PeerConfig }
  | { kind: 'remove'; name: string; peer: PeerConfig }
  | { kind: 'restart'; name: string; old: PeerConfig; peer: PeerConfig; fields: string[] }
  | { kind: 'inPlace'; name: string; old: PeerConfig; peer: PeerConfig; fields: string[] }
  | { kind: 'unchanged'; name: string; peer: PeerConfig };

export interface OriginateDiff {
  add: OriginatePrefix[];
  remove: OriginatePrefix[];
  /** Same prefix, new communities: re-advertise with the new attributes. */
  change: OriginatePrefix[];
}

export interface PolicyDiff {
  /** Policies added, removed or with changed rules, by name, sorted. */
  changed: string[];
  /**
   * Kept peers (inPlace or unchanged) whose import result may differ: their import chain, a
   * policy in it, or an input of the defaults (podNetworks, originated prefixes) changed. Run
   * their received routes through the new import policy; no session reset. In new-config order.
   */
  reimport: string[];
  /** Kept peers whose export result may differ (chain, a policy in it, podNetworks, exportLearned). */
  reexport: string[];
}

export interface ConfigDiff {
  /** Every changed global field with what it needs, in GLOBAL_FIELD_CLASS order. */
  global: { path: GlobalPath; action: GlobalAction }[];
  /** Some global change forces every session down; each kept peer is then a 'restart'. */
  restartAll: boolean;
  relisten: boolean;
  reopenControl: boolean;
  /** Close the metrics/health HTTP listener and open it with the new settings. */
  reopenMetrics: boolean;
  /** Originate changes are always applied in place. */
  originate: OriginateDiff;
  /** Policy changes are always applied in place. */
  policies: PolicyDiff;
  /** Removals first (frees addresses), then the new config's peers in their order. */
  peers: PeerChange[];
  /** False when the two configs are equal. */
  changed: boolean;
}

export function diffConfig(old: Config, next: Config): ConfigDiff {
  const global = diffGlobal(old, next);
  const restartAll = global.some((g) => g.action === 'restartAll');
  const forced = global.filter((g) => g.action === 'restartAll').map((g) => g.path);
  const peers = diffPeers(old.peers, next.peers, forced);
  const originate = diffOriginate(old.originate, next.originate);
  const policies = diffPolicies(old, next, peers);
  const changed =
    global.length > 0 ||
    peers.some((p) => p.kind !== 'unchanged') ||
    originate.add.length + originate.remove.length + originate.change.length > 0 ||
    policies.changed.length > 0;
  return {
    global,
    restartAll,
    relisten: global.some((g) => g.action === 'relisten'),
    reopenControl: global.some((g) => g.action === 'reopenControl'),
    reopenMetrics: global.some((g) => g.action === 'reopenMetrics'),
    originate,
    policies,
    peers,
    changed,
  };
}

function diffPolicies(old: Config, next: Config, peers: PeerChange[]): PolicyDiff {
  const before = new Map(old.policies.map((p) => [p.name, p.rules]));
  const after = new Map(next.policies.map((p) => [p.name, p.rules]));
  const names = new Set([...before.keys(), ...after.keys()]);
  const changed = [...names].filter((n) => !sameValue(before.get(n), after.get(n))).sort();
  const podNetworks = !sameValue(old.node.podNetworks, next.node.podNetworks);
  const ownPrefixes = !sameValue(old.originate.map((o) => o.prefix).sort(), next.originate.map((o) => o.prefix).sort());
  const defaultsChanged = {
    import: podNetworks || ownPrefixes,
    export: podNetworks || old.node.exportLearned !== next.node.exportLearned,
  };
  const rerun = (dir: 'import' | 'export'): string[] =>
    peers
      .filter((c) => c.kind === 'inPlace' || c.kind === 'unchanged')
      .filter((c) => {
        const chain = c.peer[dir];
        const prev = c.kind === 'inPlace' ? c.old[dir] : chain;
        return !sameValue(prev, chain) || chain.some((n) => changed.includes(n)) || (defaultsChanged[dir] && chain.includes(DEFAULT_POLICY));
      })
      .map((c) => c.name);
  return { changed, reimport: rerun('import'), reexport: rerun('export') };
}

function diffGlobal(old: Config, next: Config): ConfigDiff['global'] {
  const out: ConfigDiff['global'] = [];
  for (const [path, action] of Object.entries(GLOBAL_FIELD_CLASS) as [GlobalPath, GlobalAction][]) {
    if (!sameValue(valueAt(old, path), valueAt(next, path))) out.push({ path, action });
  }
  return out;
}

function valueAt(config: Config, path: GlobalPath): unknown {
  const [section, key] = path.split('.') as [keyof Config, string];
  return (config[section] as unknown as Record<string, unknown>)[key];
}

/** Fields of a peer whose values differ, in PEER_FIELD_CLASS order. */
export function changedPeerFields(a: PeerConfig, b: PeerConfig): (keyof PeerConfig)[] {
  return (Object.keys(PEER_FIELD_CLASS) as (keyof PeerConfig)[]).filter((k) => !sameValue(a[k], b[k]));
}

function diffPeers(old: PeerConfig[], next: PeerConfig[], forced: string[]): PeerChange[] {
  const before = new Map(old.map((p) => [p.name, p]));
  const after = new Set(next.map((p) => p.name));
  const out: PeerChange[] = old.filter((p) => !after.has(p.name)).map((p) => ({ kind: 'remove', name: p.name, peer: p }));
  for (const peer of next) {
    const prev = before.get(peer.name);
    if (!prev) {
      out.push({ kind: 'add', name: peer.name, peer });
      continue;
    }
    const fields = changedPeerFields(prev, peer);
    const restart = forced.length > 0 || fields.some((f) => PEER_FIELD_CLASS[f] === 'restart');
    if (restart) out.push({ kind: 'restart', name: peer.name, old: prev, peer, fields: [...forced, ...fields] });
    else if (fields.length > 0) out.push({ kind: 'inPlace', name: peer.name, old: prev, peer, fields });
    else out.push({ kind: 'unchanged', name: peer.name, peer });
  }
  return out;
}

function diffOriginate(old: OriginatePrefix[], next: OriginatePrefix[]): OriginateDiff {
  const before = new Map(old.map((o) => [o.prefix, o]));
  const after = new Set(next.map((o) => o.prefix));
  const out: OriginateDiff = { add: [], remove: old.filter((o) => !after.has(o.prefix)), change: [] };
  for (const o of next) {
    const prev = before.get(o.prefix);
    if (!prev) out.add.push(o);
    else if (!sameValue(prev, o)) out.change.push(o);
  }
  return out;
}

/** Deep equality for config data: primitives, arrays and plain objects (undefined = absent). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ra), ...Object.keys(rb)]);
  return [...keys].every((k) => sameValue(ra[k], rb[k]));
}
