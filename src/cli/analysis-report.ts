/**
 * The readable forms of a symbol analysis (`cma analyze`) and of its S/R zones (`cma levels`). Pure: analysis in,
 * text out. Prices share one number of decimals per report, taken from the current price, so columns line up.
 */
import type { AnyAgent } from "../agents/agent.js";
import type { Interval } from "../core/interval.js";
import type { MomentumOptions } from "../agents/momentum.js";
import { rsiStatus } from "../agents/momentum.js";
import type { Breakout } from "../agents/price-action.js";
import type { SrResult, SrZone } from "../agents/sr-detector.js";
import type { SymbolAnalysis, ZoneSummary } from "../agents/symbol-analysis.js";
import type { Colors } from "../ui/colors.js";
import { formatCompact, formatNumber, formatPercent, formatUtc, priceDecimals } from "../ui/format.js";
import { renderTable } from "../ui/table.js";

export interface ReportStyle {
  readonly colors: Colors;
  /** Terminal width, when known. */
  readonly maxWidth?: number | undefined;
}

/** Zones shown in `cma analyze` (all of them: `cma levels`). */
export const TOP_ZONES = 5;

/**
 * A section for each agent the report has no section of its own for (added by an embedding program or a test): its
 * `describe` lines, else each field it published as JSON.
 */
export function renderAddedAgents(a: SymbolAnalysis, agents: readonly AnyAgent[], c: Colors): string {
  let out = "";
  const fields = a as unknown as Readonly<Record<string, unknown>>;
  for (const agent of agents) {
    out += section(c, `${agent.icon} ${agent.title}`);
    const own = Object.fromEntries(Object.entries(fields).filter(([k]) => agent.publishes?.includes(k)));
    const lines = agent.describe
      ? agent.describe(own)
      : Object.entries(own).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
    for (const l of lines) out += `  ${l}\n`;
  }
  return out;
}

function priceFormatter(price: number): (p: number | null) => string {
  const decimals = priceDecimals(price);
  return (p) => (p === null ? "-" : formatNumber(p, decimals));
}

/** Signed distance of `level` from `price`, in percent (negative below). */
export function distancePct(level: number, price: number): number {
  return ((level - price) / price) * 100;
}

function num(n: number | null, decimals = 2): string {
  return n === null ? "-" : formatNumber(n, decimals);
}

/** Decimals that show an indicator value (MACD, ATR) to about 4 significant digits. */
function valueDecimals(v: number): number {
  const a = Math.abs(v);
  if (a === 0 || !Number.isFinite(a)) return 2;
  return Math.min(10, Math.max(2, 3 - Math.floor(Math.log10(a))));
}

function signed(c: Colors, pct: number | null): string {
  if (pct === null) return "-";
  const s = formatPercent(pct);
  return pct > 0 ? c.green(s) : pct < 0 ? c.red(s) : s;
}

function typeText(c: Colors, type: "support" | "resistance"): string {
  return type === "support" ? c.green(type) : c.red(type);
}

function statusText(c: Colors, status: "oversold" | "overbought" | "neutral"): string {
  return status === "oversold" ? c.green(status) : status === "overbought" ? c.red(status) : c.dim(status);
}

function section(c: Colors, title: string): string {
  return `\n${c.bold(title)}\n`;
}

function line(label: string, text: string): string {
  return `  ${label.padEnd(11)} ${text}\n`;
}

function breakoutText(b: Breakout, px: (p: number) => string): string {
  const side = b.direction === "up" ? "above" : "below";
  const what =
    b.kind === "range"
      ? `the range ${b.direction === "up" ? "high" : "low"} ${px(b.level)}`
      : `the zone ${px(b.zone?.low ?? b.level)} – ${px(b.zone?.high ?? b.level)}`;
  return `${b.direction === "up" ? "breakout" : "breakdown"} ${side} ${what}, close ${px(b.close)}, strength ${formatNumber(b.strength, 2)}`;
}

