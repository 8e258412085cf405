/**
 * Momentum: RSI with an oversold/overbought status on each configured timeframe, MACD and its latest cross, the OBV
 * trend, and RSI divergence at confirmed swing pivots. Closed candles only; nothing here can see past the last one.
 *
 * Rules (thresholds are options, defaults in DEFAULT_MOMENTUM_OPTIONS):
 * - RSI status: "oversold" when RSI < `oversold` (30), "overbought" when RSI > `overbought` (70), else "neutral".
 *   The overall status is "oversold" when at least one timeframe is oversold and none is overbought (and the
 *   mirror); conflicting or no extremes give "neutral".
 * - MACD cross: the latest candle where the histogram (MACD − signal) changed sign, zeros skipped: "bullish" when it
 *   turned positive, "bearish" when it turned negative; `barsAgo` 0 is the latest closed candle.
 * - OBV trend: (OBV − EMA(obvEmaPeriod) of OBV) / mean volume of the last obvEmaPeriod candles; ≥ `obvFlatBand` is
 *   "rising", ≤ −`obvFlatBand` is "falling", between is "flat". Measured in candles' worth of volume so the band
 *   means the same on every market. OBV's level is relative to the first candle given (only its changes matter).
 * - Divergence: swing pivots with `pivotLeft`/`pivotRight` bars (a pivot is known only `pivotRight` candles after
 *   it, so only confirmed pivots are used). Bearish: the last two pivot highs make a higher high in price while RSI
 *   at the second is lower by at least `divergenceMinRsiGap` points; bullish: a lower low in price with RSI higher
 *   by that gap. "Clear" also means: the pivots are `divergenceMinBars`–`divergenceMaxBars` candles apart and the
 *   second was confirmed within the last `divergenceMaxAge` candles. The more recent of the two kinds is reported.
 */
