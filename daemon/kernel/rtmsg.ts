/**
 * rtnetlink message codec for the FIB edge: encodes route / nexthop-object requests and decodes
 * the route, nexthop, link and error messages the kernel sends back (replies, dumps, events).
 * Layouts from include/uapi/linux/{netlink,rtnetlink,nexthop,if_link}.h (host byte order = LE
 * on the machines we run on; addresses in network order).
 *
 * Input: FibRoute / nexthop objects (encode), raw recvmsg buffers (decode). Output: byte buffers
 * for netlink.ts to send, plain objects for it to hand on.
 * Pure: no I/O, no clock; decoders never throw (malformed parts are skipped).
 */
import { formatIp, parseIp, parsePrefix, type Family } from './addr.js';
import { ipv4TextToU32 } from '../../peers/wire/ip.js';
import type { FibNexthop, FibRoute } from './fib.js';
import type { GroupMember, NexthopObject, NhObject } from './nexthops.js';

export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;
export const RTM_NEWLINK = 16;
export const RTM_DELLINK = 17;
export const RTM_GETLINK = 18;
export const RTM_NEWROUTE = 24;
export const RTM_DELROUTE = 25;
export const RTM_GETROUTE = 26;
export const RTM_NEWNEXTHOP = 104;
export const RTM_DELNEXTHOP = 105;
export const RTM_GETNEXTHOP = 106;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
export const NLM_F_DUMP_INTR = 0x10;
export const NLM_F_DUMP = 0x300;
export const NLM_F_REPLACE = 0x100;
export const NLM_F_EXCL = 0x200;
export const NLM_F_CREATE = 0x400;

const AF_INET = 2;
const AF_INET6 = 10;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_GATEWAY = 5;
const RTA_PRIORITY = 6;
const RTA_MULTIPATH = 9;
const RTA_TABLE = 15;
const RTA_NH_ID = 30;
const NHA_ID = 1;
const NHA_GROUP = 2;
const NHA_OIF = 5;
const NHA_GATEWAY = 6;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_LINK = 5;
const IFF_UP = 0x1;
const IFF_RUNNING = 0x40;
const RTN_UNICAST = 1;

export const familyToAf = (f: Family): number => (f === 4 ? AF_INET : AF_INET6);
const afToFamily = (af: number): Family | null => (af === AF_INET ? 4 : af === AF_INET6 ? 6 : null);

export interface NlHeader {
  type: number;
  flags: number;
  seq: number;
  /** Payload (after the 16-byte header). */
  body: Buffer;
}

/** One netlink message: 16-byte nlmsghdr + payload, padded to 4 bytes. */
export function nlmsg(type: number, flags: number, seq: number, body: Buffer): Buffer {
  const len = 16 + body.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(type, 4);
  out.writeUInt16LE(flags, 6);
  out.writeUInt32LE(seq >>> 0, 8);
  body.copy(out, 16);
  return out;
}

/** Splits a recvmsg buffer into messages; stops at the first malformed header. */
export function splitMessages(buf: Buffer): NlHeader[] {
  const out: NlHeader[] = [];
  let off = 0;
  while (off + 16 <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < 16 || off + len > buf.length) break;
    out.push({ type: buf.readUInt16LE(off + 4), flags: buf.readUInt16LE(off + 6), seq: buf.readUInt32LE(off + 8), body: buf.subarray(off + 16, off + len) });
    off += align4(len);
  }
  return out;
}

/** errno (positive; 0 = ACK) of an NLMSG_ERROR body. */
export function errorCode(body: Buffer): number {
  return body.length >= 4 ? -body.readInt32LE(0) : 0;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

function attr(type: number, data: Buffer): Buffer {
  const out = Buffer.alloc(align4(4 + data.length));
  out.writeUInt16LE(4 + data.length, 0);
  out.writeUInt16LE(type, 2);
  data.copy(out, 4);
  return out;
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0, 0);
  return b;
}

