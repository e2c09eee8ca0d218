/**
 * OPEN (RFC 4271 §4.2, RFC 5492, RFC 9072): golden bytes, round trips, and the malformed shapes
 * behind CVE-2022-40302/40318/43681 and FRR's capability tests.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOpen, encodeOpen } from '../../../../peers/wire/open.js';
import { decodeHeader } from '../../../../peers/wire/header.js';
import type { Capability, OpenMsg } from '../../../../peers/wire/types.js';
import { hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

/** Decode a whole OPEN message the way decodeMessage does: header first, then the body. */
function decodeFrame(frame: Uint8Array) {
  const h = expectOk(decodeHeader(frame, 4096));
  assert.equal(h.length, frame.length, 'vector length field matches its size');
  assert.equal(h.type, 1);
  return decodeOpen(frame.subarray(19));
}

/** All capabilities in one optional parameter, as BIRD 2 writes them. */
const BIRD_STYLE = hex`
  ${MARKER} 0043 01      # length 67, OPEN
  04                     # version 4
  fde9                   # my AS 65001
  00f0                   # hold time 240
  0a000001               # BGP identifier 10.0.0.1
  26                     # optional parameters length 38
  02 24                  # parameter 2 (capabilities), 36 bytes
    01 04 0001 00 01     # MP IPv4 unicast
    01 04 0002 00 01     # MP IPv6 unicast
    02 00                # route refresh
    06 00                # extended message
    40 0a 0078           # graceful restart, time 120
          0001 01 00     #   IPv4 unicast
          0002 01 00     #   IPv6 unicast
    41 04 0000fde9       # 4-octet AS 65001
    46 00                # enhanced route refresh
`;
const BIRD_CAPS: Capability[] = [
  { code: 1, afi: 1, safi: 1 },
  { code: 1, afi: 2, safi: 1 },
  { code: 2 },
  { code: 6 },
  {
    code: 64,
    restarting: false,
    notification: false,
    restartTime: 120,
    families: [
      { afi: 1, safi: 1, forwardingState: false },
      { afi: 2, safi: 1, forwardingState: false },
    ],
  },
  { code: 65, asn: 65001 },
  { code: 70 },
];
const BIRD_MSG: OpenMsg = { type: 1, version: 4, myAs: 65001, holdTime: 240, bgpId: 0x0a000001, capabilities: BIRD_CAPS };

/** One capability per optional parameter (FRR test_capability.c "AS4real2" parameter block). */
const SINGLETS = hex`
  ${MARKER} 0057 01      # length 87, OPEN
  04 5ba0 00b4           # version 4, my AS 23456 (AS_TRANS), hold 180
  c0000201               # BGP identifier 192.0.2.1
  3a                     # optional parameters length 58
  02 06 01 04 0001 00 01             # MP IPv4 unicast
  02 06 01 04 0002 00 01             # MP IPv6 unicast
  02 02 80 00                        # 128: pre-standard route refresh
  02 02 02 00                        # route refresh
  02 06 41 04 0000fc03               # 4-octet AS 64515
  02 09 82 07 0001 00 01 01 80 03    # 130: pre-standard ORF
  02 09 03 07 0001 00 01 01 40 03    # 3: ORF
  02 02 42 00                        # 66: dynamic capability
`;
const SINGLETS_MSG: OpenMsg = {
  type: 1,
  version: 4,
  myAs: 23456,
  holdTime: 180,
  bgpId: 0xc0000201,
  capabilities: [
    { code: 1, afi: 1, safi: 1 },
    { code: 1, afi: 2, safi: 1 },
    { code: 128, value: new Uint8Array(0), unknown: true },
    { code: 2 },
    { code: 65, asn: 64515 },
    { code: 130, value: hex`0001 00 01 01 80 03`, unknown: true },
    { code: 3, value: hex`0001 00 01 01 40 03`, unknown: true },
    { code: 66, value: new Uint8Array(0), unknown: true },
  ],
};

