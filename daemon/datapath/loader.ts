/**
 * Loads and attaches bpf/datapath.o, the one place that does (like `cilium status` it can say
 * why it did not): probes the kernel (>= 5.10, sched_cls, LPM trie, per-CPU arrays,
 * bpf_fib_lookup / redirect / redirect_neigh / redirect_peer, tcx), mounts bpffs if needed,
 * loads the object with its maps pinned under /sys/fs/bpf/rackroute/ (reused when present, so
 * counters survive restarts; a layout change needs a new map name, see bpf/datapath.c), keeps
 * the verifier log when loading fails, and attaches to an interface's ingress with tcx (a
 * pinned link, replaced atomically with bpf_link_update) or clsact + cls_bpf (our own
 * handle/priority, BPF_TC_F_REPLACE). It never deletes a qdisc or another program's filter.
 * Input: paths and interfaces from daemon/datapath/datapath.ts. Output: fds, errors. Edge.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { errnoText, libbpf, type Libbpf } from './libbpf.js';

export const PIN_DIR = '/sys/fs/bpf/rackroute';
export const PROGRAM = 'rr_ingress';
export const MAP_NAMES = { routes4: 'rr_routes4_v1', routes6: 'rr_routes6_v1', counters: 'rr_counters_v1', stats: 'rr_stats_v1', podIfaces: 'rr_pod_ifaces_v1' } as const;
export type MapFds = Record<keyof typeof MAP_NAMES, number>;

const BPF_PROG_TYPE_SCHED_CLS = 3;
const BPF_MAP_TYPE_LPM_TRIE = 11;
const BPF_MAP_TYPE_PERCPU_ARRAY = 6;
const BPF_TCX_INGRESS = 46;
const HELPERS: Record<string, number> = { bpf_redirect: 23, bpf_fib_lookup: 69, bpf_redirect_neigh: 152, bpf_redirect_peer: 155 };
const BPF_TC_INGRESS = 1;
const BPF_TC_F_REPLACE = 1;
/** Our cls_bpf filter: handle and priority no other agent is likely to pick ("RR"). */
export const TC_HANDLE = 0x5252;
export const TC_PRIORITY = 0x5252;

export interface ProbeResult {
  ok: boolean;
  /** Why the datapath cannot run here (legacy routing then). */
  reason?: string;
  kernel: string;
  libbpf?: string;
  tcx: boolean;
}

/** "6.18.44-fc" -> [6, 18]. */
export function kernelVersion(release = os.release()): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

function bpffsMounted(): boolean {
  try {
    return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => {
      const [, mnt, type] = l.split(' ');
      return mnt === '/sys/fs/bpf' && type === 'bpf';
    });
  } catch {
    return false;
  }
}

export function probe(): ProbeResult {
  const kernel = os.release();
  const [maj, min] = kernelVersion(kernel);
  if (maj < 5 || (maj === 5 && min < 10)) return { ok: false, reason: `kernel ${kernel} < 5.10 (bpf_redirect_neigh/peer)`, kernel, tcx: false };
  const { lib, error } = libbpf();
  if (!lib) return { ok: false, reason: error ?? 'libbpf not available', kernel, tcx: false };
  const base = { kernel, libbpf: lib.version };
  if (!bpffsMounted()) {
    mkdirSync('/sys/fs/bpf', { recursive: true });
    if (lib.mount('bpf', '/sys/fs/bpf', 'bpf') !== 0) return { ...base, ok: false, reason: `bpffs is not mounted on /sys/fs/bpf and mounting it failed (${errnoText(lib.errno())})`, tcx: false };
  }
  if (lib.probeProgType(BPF_PROG_TYPE_SCHED_CLS) !== 1) return { ...base, ok: false, reason: 'program type sched_cls not supported (or no CAP_BPF)', tcx: false };
  if (lib.probeMapType(BPF_MAP_TYPE_LPM_TRIE) !== 1 || lib.probeMapType(BPF_MAP_TYPE_PERCPU_ARRAY) !== 1) return { ...base, ok: false, reason: 'LPM trie or per-CPU array maps not supported', tcx: false };
  for (const [name, id] of Object.entries(HELPERS)) {
    if (lib.probeHelper(BPF_PROG_TYPE_SCHED_CLS, id) !== 1) return { ...base, ok: false, reason: `helper ${name} missing`, tcx: false };
  }
  // tcx (6.6+): BPF_PROG_QUERY on lo's tcx ingress answers; EINVAL without tcx.
  const tcx = lib.progQuery(1, BPF_TCX_INGRESS) >= 0;
  return { ...base, ok: true, tcx };
}

