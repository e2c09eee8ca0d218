/**
 * The typed rackroute configuration and every default, in one place. parse.ts fills these
 * types from YAML, validate.ts checks cross-field rules, print.ts writes them back in this key
 * order, diff.ts compares two of them. Pure: types and constants only, no I/O.
 */

export const DEFAULT_CONFIG_PATH = '/etc/rackroute/config.yaml';

export const FAMILIES = ['ipv4-unicast', 'ipv6-unicast'] as const;
export type Family = (typeof FAMILIES)[number];

/** RFC 7911 ADD-PATH Send/Receive, per peer and for every configured family. */
export const ADD_PATH_MODES = ['off', 'receive', 'send', 'both'] as const;
export type AddPathMode = (typeof ADD_PATH_MODES)[number];

/** pino's levels. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `internal` = the node's own AS (iBGP); `external` = any AS but ours, taken from the OPEN. */
export type PeerAsn = number | 'internal' | 'external';

export interface NodeConfig {
  /**
   * BGP Identifier, IPv4 dotted quad (RFC 4271 §4.2, RFC 6286 §2.1: non-zero). '' only with
   * kubernetes.enabled: then the Node's IPv4 InternalIP (daemon/kubernetes/compose.ts).
   */
  routerId: string;
  asn: number;
  /**
   * RFC 4456 §7 CLUSTER_ID, IPv4 dotted quad, used when this node reflects routes to its
   * routeReflectorClient peers; unset = the routerId (RFC 4456 §7 default).
   */
  clusterId?: string;
  /** Sent in the FQDN capability (draft-walton-bgp-hostname-capability) when set. */
  hostname?: string;
  /**
   * The cluster's pod networks (canonical CIDRs). The built-in `defaults` import policy accepts
   * only routes inside them (daemon/policy/defaults.ts); empty = the defaults import nothing.
   */
  podNetworks: string[];
  /** The `defaults` export policy also re-advertises learned routes inside podNetworks (route
   *  reflector / transit node). Off: only this node's own prefixes are exported. */
  exportLearned: boolean;
}

export interface OriginatePrefix {
  /** Canonical CIDR (RFC 5952 for IPv6), host bits zero. */
  prefix: string;
  /** RFC 1997 communities as `asn:value` or a well-known name (see WELL_KNOWN_COMMUNITIES). */
  communities: string[];
  /** RFC 8092 large communities as `global:local1:local2`. */
  largeCommunities: string[];
}

export interface GracefulRestartConfig {
  enabled: boolean;
  /** RFC 4724 §3: Restart Time is a 12-bit field (0..4095 seconds). */
  restartTime: number;
}

/**
 * RFC 5880 / RFC 5881 single-hop BFD with the peer (daemon/bfd/). Intervals in milliseconds;
 * the Detection Time is the peer's multiplier x max(minRx, the peer's TX interval).
 */
export interface BfdConfig {
  enabled: boolean;
  /** Required Min RX Interval we advertise: the fastest the peer may send to us. */
  minRx: number;
  /** Desired Min TX Interval we advertise (while Up; 1 s before, RFC 5880 §6.8.3). */
  minTx: number;
  /** Detect Mult we advertise: how many of our packets the peer may miss. */
  multiplier: number;
}

