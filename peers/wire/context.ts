/**
 * CodecContext: what the two OPENs negotiated that changes how bytes are read and written.
 * Built by peers/negotiate.ts on entering Established and handed to every decoder/encoder
 * explicitly; there are no codec globals. Pure data.
 */

/** Family key used in sets and maps: (afi << 8) | safi. */
export function familyKey(afi: number, safi: number): number {
  return ((afi & 0xffff) << 8) | (safi & 0xff);
}

export interface CodecContext {
  /** RFC 6793: both sides sent the 4-octet AS capability; AS_PATH carries 4-octet ASNs. */
  readonly as4: boolean;
  /** RFC 8654: both sides sent Extended Message; messages up to 65535 bytes. */
  readonly extendedMessage: boolean;
  /** RFC 7911: families (familyKey) for which we receive path identifiers. */
  readonly addPathRx: ReadonlySet<number>;
  /** RFC 7911: families (familyKey) for which we send path identifiers. */
  readonly addPathTx: ReadonlySet<number>;
  /** True on an eBGP session: changes RFC 7606 handling of LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST. */
  readonly ebgp: boolean;
  /** Negotiated families (familyKey); an MP_REACH for any other is an error (RFC 4760 §7). */
  readonly families: ReadonlySet<number>;
}

/** The context before/without negotiation: RFC 4271 defaults, IPv4 unicast only. */
export const DEFAULT_CONTEXT: CodecContext = {
  as4: false,
  extendedMessage: false,
  addPathRx: new Set(),
  addPathTx: new Set(),
  ebgp: true,
  families: new Set([familyKey(1, 1)]),
};

/** A context with everything on, for tests and fuzzing. */
export function fullContext(ebgp = true): CodecContext {
  return {
    as4: true,
    extendedMessage: true,
    addPathRx: new Set(),
    addPathTx: new Set(),
    ebgp,
    families: new Set([familyKey(1, 1), familyKey(2, 1)]),
  };
}