/** RFC 9072 extended optional parameters. */
const EXTENDED = hex`
  ${MARKER} 002f 01      # length 47, OPEN
  04 fde9 00b4           # version 4, AS 65001, hold 180
  0a000002               # BGP identifier 10.0.0.2
  ff                     # Non-Ext OP Len 255
  ff                     # Non-Ext OP Type 255: extended format
  000f                   # Extended Opt. Parm. Length 15
  02 000c                # parameter 2, 2-octet length 12
    01 04 0001 00 01     # MP IPv4 unicast
    41 04 0000fde9       # 4-octet AS 65001
`;
const EXTENDED_MSG: OpenMsg = {
  type: 1,
  version: 4,
  myAs: 65001,
  holdTime: 180,
  bgpId: 0x0a000002,
  capabilities: [
    { code: 1, afi: 1, safi: 1 },
    { code: 65, asn: 65001 },
  ],
  extendedParams: true,
};

const NO_PARAMS = hex`
  ${MARKER} 001d 01      # length 29, OPEN
  04 fde9 005a 0a000003  # version 4, AS 65001, hold 90, id 10.0.0.3
  00                     # no optional parameters
`;

describe('OPEN golden vectors', () => {
  it('decodes a BIRD-style OPEN (all capabilities in one parameter)', () => {
    assert.deepEqual(expectOk(decodeFrame(BIRD_STYLE)), BIRD_MSG);
  });

  it('encodes it byte for byte', () => {
    assert.equal(toHex(encodeOpen(BIRD_MSG)), toHex(BIRD_STYLE));
  });

  it('decodes one capability per parameter, with unknown vendor capabilities kept', () => {
    assert.deepEqual(expectOk(decodeFrame(SINGLETS)), SINGLETS_MSG);
  });

  it('re-encodes the singlets OPEN into one parameter that decodes to the same value', () => {
    const bytes = encodeOpen(SINGLETS_MSG);
    assert.equal(bytes.length, SINGLETS.length - 14, 'seven parameter headers fewer');
    assert.equal(toHex(bytes.subarray(29, 31)), '022a', 'one parameter of 42 bytes');
    assert.deepEqual(expectOk(decodeFrame(bytes)), SINGLETS_MSG);
  });

  it('decodes the RFC 9072 extended format', () => {
    assert.deepEqual(expectOk(decodeFrame(EXTENDED)), EXTENDED_MSG);
  });

  it('encodes the RFC 9072 extended format when asked', () => {
    assert.equal(toHex(encodeOpen(EXTENDED_MSG)), toHex(EXTENDED));
  });

  it('decodes several parameters in the extended format', () => {
    const bytes = hex`
      ${MARKER} 0032 01  04 fde9 00b4 0a000002
      ff ff 0012                  # extended, 18 bytes
      02 0006 01 04 0001 00 01    # MP IPv4 unicast
      02 0006 41 04 0000fde9      # 4-octet AS 65001
    `;
    assert.deepEqual(expectOk(decodeFrame(bytes)), EXTENDED_MSG);
  });

  it('decodes and encodes an OPEN without optional parameters', () => {
    const msg: OpenMsg = { type: 1, version: 4, myAs: 65001, holdTime: 90, bgpId: 0x0a000003, capabilities: [] };
    assert.deepEqual(expectOk(decodeFrame(NO_PARAMS)), msg);
    assert.equal(toHex(encodeOpen(msg)), toHex(NO_PARAMS));
  });

  it('decodes from a Node Buffer (socket bytes) to the same plain values', () => {
    assert.deepEqual(expectOk(decodeFrame(Buffer.from(SINGLETS))), SINGLETS_MSG);
  });

  it('decodes version, AS, hold time and identifier as they are (no judging here)', () => {
    const msg = expectOk(decodeOpen(hex`03  0000  0001  ffffffff  00`));
    assert.deepEqual(msg, { type: 1, version: 3, myAs: 0, holdTime: 1, bgpId: 0xffffffff, capabilities: [] });
  });

  it('accepts empty capability parameters and repeated capabilities', () => {
    const msg = expectOk(decodeOpen(hex`04 fde9 00b4 0a000001  08  02 00  02 04 0200 0200`));
    assert.deepEqual(msg.capabilities, [{ code: 2 }, { code: 2 }]);
  });
});

