/**
 * Reads Prometheus text exposition (what rackrouted serves on /metrics) into `series -> value`,
 * the series written exactly as exposed: `name{label="value",...}`. Comment and empty lines
 * are skipped; a line that is not `series value` throws, so a malformed scrape fails the test.
 * Pure: no I/O.
 */

export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const value = Number(line.slice(cut + 1));
    if (cut <= 0 || Number.isNaN(value) || !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})?$/.test(line.slice(0, cut))) throw new Error(`not a sample line: ${line}`);
    out.set(line.slice(0, cut), value);
  }
  return out;
}
