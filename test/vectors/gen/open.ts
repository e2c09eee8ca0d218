/**
 * reliability.md §1.5 table B: OPEN messages, including the CVE-2022-40302/40318/43681 shapes.
 * Run in open-check mode: decode the OPEN, then peers/negotiate.ts checkOpen against `peer`.
 * Pure: no I/O.
 */
import { L, h16, h32, h8, ipHex, msg, nest, size, type Line } from './hex.js';
import type { VecDef } from './common.js';

const cap = (code: number, hex: string, note: string, len?: number): Line =>
  L(h8(code) + h8(len ?? hex.length / 2) + hex, `capability ${code}: ${note}${len !== undefined ? ` (declared length ${len})` : ''}`);
const MP4 = cap(1, '00010001', 'MP IPv4 unicast');
const MP6 = cap(1, '00020001', 'MP IPv6 unicast');
const AS4 = (asn = 65001): Line => cap(65, h32(asn), `4-octet AS ${asn}`);
const RRC = cap(2, '', 'route refresh');

/** Optional parameter type 2 (RFC 5492 §4) holding some capabilities. */
function param(caps: readonly Line[], o: { type?: number; len?: number } = {}): Line[] {
  const len = o.len ?? size(caps);
  return [L(h8(o.type ?? 2) + h8(len), `optional parameter type ${o.type ?? 2}, length ${len}${o.len !== undefined ? ' (declared)' : ''}`), ...nest(caps)];
}

interface OpenFields {
  version?: number;
  myAs?: number;
  hold?: number;
  id?: string;
  params?: readonly Line[];
  optLen?: number;
  tail?: readonly Line[];
}

function open(f: OpenFields = {}): Line[] {
  const params = f.params ?? param([MP4, AS4(f.myAs === 23456 ? 4200000001 : (f.myAs ?? 65001)), RRC]);
  const optLen = f.optLen ?? size(params);
  return msg(1, [
    L(h8(f.version ?? 4), `version ${f.version ?? 4}`),
    L(h16(f.myAs ?? 65001), `my AS ${f.myAs ?? 65001}`),
    L(h16(f.hold ?? 90), `hold time ${f.hold ?? 90}`),
    L(ipHex(f.id ?? '10.0.0.2'), `BGP identifier ${f.id ?? '10.0.0.2'}`),
    L(h8(optLen), `optional parameters length ${optLen}${f.optLen !== undefined ? ' (declared)' : ''}`),
    ...nest(params),
    ...(f.tail ?? []),
  ]);
}

/** RFC 9072 §2 extended optional parameters: 0xff, 0xff, 2-octet length, params with 2-octet lengths. */
function extParams(caps: readonly Line[], o: { extLen?: number; paramLen?: number } = {}): Line[] {
  const plen = o.paramLen ?? size(caps);
  const body = [L('02' + h16(plen), `ext optional parameter type 2, length ${plen}${o.paramLen !== undefined ? ' (declared)' : ''}`), ...nest(caps)];
  const elen = o.extLen ?? size(body);
  return [L('ff' + h16(elen), `non-ext type 255 (RFC 9072 marker), ext length ${elen}${o.extLen !== undefined ? ' (declared)' : ''}`), ...body];
}

const PEER = 'as=65001 local-as=65000 local-id=10.0.0.1 ebgp';

function oc(name: string, rfc: string, desc: string, expect: string, lines: Line[], o: { peer?: string; checks?: string[] } = {}): VecDef {
  const v: VecDef = { name, table: 'B', rfc, desc, expect, lines, mode: 'open-check', peer: o.peer ?? PEER };
  return o.checks === undefined ? v : { ...v, checks: o.checks };
}
const BAD_LEN = 'session-reset 2/0|1/2';
const BAD_CAP = 'session-reset 2/0|2/7 ; ok';

