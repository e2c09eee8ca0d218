/**
 * Builders shared by the UPDATE codec tests: attribute and body assembly from annotated hex,
 * contexts, and assertions on RFC 7606 verdicts. Test-only; no I/O.
 */
import assert from 'node:assert/strict';
import { familyKey, fullContext } from '../../../../peers/wire/context.js';
import type { CodecContext } from '../../../../peers/wire/context.js';
import type { Decoded, Handling, WireError } from '../../../../peers/wire/errors.js';
import { decodeUpdate } from '../../../../peers/wire/update.js';
import type { UpdateMsg } from '../../../../peers/wire/types.js';
import { concat, hex, toHex } from '../../../support/hex.js';

/** eBGP, 4-octet AS, IPv4 + IPv6 unicast, 4096-byte messages. */
export const EBGP: CodecContext = { ...fullContext(true), extendedMessage: false };
export const IBGP: CodecContext = { ...fullContext(false), extendedMessage: false };
/** A 2-octet-AS session (RFC 6793 OLD peer). */
export const AS2: CodecContext = { ...EBGP, as4: false };
export const ADDPATH: CodecContext = {
  ...EBGP,
  addPathRx: new Set([familyKey(1, 1), familyKey(2, 1)]),
  addPathTx: new Set([familyKey(1, 1), familyKey(2, 1)]),
};

/** One attribute: flags, type, 1-octet length (2 with flag 0x10), value. */
export function attr(flags: number, type: number, value: Uint8Array | string): Uint8Array {
  const v = typeof value === 'string' ? hex(value) : value;
  const head = flags & 0x10 ? [flags, type, v.length >> 8, v.length & 0xff] : [flags, type, v.length];
  return concat(new Uint8Array(head), v);
}

/** Valid mandatory attributes: ORIGIN IGP, AS_PATH (65001) 4-octet, NEXT_HOP 192.0.2.1. */
export const ORIGIN_IGP = hex`40 01 01 00`;
export const AS_PATH_65001 = hex`40 02 06 02 01 0000fde9`;
export const NEXT_HOP = hex`40 03 04 c0000201`;
export const MANDATORY = concat(ORIGIN_IGP, AS_PATH_65001, NEXT_HOP);
/** NLRI 10.1.0.0/24. */
export const NLRI_24 = hex`18 0a0100`;

/** UPDATE body: withdrawn field, attribute field, NLRI. */
export function body(withdrawn: Uint8Array, attrs: Uint8Array, nlri: Uint8Array): Uint8Array {
  const w = new Uint8Array([withdrawn.length >> 8, withdrawn.length & 0xff]);
  const a = new Uint8Array([attrs.length >> 8, attrs.length & 0xff]);
  return concat(w, withdrawn, a, attrs, nlri);
}

/** Body announcing 10.1.0.0/24 with the mandatory attributes plus `extra`. */
export function announce(...extra: Uint8Array[]): Uint8Array {
  return body(new Uint8Array(0), concat(MANDATORY, ...extra), NLRI_24);
}

/** Assert ok + treat-as-withdraw with a warning of this code/subcode for attribute `attrType`. */
export function expectWithdraw(d: Decoded<UpdateMsg>, subcode: number, attrType?: number): WireError {
  if (!d.ok) assert.fail(`expected treat-as-withdraw, got ${d.error.handling} ${d.error.code}/${d.error.subcode}: ${d.error.reason}`);
  assert.equal(d.value.treatAsWithdraw, true, 'treatAsWithdraw');
  const w = d.warnings.find((x) => x.handling === 'treat-as-withdraw' && x.subcode === subcode);
  assert.ok(w, `no treat-as-withdraw 3/${subcode} warning in ${JSON.stringify(d.warnings.map((x) => [x.subcode, x.handling, x.reason]))}`);
  assert.equal(w.code, 3);
  if (attrType !== undefined) assert.equal(w.attr, attrType);
  return w;
}

/** Assert ok, route kept (no withdraw), and one attribute-discard warning with this subcode. */
export function expectDiscard(d: Decoded<UpdateMsg>, subcode: number, attrType?: number): UpdateMsg {
  if (!d.ok) assert.fail(`expected attribute discard, got ${d.error.handling}: ${d.error.reason}`);
  assert.equal(d.value.treatAsWithdraw, undefined, 'route must be kept');
  const w = d.warnings.find((x) => x.handling === 'attribute-discard' && x.subcode === subcode);
  assert.ok(w, `no discard 3/${subcode} warning in ${JSON.stringify(d.warnings.map((x) => [x.subcode, x.handling, x.reason]))}`);
  if (attrType !== undefined) assert.equal(w.attr, attrType);
  assert.equal(d.value.nlri.length, 1);
  return d.value;
}

/** Assert a clean decode: ok, no warnings, not withdrawn. */
export function expectClean(d: Decoded<UpdateMsg>): UpdateMsg {
  if (!d.ok) assert.fail(`expected success, got ${d.error.code}/${d.error.subcode} ${d.error.handling}: ${d.error.reason}`);
  assert.deepEqual(d.warnings.map((w) => w.reason), []);
  assert.equal(d.value.treatAsWithdraw, undefined);
  return d.value;
}

/** Assert a failure with this code/subcode/handling. */
export function expectFail(d: Decoded<UpdateMsg>, subcode: number, handling: Handling = 'session-reset'): WireError {
  if (d.ok) assert.fail(`expected ${handling} 3/${subcode}, got success (warnings: ${d.warnings.map((w) => w.reason).join('; ')})`);
  assert.equal(`${d.error.code}/${d.error.subcode}`, `3/${subcode}`, d.error.reason);
  assert.equal(d.error.handling, handling);
  return d.error;
}

export function decode(b: Uint8Array, ctx: CodecContext = EBGP): Decoded<UpdateMsg> {
  return decodeUpdate(b, ctx);
}

export { hex, toHex, concat };
