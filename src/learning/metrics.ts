/**
 * Performance metrics of a list of closed trades: win rate with its Wilson interval, expectancy, profit factor, the
 * equity curve and its maximum drawdown, and Sharpe / Sortino on daily returns. Pure: the caller passes the trades
 * (from the paper broker or a backtest) and gets plain JSON back (numbers finite, null where not available).
 *
 * Below `minTrades` the per-trade averages and the ratios are null and `enough` is false: with a handful of trades
 * they are mostly noise, and a UI should say "not enough trades (n of minTrades)" instead of printing them.
 */
import { UsageError } from "../core/errors.js";
import { mean, noNegativeZero, sampleStdDev, wilson } from "./stats.js";

/** The minimal view of a closed trade the statistics need (the paper broker's trades carry these fields). */
export interface TradeResult {
  readonly id: string;
  readonly symbol: string;
  /** Epoch ms. */
  readonly entryTime: number;
  /** Epoch ms, ≥ entryTime. */
  readonly exitTime: number;
  /** Net quote P&L after fees. */
  readonly pnl: number;
  /** Net P&L / entry notional × 100. */
  readonly pnlPercent: number;
  /** Net P&L / initial risk. */
  readonly rMultiple: number;
  /** Planned reward:risk of T1 at entry. */
  readonly riskReward: number;
  readonly outcome: "WIN" | "LOSS" | "BREAKEVEN";
  readonly notional: number;
}

export interface MetricsOptions {
  /** Equity before the first trade, quote units (default 10 000). */
  readonly startingEquity?: number;
  /** Below this many trades the averages and ratios are null (default 20, config learning_agent.min_trades_before_learning). */
  readonly minTrades?: number;
  /** Period start, epoch ms: trades that exit before it are left out; the daily buckets start on its UTC day. */
  readonly from?: number;
  /** Period end, epoch ms: trades that exit after it are left out; the daily buckets end on its UTC day. */
  readonly to?: number;
}

export const DEFAULT_STARTING_EQUITY = 10_000;
export const DEFAULT_MIN_TRADES = 20;

/** A proportion with its 95 % Wilson interval, all in [0, 1]. */
export interface RateWithInterval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface EquityPoint {
  /** Epoch ms: the period start for the first point, then each trade's exit time. */
  readonly time: number;
  readonly equity: number;
}

/** The largest peak-to-trough fall of the equity curve. */
export interface Drawdown {
  /** Quote units, ≥ 0. */
  readonly abs: number;
  /** abs / equity at the peak × 100. */
  readonly pct: number;
  /** Null when the curve never fell. */
  readonly peakTime: number | null;
  readonly troughTime: number | null;
}

export interface TradeMetrics {
  readonly n: number;
  readonly wins: number;
  readonly losses: number;
  readonly breakevens: number;
  /** wins / (wins + losses + breakevens): a break-even counts as "not a win". */
  readonly winRate: RateWithInterval | null;
  /** Mean net P&L per trade, quote units. */
  readonly expectancy: number | null;
  /** Mean R multiple per trade. */
  readonly expectancyR: number | null;
  /** Mean R multiple of all trades (the same number as expectancyR, kept under the name reports use). */
  readonly avgR: number | null;
  /** Mean R of the winning trades / of the losing trades (the latter negative); null when there are none. */
  readonly avgWinR: number | null;
  readonly avgLossR: number | null;
  /** Mean planned reward:risk at entry. */
  readonly avgRiskReward: number | null;
  /** Σ positive P&L / |Σ negative P&L|; null when no trade lost money (the ratio would be infinite). */
  readonly profitFactor: number | null;
  /** Annualised Sharpe ratio of daily returns (× √365; risk-free rate 0). */
  readonly sharpe: number | null;
  /** Annualised Sortino ratio of daily returns (× √365; target 0). */
  readonly sortino: number | null;
  readonly maxDrawdown: Drawdown;
  readonly totalPnl: number;
  /** totalPnl / startingEquity × 100. */
  readonly totalReturnPct: number;
  /**
   * Number of daily returns behind Sharpe and Sortino: the UTC days of the period; 0 without trades or a period, and
   * 0 when the equity reached zero or below (returns on no capital mean nothing).
   */
  readonly days: number;
  readonly equityCurve: readonly EquityPoint[];
  readonly minTrades: number;
  /** n ≥ minTrades. */
  readonly enough: boolean;
}