describe('OPEN encoding', () => {
  it('switches to the RFC 9072 format when the capabilities exceed 253 bytes', () => {
    const caps: Capability[] = Array.from({ length: 50 }, (_, i) => ({ code: 1, afi: 1, safi: i + 1 }));
    const bytes = encodeOpen({ ...BIRD_MSG, capabilities: caps });
    assert.equal(toHex(bytes.subarray(28, 33)), `ffff${(3 + 300).toString(16).padStart(4, '0')}02`);
    assert.deepEqual(expectOk(decodeFrame(bytes)), { ...BIRD_MSG, capabilities: caps, extendedParams: true });
  });

  it('keeps the RFC 4271 format at exactly 255 bytes of parameters (first type is 2, not 255)', () => {
    const caps: Capability[] = [{ code: 200, value: new Uint8Array(251).fill(7), unknown: true }];
    const bytes = encodeOpen({ ...BIRD_MSG, capabilities: caps });
    assert.equal(toHex(bytes.subarray(28, 31)), 'ff02fd');
    assert.equal(bytes.length, 29 + 255);
    assert.deepEqual(expectOk(decodeFrame(bytes)), { ...BIRD_MSG, capabilities: caps });
  });

  it('uses the RFC 9072 format one byte later', () => {
    const caps: Capability[] = [
      { code: 200, value: new Uint8Array(251), unknown: true },
      { code: 2 },
    ];
    const bytes = encodeOpen({ ...BIRD_MSG, capabilities: caps });
    assert.equal(toHex(bytes.subarray(28, 33)), 'ffff010202');
    assert.deepEqual(expectOk(decodeFrame(bytes)), { ...BIRD_MSG, capabilities: caps, extendedParams: true });
  });

  it('round-trips every golden message', () => {
    for (const m of [BIRD_MSG, SINGLETS_MSG, EXTENDED_MSG]) assert.deepEqual(expectOk(decodeFrame(encodeOpen(m))), m);
  });

  it('writes otherParams after the capabilities (for tests of peers that send them)', () => {
    const bytes = encodeOpen({ ...BIRD_MSG, capabilities: [{ code: 2 }], otherParams: [{ type: 1, value: hex`aabb` }] });
    assert.equal(toHex(bytes.subarray(28)), toHex(hex`08  02 02 0200  01 02 aabb`));
    expectError(decodeFrame(bytes), 2, 4, '');
  });
});

