/**
 * Reads the document root and each top-level section (node, originate, policies, peers, bgp,
 * control, metrics, log) into a Config, applying the defaults from schema.ts. Input: the root Val of a parsed
 * YAML document. Output: a Config with placeholders where values were refused (their paths are
 * in ctx.bad, their errors in ctx.errors). Pure: no I/O.
 */
import { isMap, isScalar } from 'yaml';
import {
  fail, optional, readBool, readEnum, readInt, readList, readMap, readString, required,
  type Ctx, type Val,
} from './reader.js';
import { readPeer } from './peer.js';
import { readPolicies } from './policy.js';
import {
  BGP_DEFAULTS, CONTROL_DEFAULTS, DATAPATH_DEFAULTS, K8S_PEERING_MODES, KERNEL_DEFAULTS, KEYS, KUBERNETES_DEFAULTS, LOG_DEFAULTS, LOG_LEVELS, METRICS_DEFAULTS,
  VALIDATION_MODES,
  type BgpConfig, type Config, type ControlConfig, type DatapathConfig, type KernelConfig, type KubernetesConfig, type LogConfig, type MetricsConfig, type NodeConfig,
  type OriginatePrefix,
} from './schema.js';
import { parseSelector, SELECTOR_ALLOWED } from './selector.js';
import {
  ASN_ALLOWED, readAbsolutePath, readAsn, readCidr, readCommunity, readGroup, readHostname, readIp,
  readLargeCommunity, readListen, readRouterId,
} from './values.js';

export function readConfig(ctx: Ctx, root: Val): Config {
  const e = readMap(ctx, root, KEYS.root);
  // Not a mapping: that one error says it all.
  if (!e) {
    ctx.bad.add('node');
    return placeholderConfig();
  }
  const section = <T>(key: string, read: (v: Val) => T, fallback: T): T => {
    const v = e.get(key);
    return v ? read(v) : fallback;
  };
  const node = required(ctx, root, e, 'node', 'a mapping with routerId and asn', (v) => readNode(ctx, v));
  if (!node) ctx.bad.add('node');
  const d = placeholderConfig();
  const kubernetes = section('kubernetes', (v) => readKubernetes(ctx, v), d.kubernetes);
  // The router id may come from the Node's InternalIP; without Kubernetes it is required.
  if (node && node.routerId === '' && !kubernetes.enabled) {
    const nodeVal = e.get('node');
    if (nodeVal) required(ctx, nodeVal, new Map(), 'routerId', 'IPv4 address such as 192.0.2.1, or kubernetes.enabled to take the Node\'s InternalIP', () => undefined);
  }
  return {
    node: node ?? d.node,
    originate: section('originate', (v) => readEach(ctx, v, 'CIDR prefixes', readOriginate), d.originate),
    policies: section('policies', (v) => readPolicies(ctx, v), d.policies),
    peers: section('peers', (v) => readEach(ctx, v, 'peer mappings', readPeer), d.peers),
    bgp: section('bgp', (v) => readBgp(ctx, v), d.bgp),
    kernel: section('kernel', (v) => readKernel(ctx, v), d.kernel),
    control: section('control', (v) => readControl(ctx, v), d.control),
    metrics: section('metrics', (v) => readMetrics(ctx, v), d.metrics),
    kubernetes,
    datapath: section('datapath', (v) => readDatapath(ctx, v), d.datapath),
    log: section('log', (v) => readLog(ctx, v), d.log),
  };
}

/** Defaults everywhere; the node is a placeholder that is only used when it was refused. */
function placeholderConfig(): Config {
  return {
    node: { routerId: '0.0.0.0', asn: 0, podNetworks: [], exportLearned: false },
    originate: [],
    policies: [],
    peers: [],
    bgp: copyBgp(BGP_DEFAULTS),
    kernel: { ...KERNEL_DEFAULTS },
    control: { ...CONTROL_DEFAULTS },
    metrics: { ...METRICS_DEFAULTS },
    kubernetes: { ...KUBERNETES_DEFAULTS },
    datapath: copyDatapath(DATAPATH_DEFAULTS),
    log: { ...LOG_DEFAULTS },
  };
}

function copyBgp(b: BgpConfig): BgpConfig {
  return { ...b, listenAddresses: [...b.listenAddresses] };
}

function readEach<T>(ctx: Ctx, v: Val, what: string, read: (ctx: Ctx, item: Val) => T): T[] {
  // An empty `peers:` or `originate:` means none.
  if (v.node === null || (isScalar(v.node) && v.node.value === null)) return [];
  return (readList(ctx, v, what) ?? []).map((item) => read(ctx, item));
}