const DAY_MS = 86_400_000;
/** Crypto markets trade every day of the year, so a year has 365 daily returns, not the 252 of stock markets. */
const DAYS_PER_YEAR = 365;
/** A century of days: anything longer is a unit mistake (seconds or µs for ms), not a backtest. */
const MAX_DAYS = 36_525;
const OUTCOMES = new Set(["WIN", "LOSS", "BREAKEVEN"]);

/**
 * Throws a UsageError naming the trade and the field when a trade could not have come from a broker (a non-finite
 * number, an exit before the entry, an unknown outcome), so no NaN can reach the metrics.
 */
export function checkTrades(trades: readonly TradeResult[]): void {
  if (!Array.isArray(trades)) throw new UsageError("trades must be an array of closed trades.");
  trades.forEach((t, i) => {
    if (t === null || typeof t !== "object") throw new UsageError(`trade #${i} must be an object, got ${String(t)}.`);
    const name = `trade ${typeof t.id === "string" ? `"${t.id}"` : `#${i}`}`;
    for (const field of [
      "entryTime",
      "exitTime",
      "pnl",
      "pnlPercent",
      "rMultiple",
      "riskReward",
      "notional",
    ] as const) {
      const v = t[field];
      if (typeof v !== "number" || !Number.isFinite(v)) {
        throw new UsageError(`${name}: ${field} must be a finite number, got ${String(v)}.`);
      }
    }
    if (t.exitTime < t.entryTime) {
      throw new UsageError(
        `${name}: exitTime (${t.exitTime}) is before entryTime (${t.entryTime}); pass closed trades.`,
      );
    }
    if (!OUTCOMES.has(t.outcome)) {
      throw new UsageError(`${name}: outcome must be WIN, LOSS or BREAKEVEN, got ${String(t.outcome)}.`);
    }
  });
  // Finite values can still add up to Infinity (|pnl| near 1e308); no broker produces them, and sums must stay finite.
  for (const field of ["pnl", "rMultiple", "riskReward"] as const) {
    if (!Number.isFinite(trades.reduce((s, t) => s + Math.abs(t[field]), 0))) {
      throw new UsageError(`trades: the sum of |${field}| overflows; pass realistic values.`);
    }
  }
}

interface ResolvedOptions {
  readonly startingEquity: number;
  readonly minTrades: number;
  readonly from: number | undefined;
  readonly to: number | undefined;
}

/** Defaults applied and every option checked; shared with breakdowns.ts. */
export function resolveMetricsOptions(opts: MetricsOptions = {}): ResolvedOptions {
  const startingEquity = opts.startingEquity ?? DEFAULT_STARTING_EQUITY;
  const minTrades = opts.minTrades ?? DEFAULT_MIN_TRADES;
  if (typeof startingEquity !== "number" || !Number.isFinite(startingEquity) || startingEquity <= 0) {
    throw new UsageError(`metrics: startingEquity must be a finite number > 0, got ${String(startingEquity)}.`);
  }
  if (!Number.isInteger(minTrades) || minTrades < 1) {
    throw new UsageError(`metrics: minTrades must be a whole number ≥ 1, got ${String(minTrades)}.`);
  }
  for (const [name, v] of [
    ["from", opts.from],
    ["to", opts.to],
  ] as const) {
    if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v))) {
      throw new UsageError(`metrics: ${name} must be epoch ms, got ${String(v)}.`);
    }
  }
  if (opts.from !== undefined && opts.to !== undefined && opts.to < opts.from) {
    throw new UsageError(`metrics: to (${opts.to}) is before from (${opts.from}); swap them.`);
  }
  return { startingEquity, minTrades, from: opts.from, to: opts.to };
}

