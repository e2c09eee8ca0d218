/**
 * Real messages from BIRD 2, FRR and GoBGP (test/vectors/captures/*.hex, captured from the
 * interop scenario tests; see MANIFEST.md there) through the codec: each decodes without error or
 * warning in the context the session negotiated (4-octet AS, eBGP, the session's one family),
 * carries the fields the peer was configured to send, and encodes back to the same bytes.
 * Input: the .hex files. Pure apart from reading them.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage, encodeMessage } from '../../../../peers/wire/index.js';
import { familyKey, type CodecContext } from '../../../../peers/wire/context.js';
import { ipToString, u32ToIpv4 } from '../../../../peers/wire/ip.js';
import { prefixToString } from '../../../../peers/wire/nlri.js';
import type { BgpMessage, Capability, OpenMsg, PathAttributes, UpdateMsg } from '../../../../peers/wire/types.js';
import { hex, toHex } from '../../../support/hex.js';
import { REPO_ROOT } from '../../../vectors/paths.js';
import { expectOk } from './expect.js';

const DIR = join(REPO_ROOT, 'test', 'vectors', 'captures');
const EXT_ASN = 65001;
const RR_ASN = 4200000001;

/** Negotiated with rackrouted (which sends 4-octet AS and Extended Message), one family per session. */
function ctx(afi: 1 | 2, extendedMessage: boolean): CodecContext {
  return { as4: true, extendedMessage, addPathRx: new Set(), addPathTx: new Set(), ebgp: true, families: new Set([familyKey(afi, 1)]) };
}

/** What the eBGP peer originated (test/support/interop.ts peerRoutes('ext')), by prefix. */
interface Sent { asPath: number[]; med: number; communities: string[]; large: string[] }
const MAIN: Sent = { asPath: [EXT_ASN, EXT_ASN, 64601], med: 51, communities: ['65001:10', '65001:20'], large: ['65001:1:1', `${RR_ASN}:7:8`] };
const SECOND: Sent = { asPath: [EXT_ASN], med: 5, communities: ['65001:11'], large: [] };
const SENT: Record<string, Sent> = {
  '198.51.101.0/24': MAIN, '2001:db8:1::/48': MAIN, '203.0.111.0/24': SECOND, '2001:db8:10::/48': SECOND,
};

/** Per daemon: capability codes in the order sent, and whether a link-local next hop is added. */
const DAEMONS: Record<string, { caps: number[]; linkLocal: boolean; extendedMessage: boolean }> = {
  bird: { caps: [1, 2, 64, 65, 70, 71], linkLocal: true, extendedMessage: false },
  frr: { caps: [1, 128, 2, 70, 65, 6, 69, 73, 64, 71], linkLocal: true, extendedMessage: true },
  gobgp: { caps: [2, 73, 1, 65, 5], linkLocal: false, extendedMessage: false },
};

/**
 * Captures whose bytes our encoder does not reproduce as they are, and why; both are legitimate
 * encodings, and canonical() below turns the capture into the one form rackrouted writes.
 */
const NOT_CANONICAL: Record<string, string> = {
  // RFC 4271 §4.3: the Extended Length bit may be set on any attribute; we set it only when
  // the value needs more than 255 bytes.
  'bird-update-v6': 'Extended Length flag on a 44-byte MP_REACH_NLRI',
  'frr-update-v4': 'Extended Length flag on a 14-byte AS_PATH',
  'frr-update-v6': 'Extended Length flag on MP_REACH_NLRI and AS_PATH',
  // Attribute order is free (RFC 4271 §5); we write MP_REACH_NLRI first (RFC 7606 §5.1: SHOULD),
  // then by type code.
  'gobgp-update-v4': 'NEXT_HOP after the optional attributes',
  'gobgp-update-v6': 'MP_REACH_NLRI last',
  // RFC 5492 §4: capabilities may come in one optional parameter or one each; we write one.
  'frr-open': 'one Capabilities optional parameter per capability',
};

