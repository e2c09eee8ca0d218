/**
 * RFC 4271 §6.8 connection collision resolution: when two TCP connections to the same peer both
 * carry an OPEN, decide which one survives. Input: BGP Identifiers (u32, from our config and the
 * received OPEN) and each connection's direction, supplied by the socket edge (peers/session.ts);
 * output: which connection gets OpenCollisionDump. Pure: no I/O.
 */

/** 'outbound': we initiated the TCP connection; 'inbound': the remote system did. */
export type ConnDirection = 'inbound' | 'outbound';

export interface CollisionInput {
  /** Our BGP Identifier (u32). */
  readonly localId: number;
  /** The remote BGP Identifier from the OPEN (u32). */
  readonly remoteId: number;
  /** RFC 6286 §2.3 tie-break when the identifiers are equal (possible on eBGP only). */
  readonly localAsn?: number;
  readonly remoteAsn?: number;
}

/**
 * Which direction's connection is kept: the one initiated by the speaker with the higher BGP
 * Identifier. RFC 4271 §6.8: "Comparing BGP Identifiers is done by converting them to host byte
 * order and treating them as (4-octet long) unsigned integers." "If the value of the local BGP
 * Identifier is less than the remote one, the local system closes the BGP connection that
 * already exists ... and accepts the BGP connection initiated by the remote system."
 */
export function connectionToKeep(c: CollisionInput): ConnDirection {
  const local = c.localId >>> 0;
  const remote = c.remoteId >>> 0;
  if (local !== remote) return local < remote ? 'inbound' : 'outbound';
  // RFC 6286 §2.3: "the connection initiated by the BGP speaker with the larger AS number is
  // preserved".
  const la = (c.localAsn ?? 0) >>> 0;
  const ra = (c.remoteAsn ?? 0) >>> 0;
  return la < ra ? 'inbound' : 'outbound';
}

export interface CollisionDecision {
  readonly keep: ConnDirection;
  /** The connection to send OpenCollisionDump to (NOTIFICATION Cease 6/7, then close). */
  readonly close: ConnDirection;
  /** True when the connection to close is the one that already existed. */
  readonly closeExisting: boolean;
}

/**
 * Resolve a collision between the `existing` connection (in OpenConfirm, or OpenSent once its
 * OPEN is known) and the other one, whose OPEN just arrived.
 */
export function resolveCollision(c: CollisionInput & { readonly existing: ConnDirection }): CollisionDecision {
  const keep = connectionToKeep(c);
  const close: ConnDirection = keep === 'inbound' ? 'outbound' : 'inbound';
  return { keep, close, closeExisting: close === c.existing };
}

/**
 * A new connection sent an OPEN while a session is Established. RFC 4271 §6.8: with
 * CollisionDetectEstablishedState off (our setting) the new connection is closed. RFC 4724 §4.2:
 * a peer that advertised Graceful Restart and opens a new session has restarted, so the old
 * Established connection is the one to drop (its routes are kept as stale by the route engine).
 */
export function resolveEstablishedCollision(remoteAdvertisedGracefulRestart: boolean): 'close-new' | 'close-established' {
  return remoteAdvertisedGracefulRestart ? 'close-established' : 'close-new';
}