/**
 * The trades that closed within [from, to] (either bound optional). A trade belongs to the period in which its
 * P&L was realised, i.e. its exit time.
 */
export function tradesInPeriod<T extends TradeResult>(trades: readonly T[], from?: number, to?: number): T[] {
  return trades.filter((t) => (from === undefined || t.exitTime >= from) && (to === undefined || t.exitTime <= to));
}

/** Exit-time order; ties by entry time, then id, so the equity curve does not depend on the input order. */
function byExit(a: TradeResult, b: TradeResult): number {
  return a.exitTime - b.exitTime || a.entryTime - b.entryTime || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The metrics of the trades that closed within the period (see MetricsOptions). The equity curve is
 * startingEquity + cumulative net P&L in exit-time order; P&L is not compounded into position sizes here, the
 * broker sizes each trade itself.
 */
export function computeMetrics(trades: readonly TradeResult[], opts: MetricsOptions = {}): TradeMetrics {
  checkTrades(trades);
  const o = resolveMetricsOptions(opts);
  const selected = tradesInPeriod(trades, o.from, o.to).sort(byExit);
  const n = selected.length;
  const wins = selected.filter((t) => t.outcome === "WIN");
  const losses = selected.filter((t) => t.outcome === "LOSS");
  const breakevens = n - wins.length - losses.length;

  const totalPnl = sum(selected.map((t) => t.pnl));
  const start =
    o.from ?? (n > 0 ? selected.reduce((m, t) => Math.min(m, t.entryTime), Number.POSITIVE_INFINITY) : undefined);
  const end = o.to ?? (n > 0 ? selected[n - 1]!.exitTime : undefined);
  const equityCurve = curve(selected, o.startingEquity, start);
  const drawdown = maxDrawdown(equityCurve);
  const totalReturnPct = (totalPnl / o.startingEquity) * 100;
  if (!Number.isFinite(totalReturnPct) || !Number.isFinite(drawdown.pct)) {
    throw new UsageError(
      `metrics: startingEquity ${o.startingEquity} is too small for P&L of ${totalPnl}: percentages overflow; pass the account's real equity.`,
    );
  }
  const days = start === undefined || end === undefined ? [] : dailyReturns(selected, o.startingEquity, start, end);

  // minTrades ≥ 1, so `enough` implies n > 0 and no average below divides by zero.
  const enough = n >= o.minTrades;
  // A ratio over a subnormal denominator (a gross loss of 1e-320) can overflow to Infinity: not available, null.
  const num = (value: number | null): number | null =>
    enough && value !== null && Number.isFinite(value) ? noNegativeZero(value) : null;
  const interval = wilson(wins.length, n);
  const grossWin = sum(selected.filter((t) => t.pnl > 0).map((t) => t.pnl));
  const grossLoss = -sum(selected.filter((t) => t.pnl < 0).map((t) => t.pnl));
  const meanR = mean(selected.map((t) => t.rMultiple));

  return {
    n,
    wins: wins.length,
    losses: losses.length,
    breakevens,
    winRate: enough ? { value: wins.length / n, low: interval.low, high: interval.high } : null,
    expectancy: num(mean(selected.map((t) => t.pnl))),
    expectancyR: num(meanR),
    avgR: num(meanR),
    avgWinR: num(mean(wins.map((t) => t.rMultiple))),
    avgLossR: num(mean(losses.map((t) => t.rMultiple))),
    avgRiskReward: num(mean(selected.map((t) => t.riskReward))),
    profitFactor: num(grossLoss > 0 ? grossWin / grossLoss : null),
    sharpe: num(sharpeRatio(days)),
    sortino: num(sortinoRatio(days)),
    maxDrawdown: drawdown,
    totalPnl: noNegativeZero(totalPnl),
    totalReturnPct: noNegativeZero(totalReturnPct),
    days: days.length,
    equityCurve,
    minTrades: o.minTrades,
    enough,
  };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}

/** The period start at startingEquity, then one point per trade at its exit. Empty without a start. */
function curve(sorted: readonly TradeResult[], startingEquity: number, start: number | undefined): EquityPoint[] {
  if (start === undefined) return [];
  const points: EquityPoint[] = [{ time: start, equity: startingEquity }];
  let equity = startingEquity;
  for (const t of sorted) {
    equity += t.pnl;
    points.push({ time: t.exitTime, equity: noNegativeZero(equity) });
  }
  return points;
}

/**
 * The largest fall from a running peak, measured in quote units (the broker sizes by a fixed notional, so money
 * lost is the comparable measure); pct is that fall relative to its peak. The earliest of equal falls wins.
 */
export function maxDrawdown(points: readonly EquityPoint[]): Drawdown {
  let best: Drawdown = { abs: 0, pct: 0, peakTime: null, troughTime: null };
  const first = points[0];
  if (first === undefined) return best;
  let peak = first;
  for (const p of points) {
    if (p.equity > peak.equity) peak = p;
    const fall = peak.equity - p.equity;
    if (fall > best.abs) {
      best = { abs: fall, pct: (fall / peak.equity) * 100, peakTime: peak.time, troughTime: p.time };
    }
  }
  return best;
}

/**
 * One return per UTC day from start's day to end's day inclusive: the P&L of the trades that exited that day divided
 * by the equity at the start of the day; a day without exits returns 0 (the money was still there, idle or in open
 * trades whose P&L is not realised yet). Empty when the equity ever reaches 0 or below, where a return means nothing.
 */
export function dailyReturns(
  sorted: readonly TradeResult[],
  startingEquity: number,
  start: number,
  end: number,
): number[] {
  const firstDay = Math.floor(start / DAY_MS);
  const lastDay = Math.floor(end / DAY_MS);
  if (lastDay - firstDay + 1 > MAX_DAYS) {
    throw new UsageError(
      `metrics: the period spans ${lastDay - firstDay + 1} days (more than ${MAX_DAYS}); from/to must be epoch ms.`,
    );
  }
  const pnlByDay = new Array<number>(lastDay - firstDay + 1).fill(0);
  for (const t of sorted) {
    const d = Math.floor(t.exitTime / DAY_MS) - firstDay;
    if (d >= 0 && d < pnlByDay.length) pnlByDay[d]! += t.pnl;
  }
  const returns: number[] = [];
  let equity = startingEquity;
  for (const pnl of pnlByDay) {
    if (equity <= 0) return [];
    returns.push(pnl / equity);
    equity += pnl;
  }
  return returns;
}

/**
 * mean(r) / sample std(r) × √365. Null with fewer than 2 days or when every day returned the same (no deviation).
 */
export function sharpeRatio(daily: readonly number[]): number | null {
  const sd = sampleStdDev(daily);
  if (sd === null || !(sd > 0)) return null;
  return (mean(daily)! / sd) * Math.sqrt(DAYS_PER_YEAR);
}

/**
 * mean(r) / downside deviation × √365, where the downside deviation is √(mean(min(0, r)²)) over ALL days (target
 * return 0; days above it count as 0 shortfall, as in Sortino & Price 1994). Null with fewer than 2 days or when no
 * day lost money.
 */
export function sortinoRatio(daily: readonly number[]): number | null {
  if (daily.length < 2) return null;
  const downside = Math.sqrt(mean(daily.map((r) => Math.min(0, r) ** 2))!);
  if (!(downside > 0)) return null;
  return (mean(daily)! / downside) * Math.sqrt(DAYS_PER_YEAR);
}