export function renderAnalysis(
  a: SymbolAnalysis,
  style: ReportStyle,
  context: { readonly market: string; readonly momentum: Pick<MomentumOptions, "oversold" | "overbought"> },
): string {
  const c = style.colors;
  const px = priceFormatter(a.price);
  let out = `${c.bold(a.symbol)}  ${context.market}  ${formatUtc(a.time)} UTC\n`;
  out += `Price ${c.bold(px(a.price))}${a.priceSource === "closed" ? c.dim(" (last close)") : ""}\n`;

  // Per timeframe.
  out += section(c, "Timeframes (latest closed candle)");
  const tfs = Object.keys(a.timeframes) as Interval[];
  const rows = tfs.map((tf) => {
    const s = a.timeframes[tf]!;
    const frame = a.momentum.timeframes[tf];
    const status = frame?.rsiStatus ?? rsiStatus(s.rsi, context.momentum.oversold, context.momentum.overbought);
    const d = valueDecimals(Math.max(Math.abs(s.macd.line), Math.abs(s.macd.signal)));
    const cross = frame?.macdCross
      ? `${frame.macdCross.kind} ${frame.macdCross.barsAgo === 0 ? "now" : `${frame.macdCross.barsAgo} bars ago`}`
      : "-";
    return [
      tf,
      formatUtc(s.openTime),
      px(s.close),
      formatNumber(s.rsi, 1),
      statusText(c, status),
      formatNumber(s.macd.line, d),
      formatNumber(s.macd.signal, d),
      formatNumber(s.macd.histogram, d),
      cross,
      formatNumber(s.atr, valueDecimals(s.atr)),
      frame?.obv.trend ?? "-",
    ];
  });
  out += renderTable(
    [
      "tf",
      "candle (UTC)",
      "close",
      "RSI",
      "status",
      "MACD",
      "signal",
      "hist",
      { header: "MACD cross", align: "left" },
      "ATR",
      "OBV trend",
    ],
    rows,
    { colors: c, maxWidth: style.maxWidth },
  );
  const m = a.momentum;
  const extremes = [
    m.oversoldOn.length ? `oversold on ${m.oversoldOn.join(", ")}` : "",
    m.overboughtOn.length ? `overbought on ${m.overboughtOn.join(", ")}` : "",
  ].filter(Boolean);
  out += `Momentum ${statusText(c, m.status)}${extremes.length ? ` (${extremes.join("; ")})` : ""}`;
  const divergences = (Object.keys(m.timeframes) as Interval[]).flatMap((tf) => {
    const dv = m.timeframes[tf]?.divergence;
    return dv
      ? [`${dv.kind} RSI divergence on ${tf} (${dv.barsAgo === 0 ? "confirmed now" : `${dv.barsAgo} candles ago`})`]
      : [];
  });
  out += divergences.length ? ` · ${divergences.join(" · ")}\n` : "\n";

  // Price action.
  const pa = a.priceAction;
  out += section(c, `Price action (${a.baseInterval})`);
  out += line(
    "change",
    Object.entries(pa.changes)
      .map(([w, ch]) => `${w} ${ch.percent === null ? c.dim("n/a") : signed(c, ch.percent)}`)
      .join("  ·  "),
  );
  const pos = pa.range.position === null ? "" : `, close at ${formatNumber(pa.range.position * 100, 0)}% of it`;
  out += line(
    "range",
    `${px(pa.range.low)} – ${px(pa.range.high)} over ${pa.range.candles} candles (${formatNumber(pa.range.widthPercent, 2)}% wide)${pos}`,
  );
  const now = pa.breakouts[0] ? breakoutText(pa.breakouts[0], px) : "none on the latest candle";
  const last =
    pa.lastBreakout && pa.lastBreakout.barsAgo > 0
      ? ` · last: ${breakoutText(pa.lastBreakout, px)}, ${pa.lastBreakout.barsAgo} candles ago`
      : "";
  out += line("breakout", now + last);
  const v = pa.volatility;
  out += line(
    "volatility",
    v.ratio === null
      ? `ATR ${formatNumber(v.atr, valueDecimals(v.atr))} (${v.reason ?? "no baseline"})`
      : `ATR ${formatNumber(v.atr, valueDecimals(v.atr))} vs baseline ${formatNumber(v.atrBaseline ?? Number.NaN, valueDecimals(v.atr))}: ${formatNumber(v.ratio, 2)}× (${v.state})`,
  );
  const dir = pa.direction === "up" ? c.green("up") : pa.direction === "down" ? c.red("down") : "sideways";
  out += line(
    "direction",
    `${dir} (EMA ${px(pa.ema)}${pa.emaSlopeAtr === null ? "" : `, slope ${formatNumber(pa.emaSlopeAtr, 2)} ATR`})`,
  );

  // Volume.
  const vol = a.volume;
  out += section(c, `Volume (${a.baseInterval})`);
  out += line(
    "latest",
    `${formatCompact(vol.volume)} vs baseline ${formatCompact(vol.baseline)}: ${vol.ratio === null ? "-" : `${formatNumber(vol.ratio, 2)}×`}` +
      `, z ${num(vol.zScore)}, percentile ${num(vol.percentile, 0)}${vol.reason ? c.dim(` (${vol.reason})`) : ""}`,
  );
  out += line(
    "score",
    `${formatNumber(vol.volumeScore, 1)} / 10 · ${vol.spike ? c.yellow("spike") : "no spike"} · trend ${vol.trend}`,
  );
  const liq = vol.liquidity;
  out += line(
    "liquidity",
    `24h quote volume ${formatCompact(liq.value)}${liq.estimated ? c.dim(" (estimated from volume × typical price)") : ""}` +
      ` ${liq.passes ? "≥" : "<"} ${formatCompact(liq.min)}: ${liq.passes ? c.green("passes") : c.red("below the floor")}`,
  );

  // Order flow.
  const of = a.orderFlow;
  if (!of.available) {
    out += section(c, "Order flow");
    out += `  ${c.dim(`unavailable: ${of.reason}`)}\n`;
  } else {
    out += section(c, `Order flow (${of.candles} candles)`);
    out += line(
      "delta",
      `${formatCompact(of.cumulativeDelta)} cumulative · imbalance ${signed(c, of.imbalance * 100)} (${of.bias})` +
        ` · buy/sell ${num(of.buySellRatio)} · price ${signed(c, of.priceChangePct)}`,
    );
    if (of.divergence) {
      out += line(
        "divergence",
        `${of.divergence.kind}: price ${formatPercent(of.divergence.priceChangePct)} on imbalance ${formatPercent(of.divergence.imbalance * 100)}`,
      );
    }
  }

  // Volume profile.
  const vp = a.volumeProfile;
  if (!vp.available) {
    out += section(c, "Volume profile");
    out += `  ${c.dim(`unavailable: ${vp.reason ?? "no data"}`)}\n`;
  } else {
    out += section(c, `Volume profile (${vp.candles} candles)`);
    out += line(
      "POC",
      `${px(vp.poc)} · value area ${px(vp.valueAreaLow)} – ${px(vp.valueAreaHigh)} · price ${vp.position ?? "-"}`,
    );
    const nodes = (ns: readonly { price: number }[]) => (ns.length ? ns.map((n) => px(n.price)).join(", ") : "none");
    out += line("nodes", `high volume ${nodes(vp.highVolumeNodes)} · low volume ${nodes(vp.lowVolumeNodes)}`);
    if (vp.sweeps.length) {
      out += line(
        "swept",
        vp.sweeps
          .slice(0, 3)
          .map((s) => `${s.side} ${px(s.level)} at ${formatUtc(s.sweptAt)}`)
          .join(" · "),
      );
    }
  }

  // Zones.
  const shown = a.zones.slice(0, TOP_ZONES);
  out += section(
    c,
    a.zones.length > shown.length
      ? `S/R zones (top ${shown.length} of ${a.zones.length}, strongest first; cma levels ${a.symbol} lists all)`
      : `S/R zones (${a.zones.length}, strongest first)`,
  );
  out += shown.length ? zoneTable(shown, a.price, a, style) : `  ${c.dim("none")}\n`;
  out += nearestLine(a.nearestSupport, a.nearestResistance, a.price, c);

  if (a.missing.length) {
    out += section(c, "Left out for lack of history");
    for (const mp of a.missing) {
      out += `  ${mp.part === "zones" ? `zones on ${mp.interval}` : `timeframe ${mp.interval}`}: ${mp.reason}\n`;
    }
  }
  return out;
}

