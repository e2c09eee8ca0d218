/**
 * ROUTE-REFRESH (RFC 2918 §3, RFC 7313 §3 subtypes): golden bytes, unknown subtypes, body check.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRouteRefresh, encodeRouteRefresh } from '../../../../peers/wire/route-refresh.js';
import type { RouteRefreshMsg } from '../../../../peers/wire/types.js';
import { hex, MARKER, toHex } from '../../../support/hex.js';
import { expectError, expectOk } from './expect.js';

const GOLDEN: [string, Uint8Array, RouteRefreshMsg][] = [
  ['IPv4 unicast request', hex`${MARKER} 0017 05  0001 00 01   # AFI 1, subtype 0, SAFI 1`, { type: 5, afi: 1, subtype: 0, safi: 1 }],
  ['IPv6 unicast BoRR', hex`${MARKER} 0017 05  0002 01 01   # AFI 2, BoRR, SAFI 1`, { type: 5, afi: 2, subtype: 1, safi: 1 }],
  ['IPv6 unicast EoRR', hex`${MARKER} 0017 05  0002 02 01   # AFI 2, EoRR, SAFI 1`, { type: 5, afi: 2, subtype: 2, safi: 1 }],
  ['unknown subtype 3 (Forescout case)', hex`${MARKER} 0017 05  0001 03 01`, { type: 5, afi: 1, subtype: 3, safi: 1 }],
  ['unknown AFI/SAFI', hex`${MARKER} 0017 05  4001 00 85`, { type: 5, afi: 0x4001, subtype: 0, safi: 0x85 }],
];

describe('ROUTE-REFRESH', () => {
  for (const [name, frame, msg] of GOLDEN) {
    it(`decodes ${name}`, () => assert.deepEqual(expectOk(decodeRouteRefresh(frame.subarray(19))), msg));
    it(`encodes ${name}`, () => assert.equal(toHex(encodeRouteRefresh(msg)), toHex(frame)));
  }

  it('a body other than 4 bytes → 1/2 (not possible after the header check)', () => {
    expectError(decodeRouteRefresh(hex`0001 00`), 1, 2, '0016');
    expectError(decodeRouteRefresh(hex`0001 00 01 00`), 1, 2, '0018');
  });
});
