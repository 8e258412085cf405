/**
 * The boxed signal card. Every line is measured in display columns (string-width), so the
 * right border stays in one column whatever emoji, CJK names or number lengths the card holds; a line that would
 * not fit is wrapped (the rationale) or cut with "…" (everything else), never pushing the border out.
 * Colour comes only from the injected `Colors`: plain output is exactly the coloured output with ANSI stripped.
 */
import stringWidth from "string-width";
import { UsageError } from "../core/errors.js";
import { type Interval, intervalMs } from "../core/interval.js";
import { timeframeName } from "../signals/evidence-format.js";
import type { Signal, SignalZone } from "../signals/signal.js";
import type { Colors } from "./colors.js";
import { decimalsOf, formatNumber, formatPercent, priceDecimals } from "./format.js";
import { padTo, truncateTo } from "./table.js";

export interface SignalCardOptions {
  /** Shown as "Signal #N". */
  readonly index: number;
  readonly colors: Colors;
  /** Total width including both borders. Default 68. */
  readonly width?: number;
  /** The market's tick size; prices then show its precision. Without it, 5 significant digits. */
  readonly tickSize?: number;
}

export const DEFAULT_CARD_WIDTH = 68;
/** Below this the fixed labels alone no longer fit and the card would be mostly "…". */
export const MIN_CARD_WIDTH = 40;
const MAX_ZONE_LINES = 3;
const BAR_CELLS = 10;
/** Content starts after two spaces; one space is always kept before the right border. */
const INDENT = "  ";
const RIGHT_MARGIN = 1;

/** A run of text and how to colour it; a line is a list of these so plain and coloured output share one layout. */
type Piece = readonly [text: string, style?: ((s: string) => string) | undefined];
type Line = readonly Piece[] | "rule" | "blank";

export function renderSignalCard(signal: Signal, opts: SignalCardOptions): string {
  const width = opts.width ?? DEFAULT_CARD_WIDTH;
  if (!Number.isInteger(width) || width < MIN_CARD_WIDTH) {
    throw new UsageError(
      `Signal card width must be a whole number of at least ${MIN_CARD_WIDTH} columns, got ${width}.`,
    );
  }
  const c = opts.colors;
  const inner = width - 2;
  const lines: Line[] = [
    [[" 🚀 "], [`Signal #${opts.index}: ${oneLine(signal.symbol)}`, c.bold]],
    "rule",
    actionLine(signal, c),
    "rule",
    "blank",
    ...priceLines(signal, c, opts.tickSize),
    "blank",
    [[`${INDENT}⚖️  `], ["Risk:Reward", c.dim], [`  1:${formatNumber(signal.riskReward, 1)}`, c.bold]],
    confidenceLine(signal.confidence, c),
    [[`${INDENT}💼 `], ["Position Size:", c.dim], [` ${formatNumber(signal.positionSizePct, 0)}% of normal`]],
    "blank",
    ...signal.evidence.zones.slice(0, MAX_ZONE_LINES).map((z) => zoneLine(z, c, opts.tickSize)),
    volumeLine(signal, c),
    rsiLine(signal, c),
    learningLine(signal, c),
  ];
  const rationale = oneLine(signal.rationale).trim();
  if (rationale !== "") lines.push("blank", [[`${INDENT}💡 `], [rationale]]);

  const border = (s: string) => c.dim(s);
  const bar = border("│");
  const out = [border(`┌${"─".repeat(inner)}┐`)];
  for (const line of lines) {
    if (line === "rule") out.push(border(`├${"─".repeat(inner)}┤`));
    else if (line === "blank") out.push(`${bar}${" ".repeat(inner)}${bar}`);
    else for (const row of layout(line, inner)) out.push(`${bar}${row}${bar}`);
  }
  out.push(border(`└${"─".repeat(inner)}┘`));
  return `${out.join("\n")}\n`;
}

/**
 * Lays a line out in the box: pieces are joined and wrapped at spaces to the room before the right margin, each
 * continuation hanging under the text after the line's lead (its first piece, e.g. "  💡 "); a word wider than a
 * whole line is split between graphemes. Every returned row is padded to exactly `inner` columns.
 */