function nearestLine(support: ZoneSummary | null, resistance: ZoneSummary | null, price: number, c: Colors): string {
  const px = priceFormatter(price);
  const one = (z: ZoneSummary | null, label: string) =>
    z
      ? `${label} ${c.bold(px(z.price))} (${px(z.low)} – ${px(z.high)}, ${formatPercent(distancePct(z.price, price))}, score ${formatNumber(z.score, 1)})`
      : `${label} none`;
  return `${one(support, "Nearest support")} · ${one(resistance, "nearest resistance")}\n`;
}

function zoneTable(
  zones: readonly (ZoneSummary | SrZone)[],
  price: number,
  nearest: {
    readonly nearestSupport: ZoneSummary | SrZone | null;
    readonly nearestResistance: ZoneSummary | SrZone | null;
  },
  style: ReportStyle,
  numbered = false,
): string {
  const c = style.colors;
  const px = priceFormatter(price);
  const same = (a: ZoneSummary | SrZone, b: ZoneSummary | SrZone | null) => b !== null && a.price === b.price;
  const rows = zones.map((z, i) => {
    const mark = same(z, nearest.nearestSupport)
      ? c.green("◀ nearest support")
      : same(z, nearest.nearestResistance)
        ? c.red("◀ nearest resistance")
        : "";
    return [
      ...(numbered ? [String(i + 1)] : []),
      `${px(z.low)} – ${px(z.high)}`,
      px(z.price),
      typeText(c, z.type),
      String(z.touches),
      z.timeframes.join(" "),
      formatNumber(z.score, 1),
      formatPercent(distancePct(z.price, price)),
      mark,
    ];
  });
  return renderTable(
    [
      ...(numbered ? ["#"] : []),
      { header: "band (low – high)", align: "left" as const },
      "centre",
      "type",
      "touches",
      "timeframes",
      "score",
      "distance",
      "",
    ],
    rows,
    { colors: c, maxWidth: style.maxWidth },
  );
}