export interface Loaded {
  progFd: number;
  maps: MapFds;
  /** Closes the object (our fds); attachments and pins stay. */
  close(): void;
}

/** Loads the object with pinned maps; on failure the error carries the verifier's log tail. */
export function loadObject(objectPath: string, pinDir = PIN_DIR): { loaded: Loaded } | { error: string } {
  const { lib, error } = libbpf();
  if (!lib) return { error: error ?? 'libbpf not available' };
  if (!existsSync(objectPath)) return { error: `${objectPath} not found (built by bpf/build.sh: needs clang and libbpf-dev)` };
  mkdirSync(pinDir, { recursive: true, mode: 0o700 });
  const attempt = (logBuf: Buffer | null): { loaded: Loaded } | { error: string; code: number } => {
    const obj = lib.openFile(objectPath);
    if (!obj) return { error: `cannot open ${objectPath}: ${errnoText(lib.errno())}`, code: -1 };
    for (const name of Object.values(MAP_NAMES)) {
      const m = lib.findMap(obj, name);
      if (!m) {
        lib.close(obj);
        return { error: `${objectPath} has no map ${name}`, code: -1 };
      }
      lib.setPinPath(m, join(pinDir, name));
    }
    const prog = lib.findProgram(obj, PROGRAM);
    if (!prog) {
      lib.close(obj);
      return { error: `${objectPath} has no program ${PROGRAM}`, code: -1 };
    }
    if (logBuf) {
      lib.setLogBuf(prog, logBuf);
      lib.setLogLevel(prog, 1);
    }
    const rc = lib.load(obj);
    if (rc !== 0) {
      lib.close(obj);
      const log = logBuf ? logBuf.toString('utf8', 0, Math.max(0, logBuf.indexOf(0))).trim().split('\n').slice(-8).join(' | ') : '';
      const hint = rc === -22 ? ' (a pinned map with another layout? remove /sys/fs/bpf/rackroute or bump the map version)' : '';
      return { error: `loading ${objectPath} failed: ${errnoText(rc)}${hint}${log ? `; verifier: ${log}` : ''}`, code: rc };
    }
    // The object stays open for the daemon's lifetime: it holds the program and map fds.
    const fds = {} as MapFds;
    for (const [k, name] of Object.entries(MAP_NAMES) as [keyof MapFds, string][]) fds[k] = lib.mapFd(lib.findMap(obj, name));
    const progFd = lib.programFd(prog);
    if (progFd < 0 || Object.values(fds).some((fd) => fd < 0)) {
      lib.close(obj);
      return { error: `the loaded program or maps have no fd: ${errnoText(lib.errno())}`, code: -1 };
    }
    return { loaded: { progFd, maps: fds, close: () => lib.close(obj) } };
  };
  const first = attempt(null);
  if ('loaded' in first) return first;
  // Load again with the verifier's log captured, for the error message.
  if (first.code === -13 || first.code === -7 || first.code === -22) {
    const again = attempt(Buffer.alloc(1 << 22));
    if ('loaded' in again) return again;
    return { error: again.error };
  }
  return { error: first.error };
}

export type AttachMode = 'tcx' | 'tc';

function linkPin(pinDir: string, ifindex: number, ifname: string): string {
  return join(pinDir, 'links', `${ifindex}-${ifname}`);
}

