/**
 * The datapath as rackrouted runs it: mode `bpf` (bpf/datapath.c attached) or `legacy` (the
 * kernel stack forwards; always correct, since the kernel FIB holds every route either way),
 * with the reason, like `cilium status`. On start: probe, load (maps pinned and reused), attach
 * to the uplinks and the pod veths; then every second the route map follows the RIB (the
 * prefixes in the kernel plus our own pod CIDRs, inside the pod networks) and every two seconds
 * interfaces are rescanned (new pod veths attached, pins of vanished ones collected). Anything
 * that fails leaves the node on legacy routing, never without connectivity.
 * Input: the datapath config, the route engine's installed prefixes. Output: status, per-route
 * and outcome counters (metrics, `rackroute datapath`). Edge: timers; I/O via loader/maps.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cidrsOverlap, parseCidr, type Cidr } from '../../config/ip.js';
import type { DatapathConfig } from '../../config/schema.js';
import type { Logger } from '../log.js';
import { NetlinkFib } from '../kernel/netlink.js';
import { libbpf, type Libbpf } from './libbpf.js';
import { attach, collectGarbage, loadObject, PIN_DIR, probe, uninstall, type AttachMode, type Loaded } from './loader.js';
import { MAX_ROUTES, ROUTE_F_LOCAL, ROUTE_F_NO_FASTPATH, RouteMaps, type DesiredRoute, type RouteCounters } from './maps.js';

export const OBJECT_PATH = fileURLToPath(new URL('../../bpf/datapath.o', import.meta.url));

/** The route engine's answer: the prefixes, or `unchanged` when its version equals `since`. */
export interface InstalledPrefixes {
  version: number;
  unchanged?: boolean;
  installed?: string[];
  local?: string[];
  restarting: boolean;
}

export interface PrefixSource {
  installedPrefixes(limit: number, since?: number): Promise<InstalledPrefixes>;
}

export interface InterfaceState {
  name: string;
  ifindex: number;
  role: 'uplink' | 'pod';
  mtu: number;
  attached: boolean;
  /** Why it is not attached. */
  reason?: string;
}

export interface DatapathStatus {
  mode: 'bpf' | 'legacy';
  reason: string;
  attach?: AttachMode;
  kernel: string;
  libbpf?: string;
  interfaces: InterfaceState[];
  routes: number;
  outcomes?: Record<string, number>;
  findings: string[];
  mapErrors: number;
}

/** Where the metrics read the datapath at scrape time (daemon/metrics/registry.ts). */
export interface DatapathMetrics {
  setDatapathSource(read: () => { status: DatapathStatus; routes: readonly RouteCounters[] }): void;
}

interface Link {
  name: string;
  ifindex: number;
  type: number;
  iflink: number;
  mtu: number;
}

const ARPHRD: Record<number, string> = { 1: 'ether', 772: 'loopback', 768: 'ipip', 769: 'ip6tnl', 776: 'sit', 778: 'gre', 823: 'ip6gre', 65534: 'none (tun, wireguard)' };

/** Glob with * and ?. */
export function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}

/** The links of the process's network namespace (netlink: right under `ip netns exec` and nsenter alike). */
export async function listLinks(nl: NetlinkFib = new NetlinkFib()): Promise<Link[]> {
  const links = await nl.links();
  return links.map((l) => ({ name: l.name, ifindex: l.ifindex, type: l.type ?? 0, iflink: l.link ?? l.ifindex, mtu: l.mtu ?? 0 }));
}