/** Walks rtattrs in buf from off; calls fn(type, data) for each well-formed one. */
function eachAttr(buf: Buffer, off: number, fn: (type: number, data: Buffer) => void): void {
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) return;
    fn(buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len));
    off += align4(len);
  }
}

export type RouteEncoding = 'nhid' | 'plain';

/**
 * RTM_NEWROUTE / RTM_DELROUTE body (struct rtmsg + attributes). 'nhid' uses route.nhid
 * (RTA_NH_ID); 'plain' encodes RTA_GATEWAY+RTA_OIF, or RTA_MULTIPATH for ECMP. Deletes carry the
 * protocol, so the kernel only deletes a route with our protocol (fib_table_delete).
 */
export function routeBody(r: FibRoute, forDelete: boolean, enc: RouteEncoding): Buffer | null {
  return routeMessage(r, forDelete ? RTM_DELROUTE : RTM_NEWROUTE, 0, enc)?.subarray(16) ?? null;
}

/**
 * The whole route message (nlmsghdr with sequence 0 + routeBody) in one allocation: the FIB
 * writes tens of thousands a second, so no intermediate buffers.
 */
export function routeMessage(r: FibRoute, type: number, flags: number, enc: RouteEncoding): Buffer | null {
  const slash = r.prefix.indexOf('/');
  let dst: Uint8Array | null;
  let len: number;
  const v4 = r.family === 4 ? ipv4TextToU32(r.prefix, 0, slash < 0 ? r.prefix.length : slash) : -1;
  if (v4 >= 0) {
    len = slash < 0 ? 32 : Number(r.prefix.slice(slash + 1));
    if (!(len >= 0 && len <= 32)) return null;
    dst = null;
  } else {
    const p = parsePrefix(r.prefix);
    if (p === null || p.family !== r.family) return null;
    dst = p.addr;
    len = p.len;
  }
  const alen = r.family === 4 ? 4 : 16;
  const forDelete = type === RTM_DELROUTE;
  const gws: Uint8Array[] = [];
  let nhLen = 0;
  if (!forDelete) {
    if (enc === 'nhid') {
      if (r.nhid === undefined) return null;
      nhLen = 8;
    } else {
      if (r.nexthops.length === 0) return null;
      for (const nh of r.nexthops) {
        const gw = parseIp(nh.gateway);
        if (gw === null) return null;
        gws.push(gw);
      }
      if (gws.length === 1) nhLen = align4(4 + gws[0]!.length) + (r.nexthops[0]!.ifindex !== undefined ? 8 : 0);
      else nhLen = 4 + gws.reduce((n, g) => n + 8 + align4(4 + g.length), 0);
    }
  }
  const size = 16 + 12 + (4 + alen) + 8 + (r.metric !== undefined ? 8 : 0) + nhLen;
  const b = Buffer.alloc(size);
  b.writeUInt32LE(size, 0);
  b.writeUInt16LE(type, 4);
  b.writeUInt16LE(flags, 6);
  b[16] = familyToAf(r.family);
  b[17] = len;
  b[20] = r.table < 256 ? r.table : 0;
  b[21] = r.protocol;
  b[22] = 0; // RT_SCOPE_UNIVERSE
  b[23] = RTN_UNICAST;
  let o = 28;
  const put = (t: number, dataLen: number): number => {
    b.writeUInt16LE(4 + dataLen, o);
    b.writeUInt16LE(t, o + 2);
    const at = o + 4;
    o += align4(4 + dataLen);
    return at;
  };
  const at = put(RTA_DST, alen);
  if (dst === null) {
    const net = len === 0 ? 0 : (v4 & (0xffffffff << (32 - len))) >>> 0;
    b.writeUInt32BE(net, at);
  } else b.set(dst, at);
  b.writeUInt32LE(r.table >>> 0, put(RTA_TABLE, 4));
  if (r.metric !== undefined) b.writeUInt32LE(r.metric >>> 0, put(RTA_PRIORITY, 4));
  if (forDelete) return b;
  if (enc === 'nhid') {
    b.writeUInt32LE(r.nhid! >>> 0, put(RTA_NH_ID, 4));
    return b;
  }
  if (gws.length === 1) {
    b.set(gws[0]!, put(RTA_GATEWAY, gws[0]!.length));
    const oif = r.nexthops[0]!.ifindex;
    if (oif !== undefined) b.writeUInt32LE(oif >>> 0, put(RTA_OIF, 4));
    return b;
  }
  const mp = put(RTA_MULTIPATH, nhLen - 4);
  let h = mp;
  r.nexthops.forEach((nh, i) => {
    const gw = gws[i]!;
    const gwLen = align4(4 + gw.length);
    b.writeUInt16LE(8 + gwLen, h); // struct rtnexthop
    b[h + 3] = Math.max(0, Math.min(255, (nh.weight ?? 1) - 1)); // rtnh_hops = weight - 1
    b.writeInt32LE(nh.ifindex ?? 0, h + 4);
    b.writeUInt16LE(4 + gw.length, h + 8);
    b.writeUInt16LE(RTA_GATEWAY, h + 10);
    b.set(gw, h + 12);
    h += 8 + gwLen;
  });
  return b;
}

