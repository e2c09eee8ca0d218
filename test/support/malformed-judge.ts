/**
 * Judges one live Observation (test/support/inject-run.ts) against the LivePlan of its vector
 * (test/support/malformed-plan.ts): the daemon's NOTIFICATION and close, whether the session
 * stayed up (sentinel in the Adj-RIB-In), what the Adj-RIB-In holds for the vector's prefixes
 * (treat-as-withdraw removed them, discard dropped the attribute, `check:` lines hold on the
 * stored route), and what `neighbors` says (lastNotification / lastDown). Output: the
 * alternative that matched, or every alternative's mismatches. Pure: no I/O.
 */
import { MARKER_GLOBAL, prefixKey, routePrefix, sentinelPrefix, type LiveAlt, type LivePlan, type Observation, type StoredRoute } from './malformed-plan.js';

export interface Verdict {
  readonly matched?: string;
  readonly problems: readonly string[];
}

const ORIGINS = ['igp', 'egp', 'incomplete'];
const SEG_TYPES: Record<string, number> = { set: 1, sequence: 2, 'confed-sequence': 3, 'confed-set': 4 };
/** Attribute type -> key in the control API's attrs JSON (daemon/rib/format.ts). */
const ATTR_KEY: Record<number, string> = {
  1: 'origin', 2: 'asPath', 3: 'nextHop', 4: 'med', 5: 'localPref', 6: 'atomicAggregate', 7: 'aggregator', 8: 'communities',
  9: 'originatorId', 10: 'clusterList', 16: 'extCommunities', 32: 'largeCommunities', 35: 'otc',
};
/** Merged into AS_PATH / AGGREGATOR on decode (RFC 6793 §4.2.3), or carried by MP_REACH/UNREACH: never "present". */
const NEVER_STORED = new Set([14, 15, 17, 18]);

function attrPresent(r: StoredRoute, type: number): boolean | undefined {
  if (NEVER_STORED.has(type)) return undefined;
  const key = ATTR_KEY[type];
  if (key !== undefined) return r.attrs[key] !== undefined;
  const unknown = (r.attrs['unknown'] as { type: number }[] | undefined) ?? [];
  return unknown.some((u) => u.type === type);
}

const eq = (got: string, want: string): string | null => (got === want ? null : `got [${got}], want [${want}]`);

/** One `check:` line against the stored route (null = holds or cannot be seen live). */
function runCheck(line: string, o: Observation, route: StoredRoute | undefined): string | null {
  const [key = '', ...args] = line.trim().split(/\s+/);
  const want = args.length === 1 && args[0] === '-' ? '' : args.join(' ');
  const stored = new Set((o.routes?.received ?? []).map((x) => routePrefix(x.prefix)));
  if (key === 'nlri' || key === 'mp-nlri') return args.filter((a) => a !== '-' && !stored.has(a)).map((a) => `${a} not in Adj-RIB-In`).join(', ') || null;
  if (key === 'withdrawn' || key === 'mp-withdrawn') return null; // a withdrawal of something never announced leaves no trace
  if (key === 'eor') return (o.routes?.endOfRibReceived ?? []).includes(want === 'ipv4' ? '1/1' : '2/1') ? null : `End-of-RIB ${want} not recorded`;
  if (key === 'path-id') return (o.routes?.received ?? []).some((x) => String(x.pathId) === want) ? null : `no route with path id ${want}`;
  if (!route) return null;
  const a = route.attrs;
  switch (key) {
    case 'origin': return eq(String(a['origin']), ORIGINS[Number(want)] ?? want);
    case 'as-path': {
      const segs = (a['asPathSegments'] as { type: string; asns: number[] }[] | undefined) ?? [];
      return eq(segs.map((s) => `${SEG_TYPES[s.type] ?? s.type}:${s.asns.join(',')}`).join(' '), want);
    }
    case 'as-path-count': {
      const segs = (a['asPathSegments'] as { asns: number[] }[] | undefined) ?? [];
      return eq(String(segs.reduce((n, s) => n + s.asns.length, 0)), want);
    }
    case 'next-hop': return eq(String(a['nextHop'] ?? ''), want);
    case 'local-pref': return eq(String(a['localPref']), want);
    case 'otc': return eq(String(a['otc']), want);
    case 'communities': return eq(((a['communities'] as string[] | undefined) ?? []).join(' '), want);
    case 'large-communities': return eq(((a['largeCommunities'] as string[] | undefined) ?? []).join(' '), want);
    case 'aggregator': return eq(String(a['aggregator'] ?? ''), want);
    case 'unknown': return eq(((a['unknown'] as { type: number }[] | undefined) ?? []).map((u) => u.type).join(' '), want);
    case 'absent': return attrPresent(route, Number(want)) === true ? `attribute ${want} present` : null;
    case 'present': return attrPresent(route, Number(want)) === false ? `attribute ${want} absent` : null;
    default: return null; // type / caps / shutdown-message: judged elsewhere or not visible live
  }
}

