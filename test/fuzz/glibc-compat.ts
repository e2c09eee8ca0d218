/**
 * Makes @jazzer.js/fuzzer's prebuilt addon load on glibc 2.36 / GCC 12 hosts (Debian 12). The
 * prebuilt needs GLIBC_2.38 only for __isoc23_strtol/__isoc23_strtoul (C23 variants that also
 * accept "0b"; used for libFuzzer flag parsing) and GLIBCXX_3.4.32 only for
 * std::ios_base_library_init() (a GCC 13 link anchor; the host's iostreams are already set up
 * by node itself). This writes a patched COPY (never the installed file) where those three
 * imports point at strtol, strtoul and std::get_new_handler() (a harmless no-argument call),
 * and marks the two version needs weak. Input: the installed addon; output: the copy's path.
 * Only run-jazzer.ts uses this, and only after the unpatched addon failed to load.
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Section { name: string; off: number; size: number }

function sections(d: Buffer): Map<string, Section> {
  const shoff = Number(d.readBigUInt64LE(0x28));
  const shentsize = d.readUInt16LE(0x3a);
  const shnum = d.readUInt16LE(0x3c);
  const shstrndx = d.readUInt16LE(0x3e);
  const raw = Array.from({ length: shnum }, (_, i) => {
    const o = shoff + i * shentsize;
    return { nameOff: d.readUInt32LE(o), off: Number(d.readBigUInt64LE(o + 0x18)), size: Number(d.readBigUInt64LE(o + 0x20)) };
  });
  const strtab = raw[shstrndx];
  if (!strtab) throw new Error('no section name table');
  const out = new Map<string, Section>();
  for (const s of raw) out.set(cstr(d, strtab.off + s.nameOff), { name: cstr(d, strtab.off + s.nameOff), off: s.off, size: s.size });
  return out;
}

function cstr(d: Buffer, at: number): string {
  return d.toString('latin1', at, d.indexOf(0, at));
}

function need(m: Map<string, Section>, name: string): Section {
  const s = m.get(name);
  if (!s) throw new Error(`addon has no ${name} section`);
  return s;
}

/** Version-need entries: "file|version" -> {index, offset of the Vernaux}. */
function verneeds(d: Buffer, vr: Section, dynstr: Section): Map<string, { index: number; at: number }> {
  const out = new Map<string, { index: number; at: number }>();
  for (let vn = vr.off; ; ) {
    const cnt = d.readUInt16LE(vn + 2);
    const file = cstr(d, dynstr.off + d.readUInt32LE(vn + 4));
    let a = vn + d.readUInt32LE(vn + 8);
    for (let i = 0; i < cnt; i++) {
      out.set(`${file}|${cstr(d, dynstr.off + d.readUInt32LE(a + 8))}`, { index: d.readUInt16LE(a + 6), at: a });
      a += d.readUInt32LE(a + 12);
    }
    const next = d.readUInt32LE(vn + 12);
    if (next === 0) return out;
    vn += next;
  }
}

export function patchAddon(src: string, dst: string): void {
  const d = readFileSync(src);
  const s = sections(d);
  const dynsym = need(s, '.dynsym');
  const dynstr = need(s, '.dynstr');
  const versym = need(s, '.gnu.version');
  const vn = verneeds(d, need(s, '.gnu.version_r'), dynstr);
  const ver = (k: string): number => vn.get(k)?.index ?? -1;
  const rename: Record<string, [string, number]> = {
    __isoc23_strtol: ['strtol', ver('libc.so.6|GLIBC_2.2.5')],
    __isoc23_strtoul: ['strtoul', ver('libc.so.6|GLIBC_2.2.5')],
    _ZSt21ios_base_library_initv: ['_ZSt15get_new_handlerv', ver('libstdc++.so.6|GLIBCXX_3.4.20')],
  };
  for (let i = 0; i * 24 < dynsym.size; i++) {
    const nameAt = dynstr.off + d.readUInt32LE(dynsym.off + i * 24);
    const r = rename[cstr(d, nameAt)];
    if (!r) continue;
    if (r[1] < 0) throw new Error(`no version need for ${r[0]}`);
    d.write(`${r[0]}\0`, nameAt, 'latin1');
    d.writeUInt16LE(r[1], versym.off + i * 2);
  }
  // VER_FLG_WEAK: a missing weak version need is not fatal for ld.so.
  for (const k of ['libc.so.6|GLIBC_2.38', 'libstdc++.so.6|GLIBCXX_3.4.32']) {
    const e = vn.get(k);
    if (e) d.writeUInt16LE(d.readUInt16LE(e.at + 4) | 2, e.at + 4);
  }
  writeFileSync(dst, d);
}
