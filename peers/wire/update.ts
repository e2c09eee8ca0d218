/**
 * UPDATE message (RFC 4271 §4.3) decode with RFC 7606 error handling, encode, and End-of-RIB
 * (RFC 4724 §2). Input: the body after the 19-byte header, from the session engine / route
 * worker; output: UpdateMsg for the Adj-RIB-In (with treatAsWithdraw and warnings), or the
 * error whose NOTIFICATION the session sends; encoders give whole messages for the socket.
 * Pure: no I/O, no clock; decodeUpdate never throws.
 */
import { Afi, AttrFlag, AttrType, MAX_EXT_MSG_LEN, MAX_MSG_LEN, MsgType, NotifCode, Safi, UpdateSubcode } from './constants.js';
import { fail, ok, stronger, wireError } from './errors.js';
import type { Decoded, WireError } from './errors.js';
import { familyKey } from './context.js';
import type { CodecContext } from './context.js';
import { decodeAttributes, encodeAttributes } from './attrs.js';
import type { AttrBlock } from './attrs.js';
import { frameMessage } from './header.js';
import { decodePrefixes, encodePrefix } from './nlri.js';
import type { PathAttributes, Prefix, UpdateMsg } from './types.js';
import { ByteWriter } from './writer.js';

const NO_PREFIXES: readonly Prefix[] = Object.freeze([]) as readonly Prefix[];

function malformedList(reason: string): WireError {
  return wireError(NotifCode.UpdateMessageError, UpdateSubcode.MalformedAttributeList, 'session-reset', reason);
}

/** Largest message this session may send or receive (RFC 4271 §4, RFC 8654 §4). */
export function maxMessageLen(ctx: CodecContext): number {
  return ctx.extendedMessage ? MAX_EXT_MSG_LEN : MAX_MSG_LEN;
}

/** Decode an UPDATE body (the bytes after the 19-byte header). */
export function decodeUpdate(body: Uint8Array, ctx: CodecContext): Decoded<UpdateMsg> {
  const n = body.length;
  // RFC 4271 §6.3: Withdrawn Routes Length + Total Attribute Length + 23 > length → 3/1.
  if (n < 4) return fail(malformedList(`UPDATE body of ${n} octets has no length fields`));
  const wlen = ((body[0] as number) << 8) | (body[1] as number);
  if (2 + wlen + 2 > n) return fail(malformedList(`Withdrawn Routes Length ${wlen} overruns the message`));
  const alen = ((body[2 + wlen] as number) << 8) | (body[3 + wlen] as number);
  const attrEnd = 4 + wlen + alen;
  if (attrEnd > n) return fail(malformedList(`Total Path Attribute Length ${alen} overruns the message`));

  const v4AddPath = ctx.addPathRx.has(familyKey(Afi.Ipv4, Safi.Unicast));
  const withdrawn = wlen === 0 ? ok(NO_PREFIXES as Prefix[]) : decodePrefixes(body.subarray(2, 2 + wlen), Afi.Ipv4, v4AddPath);
  if (!withdrawn.ok) return withdrawn;
  const block = decodeAttributes(body.subarray(4 + wlen, attrEnd), ctx);
  if (block.fatal) return fail(block.fatal);
  // RFC 7606 §4: the NLRI starts right after Total Path Attribute Length, whatever the attributes did.
  const nlri = attrEnd === n ? ok(NO_PREFIXES as Prefix[]) : decodePrefixes(body.subarray(attrEnd), Afi.Ipv4, v4AddPath);
  if (!nlri.ok) return nlri;

  const warnings = [...block.warnings, ...missingMandatory(block, nlri.value.length > 0)];
  const msg: UpdateMsg = {
    type: MsgType.Update,
    withdrawn: withdrawn.value,
    attrs: block.attrs,
    nlri: nlri.value,
    ...(block.mpReach ? { mpReach: block.mpReach } : {}),
    ...(block.mpUnreach ? { mpUnreach: block.mpUnreach } : {}),
  };
  if (warnings.length === 0) return ok(msg);
  return verdict(msg, warnings);
}

