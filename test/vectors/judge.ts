/**
 * Judges a decoder result against a vector's `expect:`, `withdraws:` and `check:` lines
 * (test/vectors/README.md). Input: a Decoded<BgpMessage> produced by the codec (unit catalogue)
 * or reconstructed from the daemon's reaction (live injector); output: a list of mismatches,
 * empty when the vector passes. Pure: no I/O.
 */
import type { Decoded, WireError } from '../../peers/wire/errors.js';
import type { BgpMessage, PathAttributes, Prefix, UpdateMsg } from '../../peers/wire/types.js';
import { ipToString } from '../../peers/wire/ip.js';
import { parseExpect, type Outcome, type Vec } from './vec.js';

export const prefixText = (p: Prefix): string => `${ipToString(p.addr)}/${p.len}`;
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const SEVERE = new Set(['treat-as-withdraw', 'afisafi-disable', 'session-reset']);

function codesMatch(e: WireError, o: Outcome): boolean {
  return o.codes.length === 0 || o.codes.some(([c, s]) => e.code === c && (s < 0 || e.subcode === s));
}

/** Is attribute `type` present in decoded attributes? (17/18 are merged and never "present".) */
export function attrPresent(u: UpdateMsg, type: number): boolean {
  const a: PathAttributes = u.attrs;
  const field: Record<number, unknown> = {
    1: a.origin, 2: a.asPath, 3: a.nextHop, 4: a.med, 5: a.localPref, 6: a.atomicAggregate, 7: a.aggregator,
    8: a.communities, 9: a.originatorId, 10: a.clusterList, 14: u.mpReach, 15: u.mpUnreach, 16: a.extCommunities,
    32: a.largeCommunities, 35: a.otc,
  };
  if (type in field) return field[type] !== undefined && field[type] !== false;
  return (a.unknown ?? []).some((r) => r.type === type);
}

const describe = (r: Decoded<BgpMessage>): string => {
  if (!r.ok) return `error ${r.error.handling} ${r.error.code}/${r.error.subcode} data=${hex(r.error.data)} (${r.error.reason})`;
  const taw = r.value.type === 2 && r.value.treatAsWithdraw === true ? ' treatAsWithdraw' : '';
  const w = r.warnings.map((x) => `${x.handling} ${x.code}/${x.subcode}${x.attr === undefined ? '' : ` attr ${x.attr}`} (${x.reason})`);
  return `ok type ${r.value.type}${taw}${w.length ? ` warnings: ${w.join('; ')}` : ''}`;
};

/** null when `r` is an instance of outcome `o`, else why not. */
export function matchOutcome(r: Decoded<BgpMessage>, o: Outcome): string | null {
  if (o.kind === 'no-crash') return null;
  if (o.kind === 'session-reset' || o.kind === 'afisafi-disable' || o.kind === 'reset-or-disable') {
    if (r.ok) return 'decoded without error';
    const h = r.error.handling;
    const hOk = o.kind === 'reset-or-disable' ? h === 'session-reset' || h === 'afisafi-disable' : h === o.kind;
    if (!hOk) return `handling ${h}`;
    if (!codesMatch(r.error, o)) return `code ${r.error.code}/${r.error.subcode}`;
    if (o.data !== undefined && hex(r.error.data) !== o.data) return `data ${hex(r.error.data)}`;
    return null;
  }
  if (!r.ok) return 'decode failed';
  const taw = r.value.type === 2 && r.value.treatAsWithdraw === true;
  if (o.kind === 'treat-as-withdraw') {
    if (!taw) return 'treatAsWithdraw not set';
    const w = r.warnings.filter((x) => x.handling === 'treat-as-withdraw');
    if (w.length === 0) return 'no treat-as-withdraw warning';
    return w.some((x) => codesMatch(x, o)) ? null : `warning codes ${w.map((x) => `${x.code}/${x.subcode}`).join(',')}`;
  }
  if (taw || r.warnings.some((x) => SEVERE.has(x.handling))) return 'treat-as-withdraw (or worse) reported';
  if (o.kind === 'ok') return null;
  for (const a of o.attrs) {
    if (!r.warnings.some((x) => x.handling === 'attribute-discard' && (x.attr === undefined || x.attr === a))) return `no attribute-discard warning for ${a}`;
    if (r.value.type === 2 && attrPresent(r.value, a)) return `attribute ${a} still present`;
  }
  return null;
}

