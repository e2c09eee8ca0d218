/**
 * Prefix keys (daemon/rib/prefix-key.ts): stable, collision-free across and within families,
 * host bits masked, and round trips through Prefix and text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatKey, ipv4Key, keyAfi, keyFromBytes, keyToPrefix, parseKey, prefixKey } from '../../../../daemon/rib/prefix-key.js';
import { prefixToString } from '../../../../peers/wire/nlri.js';
import type { Prefix } from '../../../../peers/wire/types.js';

/** Host bits cleared: the canonical prefix a key must stand for. */
function masked(afi: 1 | 2, len: number, raw: Uint8Array): Prefix {
  const addr = raw.slice(0, afi === 1 ? 4 : 16);
  for (let bit = len; bit < addr.length * 8; bit++) addr[bit >> 3] = (addr[bit >> 3] as number) & ~(0x80 >> (bit & 7));
  return { afi, len, addr };
}

const anyPrefix = fc
  .record({ v6: fc.boolean(), len: fc.integer({ min: 0, max: 128 }), raw: fc.uint8Array({ minLength: 16, maxLength: 16 }) })
  .map(({ v6, len, raw }) => ({ canonical: masked(v6 ? 2 : 1, v6 ? len : len % 33, raw), raw, afi: (v6 ? 2 : 1) as 1 | 2, len: v6 ? len : len % 33 }));

test('keys round-trip to the masked prefix, from Prefix values and from raw NLRI bytes', () => {
  fc.assert(
    fc.property(anyPrefix, ({ canonical, raw, afi, len }) => {
      const k = prefixKey({ afi, len, addr: raw.slice(0, afi === 1 ? 4 : 16) });
      assert.equal(keyFromBytes(afi, raw, 0, len), k);
      assert.deepEqual(keyToPrefix(k), canonical);
      assert.equal(formatKey(k), prefixToString(canonical));
      assert.equal(parseKey(formatKey(k)), k);
      assert.equal(keyAfi(k), afi);
      assert.equal(typeof k, afi === 1 ? 'number' : 'string');
    }),
    { numRuns: 5000 },
  );
});

test('two prefixes share a key exactly when they are the same prefix', () => {
  fc.assert(
    fc.property(anyPrefix, anyPrefix, fc.boolean(), (a, b, nudge) => {
      // Half the time make b a near miss of a: same bytes, other length or other family.
      const bb = nudge ? masked(a.afi, a.len === 0 ? 1 : a.len - 1, a.raw) : b.canonical;
      const same = prefixToString(a.canonical) === prefixToString(bb) && a.canonical.afi === bb.afi;
      assert.equal(prefixKey(a.canonical) === prefixKey(bb), same);
    }),
    { numRuns: 5000 },
  );
});

test('fixed vectors: the IPv4 layout is addr * 64 + len; IPv6 is len then significant bytes', () => {
  assert.equal(ipv4Key(0x0a010200, 24), 0x0a010200 * 64 + 24);
  assert.equal(ipv4Key(0x0a0102ff, 24), 0x0a010200 * 64 + 24, 'host bits masked');
  assert.equal(ipv4Key(0xffffffff, 32), 0xffffffff * 64 + 32);
  assert.equal(ipv4Key(0xffffffff, 0), 0);
  assert.equal(parseKey('10.1.2.0/24'), 0x0a010200 * 64 + 24);
  assert.equal(parseKey('fd00:1::/32'), String.fromCharCode(32, 0xfd, 0, 0, 1));
  assert.equal(parseKey('::/0'), String.fromCharCode(0));
  assert.notEqual(parseKey('0.0.0.0/0'), parseKey('::/0'));
  assert.equal(parseKey('10.1.2.1/24'), null, 'host bits set in text is an error (parsePrefix)');
  assert.equal(formatKey(String.fromCharCode(64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0)), '2001:db8:1::/64');
});