/** Decodes an RTM_NEWROUTE/DELROUTE body; null for non-IP or non-unicast routes. */
export function parseRoute(body: Buffer): FibRoute | null {
  if (body.length < 12) return null;
  const family = afToFamily(body[0]!);
  if (family === null || body[7] !== RTN_UNICAST) return null;
  const dstLen = body[1]!;
  let table = body[4]!;
  const protocol = body[5]!;
  let dst: Buffer | undefined;
  let metric: number | undefined;
  let nhid: number | undefined;
  let gateway: Buffer | undefined;
  let oif: number | undefined;
  let multipath: Buffer | undefined;
  eachAttr(body, 12, (type, data) => {
    if (type === RTA_DST) dst = data;
    else if (type === RTA_TABLE && data.length >= 4) table = data.readUInt32LE(0);
    else if (type === RTA_PRIORITY && data.length >= 4) metric = data.readUInt32LE(0);
    else if (type === RTA_NH_ID && data.length >= 4) nhid = data.readUInt32LE(0);
    else if (type === RTA_GATEWAY) gateway = data;
    else if (type === RTA_OIF && data.length >= 4) oif = data.readUInt32LE(0);
    else if (type === RTA_MULTIPATH) multipath = data;
  });
  const addr = Buffer.alloc(family === 4 ? 4 : 16);
  if (dst !== undefined) dst.copy(addr, 0, 0, addr.length);
  const nexthops: FibNexthop[] = [];
  if (multipath !== undefined) nexthops.push(...parseMultipath(multipath));
  else if (gateway !== undefined) nexthops.push({ gateway: formatIp(gateway), ifindex: oif ?? 0, weight: 1 });
  const route: FibRoute = { prefix: `${formatIp(addr)}/${dstLen}`, family, nexthops, table, protocol };
  if (metric !== undefined) route.metric = metric;
  if (nhid !== undefined) route.nhid = nhid;
  return route;
}

function parseMultipath(buf: Buffer): FibNexthop[] {
  const out: FibNexthop[] = [];
  let off = 0;
  while (off + 8 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 8 || off + len > buf.length) break;
    const nh: FibNexthop = { gateway: '', ifindex: buf.readInt32LE(off + 4), weight: buf[off + 3]! + 1 };
    eachAttr(buf.subarray(0, off + len), off + 8, (type, data) => {
      if (type === RTA_GATEWAY) nh.gateway = formatIp(data);
    });
    if (nh.gateway !== '') out.push(nh);
    off += align4(len);
  }
  return out;
}