export interface PeerConfig {
  /** Unique; defaults to the canonical address. Used in logs, metrics labels and the CLI. */
  name: string;
  /** Canonical IPv4 or IPv6 address. */
  address: string;
  asn: PeerAsn;
  port: number;
  /** Never connect out; wait for the peer (needs bgp.listen). */
  passive: boolean;
  /** Sorted, no duplicates, non-empty. */
  families: Family[];
  /** RFC 4271 §4.2: zero or at least three seconds. */
  holdTime: number;
  /** Seconds between KEEPALIVEs; unset = a third of the negotiated hold time (RFC 4271 §10). */
  keepalive?: number;
  /** Seconds; 5 s default instead of RFC 4271 §10's 120 s: a datacenter fabric wants fast recovery. */
  connectRetry: number;
  localAddress?: string;
  description?: string;
  addPath: AddPathMode;
  gracefulRestart: GracefulRestartConfig;
  /** BFD liveness detection; a BFD Down takes the BGP session and its routes down at once. */
  bfd: BfdConfig;
  /** RFC 8950: advertise IPv4 NLRI with an IPv6 next hop. */
  extendedNextHop: boolean;
  /** RFC 4456 §2: this iBGP peer is one of our route-reflector clients (routes from non-clients
   *  are reflected to it, its routes to every iBGP peer). iBGP peers only. */
  routeReflectorClient: boolean;
  /** iBGP only: advertise learned routes with our own address as NEXT_HOP (RFC 4271 §5.1.3 keeps
   *  the received one by default). Reflected routes keep theirs (RFC 4456 §10). */
  nextHopSelf: boolean;
  /**
   * TCP-MD5 (RFC 2385) key: the first line of this file, 1..80 bytes (checked at load). Installed
   * on the outgoing socket and on every listening socket for the peer's address; a key that
   * cannot be installed keeps the session down (daemon/net/), never unauthenticated.
   */
  passwordFile?: string;
  /** TCP-MD5 key from this environment variable of rackrouted (1..80 bytes; checked at start). */
  passwordEnv?: string;
  /** TCP-AO (RFC 5925) instead of TCP-MD5; needs kernel support (Linux 6.7+, CONFIG_TCP_AO), probed at start. */
  tcpAo?: TcpAoConfig;
  /**
   * GTSM (RFC 5082): send with TTL (hop limit) 255 and let the kernel drop segments that arrive
   * with less, so only a directly connected peer can reach the session.
   */
  ttlSecurity: boolean;
  /** TTL (hop limit) of the session's packets, 1..255, for an eBGP peer further away; unset = the
   *  system default. Not together with ttlSecurity. */
  multihop?: number;
  /** Interface the session's sockets are bound to (SO_BINDTODEVICE); required for an IPv6 link-local address. */
  interface?: string;
  /**
   * Import policy chain: names from `policies` or the built-in `defaults`, evaluated as one
   * ordered rule list (first deciding rule wins, then reject). Never empty. RFC 8212: a peer
   * without a configured policy gets `defaults`, never "accept everything".
   */
  import: string[];
  /** Export policy chain, as `import`. */
  export: string[];
  /** Per-family cap on prefixes received; unset = no cap. */
  maxPrefix?: MaxPrefixConfig;
}

/** RFC 5926 MACs for TCP-AO, both 96 bits. */
export const TCP_AO_ALGORITHMS = ['hmac-sha1', 'cmac-aes128'] as const;
export type TcpAoAlgorithm = (typeof TCP_AO_ALGORITHMS)[number];

/** One TCP-AO Master Key Tuple (RFC 5925 §3.1) for the peer. */
export interface TcpAoConfig {
  /** The key: the first line of this file, or this environment variable (one of the two), 1..80 bytes. */
  keyFile?: string;
  keyEnv?: string;
  /** KeyID we send (the peer's RecvID), 0..255. */
  sendId: number;
  /** KeyID we expect from the peer (the peer's SendID), 0..255. */
  recvId: number;
  algorithm: TcpAoAlgorithm;
}

/** RFC 4486 §4 Cease/1 "Maximum Number of Prefixes Reached" when a family goes above `limit`. */
export interface MaxPrefixConfig {
  /** 1..4294967295: the limit travels as a 4-octet number in the NOTIFICATION data. */
  limit: number;
  /** Log a warning (once) when a family reaches this percentage of the limit. */
  warningPercent: number;
  /** Seconds before the session may come back after the Cease; unset = only by operator reset. */
  restartAfter?: number;
}

