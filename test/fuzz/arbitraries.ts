/**
 * fast-check generators of valid BGP messages in the codec's canonical decoded form (host bits
 * zero, unknown attributes with Partial set, Cease 2/4 data carrying its shutdown text), so that
 * decode(encode(x)) must give back exactly x. Also the codec contexts the fuzzers cycle through.
 * Input: fast-check's random source; output: plain message values (peers/wire/types.ts). Pure.
 */
import fc from 'fast-check';
import { familyKey, type CodecContext } from '../../peers/wire/context.js';
import type { AsPathSegment, Capability, NotificationMsg, OpenMsg, PathAttributes, Prefix, RouteRefreshMsg, UpdateMsg } from '../../peers/wire/types.js';

const V4 = familyKey(1, 1);
const V6 = familyKey(2, 1);

/** Every combination of the context flags that changes decoding (2 x 2 x 2 x 2 x 2 = 32). */
export function allContexts(): CodecContext[] {
  const out: CodecContext[] = [];
  for (let bits = 0; bits < 32; bits++) {
    const addPath = bits & 8 ? new Set([V4, V6]) : new Set<number>();
    out.push({
      as4: (bits & 1) !== 0,
      extendedMessage: (bits & 2) !== 0,
      ebgp: (bits & 4) === 0,
      addPathRx: addPath,
      addPathTx: addPath,
      families: bits & 16 ? new Set([V4]) : new Set([V4, V6]),
    });
  }
  return out;
}

export const contextArb: fc.Arbitrary<CodecContext> = fc.constantFrom(...allContexts());

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const asn = (as4: boolean): fc.Arbitrary<number> => (as4 ? fc.integer({ min: 1, max: 0xffffffff }) : fc.integer({ min: 1, max: 0xffff }));

/** A prefix with host bits cleared (the decoder's canonical form). */
export function prefixArb(afi: 1 | 2, addPath: boolean): fc.Arbitrary<Prefix> {
  const bytes = afi === 1 ? 4 : 16;
  return fc
    .record({ len: fc.integer({ min: 0, max: bytes * 8 }), raw: fc.uint8Array({ minLength: bytes, maxLength: bytes }), id: u32 })
    .map(({ len, raw, id }) => {
      const addr = raw.slice();
      for (let i = 0; i < bytes; i++) {
        const keep = Math.max(0, Math.min(8, len - i * 8));
        addr[i] = (addr[i] as number) & ((0xff00 >> keep) & 0xff);
      }
      return addPath ? { afi, len, addr, pathId: id } : { afi, len, addr };
    });
}

/** A unicast IPv4 address that is not a martian next hop (first octet 1..223, not 127). */
const nextHop4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }).filter((a) => a !== 127), fc.uint8Array({ minLength: 3, maxLength: 3 }))
  .map(([a, rest]) => Uint8Array.of(a, ...rest));

function asPathArb(as4: boolean, ebgp: boolean, wide: boolean): fc.Arbitrary<AsPathSegment[]> {
  // RFC 6793 §3: confederation segments never go into AS4_PATH, so the wide form uses 1 and 2 only.
  const types = ebgp || wide ? [1, 2] : [1, 2, 3, 4];
  return fc.array(fc.record({ type: fc.constantFrom(...types), asns: fc.array(asn(as4 || wide), { minLength: 1, maxLength: 12 }) }), { minLength: 1, maxLength: 4 });
}

function attrsArb(ctx: CodecContext, wide: boolean): fc.Arbitrary<PathAttributes> {
  const ibgpOnly = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => (ctx.ebgp ? fc.constant(undefined) : fc.option(a, { nil: undefined }));
  const opt = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined });
  return fc
    .record({
      origin: fc.constantFrom(0, 1, 2) as fc.Arbitrary<0 | 1 | 2>,
      asPath: asPathArb(ctx.as4, ctx.ebgp, wide),
      nextHop: nextHop4,
      med: opt(u32),
      localPref: ibgpOnly(u32),
      atomicAggregate: opt(fc.constant(true)),
      // RFC 6793 §4.2.3: an AGGREGATOR AS other than AS_TRANS makes the receiver ignore AS4_PATH,
      // so in the wide form the aggregator's ASN needs 4 octets too, or the path could not survive.
      aggregator: opt(fc.record({ asn: wide && !ctx.as4 ? fc.integer({ min: 0x10000, max: 0xffffffff }) : asn(ctx.as4), address: u32 })),
      communities: opt(fc.array(u32, { minLength: 1, maxLength: 8 })),
      originatorId: ibgpOnly(u32),
      clusterList: ibgpOnly(fc.array(u32, { minLength: 1, maxLength: 4 })),
      extCommunities: opt(fc.array(fc.uint8Array({ minLength: 8, maxLength: 8 }), { minLength: 1, maxLength: 4 })),
      largeCommunities: opt(fc.array(fc.tuple(u32, u32, u32), { minLength: 1, maxLength: 4 })),
      otc: opt(fc.integer({ min: 1, max: 0xffffffff })),
      unknown: opt(fc.uniqueArray(fc.record({ type: fc.integer({ min: 200, max: 254 }), value: fc.uint8Array({ maxLength: 16 }) }), {
        minLength: 1, maxLength: 3, selector: (r) => r.type,
      }).map((rs) => rs.sort((a, b) => a.type - b.type).map((r) => ({ flags: 0xe0, type: r.type, value: r.value })))),
    })
    .map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined)) as PathAttributes);
}