function readNode(ctx: Ctx, v: Val): NodeConfig | undefined {
  const e = readMap(ctx, v, KEYS.node);
  if (!e) return undefined;
  const node: NodeConfig = {
    // Absent: '' (readConfig requires it unless kubernetes.enabled supplies it).
    routerId: e.has('routerId') ? (required(ctx, v, e, 'routerId', 'IPv4 address such as 192.0.2.1', (x) => readRouterId(ctx, x)) ?? '0.0.0.0') : '',
    asn: required(ctx, v, e, 'asn', ASN_ALLOWED, (x) => readAsn(ctx, x)) ?? 0,
    podNetworks: optional(e, 'podNetworks', (x) => readStrings(ctx, x, 'CIDR prefixes', readCidr), []),
    exportLearned: optional(e, 'exportLearned', (x) => readBool(ctx, x), false),
  };
  // RFC 4456 §7: a 4-octet CLUSTER_ID, written like a router id (dotted quad); unset = the routerId.
  const clusterVal = e.get('clusterId');
  const clusterId = clusterVal && readRouterId(ctx, clusterVal);
  if (clusterId !== undefined) node.clusterId = clusterId;
  const hostVal = e.get('hostname');
  const hostname = hostVal && readHostname(ctx, hostVal);
  if (hostname !== undefined) node.hostname = hostname;
  return node;
}

/** An entry is a bare prefix or a mapping {prefix, communities, largeCommunities}. */
function readOriginate(ctx: Ctx, item: Val): OriginatePrefix {
  const out: OriginatePrefix = { prefix: '', communities: [], largeCommunities: [] };
  if (!item.node || !isMap(item.node)) {
    out.prefix = readCidr(ctx, item) ?? '';
    return out;
  }
  const e = readMap(ctx, item, KEYS.originate);
  if (!e) return out;
  out.prefix = required(ctx, item, e, 'prefix', 'CIDR prefix', (x) => readCidr(ctx, x)) ?? '';
  out.communities = optional(e, 'communities', (x) => readStrings(ctx, x, 'communities', readCommunity), []);
  out.largeCommunities = optional(e, 'largeCommunities', (x) => readStrings(ctx, x, 'large communities', readLargeCommunity), []);
  return out;
}

/** A list of strings read one by one; duplicates are dropped, order is kept. */
function readStrings(ctx: Ctx, v: Val, what: string, read: (ctx: Ctx, item: Val) => string | undefined): string[] | undefined {
  const items = readList(ctx, v, what);
  if (!items) return undefined;
  const values = items.map((item) => read(ctx, item));
  if (values.some((s) => s === undefined)) return undefined;
  return [...new Set(values as string[])];
}

function readBgp(ctx: Ctx, v: Val): BgpConfig {
  const e = readMap(ctx, v, KEYS.bgp);
  const d = copyBgp(BGP_DEFAULTS);
  if (!e) return d;
  const port = (n: number): boolean => n >= 1 && n <= 65535;
  return {
    listen: optional(e, 'listen', (x) => readBool(ctx, x), d.listen),
    listenAddresses: optional(e, 'listenAddresses', (x) => readStrings(ctx, x, 'IP addresses', readIp), d.listenAddresses),
    listenPort: optional(e, 'listenPort', (x) => readInt(ctx, x, port, '1..65535'), d.listenPort),
    // RFC 4271 §4.2: a non-zero hold time is at least 3 s, so this floor is too.
    minHoldTime: optional(e, 'minHoldTime', (x) => readInt(ctx, x, (n) => n >= 3 && n <= 65535, '3..65535'), d.minHoldTime),
    extendedMessage: optional(e, 'extendedMessage', (x) => readBool(ctx, x), d.extendedMessage),
    maxPaths: optional(e, 'maxPaths', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 64, '1..64'), d.maxPaths),
    multipathRelax: optional(e, 'multipathRelax', (x) => readBool(ctx, x), d.multipathRelax),
    alwaysCompareMed: optional(e, 'alwaysCompareMed', (x) => readBool(ctx, x), d.alwaysCompareMed),
    missingMedWorst: optional(e, 'missingMedWorst', (x) => readBool(ctx, x), d.missingMedWorst),
    shutdownDrain: optional(e, 'shutdownDrain', (x) => readInt(ctx, x, (n) => n >= 0 && n <= 300, '0..300 seconds'), d.shutdownDrain),
  };
}

function readKernel(ctx: Ctx, v: Val): KernelConfig {
  const e = readMap(ctx, v, KEYS.kernel);
  const d = { ...KERNEL_DEFAULTS };
  if (!e) return d;
  return {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), d.enabled),
    // 0-4 are the kernel's own (unspec, redirect, kernel, boot, static): never ours.
    protocol: optional(e, 'protocol', (x) => readInt(ctx, x, (n) => n >= 5 && n <= 255, '5..255'), d.protocol),
    // 0 (unspec), 253 (default) and 255 (local) are not tables to put pod routes in.
    table: optional(e, 'table', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 0xffffffff && n !== 253 && n !== 255, '1..4294967295, not 253 or 255'), d.table),
    forwarding: optional(e, 'forwarding', (x) => readBool(ctx, x), d.forwarding),
  };
}

