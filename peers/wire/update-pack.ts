/**
 * UPDATE packing for the route engine's export path: many prefixes that share one attribute set
 * go into as few UPDATEs as fit the negotiated maximum (4096, or 65535 with RFC 8654 Extended
 * Message). The attribute block is encoded once and copied into every message; prefixes are
 * written straight into exactly-sized buffers. Input: attributes + prefixes from Adj-RIB-Out;
 * output: whole UPDATE messages for the session engine. Pure: no I/O, no clock. Throws
 * RangeError only on caller bugs (mixed families, missing next hop, a block that cannot fit).
 */
import { Afi, AttrFlag, AttrType, HEADER_LEN, MsgType, Safi } from './constants.js';
import { familyKey } from './context.js';
import type { CodecContext } from './context.js';
import { encodeAttributes } from './attrs.js';
import { nextHopLen } from './mp-nlri.js';
import { prefixWireLen, writePrefix } from './nlri.js';
import type { MpNextHop, PathAttributes, Prefix } from './types.js';
import { maxMessageLen } from './update.js';
import { ByteWriter } from './writer.js';

export interface PackOptions {
  /** SAFI of the prefixes; default unicast. */
  readonly safi?: number;
  /**
   * MP_REACH_NLRI next hop. Required for IPv6 (and for IPv4 sent with an RFC 8950 IPv6 next
   * hop); when given, the prefixes go in MP_REACH_NLRI and attrs.nextHop is not sent.
   */
  readonly nextHop?: MpNextHop;
}

/** Attribute header with Extended Length: what an MP attribute costs before we know its size. */
const MP_HDR_MAX = 4;
/** Withdrawn Routes Length + Total Path Attribute Length. */
const LEN_FIELDS = 4;

interface Chunk {
  readonly from: number;
  readonly to: number;
  readonly bytes: number;
}

/** Split `ps` into runs whose encoded size fits `room` octets each. */
function chunk(ps: readonly Prefix[], room: number, addPath: boolean): Chunk[] {
  const out: Chunk[] = [];
  let i = 0;
  while (i < ps.length) {
    const from = i;
    let bytes = 0;
    while (i < ps.length) {
      const l = prefixWireLen(ps[i] as Prefix, addPath);
      if (bytes + l > room) break;
      bytes += l;
      i++;
    }
    if (i === from) throw new RangeError(`no room for a prefix: ${room} octets left after the attributes`);
    out.push({ from, to: i, bytes });
  }
  return out;
}

function familyOf(ps: readonly Prefix[]): Afi {
  const afi = (ps[0] as Prefix).afi;
  for (const p of ps) if (p.afi !== afi) throw new RangeError('packUpdates: prefixes of different families');
  return afi;
}

/** Marker, length, type 2, and the two length fields; returns the offset after them. */
function startMessage(out: Uint8Array, withdrawnLen: number, attrLen: number): number {
  out.fill(0xff, 0, 16);
  out[16] = out.length >>> 8;
  out[17] = out.length & 0xff;
  out[18] = MsgType.Update;
  out[19] = withdrawnLen >>> 8;
  out[20] = withdrawnLen & 0xff;
  out[21 + withdrawnLen] = attrLen >>> 8;
  out[22 + withdrawnLen] = attrLen & 0xff;
  return HEADER_LEN + 2;
}

function writeRun(out: Uint8Array, at: number, ps: readonly Prefix[], c: Chunk, addPath: boolean): number {
  let pos = at;
  for (let k = c.from; k < c.to; k++) pos = writePrefix(out, pos, ps[k] as Prefix, addPath);
  return pos;
}

/** Write an attribute header for a value of `len` octets; returns the offset after it. */
function writeAttrHeader(out: Uint8Array, at: number, type: number, len: number): number {
  if (len > 255) {
    out.set([AttrFlag.Optional | AttrFlag.ExtendedLength, type, len >>> 8, len & 0xff], at);
    return at + 4;
  }
  out.set([AttrFlag.Optional, type, len], at);
  return at + 3;
}

function attrBlock(attrs: PathAttributes, ctx: CodecContext): Uint8Array {
  const w = new ByteWriter(256);
  encodeAttributes(w, attrs, ctx);
  return w.finish();
}