describe('malformed OPEN', () => {
  const fixed = '04 fde9 00b4 0a000001'; // version, AS, hold, identifier
  const body = (rest: string): Uint8Array => hex(`${fixed} ${rest}`);

  it('CVE-2022-43681 shape: message ends right after a non-zero length octet → 1/2', () => {
    expectError(decodeOpen(body('05')), 1, 2, '001d');
    expectError(decodeOpen(body('01')), 1, 2, '001d');
  });

  it('length octet 255 with nothing after it → 1/2', () => {
    expectError(decodeOpen(body('ff')), 1, 2, '001d');
  });

  it('CVE-2022-40302 shape: RFC 9072 marker without the extended length → 2/0', () => {
    expectError(decodeOpen(body('ff ff')), 2, 0, '');
    expectError(decodeOpen(body('ff ff 00')), 2, 0, '');
  });

  it('RFC 9072 extended length disagreeing with the message → 1/2', () => {
    const caps = '02 000c 01 04 0001 00 01 41 04 0000fde9';
    expectError(decodeOpen(body(`ff ff 0010 ${caps}`)), 1, 2, '002f');
    expectError(decodeOpen(body(`ff ff 000e ${caps}`)), 1, 2, '002f');
    expectError(decodeOpen(body(`ff ff ffff ${caps}`)), 1, 2, '002f');
  });

  it('CVE-2022-40318 shape: extended parameter header or value running past the message → 2/0', () => {
    expectError(decodeOpen(body('ff ff 0002  02 00')), 2, 0, '');
    expectError(decodeOpen(body('ff ff 0001  02')), 2, 0, '');
    expectError(decodeOpen(body('ff ff 0005  02 0010 0104')), 2, 0, '');
  });

  it('optional parameters length disagreeing with the message → 1/2', () => {
    expectError(decodeOpen(body('00  0200')), 1, 2, '001f'); // trailing bytes
    expectError(decodeOpen(body('0a  02 02 0200')), 1, 2, '0021'); // runs past the end
  });

  it('parameter running past the parameters (FRR nodata) → 2/0', () => {
    expectError(decodeOpen(body('04  02 06 0104')), 2, 0, '');
  });

  it('parameter header truncated → 2/0', () => {
    expectError(decodeOpen(body('01  02')), 2, 0, '');
    expectError(decodeOpen(body('05  02 02 0200  02')), 2, 0, '');
  });

  it('capability running past its parameter → 2/0', () => {
    expectError(decodeOpen(body('05  02 03 01 04 00')), 2, 0, '');
    // The capability would fit the message, but not its own parameter.
    expectError(decodeOpen(body('0a  02 02 0104  02 04 00010001')), 2, 0, '');
  });

  it('malformed capability in a later parameter → 2/0', () => {
    expectError(decodeOpen(body('0c  02 06 0104 0001 0001  02 02 4100')), 2, 0, '');
  });

  it('unknown optional parameter type → 2/4 Unsupported Optional Parameter', () => {
    expectError(decodeOpen(body('04  01 02 aabb')), 2, 4, ''); // type 1, deprecated authentication
    expectError(decodeOpen(body('02  03 00')), 2, 4, '');
    expectError(decodeOpen(body('04  ff 02 0000')), 2, 4, ''); // 255 without the RFC 9072 length 255
    expectError(decodeOpen(body('0c  02 06 0104 0001 0001  01 02 aabb')), 2, 4, '');
    expectError(decodeOpen(body('ff ff 0005  01 0002 aabb')), 2, 4, '');
  });

  it('a framing error wins over an unknown parameter type', () => {
    expectError(decodeOpen(body('05  01 02 aabb  02')), 2, 0, '');
  });

  it('body shorter than 10 bytes → 1/2 (never an out-of-bounds read)', () => {
    expectError(decodeOpen(hex`04 fde9`), 1, 2, '0016');
    expectError(decodeOpen(new Uint8Array(0)), 1, 2, '0013');
  });

  it('every truncation of the golden OPENs is an error value, never a throw', () => {
    for (const frame of [BIRD_STYLE, SINGLETS, EXTENDED]) {
      const full = frame.subarray(19);
      for (let n = 0; n < full.length; n++) {
        const d = decodeOpen(full.subarray(0, n));
        assert.equal(d.ok, false, `truncated to ${n}`);
      }
    }
  });

  it('every single-byte corruption decodes or fails cleanly', () => {
    for (const frame of [BIRD_STYLE, SINGLETS, EXTENDED]) {
      const full = frame.slice(19);
      for (let i = 0; i < full.length; i++) {
        for (const v of [0x00, 0x01, 0x7f, 0xfe, 0xff]) {
          const copy = full.slice();
          copy[i] = v;
          const d = decodeOpen(copy);
          if (!d.ok) assert.ok([1, 2].includes(d.error.code), `byte ${i} = ${v}: ${d.error.reason}`);
        }
      }
    }
  });
});