/** Every mismatch of `r` against vector `v` (expect alternatives, withdraws, checks). */
export function judge(r: Decoded<BgpMessage>, v: Vec): string[] {
  const alts = parseExpect(v.meta.get('expect')?.[0] ?? 'ok');
  const why = alts.map((o) => matchOutcome(r, o));
  if (!why.includes(null)) return [`expected ${v.meta.get('expect')?.[0]}, got ${describe(r)} [${why.join(' | ')}]`];
  if (!r.ok) return [];
  const out: string[] = [];
  const withdraws = v.meta.get('withdraws')?.[0];
  if (withdraws !== undefined && r.value.type === 2 && r.value.treatAsWithdraw === true) {
    const got = announced(r.value).sort().join(' ');
    const want = withdraws.split(/\s+/).sort().join(' ');
    if (got !== want) out.push(`treat-as-withdraw covers [${got}], expected [${want}]`);
  }
  for (const c of v.meta.get('check') ?? []) {
    const bad = runCheck(r.value, c);
    if (bad !== null) out.push(`check "${c}": ${bad}`);
  }
  return out;
}

export function announced(u: UpdateMsg): string[] {
  return [...u.nlri, ...(u.mpReach?.nlri ?? [])].map(prefixText);
}

const list = (args: string[]): string => (args.length === 1 && args[0] === '-' ? '' : args.join(' '));
const eq = (got: string, want: string): string | null => (got === want ? null : `got [${got}], want [${want}]`);

/** One `check:` line against a decoded message; null when it holds. */
export function runCheck(m: BgpMessage, line: string): string | null {
  const [key = '', ...args] = line.trim().split(/\s+/);
  const want = list(args);
  if (key === 'type') return eq(String(m.type), want);
  if (key === 'shutdown-message') return m.type === 3 ? eq(m.shutdownMessage ?? '', want) : 'not a NOTIFICATION';
  if (key === 'caps') return m.type === 1 ? eq(m.capabilities.map((c) => c.code).join(' '), want) : 'not an OPEN';
  if (m.type !== 2) return `not an UPDATE (type ${m.type})`;
  return updateCheck(m, key, args, want);
}

function updateCheck(u: UpdateMsg, key: string, args: string[], want: string): string | null {
  const a = u.attrs;
  switch (key) {
    case 'nlri': return eq(u.nlri.map(prefixText).join(' '), want);
    case 'withdrawn': return eq(u.withdrawn.map(prefixText).join(' '), want);
    case 'mp-nlri': return eq((u.mpReach?.nlri ?? []).map(prefixText).join(' '), want);
    case 'mp-withdrawn': return eq((u.mpUnreach?.withdrawn ?? []).map(prefixText).join(' '), want);
    case 'path-id': return eq(String([...u.nlri, ...(u.mpReach?.nlri ?? [])][0]?.pathId), want);
    case 'as-path': return eq((a.asPath ?? []).map((s) => `${s.type}:${s.asns.join(',')}`).join(' '), want);
    case 'as-path-count': return eq(String((a.asPath ?? []).reduce((n, s) => n + s.asns.length, 0)), want);
    case 'origin': return eq(String(a.origin), want);
    case 'next-hop': return eq(a.nextHop ? ipToString(a.nextHop) : '', want);
    case 'local-pref': return eq(String(a.localPref), want);
    case 'otc': return eq(String(a.otc), want);
    case 'communities': return eq((a.communities ?? []).map((c) => `${c >>> 16}:${c & 0xffff}`).join(' '), want);
    case 'large-communities': return eq((a.largeCommunities ?? []).map((c) => c.join(':')).join(' '), want);
    case 'aggregator': {
      const g = a.aggregator;
      const addr = g ? ipToString(Uint8Array.of(g.address >>> 24, (g.address >>> 16) & 255, (g.address >>> 8) & 255, g.address & 255)) : '';
      return eq(g ? `${g.asn} ${addr}` : '', want);
    }
    case 'absent': return attrPresent(u, Number(args[0])) ? 'present' : null;
    case 'present': return attrPresent(u, Number(args[0])) ? null : 'absent';
    case 'unknown': return eq((a.unknown ?? []).map((r) => r.type).join(' '), want);
    case 'eor': return eorCheck(u, want);
    default: return `unknown check ${key}`;
  }
}

function eorCheck(u: UpdateMsg, want: string): string | null {
  const empty = u.withdrawn.length === 0 && u.nlri.length === 0 && !u.mpReach && Object.keys(u.attrs).length === 0;
  if (!empty) return 'not empty';
  if (want === 'ipv4') return u.mpUnreach ? 'has MP_UNREACH' : null;
  return u.mpUnreach && u.mpUnreach.afi === 2 && u.mpUnreach.withdrawn.length === 0 ? null : 'no empty IPv6 MP_UNREACH';
}
