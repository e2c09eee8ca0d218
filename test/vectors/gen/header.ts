/**
 * reliability.md §1.5 table A (message header), table F (NOTIFICATION, KEEPALIVE, ROUTE-REFRESH,
 * FSM placement) and the stream-framing cases. Pure: no I/O.
 */
import { L, h16, h8, msg, pfx, update, updateBody, type Line } from './hex.js';
import { base, rawAttr, type VecDef } from './common.js';

const KA = (): Line[] => msg(4, []);
const RR = (afi: number, sub: number, safi: number, extra: Line[] = []): Line[] =>
  msg(5, [L(h16(afi), `AFI ${afi}`), L(h8(sub), `subtype ${sub}`), L(h8(safi), `SAFI ${safi}`), ...extra]);
const NOTIF = (code: number, sub: number, data: Line[] = []): Line[] =>
  msg(3, [L(h8(code), `error code ${code}`), L(h8(sub), `subcode ${sub}`), ...data]);
const okUpdate = (): Line[] => update({ attrs: base(false), nlri: [pfx('10.0.0.0/24')] });

/** An UPDATE padded with one unknown optional transitive attribute to exactly `total` bytes. */
function paddedUpdate(total: number): Line[] {
  const pad = total - 19 - 4 - 4 - 7 - 4 - 7 - 4; // header, lengths, ORIGIN, AS_PATH(2), NEXT_HOP, pad hdr, NLRI
  return update({ attrs: [...base(false), ...rawAttr(0xd0, 254, '00', 'filler octets', { repeat: pad })], nlri: [pfx('10.0.0.0/24')] });
}

function hdr(name: string, rfc: string, desc: string, expect: string, lines: Line[], ctx?: string): VecDef {
  return ctx === undefined ? { name, table: 'A', rfc, desc, expect, lines } : { name, table: 'A', rfc, desc, expect, lines, ctx };
}

export const headerCases: VecDef[] = [
  hdr('hdr-marker-zero', 'RFC 4271 §6.1', 'KEEPALIVE whose marker is all zero', 'session-reset 1/1', msg(4, [], { marker: '00'.repeat(16) })),
  hdr('hdr-marker-last-bit', 'RFC 4271 §6.1', 'marker with one bit cleared in its last octet', 'session-reset 1/1', msg(4, [], { marker: 'ff'.repeat(15) + 'fe' })),
  hdr('hdr-marker-first-octet', 'RFC 4271 §6.1', 'marker whose first octet is 0x7f', 'session-reset 1/1', msg(2, updateBody({}), { marker: '7f' + 'ff'.repeat(15) })),
  hdr('hdr-len-0', 'RFC 4271 §6.1', 'length field 0', 'session-reset 1/2 data=0000', msg(4, [], { len: 0 })),
  hdr('hdr-len-18', 'RFC 4271 §6.1', 'length field 18 (< 19)', 'session-reset 1/2 data=0012', msg(4, [], { len: 18 })),
  hdr('hdr-len-4097-no-ext', 'RFC 4271 §6.1, RFC 8654 §4', 'UPDATE of 4097 bytes without Extended Message', 'session-reset 1/2 data=1001', paddedUpdate(4097)),
  hdr('hdr-len-4097-ext-ok', 'RFC 8654 §4', 'the same 4097-byte UPDATE with Extended Message negotiated', 'ok', paddedUpdate(4097), 'ext'),
  hdr('hdr-len-4096-ok', 'RFC 4271 §4', 'UPDATE of exactly 4096 bytes, no Extended Message', 'ok', paddedUpdate(4096)),
  hdr('hdr-len-65535-ext-ok', 'RFC 8654 §4', 'UPDATE of 65535 bytes with Extended Message', 'ok', paddedUpdate(65535), 'ext'),
  hdr('hdr-len-8000-no-ext', 'RFC 8654 §4', 'UPDATE of 8000 bytes without Extended Message', 'session-reset 1/2 data=1f40', paddedUpdate(8000)),
  hdr('hdr-open-len-28', 'RFC 4271 §6.1', 'OPEN shorter than 29 bytes', 'session-reset 1/2 data=001c',
    msg(1, [L('04', 'version 4'), L('fde9', 'my AS 65001'), L('005a', 'hold time 90'), L('0a000002', 'BGP id 10.0.0.2')])),
  hdr('hdr-update-len-22', 'RFC 4271 §6.1', 'UPDATE shorter than 23 bytes', 'session-reset 1/2 data=0016', msg(2, [L('0000', 'withdrawn routes length 0'), L('00', 'one octet of attribute length')])),
  hdr('hdr-update-len-19', 'RFC 4271 §6.1', 'UPDATE with no body at all', 'session-reset 1/2 data=0013', msg(2, [])),
  hdr('hdr-keepalive-len-20', 'RFC 4271 §6.1', 'KEEPALIVE with a 1-byte body', 'session-reset 1/2 data=0014', msg(4, [L('00', 'body octet')])),
  hdr('hdr-keepalive-len-23', 'RFC 4271 §6.1', 'KEEPALIVE with a 4-byte body', 'session-reset 1/2 data=0017', msg(4, [L('00000000', 'body')])),
  hdr('hdr-notification-len-20', 'RFC 4271 §6.1', 'NOTIFICATION with only the code octet', 'session-reset 1/2 data=0014', msg(3, [L('06', 'error code 6')])),
  hdr('hdr-notification-len-19', 'RFC 4271 §6.1', 'NOTIFICATION with no body', 'session-reset 1/2 data=0013', msg(3, [])),
  hdr('hdr-route-refresh-len-22', 'RFC 2918 §3, RFC 7313 §5', 'ROUTE-REFRESH with 3-byte body', 'session-reset 1/2|7/1', msg(5, [L('0001', 'AFI 1'), L('00', 'subtype 0')])),
  hdr('hdr-route-refresh-borr-len-24', 'RFC 7313 §5', 'BoRR ROUTE-REFRESH with a 5-byte body', 'session-reset 7/1|1/2', RR(1, 1, 1, [L('00', 'extra octet')])),
  hdr('hdr-route-refresh-eorr-len-27', 'RFC 7313 §5', 'EoRR ROUTE-REFRESH with an 8-byte body', 'session-reset 7/1|1/2', RR(1, 2, 1, [L('00000000', 'extra octets')])),
  hdr('hdr-type-0', 'RFC 4271 §6.1', 'message type 0', 'session-reset 1/3 data=00', msg(0, [])),
  hdr('hdr-type-6', 'RFC 4271 §6.1', 'message type 6 (unassigned)', 'session-reset 1/3 data=06', msg(6, [])),
  hdr('hdr-type-128', 'RFC 4271 §6.1', 'message type 128', 'session-reset 1/3 data=80', msg(128, [L('00000000', 'body')])),
  hdr('hdr-type-255', 'RFC 4271 §6.1', 'message type 255', 'session-reset 1/3 data=ff', msg(255, [])),
  hdr('hdr-keepalive-ok', 'RFC 4271 §4.4', 'a plain KEEPALIVE (control case)', 'ok', KA()),
];

