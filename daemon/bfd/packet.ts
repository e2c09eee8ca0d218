/**
 * BFD Control packets (RFC 5880 §4.1): encode the mandatory section, and decode a received UDP
 * payload with the reception checks of §6.8.6 that need no session state (version, length,
 * detect multiplier, multipoint, discriminators; authentication is never configured here, so a
 * packet with the A bit is refused). Input: the datagram bytes from daemon/bfd/transport.ts.
 * Output: a BfdControl or a BfdDecodeError value. Pure: no I/O, no clock; the decoder never
 * throws.
 */

/** RFC 5880 §4.1 State values. */
export const BfdState = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdStateValue = (typeof BfdState)[keyof typeof BfdState];
export const STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;
export type BfdStateName = (typeof STATE_NAMES)[number];

/** RFC 5880 §4.1 Diagnostic codes. */
export const BfdDiag = {
  None: 0,
  ControlDetectionTimeExpired: 1,
  EchoFunctionFailed: 2,
  NeighborSignaledSessionDown: 3,
  ForwardingPlaneReset: 4,
  PathDown: 5,
  ConcatenatedPathDown: 6,
  AdministrativelyDown: 7,
  ReverseConcatenatedPathDown: 8,
} as const;

const DIAG_NAMES = [
  'no diagnostic', 'control detection time expired', 'echo function failed', 'neighbor signaled session down',
  'forwarding plane reset', 'path down', 'concatenated path down', 'administratively down', 'reverse concatenated path down',
];

export function diagName(d: number): string {
  return DIAG_NAMES[d] ?? `diagnostic ${d}`;
}

/** The mandatory section of a Control packet; intervals in microseconds, as on the wire. */
export interface BfdControl {
  diag: number;
  state: BfdStateValue;
  poll: boolean;
  final: boolean;
  /** Control Plane Independent. */
  cpi: boolean;
  /** Authentication Present. */
  auth: boolean;
  demand: boolean;
  multipoint: boolean;
  detectMult: number;
  myDisc: number;
  yourDisc: number;
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
}

export interface BfdDecodeError {
  error: string;
}

/** RFC 5880 §4.1: the mandatory section is 24 octets. */
export const CONTROL_LEN = 24;
const VERSION = 1;

export function encodeControl(p: BfdControl): Uint8Array {
  const b = new Uint8Array(CONTROL_LEN);
  const v = new DataView(b.buffer);
  b[0] = (VERSION << 5) | (p.diag & 0x1f);
  b[1] =
    ((p.state & 3) << 6) |
    (p.poll ? 0x20 : 0) |
    (p.final ? 0x10 : 0) |
    (p.cpi ? 0x08 : 0) |
    (p.auth ? 0x04 : 0) |
    (p.demand ? 0x02 : 0) |
    (p.multipoint ? 0x01 : 0);
  b[2] = p.detectMult & 0xff;
  b[3] = CONTROL_LEN;
  v.setUint32(4, p.myDisc >>> 0);
  v.setUint32(8, p.yourDisc >>> 0);
  v.setUint32(12, p.desiredMinTxUs >>> 0);
  v.setUint32(16, p.requiredMinRxUs >>> 0);
  v.setUint32(20, p.requiredMinEchoRxUs >>> 0);
  return b;
}

/** RFC 5880 §6.8.6: checks that discard a packet before any session is looked at. */
export function decodeControl(buf: Uint8Array): BfdControl | BfdDecodeError {
  // RFC 5880 §6.8.6: "If the Length field is less than the minimum correct value (24 if the A bit
  // is clear, or 26 if the A bit is set), the packet MUST be discarded."
  if (buf.length < CONTROL_LEN) return { error: `short packet: ${buf.length} octets (at least ${CONTROL_LEN})` };
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const b0 = buf[0] ?? 0;
  const b1 = buf[1] ?? 0;
  const length = buf[3] ?? 0;
  // RFC 5880 §6.8.6: "If the version number is not correct (1), the packet MUST be discarded."
  const version = b0 >> 5;
  if (version !== VERSION) return { error: `version ${version} (only 1)` };
  const auth = (b1 & 0x04) !== 0;
  if (length < (auth ? 26 : CONTROL_LEN)) return { error: `Length field ${length} below the minimum ${auth ? 26 : CONTROL_LEN}` };
  // RFC 5880 §6.8.6: "If the Length field is greater than the payload of the encapsulating
  // protocol, the packet MUST be discarded."
  if (length > buf.length) return { error: `Length field ${length} beyond the ${buf.length}-octet payload` };
  const p: BfdControl = {
    diag: b0 & 0x1f,
    state: (b1 >> 6) as BfdStateValue,
    poll: (b1 & 0x20) !== 0,
    final: (b1 & 0x10) !== 0,
    cpi: (b1 & 0x08) !== 0,
    auth,
    demand: (b1 & 0x02) !== 0,
    multipoint: (b1 & 0x01) !== 0,
    detectMult: buf[2] ?? 0,
    myDisc: v.getUint32(4),
    yourDisc: v.getUint32(8),
    desiredMinTxUs: v.getUint32(12),
    requiredMinRxUs: v.getUint32(16),
    requiredMinEchoRxUs: v.getUint32(20),
  };
  // RFC 5880 §6.8.6: "If the Detect Mult field is zero, the packet MUST be discarded."
  if (p.detectMult === 0) return { error: 'Detect Mult is zero' };
  // RFC 5880 §6.8.6: "If the Multipoint (M) bit is nonzero, the packet MUST be discarded."
  if (p.multipoint) return { error: 'Multipoint bit set' };
  // RFC 5880 §6.8.6: "If the My Discriminator field is zero, the packet MUST be discarded."
  if (p.myDisc === 0) return { error: 'My Discriminator is zero' };
  // RFC 5880 §6.8.6: "If the Your Discriminator field is zero and the State field is not Down or
  // AdminDown, the packet MUST be discarded."
  if (p.yourDisc === 0 && p.state !== BfdState.Down && p.state !== BfdState.AdminDown)
    return { error: `Your Discriminator is zero in state ${STATE_NAMES[p.state]}` };
  // RFC 5880 §4.1: "A BFD Control packet MUST NOT have both the Poll (P) and Final (F) bits set."
  if (p.poll && p.final) return { error: 'Poll and Final both set' };
  // RFC 5880 §6.8.6: "If the A bit is set and no authentication is in use (bfd.AuthType is zero),
  // the packet MUST be discarded." rackroute configures no BFD authentication.
  if (p.auth) return { error: 'authentication section present (no BFD authentication configured)' };
  return p;
}

export function isDecodeError(r: BfdControl | BfdDecodeError): r is BfdDecodeError {
  return 'error' in r;
}
