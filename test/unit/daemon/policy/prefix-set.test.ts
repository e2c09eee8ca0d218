/** Unit tests for config/prefix-range.ts and daemon/policy/prefix-set.ts: range syntax, ge/le membership, trie = scan = brute force. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Afi } from '../../../../peers/wire/constants.js';
import type { Prefix } from '../../../../peers/wire/types.js';
import { canonicalPrefixRange, parsePrefixRange, type PrefixRange } from '../../../../config/prefix-range.js';
import { parseIp } from '../../../../config/ip.js';
import { LINEAR_MAX, PrefixSet, prefixSet, sameLeadingBits } from '../../../../daemon/policy/prefix-set.js';

function pfx(text: string): Prefix {
  const [addr = '', len = '0'] = text.split('/');
  const ip = parseIp(addr);
  assert.ok(ip, text);
  return { afi: ip.family === 4 ? Afi.Ipv4 : Afi.Ipv6, addr: ip.bytes, len: Number(len) };
}

test('range forms: FRR ge/le, BIRD {a,b} and +, bare CIDR; canonical text', () => {
  const cases: [string, string][] = [
    ['10.244.0.0/16', '10.244.0.0/16'],
    ['10.244.0.0/16 le 28', '10.244.0.0/16 le 28'],
    ['10.244.0.0/16 ge 16 le 28', '10.244.0.0/16 le 28'],
    ['10.244.0.0/16 ge 24', '10.244.0.0/16 ge 24 le 32'],
    ['10.244.0.0/16 ge 24 le 28', '10.244.0.0/16 ge 24 le 28'],
    ['10.244.0.0/16{24,28}', '10.244.0.0/16 ge 24 le 28'],
    ['10.244.0.0/16+', '10.244.0.0/16 le 32'],
    ['FD00:10:244:0::/56  le 124', 'fd00:10:244::/56 le 124'],
    ['0.0.0.0/0', '0.0.0.0/0'],
  ];
  for (const [text, canonical] of cases) assert.equal(canonicalPrefixRange(text), canonical, text);
});

test('inconsistent or malformed ranges are refused with what is allowed', () => {
  const bad: [string, RegExp][] = [
    ['10.244.0.0/16 ge 8', /16 <= ge <= le <= 32/],
    ['10.244.0.0/16 ge 28 le 24', /16 <= ge <= le <= 32/],
    ['10.244.0.0/16 le 33', /16 <= ge <= le <= 32/],
    ['fd00::/56 le 129', /56 <= ge <= le <= 128/],
    ['10.244.0.0/16{8,24}', /16 <= ge <= le <= 32/],
    ['10.244.0.0/16 le 24 ge 20', /ge before le/],
    ['10.244.0.0/16 le 24 le 25', /le at most once/],
    ['10.244.0.0/16+ le 24', /not both/],
    ['10.244.1.0/16', /host bits set/],
    ['10.244.0.0', /CIDR prefix with optional/],
    ['10.244.0.0/16 lt 24', /CIDR prefix with optional/],
  ];
  for (const [text, why] of bad) {
    const r = parsePrefixRange(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.message, why, text);
  }
});

test('membership honours the CIDR and the ge/le lengths, per family', () => {
  const set = prefixSet(['10.244.0.0/16 ge 24 le 28', 'fd00:10:244::/56 le 64', '192.0.2.0/24']);
  const yes = ['10.244.1.0/24', '10.244.255.240/28', 'fd00:10:244::/56', 'fd00:10:244:ff::/64', '192.0.2.0/24'];
  const no = ['10.244.0.0/16', '10.244.1.0/29', '10.245.1.0/24', 'fd00:10:244::/65', 'fd00:10:245::/64', '192.0.2.0/25', '0.0.0.0/0', '::/0'];
  for (const p of yes) assert.equal(set.matches(pfx(p)), true, p);
  for (const p of no) assert.equal(set.matches(pfx(p)), false, p);
  assert.equal(PrefixSet.EMPTY.matches(pfx('10.0.0.0/8')), false);
  assert.equal(set.hasAddress(parseIp('192.0.2.1')?.bytes ?? new Uint8Array()), false, '/32 is not /24 exactly');
  assert.equal(prefixSet(['192.0.2.0/24 le 32']).hasAddress(parseIp('192.0.2.1')?.bytes ?? new Uint8Array()), true);
});

test('PrefixSet.parse reports the first bad range instead of throwing', () => {
  assert.deepEqual(PrefixSet.parse(['10.0.0.0/8', 'nope']), { error: '"nope" is not allowed (CIDR prefix with optional "ge N" and "le N", e.g. 10.244.0.0/16 le 28, or 10.244.0.0/16{24,28} or 10.244.0.0/16+)' });
});

test('sameLeadingBits compares whole bytes then the partial byte', () => {
  const a = new Uint8Array([10, 244, 0b10100000, 0]);
  const b = new Uint8Array([10, 244, 0b10111111, 9]);
  assert.equal(sameLeadingBits(a, b, 19), true);
  assert.equal(sameLeadingBits(a, b, 20), false);
  assert.equal(sameLeadingBits(a, b, 0), true);
});

// Property: the trie (many ranges), the scan (few ranges) and a brute-force check agree.
const v4Range = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 32 }))
  .map(([a, len, x, y]): PrefixRange => {
    const masked = len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
    const bytes = new Uint8Array([masked >>> 24, (masked >>> 16) & 255, (masked >>> 8) & 255, masked & 255]);
    const ge = len + Math.floor((Math.min(x, y) * (32 - len)) / 32);
    const le = ge + Math.floor((Math.max(x, y) * (32 - ge)) / 32);
    return { family: 4, bytes, len, ge, le };
  });
const v4Prefix = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, len]): Prefix => {
  const m = len === 0 ? 0 : (a & (0xffffffff << (32 - len))) >>> 0;
  return { afi: Afi.Ipv4, len, addr: new Uint8Array([m >>> 24, (m >>> 16) & 255, (m >>> 8) & 255, m & 255]) };
});

function brute(ranges: readonly PrefixRange[], p: Prefix): boolean {
  return ranges.some((r) => r.family === 4 && p.len >= r.ge && p.len <= r.le && sameLeadingBits(p.addr, r.bytes, r.len));
}

test('property: trie and scan agree with brute force (IPv4)', () => {
  fc.assert(fc.property(fc.array(v4Range, { maxLength: 40 }), fc.array(v4Prefix, { minLength: 1, maxLength: 20 }), (ranges, prefixes) => {
    const set = new PrefixSet(ranges);
    // Also probe prefixes inside the ranges, which random ones rarely hit.
    const inside = ranges.map((r): Prefix => ({ afi: Afi.Ipv4, len: r.ge, addr: r.bytes }));
    for (const p of [...prefixes, ...inside]) assert.equal(set.matches(p), brute(ranges, p));
  }), { numRuns: 300 });
});

test('property: IPv6 trie and scan agree with brute force', () => {
  const v6Range = fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 128 }), fc.integer({ min: 0, max: 128 }))
    .map(([raw, len, x, y]): PrefixRange => {
      const bytes = raw.map((b, i) => (len - 8 * i >= 8 ? b : len - 8 * i <= 0 ? 0 : b & ((0xff00 >> (len - 8 * i)) & 0xff)));
      const ge = Math.min(128, len + (Math.min(x, y) % (129 - len)));
      const le = Math.min(128, ge + (Math.max(x, y) % (129 - ge)));
      return { family: 6, bytes, len, ge, le };
    });
  fc.assert(fc.property(fc.array(v6Range, { maxLength: 3 * LINEAR_MAX }), (ranges) => {
    const set = new PrefixSet(ranges);
    for (const r of ranges) {
      for (const len of [r.len, r.ge, r.le, Math.min(128, r.le + 1)]) {
        const p: Prefix = { afi: Afi.Ipv6, len, addr: r.bytes };
        const want = ranges.some((q) => len >= q.ge && len <= q.le && sameLeadingBits(p.addr, q.bytes, q.len));
        assert.equal(set.matches(p), want);
      }
    }
  }), { numRuns: 200 });
});
