/**
 * OPEN negotiation: build our OPEN from the local speaker's config, judge the peer's OPEN
 * (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 7607), and combine both OPENs into what the session
 * runs with (hold time, keepalive, CodecContext, flags, and a capability table for
 * `rackroute neighbors`). Input: config values and decoded OpenMsg values (peers/wire/types.ts);
 * output: an OpenMsg to encode, a WireError to send as NOTIFICATION, or a Negotiated value for
 * the FSM (peers/fsm.ts). Pure: no I/O, no clock.
 */
import { AS_TRANS, Afi, CapCode, NotifCode, OpenSubcode, Safi } from './wire/constants.js';
import { wireError } from './wire/errors.js';
import type { WireError } from './wire/errors.js';
import { familyKey } from './wire/context.js';
import type { CodecContext } from './wire/context.js';
import { encodeCapabilities } from './wire/capabilities.js';
import type { Capability, OpenMsg } from './wire/types.js';

export interface Family {
  readonly afi: number;
  readonly safi: number;
}

export type AddPathMode = 'receive' | 'send' | 'both';
export type KnownCap = Exclude<Capability, { readonly unknown: true }>;
export type CapOf<C extends KnownCap['code']> = Extract<KnownCap, { readonly code: C }>;
export type GracefulRestartCap = CapOf<64>;
export type ExtendedNextHopEntry = { readonly afi: number; readonly safi: number; readonly nextHopAfi: number };

/** What we are and what we advertise (from config). */
export interface LocalSpeaker {
  readonly asn: number;
  /** BGP Identifier as u32. */
  readonly bgpId: number;
  /** Seconds; 0 or >= 3 (config validates). */
  readonly holdTime: number;
  /** One multiprotocol capability per family (RFC 4760 §8). */
  readonly families: readonly Family[];
  /** RFC 2918; default true. */
  readonly routeRefresh?: boolean;
  /** RFC 7313; default true. */
  readonly enhancedRouteRefresh?: boolean;
  /** RFC 8654; default true. */
  readonly extendedMessage?: boolean;
  /** RFC 4724 / RFC 8538, advertised as given (restart time, R and N bits, families). */
  readonly gracefulRestart?: Omit<GracefulRestartCap, 'code'>;
  /** RFC 7911, per family. */
  readonly addPath?: readonly (Family & { readonly mode: AddPathMode })[];
  /** draft-walton-bgp-hostname-capability. */
  readonly fqdn?: { readonly hostname: string; readonly domain?: string };
  /** RFC 8950. */
  readonly extendedNextHop?: readonly ExtendedNextHopEntry[];
}

/** Configured peer AS: a number, or a class of ASNs (BIRD/FRR `internal`/`external`). */
export type PeerAsSpec = number | 'internal' | 'external' | 'any';

/** What we accept in the peer's OPEN (from config). */
export interface PeerExpectations {
  readonly localAsn: number;
  readonly localBgpId: number;
  readonly peerAs: PeerAsSpec;
  /** Seconds (FRR `bgp_minimum_holdtime`, BIRD `min hold time`); when set, 0 is refused too. */
  readonly minHoldTime?: number;
  /** Capabilities the peer must advertise, written as we would send them (RFC 5492 §3 data). */
  readonly requiredCapabilities?: readonly Capability[];
}

export interface NegotiateOptions {
  /** Configured keepalive interval (seconds); capped at hold/3. Default hold/3. */
  readonly keepaliveTime?: number;
}

/** One row of the capability table shown by `rackroute neighbors`. */
export interface CapabilityRow {
  readonly name: string;
  readonly advertised: boolean;
  readonly received: boolean;
  readonly localDetail?: string;
  readonly remoteDetail?: string;
}

export interface Negotiated {
  readonly localAsn: number;
  readonly remoteAsn: number;
  /** Remote BGP Identifier (u32). */
  readonly remoteId: number;
  /** Seconds; 0 = no keepalives and no hold timer. */
  readonly holdTime: number;
  /** Seconds; 0 only when holdTime is 0. */
  readonly keepaliveTime: number;
  readonly context: CodecContext;
  /** Negotiated families, sorted by family key (the same set as context.families). */
  readonly families: readonly Family[];
  readonly routeRefresh: boolean;
  readonly enhancedRouteRefresh: boolean;
  /** The peer's Graceful Restart capability, or null. */
  readonly gracefulRestart: GracefulRestartCap | null;
  /** Entries both sides advertised (RFC 8950). */
  readonly extendedNextHop: readonly ExtendedNextHopEntry[];
  readonly fqdn: { readonly hostname: string; readonly domain: string } | null;
  readonly capabilities: readonly CapabilityRow[];
}