export const openCases: VecDef[] = [
  oc('open-ok-baseline', 'RFC 4271 §4.2', 'valid OPEN (control case)', 'ok', open(), { checks: ['caps 1 65 2'] }),
  oc('open-version-3', 'RFC 4271 §6.2', 'version 3', 'session-reset 2/1 data=0004', open({ version: 3 })),
  oc('open-version-5', 'RFC 4271 §6.2', 'version 5', 'session-reset 2/1 data=0004', open({ version: 5 })),
  oc('open-version-0', 'RFC 4271 §6.2', 'version 0', 'session-reset 2/1 data=0004', open({ version: 0 })),
  oc('open-version-255', 'RFC 4271 §6.2', 'version 255', 'session-reset 2/1 data=0004', open({ version: 255 })),
  oc('open-peer-as-mismatch', 'RFC 4271 §6.2', 'my AS 65002, peer configured as 65001', 'session-reset 2/2', open({ myAs: 65002 })),
  oc('open-my-as-0', 'RFC 7607 §2', 'my AS 0', 'session-reset 2/2', open({ myAs: 0, params: param([MP4, RRC]) })),
  oc('open-as4-cap-0', 'RFC 7607 §2', '4-octet AS capability carrying AS 0', 'session-reset 2/2', open({ params: param([MP4, AS4(0)]) })),
  oc('open-as4-cap-mismatch', 'RFC 6793 §4.1', 'my AS 65001, 4-octet AS capability says 65002', 'session-reset 2/2', open({ params: param([MP4, AS4(65002)]) })),
  oc('open-as-trans-no-as4-cap', 'RFC 6793 §4.1', 'AS_TRANS without the 4-octet AS capability; peer configured 4200000001', 'session-reset 2/2',
    open({ myAs: 23456, params: param([MP4]) }), { peer: 'as=4200000001 local-as=65000 local-id=10.0.0.1 ebgp' }),
  oc('open-as-trans-with-as4-ok', 'RFC 6793 §4.1', 'AS_TRANS with 4-octet AS 4200000001', 'ok',
    open({ myAs: 23456 }), { peer: 'as=4200000001 local-as=65000 local-id=10.0.0.1 ebgp' }),
  oc('open-hold-1', 'RFC 4271 §6.2', 'hold time 1', 'session-reset 2/6', open({ hold: 1 })),
  oc('open-hold-2', 'RFC 4271 §6.2', 'hold time 2', 'session-reset 2/6', open({ hold: 2 })),
  oc('open-hold-0-ok', 'RFC 4271 §4.2', 'hold time 0 (no keepalives)', 'ok', open({ hold: 0 })),
  oc('open-hold-3-ok', 'RFC 4271 §4.2', 'hold time 3', 'ok', open({ hold: 3 })),
  oc('open-hold-65535-ok', 'RFC 4271 §4.2', 'hold time 65535', 'ok', open({ hold: 65535 })),
  oc('open-hold-below-min', 'RFC 4271 §6.2', 'hold time 10 with a configured minimum of 30', 'session-reset 2/6', open({ hold: 10 }),
    { peer: `${PEER} min-hold=30` }),
  oc('open-bgp-id-0', 'RFC 6286 §2.2', 'BGP identifier 0.0.0.0', 'session-reset 2/3', open({ id: '0.0.0.0' })),
  oc('open-bgp-id-same-ibgp', 'RFC 6286 §2.2', 'iBGP peer using our BGP identifier', 'session-reset 2/3', open({ myAs: 65000, id: '10.0.0.1' }),
    { peer: 'as=65000 local-as=65000 local-id=10.0.0.1 ibgp' }),
  oc('open-bgp-id-same-ebgp-ok', 'RFC 6286 §2.2', 'eBGP peer using our BGP identifier (allowed)', 'ok', open({ id: '10.0.0.1' })),
  oc('open-bgp-id-broadcast-ok', 'RFC 6286 §2.1', 'BGP identifier 255.255.255.255 (any non-zero value)', 'ok', open({ id: '255.255.255.255' })),
  oc('open-optparam-type-1', 'RFC 4271 §6.2', 'optional parameter type 1 (deprecated authentication)', 'session-reset 2/4',
    open({ params: [...param([MP4, AS4()]), ...param([L('00', 'auth code 0')], { type: 1 })] })),
  oc('open-optparam-type-3', 'RFC 4271 §6.2', 'optional parameter type 3 (unassigned)', 'session-reset 2/4',
    open({ params: [...param([L('abcd', 'two octets')], { type: 3 }), ...param([MP4, AS4()])] })),
  oc('open-optlen-overrun', 'RFC 4271 §6.2 (CVE-2022-43681 class)', 'optional parameters length 40 with 16 octets present', BAD_LEN,
    open({ optLen: 40 })),
  oc('open-optlen-short', 'RFC 4271 §6.2', 'optional parameters length 8 with 16 octets present', BAD_LEN, open({ optLen: 8 })),
  oc('open-ends-after-optlen-ff', 'CVE-2022-43681', 'OPEN ends right after an optional parameters length of 255', BAD_LEN,
    open({ optLen: 255, params: [] })),
  oc('open-ends-after-optlen-1', 'CVE-2022-43681', 'OPEN ends right after an optional parameters length of 1', BAD_LEN, open({ optLen: 1, params: [] })),
  oc('open-param-no-length-octet', 'RFC 5492 §4', 'one parameter: type octet only', BAD_LEN, open({ params: [L('02', 'parameter type 2, no length octet')] })),
  oc('open-param-len-overrun', 'RFC 5492 §4', 'parameter length 6 with 2 octets left', BAD_LEN, open({ params: param([RRC], { len: 6 }) })),
  oc('open-cap-header-only', 'RFC 5492 §4 (FRR caphdr)', 'capability code octet with no length octet', BAD_LEN, open({ params: param([L('41', 'capability code 65, no length')]) })),
  oc('open-cap-len-overrun', 'RFC 5492 §4 (FRR nodata)', 'capability length 10 inside a 4-octet parameter', BAD_LEN,
    open({ params: param([cap(65, '0000', '4-octet AS truncated', 10)]) })),
  oc('open-ext-optparams-ok', 'RFC 9072 §2', 'extended optional parameters, consistent', 'ok',
    open({ optLen: 255, params: extParams([MP4, AS4(), RRC]) }), { checks: ['caps 1 65 2'] }),
  oc('open-ext-optparams-len-overrun', 'CVE-2022-40302', 'extended length 0x0100 with 19 octets present', BAD_LEN,
    open({ optLen: 255, params: extParams([MP4, AS4(), RRC], { extLen: 256 }) })),
  oc('open-ext-param-len-overrun', 'CVE-2022-40318', 'extended parameter length 0xffff', BAD_LEN,
    open({ optLen: 255, params: extParams([MP4, AS4()], { paramLen: 0xffff }) })),
  oc('open-ext-marker-only', 'CVE-2022-40302', 'optional length 255, then 0xff and nothing else', BAD_LEN, open({ optLen: 255, params: [L('ff', 'non-ext type 255, then the message ends')] })),
  oc('open-ext-len-1', 'RFC 9072 §2', 'extended marker with only one octet of the 2-octet length', BAD_LEN, open({ optLen: 255, params: [L('ff00', 'non-ext type 255, half a length')] })),
  oc('open-ext-param-short', 'RFC 9072 §2', 'extended length 2: one param type with half a length', BAD_LEN,
    open({ optLen: 255, params: [L('ff0002', 'non-ext type 255, ext length 2'), L('0200', 'param type 2, one length octet')] })),
  oc('open-optlen-255-normal-ok', 'RFC 9072 §2', 'a 255-octet classic parameter block whose first type is 2', 'ok',
    open({ params: [...param([MP4, AS4(), RRC]), ...param([cap(200, '00'.repeat(235), 'unknown capability 200 filler')])] })),
  oc('open-mp-cap-len-3', 'RFC 4760 §8', 'MP capability of length 3', BAD_CAP, open({ params: param([cap(1, '000100', 'MP truncated'), AS4()]) })),
  oc('open-mp-cap-len-5', 'RFC 4760 §8', 'MP capability of length 5', BAD_CAP, open({ params: param([cap(1, '0001000100', 'MP with an extra octet'), AS4()]) })),
  oc('open-as4-cap-len-2', 'RFC 6793 §3', '4-octet AS capability of length 2', BAD_CAP, open({ params: param([MP4, cap(65, 'fde9', 'AS 65001 as 2 octets')]) })),
  oc('open-as4-cap-len-6', 'RFC 6793 §3', '4-octet AS capability of length 6', BAD_CAP, open({ params: param([MP4, cap(65, '0000fde90000', 'AS plus 2 octets')]) })),
  oc('open-gr-cap-len-3', 'RFC 4724 §3', 'graceful restart capability of length 3 (not 2 + 4n)', BAD_CAP, open({ params: param([MP4, AS4(), cap(64, '00b400', 'GR truncated')]) })),
  oc('open-gr-cap-len-1', 'RFC 4724 §3', 'graceful restart capability of length 1', BAD_CAP, open({ params: param([MP4, AS4(), cap(64, '00', 'GR one octet')]) })),
  oc('open-addpath-cap-len-5', 'RFC 7911 §4', 'ADD-PATH capability of length 5', BAD_CAP, open({ params: param([MP4, AS4(), cap(69, '0001010300', 'ADD-PATH plus 1')]) })),
  oc('open-fqdn-cap-overrun', 'draft-walton-bgp-hostname', 'FQDN capability whose hostname length runs past it', BAD_CAP,
    open({ params: param([MP4, AS4(), cap(73, '10' + '6869', 'hostname length 16, 2 octets')]) })),
  oc('open-role-cap-len-2', 'RFC 9234 §4.1', 'BGP Role capability of length 2', 'session-reset 2/0|2/11 ; ok', open({ params: param([MP4, AS4(), cap(9, '0300', 'role 3 plus 1')]) })),
  oc('open-missing-as4-required', 'RFC 5492 §3', 'no 4-octet AS capability, and we require it', 'session-reset 2/7',
    open({ params: param([MP4, RRC]) }), { peer: `${PEER} require=as4` }),
  oc('open-missing-mp-v6-required', 'RFC 5492 §3', 'no MP IPv6 capability, and we require it', 'session-reset 2/7', open(), { peer: `${PEER} require=v6` }),
  oc('open-no-caps-none-required-ok', 'RFC 4271 §4.2', 'no optional parameters at all', 'ok', open({ params: [] })),
  oc('open-role-mismatch', 'RFC 9234 §4.2', 'both sides claim role provider', 'session-reset 2/11',
    open({ params: param([MP4, AS4(), cap(9, '00', 'role provider')]) }), { peer: `${PEER} role=provider` }),
  oc('open-role-ok', 'RFC 9234 §4.2', 'remote customer, local provider', 'ok',
    open({ params: param([MP4, AS4(), cap(9, '03', 'role customer')]) }), { peer: `${PEER} role=provider` }),
  oc('open-caps-singlets-ok', 'RFC 5492 §4 (FRR Cap-singlets)', 'one capability per optional parameter', 'ok',
    open({ params: [...param([MP4]), ...param([AS4()]), ...param([RRC])] }), { checks: ['caps 1 65 2'] }),
  oc('open-cap-unknown-ok', 'RFC 5492 §3', 'unknown capability 200 with 3 octets', 'ok', open({ params: param([MP4, AS4(), cap(200, 'aabbcc', 'unknown')]) }),
    { checks: ['caps 1 65 200'] }),
  oc('open-cap-mp-twice-ok', 'RFC 4760 §8', 'MP capabilities for IPv4 and IPv6', 'ok', open({ params: param([MP4, MP6, AS4()]) }), { checks: ['caps 1 1 65'] }),
  oc('open-cap-empty-param-ok', 'RFC 5492 §4', 'an empty capabilities parameter between two others', 'ok',
    open({ params: [...param([MP4]), ...param([]), ...param([AS4()])] }), { checks: ['caps 1 65'] }),
  oc('open-trailing-bytes', 'RFC 4271 §6.2', 'optional parameters length 0 followed by 4 stray octets', BAD_LEN,
    open({ params: [], tail: [L('02020200', 'stray octets not covered by the optional parameters length')] })),
  { name: 'fsm-open-in-established', table: 'F', rfc: 'RFC 6608 §4', desc: 'a valid OPEN received in Established', expect: 'ok',
    fsm: 'established -> session-reset 5/3', lines: open() },
];
