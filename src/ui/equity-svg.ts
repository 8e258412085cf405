/**
 * The equity curve of a backtest as a standalone SVG file (no script, no external resources): opens in any browser
 * and embeds in reports. Pure: points in, text out.
 */
export interface EquityPoint {
  readonly time: number;
  readonly equity: number;
}

export interface EquitySvgOptions {
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderEquitySvg(points: readonly EquityPoint[], o: EquitySvgOptions): string {
  const w = o.width ?? 900;
  const h = o.height ?? 360;
  const pad = { left: 70, right: 20, top: 40, bottom: 40 };
  const pw = w - pad.left - pad.right;
  const ph = h - pad.top - pad.bottom;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${w}" height="${h}" fill="#ffffff"/>`);
  parts.push(`<text x="${pad.left}" y="22" font-size="15" font-weight="bold">${esc(o.title)}</text>`);
  if (points.length < 2) {
    parts.push(`<text x="${pad.left}" y="${pad.top + ph / 2}">No trades: the equity did not change.</text></svg>`);
    return `${parts.join("\n")}\n`;
  }
  const t0 = points[0]!.time;
  const t1 = points[points.length - 1]!.time;
  let lo = Math.min(...points.map((p) => p.equity));
  let hi = Math.max(...points.map((p) => p.equity));
  if (hi === lo) {
    hi += 1;
    lo -= 1;
  }
  const x = (t: number) => pad.left + (t1 === t0 ? 0 : ((t - t0) / (t1 - t0)) * pw);
  const y = (v: number) => pad.top + (1 - (v - lo) / (hi - lo)) * ph;
  // Axes and 5 horizontal grid lines with their equity values.
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${pad.left}" x2="${w - pad.right}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
    parts.push(
      `<text x="${pad.left - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${v.toFixed(0)}</text>`,
    );
  }
  const start = points[0]!.equity;
  const ys = y(start).toFixed(1);
  parts.push(
    `<line x1="${pad.left}" x2="${w - pad.right}" y1="${ys}" y2="${ys}" stroke="#999" stroke-dasharray="4 3"/>`,
  );
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  parts.push(`<text x="${pad.left}" y="${h - 14}">${day(t0)}</text>`);
  parts.push(`<text x="${w - pad.right}" y="${h - 14}" text-anchor="end">${day(t1)}</text>`);
  // A step line: equity changes at each trade's exit and stays flat in between.
  let d = `M${x(t0).toFixed(1)},${y(start).toFixed(1)}`;
  let prev = start;
  for (const p of points.slice(1)) {
    d += ` L${x(p.time).toFixed(1)},${y(prev).toFixed(1)} L${x(p.time).toFixed(1)},${y(p.equity).toFixed(1)}`;
    prev = p.equity;
  }
  const end = points[points.length - 1]!.equity;
  parts.push(`<path d="${d}" fill="none" stroke="${end >= start ? "#16a34a" : "#dc2626"}" stroke-width="1.6"/>`);
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
