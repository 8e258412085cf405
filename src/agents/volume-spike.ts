/**
 * Volume spike: the latest closed candle's volume against its own recent baseline, a 0–10 score for synthesis
 * (which adds weights.volume × volumeScore / 10), the volume trend, and the 24h liquidity filter.
 *
 * Rules (defaults in DEFAULT_VOLUME_SPIKE_OPTIONS):
 * - Baseline: the `baselinePeriod` volumes BEFORE the latest candle. ratio = volume / their mean; zScore =
 *   (volume − mean) / their population standard deviation (null when they are all equal); percentile = share of the
 *   previous `percentilePeriod` volumes strictly below this one, in percent (TA-Lib's PERCENTRANK, as
 *   src/indicators/percent-rank.ts; null with less history).
 * - volumeScore, from ratio r and z-score z, both measured against the same mean:
 *     ratioPart = 0 for r ≤ 1, else min(10, 10 · ln r / ln scoreFullRatio)      (10 at 5× the average by default)
 *     zPart     = 0 for z ≤ 0, else min(10, 10 · z / scoreFullZ)               (10 at 4 standard deviations)
 *     volumeScore = (ratioPart + zPart) / 2, or ratioPart alone when z is null (a flat baseline).
 *   So it is 0 at or below the average, rises monotonically with the volume, and reaches 10 only when the candle is
 *   extreme on both measures. With a zero baseline (no trading before, e.g. right after a halt) it is 0 and
 *   `reason` says why.
 * - spike: ratio ≥ `spikeRatio` and (zScore ≥ `spikeZ` or zScore null).
 * - Trend: mean of the last `shortPeriod` volumes over the mean of the last `longPeriod` (both including the latest):
 *   ≥ `increasingRatio` is INCREASING, ≤ `decreasingRatio` DECREASING, else STABLE.
 * - Liquidity: 24h quote volume = Σ quoteVolume of the candles closed in the 24h up to the latest close; where a
 *   candle's quoteVolume is 0 (Binance spot dumps do not record it) volume × typical price stands in for it
 *   (`quoteVolumeOf`, the same estimate the 24h tickers use) and `estimated` is true. A candle longer than a day counts pro rata. passesLiquidity: that sum ≥ `minQuoteVolume24h`.
 */
