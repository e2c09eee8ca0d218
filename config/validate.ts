/**
 * Cross-field and cross-entry checks on a Config (OpenBGPD neighbor_consistent, BIRD
 * cf_error): unique peers, sane addresses, non-overlapping originated prefixes and pod networks,
 * timer relations, listener layout (BGP and metrics), policy references, unreachable policy
 * rules and iBGP-only peer options. Field-level ranges are checked while reading (peer.ts,
 * sections.ts). Input: a Config plus where its paths are in the file. Output: ConfigError[]
 * naming what is allowed. Pure: no I/O.
 */
import { cidrsOverlap, formatHostPort, isUnspecified, parseCidr, parseHostPort, parseIp, type Cidr, type IpAddr } from './ip.js';
import { DEFAULT_POLICY, POD_ROUTE_MAX_LEN, type Config, type ConfigError, type PeerConfig, type PolicyRule } from './schema.js';

export interface SourceInfo {
  readonly file: string;
  /** 1-based line of a path such as `peers[1].holdTime` (or of its nearest parent). */
  lineOf(path: string): number;
  /** True when the value at `path` was refused while reading: checks on it are skipped. */
  isBad(path: string): boolean;
}

/** For configs built in code: no lines, nothing refused. */
export const NO_SOURCE: SourceInfo = { file: '<config>', lineOf: () => 0, isBad: () => false };

type Report = (path: string, message: string) => void;

export function validateConfig(config: Config, source: SourceInfo = NO_SOURCE): ConfigError[] {
  const errors: ConfigError[] = [];
  const report: Report = (path, message) => {
    errors.push({ file: source.file, line: source.lineOf(path), path, message });
  };
  const ok = (path: string): boolean => !source.isBad(path);
  checkNode(config, ok, report);
  checkPodNetworks(config, ok, report);
  checkOriginate(config, ok, report);
  checkPolicies(config, ok, report);
  checkListener(config, ok, report);
  checkMetricsListen(config, ok, report);
  config.peers.forEach((peer, i) => checkPeer(config, peer, `peers[${i}]`, ok, report));
  checkPeersUnique(config.peers, ok, report);
  return errors;
}

function checkNode(config: Config, ok: (p: string) => boolean, report: Report): void {
  // RFC 6286 §2.1: the BGP Identifier is a non-zero 32-bit number.
  if (ok('node.routerId') && config.node.routerId === '0.0.0.0') {
    report('node.routerId', '0.0.0.0 is not allowed (a non-zero IPv4 address, RFC 6286 §2.1)');
  }
}

/** The defaults accept pod routes /len../28 (IPv4) or /len../124 (IPv6): len must leave room. */
function checkPodNetworks(config: Config, ok: (p: string) => boolean, report: Report): void {
  const seen: { cidr: Cidr; path: string; text: string }[] = [];
  config.node.podNetworks.forEach((text, i) => {
    const path = `node.podNetworks[${i}]`;
    const r = parseCidr(text);
    if (!ok(path) || !r.ok) return;
    const max = POD_ROUTE_MAX_LEN[r.cidr.family];
    if (r.cidr.len > max) {
      report(path, `${text} is longer than /${max} (a pod network of /${max} or shorter: the defaults accept pod routes up to /${max})`);
    }
    const other = seen.find((s) => cidrsOverlap(s.cidr, r.cidr));
    if (other) report(path, `${text} overlaps ${other.text} (see ${other.path}; pod networks must not overlap)`);
    seen.push({ cidr: r.cidr, path, text });
  });
}

/** A rule after a catch-all accept/reject can never run: almost always a mistake in the order. */
function checkPolicies(config: Config, ok: (p: string) => boolean, report: Report): void {
  for (const policy of config.policies) {
    // A refused condition leaves the match empty: it would look like a catch-all.
    const last = policy.rules.findIndex((r, i) => ok(`policies.${policy.name}[${i}]`) && decidesEverything(r));
    if (last >= 0 && last < policy.rules.length - 1) {
      const action = policy.rules[last]?.then.action ?? '';
      report(`policies.${policy.name}[${last + 1}]`, `rule ${last + 2} is never reached (rule ${last + 1} matches every route and ${action}s it: put the catch-all rule last)`);
    }
  }
}