/** `cma levels`: every zone (or the strongest `limit`), the nearest support and resistance marked. */
export function renderLevels(
  symbol: string,
  sr: SrResult,
  price: number,
  style: ReportStyle,
  context: { readonly market: string; readonly limit: number | undefined },
): string {
  const c = style.colors;
  const px = priceFormatter(price);
  const zones = context.limit === undefined ? sr.zones : sr.zones.slice(0, context.limit);
  let out = `${c.bold(symbol)}  ${context.market}  ${formatUtc(sr.asOf)} UTC  price ${c.bold(px(price))}\n`;
  out +=
    zones.length < sr.zones.length
      ? `${sr.zones.length} S/R zones, the strongest ${zones.length} shown\n\n`
      : `${sr.zones.length} S/R zone${sr.zones.length === 1 ? "" : "s"}, strongest first\n\n`;
  out += zones.length ? zoneTable(zones, price, sr, style, true) : `  ${c.dim("none")}\n`;
  out += `\n${nearestLine(sr.nearestSupport, sr.nearestResistance, price, c)}`;
  const used = sr.coverage.map((cv) => `${cv.interval} ${cv.candles}`).join(", ");
  out += c.dim(
    `Candles per timeframe: ${used || "none"}; zone tolerance ${formatPercent(sr.tolerance * 100, { sign: false })}\n`,
  );
  for (const m of sr.timeframesMissing) {
    out += c.dim(`Left out ${m.interval}: ${m.candles} closed candles, one swing pivot needs ${m.needed}\n`);
  }
  return out;
}
