/**
 * What past trades say about a new setup: the LearningInsight synthesis adds to its score. Pure.
 *
 * Similar trades: the same direction, signal type and zone timeframe ("setup"). While fewer than minTrades are
 * found, the key set is widened: the same signal type in either direction ("signal_type"), then every trade in the
 * same direction ("direction"). The first level with ≥ minTrades is used and reported as `level`; when none has
 * enough, the insight is null (the card says "not enough trades yet"). The level depends only on counts, never on
 * outcomes, so backing off cannot pick the luckiest group.
 *
 * confidenceAdjustment (in [−weight, +weight]) — a nudge only when the data clearly disagree with the baseline:
 * - baseline b: `baselineWinRate` when given, else the break-even win rate of the similar trades' average planned
 *   reward:risk, 1/(1 + RR): with RR 2 a strategy needs more than 1 win in 3 to make money.
 * - The decision interval is the Wilson interval at 99 % (z = 2.5758), wider than the 95 % one the card shows. The
 *   insight is consulted for every signal, so a 95 % rule would push about 1 in 20 setups with no edge at all; at
 *   99 % that is about 1 in 100. Because the 99 % interval contains the 95 % one, "positive" still implies the
 *   card's lower bound is above b, and "negative" that its upper bound is below.
 * - lower99 > b: +weight × min(1, (lower99 − b) / 0.20); upper99 < b: −weight × min(1, (b − upper99) / 0.20);
 *   otherwise (the interval straddles b) exactly 0. The bound nearest the baseline is the "shrunk" rate: the least
 *   edge the data support. 0.20 (FULL_EFFECT_MARGIN): a lower bound 20 percentage points above break-even earns the
 *   whole weight.
 *
 * contextMultiplier (in [0.5, 1.5]) from the similar trades' expectancy in R, by the same logic: the 99 % interval
 * mean ± 2.5758 × sd/√n must exclude 0, else exactly 1. Then 1 + 0.5 × clamp(boundR / 0.5, −1, 1), where boundR is
 * the end of that interval nearest 0: a guaranteed +0.5 R per trade (or more) scales the score by 1.5, −0.5 R by 0.5.
 *
 * Worked example (weight 0.2): 45 similar trades, 28 wins, average RR 2, mean R +0.6 with sd 1.2.
 *   b = 1/(1+2) = 0.3333. 95 % Wilson (card): 0.4763–0.7489 → "62% win rate (n=45, 95% CI 48–75%) for similar setups".
 *   99 % Wilson: 0.4320–0.7810; 0.4320 > b → adjustment = 0.2 × (0.4320 − 0.3333)/0.20 = +0.0987.
 *   Expectancy: se = 1.2/√45 = 0.1789, boundR = 0.6 − 2.5758 × 0.1789 = 0.1392 > 0 →
 *   multiplier = 1 + 0.5 × 0.1392/0.5 = 1.1392.
 */
import { UsageError } from "../core/errors.js";
import type { LearningInsight } from "../signals/learning-insight.js";
import type { Direction } from "../signals/signal.js";
import type { TradeContext } from "./breakdowns.js";
import { checkTrades, DEFAULT_MIN_TRADES } from "./metrics.js";
import type { SetupContext } from "./setup-context.js";
import { mean, noNegativeZero, sampleStdDev, wilson } from "./stats.js";

/** z of a two-sided 99 % interval, Φ⁻¹(0.995). */
export const Z_99 = 2.575829;
/** Percentage points the decision bound must clear the baseline by for the full weight. */
export const FULL_EFFECT_MARGIN = 0.2;
/** R per trade (the interval end nearest 0) that moves the multiplier to its limit. */
export const FULL_EFFECT_R = 0.5;
/** Default cap of the adjustment (synthesis weights.learning). */
export const DEFAULT_LEARNING_WEIGHT = 0.2;

/** How far the search for similar trades had to widen. */
export type InsightLevel = "setup" | "signal_type" | "direction";

export interface InsightOptions {
  /** Similar trades needed before anything is said (config learning_agent.min_trades_before_learning, default 20). */
  readonly minTrades?: number;
  /** Cap of |confidenceAdjustment| (synthesis weights.learning, default 0.2). */
  readonly weight?: number;
  /** The win rate the similar trades are judged against; null/absent: break-even 1/(1 + average RR). */
  readonly baselineWinRate?: number | null;
}

export type LearningInsightResult = LearningInsight & {
  /** e.g. "62% win rate (n=45, 95% CI 48–75%) for similar setups". */
  readonly label: string;
  readonly level: InsightLevel;
  readonly wins: number;
  /** The baseline b the adjustment was judged against. */
  readonly baselineWinRate: number;
  /** Mean R multiple of the similar trades. */
  readonly expectancyR: number;
};

/** A trade the insight can match: a TradeContext that also knows its direction (tradeContext() gives one). */
export type DirectedTrade = TradeContext & { readonly direction: Direction };

/** See the module comment. */
export function learningInsight(
  history: readonly DirectedTrade[],
  setup: Pick<SetupContext, "signalType" | "zoneTimeframe">,
  direction: Direction,
  opts: InsightOptions = {},
): LearningInsightResult | null {
  const o = resolveOptions(opts);
  if (direction !== "LONG" && direction !== "SHORT") {
    throw new UsageError(`learningInsight: direction must be LONG or SHORT, got ${String(direction)}.`);
  }
  if (!setup || typeof setup.signalType !== "string") {
    throw new UsageError("learningInsight: setup.signalType must be a string; pass setupContext(signal).");
  }
  checkHistory(history);
  const levels: readonly [InsightLevel, (t: DirectedTrade) => boolean][] = [
    [
      "setup",
      (t) => t.direction === direction && t.signalType === setup.signalType && t.zoneTimeframe === setup.zoneTimeframe,
    ],
    ["signal_type", (t) => t.signalType === setup.signalType],
    ["direction", (t) => t.direction === direction],
  ];
  for (const [level, similar] of levels) {
    const trades = history.filter(similar);
    if (trades.length >= o.minTrades) return insightOf(trades, level, setup, direction, o);
  }
  return null;
}

