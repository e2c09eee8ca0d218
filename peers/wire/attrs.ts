/**
 * Path attributes of an UPDATE: the descriptor table (type code → expected flags, value codec,
 * RFC 7606 handling), the attribute-block decoder with RFC 7606 §3/§4 rules, and the block
 * encoder (MP_REACH/MP_UNREACH first, RFC 7606 §5.1, then by type code). Input: the Path
 * Attributes field found by update.ts; output: PathAttributes + MP attributes + errors for
 * update.ts to rank. Pure: no I/O, no clock; never throws on input.
 *
 * Known-but-unused attributes (23, 25, 26, 29, 40) are validated, then not kept: rackroute
 * neither uses nor re-advertises them (reliability.md §1.2, "attribute escape").
 */
import { AttrFlag, AttrType, AS_TRANS, NotifCode, UpdateSubcode } from './constants.js';
import { wireError } from './errors.js';
import type { Handling, WireError } from './errors.js';
import type { CodecContext } from './context.js';
import { mergeAs4Path } from './as-path.js';
import { attrHeader, decodeMpReach, decodeMpUnreach, encodeMpReach, encodeMpUnreach } from './mp-nlri.js';
import type { Problem } from './mp-nlri.js';
import type { MpReach, MpUnreach, PathAttributes, RawAttribute } from './types.js';
import type { ByteWriter } from './writer.js';
import * as V from './attr-values.js';
import type { AttrState, ValueDecoder, ValueEncoder } from './attr-values.js';

export interface AttrDescriptor {
  readonly type: number;
  readonly name: string;
  /** Expected Optional | Transitive bits (RFC 4271 §5 / the attribute's own RFC). */
  readonly flags: number;
  /** RFC 7606 approach for any error in this attribute, including §3(c) flag conflicts. */
  readonly handling: (ctx: CodecContext) => Handling;
  readonly decode: ValueDecoder;
  /** Absent for attributes rackroute does not send. */
  readonly encode?: ValueEncoder;
}

const WK = AttrFlag.Transitive;
const OT = AttrFlag.Optional | AttrFlag.Transitive;
const ON = AttrFlag.Optional;
const withdraw = (): Handling => 'treat-as-withdraw';
const discard = (): Handling => 'attribute-discard';
const reset = (): Handling => 'session-reset';
/** RFC 7606 §7.5, §7.9, §7.10: from eBGP discard, from iBGP treat-as-withdraw. */
const byPeer = (ctx: CodecContext): Handling => (ctx.ebgp ? 'attribute-discard' : 'treat-as-withdraw');

const mpReachValue: ValueDecoder = (v, s) => {
  const r = decodeMpReach(v, s.ctx);
  if ('problem' in r) return r.problem;
  s.mpReach = r.value;
  return null;
};

const mpUnreachValue: ValueDecoder = (v, s) => {
  const r = decodeMpUnreach(v, s.ctx);
  if ('problem' in r) return r.problem;
  s.mpUnreach = r.value;
  return null;
};

/** The table. RFC 7606 §7.x for each handling; MP attributes per §7.11 (they set their own). */
export const ATTRIBUTES: readonly AttrDescriptor[] = [
  { type: AttrType.Origin, name: 'ORIGIN', flags: WK, handling: withdraw, decode: V.decodeOrigin, encode: V.encodeOrigin },
  { type: AttrType.AsPath, name: 'AS_PATH', flags: WK, handling: withdraw, decode: V.decodeAsPathAttr, encode: V.encodeAsPathAttr },
  { type: AttrType.NextHop, name: 'NEXT_HOP', flags: WK, handling: withdraw, decode: V.decodeNextHop, encode: V.encodeNextHop },
  { type: AttrType.MultiExitDisc, name: 'MULTI_EXIT_DISC', flags: ON, handling: withdraw, decode: V.decodeMed, encode: V.encodeMed },
  { type: AttrType.LocalPref, name: 'LOCAL_PREF', flags: WK, handling: byPeer, decode: V.decodeLocalPref, encode: V.encodeLocalPref },
  { type: AttrType.AtomicAggregate, name: 'ATOMIC_AGGREGATE', flags: WK, handling: discard, decode: V.decodeAtomicAggregate, encode: V.encodeAtomicAggregate },
  { type: AttrType.Aggregator, name: 'AGGREGATOR', flags: OT, handling: discard, decode: V.decodeAggregator, encode: V.encodeAggregator },
  { type: AttrType.Communities, name: 'COMMUNITIES', flags: OT, handling: withdraw, decode: V.decodeCommunities, encode: V.encodeCommunities },
  { type: AttrType.OriginatorId, name: 'ORIGINATOR_ID', flags: ON, handling: byPeer, decode: V.decodeOriginatorId, encode: V.encodeOriginatorId },
  { type: AttrType.ClusterList, name: 'CLUSTER_LIST', flags: ON, handling: byPeer, decode: V.decodeClusterList, encode: V.encodeClusterList },
  { type: AttrType.MpReachNlri, name: 'MP_REACH_NLRI', flags: ON, handling: reset, decode: mpReachValue },
  { type: AttrType.MpUnreachNlri, name: 'MP_UNREACH_NLRI', flags: ON, handling: reset, decode: mpUnreachValue },
  { type: AttrType.ExtendedCommunities, name: 'EXTENDED_COMMUNITIES', flags: OT, handling: withdraw, decode: V.decodeExtCommunities, encode: V.encodeExtCommunities },
  { type: AttrType.As4Path, name: 'AS4_PATH', flags: OT, handling: discard, decode: V.decodeAs4Path, encode: V.encodeAs4Path },
  { type: AttrType.As4Aggregator, name: 'AS4_AGGREGATOR', flags: OT, handling: discard, decode: V.decodeAs4Aggregator, encode: V.encodeAs4Aggregator },
  { type: AttrType.TunnelEncapsulation, name: 'TUNNEL_ENCAPSULATION', flags: OT, handling: withdraw, decode: V.decodeTunnelEncap },
  { type: AttrType.Ipv6ExtendedCommunities, name: 'IPv6_EXTENDED_COMMUNITIES', flags: OT, handling: withdraw, decode: V.decodeIpv6ExtCommunities },
  { type: AttrType.Aigp, name: 'AIGP', flags: ON, handling: discard, decode: V.decodeAigp },
  { type: AttrType.LinkState, name: 'BGP-LS', flags: ON, handling: discard, decode: V.decodeLinkState },
  { type: AttrType.LargeCommunity, name: 'LARGE_COMMUNITY', flags: OT, handling: withdraw, decode: V.decodeLargeCommunities, encode: V.encodeLargeCommunities },
  { type: AttrType.Otc, name: 'OTC', flags: OT, handling: withdraw, decode: V.decodeOtc, encode: V.encodeOtc },
  { type: AttrType.PrefixSid, name: 'PREFIX_SID', flags: OT, handling: discard, decode: V.decodePrefixSid },
];

