/**
 * The route engine: runs in the worker thread (daemon/rib/worker.ts), fed raw UPDATE bodies by
 * the session engine. Decodes each UPDATE with the peer's negotiated CodecContext, applies the
 * RFC 7606 verdict to that peer's Adj-RIB-In, and keeps every peer's Adj-RIB-Out in step with
 * the prefixes this node originates (next-hop-self). Output goes through `emit`: encoded
 * UPDATEs to send, session resets, query results. Pure apart from `emit`: no sockets, no clock.
 *
 * Best path, Loc-RIB, policy and the kernel FIB are issue 3; this engine is the part the BGP
 * speaker needs to be complete and observable.
 */
import type { FromEngine, OriginatedPrefix, PeerSessionInfo, ToEngine } from '../bus.js';
import type { CodecContext } from '../../peers/wire/context.js';
import type { PathAttributes, Prefix, UpdateMsg } from '../../peers/wire/types.js';
import { decodeUpdate, isEndOfRib, endOfRib } from '../../peers/wire/update.js';
import { encodeMessage } from '../../peers/wire/index.js';
import { parsePrefix, prefixToString } from '../../peers/wire/nlri.js';
import { ipToString } from '../../peers/wire/ip.js';
import { Origin } from '../../peers/wire/constants.js';
import { AdjRibIn, AttrStore } from './adj-rib-in.js';
import { AdjRibOut, hasFamily, ipBytes, type OutRoute } from './adj-rib-out.js';
import { formatAttrs, parseCommunity, parseLargeCommunity } from './format.js';

interface PeerState {
  info: PeerSessionInfo;
  ctx: CodecContext;
  adjIn: AdjRibIn;
  adjOut: AdjRibOut;
  throttled: boolean;
  /** Desired state changed while throttled: recompute on xon. */
  dirty: boolean;
  eorSent: boolean;
  eorReceived: Set<number>;
  counters: { updates: number; withdrawals: number; treatAsWithdraw: number; discards: number };
  lastWarning?: string;
}

export type Emit = (m: FromEngine, transfer?: ArrayBuffer[]) => void;

export class RouteEngine {
  private readonly store = new AttrStore();
  private readonly peers = new Map<string, PeerState>();
  private originated: readonly OriginatedPrefix[] = [];

  constructor(private readonly emit: Emit) {}

  handle(m: ToEngine): void {
    switch (m.t) {
      case 'peer-up':
        return this.peerUp(m.info);
      case 'peer-down':
        return this.peerDown(m.peer, m.session);
      case 'update':
        return this.update(m.peer, m.session, new Uint8Array(m.buf, m.offset));
      case 'route-refresh':
        return this.routeRefresh(m.peer, m.session, m.afi);
      case 'xoff':
      case 'xon':
        return this.flow(m.peer, m.session, m.t === 'xoff');
      case 'originate':
        this.originated = m.prefixes;
        for (const p of this.peers.values()) this.sync(p);
        return;
      case 'query':
        this.emit({ t: 'query-result', id: m.id, result: m.q.kind === 'routes' ? this.routes(m.q) : this.stats() });
        return;
      case 'stop':
        return;
    }
  }

  private current(peer: string, session: number): PeerState | undefined {
    const p = this.peers.get(peer);
    return p && p.info.session === session ? p : undefined;
  }

  private peerUp(info: PeerSessionInfo): void {
    this.peerDown(info.peer, this.peers.get(info.peer)?.info.session ?? -1);
    const ctx: CodecContext = {
      as4: info.ctx.as4,
      extendedMessage: info.ctx.extendedMessage,
      addPathRx: new Set(info.ctx.addPathRx),
      addPathTx: new Set(info.ctx.addPathTx),
      ebgp: info.ctx.ebgp,
      families: new Set(info.ctx.families),
    };
    const p: PeerState = {
      info,
      ctx,
      adjIn: new AdjRibIn(this.store),
      adjOut: new AdjRibOut(),
      throttled: false,
      dirty: false,
      eorSent: false,
      eorReceived: new Set(),
      counters: { updates: 0, withdrawals: 0, treatAsWithdraw: 0, discards: 0 },
    };
    this.peers.set(info.peer, p);
    this.sync(p);
  }