const IPV4_UNICAST: Family = { afi: Afi.Ipv4, safi: Safi.Unicast };
const ADD_PATH_MODE: Record<AddPathMode, number> = { receive: 1, send: 2, both: 3 };
/** Pre-standard route refresh code (Cisco), still sent by some peers; counts as RFC 2918. */
const OLD_ROUTE_REFRESH = 128;

function isKnown(c: Capability): c is KnownCap {
  return !('unknown' in c && c.unknown === true);
}

/** All capabilities of one code. */
export function capsOf<C extends KnownCap['code']>(open: OpenMsg, code: C): CapOf<C>[] {
  return open.capabilities.filter((c): c is CapOf<C> => isKnown(c) && c.code === code);
}

function capOf<C extends KnownCap['code']>(open: OpenMsg, code: C): CapOf<C> | undefined {
  return capsOf(open, code)[0];
}

/** The speaker's real ASN: RFC 6793 §4.1 4-octet capability if present, else My AS. */
export function asnOf(open: OpenMsg): number {
  return capOf(open, CapCode.FourOctetAs)?.asn ?? open.myAs;
}

export function buildOpen(local: LocalSpeaker): OpenMsg {
  const caps: Capability[] = local.families.map((f) => ({ code: 1, afi: f.afi, safi: f.safi }));
  if (local.routeRefresh ?? true) caps.push({ code: 2 });
  if (local.enhancedRouteRefresh ?? true) caps.push({ code: 70 });
  if (local.extendedMessage ?? true) caps.push({ code: 6 });
  caps.push({ code: 65, asn: local.asn });
  if (local.gracefulRestart) caps.push({ code: 64, ...local.gracefulRestart });
  if (local.addPath?.length) {
    caps.push({ code: 69, families: local.addPath.map((f) => ({ afi: f.afi, safi: f.safi, mode: ADD_PATH_MODE[f.mode] })) });
  }
  if (local.extendedNextHop?.length) caps.push({ code: 5, entries: local.extendedNextHop.map((e) => ({ ...e })) });
  if (local.fqdn) caps.push({ code: 73, hostname: local.fqdn.hostname, domain: local.fqdn.domain ?? '' });
  return {
    type: 1,
    version: 4,
    // RFC 6793 §4.1: "the My Autonomous System field ... set to AS_TRANS" when the ASN needs 4 octets.
    myAs: local.asn > 0xffff ? AS_TRANS : local.asn,
    holdTime: local.holdTime,
    bgpId: local.bgpId >>> 0,
    capabilities: caps,
  };
}

function openError(subcode: number, reason: string, data?: Uint8Array): WireError {
  return wireError(NotifCode.OpenMessageError, subcode, 'session-reset', reason, data);
}

/** RFC 4271 §6.2 + RFC 6793 + RFC 7607 checks of the peer AS; null when acceptable. */
function checkPeerAs(remote: OpenMsg, expect: PeerExpectations): WireError | null {
  const four = capOf(remote, CapCode.FourOctetAs);
  // RFC 7607 §2: AS 0 in My AS or in the 4-octet AS capability → 2/2 Bad Peer AS.
  if (remote.myAs === 0 || four?.asn === 0) return openError(OpenSubcode.BadPeerAs, 'peer AS 0 (RFC 7607)');
  if (four === undefined && remote.myAs === AS_TRANS) {
    return openError(OpenSubcode.BadPeerAs, 'My AS is AS_TRANS without a 4-octet AS capability (RFC 6793)');
  }
  if (four !== undefined) {
    if (four.asn === AS_TRANS) return openError(OpenSubcode.BadPeerAs, '4-octet AS capability carries AS_TRANS');
    // RFC 6793 §4.1: My AS is the ASN when it fits 2 octets, else AS_TRANS.
    const wantMyAs = four.asn > 0xffff ? AS_TRANS : four.asn;
    if (remote.myAs !== wantMyAs) {
      return openError(OpenSubcode.BadPeerAs, `My AS ${remote.myAs} contradicts 4-octet AS ${four.asn}`);
    }
  }
  const asn = asnOf(remote);
  const spec = expect.peerAs;
  const okAs =
    spec === 'any' ||
    (spec === 'internal' && asn === expect.localAsn) ||
    (spec === 'external' && asn !== expect.localAsn) ||
    spec === asn;
  return okAs ? null : openError(OpenSubcode.BadPeerAs, `peer AS ${asn} does not match configured ${String(spec)}`);
}

function hasCapability(remote: OpenMsg, want: Capability): boolean {
  return remote.capabilities.some((c) => {
    if (c.code !== want.code) return false;
    if (want.code === CapCode.Multiprotocol && 'afi' in want && 'afi' in c) {
      return c.afi === want.afi && c.safi === want.safi;
    }
    return true;
  });
}

/**
 * Judge the peer's OPEN against what we expect. Returns the NOTIFICATION to send, or null.
 * Syntax (lengths, capability encodings) was checked by the decoder already.
 */