function decidesEverything(rule: PolicyRule): boolean {
  return Object.keys(rule.match).length === 0 && rule.then.action !== 'continue';
}

/** Every name in a peer's import/export chain is defined (or the built-in), and listed once. */
function checkPolicyRefs(config: Config, peer: PeerConfig, at: string, ok: (p: string) => boolean, report: Report): void {
  const defined = config.policies.map((p) => p.name);
  const names = new Set([...defined, DEFAULT_POLICY]);
  const known = `defined: ${defined.length === 0 ? 'none' : defined.join(', ')}; built in: ${DEFAULT_POLICY}`;
  for (const dir of ['import', 'export'] as const) {
    peer[dir].forEach((name, j) => {
      const path = `${at}.${dir}[${j}]`;
      if (!ok(path)) return;
      if (peer[dir].indexOf(name) < j) report(path, `${name} is listed twice (each policy once)`);
      else if (!names.has(name)) report(path, `unknown policy name ${name} (${known})`);
    });
  }
}

function checkOriginate(config: Config, ok: (p: string) => boolean, report: Report): void {
  const seen: { cidr: Cidr; path: string; text: string }[] = [];
  config.originate.forEach((o, i) => {
    const path = `originate[${i}]`;
    const r = parseCidr(o.prefix);
    if (!ok(path) || !ok(`${path}.prefix`) || !r.ok) return;
    const other = seen.find((s) => cidrsOverlap(s.cidr, r.cidr));
    if (other) {
      const what = other.text === o.prefix ? 'is listed twice' : `overlaps ${other.text}`;
      report(path, `${o.prefix} ${what} (see ${other.path}; prefixes must not overlap)`);
    }
    seen.push({ cidr: r.cidr, path, text: o.prefix });
  });
}

/**
 * Linux refuses to bind a specific address next to a listening wildcard on the same port, and
 * `::` (bindv6only=0) is also the IPv4 wildcard.
 */
function checkListener(config: Config, ok: (p: string) => boolean, report: Report): void {
  const { bgp } = config;
  if (!ok('bgp.listenAddresses')) return;
  if (bgp.listen && bgp.listenAddresses.length === 0) {
    report('bgp.listenAddresses', 'empty list is not allowed while bgp.listen is true (one or more addresses, e.g. ::)');
  }
  const addrs = bgp.listenAddresses.map((a) => parseIp(a));
  addrs.forEach((a, i) => {
    const wildcard = addrs.findIndex((w, j) => j !== i && w && a && covers(w, a));
    if (a && wildcard >= 0) {
      const w = bgp.listenAddresses[wildcard] ?? '';
      report(`bgp.listenAddresses[${i}]`, `${bgp.listenAddresses[i]} is already covered by ${w} (either the wildcard or specific addresses)`);
    }
  });
}

/** The metrics listener cannot share the BGP listener's port on an address the BGP one binds. */
function checkMetricsListen(config: Config, ok: (p: string) => boolean, report: Report): void {
  const { bgp, metrics } = config;
  if (!metrics.enabled || !bgp.listen || !ok('metrics.listen') || !ok('bgp.listenAddresses') || !ok('bgp.listenPort')) return;
  const hp = parseHostPort(metrics.listen);
  const host = hp && parseIp(hp.host);
  if (!hp || !host || hp.port !== bgp.listenPort) return;
  const clash = bgp.listenAddresses.find((text) => {
    const a = parseIp(text);
    return a !== undefined && (text === hp.host || covers(a, host) || covers(host, a));
  });
  if (clash !== undefined) {
    report('metrics.listen', `${metrics.listen} takes bgp.listenPort ${bgp.listenPort} on ${clash}, where BGP listens (another port, e.g. ${formatHostPort({ host: hp.host, port: 9180 })})`);
  }
}

