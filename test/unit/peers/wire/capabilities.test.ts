/**
 * RFC 5492 capabilities: golden bytes for every known code, round trips, length errors (2/0),
 * unknown codes kept as bytes. Triples are written as code, length, value.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CAPABILITIES,
  decodeCapabilities,
  decodeCapability,
  encodeCapabilities,
  truncate,
} from '../../../../peers/wire/capabilities.js';
import type { Capability } from '../../../../peers/wire/types.js';
import { hex, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

/** Golden vectors: [name, capability triple bytes, decoded value]. Each must round-trip exactly. */
const GOLDEN: [string, Uint8Array, Capability][] = [
  ['MP IPv4 unicast', hex`01 04  0001 00 01   # AFI 1, reserved, SAFI 1`, { code: 1, afi: 1, safi: 1 }],
  ['MP IPv6 unicast', hex`01 04  0002 00 01`, { code: 1, afi: 2, safi: 1 }],
  ['MP IPv4 multicast', hex`01 04  0001 00 02`, { code: 1, afi: 1, safi: 2 }],
  ['MP IPv6 MPLS VPN', hex`01 04  0002 00 80   # SAFI 128`, { code: 1, afi: 2, safi: 128 }],
  ['route refresh', hex`02 00`, { code: 2 }],
  [
    'extended next hop, IPv4 unicast over IPv6',
    hex`05 06  0001 0001 0002   # NLRI AFI 1, NLRI SAFI 1 (2 octets), next-hop AFI 2`,
    { code: 5, entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }] },
  ],
  [
    'extended next hop, two entries',
    hex`05 0c  0001 0001 0002  0001 0080 0002   # IPv4 unicast, IPv4 VPN`,
    {
      code: 5,
      entries: [
        { afi: 1, safi: 1, nextHopAfi: 2 },
        { afi: 1, safi: 128, nextHopAfi: 2 },
      ],
    },
  ],
  ['extended message', hex`06 00`, { code: 6 }],
  ['role customer', hex`09 01  03   # RFC 9234 role 3 = Customer`, { code: 9, role: 3 }],
  ['role peer', hex`09 01  04`, { code: 9, role: 4 }],
  [
    'graceful restart, restarting, 120 s, IPv4 unicast with F',
    hex`40 06  8078   # R=1 N=0, time 0x078 = 120
                0001 01 80   # IPv4 unicast, F=1`,
    { code: 64, restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] },
  ],
  [
    'graceful restart, N bit, 4095 s, two families',
    hex`40 0a  4fff   # R=0 N=1, time 4095
                0001 01 00  0002 01 80`,
    {
      code: 64,
      restarting: false,
      notification: true,
      restartTime: 4095,
      families: [
        { afi: 1, safi: 1, forwardingState: false },
        { afi: 2, safi: 1, forwardingState: true },
      ],
    },
  ],
  [
    'graceful restart, helper only (no families)',
    hex`40 02  005a   # time 90`,
    { code: 64, restarting: false, notification: false, restartTime: 90, families: [] },
  ],
  ['4-octet AS 65001', hex`41 04  0000fde9`, { code: 65, asn: 65001 }],
  ['4-octet AS 4200000000 (unsigned)', hex`41 04  fa56ea00`, { code: 65, asn: 4200000000 }],
  ['4-octet AS 2882400018 (FRR vector)', hex`41 04  abcdef12`, { code: 65, asn: 2882400018 }],
  [
    'ADD-PATH IPv4 unicast send+receive',
    hex`45 04  0001 01 03   # AFI 1, SAFI 1, both`,
    { code: 69, families: [{ afi: 1, safi: 1, mode: 3 }] },
  ],
  [
    'ADD-PATH two families',
    hex`45 08  0001 01 01  0002 01 02   # IPv4 receive, IPv6 send`,
    {
      code: 69,
      families: [
        { afi: 1, safi: 1, mode: 1 },
        { afi: 2, safi: 1, mode: 2 },
      ],
    },
  ],
  ['enhanced route refresh', hex`46 00`, { code: 70 }],
  [
    'FQDN node-a.dc1',
    hex`49 0b  06 6e6f64652d61   # hostname "node-a"
                03 646331         # domain "dc1"`,
    { code: 73, hostname: 'node-a', domain: 'dc1' },
  ],
  ['FQDN with empty domain', hex`49 08  06 6e6f64652d61  00`, { code: 73, hostname: 'node-a', domain: '' }],
  ['FQDN both empty', hex`49 02  00 00`, { code: 73, hostname: '', domain: '' }],
  ['unknown 128 (pre-standard route refresh)', hex`80 00`, { code: 128, value: new Uint8Array(0), unknown: true }],
  [
    'unknown 71 (LLGR, not decoded here)',
    hex`47 07  0001 01 80 000e10`,
    { code: 71, value: hex`0001 01 80 000e10`, unknown: true },
  ],
  ['unknown 66 (dynamic)', hex`42 00`, { code: 66, value: new Uint8Array(0), unknown: true }],
  ['unknown 3 (ORF)', hex`03 07  0001 00 01 01 40 03`, { code: 3, value: hex`0001 00 01 01 40 03`, unknown: true }],
];

