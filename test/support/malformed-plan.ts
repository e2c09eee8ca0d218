/**
 * The live bad-input plan: for each test/vectors/malformed/*.vec, how it is sent to a running
 * rackrouted over TCP (in which session state, with which negotiated context) and which live
 * reactions are correct. Shared by the injector (test/support/inject-run.ts, what to do) and the
 * scenario test (test/scenario/malformed-live.test.ts, daemon config and judging), so both derive
 * the same plan from the same file. Pure: no I/O.
 *
 * Decoder-level `expect:` outcomes become live reactions:
 *   session-reset / afisafi-disable / reset-or-disable -> 'reset': the daemon sends that
 *     NOTIFICATION and closes (rackroute has no per-family disable: RFC 7606 §5.1 AFI/SAFI
 *     disable is done as a session reset with the same code, see daemon/rib/engine.ts);
 *   ok / discard / treat-as-withdraw of an UPDATE -> 'up' with a route verdict (checked in the
 *     Adj-RIB-In after the sentinel UPDATE arrived);
 *   ok of a KEEPALIVE / ROUTE-REFRESH -> 'up' (no routes to check);
 *   ok of a NOTIFICATION -> 'peer-closed': a well-formed NOTIFICATION ends the session by
 *     definition (RFC 4271 §6.4), so the daemon must close without answering and record it;
 *   no-crash -> 'any' (only the daemon's survival is asserted);
 *   `fsm:` lines -> the vector is sent in that state and 'reset' with the RFC 6608 code;
 *   stream `frames N` -> 'up', `then pending` -> 'pending' (no sentinel: its bytes would be
 *     swallowed as the body of the pending message), `then <reset>` -> 'reset'.
 */
import { decodeMessage, Framer } from '../../peers/wire/index.js';
import type { CodecContext } from '../../peers/wire/context.js';
import { familyKey } from '../../peers/wire/context.js';
import { MAX_EXT_MSG_LEN } from '../../peers/wire/constants.js';
import { parsePrefix } from '../../peers/wire/nlri.js';
import type { Prefix } from '../../peers/wire/types.js';
import { meta1, parseCtx, parseExpect, parseFrames, type Outcome, type Vec } from '../vectors/vec.js';
import { announced } from '../vectors/judge.js';
import { segmentations } from '../vectors/drive.js';

/** The daemon under test: every OPEN vector's `peer:` line says local-as=65000 local-id=10.0.0.1. */
export const DAEMON_ASN = 65000;
export const DAEMON_ID = '10.0.0.1';
/** eBGP vectors are written as coming from AS 65001. */
export const EBGP_ASN = 65001;
/** Large community put on pre-announced routes, so a route the malformed UPDATE failed to replace is visible. */
export const MARKER_GLOBAL = 64496;

export type LiveKind = 'established' | 'open' | 'opensent' | 'openconfirm' | 'stream';
export type RouteVerdict = 'ok' | 'discard' | 'taw' | 'none';

export type LiveAlt =
  | { readonly kind: 'reset'; readonly codes: readonly (readonly [number, number])[]; readonly data?: string; readonly label: string }
  | { readonly kind: 'up'; readonly route: RouteVerdict; readonly attrs: readonly number[]; readonly label: string }
  | { readonly kind: 'peer-closed'; readonly code: number; readonly subcode: number; readonly label: string }
  | { readonly kind: 'pending'; readonly label: string }
  | { readonly kind: 'any'; readonly label: string };

export interface DaemonPeer {
  readonly asn: number | 'internal';
  readonly families: readonly ('ipv4-unicast' | 'ipv6-unicast')[];
  readonly addPath: 'off' | 'receive';
  /** bgp.minHoldTime of the daemon instance this peer lives on (it is a global setting). */
  readonly minHoldTime: number;
}

