/**
 * Price action: how far price moved, whether the latest close broke out of its recent range or through an S/R zone,
 * how volatile the market is against its own norm, and which way it is heading. Closed candles only.
 *
 * Rules (all thresholds are options, defaults in DEFAULT_PRICE_ACTION_OPTIONS):
 * - Change over a window W ("1h", "4h", "24h", …): latest close against the close of the last candle that had
 *   closed W earlier (found by time, so gaps in the data do not shift the window). W must be a whole number of
 *   candles; otherwise, or when the history is shorter than W, that change is null with a reason.
 * - Range: highest high and lowest low of the `rangeLookback` candles BEFORE the one analysed (the current candle
 *   is excluded, so a breakout is measured against the range it broke).
 * - Breakout (up) of the range: close > rangeHigh + buffer; breakdown: close < rangeLow − buffer. Like a Donchian
 *   channel, every new extreme close in a trend counts again.
 * - Breakout through a zone {low, high}: close > high + buffer while the previous close was ≤ high + buffer
 *   (breakdown mirrors at low − buffer). Only the candle that crosses counts: price that stays above a zone does
 *   not keep "breaking out".
 * - buffer = threshold.value × ATR(atrPeriod) of the previous candle (threshold.unit "atr", default 0.1), or
 *   threshold.value × the level crossed (unit "fraction", e.g. 0.002 = 0.2%). The previous candle's ATR is used so
 *   a large breakout candle does not raise its own bar.
 * - Strength: distanceAtr = how far the close is beyond the level, in that same ATR; volumeRatio = the candle's
 *   volume / the mean volume of the `volumePeriod` candles before it. strength (0–1) = ½·min(1, distanceAtr) +
 *   ½·min(1, max(0, volumeRatio − 1) / 2): full marks for a close 1 ATR beyond on 3× the usual volume.
 *   (With a zero ATR — a flat market — distanceAtr is null and the distance half counts as full.)
 * - Volatility: ATR now against its baseline, the mean of the last `atrBaselinePeriod` ATR values; ratio ≥
 *   `expandingRatio` is "expanding", ≤ `contractingRatio` "contracting", else "normal".
 * - Direction: emaSlopeAtr = (EMA(emaPeriod) now − EMA `slopeBars` candles ago) / ATR now. "up" when emaSlopeAtr ≥
 *   `trendSlopeAtr` and the close is above the EMA; "down" when ≤ −`trendSlopeAtr` and the close is below it;
 *   otherwise "sideways".
 */
import type { Candle } from "../core/candle.js";
import { InsufficientDataError, UsageError } from "../core/errors.js";
import { DAY, HOUR, MINUTE, WEEK } from "../core/interval.js";
import { z } from "zod";
import { duration, int, interval, list, num, oneOf } from "../core/config-schema.js";
import type { AgentDefinition } from "./agent.js";
import { type SrScreen, srDetectorAgent } from "./sr-detector.js";
import { checkInRange, checkPositive, checkWhole, withDefaults, ResolvedOptions } from "./agent-options.js";
import { CandleSeries, lastClosedBy } from "./candle-series.js";

export interface BreakoutThreshold {
  /** "atr": value × ATR; "fraction": value × the level's price. */
  readonly unit: "atr" | "fraction";
  readonly value: number;
}

export interface PriceActionOptions {
  /** Windows for the % change, as durations: a whole number followed by m, h, d or w. */
  readonly changeWindows: readonly string[];
  /** Candles before the current one whose high/low make the range. */
  readonly rangeLookback: number;
  readonly threshold: BreakoutThreshold;
  readonly atrPeriod: number;
  /** ATR values averaged for the volatility baseline. */
  readonly atrBaselinePeriod: number;
  readonly expandingRatio: number;
  readonly contractingRatio: number;
  /** Candles averaged for the volume a breakout is compared with. */
  readonly volumePeriod: number;
  readonly emaPeriod: number;
  readonly slopeBars: number;
  /** EMA change over `slopeBars`, in ATRs, that makes a direction. */
  readonly trendSlopeAtr: number;
  /** How many of the latest candles `lastBreakout` looks through (1 = the latest only). */
  readonly recentBars: number;
}