describe('capability golden vectors', () => {
  for (const [name, bytes, value] of GOLDEN) {
    it(`decodes ${name}`, () => {
      assert.deepEqual(expectOk(decodeCapabilities(bytes)), [value]);
    });
    it(`encodes ${name}`, () => {
      assert.equal(toHex(encodeCapabilities([value])), toHex(bytes));
    });
  }

  it('decodes and re-encodes all of them as one list', () => {
    const all = new Uint8Array(GOLDEN.reduce((n, [, b]) => n + b.length, 0));
    let at = 0;
    for (const [, b] of GOLDEN) {
      all.set(b, at);
      at += b.length;
    }
    const caps = expectOk(decodeCapabilities(all));
    assert.deepEqual(caps, GOLDEN.map(([, , v]) => v));
    assert.equal(toHex(encodeCapabilities(caps)), toHex(all));
  });

  it('has a descriptor for every capability this codec decodes', () => {
    assert.deepEqual(
      Object.keys(CAPABILITIES).map(Number).sort((a, b) => a - b),
      [1, 2, 5, 6, 9, 64, 65, 69, 70, 73],
    );
  });
});

describe('capability decoding details', () => {
  it('MP ignores the reserved octet (RFC 4760 §8)', () => {
    assert.deepEqual(expectOk(decodeCapability(1, hex`0001 ff 01`)), { code: 1, afi: 1, safi: 1 });
  });

  it('GR masks the reserved flag bits and per-family flags other than F (FRR vector)', () => {
    const caps = expectOk(
      decodeCapabilities(hex`40 0e  f112   # R, N and two reserved bits; time 0x112 = 274
                                   0001 01 0f   # flags without F
                                   0002 01 00
                                   0002 02 01`),
    );
    assert.deepEqual(caps, [
      {
        code: 64,
        restarting: true,
        notification: true,
        restartTime: 274,
        families: [
          { afi: 1, safi: 1, forwardingState: false },
          { afi: 2, safi: 1, forwardingState: false },
          { afi: 2, safi: 2, forwardingState: false },
        ],
      },
    ]);
  });

  it('ADD-PATH with a Send/Receive value outside 1..3 is kept as unknown (RFC 7911 §4: ignored)', () => {
    for (const v of ['00', '04', 'ff']) {
      const value = hex(`0001 01 ${v}`);
      assert.deepEqual(expectOk(decodeCapability(69, value)), { code: 69, value, unknown: true });
    }
  });

  it('FQDN keeps going past trailing bytes after the domain (as FRR does)', () => {
    assert.deepEqual(expectOk(decodeCapability(73, hex`01 61  01 62  ff`)), { code: 73, hostname: 'a', domain: 'b' });
  });

  it('unknown capability values are copies, not views of the message', () => {
    const msg = hex`99 02 abcd`;
    const [cap] = expectOk(decodeCapabilities(msg));
    msg.fill(0);
    assert.deepEqual(cap, { code: 0x99, value: hex`abcd`, unknown: true });
  });

  it('decoding from a Node Buffer gives plain Uint8Array copies', () => {
    const buf = Buffer.from(hex`99 02 abcd  41 04 0000fde9`);
    const caps = expectOk(decodeCapabilities(buf));
    buf.fill(0);
    assert.deepEqual(caps, [
      { code: 0x99, value: hex`abcd`, unknown: true },
      { code: 65, asn: 65001 },
    ]);
  });

  it('an empty list is fine', () => {
    assert.deepEqual(expectOk(decodeCapabilities(new Uint8Array(0))), []);
  });
});

