/**
 * Value codecs for the individual path attributes: each decoder checks one attribute value
 * against its RFC (lengths and values per RFC 7606 §7) and stores it in the per-UPDATE state;
 * each encoder writes one attribute (header + value) from PathAttributes. The descriptor table
 * in attrs.ts wires them to type codes, flags and RFC 7606 handling.
 * Pure: no I/O; decoders never throw (all reads go through ByteReader after length checks).
 */
import { AS_TRANS, AttrFlag, AttrType, UpdateSubcode } from './constants.js';
import type { Origin } from './constants.js';
import type { WireError } from './errors.js';
import type { CodecContext } from './context.js';
import { ByteReader } from './reader.js';
import type { AsPathSegment, MpReach, MpUnreach, PathAttributes, RawAttribute } from './types.js';
import type { ByteWriter } from './writer.js';
import {
  as4PathFor,
  asPathWireLen,
  containsAs0,
  decodeAsPath,
  encodeAsPath,
  hasConfedSegment,
} from './as-path.js';
import { attrHeader } from './mp-nlri.js';
import type { Problem } from './mp-nlri.js';

/** Mutable decode state for one UPDATE's attribute block. */
export interface AttrState {
  readonly ctx: CodecContext;
  readonly attrs: PathAttributes;
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  /** RFC 6793: held until the end of the block, then merged (only on a 2-octet session). */
  as4Path?: AsPathSegment[];
  as4Aggregator?: { readonly asn: number; readonly address: number };
  unknown?: RawAttribute[];
  /** Treat-as-withdraw and attribute-discard errors, in order found. */
  readonly warnings: WireError[];
  /** The first session-reset / afisafi-disable error; decoding stops there. */
  fatal?: WireError;
  /** 1 for each type code seen (RFC 7606 §3(g) duplicates). */
  readonly seen: Uint8Array;
}

export type ValueDecoder = (v: Uint8Array, s: AttrState) => Problem | null;
export type ValueEncoder = (w: ByteWriter, a: PathAttributes, ctx: CodecContext) => void;

const { AttributeLengthError: LEN } = UpdateSubcode;

function lenProblem(what: string, len: number): Problem {
  return { subcode: LEN, reason: `${what}, got length ${len}` };
}

function u32List(v: Uint8Array): number[] {
  const r = new ByteReader(v);
  const out = new Array<number>(v.length >>> 2);
  for (let k = 0; k < out.length; k++) out[k] = r.u32() >>> 0;
  return out;
}

function u32(v: Uint8Array): number {
  return new ByteReader(v).u32() >>> 0;
}

/** RFC 7606 §7.1: length ≠ 1 or an undefined value → treat-as-withdraw. */
export const decodeOrigin: ValueDecoder = (v, s) => {
  if (v.length !== 1) return lenProblem('ORIGIN needs 1 octet', v.length);
  const o = v[0] as number;
  if (o > 2) return { subcode: UpdateSubcode.InvalidOriginAttribute, reason: `undefined ORIGIN value ${o}` };
  s.attrs.origin = o as Origin;
  return null;
};

/** RFC 7606 §7.2; RFC 7607 AS 0; confed segments from an eBGP peer (rackroute runs no confederation). */
export const decodeAsPathAttr: ValueDecoder = (v, s) => {
  const d = decodeAsPath(v, s.ctx.as4 ? 4 : 2);
  if (!d.ok) return { subcode: UpdateSubcode.MalformedAsPath, reason: d.error.reason };
  if (containsAs0(d.value)) return { subcode: UpdateSubcode.MalformedAsPath, reason: 'AS 0 in AS_PATH (RFC 7607)' };
  if (s.ctx.ebgp && hasConfedSegment(d.value)) {
    return { subcode: UpdateSubcode.MalformedAsPath, reason: 'confederation segment from an eBGP peer' };
  }
  s.attrs.asPath = d.value;
  return null;
};

/** RFC 7606 §7.3: length ≠ 4 → treat-as-withdraw; RFC 4271 §6.3 semantic check → 3/8. */
export const decodeNextHop: ValueDecoder = (v, s) => {
  if (v.length !== 4) return lenProblem('NEXT_HOP needs 4 octets', v.length);
  const first = v[0] as number;
  if (first === 0 || first === 127 || first >= 224) {
    return { subcode: UpdateSubcode.InvalidNextHopAttribute, reason: `martian NEXT_HOP ${v.join('.')}` };
  }
  s.attrs.nextHop = v.slice();
  return null;
};

/** RFC 7606 §7.4: length ≠ 4 → treat-as-withdraw. */
export const decodeMed: ValueDecoder = (v, s) => {
  if (v.length !== 4) return lenProblem('MULTI_EXIT_DISC needs 4 octets', v.length);
  s.attrs.med = u32(v);
  return null;
};