/**
 * An UPDATE in our encoder's form: every short attribute with a 1-byte length, MP_REACH_NLRI and
 * MP_UNREACH_NLRI first, the rest by type code (header lengths fixed up).
 */
function canonicalUpdate(m: Uint8Array): Uint8Array {
  const wlen = (m[19]! << 8) | m[20]!;
  const aStart = 23 + wlen;
  const alen = (m[aStart - 2]! << 8) | m[aStart - 1]!;
  const list: { type: number; bytes: number[] }[] = [];
  for (let at = aStart; at < aStart + alen;) {
    const flags = m[at]!;
    const ext = (flags & 0x10) !== 0;
    const len = ext ? (m[at + 2]! << 8) | m[at + 3]! : m[at + 2]!;
    const hdr = ext ? 4 : 3;
    const value = [...m.subarray(at + hdr, at + hdr + len)];
    const bytes = ext && len < 256 ? [flags & ~0x10, m[at + 1]!, len, ...value] : [...m.subarray(at, at + hdr + len)];
    list.push({ type: m[at + 1]!, bytes });
    at += hdr + len;
  }
  const rank = (t: number): number => (t === 14 ? -2 : t === 15 ? -1 : t);
  const attrs = list.sort((a, b) => rank(a.type) - rank(b.type)).flatMap((a) => a.bytes);
  const body = [...m.subarray(19, 21 + wlen), attrs.length >> 8, attrs.length & 0xff, ...attrs, ...m.subarray(aStart + alen)];
  return withHeader(m[18]!, body);
}

/** An OPEN with all Capabilities optional parameters merged into one. */
function oneCapabilityParam(m: Uint8Array): Uint8Array {
  const caps: number[] = [];
  const other: number[] = [];
  for (let at = 29; at < 29 + m[28]!;) {
    const [type, len] = [m[at]!, m[at + 1]!];
    (type === 2 ? caps : other).push(...(type === 2 ? m.subarray(at + 2, at + 2 + len) : m.subarray(at, at + 2 + len)));
    at += 2 + len;
  }
  const params = [...(caps.length ? [2, caps.length, ...caps] : []), ...other];
  return withHeader(1, [...m.subarray(19, 28), params.length, ...params]);
}

function withHeader(type: number, body: number[]): Uint8Array {
  const len = 19 + body.length;
  return Uint8Array.from([...Array<number>(16).fill(0xff), len >> 8, len & 0xff, type, ...body]);
}

function canonical(m: Uint8Array): Uint8Array {
  return m[18] === 1 ? oneCapabilityParam(m) : canonicalUpdate(m);
}

