/** Unit tests for config/ip.ts: strict address parsing, RFC 5952 output, CIDR host bits and overlap. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, cidrsOverlap, parseCidr, parseIPv4, parseIPv6, formatIPv6, type Cidr } from '../../../config/ip.js';

test('IPv4: strict dotted quads only', () => {
  assert.deepEqual(parseIPv4('192.0.2.1'), Uint8Array.of(192, 0, 2, 1));
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3']) {
    assert.equal(parseIPv4(bad), undefined, bad);
  }
});

test('IPv6: RFC 4291 §2.2 text forms parse', () => {
  assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
  assert.equal(canonicalIp('::'), '::');
  assert.equal(canonicalIp('::1'), '::1');
  assert.equal(canonicalIp('fe80::'), 'fe80::');
  assert.equal(canonicalIp('::ffff:192.0.2.1'), '::ffff:192.0.2.1'); // RFC 5952 §5
  assert.equal(canonicalIp('::FFFF:c000:0201'), '::ffff:192.0.2.1');
  assert.equal(canonicalIp('64:ff9b::1:192.0.2.1'), '64:ff9b::1:c000:201');
  assert.equal(canonicalIp('1:2:3:4:5:6:192.0.2.1'), '1:2:3:4:5:6:c000:201');
  for (const bad of [':::', '1:::2', ':1::', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', 'g::', '::1.2.3', 'fe80::1%eth0', '1:2:3:4:5:6:7::8']) {
    assert.equal(parseIPv6(bad), undefined, bad);
  }
});

test('IPv6: RFC 5952 §4 canonical output', () => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: first of equal-length runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: a single 0 group is not shortened
    ['2001:0db8::0001', '2001:db8::1'], // §4.1: no leading zeros
    ['0:0:0:0:0:0:0:0', '::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'], // §4.2.1: the longest run
  ];
  for (const [input, want] of cases) assert.equal(formatIPv6(parseIPv6(input) ?? new Uint8Array(16)), want, input);
});

test('CIDR: host bits, lengths, syntax', () => {
  assert.deepEqual(parseCidr('10.244.1.0/24').ok, true);
  assert.deepEqual(parseCidr('10.244.1.1/24'), { ok: false, reason: 'host-bits' });
  assert.deepEqual(parseCidr('fd00::1/64'), { ok: false, reason: 'host-bits' });
  assert.deepEqual(parseCidr('10.0.0.0/33'), { ok: false, reason: 'length' });
  assert.deepEqual(parseCidr('fd00::/129'), { ok: false, reason: 'length' });
  assert.deepEqual(parseCidr('10.0.0.0/024'), { ok: false, reason: 'syntax' });
  assert.deepEqual(parseCidr('10.0.0.0'), { ok: false, reason: 'syntax' });
  assert.equal(parseCidr('0.0.0.0/0').ok, true);
  assert.equal(parseCidr('10.0.0.128/25').ok, true);
  assert.equal(parseCidr('10.0.0.64/25').ok, false);
});

test('CIDR overlap: containment within a family only', () => {
  const c = (s: string): Cidr => {
    const r = parseCidr(s);
    assert.ok(r.ok, s);
    return r.cidr;
  };
  assert.equal(cidrsOverlap(c('10.0.0.0/8'), c('10.1.0.0/16')), true);
  assert.equal(cidrsOverlap(c('10.1.0.0/16'), c('10.0.0.0/8')), true);
  assert.equal(cidrsOverlap(c('10.1.0.0/16'), c('10.2.0.0/16')), false);
  assert.equal(cidrsOverlap(c('10.0.0.0/25'), c('10.0.0.128/25')), false);
  assert.equal(cidrsOverlap(c('0.0.0.0/0'), c('::/0')), false);
  assert.equal(cidrsOverlap(c('fd00::/8'), c('fd00:1::/32')), true);
});
