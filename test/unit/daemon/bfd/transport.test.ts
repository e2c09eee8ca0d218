/**
 * daemon/bfd/transport.ts and ttl-filter.ts on loopback: datagrams with TTL / Hop Limit 255
 * reach the receive socket, any other TTL is dropped in the kernel (RFC 5881 §5); a sender gets
 * a source port in 49152-65535 and sends with TTL 255.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { BfdTransport, type BfdDatagram } from '../../../../daemon/bfd/transport.js';
import { ttl255Program } from '../../../../daemon/bfd/ttl-filter.js';

const PORT = 40000 + Math.floor(Math.random() * 9000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function sendWithTtl(family: 4 | 6, ttl: number, payload: string, port: number): Promise<void> {
  const s = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
  const host = family === 4 ? '127.0.0.1' : '::1';
  await new Promise<void>((r) => s.bind(0, host, () => r()));
  s.setTTL(ttl);
  await new Promise<void>((r, j) => s.send(payload, port, host, (e) => (e ? j(e) : r())));
  s.close();
}

for (const family of [4, 6] as const) {
  test(`IPv${family}: only TTL 255 gets through the receive socket`, async (t) => {
    const got: BfdDatagram[] = [];
    const tr = new BfdTransport((d) => got.push(d), { port: PORT + family });
    try {
      await tr.listen(family);
    } catch (err) {
      if (family === 6) return t.skip(`no IPv6 loopback: ${String(err)}`);
      throw err;
    }
    try {
      assert.equal(tr.ttlChecked.get(family), true, 'the socket filter is attached');
      for (const ttl of [1, 64, 254, 255]) await sendWithTtl(family, ttl, `ttl${ttl}`, PORT + family);
      await sleep(100);
      assert.deepEqual(got.map((d) => Buffer.from(d.data).toString()), ['ttl255']);
      assert.equal(got[0]?.family, family);
    } finally {
      tr.close();
    }
  });
}

test('a sender binds a source port in 49152-65535 and its packets arrive with TTL 255', async () => {
  const got: BfdDatagram[] = [];
  const tr = new BfdTransport((d) => got.push(d), { port: PORT + 10 });
  await tr.listen(4);
  const a = await tr.sender('127.0.0.1', 4);
  const b = await tr.sender('127.0.0.1', 4);
  try {
    for (const p of [a.port, b.port]) assert.ok(p >= 49152 && p <= 65535, `source port ${p}`);
    assert.notEqual(a.port, b.port);
    a.send(Uint8Array.of(1, 2, 3), '127.0.0.1');
    await sleep(100);
    // Through the TTL filter: so it left with TTL 255.
    assert.equal(got.length, 1);
    assert.equal(got[0]?.fromPort, a.port);
  } finally {
    a.close();
    b.close();
    tr.close();
  }
});

test('the filter program reads the TTL (IPv4 octet 8) or Hop Limit (IPv6 octet 7) of the IP header', () => {
  assert.equal(ttl255Program(4)[0]?.k, (-0x100000 + 8) >>> 0);
  assert.equal(ttl255Program(6)[0]?.k, (-0x100000 + 7) >>> 0);
  assert.equal(ttl255Program(4)[1]?.k, 255);
});