export interface LivePlan {
  readonly name: string;
  readonly vec: Vec;
  readonly kind: LiveKind;
  /** Why this vector is not sent live (undefined = it is). */
  readonly skip?: string;
  /** The context the session must negotiate (`ctx:`); for OPEN vectors the vector's OPEN decides. */
  readonly ctx: CodecContext;
  readonly daemonPeer: DaemonPeer;
  /** Our ASN (My AS / 4-octet AS capability) for sessions we open with our own OPEN. */
  readonly myAsn: number;
  /** Stream vectors: the TCP segments to write. */
  readonly segments?: readonly Uint8Array[];
  /** Prefixes the vector announces (decoded with `ctx:`; `withdraws:` when given). */
  readonly announced: readonly Prefix[];
  /** Announce these validly (with the marker) before the vector: treat-as-withdraw must remove them. */
  readonly preAnnounce: boolean;
  readonly alternatives: readonly LiveAlt[];
  /** `check:` lines to verify on the stored route when it is present. */
  readonly checks: readonly string[];
  /** Label for the per-kind summary. */
  readonly group: string;
}

function peerLine(v: Vec): Map<string, string> {
  const words = (meta1(v, 'peer') ?? '').split(/\s+/).filter((w) => w !== '');
  return new Map(words.map((w) => [w.split('=')[0] ?? '', w.split('=')[1] ?? ''] as const));
}

function skipReason(v: Vec, mode: string): string | undefined {
  const peer = peerLine(v);
  if (peer.has('role')) return 'BGP Role (RFC 9234): rackroute has no role configuration (the unit catalogue skips it too)';
  if (peer.has('require')) return 'required capabilities: rackroute has no configuration to insist on a capability';
  if (mode === 'open-check' && Number(peer.get('local-as')) !== DAEMON_ASN) return 'needs a different local AS';
  return undefined;
}

function resetAlt(o: Outcome): LiveAlt {
  const codes = o.codes.length ? o.codes.map((c) => `${c[0]}/${c[1] < 0 ? '*' : c[1]}`).join('|') : '*';
  return { kind: 'reset', codes: o.codes, ...(o.data !== undefined ? { data: o.data } : {}), label: `reset ${codes}${o.data ? ` data=${o.data}` : ''}` };
}

const RESETS = new Set(['session-reset', 'afisafi-disable', 'reset-or-disable']);

/** Live reactions for a message sent in Established (its type decides what "ok" means). */
function messageAlts(v: Vec, outcomes: readonly Outcome[], ctx: CodecContext): LiveAlt[] {
  const type = v.bytes[18];
  return outcomes.map((o): LiveAlt => {
    if (RESETS.has(o.kind)) return resetAlt(o);
    if (o.kind === 'no-crash') return { kind: 'any', label: 'no-crash' };
    if (type === 3) {
      const d = decodeMessage(v.bytes, ctx);
      const n = d.ok && d.value.type === 3 ? d.value : { code: -1, subcode: -1 };
      return { kind: 'peer-closed', code: n.code, subcode: n.subcode, label: 'notification' };
    }
    if (type === 1) return { kind: 'reset', codes: [[5, 3]], label: 'reset 5/3 (OPEN in Established, RFC 6608)' };
    if (type !== 2) return { kind: 'up', route: 'none', attrs: [], label: 'ok' };
    if (o.kind === 'treat-as-withdraw') return { kind: 'up', route: 'taw', attrs: [], label: 'treat-as-withdraw' };
    if (o.kind === 'discard') return { kind: 'up', route: 'discard', attrs: o.attrs, label: `discard ${o.attrs.join(',')}` };
    return { kind: 'up', route: 'ok', attrs: [], label: 'ok' };
  });
}

function streamSegments(v: Vec): Uint8Array[] {
  const split = meta1(v, 'split') ?? 'all';
  const all = segmentations(v.bytes, split);
  const want = split === 'all' ? 'whole' : split === 'each-byte' ? 'each-byte' : split === 'random' ? 'random seed 1' : `cuts ${split}`;
  return (all.find(([label]) => label === want) ?? all[0] ?? ['whole', [v.bytes]])[1];
}