function covers(wildcard: IpAddr, addr: IpAddr): boolean {
  if (!isUnspecified(wildcard)) return false;
  if (isUnspecified(addr) && addr.family === wildcard.family) return false;
  return wildcard.family === 6 || addr.family === 4;
}

function isUsableUnicast(a: IpAddr): boolean {
  if (isUnspecified(a)) return false;
  const first = a.bytes[0] ?? 0;
  return a.family === 4 ? first < 224 : first !== 0xff;
}

function checkPeer(config: Config, peer: PeerConfig, at: string, ok: (p: string) => boolean, report: Report): void {
  checkPeerAddresses(config, peer, at, ok, report);
  checkPolicyRefs(config, peer, at, ok, report);
  checkIbgpOnly(config, peer, at, ok, report);
  if (ok(`${at}.holdTime`) && peer.holdTime !== 0 && peer.holdTime < config.bgp.minHoldTime && ok('bgp.minHoldTime')) {
    report(`${at}.holdTime`, `${peer.holdTime} is below bgp.minHoldTime ${config.bgp.minHoldTime} (0 or ${config.bgp.minHoldTime}..65535)`);
  }
  if (peer.keepalive !== undefined && ok(`${at}.holdTime`)) {
    // RFC 4271 §4.4: no KEEPALIVEs with a zero hold time; otherwise sent well within it.
    if (peer.holdTime === 0) {
      report(`${at}.keepalive`, `${peer.keepalive} is not allowed with holdTime 0 (leave keepalive unset)`);
    } else if (peer.keepalive >= peer.holdTime) {
      report(`${at}.keepalive`, `${peer.keepalive} is not below holdTime ${peer.holdTime} (1..${peer.holdTime - 1}, usually a third)`);
    }
  }
  if (peer.passwordFile !== undefined && peer.passwordEnv !== undefined) {
    report(`${at}.passwordEnv`, 'set together with passwordFile (one of passwordFile or passwordEnv)');
  }
  checkSessionSecurity(peer, at, ok, report);
  if (peer.passive && !config.bgp.listen) {
    report(`${at}.passive`, 'true needs bgp.listen: true (passive: false, or turn on bgp.listen)');
  }
  // RFC 8950 carries IPv4 NLRI with an IPv6 next hop: it needs the IPv4 family.
  if (peer.extendedNextHop && ok(`${at}.families`) && !peer.families.includes('ipv4-unicast')) {
    report(`${at}.extendedNextHop`, 'true needs ipv4-unicast in families (false, or add ipv4-unicast)');
  }
}

/** One authentication per connection, GTSM or multihop, and an interface for a link-local peer. */
function checkSessionSecurity(peer: PeerConfig, at: string, ok: (p: string) => boolean, report: Report): void {
  const md5 = peer.passwordFile !== undefined ? 'passwordFile' : peer.passwordEnv !== undefined ? 'passwordEnv' : undefined;
  if (peer.tcpAo && md5 && ok(`${at}.tcpAo`)) {
    // RFC 5925 (abstract): TCP-AO and TCP MD5 are mutually exclusive on a connection.
    report(`${at}.tcpAo`, `set together with ${md5} (TCP-AO or TCP-MD5, not both)`);
  }
  if (peer.ttlSecurity && peer.multihop !== undefined && ok(`${at}.ttlSecurity`) && ok(`${at}.multihop`)) {
    // RFC 5082 §3: GTSM accepts TTL 255 only, i.e. a directly connected peer.
    report(`${at}.multihop`, `${peer.multihop} is set together with ttlSecurity (one of them: ttlSecurity for a directly connected peer, RFC 5082; multihop for a peer further away)`);
  }
  const addr = ok(`${at}.address`) ? parseIp(peer.address) : undefined;
  // RFC 4291 §2.5.6: fe80::/10 is only meaningful on one link, so the socket needs that link.
  if (addr && addr.family === 6 && addr.bytes[0] === 0xfe && ((addr.bytes[1] ?? 0) & 0xc0) === 0x80 && peer.interface === undefined) {
    report(`${at}.address`, `${peer.address} is an IPv6 link-local address without interface (add interface: the interface the peer is on)`);
  }
}