/** Pack announcements of `nlri` (one family) sharing `attrs` into full-size UPDATEs. */
export function packUpdates(attrs: PathAttributes, nlri: readonly Prefix[], ctx: CodecContext, opts: PackOptions = {}): Uint8Array[] {
  if (nlri.length === 0) return [];
  const afi = familyOf(nlri);
  const safi = opts.safi ?? Safi.Unicast;
  const addPath = ctx.addPathTx.has(familyKey(afi, safi));
  const max = maxMessageLen(ctx);
  if (afi === Afi.Ipv4 && safi === Safi.Unicast && !opts.nextHop) {
    if (!attrs.nextHop) throw new RangeError('packUpdates: IPv4 NLRI needs attrs.nextHop or opts.nextHop');
    return packClassic(attrBlock(attrs, ctx), nlri, max, addPath);
  }
  if (!opts.nextHop) throw new RangeError(`packUpdates: AFI ${afi} SAFI ${safi} needs opts.nextHop`);
  const { nextHop: _unused, ...rest } = attrs;
  return packMp(attrBlock(rest, ctx), nlri, afi, safi, opts.nextHop, max, addPath);
}

function packClassic(block: Uint8Array, nlri: readonly Prefix[], max: number, addPath: boolean): Uint8Array[] {
  const fixed = HEADER_LEN + LEN_FIELDS + block.length;
  return chunk(nlri, max - fixed, addPath).map((c) => {
    const out = new Uint8Array(fixed + c.bytes);
    let pos = startMessage(out, 0, block.length) + 2;
    out.set(block, pos);
    pos += block.length;
    writeRun(out, pos, nlri, c, addPath);
    return out;
  });
}

function packMp(
  block: Uint8Array,
  nlri: readonly Prefix[],
  afi: number,
  safi: number,
  nh: MpNextHop,
  max: number,
  addPath: boolean,
): Uint8Array[] {
  const nhLen = nextHopLen(nh);
  const fixed = HEADER_LEN + LEN_FIELDS + MP_HDR_MAX + 5 + nhLen + block.length;
  return chunk(nlri, max - fixed, addPath).map((c) => {
    const valueLen = 5 + nhLen + c.bytes;
    const hdr = valueLen > 255 ? 4 : 3;
    const out = new Uint8Array(HEADER_LEN + LEN_FIELDS + hdr + valueLen + block.length);
    let pos = startMessage(out, 0, hdr + valueLen + block.length) + 2;
    // RFC 7606 §5.1: MP_REACH_NLRI first. RFC 4760 §3: AFI, SAFI, next hop, reserved, NLRI.
    pos = writeAttrHeader(out, pos, AttrType.MpReachNlri, valueLen);
    out.set([afi >>> 8, afi & 0xff, safi, nhLen], pos);
    out.set(nh.global, pos + 4);
    if (nh.linkLocal) out.set(nh.linkLocal, pos + 4 + nh.global.length);
    pos += 4 + nhLen;
    out[pos++] = 0;
    pos = writeRun(out, pos, nlri, c, addPath);
    out.set(block, pos);
    return out;
  });
}

/** Pack withdrawals: IPv4 unicast in the Withdrawn Routes field, others in MP_UNREACH_NLRI. */
export function packWithdrawals(prefixes: readonly Prefix[], afi: Afi, ctx: CodecContext, safi: number = Safi.Unicast): Uint8Array[] {
  if (prefixes.length === 0) return [];
  const addPath = ctx.addPathTx.has(familyKey(afi, safi));
  const max = maxMessageLen(ctx);
  if (afi === Afi.Ipv4 && safi === Safi.Unicast) {
    const fixed = HEADER_LEN + LEN_FIELDS;
    return chunk(prefixes, max - fixed, addPath).map((c) => {
      const out = new Uint8Array(fixed + c.bytes);
      writeRun(out, startMessage(out, c.bytes, 0), prefixes, c, addPath);
      return out;
    });
  }
  const fixed = HEADER_LEN + LEN_FIELDS + MP_HDR_MAX + 3;
  return chunk(prefixes, max - fixed, addPath).map((c) => {
    const valueLen = 3 + c.bytes;
    const hdr = valueLen > 255 ? 4 : 3;
    const out = new Uint8Array(HEADER_LEN + LEN_FIELDS + hdr + valueLen);
    let pos = startMessage(out, 0, hdr + valueLen) + 2;
    pos = writeAttrHeader(out, pos, AttrType.MpUnreachNlri, valueLen);
    out.set([afi >>> 8, afi & 0xff, safi], pos);
    writeRun(out, pos + 3, prefixes, c, addPath);
    return out;
  });
}
