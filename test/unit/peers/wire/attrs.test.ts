/**
 * Path attributes: exact-byte golden vectors both ways for every attribute rackroute reads and
 * writes, RFC 6793 AS4 handling on a 2-octet session, Extended Length, and encode order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeAttributes, encodeAttributes } from '../../../../peers/wire/attrs.js';
import type { CodecContext } from '../../../../peers/wire/context.js';
import type { MpReach, MpUnreach, PathAttributes } from '../../../../peers/wire/types.js';
import { ByteWriter } from '../../../../peers/wire/writer.js';
import { AS2, EBGP, IBGP, hex, toHex } from './update-fixtures.js';

interface Vector {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly attrs: PathAttributes;
  readonly ctx?: CodecContext;
}

const ip = (a: number, b: number, c: number, d: number): Uint8Array => new Uint8Array([a, b, c, d]);

const VECTORS: Vector[] = [
  { name: 'ORIGIN INCOMPLETE', bytes: hex`40 01 01 02`, attrs: { origin: 2 } },
  {
    name: 'AS_PATH, 4-octet session',
    bytes: hex`40 02 0a  02 02 0000fde9 fa56ea01   # AS_SEQUENCE 65001 4200000001`,
    attrs: { asPath: [{ type: 2, asns: [65001, 4200000001] }] },
  },
  {
    name: 'AS_PATH + AS4_PATH, 2-octet session (RFC 6793 §4.2.2 / §4.2.3)',
    bytes: hex`
      40 02 06  02 02 fde9 5ba0               # AS_PATH 65001 AS_TRANS
      c0 11 0a  02 02 0000fde9 fa56ea01       # AS4_PATH 65001 4200000001`,
    attrs: { asPath: [{ type: 2, asns: [65001, 4200000001] }] },
    ctx: AS2,
  },
  { name: 'NEXT_HOP 192.0.2.1', bytes: hex`40 03 04 c0000201`, attrs: { nextHop: ip(192, 0, 2, 1) } },
  { name: 'MULTI_EXIT_DISC 100', bytes: hex`80 04 04 00000064`, attrs: { med: 100 } },
  { name: 'MULTI_EXIT_DISC 0xffffffff', bytes: hex`80 04 04 ffffffff`, attrs: { med: 0xffffffff } },
  { name: 'LOCAL_PREF 200 (iBGP)', bytes: hex`40 05 04 000000c8`, attrs: { localPref: 200 }, ctx: IBGP },
  { name: 'ATOMIC_AGGREGATE', bytes: hex`40 06 00`, attrs: { atomicAggregate: true } },
  {
    name: 'AGGREGATOR, 4-octet session',
    bytes: hex`c0 07 08 0000fde9 c0000201`,
    attrs: { aggregator: { asn: 65001, address: 0xc0000201 } },
  },
  {
    name: 'AGGREGATOR AS_TRANS + AS4_AGGREGATOR, 2-octet session',
    bytes: hex`
      c0 07 06 5ba0 c0000201          # AGGREGATOR AS_TRANS 192.0.2.1
      c0 12 08 fa56ea01 c0000201      # AS4_AGGREGATOR 4200000001 192.0.2.1`,
    attrs: { aggregator: { asn: 4200000001, address: 0xc0000201 } },
    ctx: AS2,
  },
  {
    name: 'COMMUNITIES 65000:1 NO_EXPORT',
    bytes: hex`c0 08 08 fde80001 ffffff01`,
    attrs: { communities: [0xfde80001, 0xffffff01] },
  },
  { name: 'ORIGINATOR_ID (iBGP)', bytes: hex`80 09 04 c0000201`, attrs: { originatorId: 0xc0000201 }, ctx: IBGP },
  {
    name: 'CLUSTER_LIST (iBGP)',
    bytes: hex`80 0a 08 01010101 fe000001`,
    attrs: { clusterList: [0x01010101, 0xfe000001] },
    ctx: IBGP,
  },
  {
    name: 'EXTENDED_COMMUNITIES route target 65001:100',
    bytes: hex`c0 10 08 0002 fde9 00000064`,
    attrs: { extCommunities: [hex`0002fde900000064`] },
  },
  {
    name: 'LARGE_COMMUNITY 4200000001:1:2',
    bytes: hex`c0 20 0c fa56ea01 00000001 00000002`,
    attrs: { largeCommunities: [[4200000001, 1, 2]] },
  },
  { name: 'OTC 65001 (RFC 9234)', bytes: hex`c0 23 04 0000fde9`, attrs: { otc: 65001 } },
  {
    name: 'unknown optional transitive: kept, re-sent with Partial',
    bytes: hex`e0 fe 02 abcd`,
    attrs: { unknown: [{ flags: 0xe0, type: 0xfe, value: hex`abcd` }] },
  },
];

function encodeBlock(attrs: PathAttributes, ctx: CodecContext, mpReach?: MpReach, mpUnreach?: MpUnreach): string {
  const w = new ByteWriter();
  encodeAttributes(w, attrs, ctx, mpReach, mpUnreach);
  return toHex(w.finish());
}

for (const v of VECTORS) {
  test(`golden: ${v.name}`, () => {
    const ctx = v.ctx ?? EBGP;
    const d = decodeAttributes(v.bytes, ctx);
    assert.equal(d.fatal, undefined);
    assert.deepEqual(d.warnings, []);
    assert.deepEqual(d.attrs, v.attrs);
    assert.equal(encodeBlock(v.attrs, ctx), toHex(v.bytes));
  });
}

test('golden: MP_REACH_NLRI IPv6 with global next hop', () => {
  const bytes = hex`
    80 0e 1e  0002 01              # MP_REACH_NLRI len 30, AFI 2 SAFI 1
    10 20010db8 00000000 00000000 00000001   # next hop 2001:db8::1
    00                             # reserved
    40 fd000001 00000000           # fd00:1::/64`;
  const d = decodeAttributes(bytes, EBGP);
  assert.equal(d.fatal, undefined);
  const mp = d.mpReach ?? assert.fail('no mpReach');
  assert.equal(mp.afi, 2);
  assert.equal(toHex(mp.nextHop.global), '20010db8000000000000000000000001');
  assert.equal(mp.nextHop.linkLocal, undefined);
  assert.equal(mp.nlri.length, 1);
  assert.equal(encodeBlock({}, EBGP, mp), toHex(bytes));
});

test('golden: MP_UNREACH_NLRI IPv6', () => {
  const bytes = hex`80 0f 0c  0002 01  40 fd000001 00000000`;
  const d = decodeAttributes(bytes, EBGP);
  const mp = d.mpUnreach ?? assert.fail('no mpUnreach');
  assert.deepEqual([mp.afi, mp.safi, mp.withdrawn.length], [2, 1, 1]);
  assert.equal(encodeBlock({}, EBGP, undefined, mp), toHex(bytes));
});

test('attributes longer than 255 octets use Extended Length (and decode either way)', () => {
  const communities = Array.from({ length: 70 }, (_, i) => 0xfde80000 + i);
  const out = encodeBlock({ communities }, EBGP);
  assert.equal(out.slice(0, 8), 'd0080118'); // flags 0xd0 (O|T|E), type 8, length 280
  const d = decodeAttributes(hex(out), EBGP);
  assert.deepEqual(d.attrs.communities, communities);
  // Extended Length on a short attribute is valid.
  assert.equal(decodeAttributes(hex`50 01 0001 00`, EBGP).attrs.origin, 0);
});

test('encode order: MP_REACH, MP_UNREACH first (RFC 7606 §5.1), then by type, unknown interleaved', () => {
  const mpReach: MpReach = { afi: 2, safi: 1, nextHop: { global: new Uint8Array(16) }, nlri: [] };
  const mpUnreach: MpUnreach = { afi: 2, safi: 1, withdrawn: [] };
  const attrs: PathAttributes = {
    otc: 1,
    origin: 0,
    communities: [1],
    asPath: [],
    unknown: [
      { flags: 0xc0, type: 0xfe, value: hex`01` },
      { flags: 0xc0, type: 9, value: hex`02` },
    ],
  };
  const w = new ByteWriter();
  encodeAttributes(w, attrs, IBGP, mpReach, mpUnreach);
  const types: number[] = [];
  const b = w.finish();
  for (let i = 0; i < b.length; ) {
    const flags = b[i] as number;
    types.push(b[i + 1] as number);
    i += flags & 0x10 ? 4 + (((b[i + 2] as number) << 8) | (b[i + 3] as number)) : 3 + (b[i + 2] as number);
  }
  assert.deepEqual(types, [14, 15, 1, 2, 8, 9, 35, 0xfe]);
});