export const DEFAULT_PRICE_ACTION_OPTIONS: PriceActionOptions = {
  changeWindows: ["1h", "4h", "24h"],
  rangeLookback: 20,
  threshold: { unit: "atr", value: 0.1 },
  atrPeriod: 14,
  atrBaselinePeriod: 50,
  expandingRatio: 1.25,
  contractingRatio: 0.8,
  volumePeriod: 20,
  emaPeriod: 20,
  slopeBars: 5,
  trendSlopeAtr: 0.5,
  recentBars: 10,
};

/** A price band, e.g. an S/R zone. */
export interface PriceBand {
  readonly low: number;
  readonly high: number;
}

export interface PriceActionInput {
  /** Closed candles of one interval, oldest first. */
  readonly candles: readonly Candle[] | CandleSeries;
  /** S/R zones to watch for breakouts. */
  readonly zones?: readonly PriceBand[];
}

export interface PriceChange {
  readonly percent: number | null;
  /** The close the change is measured from, and that candle's open time. */
  readonly referenceClose: number | null;
  readonly referenceTime: number | null;
  readonly reason: string | null;
}

export type BreakoutDirection = "up" | "down";

export interface Breakout {
  readonly direction: BreakoutDirection;
  /** "range": the N-candle high/low; "zone": an S/R zone from the input. */
  readonly kind: "range" | "zone";
  /** The edge crossed (range high/low, zone high/low). */
  readonly level: number;
  readonly zone: PriceBand | null;
  /** Open time of the breakout candle. */
  readonly time: number;
  readonly close: number;
  readonly distancePercent: number;
  readonly distanceAtr: number | null;
  readonly volumeRatio: number | null;
  /** 0–1, see the module comment. */
  readonly strength: number;
}

export interface RecentBreakout extends Breakout {
  /** 0 = the latest closed candle. */
  readonly barsAgo: number;
}

export type VolatilityState = "expanding" | "contracting" | "normal";
export type Direction = "up" | "down" | "sideways";

export interface PriceActionResult {
  /** Open time and close of the latest closed candle. */
  readonly time: number;
  readonly close: number;
  readonly changes: Readonly<Record<string, PriceChange>>;
  readonly range: {
    readonly high: number;
    readonly low: number;
    readonly candles: number;
    readonly widthPercent: number;
    /** Where the close sits in the range: 0 at the low, 1 at the high (beyond on a breakout); null if flat. */
    readonly position: number | null;
  };
  readonly volatility: {
    readonly atr: number;
    readonly atrBaseline: number | null;
    readonly ratio: number | null;
    readonly state: VolatilityState | null;
    readonly reason: string | null;
  };
  readonly direction: Direction;
  readonly ema: number;
  readonly emaSlopeAtr: number | null;
  /** Breakouts on the latest closed candle (range and/or zones), strongest first. */
  readonly breakouts: readonly Breakout[];
  readonly breakoutDetected: boolean;
  /** The most recent breakout within `recentBars` candles (the strongest if one candle has several). */
  readonly lastBreakout: RecentBreakout | null;
}

const AGENT = "price action";
const UNIT_MS: Record<string, number> = { m: MINUTE, h: HOUR, d: DAY, w: WEEK };

/** "4h" → 14 400 000; a clear error for anything else. */
export function parseWindow(window: string): number {
  const m = /^(\d+)([mhdw])$/.exec(window);
  const n = m ? Number(m[1]) : 0;
  if (!m || n <= 0) {
    throw new UsageError(`${AGENT}: change window "${window}" is not a duration.`, {
      hint: 'Write a whole number followed by m, h, d or w, e.g. "15m", "4h", "24h", "7d".',
    });
  }
  return n * UNIT_MS[m[2]!]!;
}

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<PriceActionOptions>();

