/**
 * The bad-input catalogue (reliability.md §1.5 A-F): every test/vectors/malformed/*.vec is
 * decoded with its context and judged against its expected reaction. Message vectors run both
 * straight through decodeMessage and through Framer -> decodeMessage (the daemon's path);
 * open-check vectors add peers/negotiate.ts checkOpen; stream vectors run under several
 * segmentations. Any exception is a failure. Pure: reads only the vector files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, maxMessageLength } from '../../../../peers/wire/index.js';
import { Framer } from '../../../../peers/wire/framer.js';
import { checkOpen, type PeerExpectations } from '../../../../peers/negotiate.js';
import type { Decoded } from '../../../../peers/wire/errors.js';
import type { BgpMessage, Capability } from '../../../../peers/wire/types.js';
import type { CodecContext } from '../../../../peers/wire/context.js';
import { loadVecs, meta1, parseCtx, parseFrames, type Vec } from '../../../vectors/vec.js';
import { judge, matchOutcome } from '../../../vectors/judge.js';
import { MALFORMED_DIR } from '../../../vectors/paths.js';
import { ipv4ToU32, segmentations } from '../../../vectors/drive.js';

const vecs = loadVecs(MALFORMED_DIR);

test('catalogue holds at least 150 vectors covering tables A-F', () => {
  assert.ok(vecs.length >= 150, `only ${vecs.length} vectors`);
  const tables = new Set(vecs.map((v) => meta1(v, 'table')));
  for (const t of ['A', 'B', 'C', 'D', 'E', 'F']) assert.ok(tables.has(t), `no vector for table ${t}`);
});

/** Runs `f`, turning a throw into a recorded failure (a throw is itself a finding). */
function guarded(what: string, f: () => Decoded<BgpMessage> | string): Decoded<BgpMessage> | string {
  try {
    return f();
  } catch (e) {
    return `${what} threw: ${(e as Error)?.stack ?? String(e)}`;
  }
}

/** Framer -> decodeMessage, as the session does it. */
function viaFramer(bytes: Uint8Array, ctx: CodecContext): Decoded<BgpMessage> | string {
  const fr = new Framer(maxMessageLength(ctx));
  fr.push(bytes);
  const f = fr.next();
  if (f === null) return `framer waits for more bytes (buffered ${fr.buffered}) on a complete message`;
  if (!f.ok) return f;
  const rest = fr.next();
  if (rest !== null || fr.buffered !== 0) return `framer left ${fr.buffered} bytes after the frame`;
  return decodeMessage(f.value, ctx);
}

function peerExpectations(text: string): PeerExpectations {
  const kv = new Map(text.split(/\s+/).map((w) => [w.split('=')[0] ?? '', w.split('=')[1] ?? ''] as const));
  const localAsn = Number(kv.get('local-as'));
  const required: Capability[] = [];
  for (const r of (kv.get('require') ?? '').split(',')) {
    if (r === 'as4') required.push({ code: 65, asn: localAsn });
    if (r === 'v6') required.push({ code: 1, afi: 2, safi: 1 });
  }
  const min = kv.get('min-hold');
  return {
    localAsn,
    localBgpId: ipv4ToU32(kv.get('local-id') ?? '0.0.0.0'),
    peerAs: Number(kv.get('as')),
    ...(min === undefined ? {} : { minHoldTime: Number(min) }),
    ...(required.length ? { requiredCapabilities: required } : {}),
  };
}

function withCheckOpen(r: Decoded<BgpMessage> | string, expect: PeerExpectations): Decoded<BgpMessage> | string {
  if (typeof r === 'string' || !r.ok || r.value.type !== 1) return r;
  const err = checkOpen(r.value, expect);
  return err === null ? r : { ok: false, error: err };
}

function checkMessage(v: Vec): string[] {
  const ctx = parseCtx(meta1(v, 'ctx'));
  const peer = meta1(v, 'peer');
  const exp = peer === undefined ? null : peerExpectations(peer);
  const paths: [string, Decoded<BgpMessage> | string][] = [
    ['decodeMessage', guarded('decodeMessage', () => decodeMessage(v.bytes, ctx))],
    ['framer', guarded('framer path', () => viaFramer(v.bytes, ctx))],
  ];
  const out: string[] = [];
  for (const [name, r0] of paths) {
    const r = exp === null ? r0 : withCheckOpen(r0, exp);
    if (typeof r === 'string') out.push(`${name}: ${r}`);
    else for (const m of judge(r, v)) out.push(`${name}: ${m}`);
  }
  return out;
}

function checkStream(v: Vec): string[] {
  const ctx = parseCtx(meta1(v, 'ctx'));
  const want = parseFrames(meta1(v, 'expect') ?? '');
  const out: string[] = [];
  for (const [label, segs] of segmentations(v.bytes, meta1(v, 'split') ?? 'all')) {
    const fr = new Framer(maxMessageLength(ctx));
    let frames = 0;
    let last: Decoded<Uint8Array> | null = null;
    try {
      for (const s of segs) {
        fr.push(s);
        for (last = fr.next(); last !== null && last.ok; last = fr.next()) {
          frames++;
          const d = decodeMessage(last.value, ctx);
          if (!d.ok) out.push(`${label}: frame ${frames} does not decode: ${d.error.reason}`);
        }
        if (last !== null && !last.ok) break;
      }
    } catch (e) {
      out.push(`${label}: threw ${(e as Error)?.stack ?? String(e)}`);
      continue;
    }
    if (frames !== want.frames) out.push(`${label}: ${frames} frames, expected ${want.frames}`);
    if (want.then === 'end' && (last !== null || fr.buffered !== 0)) out.push(`${label}: stream did not end cleanly (buffered ${fr.buffered})`);
    if (want.then === 'pending' && (last !== null || fr.buffered > fr.maxLen)) out.push(`${label}: expected to wait, got ${JSON.stringify(last)}`);
    if (typeof want.then === 'object') {
      const why = last === null ? 'no error' : last.ok ? 'a frame' : matchOutcome(last as Decoded<BgpMessage>, want.then);
      if (why !== null) out.push(`${label}: expected ${meta1(v, 'expect')}, ${why}`);
    }
  }
  return out;
}

for (const v of vecs) {
  const mode = meta1(v, 'mode') ?? 'message';
  const role = /\brole=/.test(meta1(v, 'peer') ?? '');
  const skip = role ? 'checkOpen has no BGP Role (RFC 9234) expectation yet' : false;
  test(`vector ${v.name} [${meta1(v, 'table')}] ${meta1(v, 'expect')}`, { skip }, () => {
    const problems = mode === 'stream' ? checkStream(v) : checkMessage(v);
    assert.deepEqual(problems, [], `${v.name}: ${meta1(v, 'desc')}\n  ${problems.join('\n  ')}`);
  });
}
