/**
 * Property tests of the codec (reliability.md §2.2 item 3) with fast-check, 10,000 runs each:
 * round trip of valid messages, truncation, bit flips, random bodies, stream splitting and
 * prefix-length bounds. A seed is fixed per property so a failure replays; set FC_SEED to vary.
 * Pure: no I/O, no clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeMessage, encodeMessage, maxMessageLength } from '../../peers/wire/index.js';
import { Framer } from '../../peers/wire/framer.js';
import { DEFAULT_CONTEXT, type CodecContext } from '../../peers/wire/context.js';
import type { AsPathSegment, BgpMessage, Prefix } from '../../peers/wire/types.js';
import type { Decoded } from '../../peers/wire/errors.js';
import { contextArb, notificationArb, openArb, routeRefreshArb, updateArb } from './arbitraries.js';
import { assertWireError, cutAt, normalize } from './oracle.js';

const RUNS = 10_000;
const seed = (n: number): number => (process.env.FC_SEED ? Number(process.env.FC_SEED) + n : 0x5eed + n);
const params = (n: number): fc.Parameters<unknown> => ({ numRuns: RUNS, seed: seed(n), endOnFailure: true });

/** Any valid message with the context it was generated for. */
const anyMessage: fc.Arbitrary<[CodecContext, BgpMessage]> = fc.oneof(
  contextArb.chain((ctx) => updateArb(ctx).map((m): [CodecContext, BgpMessage] => [ctx, m])),
  openArb.map((m): [CodecContext, BgpMessage] => [DEFAULT_CONTEXT, m]),
  notificationArb.map((m): [CodecContext, BgpMessage] => [DEFAULT_CONTEXT, m]),
  routeRefreshArb.map((m): [CodecContext, BgpMessage] => [DEFAULT_CONTEXT, m]),
  fc.constant<[CodecContext, BgpMessage]>([DEFAULT_CONTEXT, { type: 4 }]),
);

/** Adjacent AS_SEQUENCEs joined: the RFC 6793 merge in as-path.ts returns this equivalent form. */
function joinSequences(m: BgpMessage): BgpMessage {
  if (m.type !== 2 || !m.attrs.asPath) return m;
  const out: AsPathSegment[] = [];
  for (const s of m.attrs.asPath) {
    const last = out[out.length - 1];
    if (last?.type === 2 && s.type === 2) out[out.length - 1] = { type: 2, asns: [...last.asns, ...s.asns] };
    else out.push(s);
  }
  return { ...m, attrs: { ...m.attrs, asPath: out } };
}

function roundTrip(ctx: CodecContext, m0: BgpMessage, join = false): void {
  const m = join ? joinSequences(m0) : m0;
  const bytes = encodeMessage(m, ctx);
  const r = decodeMessage(bytes, ctx);
  assert.ok(r.ok, r.ok ? '' : `decode failed: ${r.error.reason}`);
  assert.deepEqual(r.warnings, []);
  let want: BgpMessage = m;
  // RFC 9072: the encoder switches to extended optional parameters when they exceed 255 octets.
  if (m.type === 1 && bytes[28] === 255 && bytes[29] === 255) want = { ...m, extendedParams: true };
  assert.deepEqual(normalize(r.value), normalize(want));
}

test('round trip: decode(encode(UPDATE)) equals the UPDATE, every context', () => {
  fc.assert(fc.property(contextArb.chain((ctx) => updateArb(ctx).map((m) => [ctx, m] as const)), ([ctx, m]) => roundTrip(ctx, m)), params(1));
});

test('round trip: 4-octet ASNs over a 2-octet session come back through AS_TRANS + AS4_PATH / AS4_AGGREGATOR', () => {
  const as2 = contextArb.filter((c) => !c.as4);
  fc.assert(fc.property(as2.chain((ctx) => updateArb(ctx, true).map((m) => [ctx, m] as const)), ([ctx, m]) => roundTrip(ctx, m, true)), params(10));
});

test('round trip: OPEN', () => {
  fc.assert(fc.property(openArb, (m) => roundTrip(DEFAULT_CONTEXT, m)), params(2));
});

test('round trip: NOTIFICATION', () => {
  fc.assert(fc.property(notificationArb, (m) => roundTrip(DEFAULT_CONTEXT, m)), params(3));
});

test('round trip: ROUTE-REFRESH', () => {
  fc.assert(fc.property(routeRefreshArb, (m) => roundTrip(DEFAULT_CONTEXT, m)), params(4));
});

test('truncation at every offset: a WireError, never a throw (raw, and with the header length fixed up)', () => {
  fc.assert(
    fc.property(anyMessage, ([ctx, m]) => {
      const bytes = encodeMessage(m, ctx);
      for (let cut = 0; cut < bytes.length; cut++) {
        const part = bytes.slice(0, cut);
        const raw = decodeMessage(part, ctx);
        assert.equal(raw.ok, false, `truncated to ${cut} of ${bytes.length} bytes decoded`);
        if (!raw.ok) assertWireError(raw.error);
        if (cut < 19) continue;
        part[16] = cut >>> 8;
        part[17] = cut & 0xff;
        const fixed = decodeMessage(part, ctx);
        if (!fixed.ok) assertWireError(fixed.error);
      }
    }),
    { ...params(5), numRuns: RUNS },
  );
});