/** Names with an address that is not link-local or loopback (candidate uplinks). */
function namesWithGlobalAddress(): Set<string> {
  const out = new Set<string>();
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    if (list?.some((a) => !a.internal && !(a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')))) out.add(name);
  }
  return out;
}

export class Datapath {
  private status_: DatapathStatus;
  private lib: Libbpf | null = null;
  private loaded: Loaded | null = null;
  private maps: RouteMaps | null = null;
  private readonly interfaces = new Map<string, InterfaceState>();
  private timers: NodeJS.Timeout[] = [];
  private syncing = false;
  private netlink: NetlinkFib | null = null;
  /** The engine's installed-prefix version our route map reflects; force: resync regardless. */
  private version = -1;
  private force = true;
  private wasRestarting = false;
  private scanning = false;

  constructor(
    private cfg: DatapathConfig,
    private podNetworks: string[],
    private readonly source: PrefixSource,
    private readonly log: Logger,
    private readonly objectPath = OBJECT_PATH,
    private readonly pinDir?: string,
  ) {
    this.status_ = { mode: 'legacy', reason: 'not started', kernel: os.release(), interfaces: [], routes: 0, findings: [], mapErrors: 0 };
  }

  get mode(): 'bpf' | 'legacy' {
    return this.status_.mode;
  }

  /** Counters are read when scraped, not on a timer: nothing per route runs on this thread unasked. */
  attachMetrics(m: DatapathMetrics): void {
    m.setDatapathSource(() => ({ status: this.status(), routes: this.routeCounters() }));
  }

  private legacy(reason: string): void {
    this.status_ = { ...this.status_, mode: 'legacy', reason };
    this.log.warn({ event: 'datapath.mode', mode: 'legacy', reason }, `datapath: legacy host routing (${reason}); the kernel stack forwards pod traffic`);
  }

  /** Probe, load, attach; never throws (a failure is legacy mode with its reason). */
  async start(): Promise<void> {
    if (!this.cfg.enabled) {
      // Turned off: take ours off every interface (a previous run may have left it attached).
      const dir = this.pinDir ?? PIN_DIR;
      if (existsSync(dir)) {
        const nl = new NetlinkFib();
        try {
          const links = await listLinks(nl);
          const errors = uninstall(new Map(links.map((l) => [l.ifindex, l.name])), dir);
          this.log.info({ event: 'datapath.uninstall', errors }, `datapath: detached and unpinned (${dir})${errors.length ? `: ${errors.join('; ')}` : ''}`);
        } catch (err) {
          this.log.warn({ event: 'datapath.uninstall', error: String(err) }, `datapath: detaching failed: ${String(err)}`);
        } finally {
          nl.close();
        }
      }
      return this.legacy('disabled by config (datapath.enabled: false)');
    }
    const p = probe();
    this.status_.kernel = p.kernel;
    if (p.libbpf) this.status_.libbpf = p.libbpf;
    if (!p.ok) return this.legacy(p.reason ?? 'kernel support missing');
    const r = this.pinDir ? loadObject(this.objectPath, this.pinDir) : loadObject(this.objectPath);
    if ('error' in r) return this.legacy(`verifier or loader refused the program: ${r.error}`);
    this.lib = libbpf().lib;
    this.loaded = r.loaded;
    this.maps = new RouteMaps(this.lib as Libbpf, r.loaded.maps);
    this.status_.attach = p.tcx ? 'tcx' : 'tc';
    this.netlink = new NetlinkFib();
    await this.scan();
    if (![...this.interfaces.values()].some((i) => i.attached)) {
      // Nothing to accelerate on; stay loaded (pod veths may appear) but say so.
      this.status_ = { ...this.status_, mode: 'legacy', reason: 'no supported interface to attach to (yet)' };
    } else {
      this.status_ = { ...this.status_, mode: 'bpf', reason: `attached with ${this.status_.attach}` };
    }
    await this.syncRoutes();
    this.log.info(
      { event: 'datapath.mode', mode: this.status_.mode, reason: this.status_.reason, interfaces: [...this.interfaces.values()].map((i) => `${i.name}:${i.role}:${i.attached ? 'attached' : i.reason}`), routes: this.maps.size },
      `datapath: ${this.status_.mode} (${this.status_.reason})`,
    );
    this.timers.push(setInterval(() => void this.syncRoutes(), 1000), setInterval(() => void this.scan(), 2000));
    for (const t of this.timers) t.unref();
  }

  setConfig(cfg: DatapathConfig, podNetworks: string[]): void {
    this.cfg = cfg;
    this.podNetworks = podNetworks;
    this.force = true;
    if (this.loaded) {
      void this.scan();
      void this.syncRoutes();
    }
  }

  /** Attaches to new uplinks / pod veths; forgets vanished ones. */
  async scan(): Promise<void> {
    const lib = this.lib;
    const loaded = this.loaded;
    if (!lib || !loaded || !this.status_.attach || !this.netlink || this.scanning) return;
    this.scanning = true;
    let links: Link[];
    try {
      links = await listLinks(this.netlink);
    } catch (err) {
      this.log.warn({ event: 'datapath.links', error: String(err) }, `datapath: cannot list interfaces: ${String(err)}`);
      return;
    } finally {
      this.scanning = false;
    }
    const global = namesWithGlobalAddress();
    const present = new Map(links.map((l) => [l.ifindex, l.name]));
    const seen = new Set<string>();
    const podIfindexes = new Set<number>();
    const findings: string[] = [];
    let uplinkMtu = 0;
    for (const l of links) {
      const pod = this.cfg.podInterfaces.some((g) => globMatch(g, l.name));
      const uplink = !pod && (this.cfg.interfaces.length ? this.cfg.interfaces.some((g) => globMatch(g, l.name)) : global.has(l.name) && l.type === 1 && l.name !== 'lo');
      if (!pod && !uplink) continue;
      seen.add(l.name);
      const role = pod ? 'pod' : 'uplink';
      const key = `${l.name}`;
      const prev = this.interfaces.get(key);
      if (prev && prev.ifindex === l.ifindex && prev.attached) {
        prev.mtu = l.mtu;
        if (pod) podIfindexes.add(l.ifindex);
        else uplinkMtu = Math.max(uplinkMtu, l.mtu);
        continue;
      }
      const state: InterfaceState = { name: l.name, ifindex: l.ifindex, role, mtu: l.mtu, attached: false };
      if (l.type !== 1) state.reason = `device type unsupported: ARPHRD ${l.type} (${ARPHRD[l.type] ?? 'unknown'}); only Ethernet-type devices`;
      else if (pod && l.iflink === l.ifindex) state.reason = 'not a veth (no peer): packets for it go through the stack';
      else {
        const err = attach(lib, this.status_.attach, loaded.progFd, l.ifindex, l.name, ...(this.pinDir ? [this.pinDir] : []));
        if (err) state.reason = err;
        else state.attached = true;
      }
      if (state.attached && pod) podIfindexes.add(l.ifindex);
      if (!pod && state.attached) uplinkMtu = Math.max(uplinkMtu, l.mtu);
      if (!prev || prev.attached !== state.attached || prev.ifindex !== state.ifindex)
        this.log.info({ event: 'datapath.interface', ...state }, `datapath: ${l.name} (${role}) ${state.attached ? 'attached' : `not attached: ${state.reason}`}`);
      this.interfaces.set(key, state);
    }
    for (const name of [...this.interfaces.keys()]) if (!seen.has(name)) this.interfaces.delete(name);
    collectGarbage(lib, present, ...(this.pinDir ? [this.pinDir] : []));
    this.maps?.setPodInterfaces(podIfindexes);
    // Native routing hygiene: a pod MTU below the uplink's is tunnel overhead nobody pays here.
    for (const i of this.interfaces.values()) if (i.role === 'pod' && uplinkMtu && i.mtu < uplinkMtu) findings.push(`pod interface ${i.name} MTU ${i.mtu} < uplink MTU ${uplinkMtu}: native routing has no tunnel overhead, set the pod MTU to ${uplinkMtu}`);
    this.status_.findings = findings;
    const attached = [...this.interfaces.values()].some((i) => i.attached);
    if (this.status_.mode === 'legacy' && attached && this.status_.reason.startsWith('no supported interface')) this.status_ = { ...this.status_, mode: 'bpf', reason: `attached with ${this.status_.attach}` };
  }

  /** Makes the route map equal to the installed and local prefixes inside the pod networks. */
  async syncRoutes(): Promise<void> {
    if (!this.maps || this.syncing) return;
    this.syncing = true;
    try {
      const answer = await this.source.installedPrefixes(MAX_ROUTES * 2, this.force ? undefined : this.version);
      const { restarting } = answer;
      // Unchanged RIB: only the counters are read (a 1M-route table is not resent every second).
      if (answer.unchanged) {
        // The end of a graceful restart: next time, a full sync drops what was not re-learned.
        if (this.wasRestarting && !restarting) this.force = true;
        this.wasRestarting = restarting;
        return;
      }
      this.wasRestarting = restarting;
      this.force = false;
      this.version = answer.version;
      const installed = answer.installed ?? [];
      const local = answer.local ?? [];
      const pods = this.podNetworks.map((t) => parseCidr(t)).filter((r): r is { ok: true; cidr: Cidr } => r.ok).map((r) => r.cidr);
      const slow = this.cfg.noFastPath.map((t) => parseCidr(t)).filter((r): r is { ok: true; cidr: Cidr } => r.ok).map((r) => r.cidr);
      const want: DesiredRoute[] = [];
      const add = (prefix: string, flags: number): void => {
        const r = parseCidr(prefix);
        if (!r.ok) return;
        if (pods.length && !pods.some((p) => p.family === r.cidr.family && p.len <= r.cidr.len && cidrsOverlap(p, r.cidr))) return;
        const f = flags | (slow.some((s) => cidrsOverlap(s, r.cidr)) ? ROUTE_F_NO_FASTPATH : 0);
        want.push({ prefix, flags: f });
      };
      for (const p of installed) add(p, 0);
      for (const p of local) add(p, ROUTE_F_LOCAL);
      // A graceful restart keeps the kernel's routes until the peers' End-of-RIB: so do we (and their counters).
      const r = this.maps.sync(want, restarting);
      if (r.added || r.removed || r.changed) this.log.debug({ event: 'datapath.routes', ...r, restarting, size: this.maps.size }, 'datapath: route map synced');
      if (r.failed) {
        this.force = true;
        this.log.warn({ event: 'datapath.map', ...r }, `datapath: ${r.failed} route map writes failed (retried next second)`);
      }
      this.status_.routes = this.maps.size;
      this.status_.mapErrors = this.maps.errors;
    } catch (err) {
      this.log.warn({ event: 'datapath.sync', error: String(err) }, `datapath: route sync failed: ${String(err)}`);
    } finally {
      this.syncing = false;
    }
  }

  status(): DatapathStatus {
    return { ...this.status_, interfaces: [...this.interfaces.values()], ...(this.maps ? { outcomes: this.maps.outcomes() } : {}) };
  }

  routeCounters(): RouteCounters[] {
    return this.maps ? this.maps.counters() : [];
  }

  /** Timers off and our fds closed; the program stays attached and keeps forwarding. */
  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.loaded?.close();
    this.loaded = null;
    this.netlink?.close();
    this.netlink = null;
  }
}