/** What a rule does when it matches: decide (accept/reject) or apply its changes and go on. */
export const RULE_ACTIONS = ['accept', 'reject', 'continue'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** Where a route came from: this node (originate / Kubernetes), an iBGP or an eBGP peer. */
export const ROUTE_SOURCES = ['local', 'ibgp', 'ebgp'] as const;
export type RouteSource = (typeof ROUTE_SOURCES)[number];

/** Conditions of one rule, all of which must hold; each list means "any of" unless named *All.
 *  Absent = no condition. Values are canonical text. */
export interface PolicyMatch {
  /** Prefix ranges (config/prefix-range.ts canonical form). */
  prefix?: string[];
  community?: string[];
  communityAll?: string[];
  largeCommunity?: string[];
  largeCommunityAll?: string[];
  /** JavaScript regular expression over the AS path text, e.g. "65001 65002" (sets as {1,2}). */
  asPath?: string;
  /** The last AS of the path (RFC 6811 §2 origin AS; an empty path is our own AS). */
  originAs?: number[];
  /** RFC 4271 §9.1.2.2 (a) path length (AS_SET counts 1) is at most this. */
  asPathMaxLength?: number;
  /** AS of the peer the route was learned from. */
  neighborAs?: number[];
  /** Next-hop address inside one of these CIDRs. */
  nextHop?: string[];
  source?: RouteSource[];
}

export interface PolicyThen {
  action: RuleAction;
  localPref?: number;
  med?: number;
  addCommunities?: string[];
  removeCommunities?: string[];
  addLargeCommunities?: string[];
  removeLargeCommunities?: string[];
  /** Prepend this node's AS this many times. */
  prepend?: number;
}

export interface PolicyRule {
  match: PolicyMatch;
  then: PolicyThen;
}

export interface PolicyConfig {
  name: string;
  /** Non-empty; in file order. */
  rules: PolicyRule[];
}

/**
 * Longest pod route the `defaults` import policy accepts, per family: a /28 (16 pods) is the
 * smallest IPv4 per-node block in common use (Cilium cluster-pool, Calico blocks /26); IPv6
 * /124 the same 16 addresses. Shorter than the pod network itself is never accepted.
 */
export const POD_ROUTE_MAX_LEN = { 4: 28, 6: 124 } as const;

/** The built-in policy name: daemon/policy/defaults.ts, for import and for export. */
export const DEFAULT_POLICY = 'defaults';

export interface BgpConfig {
  listen: boolean;
  /** `::` (default) is one dual-stack socket: it accepts IPv4 too (IPv4-mapped, bindv6only=0). */
  listenAddresses: string[];
  listenPort: number;
  /** Smallest hold time accepted in a peer's OPEN (RFC 4271 §6.2 allows refusing). At the default 3 a
   *  hold time of 0 (no keepalives) is accepted; above 3 it is refused too (FRR bgp minimum-holdtime). */
  minHoldTime: number;
  /** RFC 8654 Extended Message capability. */
  extendedMessage: boolean;
  /** ECMP: at most this many next hops per prefix in the kernel (1 = no multipath). */
  maxPaths: number;
  /** Multipath across neighbour ASes with equal AS-path length (a node on two ToRs with their own ASNs). */
  multipathRelax: boolean;
  /** RFC 4271 §9.1.2.2 (c): compare MED between paths from different neighbour ASes too. */
  alwaysCompareMed: boolean;
  /** A path without MED counts as the worst MED (default: as MED 0, RFC 4271 §9.1.2.2 (c)). */
  missingMedWorst: boolean;
  /**
   * Seconds between announcing RFC 8326 GRACEFUL_SHUTDOWN to peers without graceful restart and
   * the Cease, on SIGTERM, so they move traffic away first (0: no drain).
   */
  shutdownDrain: number;
}

/** Where and how learned routes go into the kernel (daemon/kernel/). */
export interface KernelConfig {
  /** Program the kernel FIB at all (`rackrouted --no-fib` overrides to false). */
  enabled: boolean;
  /** rtm_protocol that marks our routes (RTPROT_BGP 186); routes of other protocols are never touched. */
  protocol: number;
  /** Routing table (254 = main). */
  table: number;
  /** Turn on net.ipv4.ip_forward and net.ipv6.conf.all.forwarding at start. */
  forwarding: boolean;
}

export interface ControlConfig {
  socket: string;
  /** Group that may use the control socket (name or numeric gid); unset = root only. */
  group?: string;
}

export interface LogConfig {
  level: LogLevel;
}

/** Prometheus metrics and health endpoints over HTTP (daemon/metrics/server.ts). */
export interface MetricsConfig {
  /** Serve /metrics, /healthz and /readyz. */
  enabled: boolean;
  /** `address:port`, canonical (IPv6 in brackets: `[::1]:9180`). Loopback by default: the
   *  numbers name peers and prefixes, so exposing them is the operator's explicit choice. */
  listen: string;
}

/** How routes inside the cluster's pod CIDRs are checked against the Nodes' spec.podCIDRs. */
export const VALIDATION_MODES = ['enforce', 'warn', 'off'] as const;
export type ValidationMode = (typeof VALIDATION_MODES)[number];

/** BGP sessions made from the Node list: none, every selected node (iBGP full mesh), or route reflectors. */
export const K8S_PEERING_MODES = ['none', 'mesh', 'route-reflectors'] as const;
export type K8sPeeringMode = (typeof K8S_PEERING_MODES)[number];

/** The Kubernetes API as a source of node identity, pod CIDRs and peers (daemon/kubernetes/). */
export interface KubernetesConfig {
  enabled: boolean;
  /** kubeconfig file; unset = the in-cluster service account, then $KUBECONFIG / ~/.kube/config. */
  kubeconfig?: string;
  /** This node's Node object; unset = $NODE_NAME, then the hostname. */
  nodeName?: string;
  /** Advertise the Node's spec.podCIDRs (IPv4 and IPv6) and follow their changes. */
  originatePodCidrs: boolean;
  peering: K8sPeeringMode;
  /** Label selector (`k=v`, `k!=v`, `k`, `!k`, comma = and) of the nodes peering takes part with; '' = all. */
  nodeSelector: string;
  /** Label selector of the route reflectors (peering: route-reflectors). */
  routeReflectorSelector: string;
  /** Accept a pod-CIDR route only from the node that owns the CIDR. */
  validation: ValidationMode;
  /** Set the Node's NetworkUnavailable condition to False once routes are in place. */
  reportCondition: boolean;
  /** Last known good node list, used at start when the API cannot be reached. */
  stateFile: string;
}

/** The eBPF datapath (bpf/datapath.c, daemon/datapath/). */
export interface DatapathConfig {
  /** Load and attach it; false = legacy host routing (the kernel stack), reported as such. */
  enabled: boolean;
  /** Uplinks to attach to (glob patterns); empty = every Ethernet interface with a global address that is not a pod interface. */
  interfaces: string[];
  /** Host sides of pod veths (glob patterns): attached as they appear, traffic to them goes straight into the pod. */
  podInterfaces: string[];
  /** Prefixes whose traffic stays on the kernel stack (iptables NetworkPolicy, masquerade): counted, not fast-pathed. */
  noFastPath: string[];
  /** bpffs directory for the pinned maps and links (one per rackrouted instance). */
  pinDir: string;
}

export interface Config {
  node: NodeConfig;
  originate: OriginatePrefix[];
  /** Named policies in file order; names are unique and never DEFAULT_POLICY. */
  policies: PolicyConfig[];
  peers: PeerConfig[];
  bgp: BgpConfig;
  kernel: KernelConfig;
  control: ControlConfig;
  metrics: MetricsConfig;
  kubernetes: KubernetesConfig;
  datapath: DatapathConfig;
  log: LogConfig;
}

/** One problem in a config file. `line` is 1-based; 0 means "no line" (file unreadable). */
export interface ConfigError {
  file: string;
  line: number;
  /** Where in the document, e.g. `peers[1].holdTime`; `(syntax)` for YAML syntax errors, `(root)`
   *  for the document itself, '' for the file as a whole (unreadable). */
  path: string;
  /** What is wrong, then what is allowed in parentheses. */
  message: string;
}

/** `file:line: path: message`; without the path segment when path is empty (file-level errors). */
export function formatError(e: ConfigError): string {
  return e.path === '' ? `${e.file}:${e.line}: ${e.message}` : `${e.file}:${e.line}: ${e.path}: ${e.message}`;
}

export const PEER_DEFAULTS = {
  port: 179,
  passive: false,
  // Both families on every session (RFC 4760 multiprotocol: IPv6 routes over an IPv4 session
  // and the reverse); narrow it per peer with `families`.
  families: ['ipv4-unicast', 'ipv6-unicast'] as Family[],
  holdTime: 90,
  connectRetry: 5,
  addPath: 'off' as AddPathMode,
  gracefulRestart: { enabled: true, restartTime: 120 },
  // FRR bfdd's and MetalLB's defaults: 300 ms x 3 = 900 ms detection.
  bfd: { enabled: false, minRx: 300, minTx: 300, multiplier: 3 },
  extendedNextHop: false,
  routeReflectorClient: false,
  nextHopSelf: false,
  ttlSecurity: false,
  import: [DEFAULT_POLICY],
  export: [DEFAULT_POLICY],
} satisfies Partial<PeerConfig>;

/** FRR's maximum-prefix default threshold. */
export const MAX_PREFIX_WARNING_DEFAULT = 75;

export const BGP_DEFAULTS: BgpConfig = {
  listen: true,
  listenAddresses: ['::'],
  listenPort: 179,
  minHoldTime: 3,
  extendedMessage: true,
  maxPaths: 8,
  multipathRelax: true,
  alwaysCompareMed: false,
  missingMedWorst: false,
  shutdownDrain: 5,
};

export const KERNEL_DEFAULTS: KernelConfig = { enabled: true, protocol: 186, table: 254, forwarding: true };

export const CONTROL_DEFAULTS: ControlConfig = { socket: '/run/rackroute/rackroute.sock' };

export const LOG_DEFAULTS: LogConfig = { level: 'info' };

export const KUBERNETES_DEFAULTS: KubernetesConfig = {
  enabled: false,
  originatePodCidrs: true,
  peering: 'none',
  nodeSelector: '',
  routeReflectorSelector: 'rackroute.io/route-reflector=true',
  validation: 'enforce',
  reportCondition: true,
  stateFile: '/var/lib/rackroute/kubernetes.json',
};

export const DATAPATH_DEFAULTS: DatapathConfig = { enabled: true, interfaces: [], podInterfaces: ['lxc*', 'veth*', 'cali*'], noFastPath: [], pinDir: '/sys/fs/bpf/rackroute' };

/** 9180: next to BIRD/FRR exporters' usual ports, unused by Kubernetes node components. */
export const METRICS_DEFAULTS: MetricsConfig = { enabled: true, listen: '127.0.0.1:9180' };

/** RFC 1997 / RFC 3765 / RFC 7999 well-known communities accepted by name. */
export const WELL_KNOWN_COMMUNITIES: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
  blackhole: 0xffff029a,
};

