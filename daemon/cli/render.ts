/**
 * Human tables for the CLI from the control API's JSON. Pure: strings in, strings out.
 */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function since(ms: unknown): string {
  if (typeof ms !== 'number' || ms <= 0) return '-';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${m}m` : m ? `${m}m${s % 60}s` : `${s}s`;
}

interface NeighborJson {
  name: string;
  address: string;
  asn: number | string;
  state: string;
  uptimeMs?: number;
  lastError?: string;
  prefixes?: { received: number; advertised: number };
  bfd?: BfdJson;
  /** daemon/net/protection.ts SecurityInfo, and why the session is held down if it is. */
  security?: { auth: string; ttlSecurity: boolean; multihop?: number; interface?: string };
  protectionError?: { reason: string; message: string };
}

const AUTH_NAMES: Record<string, string> = { md5: 'md5 (TCP-MD5, RFC 2385)', 'tcp-ao': 'tcp-ao (TCP-AO, RFC 5925)', none: 'none' };

/** `rackroute neighbors PEER`: how the session's connection is protected. */
function securityDetail(n: NeighborJson): string {
  const s = n.security;
  if (!s) return '';
  const lines = [
    `session protection of ${n.name}:`,
    `  auth          ${AUTH_NAMES[s.auth] ?? s.auth}`,
    `  ttl-security  ${s.ttlSecurity ? 'on (GTSM, RFC 5082: sends TTL 255, accepts only 255)' : 'off'}`,
    `  multihop      ${s.multihop !== undefined ? `${s.multihop} (sends TTL ${s.multihop})` : s.ttlSecurity ? '-' : 'off (system default TTL)'}`,
    `  interface     ${s.interface ?? '-'}`,
  ];
  if (n.protectionError) lines.push(`  held down     ${n.protectionError.reason}: ${n.protectionError.message}`);
  return `${lines.join('\n')}\n`;
}

/** daemon/bfd/manager.ts BfdInfo, or only the configured values before the session started. */
interface BfdJson {
  state: string;
  minRxMs: number;
  minTxMs: number;
  multiplier: number;
  remoteState?: string;
  localAddress?: string;
  remoteAddress?: string;
  sourcePort?: number;
  localDiscriminator?: number;
  remoteDiscriminator?: number;
  diagnostic?: string;
  txIntervalMs?: number | null;
  detectionTimeMs?: number | null;
  remoteMinRxMs?: number;
  remoteMinTxMs?: number;
  remoteMultiplier?: number;
  remoteControlPlaneIndependent?: boolean;
  uptimeMs?: number;
  ttlChecked?: boolean;
}

const ms = (v: number | null | undefined): string => (typeof v === 'number' ? `${v} ms` : '-');

/** The BFD column: state and Detection Time. */
function bfdCell(b: BfdJson | undefined): string {
  if (!b) return '-';
  return b.detectionTimeMs ? `${b.state} (${b.detectionTimeMs} ms)` : b.state;
}

/** `rackroute neighbors PEER`: the BFD session in detail. */
function bfdDetail(name: string, b: BfdJson): string {
  const lines = [`BFD with ${name}: ${b.state}${b.uptimeMs ? ` for ${since(b.uptimeMs)}` : ''}, peer says ${b.remoteState ?? '-'}, last diagnostic: ${b.diagnostic ?? '-'}`];
  if (b.localAddress) lines.push(`  ${b.localAddress}:${b.sourcePort} -> ${b.remoteAddress}:3784, discriminators ${b.localDiscriminator}/${b.remoteDiscriminator || '-'}, TTL 255 check ${b.ttlChecked ? 'on' : 'off'}`);
  lines.push(`  configured: minRx ${b.minRxMs} ms, minTx ${b.minTxMs} ms, multiplier ${b.multiplier}`);
  if (b.remoteMultiplier) lines.push(`  peer: minRx ${b.remoteMinRxMs} ms, minTx ${b.remoteMinTxMs} ms, multiplier ${b.remoteMultiplier}, control plane independent (C) ${b.remoteControlPlaneIndependent ? 'yes' : 'no'}`);
  lines.push(`  negotiated: TX every ${ms(b.txIntervalMs)}, detection time ${ms(b.detectionTimeMs)}`);
  return `${lines.join('\n')}\n`;
}

export function renderNeighbors(r: unknown): string {
  const list = (r as { neighbors?: NeighborJson[] }).neighbors ?? [];
  const out = table(
    ['PEER', 'ADDRESS', 'AS', 'STATE', 'UP', 'RCVD', 'SENT', 'BFD', 'LAST ERROR'],
    list.map((n) => [n.name, n.address, String(n.asn), n.state, since(n.uptimeMs), String(n.prefixes?.received ?? 0), String(n.prefixes?.advertised ?? 0), bfdCell(n.bfd), n.lastError ?? '']),
  );
  const one = list.length === 1 ? list[0] : undefined;
  const details = one ? [securityDetail(one), one.bfd ? bfdDetail(one.name, one.bfd) : ''].filter((d) => d !== '') : [];
  return details.length > 0 ? `${out}\n${details.join('\n')}` : out;
}

interface RouteJson {
  prefix: string;
  mpNextHop?: string;
  attrs: { nextHop?: string; asPath?: string; origin?: string; med?: number; localPref?: number; communities?: string[]; largeCommunities?: string[] };
  /** Received routes: why import refused it (policy or Kubernetes ownership), or why it cannot be used. */
  rejected?: string;
  ineligible?: string;
  stale?: boolean;
}

export function renderRoutes(r: unknown, which: 'received' | 'advertised' | 'both', traffic: ReadonlyMap<string, { packets: number; bytes: number }> = new Map()): string {
  const peers = r as Record<string, { received: RouteJson[]; advertised: RouteJson[] }>;
  const rows: string[][] = [];
  for (const [peer, v] of Object.entries(peers)) {
    const add = (dir: string, list: RouteJson[]): void => {
      for (const x of list)
        rows.push([
          peer, dir, x.prefix, x.mpNextHop ?? x.attrs.nextHop ?? '', x.attrs.asPath ?? '', x.attrs.origin ?? '', [...(x.attrs.communities ?? []), ...(x.attrs.largeCommunities ?? [])].join(' '),
          x.rejected ? `rejected: ${x.rejected}` : x.ineligible ? `unusable: ${x.ineligible}` : x.stale ? 'stale' : '',
          dir === 'in' && traffic.has(x.prefix) ? volume(traffic.get(x.prefix)) : '',
        ]);
    };
    if (which !== 'advertised') add('in', v.received);
    if (which !== 'received') add('out', v.advertised);
  }
  return table(['PEER', 'DIR', 'PREFIX', 'NEXT HOP', 'AS PATH', 'ORIGIN', 'COMMUNITIES', 'NOTE', 'TRAFFIC'], rows);
}

/** "1234 pkts 5.6 MB" */
function volume(c: { packets: number; bytes: number } | undefined): string {
  if (!c) return '';
  const b = c.bytes;
  const size = b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : b >= 1e6 ? `${(b / 1e6).toFixed(1)} MB` : b >= 1e3 ? `${(b / 1e3).toFixed(1)} kB` : `${b} B`;
  return `${c.packets} pkts ${size}`;
}

interface DatapathJson {
  mode: string;
  reason: string;
  attach?: string;
  kernel?: string;
  libbpf?: string;
  interfaces: { name: string; role: string; mtu: number; attached: boolean; reason?: string }[];
  routes: number;
  outcomes?: Record<string, number>;
  findings: string[];
  mapErrors?: number;
  routeCounters?: { prefix: string; routeId: number; flags: number; packets: number; bytes: number }[];
}

/** `rackroute datapath`: mode and why, interfaces, outcome counters, traffic per managed prefix. */
export function renderDatapath(r: unknown): string {
  const d = r as DatapathJson;
  const head = `mode           ${d.mode} (${d.reason})\n` +
    (d.attach ? `attach         ${d.attach}\n` : '') +
    (d.kernel ? `kernel         ${d.kernel}${d.libbpf ? `, libbpf ${d.libbpf}` : ''}\n` : '') +
    `routes         ${d.routes} prefixes in the route map${d.mapErrors ? `, ${d.mapErrors} map write errors` : ''}\n` +
    d.findings.map((f) => `finding        ${f}\n`).join('');
  const ifs = d.interfaces.length ? '\n' + table(['INTERFACE', 'ROLE', 'MTU', 'ATTACHED'], d.interfaces.map((i) => [i.name, i.role, String(i.mtu), i.attached ? 'yes' : `no: ${i.reason ?? ''}`])) : '';
  const outcomes = Object.entries(d.outcomes ?? {}).filter(([, n]) => n > 0);
  const out = outcomes.length ? '\n' + table(['OUTCOME', 'PACKETS'], outcomes.map(([k, n]) => [k, String(n)])) : '';
  const flags = (f: number): string => [f & 2 ? 'local' : '', f & 1 ? 'no-fastpath' : ''].filter(Boolean).join(',') || '-';
  const routes = d.routeCounters?.length ? '\n' + table(['PREFIX', 'FLAGS', 'PACKETS', 'BYTES'], d.routeCounters.map((c) => [c.prefix, flags(c.flags), String(c.packets), String(c.bytes)])) : '';
  return head + ifs + out + routes;
}

export function renderStatus(r: unknown): string {
  const s = r as Record<string, unknown>;
  return Object.entries(s)
    .map(([k, v]) => `${k.padEnd(14)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
    .join('\n') + '\n';
}

interface RibJson {
  total: number;
  routes: { prefix: string; reason: string; installed: boolean; nexthops: string[]; candidates: { from: string; best: boolean; multipath: boolean; attrs: { asPath?: string } }[] }[];
}

export function renderRib(r: unknown): string {
  const rib = r as RibJson;
  const rows = rib.routes.map((x) => [
    x.prefix,
    x.nexthops.join(', ') || '-',
    x.candidates.filter((c) => c.best).map((c) => c.from).join('') || '-',
    x.reason,
    x.installed ? 'yes' : 'no',
    String(x.candidates.length),
  ]);
  return table(['PREFIX', 'NEXT HOPS', 'BEST FROM', 'WHY', 'IN KERNEL', 'PATHS'], rows) + `${rib.routes.length} of ${rib.total} prefixes\n`;
}

/** `rackroute reload`: the file's errors, or the plan (applied, or only computed with --dry-run). */
export function renderReload(r: { applied: boolean; errors?: string[]; plan?: Record<string, unknown> }, dryRun: boolean): string {
  if (r.errors?.length) return `configuration rejected, the running one stays:\n${r.errors.join('\n')}\n`;
  const p = (r.plan ?? {}) as { resets?: string[]; added?: string[]; removed?: string[]; inPlace?: string[]; reimport?: string[]; reexport?: string[]; global?: string[]; originate?: { add: number; remove: number; change: number } };
  const line = (label: string, xs: string[] | undefined): string => `  ${label}: ${xs && xs.length ? xs.join(', ') : 'none'}\n`;
  const o = p.originate ?? { add: 0, remove: 0, change: 0 };
  return (
    `${dryRun ? 'plan (nothing applied):' : 'applied:'}\n` +
    line('sessions reset', p.resets) +
    line('peers added', p.added) +
    line('peers removed (Cease)', p.removed) +
    line('peers changed in place', p.inPlace) +
    line('routes re-run through import policy', p.reimport) +
    line('routes re-run through export policy', p.reexport) +
    line('global changes', p.global) +
    `  originated prefixes: +${o.add} -${o.remove} ~${o.change}\n` +
    routeChanges(p as { routes?: { peers?: { peer: string; nowAccepted: number; nowRefused: number; sample: string[] }[] } })
  );
}

function routeChanges(p: { routes?: { peers?: { peer: string; nowAccepted: number; nowRefused: number; sample: string[] }[] } }): string {
  const rows = p.routes?.peers;
  if (rows === undefined) return '';
  if (rows.length === 0) return '  received routes whose import verdict changes: none\n';
  return rows.map((r) => `  from ${r.peer}: ${r.nowAccepted} newly accepted, ${r.nowRefused} newly refused (${r.sample.join(' ')}${r.nowAccepted + r.nowRefused > r.sample.length ? ' …' : ''})\n`).join('');
}

/** `rackroute why ADDRESS`. */
export function renderWhy(r: unknown): string {
  const w = r as { address: string; route: null | { prefix: string; reason: string; installed: boolean; nexthops: string[]; candidates: { from: string; best: boolean; multipath: boolean; ineligible?: string }[] }; kernel: null | { prefix: string; protocol: number; nexthops: { gateway?: string; ifindex: number }[] }; kernelAgrees: boolean | null };
  const lines: string[] = [];
  if (!w.route) lines.push(`${w.address}: no BGP route covers it`);
  else {
    lines.push(`${w.address} is in ${w.route.prefix}: best path chosen by ${w.route.reason}; next hops ${w.route.nexthops.join(', ') || 'none'}; ${w.route.installed ? 'installed in the kernel' : 'not installed (own prefix, or no usable next hop)'}`);
    for (const c of w.route.candidates) lines.push(`  ${c.best ? '*' : c.multipath ? '=' : ' '} from ${c.from}${c.ineligible ? ` (ineligible: ${c.ineligible})` : ''}`);
  }
  if (w.kernel) lines.push(`kernel: ${w.kernel.prefix} proto ${w.kernel.protocol} via ${w.kernel.nexthops.map((n) => `${n.gateway ?? 'direct'}%${n.ifindex}`).join(', ')}`);
  else lines.push('kernel: no route');
  if (w.kernelAgrees !== null) lines.push(w.kernelAgrees ? 'the kernel agrees' : 'THE KERNEL DISAGREES');
  return `${lines.join('\n')}\n`;
}