export function checkOpen(remote: OpenMsg, expect: PeerExpectations): WireError | null {
  // RFC 4271 §6.2: "the Data field is a 2-octet unsigned integer, which indicates the largest,
  // locally-supported version number less than the version the remote BGP peer bid".
  if (remote.version !== 4) {
    return openError(OpenSubcode.UnsupportedVersionNumber, `BGP version ${remote.version}`, new Uint8Array([0, 4]));
  }
  // RFC 4271 §6.2: an unrecognized Optional Parameter → Unsupported Optional Parameters.
  if (remote.otherParams?.length) {
    return openError(OpenSubcode.UnsupportedOptionalParameter, `optional parameter ${remote.otherParams[0]?.type}`);
  }
  const asErr = checkPeerAs(remote, expect);
  if (asErr) return asErr;
  // RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds."
  if (remote.holdTime === 1 || remote.holdTime === 2) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${remote.holdTime}`);
  }
  const min = expect.minHoldTime ?? 0;
  if (min > 0 && remote.holdTime < min) {
    return openError(OpenSubcode.UnacceptableHoldTime, `hold time ${remote.holdTime} below minimum ${min}`);
  }
  const id = remote.bgpId >>> 0;
  // RFC 4271 §6.2 / RFC 6286 §2.2: 0 is never valid; equal to ours is invalid on iBGP only.
  if (id === 0) return openError(OpenSubcode.BadBgpIdentifier, 'BGP Identifier 0.0.0.0');
  if (asnOf(remote) === expect.localAsn && id === expect.localBgpId >>> 0) {
    return openError(OpenSubcode.BadBgpIdentifier, 'iBGP peer uses our BGP Identifier');
  }
  // RFC 5492 §3: "the Data field ... SHOULD list the set of capabilities that cause the speaker
  // to send the message", each "encoded in the same way as it would be encoded in the OPEN".
  const missing = (expect.requiredCapabilities ?? []).filter((c) => !hasCapability(remote, c));
  if (missing.length > 0) {
    const codes = missing.map((c) => c.code).join(', ');
    return openError(OpenSubcode.UnsupportedCapability, `missing capabilities ${codes}`, encodeCapabilities(missing));
  }
  return null;
}

/** RFC 4760 §8: a speaker that sends no multiprotocol capability speaks IPv4 unicast only. */
function familiesOf(open: OpenMsg): Map<number, Family> {
  const mp = capsOf(open, CapCode.Multiprotocol);
  const list = mp.length === 0 ? [IPV4_UNICAST] : mp.map((c) => ({ afi: c.afi, safi: c.safi }));
  return new Map(list.map((f) => [familyKey(f.afi, f.safi), f]));
}

function addPathModes(open: OpenMsg): Map<number, number> {
  const m = new Map<number, number>();
  for (const cap of capsOf(open, CapCode.AddPath)) for (const f of cap.families) m.set(familyKey(f.afi, f.safi), f.mode);
  return m;
}

/**
 * RFC 7911 §4: we receive path identifiers for a family when we said receive (1/3) and the peer
 * said send (2/3); we send them when we said send and the peer said receive.
 */
function addPathSets(local: OpenMsg, remote: OpenMsg, families: ReadonlySet<number>): { rx: Set<number>; tx: Set<number> } {
  const mine = addPathModes(local);
  const theirs = addPathModes(remote);
  const rx = new Set<number>();
  const tx = new Set<number>();
  for (const key of families) {
    const l = mine.get(key) ?? 0;
    const r = theirs.get(key) ?? 0;
    if (l & 1 && r & 2) rx.add(key);
    if (l & 2 && r & 1) tx.add(key);
  }
  return { rx, tx };
}

function extendedNextHops(local: OpenMsg, remote: OpenMsg): ExtendedNextHopEntry[] {
  const theirs = capsOf(remote, CapCode.ExtendedNextHop).flatMap((c) => c.entries);
  return capsOf(local, CapCode.ExtendedNextHop)
    .flatMap((c) => c.entries)
    .filter((e) => theirs.some((t) => t.afi === e.afi && t.safi === e.safi && t.nextHopAfi === e.nextHopAfi))
    .map((e) => ({ afi: e.afi, safi: e.safi, nextHopAfi: e.nextHopAfi }));
}

function has(open: OpenMsg, code: number): boolean {
  return open.capabilities.some((c) => c.code === code);
}

/** Combine our OPEN and the peer's (already accepted by checkOpen). */
export function negotiate(local: OpenMsg, remote: OpenMsg, opts: NegotiateOptions = {}): Negotiated {
  // RFC 4271 §4.2: "the calculated value [of the hold time] MUST be the smaller of its configured
  // Hold Time and the Hold Time received in the OPEN message".
  const holdTime = Math.min(local.holdTime, remote.holdTime);
  const third = Math.floor(holdTime / 3);
  const keepaliveTime = holdTime === 0 ? 0 : Math.max(1, Math.min(opts.keepaliveTime || third, third));
  const mine = familiesOf(local);
  const theirs = familiesOf(remote);
  const keys = [...mine.keys()].filter((k) => theirs.has(k)).sort((a, b) => a - b);
  const familySet = new Set(keys);
  const addPath = addPathSets(local, remote, familySet);
  const localAsn = asnOf(local);
  const remoteAsn = asnOf(remote);
  const routeRefresh = has(local, CapCode.RouteRefresh) && (has(remote, CapCode.RouteRefresh) || has(remote, OLD_ROUTE_REFRESH));
  const fqdn = capOf(remote, CapCode.Fqdn);
  return {
    localAsn,
    remoteAsn,
    remoteId: remote.bgpId >>> 0,
    holdTime,
    keepaliveTime,
    context: {
      as4: has(local, CapCode.FourOctetAs) && has(remote, CapCode.FourOctetAs),
      extendedMessage: has(local, CapCode.ExtendedMessage) && has(remote, CapCode.ExtendedMessage),
      addPathRx: addPath.rx,
      addPathTx: addPath.tx,
      ebgp: localAsn !== remoteAsn,
      families: familySet,
    },
    families: keys.map((k) => mine.get(k) as Family),
    routeRefresh,
    enhancedRouteRefresh: routeRefresh && has(local, CapCode.EnhancedRouteRefresh) && has(remote, CapCode.EnhancedRouteRefresh),
    gracefulRestart: capOf(remote, CapCode.GracefulRestart) ?? null,
    extendedNextHop: extendedNextHops(local, remote),
    fqdn: fqdn ? { hostname: fqdn.hostname, domain: fqdn.domain } : null,
    capabilities: capabilityTable(local, remote),
  };
}

const NAMES: Record<number, string> = {
  1: 'multiprotocol',
  2: 'route-refresh',
  5: 'extended-next-hop',
  6: 'extended-message',
  9: 'role',
  64: 'graceful-restart',
  65: 'four-octet-as',
  69: 'add-path',
  70: 'enhanced-route-refresh',
  71: 'long-lived-graceful-restart',
  73: 'fqdn',
  128: 'route-refresh-old',
};

function familyText(afi: number, safi: number): string {
  const a = afi === 1 ? 'ipv4' : afi === 2 ? 'ipv6' : `afi${afi}`;
  const s = safi === 1 ? 'unicast' : safi === 2 ? 'multicast' : `safi${safi}`;
  return `${a}-${s}`;
}

/** Row key and detail text of one capability. */
function describe(c: Capability): { name: string; detail?: string } {
  const base = NAMES[c.code] ?? `capability-${c.code}`;
  if (!isKnown(c)) return { name: base };
  switch (c.code) {
    case 1:
      return { name: `${base} ${familyText(c.afi, c.safi)}` };
    case 65:
      return { name: base, detail: String(c.asn) };
    case 64: {
      const bits = `${c.restarting ? ' R' : ''}${c.notification ? ' N' : ''}`;
      const fams = c.families.map((f) => familyText(f.afi, f.safi)).join(',');
      return { name: base, detail: `restart-time ${c.restartTime}s${bits} ${fams}`.trim() };
    }
    case 69: {
      const modes = ['', 'receive', 'send', 'both'];
      return { name: base, detail: c.families.map((f) => `${familyText(f.afi, f.safi)}:${modes[f.mode] ?? f.mode}`).join(',') };
    }
    case 5:
      return { name: base, detail: c.entries.map((e) => `${familyText(e.afi, e.safi)}/nh-afi${e.nextHopAfi}`).join(',') };
    case 73:
      return { name: base, detail: c.domain ? `${c.hostname}.${c.domain}` : c.hostname };
    case 9:
      return { name: base, detail: String(c.role) };
    default:
      return { name: base };
  }
}

/** What we advertised vs what the peer sent, one row per capability (per family for MP). */
export function capabilityTable(local: OpenMsg, remote: OpenMsg): CapabilityRow[] {
  const rows = new Map<string, { advertised: boolean; received: boolean; localDetail?: string; remoteDetail?: string }>();
  const add = (c: Capability, side: 'local' | 'remote'): void => {
    const { name, detail } = describe(c);
    const row = rows.get(name) ?? { advertised: false, received: false };
    if (side === 'local') rows.set(name, { ...row, advertised: true, ...(detail !== undefined ? { localDetail: detail } : {}) });
    else rows.set(name, { ...row, received: true, ...(detail !== undefined ? { remoteDetail: detail } : {}) });
  };
  for (const c of local.capabilities) add(c, 'local');
  for (const c of remote.capabilities) add(c, 'remote');
  return [...rows].map(([name, r]) => ({ name, ...r }));
}