describe('malformed capabilities → 2/0 (Unspecific), session reset', () => {
  const cases: [string, Uint8Array][] = [
    ['MP length 0 (FRR MP-empty)', hex`01 00`],
    ['MP length 2 (FRR MP-short)', hex`01 02  0001`],
    ['MP length 5', hex`01 05  0001 00 01 00`],
    ['route refresh with 2 bytes of padding', hex`02 02  0000`],
    ['extended next hop length 4', hex`05 04  0001 0001`],
    ['extended next hop length 7', hex`05 07  0001 0001 0002 00`],
    ['extended message length 1', hex`06 01  00`],
    ['role length 0', hex`09 00`],
    ['role length 2', hex`09 02  0303`],
    ['GR length 0 (FRR GR-empty)', hex`40 00`],
    ['GR length 1', hex`40 01  80`],
    ['GR length 4', hex`40 04  0078 0001`],
    ['GR length 7', hex`40 07  0078 0001 01 80 00`],
    ['4-octet AS length 0 (FRR AS4-empty)', hex`41 00`],
    ['4-octet AS length 3', hex`41 03  00fde9`],
    ['4-octet AS length 5', hex`41 05  0000fde9 00`],
    ['ADD-PATH length 3', hex`45 03  0001 01`],
    ['ADD-PATH length 6', hex`45 06  0001 01 03 0002`],
    ['enhanced route refresh length 1', hex`46 01  00`],
    ['FQDN length 0', hex`49 00`],
    ['FQDN hostname overruns', hex`49 03  05 6162`],
    ['FQDN without domain length octet', hex`49 02  01 61`],
    ['FQDN domain overruns', hex`49 05  01 61  05 62`],
    ['header only one byte (FRR caphdr, truncated)', hex`01`],
    ['length runs past the list (FRR nodata)', hex`01 0a`],
    ['MP length 6 past the list (FRR MP-overflow)', hex`01 06  0001 00 01`],
    ['unknown code whose length runs past the list', hex`80 01`],
    ['good capability followed by a truncated one', hex`02 00  41 04 0000`],
  ];
  for (const [name, bytes] of cases) {
    it(name, () => expectError(decodeCapabilities(bytes), 2, 0, ''));
  }
});

describe('capability encoding', () => {
  it('restart time is cut to 12 bits', () => {
    const bytes = encodeCapabilities([{ code: 64, restarting: false, notification: false, restartTime: 0x1fff, families: [] }]);
    assert.equal(toHex(bytes), '40020fff');
  });

  it('FQDN names too long for one capability are cut at a character boundary', () => {
    const bytes = encodeCapabilities([{ code: 73, hostname: 'é'.repeat(200), domain: 'example' }]);
    assert.equal(bytes[1], 255); // value: 1 + 252 + 1 + 1
    assert.equal(bytes[2], 252);
    assert.deepEqual(expectOk(decodeCapabilities(bytes)), [{ code: 73, hostname: 'é'.repeat(126), domain: 'e' }]);
    const both = encodeCapabilities([{ code: 73, hostname: 'h'.repeat(250), domain: 'example' }]);
    assert.equal(both[1], 255);
    assert.deepEqual(expectOk(decodeCapabilities(both)), [{ code: 73, hostname: 'h'.repeat(250), domain: 'exa' }]);
  });

  it('a value over 255 bytes is a caller bug (RangeError)', () => {
    assert.throws(() => encodeCapabilities([{ code: 200, value: new Uint8Array(256), unknown: true }]), RangeError);
  });

  it('truncate never splits a UTF-8 character', () => {
    const bytes = new TextEncoder().encode('aé€'); // 61 c3a9 e282ac
    assert.equal(toHex(truncate(bytes, 6)), '61c3a9e282ac');
    assert.equal(toHex(truncate(bytes, 5)), '61c3a9');
    assert.equal(toHex(truncate(bytes, 4)), '61c3a9');
    assert.equal(toHex(truncate(bytes, 2)), '61');
    assert.equal(toHex(truncate(bytes, 0)), '');
  });
});