/** Prefixes announced by the whole frames of a stream. */
function streamAnnounced(v: Vec, ctx: CodecContext): Prefix[] {
  const fr = new Framer(MAX_EXT_MSG_LEN);
  fr.push(v.bytes.slice());
  const out: Prefix[] = [];
  for (let f = fr.next(); f !== null && f.ok; f = fr.next()) {
    const d = decodeMessage(f.value, ctx);
    if (d.ok && d.value.type === 2) out.push(...d.value.nlri, ...(d.value.mpReach?.nlri ?? []));
  }
  return out;
}

function vectorAnnounced(v: Vec, ctx: CodecContext): Prefix[] {
  const d = decodeMessage(v.bytes, ctx);
  return d.ok && d.value.type === 2 ? [...d.value.nlri, ...(d.value.mpReach?.nlri ?? [])] : [];
}

function daemonPeer(v: Vec, ctx: CodecContext, mode: string): DaemonPeer {
  const peer = peerLine(v);
  const v6 = ctx.families.has(familyKey(2, 1));
  const families = v6 ? (['ipv4-unicast', 'ipv6-unicast'] as const) : (['ipv4-unicast'] as const);
  const minHoldTime = Number(peer.get('min-hold') ?? 3);
  if (mode === 'open-check') {
    const as = Number(peer.get('as'));
    return { asn: as === DAEMON_ASN ? 'internal' : as, families: ['ipv4-unicast', 'ipv6-unicast'], addPath: 'off', minHoldTime };
  }
  return { asn: ctx.ebgp ? EBGP_ASN : 'internal', families, addPath: ctx.addPathRx.size > 0 ? 'receive' : 'off', minHoldTime };
}

export function planVector(v: Vec): LivePlan {
  const mode = meta1(v, 'mode') ?? 'message';
  const ctx = parseCtx(meta1(v, 'ctx'));
  const fsm = /^(\w+)\s*->\s*(.+)$/.exec(meta1(v, 'fsm') ?? '');
  const skip = skipReason(v, mode);
  const base = {
    name: v.name, vec: v, ctx, daemonPeer: daemonPeer(v, ctx, mode), myAsn: ctx.ebgp ? EBGP_ASN : DAEMON_ASN,
    checks: v.meta.get('check') ?? [], ...(skip ? { skip } : {}),
  };
  if (fsm) {
    const state = fsm[1] === 'opensent' ? 'opensent' : fsm[1] === 'openconfirm' ? 'openconfirm' : 'established';
    const alts = parseExpect(fsm[2] ?? '').map(resetAlt);
    return { ...base, kind: state, announced: [], preAnnounce: false, alternatives: alts, group: 'fsm' };
  }
  if (mode === 'stream') {
    const f = parseFrames(meta1(v, 'expect') ?? '');
    const alt: LiveAlt =
      f.then === 'end' ? { kind: 'up', route: 'ok', attrs: [], label: `frames ${f.frames}` }
        : f.then === 'pending' ? { kind: 'pending', label: 'pending' }
          : resetAlt(f.then);
    return { ...base, kind: 'stream', segments: streamSegments(v), announced: streamAnnounced(v, ctx), preAnnounce: false, alternatives: [alt], group: 'stream' };
  }
  const outcomes = parseExpect(meta1(v, 'expect') ?? 'ok');
  if (mode === 'open-check') {
    const alts = outcomes.map((o): LiveAlt => (RESETS.has(o.kind) ? resetAlt(o) : { kind: 'up', route: 'none', attrs: [], label: 'ok' }));
    return { ...base, kind: 'open', announced: [], preAnnounce: false, alternatives: alts, group: 'open' };
  }
  const alternatives = messageAlts(v, outcomes, ctx);
  const withdraws = meta1(v, 'withdraws');
  const decoded = vectorAnnounced(v, ctx);
  const listed = withdraws?.split(/\s+/).filter((w) => w !== '') ?? [];
  const fromLine = decoded.filter((p) => listed.includes(prefixKey(p)));
  const parsed = listed.map(parsePrefix).filter((p): p is Prefix => p !== null);
  const ann = withdraws === undefined ? decoded : fromLine.length > 0 ? fromLine : parsed;
  const taw = alternatives.some((a) => a.kind === 'up' && a.route === 'taw');
  return { ...base, kind: 'established', announced: ann, preAnnounce: taw && ann.length > 0, alternatives, group: groupOf(alternatives) };
}

