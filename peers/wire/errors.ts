/**
 * WireError: what a decoder returns instead of throwing. It carries the NOTIFICATION triple
 * (code, subcode, data) and the RFC 7606 §2 handling approach, so the session and the route
 * engine know what to do without re-deriving it. Pure: no I/O.
 */

/**
 * RFC 7606 §2 approaches, strongest first. 'session-reset' sends the NOTIFICATION and closes;
 * 'afisafi-disable' stops using one family; 'treat-as-withdraw' removes the UPDATE's NLRI;
 * 'attribute-discard' drops one attribute and keeps the route.
 */
export type Handling = 'session-reset' | 'afisafi-disable' | 'treat-as-withdraw' | 'attribute-discard';

const RANK: Record<Handling, number> = {
  'session-reset': 3,
  'afisafi-disable': 2,
  'treat-as-withdraw': 1,
  'attribute-discard': 0,
};

export interface WireError {
  readonly code: number;
  readonly subcode: number;
  /** NOTIFICATION data field (RFC 4271 §6 says what each error puts here). */
  readonly data: Uint8Array;
  readonly handling: Handling;
  /** Human-readable reason for logs and tests. */
  readonly reason: string;
  /** Attribute type code the error is about, when there is one. */
  readonly attr?: number;
  /** familyKey(afi, safi) the error concerns, when there is one (set with 'afisafi-disable'). */
  readonly family?: number;
}

export function wireError(
  code: number,
  subcode: number,
  handling: Handling,
  reason: string,
  data: Uint8Array = new Uint8Array(0),
  attr?: number,
): WireError {
  return attr === undefined ? { code, subcode, data, handling, reason } : { code, subcode, data, handling, reason, attr };
}

/** RFC 7606 §3: "If the errors need different approaches, use the strongest". */
export function stronger(a: WireError, b: WireError): WireError {
  return RANK[b.handling] > RANK[a.handling] ? b : a;
}

export function handlingRank(h: Handling): number {
  return RANK[h];
}

/** A decoder result: a value (perhaps with non-fatal warnings) or an error value. Never a throw. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly WireError[] }
  | { readonly ok: false; readonly error: WireError };

export function ok<T>(value: T, warnings: readonly WireError[] = []): Decoded<T> {
  return { ok: true, value, warnings };
}

export function fail<T>(error: WireError): Decoded<T> {
  return { ok: false, error };
}