import type { Candle } from "../core/candle.js";
import { z } from "zod";
import { int, interval, list, num } from "../core/config-schema.js";
import { INTERVALS, type Interval, isInterval } from "../core/interval.js";
import { UsageError } from "../core/errors.js";
import { macdLookback, rsiLookback, swingPivots } from "../indicators/index.js";
import { round } from "../core/round.js";
import type { AgentContext, AgentDefinition } from "./agent.js";
import { checkInRange, checkPositive, checkWhole, withDefaults, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";

export interface MomentumOptions {
  readonly timeframes: readonly Interval[];
  readonly rsiPeriod: number;
  readonly oversold: number;
  readonly overbought: number;
  readonly macdFast: number;
  readonly macdSlow: number;
  readonly macdSignal: number;
  readonly obvEmaPeriod: number;
  readonly obvFlatBand: number;
  readonly pivotLeft: number;
  readonly pivotRight: number;
  readonly divergenceMinBars: number;
  readonly divergenceMaxBars: number;
  readonly divergenceMaxAge: number;
  readonly divergenceMinRsiGap: number;
}

export const DEFAULT_MOMENTUM_OPTIONS: MomentumOptions = {
  timeframes: ["15m", "1h", "4h"],
  rsiPeriod: 14,
  oversold: 30,
  overbought: 70,
  macdFast: 12,
  macdSlow: 26,
  macdSignal: 9,
  obvEmaPeriod: 20,
  obvFlatBand: 0.5,
  pivotLeft: 5,
  pivotRight: 3,
  divergenceMinBars: 5,
  divergenceMaxBars: 60,
  divergenceMaxAge: 10,
  divergenceMinRsiGap: 2,
};

export type RsiStatus = "oversold" | "overbought" | "neutral";

export interface MacdCross {
  readonly kind: "bullish" | "bearish";
  readonly barsAgo: number;
  /** Open time of the candle on which the histogram changed sign. */
  readonly time: number;
}

export interface DivergencePoint {
  /** Open time of the pivot candle. */
  readonly time: number;
  /** The pivot's high (bearish) or low (bullish). */
  readonly price: number;
  readonly rsi: number;
}

export interface RsiDivergence {
  readonly kind: "bullish" | "bearish";
  readonly first: DivergencePoint;
  readonly second: DivergencePoint;
  /** First instant the second pivot was final: close time of its confirming candle + 1 ms. */
  readonly confirmedAt: number;
  /** Candles since the confirming candle (0 = confirmed by the latest closed candle). */
  readonly barsAgo: number;
}

export interface MomentumFrame {
  /** Open time and close of the latest closed candle of this timeframe. */
  readonly time: number;
  readonly close: number;
  readonly rsi: number;
  readonly rsiStatus: RsiStatus;
  readonly macd: { readonly line: number; readonly signal: number; readonly histogram: number };
  readonly macdCross: MacdCross | null;
  readonly obv: { readonly value: number; readonly ema: number | null; readonly trend: "rising" | "falling" | "flat" };
  readonly divergence: RsiDivergence | null;
}

export interface MissingTimeframe {
  readonly interval: Interval;
  readonly candles: number;
  readonly needed: number;
  readonly reason: string;
}

export interface MomentumResult {
  readonly status: RsiStatus;
  readonly oversoldOn: readonly Interval[];
  readonly overboughtOn: readonly Interval[];
  /** The configured timeframes that had enough history, in configured order. */
  readonly timeframes: Readonly<Partial<Record<Interval, MomentumFrame>>>;
  readonly missing: readonly MissingTimeframe[];
}

export interface MomentumInput {
  /** Closed candles per timeframe, oldest first. Configured timeframes absent here are reported missing. */
  readonly candles: Readonly<Partial<Record<Interval, readonly Candle[] | CandleSeries>>>;
}

const AGENT = "momentum";

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<MomentumOptions>();

export function resolveMomentumOptions(given?: Partial<MomentumOptions>): MomentumOptions {
  if (RESOLVED.has(given)) return given;
  const o = withDefaults(DEFAULT_MOMENTUM_OPTIONS, given);
  for (const tf of o.timeframes) {
    if (!isInterval(tf)) throw new UsageError(`${AGENT}: "${String(tf)}" is not a Binance interval.`);
  }
  checkWhole(AGENT, "rsiPeriod", o.rsiPeriod, 2);
  checkInRange(AGENT, "oversold", o.oversold, 0, 100);
  checkInRange(AGENT, "overbought", o.overbought, o.oversold, 100);
  checkWhole(AGENT, "macdFast", o.macdFast, 2);
  checkWhole(AGENT, "macdSlow", o.macdSlow, o.macdFast + 1);
  checkWhole(AGENT, "macdSignal", o.macdSignal, 1);
  checkWhole(AGENT, "obvEmaPeriod", o.obvEmaPeriod, 1);
  checkPositive(AGENT, "obvFlatBand", o.obvFlatBand, true);
  checkWhole(AGENT, "pivotLeft", o.pivotLeft, 1);
  checkWhole(AGENT, "pivotRight", o.pivotRight, 0);
  checkWhole(AGENT, "divergenceMinBars", o.divergenceMinBars, 1);
  checkWhole(AGENT, "divergenceMaxBars", o.divergenceMaxBars, o.divergenceMinBars);
  checkWhole(AGENT, "divergenceMaxAge", o.divergenceMaxAge, 0);
  checkPositive(AGENT, "divergenceMinRsiGap", o.divergenceMinRsiGap, true);
  return RESOLVED.add(o);
}

/** Closed candles a timeframe needs for RSI and MACD (MACD's warm-up is the longer: 34 for 12/26/9). */
export function momentumMinCandles(options?: Partial<MomentumOptions>): number {
  const o = resolveMomentumOptions(options);
  return (
    Math.max(rsiLookback(o.rsiPeriod), macdLookback({ fast: o.macdFast, slow: o.macdSlow, signal: o.macdSignal })) + 1
  );
}

export function rsiStatus(rsi: number, oversold: number, overbought: number): RsiStatus {
  return rsi < oversold ? "oversold" : rsi > overbought ? "overbought" : "neutral";
}

export function analyzeMomentum(input: MomentumInput, options?: Partial<MomentumOptions>): MomentumResult {
  const o = resolveMomentumOptions(options);
  const { timeframes, missing, oversoldOn, overboughtOn } = eachFrame(input, o, momentumFrame);
  const status: RsiStatus =
    oversoldOn.length > 0 && overboughtOn.length === 0
      ? "oversold"
      : overboughtOn.length > 0 && oversoldOn.length === 0
        ? "overbought"
        : "neutral";
  return { status, oversoldOn, overboughtOn, timeframes, missing };
}

/**
 * What synthesis reads of momentum (src/signals/evidence-score.ts), for the exact pre-filter: the RSI extremes, MACD
 * crosses and divergences per timeframe, each exactly as analyzeMomentum finds them; OBV, which synthesis does not
 * read, is left out.
 */
export interface MomentumScreen {
  readonly oversoldOn: readonly Interval[];
  readonly overboughtOn: readonly Interval[];
  readonly timeframes: Readonly<
    Partial<Record<Interval, Pick<MomentumFrame, "rsiStatus" | "macdCross" | "divergence">>>
  >;
}

export function momentumScreen(input: MomentumInput, options?: Partial<MomentumOptions>): MomentumScreen {
  const o = resolveMomentumOptions(options);
  const { timeframes, oversoldOn, overboughtOn } = eachFrame(input, o, (s, opts) => {
    const rsis = s.rsi(opts.rsiPeriod);
    const m = s.macd(opts.macdFast, opts.macdSlow, opts.macdSignal);
    return {
      rsiStatus: rsiStatus(rsis[s.length - 1]!, opts.oversold, opts.overbought),
      macdCross: latestCross(m.histogram, s.openTime),
      divergence: divergence(s, rsis, opts),
    };
  });
  return { oversoldOn, overboughtOn, timeframes };
}

/** Each timeframe with enough candles for RSI and MACD as `frame` reads it, in the options' order. */
function eachFrame<F extends { readonly rsiStatus: RsiStatus }>(
  input: MomentumInput,
  o: MomentumOptions,
  frame: (s: CandleSeries, o: MomentumOptions) => F,
) {
  const need = momentumMinCandles(o);
  const timeframes: Partial<Record<Interval, F>> = {};
  const missing: MissingTimeframe[] = [];
  const oversoldOn: Interval[] = [];
  const overboughtOn: Interval[] = [];
  for (const tf of o.timeframes) {
    const given = input.candles[tf];
    const have = given?.length ?? 0;
    if (!given || have < need) {
      missing.push({
        interval: tf,
        candles: have,
        needed: need,
        reason: `${have} closed ${tf} candles, RSI and MACD need ${need}`,
      });
      continue;
    }
    const f = frame(CandleSeries.of(given, `${AGENT} ${tf}`), o);
    timeframes[tf] = f;
    if (f.rsiStatus === "oversold") oversoldOn.push(tf);
    if (f.rsiStatus === "overbought") overboughtOn.push(tf);
  }
  return { timeframes, missing, oversoldOn, overboughtOn };
}

/** One timeframe's momentum; `s` must hold at least momentumMinCandles(o) candles. */
export function momentumFrame(s: CandleSeries, o: MomentumOptions): MomentumFrame {
  const last = s.length - 1;
  const rsis = s.rsi(o.rsiPeriod);
  const rsi = rsis[last]!;
  const m = s.macd(o.macdFast, o.macdSlow, o.macdSignal);
  const latest = s.obvLatest(o.obvEmaPeriod);
  const obvNow = latest.obv;
  let obvEma: number | null = null;
  let trend: MomentumFrame["obv"]["trend"] = "flat";
  if (s.length >= o.obvEmaPeriod) {
    obvEma = latest.ema!;
    const meanVolume = s.volumeSma(o.obvEmaPeriod)[last]!;
    if (meanVolume > 0) {
      const d = (obvNow - obvEma) / meanVolume;
      trend = d >= o.obvFlatBand ? "rising" : d <= -o.obvFlatBand ? "falling" : "flat";
    }
  }
  return {
    time: s.openTime[last]!,
    close: s.close[last]!,
    rsi,
    rsiStatus: rsiStatus(rsi, o.oversold, o.overbought),
    macd: { line: m.macd[last]!, signal: m.signal[last]!, histogram: m.histogram[last]! },
    macdCross: latestCross(m.histogram, s.openTime),
    obv: { value: obvNow, ema: obvEma, trend },
    divergence: divergence(s, rsis, o),
  };
}

/** The latest sign change of the histogram, scanning back from the end (NaN = warm-up, where the scan stops). */
function latestCross(hist: Float64Array, openTime: Float64Array): MacdCross | null {
  const last = hist.length - 1;
  let i = last;
  while (i >= 0 && hist[i] === 0) i--;
  if (i < 0 || Number.isNaN(hist[i]!)) return null;
  const positive = hist[i]! > 0;
  let start = i;
  for (let j = i - 1; j >= 0; j--) {
    const h = hist[j]!;
    if (Number.isNaN(h)) return null;
    if (h === 0) continue;
    if (h > 0 !== positive) {
      return { kind: positive ? "bullish" : "bearish", barsAgo: last - start, time: openTime[start]! };
    }
    start = j;
  }
  return null;
}

function divergence(s: CandleSeries, rsis: Float64Array, o: MomentumOptions): RsiDivergence | null {
  const n = s.length;
  // Only pivots that could take part: the second confirmed within maxAge, the first within maxBars before it, and
  // enough bars before that for the pivot test (a window so chosen finds exactly the pivots the full series has).
  const from = Math.max(0, n - 1 - o.divergenceMaxAge - o.pivotRight - o.divergenceMaxBars - o.pivotLeft);
  const pivots = swingPivots(s.high.subarray(from), s.low.subarray(from), {
    left: o.pivotLeft,
    right: o.pivotRight,
  });
  let best: RsiDivergence | null = null;
  for (const kind of ["high", "low"] as const) {
    let second = -1;
    let first = -1;
    let secondConfirm = -1;
    for (let k = pivots.length - 1; k >= 0; k--) {
      const p = pivots[k]!;
      if (p.kind !== kind) continue;
      if (second < 0) {
        second = p.index + from;
        secondConfirm = p.confirmIndex + from;
      } else {
        first = p.index + from;
        break;
      }
    }
    if (first < 0) continue;
    const barsAgo = n - 1 - secondConfirm;
    const apart = second - first;
    if (barsAgo > o.divergenceMaxAge || apart < o.divergenceMinBars || apart > o.divergenceMaxBars) continue;
    const r1 = rsis[first]!;
    const r2 = rsis[second]!;
    if (Number.isNaN(r1) || Number.isNaN(r2)) continue;
    const price = kind === "high" ? s.high : s.low;
    const p1 = price[first]!;
    const p2 = price[second]!;
    const bearish = kind === "high" && p2 > p1 && r2 <= r1 - o.divergenceMinRsiGap;
    const bullish = kind === "low" && p2 < p1 && r2 >= r1 + o.divergenceMinRsiGap;
    if (!bearish && !bullish) continue;
    if (best && best.barsAgo <= barsAgo) continue;
    best = {
      kind: bearish ? "bearish" : "bullish",
      first: { time: s.openTime[first]!, price: p1, rsi: r1 },
      second: { time: s.openTime[second]!, price: p2, rsi: r2 },
      confirmedAt: s.closeTime[secondConfirm]! + 1,
      barsAgo,
    };
  }
  return best;
}

/** What momentum publishes on the symbol analysis. */
export interface MomentumOutput {
  readonly momentum: MomentumResult;
}

const configSection = z
  .strictObject({
    timeframes: list(interval(), `a list of intervals (${INTERVALS.join(", ")})`, { min: 1 }).default(
      (): Interval[] => ["15m", "1h", "4h"],
    ),
    rsi_period: int(2, 200).default(14),
    oversold: num({ min: 0, max: 100 }).default(30),
    overbought: num({ min: 0, max: 100 }).default(70),
    macd_fast: int(2, 100).default(12),
    macd_slow: int(3, 200).default(26),
    macd_signal: int(1, 100).default(9),
  })
  .superRefine((m, ctx) => {
    if (m.overbought <= m.oversold) {
      ctx.addIssue({
        code: "custom",
        path: ["overbought"],
        message: `${m.overbought} is not above oversold (${m.oversold}); overbought must be the higher RSI level`,
      });
    }
    if (m.macd_slow <= m.macd_fast) {
      ctx.addIssue({
        code: "custom",
        path: ["macd_slow"],
        message: `${m.macd_slow} is not above macd_fast (${m.macd_fast}); the slow EMA must be the longer one`,
      });
    }
  });

/**
 * Momentum on each of its timeframes. Timeframes without enough history are listed in its `missing`, not thrown: a
 * young market still gets RSI on the timeframes it has.
 */
function momentumSeries(ctx: AgentContext, o: MomentumOptions): Partial<Record<Interval, CandleSeries>> {
  const candles: Partial<Record<Interval, CandleSeries>> = {};
  for (const tf of o.timeframes) candles[tf] = ctx.series(tf);
  return candles;
}

export const momentumAgent: AgentDefinition<MomentumOptions, MomentumOutput, "momentum", typeof configSection> = {
  name: AGENT,
  title: "Momentum Agent",
  icon: "📊",
  role: "RSI, MACD, OBV, divergences",
  publishes: ["momentum"],
  optionsKey: "momentum",
  config: {
    key: "momentum",
    section: configSection,
    intervalKeys: ["timeframes"],
    fromConfig: (m) => ({
      timeframes: [...m.timeframes],
      rsiPeriod: m.rsi_period,
      oversold: m.oversold,
      overbought: m.overbought,
      macdFast: m.macd_fast,
      macdSlow: m.macd_slow,
      macdSignal: m.macd_signal,
    }),
  },
  resolve: (given) => resolveMomentumOptions(given),
  reads: (o, s) => o.timeframes.map((interval) => ({ interval, candles: s.candles, indicators: true })),
  screen: (ctx, o) => momentumScreen({ candles: momentumSeries(ctx, o) }, o),
  analyze: (ctx, o) => ({ momentum: analyzeMomentum({ candles: momentumSeries(ctx, o) }, o) }),
  evidence: ({ momentum: m }) => {
    const e: Record<string, string | number | null> = { status: m.status };
    for (const [tf, f] of Object.entries(m.timeframes)) {
      if (!f) continue;
      e[`rsi_${tf}`] = round(f.rsi, 1);
      e[`macd_cross_${tf}`] = f.macdCross ? f.macdCross.kind : "none";
      e[`divergence_${tf}`] = f.divergence ? f.divergence.kind : "none";
    }
    return e;
  },
  unavailable: (out) =>
    out.momentum.missing.length > 0 && Object.keys(out.momentum.timeframes).length === 0
      ? "no timeframe with enough history for RSI and MACD"
      : null,
};