export function resolvePriceActionOptions(given?: Partial<PriceActionOptions>): PriceActionOptions {
  if (RESOLVED.has(given)) return given;
  const o = withDefaults(DEFAULT_PRICE_ACTION_OPTIONS, given);
  for (const w of o.changeWindows) parseWindow(w);
  checkWhole(AGENT, "rangeLookback", o.rangeLookback, 2);
  checkWhole(AGENT, "atrPeriod", o.atrPeriod, 1);
  checkWhole(AGENT, "atrBaselinePeriod", o.atrBaselinePeriod, 1);
  checkWhole(AGENT, "volumePeriod", o.volumePeriod, 1);
  checkWhole(AGENT, "emaPeriod", o.emaPeriod, 1);
  checkWhole(AGENT, "slopeBars", o.slopeBars, 1);
  checkWhole(AGENT, "recentBars", o.recentBars, 1);
  checkPositive(AGENT, "trendSlopeAtr", o.trendSlopeAtr, true);
  checkPositive(AGENT, "expandingRatio", o.expandingRatio);
  checkInRange(AGENT, "contractingRatio", o.contractingRatio, 0, o.expandingRatio);
  if (o.threshold.unit !== "atr" && o.threshold.unit !== "fraction") {
    throw new UsageError(`${AGENT}: threshold.unit must be "atr" or "fraction", got "${String(o.threshold.unit)}".`);
  }
  checkPositive(AGENT, "threshold.value", o.threshold.value, true);
  return RESOLVED.add(o);
}

/** Closed candles the analysis needs: the range plus one, the ATR of the previous candle, the EMA slope. */
export function priceActionMinCandles(options?: Partial<PriceActionOptions>): number {
  const o = resolvePriceActionOptions(options);
  return Math.max(o.rangeLookback + 1, o.atrPeriod + 2, o.emaPeriod + o.slopeBars);
}

export function analyzePriceAction(input: PriceActionInput, options?: Partial<PriceActionOptions>): PriceActionResult {
  const o = resolvePriceActionOptions(options);
  const s = CandleSeries.of(input.candles, AGENT);
  const n = s.length;
  const need = priceActionMinCandles(o);
  if (n < need) {
    throw new InsufficientDataError(`${AGENT}: ${n} closed candles, needs at least ${need}.`, {
      hint: "Download more history (cma download) or lower rangeLookback/emaPeriod.",
    });
  }
  const zones = input.zones ?? [];
  for (const z of zones) {
    if (!Number.isFinite(z.low) || !Number.isFinite(z.high) || z.low > z.high) {
      throw new UsageError(`${AGENT}: zone {low: ${z.low}, high: ${z.high}} is not a price band (need low ≤ high).`);
    }
  }
  const last = n - 1;
  const close = s.close[last]!;
  const atrs = s.atr(o.atrPeriod);
  const atrNow = atrs[last]!;
  const emas = s.ema(o.emaPeriod);
  const emaNow = emas[last]!;
  const emaSlopeAtr = atrNow > 0 ? (emaNow - emas[last - o.slopeBars]!) / atrNow : null;

  let direction: Direction = "sideways";
  if (emaSlopeAtr !== null && emaSlopeAtr >= o.trendSlopeAtr && close > emaNow) direction = "up";
  else if (emaSlopeAtr !== null && emaSlopeAtr <= -o.trendSlopeAtr && close < emaNow) direction = "down";

  const [rangeHigh, rangeLow] = rangeBefore(s, last, o.rangeLookback);
  const width = rangeHigh - rangeLow;

  const breakouts = breakoutsAt(s, last, zones, o);
  let lastBreakout: RecentBreakout | null = breakouts[0] ? { ...breakouts[0], barsAgo: 0 } : null;
  for (let ago = 1; lastBreakout === null && ago < o.recentBars && last - ago >= 1; ago++) {
    const found = breakoutsAt(s, last - ago, zones, o)[0];
    if (found) lastBreakout = { ...found, barsAgo: ago };
  }

  return {
    time: s.openTime[last]!,
    close,
    changes: changes(s, o.changeWindows),
    range: {
      high: rangeHigh,
      low: rangeLow,
      candles: o.rangeLookback,
      widthPercent: rangeLow > 0 ? (width / rangeLow) * 100 : 0,
      position: width > 0 ? (close - rangeLow) / width : null,
    },
    volatility: volatility(atrs, last, o),
    direction,
    ema: emaNow,
    emaSlopeAtr,
    breakouts,
    breakoutDetected: breakouts.length > 0,
    lastBreakout,
  };
}

