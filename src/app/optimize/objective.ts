/**
 * How a trial is scored on a training window, and how the winner is picked.
 *
 * The objective is the expectancy in R: the mean R multiple per closed trade (net P&L after fees over the initial
 * risk). R makes trades of different sizes, symbols and stop distances comparable, and the mean per trade does not
 * reward a setting just for trading more. Below a minimum number of trades the score is −Infinity — written as
 * null, since JSON has no infinities — with the reason "not enough trades": a handful of trades says little, and a parameter that trades too rarely could never collect the sample
 * the adoption rule needs. Sharpe and Sortino are deliberately not used: on a few weeks of daily returns with a
 * handful of trades they are dominated by noise and by the days without trades.
 *
 * Ties (equal expectancy) go to the higher total R, then to the lower trial index, so the current configuration
 * (index 0 in the one-at-a-time design) wins a tie and the choice never depends on the order results arrive in.
 */
import type { PaperTrade } from "../../learning/paper-trade.js";

/** The numbers a report shows for a set of trades. Null where there are no trades. */
export interface TradeSummary {
  readonly n: number;
  readonly wins: number;
  readonly losses: number;
  /** Mean R multiple per trade; null without trades. */
  readonly expectancyR: number | null;
  /** Sum of R multiples. */
  readonly totalR: number;
  /** wins / n; null without trades. */
  readonly winRate: number | null;
  /** Net quote P&L after fees. */
  readonly totalPnl: number;
}

export interface TrialScore extends TradeSummary {
  /** expectancyR when eligible; null (−Infinity: never chosen) when not. */
  readonly score: number | null;
  /** Why the trial cannot be chosen ("not enough trades (3 of 10)"), or null. */
  readonly reason: string | null;
}

/** Trades below which a training window's expectancy is not trusted whatever the sample-size scaling says. */
export const MIN_TRADES_FLOOR = 10;

export function summarizeTrades(trades: readonly Pick<PaperTrade, "rMultiple" | "pnl" | "outcome">[]): TradeSummary {
  const n = trades.length;
  let totalR = 0;
  let totalPnl = 0;
  let wins = 0;
  let losses = 0;
  for (const t of trades) {
    totalR += t.rMultiple;
    totalPnl += t.pnl;
    if (t.outcome === "WIN") wins++;
    else if (t.outcome === "LOSS") losses++;
  }
  return {
    n,
    wins,
    losses,
    expectancyR: n === 0 ? null : totalR / n,
    totalR,
    winRate: n === 0 ? null : wins / n,
    totalPnl,
  };
}

/** The objective for one trial's training trades. */
export function scoreTrades(
  trades: readonly Pick<PaperTrade, "rMultiple" | "pnl" | "outcome">[],
  minTrades: number,
): TrialScore {
  const s = summarizeTrades(trades);
  if (s.n < minTrades || s.expectancyR === null) {
    return { ...s, score: null, reason: `not enough trades (${s.n} of ${minTrades})` };
  }
  return { ...s, score: s.expectancyR, reason: null };
}

/**
 * The default minimum trades on a training window: the adoption rule wants `minSampleSize` trades over all test
 * windows (`oosDays` days in total); a training window of `trainDays` must show at least the same trade rate, i.e.
 * ceil(minSampleSize × trainDays / oosDays), and never fewer than MIN_TRADES_FLOOR.
 * Example: min_sample_size 50, train 60 days, 4 folds × 30 test days → ceil(50 × 60 / 120) = 25.
 */
export function defaultMinTrades(minSampleSize: number, trainDays: number, oosDays: number): number {
  return Math.max(MIN_TRADES_FLOOR, Math.ceil((minSampleSize * trainDays) / Math.max(oosDays, 1)));
}

/** Descending order of preference (see the module comment); `index` is the trial index. */
export function compareScores(
  a: { readonly index: number; readonly score: TrialScore },
  b: { readonly index: number; readonly score: TrialScore },
): number {
  const sa = a.score.score ?? Number.NEGATIVE_INFINITY;
  const sb = b.score.score ?? Number.NEGATIVE_INFINITY;
  if (sa !== sb) return sa > sb ? -1 : 1;
  if (a.score.totalR !== b.score.totalR) return a.score.totalR > b.score.totalR ? -1 : 1;
  return a.index - b.index;
}

/** The index of the best eligible trial, or null when none has enough trades. */
export function pickBest(scored: readonly { readonly index: number; readonly score: TrialScore }[]): number | null {
  const eligible = scored.filter((s) => s.score.score !== null);
  if (eligible.length === 0) return null;
  return [...eligible].sort(compareScores)[0]?.index ?? null;
}