function resetProblems(a: Extract<LiveAlt, { kind: 'reset' }>, p: LivePlan, o: Observation): string[] {
  const n = o.notification;
  if (!n) return [`no NOTIFICATION (handshake ${o.handshake}, sentinel ${o.sentinel}, closed ${o.closed})`];
  const out: string[] = [];
  if (a.codes.length > 0 && !a.codes.some(([c, s]) => n.code === c && (s < 0 || n.subcode === s))) out.push(`NOTIFICATION ${n.code}/${n.subcode}`);
  if (a.data !== undefined && n.data !== a.data) out.push(`NOTIFICATION data ${n.data}, want ${a.data}`);
  if (!o.closed) out.push('connection not closed after the NOTIFICATION');
  const ln = o.neighbor?.lastNotification;
  if (!ln || ln.direction !== 'sent' || ln.code !== n.code || ln.subcode !== n.subcode) out.push(`neighbors lastNotification ${JSON.stringify(ln)} does not match the NOTIFICATION sent`);
  const d = o.neighbor?.lastDown;
  // RFC 6608 errors are their own kind of down reason; every other reset is a NOTIFICATION we sent.
  const kind = p.group === 'fsm' ? 'fsm-error' : 'notification-sent';
  if (d?.['kind'] !== kind || d['subcode'] !== n.subcode || (kind !== 'fsm-error' && d['code'] !== n.code)) out.push(`neighbors lastDown ${JSON.stringify(d)}, want ${kind} ${n.code}/${n.subcode}`);
  return out;
}

function upProblems(a: Extract<LiveAlt, { kind: 'up' }>, p: LivePlan, o: Observation): string[] {
  if (o.notification) return [`NOTIFICATION ${o.notification.code}/${o.notification.subcode} data=${o.notification.data}`];
  const out: string[] = [];
  if (o.handshake !== 'established') out.push(`handshake ${o.handshake}${o.refusedStage ? ` (${o.refusedStage})` : ''}`);
  if (o.closed) out.push('connection closed');
  if (o.sentinel !== 'present') out.push(`sentinel ${sentinelPrefix(o.index)} ${o.sentinel} in Adj-RIB-In`);
  if (o.neighbor?.state !== 'Established') out.push(`neighbor state ${o.neighbor?.state}`);
  if (out.length) return out;
  const keys = p.announced.map(prefixKey);
  const received = o.routes?.received ?? [];
  const mine = received.filter((r) => keys.includes(routePrefix(r.prefix)));
  const counters = o.routes?.counters ?? {};
  if (p.preAnnounce && o.preAnnounced !== true) out.push('the valid pre-announcement never reached the Adj-RIB-In');
  if (a.route === 'taw') {
    if (mine.length) out.push(`treat-as-withdraw: still in Adj-RIB-In: ${mine.map((r) => r.prefix).join(' ')}`);
    if ((counters['treatAsWithdraw'] ?? 0) < 1) out.push('treat-as-withdraw counter not incremented');
    return out;
  }
  if (a.route === 'ok' || a.route === 'discard') {
    const missing = keys.filter((k) => !received.some((r) => routePrefix(r.prefix) === k));
    if (missing.length) out.push(`not in Adj-RIB-In: ${missing.join(' ')}`);
    const marker = `${MARKER_GLOBAL}:0:${o.index}`;
    const stale = mine.filter((r) => ((r.attrs['largeCommunities'] as string[] | undefined) ?? []).includes(marker));
    if (stale.length) out.push(`the vector did not replace the pre-announced route: ${stale.map((r) => r.prefix).join(' ')}`);
  }
  if (a.route === 'discard') {
    for (const t of a.attrs) if (mine.some((r) => attrPresent(r, t) === true)) out.push(`attribute ${t} still on the stored route`);
    if ((counters['discards'] ?? 0) < 1) out.push('discard counter not incremented');
  }
  for (const c of p.checks) {
    const bad = runCheck(c, o, mine[0]);
    if (bad !== null) out.push(`check "${c}": ${bad}`);
  }
  return out;
}

function peerClosedProblems(a: Extract<LiveAlt, { kind: 'peer-closed' }>, p: LivePlan, o: Observation): string[] {
  const out: string[] = [];
  if (o.notification) out.push(`the daemon answered a NOTIFICATION with NOTIFICATION ${o.notification.code}/${o.notification.subcode}`);
  if (!o.closed) out.push('the daemon did not close the session after our NOTIFICATION');
  const d = o.neighbor?.lastDown;
  if (d?.['kind'] !== 'notification-received' || d['code'] !== a.code || d['subcode'] !== a.subcode) out.push(`neighbors lastDown ${JSON.stringify(d)}, want notification-received ${a.code}/${a.subcode}`);
  const sm = p.checks.find((c) => c.startsWith('shutdown-message'));
  if (sm !== undefined) {
    const want = sm.replace(/^shutdown-message\s*/, '');
    const got = d?.['shutdownMessage'];
    if ((want === '-' ? undefined : want) !== got) out.push(`shutdown message ${JSON.stringify(got)}, want ${want}`);
  }
  return out;
}

function altProblems(a: LiveAlt, p: LivePlan, o: Observation): string[] {
  switch (a.kind) {
    case 'reset': return resetProblems(a, p, o);
    case 'up': return upProblems(a, p, o);
    case 'peer-closed': return peerClosedProblems(a, p, o);
    case 'pending': {
      const out: string[] = [];
      if (o.notification) out.push(`NOTIFICATION ${o.notification.code}/${o.notification.subcode}`);
      if (o.closed) out.push('connection closed');
      if (o.neighbor?.state !== 'Established') out.push(`neighbor state ${o.neighbor?.state}`);
      return out;
    }
    case 'any':
      return [];
  }
}

export function judgeLive(p: LivePlan, o: Observation): Verdict {
  const pre: string[] = [];
  if (o.harnessError) pre.push(`harness error: ${o.harnessError}`);
  if (o.ctxMismatch) pre.push(`lab negotiated the wrong context: ${o.ctxMismatch}`);
  if (pre.length) return { problems: pre };
  const why: string[] = [];
  for (const a of p.alternatives) {
    const bad = altProblems(a, p, o);
    if (bad.length === 0) return { matched: a.label, problems: [] };
    why.push(`[${a.label}] ${bad.join('; ')}`);
  }
  return { problems: why };
}