const BY_TYPE: (AttrDescriptor | undefined)[] = new Array<AttrDescriptor | undefined>(256).fill(undefined);
for (const d of ATTRIBUTES) BY_TYPE[d.type] = d;

export function attrDescriptor(type: number): AttrDescriptor | undefined {
  return BY_TYPE[type];
}

/** The decoded attribute block. `fatal` set → session-reset / afisafi-disable; stop using the rest. */
export interface AttrBlock {
  readonly attrs: PathAttributes;
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  readonly warnings: readonly WireError[];
  readonly fatal?: WireError;
  /** Type codes present in the block (even when malformed), for the §3(d) mandatory check. */
  readonly seen: Uint8Array;
}

function err(subcode: number, handling: Handling, reason: string, whole: Uint8Array, attr?: number): WireError {
  return wireError(NotifCode.UpdateMessageError, subcode, handling, reason, whole.slice(), attr);
}

function record(s: AttrState, e: WireError): void {
  if (e.handling === 'session-reset' || e.handling === 'afisafi-disable') {
    if (!s.fatal) s.fatal = e;
  } else s.warnings.push(e);
}

/**
 * Decode a Path Attributes field. RFC 7606 §4: an attribute that overruns the field, or 1–2
 * (1–3 with Extended Length) octets left at the end → treat-as-withdraw and stop; update.ts
 * still finds the NLRI from the Total Path Attribute Length.
 */
export function decodeAttributes(bytes: Uint8Array, ctx: CodecContext): AttrBlock {
  const s: AttrState = { ctx, attrs: {}, warnings: [], seen: new Uint8Array(256) };
  const end = bytes.length;
  let i = 0;
  while (i < end && !s.fatal) {
    const left = end - i;
    // RFC 4271 §4.3: the low four flag bits are unused and MUST be ignored on receipt.
    const flags = (bytes[i] as number) & 0xf0;
    const hl = flags & AttrFlag.ExtendedLength ? 4 : 3;
    if (left < hl) {
      record(s, err(UpdateSubcode.MalformedAttributeList, 'treat-as-withdraw', `${left} octets left, too few for an attribute header`, bytes.subarray(i)));
      break;
    }
    const type = bytes[i + 1] as number;
    const len = hl === 4 ? ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number) : (bytes[i + 2] as number);
    if (hl + len > left) {
      record(s, err(UpdateSubcode.MalformedAttributeList, 'treat-as-withdraw', `attribute ${type} of ${len} octets overruns the attribute field`, bytes.subarray(i), type));
      break;
    }
    decodeOne(flags, type, bytes.subarray(i + hl, i + hl + len), bytes.subarray(i, i + hl + len), s);
    i += hl + len;
  }
  finishAs4(s);
  if (s.unknown) s.attrs.unknown = s.unknown;
  return {
    attrs: s.attrs,
    warnings: s.warnings,
    seen: s.seen,
    ...(s.mpReach ? { mpReach: s.mpReach } : {}),
    ...(s.mpUnreach ? { mpUnreach: s.mpUnreach } : {}),
    ...(s.fatal ? { fatal: s.fatal } : {}),
  };
}