/**
 * The history arrays already checked, with their length then: synthesis asks for an insight for every symbol of a
 * cycle against the same history, and checking every trade each time was a few percent of a backtest.
 */
const checkedLength = new WeakMap<readonly DirectedTrade[], number>();

function checkHistory(history: readonly DirectedTrade[]): void {
  if (Array.isArray(history) && checkedLength.get(history) === history.length) return;
  checkTrades(history);
  history.forEach((t) => {
    if (t.direction !== "LONG" && t.direction !== "SHORT") {
      throw new UsageError(`learningInsight: trade "${t.id}" has direction ${String(t.direction)}; use LONG or SHORT.`);
    }
  });
  checkedLength.set(history, history.length);
}

interface Resolved {
  readonly minTrades: number;
  readonly weight: number;
  readonly baselineWinRate: number | null;
}

function resolveOptions(opts: InsightOptions): Resolved {
  const minTrades = opts.minTrades ?? DEFAULT_MIN_TRADES;
  const weight = opts.weight ?? DEFAULT_LEARNING_WEIGHT;
  const baselineWinRate = opts.baselineWinRate ?? null;
  if (!Number.isInteger(minTrades) || minTrades < 1) {
    throw new UsageError(`learningInsight: minTrades must be a whole number ≥ 1, got ${String(minTrades)}.`);
  }
  if (typeof weight !== "number" || !(weight >= 0 && weight <= 1)) {
    throw new UsageError(
      `learningInsight: weight must be a number from 0 to 1 (weights.learning), got ${String(weight)}.`,
    );
  }
  if (
    baselineWinRate !== null &&
    (typeof baselineWinRate !== "number" || !(baselineWinRate > 0 && baselineWinRate < 1))
  ) {
    throw new UsageError(
      `learningInsight: baselineWinRate must be between 0 and 1 (exclusive) or null for break-even, got ${String(baselineWinRate)}.`,
    );
  }
  return { minTrades, weight, baselineWinRate };
}

function insightOf(
  trades: readonly DirectedTrade[],
  level: InsightLevel,
  setup: Pick<SetupContext, "signalType" | "zoneTimeframe">,
  direction: Direction,
  o: Resolved,
): LearningInsightResult {
  const n = trades.length;
  const wins = trades.filter((t) => t.outcome === "WIN").length;
  const winRate = wins / n;
  const avgRR = mean(trades.map((t) => t.riskReward))!;
  if (o.baselineWinRate === null && !(avgRR > 0)) {
    throw new UsageError(
      `learningInsight: the similar trades' average riskReward is ${avgRR}; break-even needs RR > 0 — pass baselineWinRate.`,
    );
  }
  const baseline = o.baselineWinRate ?? breakEvenWinRate(avgRR);
  const shown = wilson(wins, n);
  const r = trades.map((t) => t.rMultiple);
  const expectancyR = noNegativeZero(mean(r)!);
  return {
    confidenceAdjustment: confidenceAdjustment(wins, n, baseline, o.weight),
    contextMultiplier: contextMultiplier(expectancyR, sampleStdDev(r), n),
    winRate,
    n,
    low: shown.low,
    high: shown.high,
    label: `${pct(winRate)}% win rate (n=${n}, 95% CI ${pct(shown.low)}–${pct(shown.high)}%) for ${what(level, setup, direction)}`,
    level,
    wins,
    baselineWinRate: baseline,
    expectancyR,
  };
}

/** The win rate at which a trade risking 1 to make RR breaks even: p·RR = (1 − p) ⇔ p = 1/(1 + RR). */
export function breakEvenWinRate(riskReward: number): number {
  if (typeof riskReward !== "number" || !(riskReward > 0) || !Number.isFinite(riskReward)) {
    throw new UsageError(`breakEvenWinRate: riskReward must be a finite number > 0, got ${String(riskReward)}.`);
  }
  return 1 / (1 + riskReward);
}

/** The adjustment rule of the module comment: 0 unless the 99 % Wilson interval of wins/n excludes `baseline`. */
export function confidenceAdjustment(wins: number, n: number, baseline: number, weight: number): number {
  const { low, high } = wilson(wins, n, Z_99);
  if (low > baseline) return weight * Math.min(1, (low - baseline) / FULL_EFFECT_MARGIN);
  if (high < baseline) return -weight * Math.min(1, (baseline - high) / FULL_EFFECT_MARGIN);
  return 0;
}

/** The multiplier rule of the module comment: 1 unless the 99 % interval of the mean R excludes 0. */
export function contextMultiplier(meanR: number, sdR: number | null, n: number): number {
  if (sdR === null || n < 2 || meanR === 0) return 1;
  const half = (Z_99 * sdR) / Math.sqrt(n);
  const bound = meanR > 0 ? meanR - half : meanR + half;
  if (Math.sign(bound) !== Math.sign(meanR)) return 1;
  return 1 + 0.5 * Math.max(-1, Math.min(1, bound / FULL_EFFECT_R));
}

function pct(x: number): number {
  return Math.round(x * 100);
}

function what(level: InsightLevel, setup: Pick<SetupContext, "signalType">, direction: Direction): string {
  if (level === "setup") return "similar setups";
  if (level === "signal_type") return `${setup.signalType.replaceAll("_", " ")} setups (LONG and SHORT)`;
  return `${direction} trades`;
}
