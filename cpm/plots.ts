/**
 * Plots as SVG (scales and ticks from d3-scale) and PNG (rendered from the SVG by resvg):
 * line charts with a legend, for convergence curves and time series.
 */
import { promises as fs } from 'node:fs';
import { scaleLinear } from 'd3-scale';
import { Resvg } from '@resvg/resvg-js';

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  color?: string;
  dashed?: boolean;
  /** Optional ± band (same length as y). */
  band?: readonly number[];
}

export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A line chart as an SVG document. */
export function lineChartSvg(series: readonly Series[], o: ChartOptions = {}): string {
  const W = o.width ?? 720, H = o.height ?? 440;
  const m = { left: 70, right: 170, top: o.title ? 40 : 20, bottom: 55 };
  const xs = series.flatMap((s) => s.x), ys = series.flatMap((s) => s.y.map((v, i) => [v - (s.band?.[i] ?? 0), v + (s.band?.[i] ?? 0)]).flat());
  const finite = (a: number[]): number[] => a.filter(Number.isFinite);
  const [x0, x1] = [Math.min(...finite(xs)), Math.max(...finite(xs))];
  let [y0, y1] = [Math.min(...finite(ys)), Math.max(...finite(ys))];
  if (y0 === y1) { y0 -= 1; y1 += 1; }
  const x = scaleLinear().domain([x0, x1 === x0 ? x0 + 1 : x1]).range([m.left, W - m.right]).nice();
  const y = scaleLinear().domain([y0, y1]).range([H - m.bottom, m.top]).nice();
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`);
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  for (const t of x.ticks(6)) {
    parts.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${m.top}" y2="${H - m.bottom}" stroke="#eee"/>`);
    parts.push(`<text x="${x(t)}" y="${H - m.bottom + 18}" text-anchor="middle">${esc(x.tickFormat(6)(t))}</text>`);
  }
  for (const t of y.ticks(6)) {
    parts.push(`<line x1="${m.left}" x2="${W - m.right}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`);
    parts.push(`<text x="${m.left - 8}" y="${y(t) + 4}" text-anchor="end">${esc(y.tickFormat(6)(t))}</text>`);
  }
  parts.push(`<rect x="${m.left}" y="${m.top}" width="${W - m.left - m.right}" height="${H - m.top - m.bottom}" fill="none" stroke="#444"/>`);
  series.forEach((s, k) => {
    const c = s.color ?? COLORS[k % COLORS.length];
    if (s.band) {
      const up = s.x.map((xv, i) => `${x(xv)},${y(s.y[i] + s.band![i])}`);
      const down = s.x.map((xv, i) => `${x(xv)},${y(s.y[i] - s.band![i])}`).reverse();
      parts.push(`<polygon points="${[...up, ...down].join(' ')}" fill="${c}" fill-opacity="0.18" stroke="none"/>`);
    }
    const pts = s.x.map((xv, i) => `${x(xv).toFixed(2)},${y(s.y[i]).toFixed(2)}`).join(' ');
    parts.push(`<polyline points="${pts}" fill="none" stroke="${c}" stroke-width="${s.dashed ? 1.5 : 2}"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    const ly = m.top + 14 + k * 18;
    parts.push(`<line x1="${W - m.right + 12}" x2="${W - m.right + 36}" y1="${ly - 4}" y2="${ly - 4}" stroke="${c}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    parts.push(`<text x="${W - m.right + 42}" y="${ly}">${esc(s.name)}</text>`);
  });
  if (o.title) parts.push(`<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  if (o.xLabel) parts.push(`<text x="${(m.left + W - m.right) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  if (o.yLabel) parts.push(`<text transform="translate(18 ${(m.top + H - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders SVG text to PNG bytes. */
export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' }).render().asPng();
}

/** Writes a chart as name.svg and name.png (atomically). */
export async function saveChart(pathNoExt: string, series: readonly Series[], o: ChartOptions = {}): Promise<void> {
  const svg = lineChartSvg(series, o);
  for (const [ext, data] of [['svg', svg], ['png', svgToPng(svg)]] as const) {
    const p = `${pathNoExt}.${ext}`;
    await fs.writeFile(`${p}.tmp`, data);
    await fs.rename(`${p}.tmp`, p);
  }
}
