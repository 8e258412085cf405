/**
 * What one fake market (spot or futures) serves: symbols and candles as they exist at a given "now".
 * Two implementations: real recorded candles (bundled-data.ts) and an endless deterministic universe for benchmarks
 * (synthetic-data.ts). The server only talks to this interface, so either can sit behind any route.
 */
import { type WindowTotals, windowTotals } from "../../market/window-stats.js";
import type { Candle } from "../../core/candle.js";
import { alignDown, type Interval, intervalMs } from "../../core/interval.js";

/** Decimal places the exchange prints for one symbol (Binance futures prints each contract at its own precision). */
export interface SymbolPrecision {
  /** Price decimals; the tick size is 10^-price. */
  readonly price: number;
  /** Base-quantity decimals; the lot step is 10^-quantity. */
  readonly quantity: number;
  /** Quote-volume decimals in kline rows. */
  readonly quote: number;
}

/** Aggregate of what traded in a time window (a rolling 24 h ticker, or a candle still forming). */
export interface WindowStats extends WindowTotals {
  /** Close of the last candle before the window (Binance's `prevClosePrice`); `open` if none. */
  readonly prevClose: number;
}

export interface FakeMarketData {
  symbols(): readonly string[];
  /**
   * Candles with open time in [startTime, endTime], oldest first, at most `limit`, none opening after `now`;
   * the candle containing `now` is the forming one (closed: false, aggregated from what exists up to now).
   */
  candles(symbol: string, interval: Interval, startTime: number, endTime: number, limit: number, now: number): Candle[];
  firstOpenTime(symbol: string): number | undefined;
  /** Print precision; the server falls back to 8 decimals (spot style) when absent. */
  precision?(symbol: string): SymbolPrecision;
  /**
   * Trading statistics over [from, now] from the finest data available; undefined when nothing traded before now.
   * Optional: the server derives them from 1h/1d candles when a source does not offer a faster way.
   */
  window?(symbol: string, from: number, now: number): WindowStats | undefined;
}

export const DEFAULT_PRECISION: SymbolPrecision = { price: 8, quantity: 8, quote: 8 };

/** Index of the first candle with openTime >= t (candles sorted by open time). */
export function lowerBound(candles: readonly Candle[], t: number): number {
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((candles[mid] as Candle).openTime < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Binance's "endTime only / neither" semantics on top of the interface's oldest-first contract: the `limit` most
 * recent candles opening at or before `endTime`. Widens the look-back window until enough candles are found or the
 * series' first candle is reached, so gaps (halts, delistings) do not shorten the answer.
 */
export function latestCandles(
  md: FakeMarketData,
  symbol: string,
  interval: Interval,
  endTime: number,
  limit: number,
  now: number,
): Candle[] {
  const first = md.firstOpenTime(symbol);
  if (first === undefined || limit <= 0) return [];
  const hi = Math.min(endTime, now);
  if (hi < alignDown(interval, first)) return [];
  let span = limit * intervalMs(interval);
  for (;;) {
    const lo = alignDown(interval, Math.max(hi - span, alignDown(interval, first)));
    const got = md.candles(symbol, interval, lo, hi, Number.MAX_SAFE_INTEGER, now);
    if (got.length >= limit || lo <= first) return got.slice(-limit);
    span *= 4;
  }
}

/** Generic rolling statistics from candles, for sources without their own `window`. */
export function windowFromCandles(
  md: FakeMarketData,
  symbol: string,
  from: number,
  now: number,
): WindowStats | undefined {
  for (const interval of ["5m", "15m", "1h", "4h", "1d"] as const) {
    const inWindow = md.candles(symbol, interval, alignDown(interval, from), now, Number.MAX_SAFE_INTEGER, now);
    if (inWindow.length === 0) continue;
    const before = latestCandles(md, symbol, interval, alignDown(interval, from) - 1, 1, now)[0];
    return aggregateStats(inWindow, before?.close);
  }
  const last = latestCandles(md, symbol, "1d", now, 1, now)[0];
  if (!last) return undefined;
  return flatStats(last.close);
}

export function aggregateStats(candles: readonly Candle[], prevClose: number | undefined): WindowStats {
  const totals = windowTotals(candles);
  return { ...totals, prevClose: prevClose ?? totals.open };
}

/** A window in which nothing traded: every price is the last one. */
export function flatStats(price: number): WindowStats {
  return { open: price, high: price, low: price, close: price, volume: 0, quoteVolume: 0, trades: 0, prevClose: price };
}
