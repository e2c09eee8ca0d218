/**
 * The libbpf edge: koffi (FFI) bindings to the system libbpf.so.1 and the few libc calls the
 * datapath needs (mount for bpffs). Thin and typed: every call returns a number or a result
 * object carrying the errno text, never throws after load. Only daemon/datapath/loader.ts and
 * maps.ts use it. Input: paths, fds and buffers. Output: fds, status codes.
 * Must not: keep state beyond the loaded library.
 */
import koffi from 'koffi';

export interface Libbpf {
  version: string;
  openFile(path: string): unknown | null;
  findMap(obj: unknown, name: string): unknown | null;
  findProgram(obj: unknown, name: string): unknown | null;
  setPinPath(map: unknown, path: string): number;
  setLogBuf(prog: unknown, buf: Buffer): number;
  setLogLevel(prog: unknown, level: number): number;
  load(obj: unknown): number;
  close(obj: unknown): void;
  programFd(prog: unknown): number;
  mapFd(map: unknown): number;
  linkCreate(progFd: number, ifindex: number, attachType: number): number;
  linkUpdate(linkFd: number, progFd: number): number;
  linkDetach(linkFd: number): number;
  objPin(fd: number, path: string): number;
  objGet(path: string): number;
  tcHookCreate(hook: Buffer): number;
  tcAttach(hook: Buffer, opts: Buffer): number;
  tcDetach(hook: Buffer, opts: Buffer): number;
  tcQuery(hook: Buffer, opts: Buffer): number;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): number;
  mapDelete(fd: number, key: Buffer): number;
  mapLookup(fd: number, key: Buffer, value: Buffer): number;
  mapNextKey(fd: number, key: Buffer | null, next: Buffer): number;
  probeProgType(type: number): number;
  probeMapType(type: number): number;
  probeHelper(progType: number, helper: number): number;
  progQuery(ifindex: number, attachType: number): number;
  closeFd(fd: number): number;
  mount(source: string, target: string, fstype: string): number;
  errno(): number;
}

let cached: { lib: Libbpf | null; error?: string } | undefined;

