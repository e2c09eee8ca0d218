/**
 * The lab's throughput chart: a hand-written SVG bar chart (no dependencies) of the iperf3
 * figures test/lab/main.ts measured. Pure: input figures, output SVG text.
 */
export interface Throughput {
  name: string;
  /** null: not measured (see note). */
  mbps: number | null;
  note?: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function throughputChart(rows: readonly Throughput[]): string {
  const width = 720;
  const barH = 28;
  const left = 300;
  const max = Math.max(1, ...rows.map((r) => r.mbps ?? 0));
  const host = rows[0]?.mbps ?? 0;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${rows.length * (barH + 12) + 50}" font-family="sans-serif" font-size="13">`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Throughput across racks (iperf3 TCP, Mbit/s)</text>`];
  rows.forEach((r, i) => {
    const y = 40 + i * (barH + 12);
    const w = r.mbps === null ? 0 : Math.round(((width - left - 90) * r.mbps) / max);
    const ratio = r.mbps !== null && host > 0 ? ` (${(r.mbps / host).toFixed(2)}x)` : '';
    parts.push(`<text x="10" y="${y + 18}">${esc(r.name)}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${w}" height="${barH}" fill="${i === 0 ? '#888' : '#2a7ab0'}"/>`);
    parts.push(`<text x="${left + w + 6}" y="${y + 18}">${r.mbps === null ? esc(r.note ?? 'n/a') : `${r.mbps}${ratio}`}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
