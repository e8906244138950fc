/**
 * The sustained-load plot as a standalone SVG: server RSS (MiB) and acknowledged rows per second
 * over time, each as a polyline on its own axis, with the 429 count in the legend. No browser.
 */
import type { LoadReport } from './load-run.js';

const W = 800;
const H = 360;
const PAD = { left: 60, right: 70, top: 40, bottom: 40 };

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

function line(points: [number, number][], maxX: number, maxY: number, color: string): string {
  const x = (v: number) => PAD.left + (v / Math.max(1, maxX)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / Math.max(1, maxY)) * (H - PAD.top - PAD.bottom);
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points.map(([a, b]) => `${x(a).toFixed(1)},${y(b).toFixed(1)}`).join(' ')}"/>`;
}

export function loadSvg(report: LoadReport): string {
  const s = report.samples;
  const maxT = Math.max(1, ...s.map((p) => p.t));
  const rss: [number, number][] = s.map((p) => [p.t, p.rssMiB]);
  const rate: [number, number][] = s.map((p, i) => [p.t, i === 0 ? 0 : Math.max(0, (p.ackedRows - s[i - 1]!.ackedRows) / Math.max(1, p.t - s[i - 1]!.t))]);
  const maxRss = Math.ceil(Math.max(1, ...rss.map((p) => p[1])) * 1.1);
  const maxRate = Math.ceil(Math.max(1, ...rate.map((p) => p[1])) * 1.1);
  const ingest = report.operations.ingest;
  const title = `Vigil sustained load: ${report.elapsedSec} s, ${report.rows.acknowledged.toLocaleString('en')} rows acknowledged, ${report.rows.lostAcknowledged} lost; ingest p50/p95/p99 ${ingest?.p50Ms}/${ingest?.p95Ms}/${ingest?.p99Ms} ms; ${ingest?.outcomes.throttled ?? 0} × 429`;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = H - PAD.bottom - f * (H - PAD.top - PAD.bottom);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
        `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" fill="#1f77b4">${Math.round(f * maxRss)}</text>` +
        `<text x="${W - PAD.right + 6}" y="${y + 4}" fill="#d62728">${Math.round(f * maxRate).toLocaleString('en')}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="white"/>
<text x="${W / 2}" y="18" text-anchor="middle" font-size="12">${esc(title)}</text>
${ticks}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">seconds (0–${maxT})</text>
<text x="14" y="${H / 2}" transform="rotate(-90 14 ${H / 2})" text-anchor="middle" fill="#1f77b4">server RSS (MiB)</text>
<text x="${W - 12}" y="${H / 2}" transform="rotate(90 ${W - 12} ${H / 2})" text-anchor="middle" fill="#d62728">acknowledged rows/s</text>
${line(rss, maxT, maxRss, '#1f77b4')}
${line(rate, maxT, maxRate, '#d62728')}
</svg>
`;
}