function load(file: string): Uint8Array {
  return hex(readFileSync(join(DIR, file), 'utf8'));
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.hex')).sort();

function decode(bytes: Uint8Array, c: CodecContext): BgpMessage {
  const d = decodeMessage(bytes, c);
  const msg = expectOk(d);
  assert.deepEqual(d.ok ? d.warnings : [], [], 'no RFC 7606 warnings');
  return msg;
}

function checkAttrs(a: PathAttributes, sent: Sent): void {
  assert.equal(a.origin, 0, 'ORIGIN IGP');
  assert.deepEqual(a.asPath, [{ type: 2, asns: sent.asPath }], 'AS_PATH');
  assert.equal(a.med, sent.med, 'MED');
  assert.equal(a.localPref, undefined, 'no LOCAL_PREF on eBGP');
  assert.deepEqual((a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`).sort(), [...sent.communities].sort(), 'COMMUNITIES');
  assert.deepEqual((a.largeCommunities ?? []).map((l) => l.join(':')).sort(), [...sent.large].sort(), 'LARGE_COMMUNITY');
  assert.equal(a.unknown, undefined, 'no unknown attributes');
}

function checkOpen(daemon: string, m: OpenMsg): void {
  assert.equal(m.version, 4);
  assert.equal(m.myAs, EXT_ASN);
  assert.equal(m.holdTime, 3);
  assert.equal(u32ToIpv4(m.bgpId), '192.0.2.1');
  assert.deepEqual(m.capabilities.map((c) => c.code), DAEMONS[daemon]?.caps, 'capability codes in order');
  const find = <C extends Capability['code']>(code: C): Extract<Capability, { code: C }> | undefined =>
    m.capabilities.find((c) => c.code === code) as Extract<Capability, { code: C }> | undefined;
  assert.deepEqual(find(1), { code: 1, afi: 1, safi: 1 }, 'multiprotocol IPv4 unicast only');
  assert.deepEqual(find(65), { code: 65, asn: EXT_ASN }, '4-octet AS');
}

describe('real captures from BIRD, FRR and GoBGP', () => {
  it('has an OPEN, an IPv4 UPDATE and an IPv6 UPDATE for each daemon', () => {
    for (const d of Object.keys(DAEMONS)) {
      for (const kind of ['open', 'update-v4', 'update-v6']) {
        assert.equal(files.filter((f) => f.startsWith(`${d}-`) && f.endsWith(`-${kind}.hex`)).length, 1, `${d} ${kind}`);
      }
    }
  });

  for (const file of files) {
    const [daemon = '', , kind = ''] = /^([a-z]+)-([\d.]+)-(.+)\.hex$/.exec(file)?.slice(1) ?? [];
    const spec = DAEMONS[daemon];
    it(`${file}: decodes to what ${daemon} was told to send, and re-encodes to the same bytes (or their canonical form)`, () => {
      assert.ok(spec, `unknown daemon in ${file}`);
      const bytes = load(file);
      const c = ctx(kind === 'update-v6' ? 2 : 1, spec.extendedMessage);
      const msg = decode(bytes, c);
      if (kind === 'open') {
        assert.equal(msg.type, 1);
        checkOpen(daemon, msg as OpenMsg);
      } else {
        assert.equal(msg.type, 2);
        const u = msg as UpdateMsg;
        assert.deepEqual(u.withdrawn, []);
        assert.equal(u.mpUnreach, undefined);
        const nlri = kind === 'update-v4' ? u.nlri : (u.mpReach?.nlri ?? []);
        assert.equal(nlri.length, 1, 'one prefix per UPDATE (each route has its own attributes)');
        const prefix = prefixToString(nlri[0]!);
        const sent = SENT[prefix];
        assert.ok(sent, `unexpected prefix ${prefix}`);
        checkAttrs(u.attrs, sent);
        if (kind === 'update-v4') {
          assert.equal(u.mpReach, undefined);
          assert.equal(ipToString(u.attrs.nextHop ?? new Uint8Array()), '10.0.1.2', 'NEXT_HOP');
        } else {
          assert.deepEqual(u.nlri, []);
          assert.equal(u.attrs.nextHop, undefined, 'no NEXT_HOP attribute with MP_REACH only');
          assert.equal(u.mpReach?.afi, 2);
          assert.equal(u.mpReach?.safi, 1);
          assert.equal(ipToString(u.mpReach.nextHop.global), 'fd00:1::2', 'global next hop');
          const ll = u.mpReach.nextHop.linkLocal;
          assert.equal(ll !== undefined, spec.linkLocal, 'link-local next hop present');
          if (ll) assert.match(ipToString(ll), /^fe80::/);
        }
      }
      const why = NOT_CANONICAL[`${daemon}-${kind}`];
      const canon = canonical(bytes);
      assert.equal(toHex(canon) !== toHex(bytes), why !== undefined, `capture differs from our canonical form${why ? ` (${why})` : ''}`);
      assert.equal(toHex(encodeMessage(msg, c)), toHex(canon), `re-encoded bytes${why ? ` (capture has: ${why})` : ''}`);
      // The canonical form decodes to the same message.
      assert.deepEqual(decode(canon, c), msg, 'canonical form decodes the same');
    });
  }
});