import type { Candle } from "../core/candle.js";
import { quoteVolumeFrom } from "../market/window-stats.js";
import { InsufficientDataError, UsageError } from "../core/errors.js";
import { DAY, HOUR } from "../core/interval.js";
import { z } from "zod";
import { int, num } from "../core/config-schema.js";
import { round } from "../core/round.js";
import type { AgentDefinition } from "./agent.js";
import { checkPositive, checkWhole, withDefaults, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";

export interface VolumeSpikeOptions {
  readonly baselinePeriod: number;
  readonly percentilePeriod: number;
  readonly shortPeriod: number;
  readonly longPeriod: number;
  readonly increasingRatio: number;
  readonly decreasingRatio: number;
  readonly scoreFullRatio: number;
  readonly scoreFullZ: number;
  readonly spikeRatio: number;
  readonly spikeZ: number;
  /** The universe's liquidity floor, in quote currency (USDT) per 24h. */
  readonly minQuoteVolume24h: number;
}

export const DEFAULT_VOLUME_SPIKE_OPTIONS: VolumeSpikeOptions = {
  baselinePeriod: 20,
  percentilePeriod: 100,
  shortPeriod: 5,
  longPeriod: 20,
  increasingRatio: 1.2,
  decreasingRatio: 0.8,
  scoreFullRatio: 5,
  scoreFullZ: 4,
  spikeRatio: 2,
  spikeZ: 2,
  minQuoteVolume24h: 5_000_000,
};

export type VolumeTrend = "INCREASING" | "DECREASING" | "STABLE";

export interface QuoteVolume24h {
  readonly value: number;
  /** True when some candle had no recorded quote volume and volume × typical price was used. */
  readonly estimated: boolean;
  /** Hours of candles the sum covers (less than 24 for a short history). */
  readonly coveredHours: number;
}

export interface Liquidity extends QuoteVolume24h {
  readonly min: number;
  readonly passes: boolean;
}

export interface VolumeSpikeResult {
  /** Open time of the latest closed candle, and its base-asset volume. */
  readonly time: number;
  readonly volume: number;
  /** Mean volume of the baseline candles. */
  readonly baseline: number;
  readonly ratio: number | null;
  readonly zScore: number | null;
  readonly percentile: number | null;
  /** 0–10; what synthesis weighs. */
  readonly volumeScore: number;
  readonly spike: boolean;
  readonly trend: VolumeTrend;
  readonly shortAverage: number;
  readonly longAverage: number;
  readonly liquidity: Liquidity;
  readonly reason: string | null;
}

export interface VolumeSpikeInput {
  /** Closed candles of one interval, oldest first. */
  readonly candles: readonly Candle[] | CandleSeries;
}

const AGENT = "volume spike";

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<VolumeSpikeOptions>();

export function resolveVolumeSpikeOptions(given?: Partial<VolumeSpikeOptions>): VolumeSpikeOptions {
  if (RESOLVED.has(given)) return given;
  const o = withDefaults(DEFAULT_VOLUME_SPIKE_OPTIONS, given);
  checkWhole(AGENT, "baselinePeriod", o.baselinePeriod, 2);
  checkWhole(AGENT, "percentilePeriod", o.percentilePeriod, 2);
  checkWhole(AGENT, "shortPeriod", o.shortPeriod, 1);
  checkWhole(AGENT, "longPeriod", o.longPeriod, o.shortPeriod);
  checkPositive(AGENT, "increasingRatio", o.increasingRatio);
  checkPositive(AGENT, "decreasingRatio", o.decreasingRatio);
  if (!(o.scoreFullRatio > 1) || !Number.isFinite(o.scoreFullRatio)) {
    throw new UsageError(
      `${AGENT}: option scoreFullRatio must be a finite number > 1, got ${String(o.scoreFullRatio)}.`,
    );
  }
  checkPositive(AGENT, "scoreFullZ", o.scoreFullZ);
  checkPositive(AGENT, "spikeRatio", o.spikeRatio);
  checkPositive(AGENT, "spikeZ", o.spikeZ, true);
  checkPositive(AGENT, "minQuoteVolume24h", o.minQuoteVolume24h, true);
  return RESOLVED.add(o);
}

export function volumeSpikeMinCandles(options?: Partial<VolumeSpikeOptions>): number {
  const o = resolveVolumeSpikeOptions(options);
  return Math.max(o.baselinePeriod + 1, o.longPeriod);
}

/** The 0–10 score from ratio and z-score (see the module comment); ratio null means no usable baseline. */
export function volumeScore(
  ratio: number | null,
  zScore: number | null,
  options: Pick<VolumeSpikeOptions, "scoreFullRatio" | "scoreFullZ"> = DEFAULT_VOLUME_SPIKE_OPTIONS,
): number {
  if (ratio === null || ratio <= 1) return 0;
  const ratioPart = Math.min(10, (10 * Math.log(ratio)) / Math.log(options.scoreFullRatio));
  if (zScore === null) return ratioPart;
  const zPart = zScore <= 0 ? 0 : Math.min(10, (10 * zScore) / options.scoreFullZ);
  return (ratioPart + zPart) / 2;
}

export function passesLiquidity(quoteVolume24h: number, min: number): boolean {
  return quoteVolume24h >= min;
}

/** Quote volume of the candles that closed in the 24h up to the latest close (see the module comment). */
export function quoteVolume24h(candles: readonly Candle[] | CandleSeries): QuoteVolume24h {
  const s = CandleSeries.of(candles, AGENT);
  const n = s.length;
  if (n === 0) return { value: 0, estimated: false, coveredHours: 0 };
  const { openTime, closeTime, volume, high, low, close } = s;
  const quote = s.column("quoteVolume");
  const end = closeTime[n - 1]! + 1;
  const start = end - DAY;
  let value = 0;
  let estimated = false;
  let covered = 0;
  for (let i = n - 1; i >= 0; i--) {
    const duration = closeTime[i]! + 1 - openTime[i]!;
    // A candle reaching back before the window (only possible for intervals over a day) counts pro rata.
    const share = openTime[i]! >= start ? 1 : i === n - 1 ? DAY / duration : 0;
    if (share === 0) break;
    const q = quoteVolumeFrom(quote[i]!, volume[i]!, high[i]!, low[i]!, close[i]!);
    if (quote[i] === 0 && volume[i]! > 0) estimated = true;
    value += q * share;
    covered += duration * share;
  }
  return { value, estimated, coveredHours: covered / HOUR };
}

export function analyzeVolumeSpike(input: VolumeSpikeInput, options?: Partial<VolumeSpikeOptions>): VolumeSpikeResult {
  const o = resolveVolumeSpikeOptions(options);
  const s = CandleSeries.of(input.candles, AGENT);
  const n = s.length;
  const need = volumeSpikeMinCandles(o);
  if (n < need) {
    throw new InsufficientDataError(`${AGENT}: ${n} closed candles, needs at least ${need}.`, {
      hint: "Download more history (cma download) or lower baselinePeriod.",
    });
  }
  const v = s.volume;
  const last = n - 1;
  const volume = v[last]!;

  // Two passes over the baseline: the mean first, so the variance does not lose digits to cancellation.
  const p = o.baselinePeriod;
  let sum = 0;
  for (let j = last - p; j < last; j++) sum += v[j]!;
  const mean = sum / p;
  let sq = 0;
  let allEqual = true;
  for (let j = last - p; j < last; j++) {
    const d = v[j]! - mean;
    sq += d * d;
    if (v[j] !== v[last - p]) allEqual = false;
  }
  const sd = Math.sqrt(sq / p);
  const ratio = mean > 0 ? volume / mean : null;
  const zScore = !allEqual && sd > 0 ? (volume - mean) / sd : null;

  let percentile: number | null = null;
  if (last >= o.percentilePeriod) {
    let below = 0;
    for (let j = last - o.percentilePeriod; j < last; j++) if (v[j]! < volume) below++;
    percentile = (below / o.percentilePeriod) * 100;
  }

  const shortAverage = meanOfLast(v, o.shortPeriod);
  const longAverage = meanOfLast(v, o.longPeriod);
  const trendRatio = longAverage > 0 ? shortAverage / longAverage : 1;
  const trend: VolumeTrend =
    trendRatio >= o.increasingRatio ? "INCREASING" : trendRatio <= o.decreasingRatio ? "DECREASING" : "STABLE";

  const q = quoteVolume24h(s);
  const score = volumeScore(ratio, zScore, o);
  return {
    time: s.openTime[last]!,
    volume,
    baseline: mean,
    ratio,
    zScore,
    percentile,
    volumeScore: score,
    spike: ratio !== null && ratio >= o.spikeRatio && (zScore === null || zScore >= o.spikeZ),
    trend,
    shortAverage,
    longAverage,
    liquidity: { ...q, min: o.minQuoteVolume24h, passes: passesLiquidity(q.value, o.minQuoteVolume24h) },
    reason: ratio === null ? `no volume in the ${p} candles before` : null,
  };
}

function meanOfLast(v: Float64Array, count: number): number {
  let sum = 0;
  for (let j = v.length - count; j < v.length; j++) sum += v[j]!;
  return sum / count;
}

/** What the volume agent publishes on the symbol analysis. */
export interface VolumeSpikeOutput {
  readonly volume: VolumeSpikeResult;
}

const configSection = z.strictObject({
  baseline_candles: int(2, 400, "of candles").default(20),
  spike_ratio: num({ above: 0, max: 100 }).default(2),
  spike_z: num({ min: 0, max: 20 }).default(2),
});

/** Volume against its baseline on the base interval; the liquidity floor is the universe's. */
export const volumeSpikeAgent: AgentDefinition<
  VolumeSpikeOptions,
  VolumeSpikeOutput,
  "volume_spike",
  typeof configSection
> = {
  name: "volume-spike",
  title: "Volume Spike Agent",
  icon: "📦",
  role: "volume against its baseline",
  publishes: ["volume"],
  optionsKey: "volume",
  config: {
    key: "volume_spike",
    section: configSection,
    intervalKeys: [],
    fromConfig: (v, shared) => ({
      baselinePeriod: v.baseline_candles,
      spikeRatio: v.spike_ratio,
      spikeZ: v.spike_z,
      // One liquidity floor for the whole program: the universe's.
      minQuoteVolume24h: shared.minQuoteVolume24h,
    }),
  },
  resolve: (given) => resolveVolumeSpikeOptions(given),
  reads: (_o, s) => [{ interval: s.baseInterval, candles: s.candles, indicators: true }],
  requires: (o, s) => ({ interval: s.baseInterval, candles: volumeSpikeMinCandles(o), what: "volume" }),
  screen: "full",
  analyze: (ctx, o) => ({ volume: analyzeVolumeSpike({ candles: ctx.series(ctx.settings.baseInterval) }, o) }),
  evidence: ({ volume: v }) => ({
    spike: v.spike,
    trend: v.trend,
    ratio: v.ratio === null ? null : round(v.ratio, 2),
    z_score: v.zScore === null ? null : round(v.zScore, 2),
  }),
  unavailable: () => null,
};