/** Loads libbpf.so.1 once; null with the reason when it is missing (the datapath then stays legacy). */
export function libbpf(): { lib: Libbpf | null; error?: string } {
  if (cached) return cached;
  try {
    const b = koffi.load('libbpf.so.1');
    const c = koffi.load('libc.so.6');
    const major = b.func('uint32_t libbpf_major_version(void)') as () => number;
    const minor = b.func('uint32_t libbpf_minor_version(void)') as () => number;
    // Opaque pointers are plain `void *` here: koffi returns them as external values.
    const f = <T>(sig: string): T => b.func(sig) as T;
    const setPrint = b.func('void *libbpf_set_print(void *fn)') as (fn: null) => unknown;
    setPrint(null); // libbpf's own messages would go to stderr; errors come back as errno text.
    const openFile = f<(p: string, o: null) => unknown>('void *bpf_object__open_file(const char *path, void *opts)');
    const logBuf = f<(p: unknown, b: Buffer, n: number) => number>('int bpf_program__set_log_buf(void *prog, void *buf, size_t size)');
    const linkCreate = f<(a: number, b: number, c: number, d: null) => number>('int bpf_link_create(int prog_fd, int target_fd, int attach_type, void *opts)');
    const linkUpdate = f<(a: number, b: number, c: null) => number>('int bpf_link_update(int link_fd, int new_prog_fd, void *opts)');
    const probeProg = f<(a: number, b: null) => number>('int libbpf_probe_bpf_prog_type(int type, void *opts)');
    const probeMap = f<(a: number, b: null) => number>('int libbpf_probe_bpf_map_type(int type, void *opts)');
    const probeHelper = f<(a: number, b: number, c: null) => number>('int libbpf_probe_bpf_helper(int prog_type, int helper_id, void *opts)');
    const mount = c.func('int mount(const char *s, const char *t, const char *ty, unsigned long flags, void *data)') as (a: string, b: string, c: string, d: number, e: null) => number;
    const bpfAttr = c.func('long syscall(long nr, int cmd, void *attr, uint32_t size)') as (nr: number, cmd: number, attr: Buffer, size: number) => number;
    const lib: Libbpf = {
      version: `${major()}.${minor()}`,
      openFile: (path) => openFile(path, null),
      findMap: f('void *bpf_object__find_map_by_name(void *obj, const char *name)') as never,
      findProgram: f('void *bpf_object__find_program_by_name(void *obj, const char *name)') as never,
      setPinPath: f('int bpf_map__set_pin_path(void *map, const char *path)') as never,
      setLogBuf: (prog, buf) => logBuf(prog, buf, buf.length),
      setLogLevel: f('int bpf_program__set_log_level(void *prog, uint32_t level)') as never,
      load: f('int bpf_object__load(void *obj)') as never,
      close: f('void bpf_object__close(void *obj)') as never,
      programFd: f('int bpf_program__fd(void *prog)') as never,
      mapFd: f('int bpf_map__fd(void *map)') as never,
      linkCreate: (progFd, ifindex, type) => linkCreate(progFd, ifindex, type, null),
      linkUpdate: (link, prog) => linkUpdate(link, prog, null),
      linkDetach: f('int bpf_link_detach(int link_fd)') as never,
      objPin: f('int bpf_obj_pin(int fd, const char *path)') as never,
      objGet: f('int bpf_obj_get(const char *path)') as never,
      tcHookCreate: f('int bpf_tc_hook_create(void *hook)') as never,
      tcAttach: f('int bpf_tc_attach(void *hook, void *opts)') as never,
      tcDetach: f('int bpf_tc_detach(void *hook, void *opts)') as never,
      tcQuery: f('int bpf_tc_query(void *hook, void *opts)') as never,
      mapUpdate: f('int bpf_map_update_elem(int fd, void *key, void *value, uint64_t flags)') as never,
      mapDelete: f('int bpf_map_delete_elem(int fd, void *key)') as never,
      mapLookup: f('int bpf_map_lookup_elem(int fd, void *key, void *value)') as never,
      mapNextKey: f('int bpf_map_get_next_key(int fd, void *key, void *next_key)') as never,
      probeProgType: (t) => probeProg(t, null),
      probeMapType: (t) => probeMap(t, null),
      probeHelper: (t, h) => probeHelper(t, h, null),
      // BPF_PROG_QUERY (cmd 16) on tcx ingress: EINVAL on kernels without tcx.
      progQuery: (ifindex: number, attachType: number) => {
        const attr = Buffer.alloc(64);
        attr.writeUInt32LE(ifindex, 0); // target_ifindex
        attr.writeUInt32LE(attachType, 4); // attach_type
        const r = bpfAttr(321, 16, attr, attr.length); // __NR_bpf on x86-64 is 321
        return r < 0 ? -koffi.errno() : r;
      },
      closeFd: c.func('int close(int fd)') as never,
      mount: (src, target, fstype) => mount(src, target, fstype, 0, null),
      errno: () => koffi.errno(),
    };
    cached = { lib };
  } catch (err) {
    cached = { lib: null, error: `libbpf.so.1 not usable: ${err instanceof Error ? err.message : String(err)}` };
  }
  return cached;
}

/** strerror for the errno values libbpf returns (negative or positive). */
export function errnoText(code: number): string {
  const n = Math.abs(code);
  const names: Record<number, string> = {
    1: 'EPERM', 2: 'ENOENT', 7: 'E2BIG', 9: 'EBADF', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST', 19: 'ENODEV',
    22: 'EINVAL', 28: 'ENOSPC', 38: 'ENOSYS', 95: 'EOPNOTSUPP', 524: 'ENOTSUPP',
  };
  return names[n] ?? `errno ${n}`;
}