function stream(name: string, desc: string, expect: string, lines: Line[], split: string, ctx?: string): VecDef {
  const v: VecDef = { name, table: 'A', rfc: 'RFC 4271 §4.1', desc, expect, lines, split, mode: 'stream' };
  return ctx === undefined ? v : { ...v, ctx };
}

export const streamCases: VecDef[] = [
  stream('stream-three-in-one-segment', 'KEEPALIVE, UPDATE, KEEPALIVE in one segment', 'frames 3', [...KA(), ...okUpdate(), ...KA()], 'all'),
  stream('stream-one-byte-segments', 'UPDATE then KEEPALIVE delivered one byte per segment', 'frames 2', [...okUpdate(), ...KA()], 'each-byte'),
  stream('stream-split-in-marker', 'split inside the marker and inside the length field', 'frames 2', [...KA(), ...okUpdate()], '7,18,20,40'),
  stream('stream-random-splits', 'five messages, random segment boundaries', 'frames 5', [...KA(), ...okUpdate(), ...okUpdate(), ...KA(), ...RR(1, 0, 1)], 'random'),
  stream('stream-stall-after-length', 'length says 4000, only 100 bytes arrive, then the peer stalls', 'frames 0 then pending',
    [...msg(2, [L('0000', 'withdrawn routes length 0'), L('00', 'start of attributes (rest never arrives)', 78)], { len: 4000 })], 'each-byte'),
  stream('stream-good-then-bad-marker', 'one KEEPALIVE, then a message with a corrupt marker', 'frames 1 then session-reset 1/1',
    [...KA(), ...msg(4, [], { marker: '00'.repeat(16) })], 'all'),
  stream('stream-good-then-short-length', 'one KEEPALIVE, then a header with length 5', 'frames 1 then session-reset 1/2',
    [...KA(), ...msg(4, [], { len: 5 })], 'each-byte'),
  stream('stream-too-long-no-ext', 'a 4097-byte UPDATE without Extended Message', 'frames 0 then session-reset 1/2', paddedUpdate(4097), 'all'),
  stream('stream-ext-long-ok', 'a 9000-byte UPDATE with Extended Message, byte by byte', 'frames 1', paddedUpdate(9000), 'random', 'ext'),
];

