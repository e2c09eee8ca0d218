/**
 * AS_PATH / AS4_PATH segments (RFC 4271 §4.3, RFC 5065 confed segments, RFC 6793 4-octet ASNs):
 * decode and encode in 2- and 4-octet form, the RFC 6793 §4.2.3 merge of AS4_PATH into a
 * 2-octet AS_PATH, the RFC 6793 §4.2.2 split for a 2-octet peer, and the RFC 4271 §9.1.2.2
 * path length. Input: attribute values from attrs.ts; output: AsPathSegment[] for the route
 * engine, bytes for encoders. Pure: no I/O; decoders never throw.
 */
import { AS_TRANS, AsPathSegType, NotifCode, UpdateSubcode } from './constants.js';
import { fail, ok, wireError } from './errors.js';
import type { Decoded } from './errors.js';
import { ByteReader } from './reader.js';
import type { AsPathSegment } from './types.js';
import type { ByteWriter } from './writer.js';

/** Largest number of ASNs in one segment (1-octet segment length). */
const MAX_SEG_LEN = 255;

function malformed(reason: string) {
  // RFC 4271 §6.3 Malformed AS_PATH (3/11); RFC 7606 §7.2 says treat-as-withdraw. attrs.ts
  // re-labels the handling for AS4_PATH (attribute discard, RFC 6793 §6).
  return wireError(NotifCode.UpdateMessageError, UpdateSubcode.MalformedAsPath, 'treat-as-withdraw', reason);
}

/**
 * Decode segments with `asnSize`-octet ASNs. RFC 7606 §7.2: an unknown segment type, a segment
 * length of 0, a segment that overruns the attribute, or a leftover octet → malformed.
 */
export function decodeAsPath(bytes: Uint8Array, asnSize: 2 | 4): Decoded<AsPathSegment[]> {
  const r = new ByteReader(bytes);
  const segs: AsPathSegment[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 2) return fail(malformed('one octet left over after the last segment'));
    const type = r.u8();
    const count = r.u8();
    if (type < AsPathSegType.AsSet || type > AsPathSegType.AsConfedSet) {
      return fail(malformed(`unknown segment type ${type}`));
    }
    if (count === 0) return fail(malformed('segment length 0'));
    if (r.remaining < count * asnSize) return fail(malformed(`segment of ${count} ASNs overruns the attribute`));
    const asns = new Array<number>(count);
    for (let k = 0; k < count; k++) asns[k] = asnSize === 4 ? r.u32() >>> 0 : r.u16();
    segs.push({ type, asns });
  }
  return ok(segs);
}

/** Encode segments; a segment longer than 255 ASNs is split into consecutive segments. */
export function encodeAsPath(w: ByteWriter, segs: readonly AsPathSegment[], asnSize: 2 | 4): void {
  for (const seg of segs) {
    for (let from = 0; from < seg.asns.length; from += MAX_SEG_LEN) {
      const chunk = seg.asns.slice(from, from + MAX_SEG_LEN);
      w.u8(seg.type).u8(chunk.length);
      for (const asn of chunk) {
        if (asnSize === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
}

/** Encoded size of `segs` in bytes (for pre-sizing). */
export function asPathWireLen(segs: readonly AsPathSegment[], asnSize: 2 | 4): number {
  let n = 0;
  for (const seg of segs) n += Math.ceil(seg.asns.length / MAX_SEG_LEN) * 2 + seg.asns.length * asnSize;
  return n;
}

function isConfed(type: number): boolean {
  return type === AsPathSegType.AsConfedSequence || type === AsPathSegType.AsConfedSet;
}

/** RFC 4271 §9.1.2.2 (a) + RFC 5065 §5.3: AS_SET counts 1, confed segments count 0. */
export function asPathLength(segs: readonly AsPathSegment[]): number {
  let n = 0;
  for (const seg of segs) {
    if (seg.type === AsPathSegType.AsSequence) n += seg.asns.length;
    else if (seg.type === AsPathSegType.AsSet) n += 1;
  }
  return n;
}

export function hasConfedSegment(segs: readonly AsPathSegment[]): boolean {
  return segs.some((s) => isConfed(s.type));
}

/** RFC 7607: AS 0 must not appear in an AS path. */
export function containsAs0(segs: readonly AsPathSegment[]): boolean {
  return segs.some((s) => s.asns.includes(0));
}

/**
 * RFC 6793 §4.2.3: rebuild the 4-octet path from a 2-octet AS_PATH and an AS4_PATH. If AS_PATH
 * counts fewer ASNs than AS4_PATH, AS4_PATH is ignored. Otherwise the leading part of AS_PATH
 * (as many ASNs as it has more) is prepended to AS4_PATH; confed segments at the front come along.
 * Counting follows the path-length rule (AS_SET 1, confed 0), as BIRD does.
 */
export function mergeAs4Path(asPath: readonly AsPathSegment[], as4Path: readonly AsPathSegment[]): AsPathSegment[] {
  const n2 = asPathLength(asPath);
  const n4 = asPathLength(as4Path);
  if (n2 < n4) return asPath.slice();
  let take = n2 - n4;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (take === 0 && !isConfed(seg.type)) break;
    if (seg.type === AsPathSegType.AsSequence) {
      const k = Math.min(take, seg.asns.length);
      out.push({ type: seg.type, asns: seg.asns.slice(0, k) });
      take -= k;
    } else {
      out.push(seg);
      if (seg.type === AsPathSegType.AsSet) take -= 1;
    }
  }
  for (const seg of as4Path) out.push(seg);
  return joinSequences(out);
}

/** Join adjacent AS_SEQUENCE segments (the merge seam); encoders split at 255 again. */
function joinSequences(segs: AsPathSegment[]): AsPathSegment[] {
  const out: AsPathSegment[] = [];
  for (const seg of segs) {
    if (seg.asns.length === 0) continue;
    const last = out[out.length - 1];
    if (last && last.type === AsPathSegType.AsSequence && seg.type === AsPathSegType.AsSequence) {
      out[out.length - 1] = { type: last.type, asns: [...last.asns, ...seg.asns] };
    } else out.push(seg);
  }
  return out;
}

export function needsAs4(segs: readonly AsPathSegment[]): boolean {
  return segs.some((s) => s.asns.some((a) => a > 0xffff));
}

/**
 * RFC 6793 §4.2.2: the AS4_PATH to send to a 2-octet peer next to the AS_TRANS-mapped AS_PATH,
 * or null when every ASN fits in 2 octets. Confed segments are left out of AS4_PATH.
 */
export function as4PathFor(segs: readonly AsPathSegment[]): AsPathSegment[] | null {
  if (!needsAs4(segs)) return null;
  return segs.filter((s) => !isConfed(s.type));
}
