/** `--name N` from a bench's argv: a positive integer, or the default. Test-only. */
export function flag(argv: readonly string[], name: string, dflt: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : dflt;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: want a positive integer`);
  return v;
}