/** Keys accepted in each mapping, in canonical (printing) order. */
export const KEYS = {
  root: ['node', 'originate', 'policies', 'peers', 'bgp', 'kernel', 'control', 'metrics', 'kubernetes', 'datapath', 'log'],
  node: ['routerId', 'asn', 'clusterId', 'hostname', 'podNetworks', 'exportLearned'],
  originate: ['prefix', 'communities', 'largeCommunities'],
  peer: [
    'name', 'address', 'asn', 'port', 'passive', 'families', 'holdTime', 'keepalive',
    'connectRetry', 'localAddress', 'description', 'addPath', 'gracefulRestart', 'bfd',
    'extendedNextHop', 'routeReflectorClient', 'nextHopSelf', 'passwordFile', 'passwordEnv',
    'tcpAo', 'ttlSecurity', 'multihop', 'interface', 'import', 'export', 'maxPrefix',
  ],
  tcpAo: ['keyFile', 'keyEnv', 'sendId', 'recvId', 'algorithm'],
  maxPrefix: ['limit', 'warningPercent', 'restartAfter'],
  rule: ['match', 'then'],
  match: [
    'prefix', 'community', 'communityAll', 'largeCommunity', 'largeCommunityAll', 'asPath', 'originAs',
    'asPathMaxLength', 'neighborAs', 'nextHop', 'source',
  ],
  then: [
    'action', 'localPref', 'med', 'addCommunities', 'removeCommunities', 'addLargeCommunities',
    'removeLargeCommunities', 'prepend',
  ],
  gracefulRestart: ['enabled', 'restartTime'],
  bfd: ['enabled', 'minRx', 'minTx', 'multiplier'],
  bgp: ['listen', 'listenAddresses', 'listenPort', 'minHoldTime', 'extendedMessage', 'maxPaths', 'multipathRelax', 'alwaysCompareMed', 'missingMedWorst', 'shutdownDrain'],
  kernel: ['enabled', 'protocol', 'table', 'forwarding'],
  control: ['socket', 'group'],
  metrics: ['enabled', 'listen'],
  kubernetes: ['enabled', 'kubeconfig', 'nodeName', 'originatePodCidrs', 'peering', 'nodeSelector', 'routeReflectorSelector', 'validation', 'reportCondition', 'stateFile'],
  datapath: ['enabled', 'interfaces', 'podInterfaces', 'noFastPath', 'pinDir'],
  log: ['level'],
} as const satisfies Record<string, readonly string[]>;

/** Numeric community value of `asn:value` or a well-known name, for the route engine. */
export function communityValue(text: string): number | undefined {
  const named = WELL_KNOWN_COMMUNITIES[text];
  if (named !== undefined) return named;
  const m = /^(0|[1-9][0-9]{0,4}):(0|[1-9][0-9]{0,4})$/.exec(text);
  const hi = Number(m?.[1]);
  const lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff) return undefined;
  return hi * 0x10000 + lo;
}

/** RFC 8092 large community as three unsigned 32-bit numbers. */
export function largeCommunityValue(text: string): [number, number, number] | undefined {
  const m = /^(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9}):(0|[1-9][0-9]{0,9})$/.exec(text);
  if (!m) return undefined;
  const parts = [Number(m[1]), Number(m[2]), Number(m[3])] as [number, number, number];
  return parts.every((n) => n <= 0xffffffff) ? parts : undefined;
}