/** RFC 7606 §7.5: from eBGP ignored (discard if malformed); from iBGP length ≠ 4 → withdraw. */
export const decodeLocalPref: ValueDecoder = (v, s) => {
  if (v.length !== 4) return lenProblem('LOCAL_PREF needs 4 octets', v.length);
  // RFC 4271 §5.1.5: LOCAL_PREF from an external peer MUST be ignored.
  if (!s.ctx.ebgp) s.attrs.localPref = u32(v);
  return null;
};

/** RFC 7606 §7.6: length ≠ 0 → attribute discard. */
export const decodeAtomicAggregate: ValueDecoder = (v, s) => {
  if (v.length !== 0) return lenProblem('ATOMIC_AGGREGATE needs 0 octets', v.length);
  s.attrs.atomicAggregate = true;
  return null;
};

function readAggregator(v: Uint8Array, asnSize: 2 | 4, name: string): { asn: number; address: number } | Problem {
  if (v.length !== asnSize + 4) return lenProblem(`${name} needs ${asnSize + 4} octets`, v.length);
  const r = new ByteReader(v);
  const asn = asnSize === 4 ? r.u32() >>> 0 : r.u16();
  const address = r.u32() >>> 0;
  // RFC 7607 §2: AS 0 in AGGREGATOR / AS4_AGGREGATOR → attribute discard.
  if (asn === 0) return { subcode: UpdateSubcode.OptionalAttributeError, reason: `AS 0 in ${name} (RFC 7607)` };
  return { asn, address };
}

/** RFC 7606 §7.7: length ≠ 6 (2-octet session) or ≠ 8 (4-octet) → attribute discard. */
export const decodeAggregator: ValueDecoder = (v, s) => {
  const a = readAggregator(v, s.ctx.as4 ? 4 : 2, 'AGGREGATOR');
  if ('subcode' in a) return a;
  s.attrs.aggregator = a;
  return null;
};

/** RFC 6793 §6: a malformed AS4_AGGREGATOR is discarded; on a 4-octet session it is ignored. */
export const decodeAs4Aggregator: ValueDecoder = (v, s) => {
  const a = readAggregator(v, 4, 'AS4_AGGREGATOR');
  if ('subcode' in a) return a;
  if (!s.ctx.as4) s.as4Aggregator = a;
  return null;
};

/** RFC 6793 §6: a malformed AS4_PATH (or one with confed segments, as BIRD) is discarded. */
export const decodeAs4Path: ValueDecoder = (v, s) => {
  const d = decodeAsPath(v, 4);
  if (!d.ok) return { subcode: UpdateSubcode.MalformedAsPath, reason: d.error.reason };
  if (hasConfedSegment(d.value)) return { subcode: UpdateSubcode.MalformedAsPath, reason: 'confederation segment in AS4_PATH' };
  if (containsAs0(d.value)) return { subcode: UpdateSubcode.MalformedAsPath, reason: 'AS 0 in AS4_PATH (RFC 7607)' };
  // RFC 6793 §4.1: between two 4-octet speakers AS4_PATH has no meaning; ignore it.
  if (!s.ctx.as4) s.as4Path = d.value;
  return null;
};

/** A non-zero multiple of `unit` octets, as RFC 7606 §7.8 / §7.10 / §7.14 / §7.15 and RFC 8092 require. */
function multipleOf(v: Uint8Array, unit: number, name: string): Problem | null {
  if (v.length === 0 || v.length % unit !== 0) return lenProblem(`${name} needs a non-zero multiple of ${unit} octets`, v.length);
  return null;
}

export const decodeCommunities: ValueDecoder = (v, s) => {
  const p = multipleOf(v, 4, 'COMMUNITIES');
  if (!p) s.attrs.communities = u32List(v);
  return p;
};

/** RFC 7606 §7.9: from eBGP disregarded; from iBGP length ≠ 4 → treat-as-withdraw. */
export const decodeOriginatorId: ValueDecoder = (v, s) => {
  if (v.length !== 4) return lenProblem('ORIGINATOR_ID needs 4 octets', v.length);
  if (!s.ctx.ebgp) s.attrs.originatorId = u32(v);
  return null;
};

/** RFC 7606 §7.10: from eBGP disregarded; from iBGP a bad length → treat-as-withdraw. */
export const decodeClusterList: ValueDecoder = (v, s) => {
  const p = multipleOf(v, 4, 'CLUSTER_LIST');
  if (!p && !s.ctx.ebgp) s.attrs.clusterList = u32List(v);
  return p;
};

