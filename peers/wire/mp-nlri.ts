/**
 * MP_REACH_NLRI (14) and MP_UNREACH_NLRI (15) values (RFC 4760 §3, §4; RFC 2545 §3 IPv6
 * link-local next hop; RFC 8950 IPv6 next hop for IPv4 NLRI). Input: attribute values found by
 * attrs.ts; output: MpReach/MpUnreach, or a problem carrying the RFC 7606 §7.11 handling.
 * Pure: no I/O; never throws.
 */
import { Afi, AttrFlag, AttrType, UpdateSubcode } from './constants.js';
import type { Handling } from './errors.js';
import { familyKey } from './context.js';
import type { CodecContext } from './context.js';
import { decodePrefixes, encodePrefix, prefixWireLen } from './nlri.js';
import type { MpNextHop, MpReach, MpUnreach, Prefix } from './types.js';
import type { ByteWriter } from './writer.js';

/** What a value decoder reports; attrs.ts turns it into a WireError with the attribute bytes. */
export interface Problem {
  readonly subcode: number;
  readonly reason: string;
  /** Overrides the attribute's default handling. */
  readonly handling?: Handling;
  /** Family the problem concerns (for 'afisafi-disable'). */
  readonly family?: number;
}

export type MpResult<T> = { readonly value: T } | { readonly problem: Problem };

function reset(subcode: number, reason: string): { problem: Problem } {
  // RFC 7606 §7.11 / §5.3: when the MP NLRI cannot be located or parsed, treat-as-withdraw is
  // impossible; reset the session.
  return { problem: { subcode, reason, handling: 'session-reset' } };
}

/**
 * RFC 4760 §7 leaves the choice for a family that was not negotiated; rackroute uses
 * AFI/SAFI disable (3/9): the session layer stops using that family and keeps the session.
 */
function familyCheck(afi: number, safi: number, ctx: CodecContext): { problem: Problem } | null {
  const key = familyKey(afi, safi);
  if (ctx.families.has(key) && (afi === Afi.Ipv4 || afi === Afi.Ipv6)) return null;
  return {
    problem: {
      subcode: UpdateSubcode.OptionalAttributeError,
      reason: `AFI ${afi} SAFI ${safi} was not negotiated`,
      handling: 'afisafi-disable',
      family: key,
    },
  };
}

/** RFC 4760 §3 next-hop lengths rackroute accepts, per AFI of the NLRI. */
function nextHopLenOk(afi: number, len: number): boolean {
  if (afi === Afi.Ipv6) return len === 16 || len === 32; // RFC 2545 §3: global [+ link-local]
  if (afi === Afi.Ipv4) return len === 4 || len === 16 || len === 32; // RFC 8950 §3 for 16/32
  return false;
}

function u16(v: Uint8Array, i: number): number {
  return ((v[i] ?? 0) << 8) | (v[i + 1] ?? 0);
}

export function decodeMpReach(v: Uint8Array, ctx: CodecContext): MpResult<MpReach> {
  // RFC 4760 §3: AFI(2) SAFI(1) NH-len(1) NH reserved(1) NLRI.
  if (v.length < 5) return reset(UpdateSubcode.MalformedAttributeList, `MP_REACH_NLRI of ${v.length} octets is too short`);
  const afi = u16(v, 0);
  const safi = v[2] as number;
  const bad = familyCheck(afi, safi, ctx);
  if (bad) return bad;
  const nhLen = v[3] as number;
  // RFC 7606 §7.11: an inconsistent Length of Next Hop → session reset (3/1 as FRR sends).
  if (!nextHopLenOk(afi, nhLen)) return reset(UpdateSubcode.MalformedAttributeList, `next-hop length ${nhLen} invalid for AFI ${afi}`);
  if (5 + nhLen > v.length) return reset(UpdateSubcode.MalformedAttributeList, `next hop of ${nhLen} octets overruns the attribute`);
  const global = v.slice(4, 4 + (nhLen === 4 ? 4 : 16));
  const nextHop: MpNextHop = nhLen === 32 ? { global, linkLocal: v.slice(20, 36) } : { global };
  // RFC 4760 §3: the Reserved octet is ignored on receipt.
  const addPath = ctx.addPathRx.has(familyKey(afi, safi));
  const nlri = decodePrefixes(v.subarray(5 + nhLen), afi as Afi, addPath);
  // RFC 4760 §7 (Optional Attribute Error) with RFC 7606 §5.3: unparsable NLRI → reset.
  if (!nlri.ok) return reset(UpdateSubcode.OptionalAttributeError, `MP_REACH_NLRI NLRI: ${nlri.error.reason}`);
  return { value: { afi, safi, nextHop, nlri: nlri.value } };
}

export function decodeMpUnreach(v: Uint8Array, ctx: CodecContext): MpResult<MpUnreach> {
  // RFC 4760 §4: AFI(2) SAFI(1) Withdrawn Routes.
  if (v.length < 3) return reset(UpdateSubcode.MalformedAttributeList, `MP_UNREACH_NLRI of ${v.length} octets is too short`);
  const afi = u16(v, 0);
  const safi = v[2] as number;
  const bad = familyCheck(afi, safi, ctx);
  if (bad) return bad;
  const addPath = ctx.addPathRx.has(familyKey(afi, safi));
  const withdrawn = decodePrefixes(v.subarray(3), afi as Afi, addPath);
  if (!withdrawn.ok) return reset(UpdateSubcode.OptionalAttributeError, `MP_UNREACH_NLRI withdrawn: ${withdrawn.error.reason}`);
  return { value: { afi, safi, withdrawn: withdrawn.value } };
}

/** Write an attribute header; Extended Length only when the value exceeds 255 octets. */
export function attrHeader(w: ByteWriter, flags: number, type: number, len: number): void {
  if (len > 255) w.u8((flags | AttrFlag.ExtendedLength) & 0xf0).u8(type).u16(len);
  else w.u8(flags & 0xe0).u8(type).u8(len);
}

function nlriLen(ps: readonly Prefix[], addPath: boolean): number {
  let n = 0;
  for (const p of ps) n += prefixWireLen(p, addPath);
  return n;
}

export function nextHopLen(nh: MpNextHop): number {
  return nh.global.length + (nh.linkLocal ? 16 : 0);
}

export function encodeMpReach(w: ByteWriter, mp: MpReach, ctx: CodecContext): void {
  const addPath = ctx.addPathTx.has(familyKey(mp.afi, mp.safi));
  const nh = nextHopLen(mp.nextHop);
  attrHeader(w, AttrFlag.Optional, AttrType.MpReachNlri, 5 + nh + nlriLen(mp.nlri, addPath));
  w.u16(mp.afi).u8(mp.safi).u8(nh).bytes(mp.nextHop.global);
  if (mp.nextHop.linkLocal) w.bytes(mp.nextHop.linkLocal);
  w.u8(0);
  for (const p of mp.nlri) encodePrefix(w, p, addPath);
}

export function encodeMpUnreach(w: ByteWriter, mp: MpUnreach, ctx: CodecContext): void {
  const addPath = ctx.addPathTx.has(familyKey(mp.afi, mp.safi));
  attrHeader(w, AttrFlag.Optional, AttrType.MpUnreachNlri, 3 + nlriLen(mp.withdrawn, addPath));
  w.u16(mp.afi).u8(mp.safi);
  for (const p of mp.withdrawn) encodePrefix(w, p, addPath);
}