function other(name: string, rfc: string, desc: string, expect: string, lines: Line[], checks?: string[]): VecDef {
  return checks === undefined ? { name, table: 'F', rfc, desc, expect, lines } : { name, table: 'F', rfc, desc, expect, lines, checks };
}
const utf8 = (s: string): string => Buffer.from(s, 'utf8').toString('hex');

export const otherCases: VecDef[] = [
  other('notif-minimal', 'RFC 4271 §4.5', 'NOTIFICATION Cease/0, no data', 'ok', NOTIF(6, 0), ['type 3']),
  other('notif-huge-data', 'RFC 4271 §4.5', 'NOTIFICATION 3/1 with 4000 bytes of data', 'ok', NOTIF(3, 1, [L('ab', 'data', 4000)]), ['type 3']),
  other('notif-unknown-code', 'RFC 4271 §4.5', 'NOTIFICATION with error code 99', 'ok', NOTIF(99, 7), ['type 3']),
  other('notif-code-0', 'RFC 4271 §4.5', 'NOTIFICATION with error code 0', 'ok', NOTIF(0, 0), ['type 3']),
  other('notif-shutdown-ok', 'RFC 9003 §2', 'Cease/2 with shutdown message "maintenance"', 'ok',
    NOTIF(6, 2, [L('0b', 'shutdown message length 11'), L(utf8('maintenance'), '"maintenance"')]), ['shutdown-message maintenance']),
  other('notif-shutdown-bad-utf8', 'RFC 9003 §2', 'Cease/2 with invalid UTF-8 in the shutdown message', 'ok',
    NOTIF(6, 2, [L('04', 'shutdown message length 4'), L('c328ffa0', 'invalid UTF-8')]), ['shutdown-message -']),
  other('notif-shutdown-len-overrun', 'RFC 9003 §2', 'Cease/2 shutdown length 200 with 3 bytes present', 'ok',
    NOTIF(6, 2, [L('c8', 'shutdown message length 200'), L(utf8('abc'), '"abc"')]), ['shutdown-message -']),
  other('notif-shutdown-len-255', 'RFC 9003 §2', 'Cease/4 shutdown length 255 (> 128 octets)', 'ok',
    NOTIF(6, 4, [L('ff', 'shutdown message length 255'), L('61', '"a"', 255)]), ['type 3']),
  other('notif-shutdown-empty', 'RFC 9003 §2', 'Cease/2 with a zero-length shutdown message', 'ok', NOTIF(6, 2, [L('00', 'shutdown message length 0')]), ['type 3']),
  other('rr-normal-ok', 'RFC 2918 §3', 'ROUTE-REFRESH IPv4 unicast', 'ok', RR(1, 0, 1), ['type 5']),
  other('rr-unknown-afi', 'RFC 2918 §4', 'ROUTE-REFRESH for AFI 99 SAFI 1', 'ok', RR(99, 0, 1), ['type 5']),
  other('rr-unknown-safi', 'RFC 2918 §4', 'ROUTE-REFRESH for AFI 1 SAFI 200', 'ok', RR(1, 0, 200), ['type 5']),
  other('rr-subtype-3', 'RFC 7313 §5', 'ROUTE-REFRESH with unknown subtype 3 (ignored)', 'ok', RR(1, 3, 1), ['type 5']),
  other('rr-borr-ok', 'RFC 7313 §4', 'BoRR', 'ok', RR(1, 1, 1), ['type 5']),
  other('rr-eorr-ok', 'RFC 7313 §4', 'EoRR', 'ok', RR(2, 2, 1), ['type 5']),
  other('rr-orf-long', 'RFC 5291 §4', 'subtype-0 ROUTE-REFRESH carrying 4 ORF octets', 'no-crash', RR(1, 0, 1, [L('01', 'when-to-refresh IMMEDIATE'), L('40', 'ORF type 64'), L('0000', 'length 0')])),
];

/** FSM placement: the codec decodes these fine; the session answers per RFC 6608 (live runner). */
export const fsmCases: VecDef[] = [
  { name: 'fsm-update-in-opensent', table: 'F', rfc: 'RFC 6608 §4', desc: 'a valid UPDATE received in OpenSent', expect: 'ok', fsm: 'opensent -> session-reset 5/1', lines: okUpdate() },
  { name: 'fsm-update-in-openconfirm', table: 'F', rfc: 'RFC 6608 §4', desc: 'a valid UPDATE received in OpenConfirm', expect: 'ok', fsm: 'openconfirm -> session-reset 5/2', lines: okUpdate() },
  { name: 'fsm-rr-in-opensent', table: 'F', rfc: 'RFC 6608 §4', desc: 'ROUTE-REFRESH received in OpenSent', expect: 'ok', fsm: 'opensent -> session-reset 5/1', lines: RR(1, 0, 1) },
];
