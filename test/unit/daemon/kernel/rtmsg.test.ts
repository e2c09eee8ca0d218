import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as m from '../../../../daemon/kernel/rtmsg.js';
import type { FibRoute } from '../../../../daemon/kernel/fib.js';

test('route with nexthop id: exact bytes (rtmsg + RTA_DST + RTA_TABLE + RTA_NH_ID)', () => {
  const r: FibRoute = { prefix: '10.1.2.0/24', family: 4, table: 254, protocol: 186, nexthops: [], nhid: 0x5a000001 };
  const body = m.routeBody(r, false, 'nhid')!;
  assert.equal(
    body.toString('hex'),
    ['02180000feba0001' + '00000000', '08000100' + '0a010200', '08000f00' + 'fe000000', '08001e00' + '0100005a'].join(''),
  );
  assert.deepEqual(m.parseRoute(body), { prefix: '10.1.2.0/24', family: 4, nexthops: [], table: 254, protocol: 186, nhid: 0x5a000001 });
});

test('plain and multipath routes round-trip; deletes carry no next hop', () => {
  const one: FibRoute = { prefix: 'fd00:1::/64', family: 6, table: 1000, protocol: 186, metric: 20, nexthops: [{ gateway: 'fd90::2', ifindex: 3, weight: 1 }] };
  assert.deepEqual(m.parseRoute(m.routeBody(one, false, 'plain')!), one);
  const ecmp: FibRoute = { prefix: '10.1.0.0/16', family: 4, table: 254, protocol: 186, nexthops: [{ gateway: '10.0.0.1', ifindex: 2, weight: 1 }, { gateway: '10.0.0.2', ifindex: 3, weight: 4 }] };
  assert.deepEqual(m.parseRoute(m.routeBody(ecmp, false, 'plain')!), ecmp);
  assert.deepEqual(m.parseRoute(m.routeBody(ecmp, true, 'plain')!)?.nexthops, []);
  assert.equal(m.routeBody({ ...ecmp, prefix: 'fd00::/8' }, false, 'plain'), null, 'family mismatch');
  assert.equal(m.routeBody(ecmp, false, 'nhid'), null, 'nhid encoding needs an id');
});

test('nexthop and group objects round-trip (weight stored minus one)', () => {
  const nh = { kind: 'nexthop' as const, id: 7, family: 6 as const, gateway: 'fd90::2', ifindex: 4 };
  assert.deepEqual(m.parseNexthop(m.nexthopBody(nh, 186)), { obj: nh, protocol: 186 });
  const g = { kind: 'group' as const, id: 9, members: [{ id: 7, weight: 1 }, { id: 8, weight: 256 }] };
  assert.deepEqual(m.parseNexthop(m.nexthopBody(g, 186)), { obj: g, protocol: 186 });
  assert.equal(m.nexthopId(m.nexthopDelBody(9)), 9);
});

test('message framing: several messages per buffer, errno of NLMSG_ERROR, garbage never throws', () => {
  const err = Buffer.alloc(4);
  err.writeInt32LE(-17, 0);
  const buf = Buffer.concat([m.nlmsg(m.NLMSG_ERROR, 0, 5, err), m.nlmsg(m.NLMSG_DONE, m.NLM_F_MULTI, 6, Buffer.alloc(4)), Buffer.from([1, 2, 3])]);
  const msgs = m.splitMessages(buf);
  assert.deepEqual(msgs.map((x) => [x.type, x.seq]), [[2, 5], [3, 6]]);
  assert.equal(m.errorCode(msgs[0]!.body), 17);
  for (let i = 0; i < 2000; i++) {
    const junk = Buffer.from(Array.from({ length: (i % 64) + 1 }, (_, j) => (i * 31 + j * 17) & 0xff));
    m.splitMessages(junk);
    m.parseRoute(junk);
    m.parseNexthop(junk);
    m.parseLink(junk);
    m.parseLookup(junk);
  }
});

test('link state: up needs IFF_UP and IFF_RUNNING', () => {
  const body = Buffer.alloc(16);
  body.writeInt32LE(5, 4);
  body.writeUInt32LE(0x1, 8);
  assert.deepEqual(m.parseLink(body), { ifindex: 5, name: '', up: false, type: 0 });
  body.writeUInt32LE(0x41, 8);
  assert.equal(m.parseLink(body)?.up, true);
});