export const decodeExtCommunities: ValueDecoder = (v, s) => {
  const p = multipleOf(v, 8, 'EXTENDED_COMMUNITIES');
  if (p) return p;
  const out: Uint8Array[] = [];
  for (let i = 0; i < v.length; i += 8) out.push(v.slice(i, i + 8));
  s.attrs.extCommunities = out;
  return null;
};

/** RFC 8092 §6: length not a non-zero multiple of 12 → treat-as-withdraw. */
export const decodeLargeCommunities: ValueDecoder = (v, s) => {
  const p = multipleOf(v, 12, 'LARGE_COMMUNITY');
  if (p) return p;
  const flat = u32List(v);
  const out: (readonly [number, number, number])[] = [];
  for (let k = 0; k < flat.length; k += 3) out.push([flat[k] ?? 0, flat[k + 1] ?? 0, flat[k + 2] ?? 0]);
  s.attrs.largeCommunities = out;
  return null;
};

/** RFC 9234 §5: length ≠ 4 → treat-as-withdraw; AS 0 is rejected too (RFC 7607). */
export const decodeOtc: ValueDecoder = (v, s) => {
  if (v.length !== 4) return lenProblem('OTC needs 4 octets', v.length);
  const asn = u32(v);
  if (asn === 0) return { subcode: UpdateSubcode.OptionalAttributeError, reason: 'OTC carries AS 0' };
  s.attrs.otc = asn;
  return null;
};

/** RFC 5701 §3 / RFC 7606 §7.15: IPv6 extended communities, multiples of 20. Not kept. */
export const decodeIpv6ExtCommunities: ValueDecoder = (v) => multipleOf(v, 20, 'IPv6 EXTENDED_COMMUNITIES');

/**
 * Walk a TLV list: `typeLen` octets of type, `lenLen` octets of length; `lenIncludesHeader` for
 * AIGP (RFC 7311 §3), whose length counts the 3 header octets. Returns the first framing problem.
 */
function tlvWalk(v: Uint8Array, typeLen: number, lenLen: number, name: string, lenIncludesHeader = false): Problem | null {
  const r = new ByteReader(v);
  const hdr = typeLen + lenLen;
  while (r.remaining > 0) {
    if (r.remaining < hdr) return { subcode: LEN, reason: `${name}: truncated TLV header` };
    r.skip(typeLen);
    let len = lenLen === 2 ? r.u16() : r.u8();
    if (lenIncludesHeader) {
      if (len < hdr) return { subcode: LEN, reason: `${name}: TLV length ${len} shorter than its header` };
      len -= hdr;
    }
    if (len > r.remaining) return { subcode: LEN, reason: `${name}: TLV of ${len} octets overruns the attribute` };
    r.skip(len);
  }
  return null;
}

/** RFC 9012 §2: Tunnel TLVs (2-octet type and length) holding sub-TLVs. Not kept. */
export const decodeTunnelEncap: ValueDecoder = (v) => {
  if (v.length === 0) return lenProblem('TUNNEL_ENCAPSULATION needs at least one TLV', 0);
  const r = new ByteReader(v);
  while (r.remaining > 0) {
    if (r.remaining < 4) return { subcode: LEN, reason: 'TUNNEL_ENCAPSULATION: truncated tunnel TLV header' };
    r.skip(2);
    const len = r.u16();
    if (len > r.remaining) return { subcode: LEN, reason: `TUNNEL_ENCAPSULATION: tunnel TLV of ${len} octets overruns` };
    const p = subTlvWalk(r.bytesView(len));
    if (p) return p;
  }
  return null;
};

/** RFC 9012 §2: sub-TLV type < 128 has a 1-octet length, ≥ 128 a 2-octet length. */
function subTlvWalk(v: Uint8Array): Problem | null {
  const r = new ByteReader(v);
  while (r.remaining > 0) {
    const type = r.u8();
    const len = type < 128 ? r.u8() : r.u16();
    if (r.failed) return { subcode: LEN, reason: 'TUNNEL_ENCAPSULATION: truncated sub-TLV header' };
    if (len > r.remaining) return { subcode: LEN, reason: `TUNNEL_ENCAPSULATION: sub-TLV of ${len} octets overruns` };
    r.skip(len);
  }
  return null;
}

/** RFC 7311 §3 AIGP: 1-octet type, 2-octet length including the header. Not kept. */
export const decodeAigp: ValueDecoder = (v) => tlvWalk(v, 1, 2, 'AIGP', true);
/** RFC 9552 §5.3 BGP-LS attribute: 2-octet type and length. Not kept. */
export const decodeLinkState: ValueDecoder = (v) => tlvWalk(v, 2, 2, 'BGP-LS');
/** RFC 8669 §3 Prefix-SID: 1-octet type, 2-octet length; type 0 is reserved. Not kept. */
export const decodePrefixSid: ValueDecoder = (v) => {
  if (v.length > 0 && v[0] === 0) return { subcode: UpdateSubcode.OptionalAttributeError, reason: 'PREFIX_SID: reserved TLV type 0' };
  return tlvWalk(v, 1, 2, 'PREFIX_SID');
};