function groupOf(alts: readonly LiveAlt[]): string {
  const first = alts[0];
  if (!first) return 'ok';
  if (first.kind === 'up') return first.route === 'taw' ? 'treat-as-withdraw' : first.route === 'discard' ? 'discard' : 'ok';
  return first.kind === 'peer-closed' ? 'notification' : first.kind === 'any' ? 'no-crash' : first.kind;
}

/** "10.0.0.0/24" (without any ADD-PATH path id), as the judge and the control API print it. */
export function prefixKey(p: Prefix): string {
  return announced({ type: 2, withdrawn: [], attrs: {}, nlri: [p] })[0] ?? '';
}

/** Strips the " path N" the control API appends to ADD-PATH routes. */
export function routePrefix(text: string): string {
  return text.replace(/ path \d+$/, '');
}

/** The sentinel's prefix for vector number i: 198.18.0.0/15 (RFC 2544 benchmarking), one /24 each. */
export function sentinelPrefix(i: number): string {
  return `198.${18 + (i >> 8)}.${i & 255}.0/24`;
}

/** One daemon peer per vector, as the scenario test configured it and the injector uses it. */
export interface MapEntry {
  /** Vector name. */
  readonly name: string;
  /** Daemon peer name. */
  readonly peer: string;
  /** Our source address for this vector (the daemon matches the peer by it). */
  readonly local: string;
  /** Sentinel number (see sentinelPrefix). */
  readonly index: number;
  /** The daemon instance: BGP port and control socket. */
  readonly port: number;
  readonly socket: string;
}

export interface MapFile {
  readonly daemon: string;
  readonly vectorsDir: string;
  readonly concurrency: number;
  readonly entries: readonly MapEntry[];
}

export interface StoredRoute {
  readonly prefix: string;
  readonly pathId?: number;
  readonly attrs: Record<string, unknown>;
}

export interface PeerRoutes {
  readonly received: readonly StoredRoute[];
  readonly counters?: Record<string, number>;
  readonly endOfRibReceived?: readonly string[];
}

/** What the injector saw for one vector (one JSON line of inject-run's output). */
export interface Observation {
  readonly name: string;
  readonly peer: string;
  readonly index: number;
  harnessError?: string;
  /** How far our side of the handshake got before the vector was sent. */
  handshake: 'not-run' | 'opensent' | 'openconfirm' | 'established' | 'refused';
  refusedStage?: string;
  /** The daemon's first UPDATE (End-of-RIB) arrived: it is Established too. */
  daemonEstablished: boolean;
  /** The negotiated context differs from the vector's `ctx:` (a lab problem, not a daemon one). */
  ctxMismatch?: string;
  /** Treat-as-withdraw vectors: the valid pre-announcement reached the Adj-RIB-In. */
  preAnnounced?: boolean;
  notification?: { code: number; subcode: number; data: string };
  closed: boolean;
  sentinel: 'not-sent' | 'absent' | 'present';
  /** The peer's Adj-RIB-In once the sentinel arrived (or after the wait, for 'pending'). */
  routes?: PeerRoutes;
  neighbor?: { state: string; lastError?: string; lastDown?: Record<string, unknown>; lastNotification?: { direction: string; code: number; subcode: number } };
  received: string[];
  ms: number;
}
