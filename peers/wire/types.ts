/**
 * Plain-data values for every BGP message the codec reads and writes. Decoders in this folder
 * produce them from bytes; encoders turn them back into exact bytes. They are structured-clone
 * safe (no classes, no Maps), so they can cross to the route-engine worker unchanged.
 */
import type { Afi, Origin } from './constants.js';

/** An IP prefix as it appears in NLRI. `addr` is 4 (IPv4) or 16 (IPv6) bytes, host bits zero. */
export interface Prefix {
  readonly afi: Afi;
  readonly len: number;
  readonly addr: Uint8Array;
  /** RFC 7911 ADD-PATH path identifier, present only when ADD-PATH receive is negotiated. */
  readonly pathId?: number;
}

/** RFC 4271 §4.3 AS_PATH segment; ASNs always 4-octet values after decoding (RFC 6793 merge). */
export interface AsPathSegment {
  /** 1 AS_SET, 2 AS_SEQUENCE, 3 AS_CONFED_SEQUENCE, 4 AS_CONFED_SET. */
  readonly type: number;
  readonly asns: readonly number[];
}

/** Next hops of an MP_REACH_NLRI (RFC 4760 §3; RFC 2545 §3 for IPv6 link-local; RFC 8950). */
export interface MpNextHop {
  /** 4 or 16 bytes. */
  readonly global: Uint8Array;
  /** 16 bytes: IPv6 link-local, when the next-hop length is 32. */
  readonly linkLocal?: Uint8Array;
}

export interface MpReach {
  readonly afi: number;
  readonly safi: number;
  readonly nextHop: MpNextHop;
  readonly nlri: readonly Prefix[];
}

export interface MpUnreach {
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly Prefix[];
}

/** An attribute kept as bytes: unknown optional transitive ones, passed on with Partial set. */
export interface RawAttribute {
  readonly flags: number;
  readonly type: number;
  readonly value: Uint8Array;
}

/** The known path attributes of an UPDATE, decoded. Absent fields were not in the message. */
export interface PathAttributes {
  origin?: Origin;
  /** Effective AS path (AS_PATH merged with AS4_PATH per RFC 6793 §4.2.3 when 2-octet). */
  asPath?: readonly AsPathSegment[];
  /** IPv4 NEXT_HOP attribute (4 bytes). */
  nextHop?: Uint8Array;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  /** AGGREGATOR (merged with AS4_AGGREGATOR when 2-octet). address is a 4-byte IPv4 value as u32. */
  aggregator?: { readonly asn: number; readonly address: number };
  /** RFC 1997 communities as u32 values. */
  communities?: readonly number[];
  /** RFC 4456 ORIGINATOR_ID as u32. */
  originatorId?: number;
  /** RFC 4456 CLUSTER_LIST as u32 values. */
  clusterList?: readonly number[];
  /** RFC 4360 extended communities, 8 bytes each. */
  extCommunities?: readonly Uint8Array[];
  /** RFC 8092 large communities: [global admin, local data 1, local data 2]. */
  largeCommunities?: readonly (readonly [number, number, number])[];
  /** RFC 9234 Only To Customer: an ASN. */
  otc?: number;
  /** Unknown optional transitive attributes, in order of appearance. */
  unknown?: readonly RawAttribute[];
}

export interface UpdateMsg {
  readonly type: 2;
  /** IPv4 unicast withdrawn routes (classic field). */
  readonly withdrawn: readonly Prefix[];
  readonly attrs: PathAttributes;
  /** IPv4 unicast NLRI (classic field). */
  readonly nlri: readonly Prefix[];
  readonly mpReach?: MpReach;
  readonly mpUnreach?: MpUnreach;
  /**
   * RFC 7606 §2: when true, an attribute error means every route announced in this UPDATE
   * (nlri and mpReach.nlri) must be handled as withdrawn. Set by the decoder only.
   */
  readonly treatAsWithdraw?: boolean;
}

/** Capabilities (RFC 5492), by code. Unknown codes keep their bytes. */
export type Capability =
  | { readonly code: 1; readonly afi: number; readonly safi: number }
  | { readonly code: 2 }
  | { readonly code: 5; readonly entries: readonly { afi: number; safi: number; nextHopAfi: number }[] }
  | { readonly code: 6 }
  | { readonly code: 9; readonly role: number }
  | {
      readonly code: 64;
      /** R bit: the sender has restarted. */
      readonly restarting: boolean;
      /** N bit (RFC 8538): graceful notification supported. */
      readonly notification: boolean;
      /** Restart time in seconds (12 bits). */
      readonly restartTime: number;
      readonly families: readonly { afi: number; safi: number; forwardingState: boolean }[];
    }
  | { readonly code: 65; readonly asn: number }
  | {
      readonly code: 69;
      /** mode: 1 receive, 2 send, 3 both (RFC 7911 §4). */
      readonly families: readonly { afi: number; safi: number; mode: number }[];
    }
  | { readonly code: 70 }
  | { readonly code: 73; readonly hostname: string; readonly domain: string }
  | { readonly code: number; readonly value: Uint8Array; readonly unknown: true };

export interface OpenMsg {
  readonly type: 1;
  readonly version: number;
  /** The 2-octet My Autonomous System field (AS_TRANS when the real ASN needs 4 octets). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP Identifier as u32. */
  readonly bgpId: number;
  readonly capabilities: readonly Capability[];
  /** Optional parameters other than capabilities (type, bytes); only for reporting. */
  readonly otherParams?: readonly { type: number; value: Uint8Array }[];
  /** Encode with the RFC 9072 extended optional-parameters length (set on decode if it was). */
  readonly extendedParams?: boolean;
}

export interface NotificationMsg {
  readonly type: 3;
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
  /** RFC 9003 shutdown communication (Cease 2 and 4), when present and valid UTF-8. */
  readonly shutdownMessage?: string;
}

export interface KeepaliveMsg {
  readonly type: 4;
}

export interface RouteRefreshMsg {
  readonly type: 5;
  readonly afi: number;
  /** RFC 7313 §3 message subtype: 0 normal, 1 BoRR, 2 EoRR. */
  readonly subtype: number;
  readonly safi: number;
}

export type BgpMessage = OpenMsg | UpdateMsg | NotificationMsg | KeepaliveMsg | RouteRefreshMsg;