function layout(line: readonly Piece[], inner: number): string[] {
  const room = inner - RIGHT_MARGIN;
  const [lead, ...rest] = line;
  const leadText = lead?.[0] ?? "";
  const hang = " ".repeat(Math.min(stringWidth(leadText), Math.floor(room / 2)));
  const rows: Piece[][] = [];
  let row: Piece[] = [];
  let used = 0;
  let atStart = true;
  const append = (text: string, style: Piece[1]) => {
    const last = row[row.length - 1];
    if (last !== undefined && last[1] === style) row[row.length - 1] = [last[0] + text, style];
    else row.push(style === undefined ? [text] : [text, style]);
    used += stringWidth(text);
  };
  const newRow = () => {
    rows.push(row);
    row = [];
    used = 0;
    append(hang, undefined);
    atStart = true;
  };
  append(leadText, lead?.[1]);
  let pending: Piece[] = [];

  for (const unit of units(rest)) {
    if (unit.space) {
      if (!atStart) pending = unit.frags;
      continue;
    }
    const spaceWidth = pending.reduce((w, [t]) => w + stringWidth(t), 0);
    const wordWidth = unit.frags.reduce((w, [t]) => w + stringWidth(t), 0);
    if (!atStart && used + spaceWidth + wordWidth > room) {
      newRow();
      pending = [];
    }
    for (const [t, style] of pending) append(t, style);
    pending = [];
    if (used + wordWidth <= room) {
      for (const [t, style] of unit.frags) append(t, style);
    } else {
      for (const [t, style] of unit.frags) {
        for (const { segment } of graphemes.segment(t)) {
          if (used + stringWidth(segment) > room && !atStart) newRow();
          append(segment, style);
          atStart = false;
        }
      }
    }
    atStart = false;
  }
  rows.push(row);
  // The cut is a last resort (a lead wider than the box); truncateTo drops colour, so plain == stripped(colour).
  return rows.map((r) => {
    const text = r.map(([t, style]) => (style && t.trim() !== "" ? style(t) : t)).join("");
    return padTo(truncateTo(text, room), inner);
  });
}
const graphemes = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Splits pieces into breakable units: runs of spaces, and words (which may span pieces, e.g. "(" + "OVERSOLD"). */
function units(pieces: readonly Piece[]): { space: boolean; frags: Piece[] }[] {
  const out: { space: boolean; frags: Piece[] }[] = [];
  for (const [text, style] of pieces) {
    for (const token of text.split(/( +)/)) {
      if (token === "") continue;
      const space = token.startsWith(" ");
      const last = out[out.length - 1];
      const frag: Piece = style === undefined ? [token] : [token, style];
      if (last !== undefined && last.space === space) last.frags.push(frag);
      else out.push({ space, frags: [frag] });
    }
  }
  return out;
}

function actionLine(signal: Signal, c: Colors): Piece[] {
  const long = signal.direction === "LONG";
  const tone = long ? c.green : c.red;
  return [
    [INDENT],
    ["ACTION:", c.dim],
    [long ? "  📈 🟢 " : "  📉 🔴 "],
    [long ? "BUY LONG" : "SELL SHORT", (s) => c.bold(tone(s))],
  ];
}

function priceLines(signal: Signal, c: Colors, tickSize: number | undefined): Piece[][] {
  const prices = [signal.entry, signal.stop, ...signal.targets];
  // One precision for the whole column so the decimal points line up (the smallest price needs the most decimals).
  const decimals =
    tickSize !== undefined && tickSize > 0
      ? decimalsOf(tickSize)
      : Math.max(...prices.filter((p) => Number.isFinite(p)).map((p) => priceDecimals(p)), 2);
  const texts = prices.map((p) => `$${formatNumber(p, decimals)}`);
  const priceWidth = Math.max(...texts.map((t) => stringWidth(t)));
  const pct = (p: number) => `(${formatPercent(((p - signal.entry) / signal.entry) * 100)})`;
  const row = (emoji: string, label: string, i: number, style?: (s: string) => string): Piece[] => {
    const price = prices[i] as number;
    const pieces: Piece[] = [
      [`${INDENT}${emoji} `],
      [padTo(label, 12), c.dim],
      [padTo(texts[i] as string, priceWidth, "right"), style ?? c.bold],
    ];
    if (i > 0) pieces.push(["  "], [pct(price), style]);
    return pieces;
  };
  return [
    row("📍", "Entry:", 0),
    row("🛑", "Stop Loss:", 1, c.red),
    row("🎯", "Target 1:", 2, c.green),
    row("🎯", "Target 2:", 3, c.green),
    row("🎯", "Target 3:", 4, c.green),
  ];
}