function changes(s: CandleSeries, windows: readonly string[]): Record<string, PriceChange> {
  const out: Record<string, PriceChange> = {};
  const last = s.length - 1;
  const close = s.close[last]!;
  const candleMs = s.closeTime[last]! + 1 - s.openTime[last]!;
  for (const w of windows) {
    const ms = parseWindow(w);
    const none = (reason: string): PriceChange => ({
      percent: null,
      referenceClose: null,
      referenceTime: null,
      reason,
    });
    if (ms % candleMs !== 0) {
      out[w] = none(`the ${w} window is not a whole number of these candles`);
      continue;
    }
    const ref = lastClosedBy(s.closeTime, s.closeTime[last]! - ms);
    if (ref < 0) {
      out[w] = none(`the history is shorter than ${w}`);
      continue;
    }
    const from = s.close[ref]!;
    out[w] = {
      percent: from > 0 ? ((close - from) / from) * 100 : null,
      referenceClose: from,
      referenceTime: s.openTime[ref]!,
      reason: from > 0 ? null : "the reference close is zero",
    };
  }
  return out;
}

/** [high, low] of the `lookback` candles before index `at`. */
function rangeBefore(s: CandleSeries, at: number, lookback: number): [number, number] {
  let hi = Number.NEGATIVE_INFINITY;
  let lo = Number.POSITIVE_INFINITY;
  for (let j = at - lookback; j < at; j++) {
    if (s.high[j]! > hi) hi = s.high[j]!;
    if (s.low[j]! < lo) lo = s.low[j]!;
  }
  return [hi, lo];
}

/** Mean volume of the `period` candles before `at`, or null when there are not that many or it is zero. */
function volumeRatioAt(s: CandleSeries, at: number, period: number): number | null {
  if (at < period) return null;
  const mean = s.volumeSma(period)[at - 1]!;
  return mean > 0 ? s.volume[at]! / mean : null;
}

function breakoutsAt(s: CandleSeries, at: number, zones: readonly PriceBand[], o: PriceActionOptions): Breakout[] {
  const out: Breakout[] = [];
  eachBreakout(s, at, zones, o, (direction, kind, level, zone, c) => {
    const beyond = direction === "up" ? c.close - level : level - c.close;
    out.push({
      direction,
      kind,
      level,
      zone: zone && { low: zone.low, high: zone.high },
      time: s.openTime[at]!,
      close: c.close,
      distancePercent: level > 0 ? (beyond / level) * 100 : 0,
      distanceAtr: c.prevAtr > 0 ? beyond / c.prevAtr : null,
      volumeRatio: c.volumeRatio,
      strength: breakoutStrength(beyond, c.prevAtr, c.volumeRatio),
    });
  });
  return out.sort((a, b) => b.strength - a.strength);
}

/** The candle a breakout is measured on: its close, the previous candle's ATR, its volume against the mean. */
interface BreakoutCandle {
  readonly close: number;
  readonly prevAtr: number;
  readonly volumeRatio: number | null;
}

/**
 * The rules of the module comment, in one place: every breakout at candle `at`, of the range and through each zone,
 * handed to `visit` (by breakoutsAt to build them, by the pre-filter's screen to find the strongest).
 */
