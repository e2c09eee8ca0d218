/**
 * OPEN building, checking (RFC 4271 §6.2, RFC 5492, RFC 6793, RFC 7607) and negotiation
 * (hold time, keepalive, CodecContext, flags, capability table).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpen, checkOpen, negotiate } from '../../../peers/negotiate.js';
import type { LocalSpeaker, PeerExpectations } from '../../../peers/negotiate.js';
import { familyKey } from '../../../peers/wire/context.js';
import type { Capability, OpenMsg } from '../../../peers/wire/types.js';
import { LOCAL, REMOTE, V4U, V6U } from './fsm-fixtures.js';

const EXPECT: PeerExpectations = { localAsn: 65001, localBgpId: 0x0a000001, peerAs: 65002 };

function open(over: Partial<LocalSpeaker> = {}, raw: Partial<OpenMsg> = {}): OpenMsg {
  return { ...buildOpen({ ...REMOTE, ...over }), ...raw };
}

function withoutCap(o: OpenMsg, code: number): OpenMsg {
  return { ...o, capabilities: o.capabilities.filter((c) => c.code !== code) };
}

function sub(o: OpenMsg, expect: PeerExpectations = EXPECT): [number, number] | null {
  const e = checkOpen(o, expect);
  return e === null ? null : [e.code, e.subcode];
}

describe('buildOpen', () => {
  it('writes version 4, 2-octet My AS, hold time, identifier and the default capabilities', () => {
    const o = buildOpen(LOCAL);
    assert.equal(o.version, 4);
    assert.equal(o.myAs, 65001);
    assert.equal(o.holdTime, 90);
    assert.equal(o.bgpId, 0x0a000001);
    assert.deepEqual(o.capabilities, [
      { code: 1, afi: 1, safi: 1 },
      { code: 1, afi: 2, safi: 1 },
      { code: 2 },
      { code: 70 },
      { code: 6 },
      { code: 65, asn: 65001 },
    ]);
  });

  it('uses AS_TRANS in My AS for a 4-octet ASN (RFC 6793 §4.1)', () => {
    const o = buildOpen({ ...LOCAL, asn: 4_200_000_001 });
    assert.equal(o.myAs, 23456);
    assert.ok(o.capabilities.some((c) => c.code === 65 && 'asn' in c && c.asn === 4_200_000_001));
  });

  it('adds configured GR, ADD-PATH, extended next hop and FQDN; omits disabled ones', () => {
    const o = buildOpen({
      ...LOCAL,
      routeRefresh: false,
      enhancedRouteRefresh: false,
      extendedMessage: false,
      gracefulRestart: { restarting: true, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: true }] },
      addPath: [{ afi: 1, safi: 1, mode: 'both' }, { afi: 2, safi: 1, mode: 'receive' }],
      extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
      fqdn: { hostname: 'node1' },
    });
    assert.deepEqual(o.capabilities.map((c) => c.code), [1, 1, 65, 64, 69, 5, 73]);
    assert.deepEqual(o.capabilities[4], { code: 69, families: [{ afi: 1, safi: 1, mode: 3 }, { afi: 2, safi: 1, mode: 1 }] });
    assert.deepEqual(o.capabilities[3], {
      code: 64,
      restarting: true,
      notification: true,
      restartTime: 120,
      families: [{ afi: 1, safi: 1, forwardingState: true }],
    });
    assert.deepEqual(o.capabilities[6], { code: 73, hostname: 'node1', domain: '' });
  });
});

describe('checkOpen', () => {
  it('accepts a good OPEN', () => assert.equal(checkOpen(open(), EXPECT), null));

  it('version ≠ 4 → 2/1 with data 0x0004', () => {
    const e = checkOpen(open({}, { version: 3 }), EXPECT);
    assert.deepEqual([e?.code, e?.subcode, e?.data], [2, 1, new Uint8Array([0, 4])]);
    assert.equal(e?.handling, 'session-reset');
  });

  it('peer AS checks → 2/2', () => {
    assert.deepEqual(sub(open({ asn: 65003 })), [2, 2], 'mismatch');
    assert.deepEqual(sub(withoutCap(open({}, { myAs: 0 }), 65), { ...EXPECT, peerAs: 'any' }), [2, 2], 'My AS 0 (RFC 7607)');
    const zeroCap: Capability[] = [...withoutCap(open(), 65).capabilities, { code: 65, asn: 0 }];
    assert.deepEqual(sub({ ...open(), capabilities: zeroCap }, { ...EXPECT, peerAs: 'any' }), [2, 2], '4-octet AS 0');
    assert.deepEqual(sub(withoutCap(open({}, { myAs: 23456 }), 65), { ...EXPECT, peerAs: 23456 }), [2, 2], 'AS_TRANS, no cap');
    assert.deepEqual(sub(open({}, { myAs: 65009 })), [2, 2], 'My AS contradicts the capability');
  });

  it('4-octet peer AS: AS_TRANS in My AS with the capability is accepted', () => {
    const o = open({ asn: 4_200_000_002 });
    assert.equal(o.myAs, 23456);
    assert.equal(sub(o, { ...EXPECT, peerAs: 4_200_000_002 }), null);
    assert.deepEqual(sub(o, EXPECT), [2, 2]);
    // Without the capability the peer can only be judged by My AS.
    assert.equal(sub(withoutCap(open(), 65), EXPECT), null);
  });

  it("peer AS 'internal' / 'external' / 'any'", () => {
    assert.equal(sub(open({ asn: 65001, bgpId: 9 }), { ...EXPECT, peerAs: 'internal' }), null);
    assert.deepEqual(sub(open(), { ...EXPECT, peerAs: 'internal' }), [2, 2]);
    assert.equal(sub(open(), { ...EXPECT, peerAs: 'external' }), null);
    assert.deepEqual(sub(open({ asn: 65001, bgpId: 9 }), { ...EXPECT, peerAs: 'external' }), [2, 2]);
    assert.equal(sub(open({ asn: 7 }), { ...EXPECT, peerAs: 'any' }), null);
  });

  it('hold time 1 or 2 → 2/6; 0 and 3 are accepted; below the minimum → 2/6', () => {
    assert.deepEqual(sub(open({ holdTime: 1 })), [2, 6]);
    assert.deepEqual(sub(open({ holdTime: 2 })), [2, 6]);
    assert.equal(sub(open({ holdTime: 0 })), null);
    assert.equal(sub(open({ holdTime: 3 })), null);
    const min = { ...EXPECT, minHoldTime: 10 };
    assert.deepEqual(sub(open({ holdTime: 9 }), min), [2, 6]);
    assert.deepEqual(sub(open({ holdTime: 0 }), min), [2, 6]);
    assert.equal(sub(open({ holdTime: 10 }), min), null);
  });

  it('BGP identifier 0 → 2/3; equal to ours → 2/3 on iBGP only', () => {
    assert.deepEqual(sub(open({ bgpId: 0 })), [2, 3]);
    assert.deepEqual(sub(open({ asn: 65001, bgpId: 0x0a000001 }), { ...EXPECT, peerAs: 'internal' }), [2, 3]);
    assert.equal(sub(open({ bgpId: 0x0a000001 })), null);
  });

  it('unknown optional parameter → 2/4', () => {
    assert.deepEqual(sub(open({}, { otherParams: [{ type: 1, value: new Uint8Array(0) }] })), [2, 4]);
  });

  it('missing required capabilities → 2/7 listing them as encoded in an OPEN (RFC 5492 §3)', () => {
    const required: Capability[] = [{ code: 1, afi: 2, safi: 1 }, { code: 65, asn: 65001 }, { code: 2 }];
    const o = withoutCap(open({ families: [V4U] }), 65);
    const e = checkOpen(o, { ...EXPECT, requiredCapabilities: required });
    assert.deepEqual([e?.code, e?.subcode], [2, 7]);
    assert.deepEqual(e?.data, new Uint8Array([1, 4, 0, 2, 0, 1, 65, 4, 0, 0, 0xfd, 0xe9]));
    assert.equal(checkOpen(open(), { ...EXPECT, requiredCapabilities: required }), null);
  });
});

describe('negotiate', () => {
  const local = buildOpen(LOCAL);

  it('hold time is the minimum; keepalive is hold/3 or the configured value, capped at hold/3', () => {
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 30 }))), [30, 10]);
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 180 }))), [90, 30]);
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 9 }), { keepaliveTime: 1 })), [9, 1]);
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 30 }), { keepaliveTime: 20 })), [30, 10]);
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 0 }))), [0, 0]);
    assert.deepEqual(pick(negotiate(local, open({ holdTime: 4 }))), [4, 1]);
  });

  it('identifies the peer and eBGP/iBGP', () => {
    const n = negotiate(local, open({ asn: 4_200_000_002, bgpId: 0xfffffffe }));
    assert.equal(n.remoteAsn, 4_200_000_002);
    assert.equal(n.localAsn, 65001);
    assert.equal(n.remoteId, 0xfffffffe);
    assert.equal(n.context.ebgp, true);
    assert.equal(negotiate(local, open({ asn: 65001 })).context.ebgp, false);
  });

  it('as4 and extended message need both sides', () => {
    const both = negotiate(local, open());
    assert.equal(both.context.as4, true);
    assert.equal(both.context.extendedMessage, true);
    const one = negotiate(local, withoutCap(withoutCap(open(), 65), 6));
    assert.equal(one.context.as4, false);
    assert.equal(one.context.extendedMessage, false);
  });

  it('families are the intersection; no MP capability at all means IPv4 unicast (RFC 4760)', () => {
    assert.deepEqual(negotiate(local, open({ families: [V6U] })).families, [V6U]);
    const noMp = negotiate(local, withoutCap(open(), 1));
    assert.deepEqual([...noMp.context.families], [familyKey(1, 1)]);
    const v6only = buildOpen({ ...LOCAL, families: [V6U] });
    assert.deepEqual(negotiate(v6only, withoutCap(open(), 1)).families, []);
    assert.deepEqual(negotiate(withoutCap(local, 1), withoutCap(open(), 1)).families, [V4U]);
  });

  it('ADD-PATH: receive when we receive and they send, send when we send and they receive (RFC 7911 §4)', () => {
    const modes = ['receive', 'send', 'both'] as const;
    const v4 = familyKey(1, 1);
    for (const l of modes) {
      for (const r of modes) {
        const n = negotiate(
          buildOpen({ ...LOCAL, addPath: [{ ...V4U, mode: l }] }),
          open({ addPath: [{ ...V4U, mode: r }] }),
        );
        const rx = l !== 'send' && r !== 'receive';
        const tx = l !== 'receive' && r !== 'send';
        assert.equal(n.context.addPathRx.has(v4), rx, `${l}/${r} rx`);
        assert.equal(n.context.addPathTx.has(v4), tx, `${l}/${r} tx`);
      }
    }
    // Only for negotiated families.
    const n = negotiate(
      buildOpen({ ...LOCAL, families: [V4U], addPath: [{ ...V6U, mode: 'both' }] }),
      open({ addPath: [{ ...V6U, mode: 'both' }] }),
    );
    assert.equal(n.context.addPathRx.size + n.context.addPathTx.size, 0);
  });

  it('route refresh flags, GR, extended next hop and FQDN', () => {
    const gr = { restarting: true, notification: false, restartTime: 90, families: [] };
    const n = negotiate(
      buildOpen({ ...LOCAL, extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 2, nextHopAfi: 2 }] }),
      open({
        enhancedRouteRefresh: false,
        gracefulRestart: gr,
        extendedNextHop: [{ afi: 1, safi: 1, nextHopAfi: 2 }],
        fqdn: { hostname: 'tor1', domain: 'rack' },
      }),
    );
    assert.equal(n.routeRefresh, true);
    assert.equal(n.enhancedRouteRefresh, false);
    assert.deepEqual(n.gracefulRestart, { code: 64, ...gr });
    assert.deepEqual(n.extendedNextHop, [{ afi: 1, safi: 1, nextHopAfi: 2 }]);
    assert.deepEqual(n.fqdn, { hostname: 'tor1', domain: 'rack' });
    const old = { ...withoutCap(open(), 2), capabilities: [...withoutCap(open(), 2).capabilities, { code: 128, value: new Uint8Array(0), unknown: true as const }] };
    assert.equal(negotiate(local, old).routeRefresh, true);
    assert.equal(negotiate(local, withoutCap(open(), 2)).routeRefresh, false);
    assert.equal(negotiate(local, withoutCap(open(), 2)).enhancedRouteRefresh, false);
  });

  it('lists advertised vs received capabilities', () => {
    const n = negotiate(local, open({ families: [V4U], fqdn: { hostname: 'tor1' } }));
    const row = (name: string) => n.capabilities.find((c) => c.name === name);
    assert.deepEqual(row('multiprotocol ipv6-unicast'), { name: 'multiprotocol ipv6-unicast', advertised: true, received: false });
    assert.deepEqual(row('fqdn'), { name: 'fqdn', advertised: false, received: true, remoteDetail: 'tor1' });
    assert.deepEqual(row('four-octet-as'), { name: 'four-octet-as', advertised: true, received: true, localDetail: '65001', remoteDetail: '65002' });
  });
});

function pick(n: { holdTime: number; keepaliveTime: number }): [number, number] {
  return [n.holdTime, n.keepaliveTime];
}