/** routeReflectorClient and nextHopSelf only act on iBGP sessions: on an eBGP peer they are a mistake. */
function checkIbgpOnly(config: Config, peer: PeerConfig, at: string, ok: (p: string) => boolean, report: Report): void {
  if (!ok(`${at}.asn`) || !ok('node.asn')) return;
  const { asn } = peer;
  const ebgp = asn === 'external' || (typeof asn === 'number' && asn !== config.node.asn);
  if (!ebgp) return;
  const what = asn === 'external' ? 'asn is external' : `asn ${asn} is not node.asn ${config.node.asn}`;
  const fix = `false, or asn: internal / ${config.node.asn}`;
  if (peer.routeReflectorClient && ok(`${at}.routeReflectorClient`)) {
    // RFC 4456 §2: a route reflector's clients are iBGP peers (same AS).
    report(`${at}.routeReflectorClient`, `true needs an iBGP peer but ${what} (${fix}; RFC 4456: route reflector clients are iBGP peers)`);
  }
  if (peer.nextHopSelf && ok(`${at}.nextHopSelf`)) {
    // RFC 4271 §5.1.3: towards eBGP the next hop is always our own address already.
    report(`${at}.nextHopSelf`, `true needs an iBGP peer but ${what} (${fix}; eBGP peers always get our address as next hop, RFC 4271 §5.1.3)`);
  }
}

function checkPeerAddresses(config: Config, peer: PeerConfig, at: string, ok: (p: string) => boolean, report: Report): void {
  const addr = ok(`${at}.address`) ? parseIp(peer.address) : undefined;
  const local = peer.localAddress !== undefined && ok(`${at}.localAddress`) ? parseIp(peer.localAddress) : undefined;
  if (addr && !isUsableUnicast(addr)) {
    report(`${at}.address`, `${peer.address} is not allowed (the neighbour's unicast address)`);
  } else if (addr && peer.address === peer.localAddress) {
    report(`${at}.address`, `${peer.address} equals localAddress (the neighbour's address, not this node's)`);
  } else if (addr && ok('node.routerId') && peer.address === config.node.routerId) {
    report(`${at}.address`, `${peer.address} equals node.routerId (the neighbour's address, not this node's)`);
  }
  if (local && !isUsableUnicast(local)) {
    report(`${at}.localAddress`, `${peer.localAddress} is not allowed (one of this node's unicast addresses)`);
  } else if (local && addr && local.family !== addr.family) {
    const fam = (a: IpAddr): string => `IPv${a.family}`;
    report(`${at}.localAddress`, `${peer.localAddress} is ${fam(local)} but address is ${fam(addr)} (an ${fam(addr)} address)`);
  }
}

function checkPeersUnique(peers: PeerConfig[], ok: (p: string) => boolean, report: Report): void {
  const byAddress = new Map<string, number>();
  const byName = new Map<string, number>();
  peers.forEach((p, i) => {
    const at = `peers[${i}]`;
    const addrDup = ok(`${at}.address`) ? byAddress.get(p.address) : undefined;
    if (addrDup !== undefined) {
      report(`${at}.address`, `${p.address} is already used by peers[${addrDup}] (each address once)`);
    } else if (ok(`${at}.address`)) byAddress.set(p.address, i);
    const nameDup = ok(`${at}.name`) ? byName.get(p.name) : undefined;
    // A name derived from a duplicate address is the same problem: report it once.
    if (nameDup !== undefined && !(addrDup !== undefined && p.name === p.address)) {
      report(`${at}.name`, `${JSON.stringify(p.name)} is already used by peers[${nameDup}] (unique names)`);
    } else if (ok(`${at}.name`) && nameDup === undefined) byName.set(p.name, i);
  });
}