/** Optional/Transitive must match; Partial only on optional transitive (RFC 4271 §4.3). */
function flagsConflict(flags: number, expected: number): boolean {
  if ((flags & OT) !== expected) return true;
  return (flags & AttrFlag.Partial) !== 0 && expected !== OT;
}

function decodeOne(flags: number, type: number, v: Uint8Array, whole: Uint8Array, s: AttrState): void {
  // BIRD: attribute type 0 is reserved → attribute discard.
  if (type === 0) return record(s, err(UpdateSubcode.MalformedAttributeList, 'attribute-discard', 'attribute type 0', whole, 0));
  if (s.seen[type]) {
    // RFC 7606 §3(g): a repeated MP_REACH/MP_UNREACH → 3/1 reset; any other: keep the first.
    const mp = type === AttrType.MpReachNlri || type === AttrType.MpUnreachNlri;
    return record(s, err(UpdateSubcode.MalformedAttributeList, mp ? 'session-reset' : 'attribute-discard', `duplicate attribute ${type}`, whole, type));
  }
  s.seen[type] = 1;
  const d = BY_TYPE[type];
  if (!d) return unknownAttr(flags, type, v, whole, s);
  if (flagsConflict(flags, d.flags)) {
    // RFC 7606 §3(c): conflicting flags → the attribute's error handling (treat-as-withdraw for
    // most; discard where the attribute's RFC says so; MP_REACH/MP_UNREACH reset, as FRR does).
    const reason = `${d.name}: flags 0x${flags.toString(16)} conflict with 0x${d.flags.toString(16)}`;
    return record(s, err(UpdateSubcode.AttributeFlagsError, d.handling(s.ctx), reason, whole, type));
  }
  const p: Problem | null = d.decode(v, s);
  if (!p) return;
  const e = err(p.subcode, p.handling ?? d.handling(s.ctx), `${d.name}: ${p.reason}`, whole, type);
  record(s, p.family === undefined ? e : { ...e, family: p.family });
}

function unknownAttr(flags: number, type: number, v: Uint8Array, whole: Uint8Array, s: AttrState): void {
  // RFC 4271 §6.3 Unrecognized Well-known Attribute (3/2); RFC 7606 / BIRD, FRR: treat-as-withdraw.
  if ((flags & AttrFlag.Optional) === 0) {
    return record(s, err(UpdateSubcode.UnrecognizedWellKnownAttribute, 'treat-as-withdraw', `unknown well-known attribute ${type}`, whole, type));
  }
  // RFC 4271 §5: unknown optional non-transitive → quietly ignored, not passed on.
  if ((flags & AttrFlag.Transitive) === 0) return;
  // RFC 4271 §5: unknown optional transitive → kept, passed on with the Partial bit set.
  const raw: RawAttribute = { flags: (flags | AttrFlag.Partial) & 0xe0, type, value: v.slice() };
  (s.unknown ??= []).push(raw);
}

/**
 * RFC 6793 §4.2.3 on a 2-octet session: if AGGREGATOR carries an AS other than AS_TRANS, ignore
 * AS4_AGGREGATOR and AS4_PATH; otherwise use AS4_AGGREGATOR and merge AS4_PATH into AS_PATH.
 */
function finishAs4(s: AttrState): void {
  if (s.ctx.as4) return;
  const agg = s.attrs.aggregator;
  if (agg && agg.asn !== AS_TRANS) return;
  if (agg && s.as4Aggregator) s.attrs.aggregator = s.as4Aggregator;
  if (s.attrs.asPath && s.as4Path) s.attrs.asPath = mergeAs4Path(s.attrs.asPath, s.as4Path);
}

const ENCODE_ORDER = ATTRIBUTES.filter((d) => d.encode !== undefined).sort((a, b) => a.type - b.type);

/**
 * Encode the attribute block: MP_REACH_NLRI and MP_UNREACH_NLRI first (RFC 7606 §5.1), then the
 * rest by type code, unknown transitive ones interleaved by code and re-sent with Partial set.
 * Writes exactly what `attrs` holds; the caller decides what a peer may receive.
 */
export function encodeAttributes(
  w: ByteWriter,
  attrs: PathAttributes,
  ctx: CodecContext,
  mpReach?: MpReach,
  mpUnreach?: MpUnreach,
): void {
  if (mpReach) encodeMpReach(w, mpReach, ctx);
  if (mpUnreach) encodeMpUnreach(w, mpUnreach, ctx);
  const unknown = attrs.unknown ? [...attrs.unknown].sort((a, b) => a.type - b.type) : [];
  let u = 0;
  for (const d of ENCODE_ORDER) {
    while (u < unknown.length && (unknown[u] as RawAttribute).type < d.type) encodeRaw(w, unknown[u++] as RawAttribute);
    (d.encode as ValueEncoder)(w, attrs, ctx);
  }
  while (u < unknown.length) encodeRaw(w, unknown[u++] as RawAttribute);
}

function encodeRaw(w: ByteWriter, r: RawAttribute): void {
  const partial = r.flags & AttrFlag.Transitive ? AttrFlag.Partial : 0;
  attrHeader(w, (r.flags & 0xe0) | partial, r.type, r.value.length);
  w.bytes(r.value);
}