const WK = AttrFlag.Transitive;
const OT = AttrFlag.Optional | AttrFlag.Transitive;
const ON = AttrFlag.Optional;

function putU32(w: ByteWriter, flags: number, type: number, v: number | undefined): void {
  if (v === undefined) return;
  attrHeader(w, flags, type, 4);
  w.u32(v);
}

function putU32List(w: ByteWriter, flags: number, type: number, vs: readonly number[] | undefined): void {
  if (!vs || vs.length === 0) return;
  attrHeader(w, flags, type, vs.length * 4);
  for (const v of vs) w.u32(v);
}

export const encodeOrigin: ValueEncoder = (w, a) => {
  if (a.origin === undefined) return;
  attrHeader(w, WK, AttrType.Origin, 1);
  w.u8(a.origin);
};

/** RFC 6793 §4.2.2: to a 2-octet peer, ASNs > 65535 become AS_TRANS (AS4_PATH follows). */
export const encodeAsPathAttr: ValueEncoder = (w, a, ctx) => {
  if (!a.asPath) return;
  const size = ctx.as4 ? 4 : 2;
  attrHeader(w, WK, AttrType.AsPath, asPathWireLen(a.asPath, size));
  encodeAsPath(w, a.asPath, size);
};

export const encodeNextHop: ValueEncoder = (w, a) => {
  if (!a.nextHop) return;
  attrHeader(w, WK, AttrType.NextHop, 4);
  w.bytes(a.nextHop.subarray(0, 4));
};

export const encodeMed: ValueEncoder = (w, a) => putU32(w, ON, AttrType.MultiExitDisc, a.med);
export const encodeLocalPref: ValueEncoder = (w, a) => putU32(w, WK, AttrType.LocalPref, a.localPref);
export const encodeAtomicAggregate: ValueEncoder = (w, a) => {
  if (a.atomicAggregate) attrHeader(w, WK, AttrType.AtomicAggregate, 0);
};

export const encodeAggregator: ValueEncoder = (w, a, ctx) => {
  if (!a.aggregator) return;
  const { asn, address } = a.aggregator;
  attrHeader(w, OT, AttrType.Aggregator, ctx.as4 ? 8 : 6);
  if (ctx.as4) w.u32(asn);
  else w.u16(asn > 0xffff ? AS_TRANS : asn);
  w.u32(address);
};

export const encodeCommunities: ValueEncoder = (w, a) => putU32List(w, OT, AttrType.Communities, a.communities);
export const encodeOriginatorId: ValueEncoder = (w, a) => putU32(w, ON, AttrType.OriginatorId, a.originatorId);
export const encodeClusterList: ValueEncoder = (w, a) => putU32List(w, ON, AttrType.ClusterList, a.clusterList);

export const encodeExtCommunities: ValueEncoder = (w, a) => {
  const cs = a.extCommunities;
  if (!cs || cs.length === 0) return;
  attrHeader(w, OT, AttrType.ExtendedCommunities, cs.length * 8);
  for (const c of cs) for (let k = 0; k < 8; k++) w.u8(c[k] ?? 0);
};

/** RFC 6793 §4.2.2: only to a 2-octet peer and only when some ASN needs 4 octets. */
export const encodeAs4Path: ValueEncoder = (w, a, ctx) => {
  if (ctx.as4 || !a.asPath) return;
  const segs = as4PathFor(a.asPath);
  if (!segs) return;
  attrHeader(w, OT, AttrType.As4Path, asPathWireLen(segs, 4));
  encodeAsPath(w, segs, 4);
};

export const encodeAs4Aggregator: ValueEncoder = (w, a, ctx) => {
  if (ctx.as4 || !a.aggregator || a.aggregator.asn <= 0xffff) return;
  attrHeader(w, OT, AttrType.As4Aggregator, 8);
  w.u32(a.aggregator.asn).u32(a.aggregator.address);
};

export const encodeLargeCommunities: ValueEncoder = (w, a) => {
  const cs = a.largeCommunities;
  if (!cs || cs.length === 0) return;
  attrHeader(w, OT, AttrType.LargeCommunity, cs.length * 12);
  for (const [g, l1, l2] of cs) w.u32(g).u32(l1).u32(l2);
};

export const encodeOtc: ValueEncoder = (w, a) => putU32(w, OT, AttrType.Otc, a.otc);

