/**
 * RFC 5492 capabilities: one descriptor per known code (length rule, decode, encode), plus the
 * code/length/value list walker used by open.ts. Input: the value of an OPEN optional parameter
 * of type 2; output: Capability values (types.ts), or the OPEN Message Error 2/0 (Unspecific,
 * session reset) for a malformed length. Unknown codes are kept as bytes. Semantics (which
 * families, which roles) are judged by peers/negotiate.ts, not here.
 * Pure: no I/O, no clock; decoders never throw and never read past their value.
 */
import { CapCode, NotifCode, OpenSubcode } from './constants.js';
import { fail, ok, wireError } from './errors.js';
import type { Decoded, WireError } from './errors.js';
import { ByteReader } from './reader.js';
import { ByteWriter } from './writer.js';
import type { Capability } from './types.js';

type KnownCapability = Exclude<Capability, { readonly unknown: true }>;
type UnknownCapability = Extract<Capability, { readonly unknown: true }>;
type CapOf<C extends KnownCapability['code']> = Extract<KnownCapability, { readonly code: C }>;

/** How one capability code is read and written. `decode` gets a value whose length passed `validLength`. */
export interface CapabilityDescriptor<T extends Capability> {
  readonly code: number;
  readonly name: string;
  readonly rfc: string;
  validLength(len: number): boolean;
  decode(r: ByteReader, len: number): T;
  encode(cap: T, w: ByteWriter): void;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** RFC 5492 §3 has no subcode for this; BIRD and FRR send 2/0 (Unspecific). */
export function malformedCapability(reason: string): WireError {
  return wireError(NotifCode.OpenMessageError, OpenSubcode.Unspecific, 'session-reset', reason);
}

function empty<C extends 2 | 6 | 70>(code: C, name: string, rfc: string): CapabilityDescriptor<CapOf<C>> {
  return {
    code,
    name,
    rfc,
    validLength: (len) => len === 0,
    decode: () => ({ code }) as CapOf<C>,
    encode: () => undefined,
  };
}

/** Capability 1, RFC 4760 §8: AFI(2), reserved(1), SAFI(1). */
const multiprotocol: CapabilityDescriptor<CapOf<1>> = {
  code: CapCode.Multiprotocol,
  name: 'multiprotocol',
  rfc: 'RFC 4760',
  validLength: (len) => len === 4,
  decode: (r) => {
    const afi = r.u16();
    r.skip(1); // RFC 4760 §8: reserved, "SHOULD be ignored by the receiver"
    return { code: 1, afi, safi: r.u8() };
  },
  encode: (cap, w) => void w.u16(cap.afi).u8(0).u8(cap.safi),
};

/** Capability 5, RFC 8950 §3: (NLRI AFI(2), NLRI SAFI(2), next-hop AFI(2)) × n. */
const extendedNextHop: CapabilityDescriptor<CapOf<5>> = {
  code: CapCode.ExtendedNextHop,
  name: 'extended next hop',
  rfc: 'RFC 8950',
  validLength: (len) => len % 6 === 0,
  decode: (r, len) => {
    const entries: { afi: number; safi: number; nextHopAfi: number }[] = [];
    for (let i = 0; i < len; i += 6) entries.push({ afi: r.u16(), safi: r.u16(), nextHopAfi: r.u16() });
    return { code: 5, entries };
  },
  encode: (cap, w) => {
    for (const e of cap.entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
  },
};

/** Capability 9, RFC 9234 §4.1: one octet, the role. */
const role: CapabilityDescriptor<CapOf<9>> = {
  code: CapCode.Role,
  name: 'role',
  rfc: 'RFC 9234',
  validLength: (len) => len === 1,
  decode: (r) => ({ code: 9, role: r.u8() }),
  encode: (cap, w) => void w.u8(cap.role),
};

const GR_RESTART = 0x8000; // RFC 4724 §3: R bit
const GR_NOTIFICATION = 0x4000; // RFC 8538 §2: N bit
const GR_TIME_MASK = 0x0fff; // RFC 4724 §3: 12-bit Restart Time
const GR_FORWARDING = 0x80; // RFC 4724 §3: F bit of the per-family flags

/** Capability 64, RFC 4724 §3: flags(4 bits) + time(12 bits), then (AFI(2), SAFI(1), flags(1)) × n. */
const gracefulRestart: CapabilityDescriptor<CapOf<64>> = {
  code: CapCode.GracefulRestart,
  name: 'graceful restart',
  rfc: 'RFC 4724',
  validLength: (len) => len >= 2 && (len - 2) % 4 === 0,
  decode: (r, len) => {
    const head = r.u16();
    const families: { afi: number; safi: number; forwardingState: boolean }[] = [];
    for (let i = 2; i < len; i += 4) {
      families.push({ afi: r.u16(), safi: r.u8(), forwardingState: (r.u8() & GR_FORWARDING) !== 0 });
    }
    return {
      code: 64,
      restarting: (head & GR_RESTART) !== 0,
      notification: (head & GR_NOTIFICATION) !== 0,
      restartTime: head & GR_TIME_MASK,
      families,
    };
  },
  encode: (cap, w) => {
    const flags = (cap.restarting ? GR_RESTART : 0) | (cap.notification ? GR_NOTIFICATION : 0);
    w.u16(flags | (cap.restartTime & GR_TIME_MASK));
    for (const f of cap.families) w.u16(f.afi).u8(f.safi).u8(f.forwardingState ? GR_FORWARDING : 0);
  },
};

/** Capability 65, RFC 6793 §3: the 4-octet ASN. */
const fourOctetAs: CapabilityDescriptor<CapOf<65>> = {
  code: CapCode.FourOctetAs,
  name: '4-octet AS',
  rfc: 'RFC 6793',
  validLength: (len) => len === 4,
  decode: (r) => ({ code: 65, asn: r.u32() }),
  encode: (cap, w) => void w.u32(cap.asn),
};

/** Capability 69, RFC 7911 §4: (AFI(2), SAFI(1), Send/Receive(1)) × n. */
const addPath: CapabilityDescriptor<CapOf<69>> = {
  code: CapCode.AddPath,
  name: 'ADD-PATH',
  rfc: 'RFC 7911',
  validLength: (len) => len % 4 === 0,
  decode: (r, len) => {
    const families: { afi: number; safi: number; mode: number }[] = [];
    for (let i = 0; i < len; i += 4) families.push({ afi: r.u16(), safi: r.u8(), mode: r.u8() });
    return { code: 69, families };
  },
  encode: (cap, w) => {
    for (const f of cap.families) w.u16(f.afi).u8(f.safi).u8(f.mode);
  },
};

/** Capability 73, draft-walton-bgp-hostname §3: hostname len(1), hostname, domain len(1), domain. */
const fqdn: CapabilityDescriptor<CapOf<73>> = {
  code: CapCode.Fqdn,
  name: 'FQDN',
  rfc: 'draft-walton-bgp-hostname',
  validLength: (len) => len >= 2,
  decode: (r) => {
    const hostname = utf8.decode(r.bytesView(r.u8()));
    const domain = utf8.decode(r.bytesView(r.u8()));
    return { code: 73, hostname, domain };
  },
  encode: (cap, w) => {
    // The whole value must fit the one-octet capability length: 1 + host + 1 + domain ≤ 255.
    const host = truncate(utf8Encoder.encode(cap.hostname), 253);
    const domain = truncate(utf8Encoder.encode(cap.domain), 253 - host.length);
    w.u8(host.length).bytes(host).u8(domain.length).bytes(domain);
  },
};

/** Cut UTF-8 bytes to at most `max` without splitting a character. */
export function truncate(bytes: Uint8Array, max: number): Uint8Array {
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end);
}

/** The descriptor table, by capability code. */
export const CAPABILITIES: { readonly [C in KnownCapability['code']]: CapabilityDescriptor<CapOf<C>> } = {
  1: multiprotocol,
  2: empty(CapCode.RouteRefresh, 'route refresh', 'RFC 2918'),
  5: extendedNextHop,
  6: empty(CapCode.ExtendedMessage, 'extended message', 'RFC 8654'),
  9: role,
  64: gracefulRestart,
  65: fourOctetAs,
  69: addPath,
  70: empty(CapCode.EnhancedRouteRefresh, 'enhanced route refresh', 'RFC 7313'),
  73: fqdn,
};

/** A plain Uint8Array copy (Buffer#slice would return a view of the message). */
function copy(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function descriptorFor(code: number): CapabilityDescriptor<KnownCapability> | undefined {
  const table = CAPABILITIES as unknown as Record<number, CapabilityDescriptor<KnownCapability> | undefined>;
  return table[code];
}

/** Decode one capability value (the bytes after its code and length octets). */
export function decodeCapability(code: number, value: Uint8Array): Decoded<Capability> {
  const d = descriptorFor(code);
  if (d === undefined) return ok<Capability>({ code, value: copy(value), unknown: true });
  if (!d.validLength(value.length)) {
    return fail(malformedCapability(`${d.name} capability (${code}) has invalid length ${value.length}`));
  }
  const r = new ByteReader(value);
  const cap = d.decode(r, value.length);
  if (r.failed) return fail(malformedCapability(`${d.name} capability (${code}) is truncated`));
  // RFC 7911 §4: a Send/Receive value other than 1..3 → "treated as not understood and ignored".
  if (cap.code === CapCode.AddPath && cap.families.some((f) => f.mode < 1 || f.mode > 3)) {
    return ok<Capability>({ code, value: copy(value), unknown: true });
  }
  return ok(cap);
}

/** RFC 5492 §4: a list of (code(1), length(1), value) triples filling `bytes` exactly. */
export function decodeCapabilities(bytes: Uint8Array): Decoded<Capability[]> {
  const r = new ByteReader(bytes);
  const caps: Capability[] = [];
  while (r.remaining > 0) {
    if (r.remaining < 2) return fail(malformedCapability('capability header truncated'));
    const code = r.u8();
    const len = r.u8();
    if (len > r.remaining) return fail(malformedCapability(`capability ${code} length ${len} overruns its parameter`));
    const c = decodeCapability(code, r.bytesView(len));
    if (!c.ok) return c;
    caps.push(c.value);
  }
  return ok(caps);
}

function isUnknown(cap: Capability): cap is UnknownCapability {
  return 'unknown' in cap && cap.unknown === true;
}

/**
 * Write one capability as code(1), length(1), value. Throws RangeError if the value exceeds
 * 255 bytes (a caller bug: RFC 5492 lengths are one octet).
 */
export function encodeCapability(cap: Capability, w: ByteWriter): void {
  const value = capabilityValue(cap);
  if (value.length > 255) throw new RangeError(`capability ${cap.code} value of ${value.length} bytes exceeds 255`);
  w.u8(cap.code).u8(value.length).bytes(value);
}

function capabilityValue(cap: Capability): Uint8Array {
  if (isUnknown(cap)) return cap.value;
  const d = descriptorFor(cap.code);
  if (d === undefined) throw new RangeError(`capability ${cap.code} has no descriptor and no raw value`);
  const w = new ByteWriter(32);
  d.encode(cap, w);
  return w.finish();
}

/** The capability triples of `caps`, concatenated (the value of an optional parameter of type 2). */
export function encodeCapabilities(caps: readonly Capability[]): Uint8Array {
  const w = new ByteWriter(64);
  for (const cap of caps) encodeCapability(cap, w);
  return w.finish();
}