function eachBreakout(
  s: CandleSeries,
  at: number,
  zones: readonly PriceBand[],
  o: PriceActionOptions,
  visit: (
    direction: BreakoutDirection,
    kind: Breakout["kind"],
    level: number,
    zone: PriceBand | null,
    candle: BreakoutCandle,
  ) => void,
): void {
  const prevAtr = s.atr(o.atrPeriod)[at - 1]!;
  if (Number.isNaN(prevAtr)) return;
  const close = s.close[at]!;
  const prevClose = s.close[at - 1]!;
  const c: BreakoutCandle = { close, prevAtr, volumeRatio: volumeRatioAt(s, at, o.volumePeriod) };
  const buffer = (level: number) =>
    o.threshold.unit === "atr" ? o.threshold.value * prevAtr : o.threshold.value * level;
  if (at >= o.rangeLookback) {
    const [hi, lo] = rangeBefore(s, at, o.rangeLookback);
    if (close > hi + buffer(hi)) visit("up", "range", hi, null, c);
    else if (close < lo - buffer(lo)) visit("down", "range", lo, null, c);
  }
  for (const z of zones) {
    const up = z.high + buffer(z.high);
    const down = z.low - buffer(z.low);
    if (close > up && prevClose <= up) visit("up", "zone", z.high, z, c);
    else if (close < down && prevClose >= down) visit("down", "zone", z.low, z, c);
  }
}

/**
 * Price action's part in the exact pre-filter: the strongest breakout up and down (strength 0–1, or −1 for none) at
 * the candle `barsAgo` before the latest closed one, against `bands` — the S/R detector's candidate bands, a
 * superset of its zones with the same edges. The breakouts analyzePriceAction finds at that candle are among these
 * (the range breakout is the same; a zone's breakout is its band's), so neither its `breakouts` (barsAgo 0) nor a
 * `lastBreakout` from that candle is stronger. Beyond recentBars, or before the second candle, there is none.
 * Worked out per candle when asked: synthesis asks only for the few candles it lets a breakout count from.
 */
export interface PriceActionScreen {
  readonly recentBars: number;
  strongest(barsAgo: number): { readonly up: number; readonly down: number };
}

export function priceActionScreen(
  candles: CandleSeries,
  bands: readonly PriceBand[],
  options?: Partial<PriceActionOptions>,
): PriceActionScreen {
  const o = resolvePriceActionOptions(options);
  const last = candles.length - 1;
  const memo = new Map<number, { up: number; down: number }>();
  return {
    recentBars: o.recentBars,
    strongest(barsAgo) {
      let found = memo.get(barsAgo);
      if (found === undefined) {
        found =
          barsAgo >= 0 && barsAgo < o.recentBars && last - barsAgo >= 1
            ? strongestAt(candles, last - barsAgo, bands, o)
            : { up: -1, down: -1 };
        memo.set(barsAgo, found);
      }
      return found;
    },
  };
}

/** See the module comment's Strength (shared by the analysis and its screen, so that both compute the same value). */
function breakoutStrength(beyond: number, prevAtr: number, volumeRatio: number | null): number {
  const distancePart = prevAtr > 0 ? Math.min(1, beyond / prevAtr) : 1;
  const volumePart = volumeRatio === null ? 0 : Math.min(1, Math.max(0, volumeRatio - 1) / 2);
  return 0.5 * distancePart + 0.5 * volumePart;
}

/** The strongest of breakoutsAt(s, at, zones, o) per direction (−1: none), without building them. */
function strongestAt(
  s: CandleSeries,
  at: number,
  zones: readonly PriceBand[],
  o: PriceActionOptions,
): { up: number; down: number } {
  const out = { up: -1, down: -1 };
  eachBreakout(s, at, zones, o, (direction, _kind, level, _zone, c) => {
    const beyond = direction === "up" ? c.close - level : level - c.close;
    out[direction] = Math.max(out[direction], breakoutStrength(beyond, c.prevAtr, c.volumeRatio));
  });
  return out;
}