  private peerDown(peer: string, session: number): void {
    const p = this.current(peer, session);
    if (!p) return;
    // RFC 4271 §9.1: routes learned from a peer go when its session goes (no GR yet).
    p.adjIn.clear();
    this.peers.delete(peer);
  }

  private update(peer: string, session: number, body: Uint8Array): void {
    const p = this.current(peer, session);
    if (!p) return;
    p.counters.updates++;
    const d = decodeUpdate(body, p.ctx);
    if (!d.ok) {
      // RFC 7606 §2: session reset (and, here, AFI/SAFI disable too) goes back to the session.
      // The session is over from this UPDATE on: drop its routes now and ignore whatever it
      // sent after the bad message (the reset reaches the socket a moment later).
      this.emit({ t: 'reset', peer, session, error: d.error });
      this.peerDown(peer, session);
      return;
    }
    for (const w of d.warnings) {
      if (w.handling === 'attribute-discard') p.counters.discards++;
      p.lastWarning = w.reason;
      this.emit({ t: 'log', level: 'warn', event: 'update.malformed', fields: { peer, handling: w.handling, code: w.code, subcode: w.subcode, attr: w.attr, reason: w.reason } });
    }
    this.apply(p, d.value);
  }

  private apply(p: PeerState, u: UpdateMsg): void {
    const eor = isEndOfRib(u);
    if (eor) {
      p.eorReceived.add((eor.afi << 8) | eor.safi);
      return;
    }
    // RFC 4271 §9: withdrawn routes first, then the announced ones.
    for (const w of u.withdrawn) p.adjIn.withdraw(w);
    for (const w of u.mpUnreach?.withdrawn ?? []) p.adjIn.withdraw(w);
    p.counters.withdrawals += u.withdrawn.length + (u.mpUnreach?.withdrawn.length ?? 0);
    const announced = [...u.nlri, ...(u.mpReach?.nlri ?? [])];
    if (u.treatAsWithdraw) {
      // RFC 7606 §2: treat-as-withdraw removes every route the UPDATE announced.
      p.counters.treatAsWithdraw++;
      for (const a of announced) p.adjIn.withdraw(a);
      return;
    }
    if (u.nlri.length > 0) {
      const s = this.store.intern(u.attrs);
      for (const n of u.nlri) p.adjIn.announce(n, s);
    }
    if (u.mpReach && u.mpReach.nlri.length > 0) {
      const nh = u.mpReach.nextHop;
      const text = nh.linkLocal ? `${ipToString(nh.global)} ${ipToString(nh.linkLocal)}` : ipToString(nh.global);
      const s = this.store.intern(u.attrs, text);
      for (const n of u.mpReach.nlri) p.adjIn.announce(n, s);
    }
  }

  private routeRefresh(peer: string, session: number, afi: number): void {
    const p = this.current(peer, session);
    if (!p) return;
    // RFC 2918 §4 / RFC 7313 §4: re-send the Adj-RIB-Out, bracketed by BoRR/EoRR when enhanced.
    const msgs: Uint8Array[] = [];
    if (p.info.enhancedRouteRefresh) msgs.push(encodeMessage({ type: 5, afi, subtype: 1, safi: 1 }, p.ctx));
    msgs.push(...p.adjOut.full(p.ctx));
    if (p.info.enhancedRouteRefresh) msgs.push(encodeMessage({ type: 5, afi, subtype: 2, safi: 1 }, p.ctx));
    this.send(p, msgs);
  }

  private flow(peer: string, session: number, off: boolean): void {
    const p = this.current(peer, session);
    if (!p) return;
    p.throttled = off;
    if (!off && p.dirty) this.sync(p);
  }

  /** Brings the peer's Adj-RIB-Out to the desired state; sends End-of-RIB after the first pass. */
  private sync(p: PeerState): void {
    if (p.throttled) {
      p.dirty = true;
      return;
    }
    p.dirty = false;
    const msgs = p.adjOut.diff(this.desired(p), p.ctx);
    if (!p.eorSent) {
      // RFC 4724 §2: End-of-RIB per family after the initial table.
      for (const afi of [1, 2]) if (hasFamily(p.ctx, afi)) msgs.push(endOfRib(afi, 1, p.ctx));
      p.eorSent = true;
    }
    this.send(p, msgs);
  }