function confidenceLine(confidence: number, c: Colors): Piece[] {
  const pct = Number.isFinite(confidence) ? Math.round(Math.min(1, Math.max(0, confidence)) * 100) : 0;
  // Cells follow the percentage shown, rounding half up: 75% → 8 of 10, 74% → 7, 5% → 1.
  const filled = Math.floor((pct + 5) / 10);
  const tone = pct >= 70 ? c.green : pct >= 50 ? c.yellow : c.red;
  return [
    [`${INDENT}📊 `],
    ["Confidence:", c.dim],
    [`  ${pct}%  `, c.bold],
    ["█".repeat(filled), tone],
    ["░".repeat(BAR_CELLS - filled), c.dim],
  ];
}

function zoneLine(zone: SignalZone, c: Colors, tickSize: number | undefined): Piece[] {
  const tf = highestTimeframe(zone.timeframes);
  const name = tf === undefined ? "" : `${timeframeName(tf).toUpperCase()} `;
  const touches = `${formatNumber(zone.touches, 0)} ${zone.touches === 1 ? "touch" : "touches"}`;
  const tone = zone.type === "support" ? c.green : c.red;
  return [
    [`${INDENT}🌟 `],
    ["HTF S/R:", c.dim],
    [` ${name}`],
    [zone.type, tone],
    [` @ $${levelPrice(zone.price, tickSize)} (${touches})`],
  ];
}

/** Zone levels are often round numbers: "$44,500" reads better than "$44,500.00". */
function levelPrice(price: number, tickSize: number | undefined): string {
  const decimals = tickSize !== undefined && tickSize > 0 ? decimalsOf(tickSize) : priceDecimals(price);
  // Drop an all-zero fraction, and zeros beyond the cents that only pad a short level (0.000012000 → 0.000012).
  return formatNumber(price, decimals)
    .replace(/\.0+$/, "")
    .replace(/(\.\d{2}\d*?)0+$/, "$1");
}

function highestTimeframe(tfs: readonly Interval[]): Interval | undefined {
  let best: Interval | undefined;
  for (const tf of tfs) if (best === undefined || intervalMs(tf) > intervalMs(best)) best = tf;
  return best;
}

function volumeLine(signal: Signal, c: Colors): Piece[] {
  const { volumeRatio, volumeTrend } = signal.evidence;
  const text =
    volumeRatio === null || !Number.isFinite(volumeRatio)
      ? "n/a"
      : `${formatNumber(volumeRatio, 1)}x average${volumeTrend === null ? "" : ` (${volumeTrend})`}`;
  return [[`${INDENT}📊 `], ["Volume:", c.dim], [` ${text}`]];
}

function rsiLine(signal: Signal, c: Colors): Piece[] {
  const { rsi, rsiExtremeOn } = signal.evidence;
  const finestFirst = (tfs: readonly Interval[]) => [...tfs].sort((a, b) => intervalMs(a) - intervalMs(b));
  const measured = finestFirst((Object.keys(rsi) as Interval[]).filter((tf) => Number.isFinite(rsi[tf])));
  const extremes = finestFirst([...new Set(rsiExtremeOn)]);
  // The finest extreme timeframe is the one that triggered; without one, the base (finest measured) timeframe.
  const shown = extremes.find((tf) => Number.isFinite(rsi[tf])) ?? measured[0];
  const value = shown === undefined ? "n/a" : formatNumber(rsi[shown] as number, 1);
  const state =
    extremes.length > 0
      ? `${signal.direction === "LONG" ? "OVERSOLD" : "OVERBOUGHT"} on ${extremes.join(", ")}`
      : shown === undefined
        ? ""
        : "NEUTRAL";
  const tone = extremes.length === 0 ? undefined : signal.direction === "LONG" ? c.green : c.red;
  const pieces: Piece[] = [[`${INDENT}📈 `], ["RSI:", c.dim], [` ${value}`]];
  if (state !== "") pieces.push([" ("], [state, tone], [")"]);
  return pieces;
}

function learningLine(signal: Signal, c: Colors): Piece[] {
  const l = signal.evidence.learning;
  const lead: Piece[] = [[`${INDENT}🎓 `], ["Learning Agent:", c.dim]];
  if (l === null) return [...lead, [" no history yet (paper trading starts with this signal)", c.dim]];
  const p = (x: number) => formatNumber(x * 100, 0);
  return [
    ...lead,
    [` ${p(l.winRate)}% win rate`, c.bold],
    [` (n=${formatNumber(l.n, 0)}, 95% CI ${p(l.low)}–${p(l.high)}%) for similar setups`],
  ];
}

/** Control characters and line breaks in free text would break the box. */
function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, " ");
}