test('random bit flips never throw; errors are well-formed WireErrors', () => {
  const flips = fc.array(fc.nat(), { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(anyMessage, flips, contextArb, ([gctx, m], bits, dctx) => {
      const bytes = encodeMessage(m, gctx);
      for (const b of bits) {
        const at = (b >>> 3) % bytes.length;
        bytes[at] = (bytes[at] as number) ^ (1 << (b & 7));
      }
      for (const ctx of [gctx, dctx]) checkDecoded(decodeMessage(bytes, ctx), ctx);
    }),
    params(6),
  );
});

test('random bodies behind a valid header never throw, for every message type and context', () => {
  const body = fc.uint8Array({ maxLength: 300 });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), body, contextArb, (type, b, ctx) => {
      const frame = new Uint8Array(19 + b.length).fill(0xff, 0, 16);
      frame[16] = frame.length >>> 8;
      frame[17] = frame.length & 0xff;
      frame[18] = type;
      frame.set(b, 19);
      checkDecoded(decodeMessage(frame, ctx), ctx);
    }),
    params(7),
  );
});

test('framer yields the same frames for any split of a stream', () => {
  const stream = fc.array(anyMessage, { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(stream, fc.array(fc.nat(), { maxLength: 20 }), (msgs, cuts) => {
      const frames = msgs.map(([ctx, m]) => encodeMessage(m, ctx.extendedMessage ? { ...ctx, extendedMessage: false } : ctx));
      const all = Uint8Array.from(frames.flatMap((f) => [...f]));
      const fr = new Framer(4096);
      const got: Uint8Array[] = [];
      for (const seg of cutAt(all, cuts.map((c) => c % (all.length + 1)))) {
        fr.push(seg);
        for (let n = fr.next(); n !== null; n = fr.next()) {
          assert.ok(n.ok, n.ok ? '' : n.error.reason);
          got.push(n.value);
        }
      }
      assert.equal(fr.buffered, 0);
      assert.deepEqual(got, frames);
    }),
    params(8),
  );
});

function checkPrefix(p: Prefix): void {
  const bits = p.afi === 1 ? 32 : 128;
  assert.ok(p.len >= 0 && p.len <= bits, `prefix length ${p.len} for AFI ${p.afi}`);
  assert.equal(p.addr.length, bits / 8);
  for (let i = 0; i < p.addr.length; i++) {
    const keep = Math.max(0, Math.min(8, p.len - i * 8));
    assert.equal((p.addr[i] as number) & ~((0xff00 >> keep) & 0xff) & 0xff, 0, 'host bits set');
  }
}

/** Invariants of any decode result: never a throw, a well-formed error, bounded prefixes. */
function checkDecoded(r: Decoded<BgpMessage>, ctx: CodecContext): void {
  if (!r.ok) return assertWireError(r.error);
  for (const w of r.warnings) assertWireError(w);
  if (r.value.type !== 2) return;
  const u = r.value;
  for (const p of [...u.withdrawn, ...u.nlri, ...(u.mpReach?.nlri ?? []), ...(u.mpUnreach?.withdrawn ?? [])]) checkPrefix(p);
  assert.ok(encodeSizeOk(u, ctx));
}

/** Whatever was decoded fits the message size it came in (no amplification of NLRI). */
function encodeSizeOk(u: BgpMessage & { type: 2 }, ctx: CodecContext): boolean {
  const n = u.withdrawn.length + u.nlri.length + (u.mpReach?.nlri.length ?? 0) + (u.mpUnreach?.withdrawn.length ?? 0);
  return n <= maxMessageLength(ctx);
}

test('prefix lengths in decoded output are <= 32 / 128, host bits clear (random UPDATE bodies of prefixes)', () => {
  const plen = fc.tuple(fc.integer({ min: 0, max: 140 }), fc.uint8Array({ maxLength: 17 })).map(([l, a]) => [l, ...a]);
  fc.assert(
    fc.property(fc.array(plen, { maxLength: 6 }), fc.array(plen, { maxLength: 6 }), contextArb, (wd, nl, ctx) => {
      const withdrawn = wd.flat();
      const body = [withdrawn.length >>> 8, withdrawn.length & 0xff, ...withdrawn, 0, 0, ...nl.flat()];
      const frame = Uint8Array.of(...new Array<number>(16).fill(0xff), (19 + body.length) >>> 8, (19 + body.length) & 0xff, 2, ...body);
      checkDecoded(decodeMessage(frame, ctx), ctx);
    }),
    params(9),
  );
});
