/**
 * Win rate and expectancy of trades grouped by one property of their setup (signal type, zone timeframe, RSI state,
 * agreeing agents…), and the strategy analysis that puts the overall metrics and every standard grouping in one
 * plain-JSON object (the shape of strategy_analysis.json). Pure; the caller supplies the trades and the time.
 */
import { UsageError } from "../core/errors.js";
import {
  checkTrades,
  computeMetrics,
  type MetricsOptions,
  resolveMetricsOptions,
  type TradeMetrics,
  type TradeResult,
  tradesInPeriod,
} from "./metrics.js";
import { mean, noNegativeZero, wilson } from "./stats.js";

/** A closed trade with the context of the signal that opened it. */
export type TradeContext = TradeResult & {
  readonly signalType: string;
  /** Timeframe of the S/R zone the setup was built on; null when there was none. */
  readonly zoneTimeframe: string | null;
  /** The entry was at a support/resistance zone. */
  readonly atZone: boolean;
  readonly volumeConfirmed: boolean;
  readonly rsiState: "oversold" | "overbought" | "neutral";
  /** Names of the agents that agreed with the signal's direction. */
  readonly agents: readonly string[];
};

/** One group of a breakdown. Below minTrades the rates are null and `enough` is false, as in computeMetrics. */
export interface BreakdownRow {
  readonly key: string;
  readonly n: number;
  readonly wins: number;
  /** wins / n (break-evens count as not-wins), with its 95 % Wilson interval. */
  readonly winRate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  /** Mean net P&L per trade, quote units. */
  readonly expectancy: number | null;
  /** Mean R multiple per trade. */
  readonly expectancyR: number | null;
  readonly enough: boolean;
}

export interface BreakdownOptions {
  /** Groups with fewer trades get null rates (default 20, as computeMetrics). */
  readonly minTrades?: number;
}

/**
 * Groups `trades` by `keyOf` (trades whose key is null are left out) and summarises each group. Rows are sorted by
 * n descending, then by key, so the best-supported groups come first and the order is deterministic.
 */
export function breakdown<T extends TradeResult>(
  trades: readonly T[],
  keyOf: (t: T) => string | null,
  opts: BreakdownOptions = {},
): BreakdownRow[] {
  checkTrades(trades);
  if (typeof keyOf !== "function")
    throw new UsageError("breakdown: keyOf must be a function (trade) => string | null.");
  const { minTrades } = resolveMetricsOptions({
    ...(opts.minTrades === undefined ? {} : { minTrades: opts.minTrades }),
  });
  const groups = new Map<string, T[]>();
  for (const t of trades) {
    const key = keyOf(t);
    if (key === null) continue;
    if (typeof key !== "string") {
      throw new UsageError(`breakdown: keyOf returned ${String(key)} for trade "${t.id}"; return a string or null.`);
    }
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [t]);
    else group.push(t);
  }
  const rows = [...groups].map(([key, group]) => row(key, group, minTrades));
  return rows.sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function row(key: string, group: readonly TradeResult[], minTrades: number): BreakdownRow {
  const n = group.length;
  const wins = group.filter((t) => t.outcome === "WIN").length;
  const enough = n >= minTrades;
  if (!enough)
    return { key, n, wins, winRate: null, low: null, high: null, expectancy: null, expectancyR: null, enough };
  const { low, high } = wilson(wins, n);
  return {
    key,
    n,
    wins,
    winRate: wins / n,
    low,
    high,
    expectancy: noNegativeZero(mean(group.map((t) => t.pnl))!),
    expectancyR: noNegativeZero(mean(group.map((t) => t.rMultiple))!),
    enough,
  };
}

/** A named way of grouping trades. */
export interface Dimension {
  readonly name: string;
  /** What a report prints as the table's title. */
  readonly label: string;
  readonly keyOf: (t: TradeContext) => string | null;
}

/**
 * The agents that agreed, de-duplicated, sorted (by code unit, so the key does not depend on locale) and joined by
 * "+": the same team gives the same key whatever order the agents reported in. "none" when no agent agreed.
 */