/**
 * A valid UPDATE for `ctx`: IPv4 routes and withdrawals, and, if negotiated, IPv6 MP_REACH/UNREACH.
 * `wide`: 4-octet ASNs even on a 2-octet session (sent as AS_TRANS + AS4_PATH / AS4_AGGREGATOR).
 */
export function updateArb(ctx: CodecContext, wide = false): fc.Arbitrary<UpdateMsg> {
  const ap4 = ctx.addPathRx.has(V4);
  const ap6 = ctx.addPathRx.has(V6);
  const v6 = ctx.families.has(V6);
  const mpReach = fc.record({
    afi: fc.constant(2),
    safi: fc.constant(1),
    nextHop: fc.oneof(
      fc.record({ global: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
      fc.record({ global: fc.uint8Array({ minLength: 16, maxLength: 16 }), linkLocal: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    ),
    nlri: fc.array(prefixArb(2, ap6), { minLength: 1, maxLength: 6 }),
  });
  const mpUnreach = fc.record({ afi: fc.constant(2), safi: fc.constant(1), withdrawn: fc.array(prefixArb(2, ap6), { maxLength: 6 }) });
  return fc
    .record({
      withdrawn: fc.array(prefixArb(1, ap4), { maxLength: 8 }),
      attrs: attrsArb(ctx, wide),
      nlri: fc.array(prefixArb(1, ap4), { minLength: 1, maxLength: 8 }),
      mpReach: v6 ? fc.option(mpReach, { nil: undefined }) : fc.constant(undefined),
      mpUnreach: v6 ? fc.option(mpUnreach, { nil: undefined }) : fc.constant(undefined),
    })
    .map(({ mpReach: r, mpUnreach: u, ...rest }) => ({ type: 2 as const, ...rest, ...(r ? { mpReach: r } : {}), ...(u ? { mpUnreach: u } : {}) }));
}

const ascii = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-.'), { maxLength: max }).map((a) => a.join(''));
const family = fc.record({ afi: fc.constantFrom(1, 2, 25), safi: fc.constantFrom(1, 2, 4, 128) });

const capabilityArb: fc.Arbitrary<Capability> = fc.oneof(
  family.map((f) => ({ code: 1 as const, ...f })),
  fc.constant({ code: 2 as const }),
  fc.constant({ code: 6 as const }),
  fc.constant({ code: 70 as const }),
  fc.integer({ min: 0, max: 4 }).map((role) => ({ code: 9 as const, role })),
  fc.integer({ min: 1, max: 0xffffffff }).map((a) => ({ code: 65 as const, asn: a })),
  fc.record({
    restarting: fc.boolean(), notification: fc.boolean(), restartTime: fc.integer({ min: 0, max: 4095 }),
    families: fc.array(fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2), forwardingState: fc.boolean() }), { maxLength: 3 }),
  }).map((g) => ({ code: 64 as const, ...g })),
  fc.array(fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2), mode: fc.integer({ min: 1, max: 3 }) }), { minLength: 1, maxLength: 3 })
    .map((families) => ({ code: 69 as const, families })),
  fc.array(fc.record({ afi: fc.constant(1), safi: fc.constantFrom(1, 2), nextHopAfi: fc.constant(2) }), { minLength: 1, maxLength: 2 })
    .map((entries) => ({ code: 5 as const, entries })),
  fc.record({ hostname: ascii(30), domain: ascii(30) }).map((f) => ({ code: 73 as const, ...f })),
  fc.record({ code: fc.integer({ min: 200, max: 239 }), value: fc.uint8Array({ maxLength: 12 }) }).map((c) => ({ ...c, unknown: true as const })),
);

export const openArb: fc.Arbitrary<OpenMsg> = fc
  .record({
    myAs: fc.integer({ min: 0, max: 0xffff }),
    holdTime: fc.integer({ min: 0, max: 0xffff }),
    bgpId: u32,
    capabilities: fc.array(capabilityArb, { maxLength: 10 }),
    extended: fc.boolean(),
  })
  .map(({ extended, ...o }) => ({ type: 1 as const, version: 4, ...o, ...(extended ? { extendedParams: true } : {}) }));

export const notificationArb: fc.Arbitrary<NotificationMsg> = fc.oneof(
  fc
    .record({ code: fc.integer({ min: 0, max: 255 }), subcode: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 64 }) })
    .filter((n) => !(n.code === 6 && (n.subcode === 2 || n.subcode === 4)))
    .map((n) => ({ type: 3 as const, ...n })),
  fc.record({ subcode: fc.constantFrom(2, 4), text: fc.string({ minLength: 1, maxLength: 40 }) }).map(({ subcode, text }) => {
    const utf8 = new TextEncoder().encode(text).subarray(0, 255);
    const shown = new TextDecoder().decode(utf8);
    const data = Uint8Array.of(utf8.length, ...utf8);
    return { type: 3 as const, code: 6, subcode, data, shutdownMessage: shown };
  }),
);

export const routeRefreshArb: fc.Arbitrary<RouteRefreshMsg> = fc.record({
  type: fc.constant(5 as const), afi: fc.integer({ min: 0, max: 0xffff }), subtype: fc.integer({ min: 0, max: 255 }), safi: fc.integer({ min: 0, max: 255 }),
});