/** Apply the strongest error (RFC 7606 §3): discard keeps the route, withdraw flags it. */
function verdict(msg: UpdateMsg, warnings: readonly WireError[]): Decoded<UpdateMsg> {
  let worst = warnings[0] as WireError;
  for (const w of warnings) worst = stronger(worst, w);
  if (worst.handling !== 'treat-as-withdraw') return ok(msg, warnings);
  const announces = msg.nlri.length > 0 || (msg.mpReach !== undefined && msg.mpReach.nlri.length > 0);
  if (!announces) {
    // RFC 7606 §5.2 as BIRD applies it: nothing to treat as withdrawn → reset the session. The
    // NOTIFICATION keeps the code/subcode/data of the error that caused it.
    return fail({ ...worst, handling: 'session-reset', reason: `${worst.reason} (no NLRI to treat as withdrawn, RFC 7606 §5.2)` });
  }
  return ok({ ...msg, treatAsWithdraw: true }, warnings);
}

/**
 * RFC 7606 §3(d): ORIGIN and AS_PATH are mandatory when the UPDATE announces anything; NEXT_HOP
 * only with classic IPv4 NLRI (RFC 4760 §3: MP_REACH carries its own next hop). Missing → 3/3,
 * data = the missing type code, treat-as-withdraw. LOCAL_PREF is not required (as BIRD).
 */
function missingMandatory(block: AttrBlock, classicNlri: boolean): WireError[] {
  const announces = classicNlri || (block.mpReach !== undefined && block.mpReach.nlri.length > 0);
  if (!announces) return [];
  const need: number[] = [AttrType.Origin, AttrType.AsPath];
  if (classicNlri) need.push(AttrType.NextHop);
  const out: WireError[] = [];
  for (const type of need) {
    if (block.seen[type]) continue;
    out.push(
      wireError(
        NotifCode.UpdateMessageError,
        UpdateSubcode.MissingWellKnownAttribute,
        'treat-as-withdraw',
        `missing well-known attribute ${type}`,
        new Uint8Array([type]),
        type,
      ),
    );
  }
  return out;
}

/**
 * Encode a whole UPDATE message (header included). Throws RangeError when the result exceeds the
 * negotiated maximum: that is a caller bug (use update-pack.ts to split), never peer input.
 */
export function encodeUpdate(msg: UpdateMsg, ctx: CodecContext): Uint8Array {
  const w = new ByteWriter(512);
  const addPath = ctx.addPathTx.has(familyKey(Afi.Ipv4, Safi.Unicast));
  w.u16(0);
  for (const p of msg.withdrawn) encodePrefix(w, p, addPath);
  w.patchU16(0, w.length - 2);
  const attrAt = w.length;
  w.u16(0);
  encodeAttributes(w, msg.attrs, ctx, msg.mpReach, msg.mpUnreach);
  w.patchU16(attrAt, w.length - attrAt - 2);
  for (const p of msg.nlri) encodePrefix(w, p, addPath);
  const max = maxMessageLen(ctx);
  if (19 + w.length > max) throw new RangeError(`UPDATE of ${19 + w.length} bytes exceeds the maximum ${max}`);
  return frameMessage(MsgType.Update, w.finish());
}

function attrsEmpty(a: PathAttributes): boolean {
  for (const k in a) if ((a as Record<string, unknown>)[k] !== undefined) return false;
  return true;
}

/**
 * RFC 4724 §2: an UPDATE with nothing in it is the IPv4 unicast End-of-RIB; one whose only
 * attribute is an MP_UNREACH_NLRI without withdrawn routes is that family's End-of-RIB.
 */
export function isEndOfRib(u: UpdateMsg): { afi: number; safi: number } | null {
  if (u.withdrawn.length > 0 || u.nlri.length > 0 || u.mpReach || !attrsEmpty(u.attrs)) return null;
  if (!u.mpUnreach) return { afi: Afi.Ipv4, safi: Safi.Unicast };
  if (u.mpUnreach.withdrawn.length > 0) return null;
  return { afi: u.mpUnreach.afi, safi: u.mpUnreach.safi };
}

/** The End-of-RIB marker for a family (RFC 4724 §2). */
export function endOfRib(afi: number, safi: number, _ctx: CodecContext): Uint8Array {
  if (afi === Afi.Ipv4 && safi === Safi.Unicast) return frameMessage(MsgType.Update, new Uint8Array(4));
  // Withdrawn len 0, attr len 6, MP_UNREACH_NLRI (optional, len 3): AFI, SAFI.
  const body = new Uint8Array([0, 0, 0, 6, AttrFlag.Optional, AttrType.MpUnreachNlri, 3, afi >>> 8, afi & 0xff, safi]);
  return frameMessage(MsgType.Update, body);
}