export function agentCombination(agents: readonly string[]): string {
  const unique = [...new Set(agents)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return unique.length === 0 ? "none" : unique.join("+");
}

/** The groupings the strategy analysis reports, in the order a report shows them. */
export const STANDARD_DIMENSIONS = [
  { name: "signal_type", label: "By signal type", keyOf: (t: TradeContext) => t.signalType },
  { name: "zone_timeframe", label: "By zone timeframe", keyOf: (t: TradeContext) => t.zoneTimeframe },
  { name: "at_zone", label: "At S/R vs away", keyOf: (t: TradeContext) => (t.atZone ? "at_zone" : "away") },
  {
    name: "volume",
    label: "With vs without volume confirmation",
    keyOf: (t: TradeContext) => (t.volumeConfirmed ? "confirmed" : "unconfirmed"),
  },
  { name: "rsi_state", label: "By RSI state", keyOf: (t: TradeContext) => t.rsiState },
  { name: "agents", label: "By agreeing agents", keyOf: (t: TradeContext) => agentCombination(t.agents) },
] as const satisfies readonly Dimension[];

export type StandardDimensionName = (typeof STANDARD_DIMENSIONS)[number]["name"];

export interface StrategyAnalysisOptions extends MetricsOptions {
  /** When the analysis was made, epoch ms (from the injected clock); left out of the result when not given. */
  readonly generatedAt?: number;
}

/** The content of strategy_analysis.json. */
export interface StrategyAnalysis {
  readonly generatedAt?: number;
  readonly overall: TradeMetrics;
  readonly dimensions: { readonly [K in StandardDimensionName]: readonly BreakdownRow[] };
}

/**
 * Overall metrics plus a breakdown per standard dimension, all over the trades that closed in the period
 * (opts.from / opts.to, as computeMetrics) and with the same minTrades.
 */
export function strategyAnalysis(
  trades: readonly TradeContext[],
  opts: StrategyAnalysisOptions = {},
): StrategyAnalysis {
  const { generatedAt, ...metricsOpts } = opts;
  if (generatedAt !== undefined && (typeof generatedAt !== "number" || !Number.isFinite(generatedAt))) {
    throw new UsageError(`strategyAnalysis: generatedAt must be epoch ms, got ${String(generatedAt)}.`);
  }
  const overall = computeMetrics(trades, metricsOpts);
  const selected = tradesInPeriod(trades, metricsOpts.from, metricsOpts.to);
  for (const t of selected) checkContext(t);
  const byOpts = { minTrades: overall.minTrades };
  const dimensions = Object.fromEntries(
    STANDARD_DIMENSIONS.map((d) => [d.name, breakdown(selected, d.keyOf, byOpts)]),
  ) as Record<StandardDimensionName, BreakdownRow[]>;
  return { ...(generatedAt === undefined ? {} : { generatedAt }), overall, dimensions };
}

const RSI_STATES = new Set(["oversold", "overbought", "neutral"]);

function checkContext(t: TradeContext): void {
  const bad = (field: string, want: string, got: unknown) =>
    new UsageError(`trade "${t.id}": ${field} must be ${want}, got ${String(got)}.`);
  if (typeof t.signalType !== "string") throw bad("signalType", "a string", t.signalType);
  if (t.zoneTimeframe !== null && typeof t.zoneTimeframe !== "string") {
    throw bad("zoneTimeframe", "a string or null", t.zoneTimeframe);
  }
  if (typeof t.atZone !== "boolean") throw bad("atZone", "true or false", t.atZone);
  if (typeof t.volumeConfirmed !== "boolean") throw bad("volumeConfirmed", "true or false", t.volumeConfirmed);
  if (!RSI_STATES.has(t.rsiState)) throw bad("rsiState", "oversold, overbought or neutral", t.rsiState);
  if (!Array.isArray(t.agents) || !t.agents.every((a) => typeof a === "string")) {
    throw bad("agents", "an array of agent names", t.agents);
  }
}
