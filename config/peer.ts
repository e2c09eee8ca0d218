/**
 * Reads one `peers[i]` mapping into a PeerConfig with the defaults from schema.ts. Range
 * checks live here; checks that involve other fields or other peers live in validate.ts.
 * Input: a Val from sections.ts. Output: a PeerConfig (placeholders where a value was refused,
 * its path marked bad in ctx). Pure: no I/O.
 */
import { isScalar } from 'yaml';
import {
  fail, optional, readBool, readEnum, readInt, readList, readMap, readString, required, joinPath,
  type Ctx, type Val,
} from './reader.js';
import {
  ADD_PATH_MODES, FAMILIES, KEYS, PEER_DEFAULTS, type BfdConfig, type Family, type GracefulRestartConfig, type PeerConfig, type TcpAoConfig,
  TCP_AO_ALGORITHMS,
} from './schema.js';
import {
  readAbsolutePath, readEnvName, readIp, readPeerAsn, readPeerName, ASN_ALLOWED,
} from './values.js';
import { readMaxPrefix, readPolicyRefs } from './policy.js';

const PORT = (n: number): boolean => n >= 1 && n <= 65535;
/** RFC 4271 §4.2: Hold Time MUST be either zero or at least three seconds. */
const HOLD_TIME = (n: number): boolean => n === 0 || (n >= 3 && n <= 65535);

export function readPeer(ctx: Ctx, item: Val): PeerConfig {
  const placeholder: PeerConfig = { ...defaults(), name: `#${item.path}`, address: '', asn: 'external' };
  const e = readMap(ctx, item, KEYS.peer);
  if (!e) return placeholder;
  const address = required(ctx, item, e, 'address', 'IPv4 or IPv6 address', (v) => readIp(ctx, v));
  const asn = required(ctx, item, e, 'asn', `${ASN_ALLOWED}, or internal or external`, (v) => readPeerAsn(ctx, v));
  const peer: PeerConfig = {
    name: optional(e, 'name', (v) => readPeerName(ctx, v), address ?? placeholder.name),
    address: address ?? '',
    asn: asn ?? 'external',
    port: optional(e, 'port', (v) => readInt(ctx, v, PORT, '1..65535'), PEER_DEFAULTS.port),
    passive: optional(e, 'passive', (v) => readBool(ctx, v), PEER_DEFAULTS.passive),
    families: optional(e, 'families', (v) => readFamilies(ctx, v), [...PEER_DEFAULTS.families]),
    holdTime: optional(e, 'holdTime', (v) => readInt(ctx, v, HOLD_TIME, '0 or 3..65535'), PEER_DEFAULTS.holdTime),
    connectRetry: optional(e, 'connectRetry', (v) => readInt(ctx, v, (n) => n >= 1 && n <= 65535, '1..65535'), PEER_DEFAULTS.connectRetry),
    addPath: optional(e, 'addPath', (v) => readEnum(ctx, v, ADD_PATH_MODES), PEER_DEFAULTS.addPath),
    gracefulRestart: optional(e, 'gracefulRestart', (v) => readGracefulRestart(ctx, v), { ...PEER_DEFAULTS.gracefulRestart }),
    bfd: optional(e, 'bfd', (v) => readBfd(ctx, v), { ...PEER_DEFAULTS.bfd }),
    extendedNextHop: optional(e, 'extendedNextHop', (v) => readBool(ctx, v), PEER_DEFAULTS.extendedNextHop),
    // iBGP-only (validate.ts checks the asn against node.asn).
    routeReflectorClient: optional(e, 'routeReflectorClient', (v) => readBool(ctx, v), PEER_DEFAULTS.routeReflectorClient),
    nextHopSelf: optional(e, 'nextHopSelf', (v) => readBool(ctx, v), PEER_DEFAULTS.nextHopSelf),
    // RFC 5082 GTSM (daemon/net/); validate.ts refuses it together with multihop.
    ttlSecurity: optional(e, 'ttlSecurity', (v) => readBool(ctx, v), PEER_DEFAULTS.ttlSecurity),
    // RFC 8212: no policy configured means the built-in defaults, never "accept everything".
    import: optional(e, 'import', (v) => readPolicyRefs(ctx, v), [...PEER_DEFAULTS.import]),
    export: optional(e, 'export', (v) => readPolicyRefs(ctx, v), [...PEER_DEFAULTS.export]),
  };
  if (!address && !e.has('name')) ctx.bad.add(joinPath(item.path, 'name'));
  readOptionalFields(ctx, e, peer);
  return peer;
}

function defaults(): Omit<PeerConfig, 'name' | 'address' | 'asn'> {
  return {
    ...PEER_DEFAULTS,
    families: [...PEER_DEFAULTS.families],
    gracefulRestart: { ...PEER_DEFAULTS.gracefulRestart },
    bfd: { ...PEER_DEFAULTS.bfd },
    import: [...PEER_DEFAULTS.import],
    export: [...PEER_DEFAULTS.export],
  };
}