/** RTM_NEWNEXTHOP body for a nexthop or group object, marked with our protocol. */
export function nexthopBody(obj: NhObject, protocol: number): Buffer {
  const hdr = Buffer.alloc(8); // struct nhmsg
  hdr[2] = protocol;
  const parts = [hdr, attr(NHA_ID, u32(obj.id))];
  if (obj.kind === 'nexthop') {
    hdr[0] = familyToAf(obj.family);
    parts.push(attr(NHA_OIF, u32(obj.ifindex)), attr(NHA_GATEWAY, Buffer.from(parseIp(obj.gateway) ?? [])));
  } else {
    const grp = Buffer.alloc(8 * obj.members.length); // struct nexthop_grp[]
    obj.members.forEach((m, i) => {
      grp.writeUInt32LE(m.id, 8 * i);
      grp[8 * i + 4] = Math.max(0, Math.min(255, m.weight - 1)); // weight is stored minus one
    });
    parts.push(attr(NHA_GROUP, grp));
  }
  return Buffer.concat(parts);
}

/** RTM_DELNEXTHOP body. */
export function nexthopDelBody(id: number): Buffer {
  return Buffer.concat([Buffer.alloc(8), attr(NHA_ID, u32(id))]);
}

export interface ParsedNexthop {
  obj: NhObject;
  protocol: number;
}

/** Decodes an RTM_NEWNEXTHOP/DELNEXTHOP body; null when it has no id or is not gateway/group. */
export function parseNexthop(body: Buffer): ParsedNexthop | null {
  if (body.length < 8) return null;
  const family = afToFamily(body[0]!);
  const protocol = body[2]!;
  let id: number | undefined;
  let oif = 0;
  let gateway: Buffer | undefined;
  let members: GroupMember[] | undefined;
  eachAttr(body, 8, (type, data) => {
    if (type === NHA_ID && data.length >= 4) id = data.readUInt32LE(0);
    else if (type === NHA_OIF && data.length >= 4) oif = data.readUInt32LE(0);
    else if (type === NHA_GATEWAY) gateway = data;
    else if (type === NHA_GROUP) {
      members = [];
      for (let o = 0; o + 8 <= data.length; o += 8) members.push({ id: data.readUInt32LE(o), weight: data[o + 4]! + 1 });
    }
  });
  if (id === undefined) return null;
  if (members !== undefined) return { obj: { kind: 'group', id, members }, protocol };
  if (gateway === undefined || family === null) return null;
  const obj: NexthopObject = { kind: 'nexthop', id, family, gateway: formatIp(gateway), ifindex: oif };
  return { obj, protocol };
}

/** Id of a nexthop message (for deletion events of objects we cannot fully parse). */
export function nexthopId(body: Buffer): number | null {
  let id: number | null = null;
  eachAttr(body, 8, (type, data) => {
    if (type === NHA_ID && data.length >= 4) id = data.readUInt32LE(0);
  });
  return id;
}

export interface LinkState {
  ifindex: number;
  name: string;
  /** IFF_UP and IFF_RUNNING (carrier): next hops through it are usable. */
  up: boolean;
  /** ifi_type (ARPHRD_*: 1 Ethernet, 772 loopback, ...). */
  type?: number;
  mtu?: number;
  /** IFLA_LINK: the peer's ifindex for a veth (in its namespace), absent for a physical device. */
  link?: number;
}

/** Decodes an RTM_NEWLINK/DELLINK body (struct ifinfomsg + IFLA_IFNAME). */
export function parseLink(body: Buffer): LinkState | null {
  if (body.length < 16) return null;
  const ifiType = body.readUInt16LE(2);
  const ifindex = body.readInt32LE(4);
  const flags = body.readUInt32LE(8);
  let name = '';
  let mtu: number | undefined;
  let link: number | undefined;
  eachAttr(body, 16, (type, data) => {
    if (type === IFLA_IFNAME) name = data.toString('utf8').replace(/\0+$/, '');
    else if (type === IFLA_MTU && data.length >= 4) mtu = data.readUInt32LE(0);
    else if (type === IFLA_LINK && data.length >= 4) link = data.readUInt32LE(0);
  });
  return { ifindex, name, up: (flags & IFF_UP) !== 0 && (flags & IFF_RUNNING) !== 0, type: ifiType, ...(mtu !== undefined ? { mtu } : {}), ...(link !== undefined ? { link } : {}) };
}

