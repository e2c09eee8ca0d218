/**
 * IANA BGP registries as `as const` objects, named after the registry entries so that grepping
 * the RFC name finds the code. Pure data: no imports, no behaviour.
 */

/** RFC 4271 §4.1 message types, RFC 2918 ROUTE-REFRESH. */
export const MsgType = {
  Open: 1,
  Update: 2,
  Notification: 3,
  Keepalive: 4,
  RouteRefresh: 5,
} as const;
export type MsgType = (typeof MsgType)[keyof typeof MsgType];

/** RFC 4271 §4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LEN = 19;
/** RFC 4271 §4: maximum message size without RFC 8654 Extended Message. */
export const MAX_MSG_LEN = 4096;
/** RFC 8654 §4: maximum message size with Extended Message. */
export const MAX_EXT_MSG_LEN = 65535;
/** RFC 6793 §9: AS_TRANS. */
export const AS_TRANS = 23456;

/** Path attribute type codes (IANA "BGP Path Attributes"). */
export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  MultiExitDisc: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  OriginatorId: 9,
  ClusterList: 10,
  MpReachNlri: 14,
  MpUnreachNlri: 15,
  ExtendedCommunities: 16,
  As4Path: 17,
  As4Aggregator: 18,
  TunnelEncapsulation: 23,
  Ipv6ExtendedCommunities: 25,
  Aigp: 26,
  LinkState: 29,
  LargeCommunity: 32,
  Otc: 35,
  PrefixSid: 40,
} as const;
export type AttrType = (typeof AttrType)[keyof typeof AttrType];

/** RFC 4271 §4.3 attribute flag bits. The low four bits are unused and ignored on receipt. */
export const AttrFlag = {
  Optional: 0x80,
  Transitive: 0x40,
  Partial: 0x20,
  ExtendedLength: 0x10,
} as const;

/** RFC 4271 §4.3 ORIGIN values. */
export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;
export type Origin = (typeof Origin)[keyof typeof Origin];

/** RFC 4271 §4.3 / RFC 5065 AS_PATH segment types. */
export const AsPathSegType = {
  AsSet: 1,
  AsSequence: 2,
  AsConfedSequence: 3,
  AsConfedSet: 4,
} as const;

/** Address family identifiers (IANA "Address Family Numbers"). */
export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export type Afi = (typeof Afi)[keyof typeof Afi];
/** Subsequent address family identifiers. */
export const Safi = { Unicast: 1, Multicast: 2 } as const;
export type Safi = (typeof Safi)[keyof typeof Safi];

/** OPEN optional parameter types (RFC 5492 capabilities; 255 = RFC 9072 extended length). */
export const OptParamType = { Capabilities: 2, ExtendedLength: 255 } as const;

/** Capability codes (IANA "Capability Codes"). */
export const CapCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  ExtendedNextHop: 5,
  ExtendedMessage: 6,
  Role: 9,
  GracefulRestart: 64,
  FourOctetAs: 65,
  AddPath: 69,
  EnhancedRouteRefresh: 70,
  LongLivedGracefulRestart: 71,
  Fqdn: 73,
} as const;

/** RFC 4271 §4.5 NOTIFICATION error codes (+ RFC 7313 code 7). */
export const NotifCode = {
  MessageHeaderError: 1,
  OpenMessageError: 2,
  UpdateMessageError: 3,
  HoldTimerExpired: 4,
  FsmError: 5,
  Cease: 6,
  RouteRefreshMessageError: 7,
} as const;

/** RFC 4271 §6.1 Message Header Error subcodes. */
export const HeaderSubcode = {
  ConnectionNotSynchronized: 1,
  BadMessageLength: 2,
  BadMessageType: 3,
} as const;

/** RFC 4271 §6.2 OPEN Message Error subcodes (+ RFC 5492, RFC 9234). */
export const OpenSubcode = {
  Unspecific: 0,
  UnsupportedVersionNumber: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;

/** RFC 4271 §6.3 UPDATE Message Error subcodes. */
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnownAttribute: 2,
  MissingWellKnownAttribute: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOriginAttribute: 6,
  InvalidNextHopAttribute: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

/** RFC 6608 FSM error subcodes. */
export const FsmSubcode = {
  Unspecified: 0,
  UnexpectedMessageInOpenSent: 1,
  UnexpectedMessageInOpenConfirm: 2,
  UnexpectedMessageInEstablished: 3,
} as const;

/** RFC 4486 / RFC 9003 Cease subcodes. */
export const CeaseSubcode = {
  MaximumPrefixesReached: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollisionResolution: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

/** RFC 7313 §5 ROUTE-REFRESH message subtypes. */
export const RouteRefreshSubtype = { Normal: 0, BoRR: 1, EoRR: 2 } as const;