/** Fields without a default: set only when present and valid. */
function readOptionalFields(ctx: Ctx, e: Map<string, Val>, peer: PeerConfig): void {
  const get = <T>(key: string, read: (v: Val) => T | undefined): T | undefined => {
    const v = e.get(key);
    return v && read(v);
  };
  const keepalive = get('keepalive', (v) => readInt(ctx, v, (n) => n >= 1 && n <= 21845, '1..21845'));
  const localAddress = get('localAddress', (v) => readIp(ctx, v));
  const description = get('description', (v) => readDescription(ctx, v));
  const passwordFile = get('passwordFile', (v) => readAbsolutePath(ctx, v));
  const passwordEnv = get('passwordEnv', (v) => readEnvName(ctx, v));
  const maxPrefix = get('maxPrefix', (v) => readMaxPrefix(ctx, v));
  const tcpAo = get('tcpAo', (v) => readTcpAo(ctx, v));
  const multihop = get('multihop', (v) => readInt(ctx, v, (n) => n >= 1 && n <= 255, '1..255: the TTL to send with'));
  const ifname = get('interface', (v) => readInterfaceName(ctx, v));
  if (keepalive !== undefined) peer.keepalive = keepalive;
  if (localAddress !== undefined) peer.localAddress = localAddress;
  if (description !== undefined) peer.description = description;
  if (passwordFile !== undefined) peer.passwordFile = passwordFile;
  if (passwordEnv !== undefined) peer.passwordEnv = passwordEnv;
  if (maxPrefix !== undefined) peer.maxPrefix = maxPrefix;
  if (tcpAo !== undefined) peer.tcpAo = tcpAo;
  if (multihop !== undefined) peer.multihop = multihop;
  if (ifname !== undefined) peer.interface = ifname;
}

/** A Linux interface name (dev_valid_name): 1..15 bytes, not . or .., no /, : or white space. */
function readInterfaceName(ctx: Ctx, v: Val): string | undefined {
  const allowed = 'interface name: 1..15 characters without /, : or white space';
  return readString(ctx, v, allowed, (s) => Buffer.byteLength(s) <= 15 && s !== '.' && s !== '..' && !/[/:\s]/.test(s));
}

/** RFC 5925 §3.1 Master Key Tuple: the key from a file or a variable, the two KeyIDs, the MAC. */
function readTcpAo(ctx: Ctx, v: Val): TcpAoConfig | undefined {
  const e = readMap(ctx, v, KEYS.tcpAo);
  if (!e) return undefined;
  const keyId = (x: Val): number | undefined => readInt(ctx, x, (n) => n >= 0 && n <= 255, '0..255');
  const sendId = required(ctx, v, e, 'sendId', 'KeyID 0..255 we send', keyId);
  const recvId = required(ctx, v, e, 'recvId', 'KeyID 0..255 the peer sends', keyId);
  const keyFile = e.has('keyFile') ? readAbsolutePath(ctx, e.get('keyFile') as Val) : undefined;
  const keyEnv = e.has('keyEnv') ? readEnvName(ctx, e.get('keyEnv') as Val) : undefined;
  const algorithm = optional(e, 'algorithm', (x) => readEnum(ctx, x, TCP_AO_ALGORITHMS), 'hmac-sha1');
  if (!e.has('keyFile') && !e.has('keyEnv')) return fail(ctx, v, 'has no key (keyFile or keyEnv: the file or environment variable holding it)');
  if (e.has('keyFile') && e.has('keyEnv')) return fail(ctx, e.get('keyEnv') as Val, 'set together with keyFile (one of keyFile or keyEnv)');
  if (sendId === undefined || recvId === undefined || (keyFile ?? keyEnv) === undefined) return undefined;
  return {
    ...(keyFile !== undefined ? { keyFile } : {}),
    ...(keyEnv !== undefined ? { keyEnv } : {}),
    sendId,
    recvId,
    algorithm,
  };
}

/** Free text, but a number or boolean is taken as written (`description: 42`). */
function readDescription(ctx: Ctx, v: Val): string | undefined {
  const raw = v.node && isScalar(v.node) ? v.node.value : undefined;
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return readString(ctx, v, 'one line of text', (s) => !/[\r\n]/.test(s));
}

/** A non-empty subset of FAMILIES without repeats; kept in FAMILIES order. */
function readFamilies(ctx: Ctx, v: Val): Family[] | undefined {
  const items = readList(ctx, v, FAMILIES.join(', '));
  if (!items) return undefined;
  if (items.length === 0) return fail(ctx, v, `empty list is not allowed (one or more of ${FAMILIES.join(', ')})`);
  const seen = new Set<Family>();
  let ok = true;
  for (const item of items) {
    const f = readEnum(ctx, item, FAMILIES);
    if (f === undefined) ok = false;
    else if (seen.has(f)) ok = fail(ctx, item, `${f} is listed twice (each family once)`) ?? false;
    else seen.add(f);
  }
  return ok ? FAMILIES.filter((f) => seen.has(f)) : undefined;
}

function readGracefulRestart(ctx: Ctx, v: Val): GracefulRestartConfig | undefined {
  const e = readMap(ctx, v, KEYS.gracefulRestart);
  if (!e) return undefined;
  const d = PEER_DEFAULTS.gracefulRestart;
  return {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), d.enabled),
    // RFC 4724 §3: Restart Time is 12 bits.
    restartTime: optional(e, 'restartTime', (x) => readInt(ctx, x, (n) => n >= 0 && n <= 4095, '0..4095'), d.restartTime),
  };
}

/** BFD intervals as FRR bfdd accepts them (10..60000 ms); RFC 5880 §4.1 Detect Mult is one octet, not 0. */
function readBfd(ctx: Ctx, v: Val): BfdConfig | undefined {
  const e = readMap(ctx, v, KEYS.bfd);
  if (!e) return undefined;
  const d = PEER_DEFAULTS.bfd;
  const interval = (x: Val): number | undefined => readInt(ctx, x, (n) => n >= 10 && n <= 60000, '10..60000 (milliseconds)');
  return {
    enabled: optional(e, 'enabled', (x) => readBool(ctx, x), d.enabled),
    minRx: optional(e, 'minRx', interval, d.minRx),
    minTx: optional(e, 'minTx', interval, d.minTx),
    multiplier: optional(e, 'multiplier', (x) => readInt(ctx, x, (n) => n >= 1 && n <= 255, '1..255'), d.multiplier),
  };
}