function readControl(ctx: Ctx, v: Val): ControlConfig {
  const e = readMap(ctx, v, KEYS.control);
  const out: ControlConfig = { ...CONTROL_DEFAULTS };
  if (!e) return out;
  out.socket = optional(e, 'socket', (x) => readAbsolutePath(ctx, x), out.socket);
  const groupVal = e.get('group');
  const group = groupVal && readGroup(ctx, groupVal);
  if (group !== undefined) out.group = group;
  return out;
}

function readMetrics(ctx: Ctx, v: Val): MetricsConfig {
  const e = readMap(ctx, v, KEYS.metrics);
  if (!e) return { ...METRICS_DEFAULTS };
  return {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), METRICS_DEFAULTS.enabled),
    listen: optional(e, 'listen', (x) => readListen(ctx, x), METRICS_DEFAULTS.listen),
  };
}

function readKubernetes(ctx: Ctx, v: Val): KubernetesConfig {
  const e = readMap(ctx, v, KEYS.kubernetes);
  const d = { ...KUBERNETES_DEFAULTS };
  if (!e) return d;
  const selector = (x: Val): string | undefined => {
    if (x.node && isScalar(x.node) && x.node.value === '') return '';
    const text = readString(ctx, x, SELECTOR_ALLOWED, () => true);
    if (text === undefined) return undefined;
    const r = parseSelector(text);
    return r.ok ? text.trim() : fail(ctx, x, `${r.error} (${SELECTOR_ALLOWED})`);
  };
  const out: KubernetesConfig = {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), d.enabled),
    originatePodCidrs: optional(e, 'originatePodCidrs', (x) => readBool(ctx, x), d.originatePodCidrs),
    peering: optional(e, 'peering', (x) => readEnum(ctx, x, K8S_PEERING_MODES), d.peering),
    nodeSelector: optional(e, 'nodeSelector', selector, d.nodeSelector),
    routeReflectorSelector: optional(e, 'routeReflectorSelector', selector, d.routeReflectorSelector),
    validation: optional(e, 'validation', (x) => readEnum(ctx, x, VALIDATION_MODES), d.validation),
    reportCondition: optional(e, 'reportCondition', (x) => readBool(ctx, x), d.reportCondition),
    stateFile: optional(e, 'stateFile', (x) => readAbsolutePath(ctx, x), d.stateFile),
  };
  const kc = e.get('kubeconfig');
  const kubeconfig = kc && readAbsolutePath(ctx, kc);
  if (kubeconfig !== undefined) out.kubeconfig = kubeconfig;
  const nn = e.get('nodeName');
  // A Node name is a DNS subdomain.
  const nodeName = nn && readString(ctx, nn, 'Node name: lowercase DNS subdomain', (s) => /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(s));
  if (nodeName !== undefined) out.nodeName = nodeName;
  return out;
}

function copyDatapath(d: DatapathConfig): DatapathConfig {
  return { ...d, interfaces: [...d.interfaces], podInterfaces: [...d.podInterfaces], noFastPath: [...d.noFastPath] };
}

/** Interface name patterns: IFNAMSIZ-1 characters of a name, with * and ? as wildcards. */
function readIfPattern(ctx: Ctx, v: Val): string | undefined {
  return readString(ctx, v, 'interface name or pattern (1..15 characters, * and ? as wildcards)', (s) => /^[A-Za-z0-9_.:@*?-]{1,15}$/.test(s));
}

function readDatapath(ctx: Ctx, v: Val): DatapathConfig {
  const e = readMap(ctx, v, KEYS.datapath);
  const d = copyDatapath(DATAPATH_DEFAULTS);
  if (!e) return d;
  return {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), d.enabled),
    interfaces: optional(e, 'interfaces', (x) => readStrings(ctx, x, 'interface patterns', readIfPattern), d.interfaces),
    podInterfaces: optional(e, 'podInterfaces', (x) => readStrings(ctx, x, 'interface patterns', readIfPattern), d.podInterfaces),
    noFastPath: optional(e, 'noFastPath', (x) => readStrings(ctx, x, 'CIDR prefixes', readCidr), d.noFastPath),
    pinDir: optional(e, 'pinDir', (x) => readString(ctx, x, 'absolute path under /sys/fs/bpf', (t) => /^\/sys\/fs\/bpf\/[A-Za-z0-9._/-]+$/.test(t) && !t.includes('..')), d.pinDir),
  };
}

function readLog(ctx: Ctx, v: Val): LogConfig {
  const e = readMap(ctx, v, KEYS.log);
  if (!e) return { ...LOG_DEFAULTS };
  return { level: optional(e, 'level', (x) => readEnum(ctx, x, LOG_LEVELS), LOG_DEFAULTS.level) };
}