/** Dump request bodies. */
export function routeDumpBody(family: Family): Buffer {
  const b = Buffer.alloc(12);
  b[0] = familyToAf(family);
  return b;
}
export const nexthopDumpBody = (): Buffer => Buffer.alloc(8);
export const linkDumpBody = (): Buffer => Buffer.alloc(16);

/** RTM_F_FIB_MATCH (rtm_flags): a lookup answers with the whole matching FIB entry. */
const RTM_F_FIB_MATCH = 0x2000;

/** The FIB entry a lookup matched: the route that carries packets for the address. */
export interface LookupAnswer {
  prefix: string;
  protocol: number;
  /** rtm_type: 1 unicast; blackhole/unreachable/prohibit are other values. */
  type: number;
  metric: number;
  /** The entry's next hops; `gateway` absent for a directly connected (device) hop. */
  nexthops: { gateway?: string; ifindex: number }[];
}

/** Decodes a RTM_F_FIB_MATCH lookup answer (single or multipath entry); null if malformed. */
export function parseLookup(body: Buffer): LookupAnswer | null {
  if (body.length < 12) return null;
  const family = afToFamily(body[0]!);
  if (family === null) return null;
  const dstLen = body[1]!;
  const out: LookupAnswer = { prefix: '', protocol: body[5]!, type: body[7]!, metric: 0, nexthops: [] };
  let dst: Buffer | undefined;
  let oif: number | undefined;
  let gateway: string | undefined;
  let multipath: Buffer | undefined;
  eachAttr(body, 12, (type, data) => {
    if (type === RTA_DST) dst = data;
    else if (type === RTA_OIF && data.length >= 4) oif = data.readUInt32LE(0);
    else if (type === RTA_GATEWAY) gateway = formatIp(data);
    else if (type === RTA_PRIORITY && data.length >= 4) out.metric = data.readUInt32LE(0);
    else if (type === RTA_MULTIPATH) multipath = data;
  });
  const addr = Buffer.alloc(family === 4 ? 4 : 16);
  if (dst !== undefined) dst.copy(addr, 0, 0, addr.length);
  out.prefix = `${formatIp(addr)}/${dstLen}`;
  if (multipath !== undefined) {
    let off = 0;
    while (off + 8 <= multipath.length) {
      const len = multipath.readUInt16LE(off);
      if (len < 8 || off + len > multipath.length) break;
      const hop: { gateway?: string; ifindex: number } = { ifindex: multipath.readInt32LE(off + 4) };
      eachAttr(multipath.subarray(0, off + len), off + 8, (type, data) => {
        if (type === RTA_GATEWAY) hop.gateway = formatIp(data);
      });
      out.nexthops.push(hop);
      off += align4(len);
    }
  } else if (oif !== undefined) out.nexthops.push(gateway === undefined ? { ifindex: oif } : { gateway, ifindex: oif });
  return out;
}

/** RTM_GETROUTE body for one address with RTM_F_FIB_MATCH: which FIB entry carries it. */
export function routeGetBody(addr: string): Buffer | null {
  const a = parseIp(addr);
  if (a === null) return null;
  const hdr = Buffer.alloc(12);
  hdr[0] = a.length === 4 ? AF_INET : AF_INET6;
  hdr[1] = a.length * 8;
  hdr.writeUInt32LE(RTM_F_FIB_MATCH, 8);
  return Buffer.concat([hdr, attr(RTA_DST, Buffer.from(a))]);
}