  private send(p: PeerState, msgs: Uint8Array[]): void {
    if (msgs.length === 0) return;
    const bufs = msgs.map((m) => (m.byteOffset === 0 && m.byteLength === m.buffer.byteLength ? m.buffer : m.slice().buffer) as ArrayBuffer);
    this.emit({ t: 'send', peer: p.info.peer, session: p.info.session, msgs: bufs }, bufs);
  }

  /** Originated prefixes as this peer should see them (RFC 4271 §5.1: next-hop-self, own AS). */
  private desired(p: PeerState): OutRoute[] {
    const out: OutRoute[] = [];
    for (const o of this.originated) {
      const prefix = parsePrefix(o.prefix);
      if (!prefix || !hasFamily(p.ctx, prefix.afi)) continue;
      const attrs = this.originAttrs(p, o);
      if (prefix.afi === 1) {
        const nh = ipBytes(p.info.nextHopV4);
        if (!nh) continue;
        out.push({ prefix, attrs: { ...attrs, nextHop: nh } });
      } else {
        const global = ipBytes(p.info.nextHopV6);
        if (!global) continue;
        const linkLocal = ipBytes(p.info.nextHopV6LinkLocal);
        out.push({ prefix, attrs, mpNextHop: linkLocal ? { global, linkLocal } : { global } });
      }
    }
    return out;
  }

  private originAttrs(p: PeerState, o: OriginatedPrefix): PathAttributes {
    const attrs: PathAttributes = {
      origin: Origin.Igp,
      // RFC 4271 §5.1.2: prepend our AS towards eBGP; empty AS_PATH towards iBGP.
      asPath: p.info.ebgp ? [{ type: 2, asns: [p.info.localAs] }] : [],
    };
    // RFC 4271 §5.1.5: LOCAL_PREF only towards iBGP peers.
    if (!p.info.ebgp) attrs.localPref = 100;
    const comms = (o.communities ?? []).map(parseCommunity).filter((c): c is number => c !== null);
    if (comms.length) attrs.communities = comms;
    const large = (o.largeCommunities ?? []).map(parseLargeCommunity).filter((c): c is [number, number, number] => c !== null);
    if (large.length) attrs.largeCommunities = large;
    return attrs;
  }

  /**
   * Routes per peer for the control API, at most `limit` per direction (default 10,000) so a
   * million-route table never turns into one giant reply; totals are always reported.
   */
  private routes(q: { peer?: string; prefix?: string; limit?: number }): unknown {
    const limit = q.limit ?? 10_000;
    const result: Record<string, unknown> = {};
    for (const [name, p] of this.peers) {
      if (q.peer !== undefined && q.peer !== name) continue;
      const received = take(p.adjIn.values(), limit, (r) => q.prefix === undefined || prefixToString(r.prefix) === q.prefix);
      const advertised = p.adjOut.routes().filter((r) => q.prefix === undefined || prefixToString(r.prefix) === q.prefix);
      result[name] = {
        receivedTotal: p.adjIn.size,
        advertisedTotal: p.adjOut.size,
        received: received.map((r) => ({
          prefix: prefixToString(r.prefix),
          ...(r.prefix.pathId !== undefined ? { pathId: r.prefix.pathId } : {}),
          ...(r.attrs.mpNextHop ? { mpNextHop: r.attrs.mpNextHop } : {}),
          attrs: formatAttrs(r.attrs.attrs),
        })),
        advertised: advertised.slice(0, limit).map((r) => ({
          prefix: prefixToString(r.prefix),
          ...(r.mpNextHop ? { mpNextHop: ipToString(r.mpNextHop.global) } : {}),
          attrs: formatAttrs(r.attrs),
        })),
        counters: p.counters,
        endOfRibReceived: [...p.eorReceived].map((k) => `${k >> 8}/${k & 0xff}`),
      };
    }
    return result;
  }

  private stats(): unknown {
    return {
      peers: [...this.peers].map(([name, p]) => ({ peer: name, received: p.adjIn.size, advertised: p.adjOut.size, ...p.counters })),
      attributeSets: this.store.size,
    };
  }
}

function take<T>(it: Iterable<T>, n: number, keep: (x: T) => boolean): T[] {
  const out: T[] = [];
  for (const x of it) {
    if (out.length >= n) break;
    if (keep(x)) out.push(x);
  }
  return out;
}

export type { Prefix };