function volatility(atrs: Float64Array, last: number, o: PriceActionOptions): PriceActionResult["volatility"] {
  const atrNow = atrs[last]!;
  const first = last - o.atrBaselinePeriod + 1;
  if (first < o.atrPeriod) {
    return {
      atr: atrNow,
      atrBaseline: null,
      ratio: null,
      state: null,
      reason: `the baseline needs ${o.atrPeriod + o.atrBaselinePeriod} candles`,
    };
  }
  let sum = 0;
  for (let j = first; j <= last; j++) sum += atrs[j]!;
  const baseline = sum / o.atrBaselinePeriod;
  if (!(baseline > 0)) return { atr: atrNow, atrBaseline: baseline, ratio: null, state: null, reason: "flat market" };
  const ratio = atrNow / baseline;
  const state: VolatilityState =
    ratio >= o.expandingRatio ? "expanding" : ratio <= o.contractingRatio ? "contracting" : "normal";
  return { atr: atrNow, atrBaseline: baseline, ratio, state, reason: null };
}

/** What price action publishes on the symbol analysis. */
export interface PriceActionOutput {
  readonly priceAction: PriceActionResult;
}

// The limits keep every allowed value inside what the 500 candles per timeframe that `cma analyze` reads can warm
// up, so a valid config never fails later in the agent. `interval` is the analysis's base interval.
const configSection = z
  .strictObject({
    interval: interval().default("1h"),
    change_windows: list(duration(), "a list of durations like [1h, 4h, 24h]", { min: 1 }).default(() => [
      "1h",
      "4h",
      "24h",
    ]),
    range_candles: int(2, 400, "of candles").default(20),
    breakout_threshold: num({ min: 0, max: 10 }).default(0.1),
    breakout_threshold_unit: oneOf(["atr", "fraction"] as const).default("atr"),
    atr_period: int(1, 200).default(14),
    ema_period: int(2, 200).default(20),
  })
  .superRefine((p, ctx) => {
    if (p.breakout_threshold_unit === "fraction" && p.breakout_threshold > 0.5) {
      ctx.addIssue({
        code: "custom",
        path: ["breakout_threshold"],
        message: `${p.breakout_threshold} is a fraction of the price above 0.5 (50 %); with unit fraction use e.g. 0.002 for 0.2 %`,
      });
    }
  });

/** Price action on the base interval, watching the S/R detector's zones for breakouts. */
export const priceActionAgent: AgentDefinition<
  PriceActionOptions,
  PriceActionOutput,
  "price_action",
  typeof configSection
> = {
  name: "price-action",
  title: "Price Action Agent",
  icon: "📈",
  role: "breakouts, ranges, volatility",
  publishes: ["priceAction"],
  optionsKey: "priceAction",
  config: {
    key: "price_action",
    section: configSection,
    intervalKeys: ["interval"],
    fromConfig: (pa) => ({
      changeWindows: [...pa.change_windows],
      rangeLookback: pa.range_candles,
      threshold: { unit: pa.breakout_threshold_unit, value: pa.breakout_threshold },
      atrPeriod: pa.atr_period,
      emaPeriod: pa.ema_period,
    }),
  },
  resolve: (given) => resolvePriceActionOptions(given),
  reads: (_o, s) => [{ interval: s.baseInterval, candles: s.candles, indicators: true }],
  requires: (o, s) => ({ interval: s.baseInterval, candles: priceActionMinCandles(o), what: "price-action" }),
  after: [srDetectorAgent],
  analyze: (ctx, o) => ({
    priceAction: analyzePriceAction(
      { candles: ctx.series(ctx.settings.baseInterval), zones: ctx.outputOf(srDetectorAgent).zones },
      o,
    ),
  }),
  screen: (ctx, o) =>
    priceActionScreen(ctx.series(ctx.settings.baseInterval), ctx.screenOf<SrScreen>(srDetectorAgent).bands, o),
  evidence: ({ priceAction: pa }) => ({
    breakout: pa.lastBreakout ? pa.lastBreakout.direction : "none",
    breakout_kind: pa.lastBreakout ? pa.lastBreakout.kind : null,
    breakout_bars_ago: pa.lastBreakout ? pa.lastBreakout.barsAgo : null,
    volatility: pa.volatility.state,
    direction: pa.direction,
  }),
  unavailable: () => null,
};