/** Attaches (or atomically replaces) our program on the interface's ingress. */
export function attach(lib: Libbpf, mode: AttachMode, progFd: number, ifindex: number, ifname: string, pinDir = PIN_DIR): string | null {
  if (mode === 'tcx') {
    mkdirSync(join(pinDir, 'links'), { recursive: true, mode: 0o700 });
    const pin = linkPin(pinDir, ifindex, ifname);
    if (existsSync(pin)) {
      const fd = lib.objGet(pin);
      const rc = fd >= 0 ? lib.linkUpdate(fd, progFd) : -lib.errno();
      if (fd >= 0) lib.closeFd(fd);
      if (rc === 0) return null;
      rmSync(pin, { force: true });
    }
    const link = lib.linkCreate(progFd, ifindex, BPF_TCX_INGRESS);
    if (link < 0) return `tcx attach to ${ifname} failed: ${errnoText(link)}`;
    const rc = lib.objPin(link, pin);
    lib.closeFd(link);
    return rc === 0 ? null : `pinning the tcx link of ${ifname} failed: ${errnoText(rc)}`;
  }
  const hook = tcHook(ifindex);
  const hc = lib.tcHookCreate(hook);
  if (hc !== 0 && hc !== -17) return `creating the clsact qdisc on ${ifname} failed: ${errnoText(hc)}`;
  const rc = lib.tcAttach(hook, tcOpts(progFd, BPF_TC_F_REPLACE));
  return rc === 0 ? null : `tc attach to ${ifname} failed: ${errnoText(rc)}`;
}

/** Removes our attachment only (never the qdisc, never another filter). */
export function detach(lib: Libbpf, mode: AttachMode, ifindex: number, ifname: string, pinDir = PIN_DIR): string | null {
  if (mode === 'tcx') {
    const pin = linkPin(pinDir, ifindex, ifname);
    if (!existsSync(pin)) return null;
    const fd = lib.objGet(pin);
    if (fd >= 0) {
      lib.linkDetach(fd);
      lib.closeFd(fd);
    }
    rmSync(pin, { force: true });
    return null;
  }
  const rc = lib.tcDetach(tcHook(ifindex), tcOpts(0, 0));
  return rc === 0 || rc === -2 ? null : `tc detach from ${ifname} failed: ${errnoText(rc)}`;
}

/** Our tcx link pins whose interface is gone or renamed: detached and unpinned. */
export function collectGarbage(lib: Libbpf, present: ReadonlyMap<number, string>, pinDir = PIN_DIR): string[] {
  const dir = join(pinDir, 'links');
  if (!existsSync(dir)) return [];
  const gone: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^(\d+)-(.+)$/.exec(f);
    if (m && present.get(Number(m[1])) === m[2]) continue;
    const fd = lib.objGet(join(dir, f));
    if (fd >= 0) {
      lib.linkDetach(fd);
      lib.closeFd(fd);
    }
    rmSync(join(dir, f), { force: true });
    gone.push(f);
  }
  return gone;
}

/** struct bpf_tc_hook { size_t sz; int ifindex; enum attach_point; __u32 parent; } (24 bytes). */
function tcHook(ifindex: number): Buffer {
  const b = Buffer.alloc(24);
  b.writeBigUInt64LE(24n, 0);
  b.writeInt32LE(ifindex, 8);
  b.writeUInt32LE(BPF_TC_INGRESS, 12);
  return b;
}

/** struct bpf_tc_opts { size_t sz; int prog_fd; __u32 flags, prog_id, handle, priority; } (32 bytes). */
function tcOpts(progFd: number, flags: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeBigUInt64LE(32n, 0);
  b.writeInt32LE(progFd, 8);
  b.writeUInt32LE(flags, 12);
  b.writeUInt32LE(TC_HANDLE, 20);
  b.writeUInt32LE(TC_PRIORITY, 24);
  return b;
}

/** Everything of ours off every interface, maps unpinned: `rackrouted --datapath-uninstall`. */
export function uninstall(interfaces: ReadonlyMap<number, string>, pinDir = PIN_DIR): string[] {
  const { lib } = libbpf();
  if (!lib) return ['libbpf not available'];
  const errors: string[] = [];
  collectGarbage(lib, new Map(), pinDir);
  for (const [ifindex, name] of interfaces) {
    const e = detach(lib, 'tc', ifindex, name, pinDir);
    if (e) errors.push(e);
  }
  rmSync(pinDir, { recursive: true, force: true });
  return errors;
}
