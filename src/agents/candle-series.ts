/**
 * One symbol's closed candles of one interval as columns, with the indicators computed at most once each.
 * Several agents read the same RSI, ATR, MACD and OBV; building them once per interval (and the columns once) keeps a
 * full pass over hundreds of symbols to a handful of linear scans per series.
 */
import type { Candle } from "../core/candle.js";
import { InsufficientDataError, UsageError } from "../core/errors.js";
import { type Interval, intervalMs } from "../core/interval.js";
import { atr, candleColumns, ema, type MacdSeries, macd, obv, rsi, sma } from "../indicators/index.js";

export class CandleSeries {
  readonly candles: readonly Candle[];
  readonly length: number;
  readonly openTime: Float64Array;
  readonly closeTime: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly #memo = new Map<string, Float64Array | MacdSeries>();

  /** `candles`: closed candles of one interval, oldest first (what MarketView.closed returns). */
  constructor(candles: readonly Candle[], label = "candles") {
    const n = candles.length;
    this.candles = candles;
    this.length = n;
    let prevOpen = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const c = candles[i]!;
      if (!(c.openTime > prevOpen)) {
        throw new UsageError(`${label}: candles must be in increasing open-time order (index ${i} is not).`, {
          hint: "Pass candles oldest first, e.g. as MarketView.closed() returns them.",
        });
      }
      if (!c.closed) {
        throw new UsageError(
          `${label}: the candle opening ${new Date(c.openTime).toISOString()} is still forming; agents analyse closed candles only.`,
          { hint: "Use MarketView.closed(); the forming candle is not final." },
        );
      }
      prevOpen = c.openTime;
    }
    const cols = candleColumns(candles);
    this.openTime = cols.openTime;
    this.closeTime = cols.closeTime;
    this.high = cols.high;
    this.low = cols.low;
    this.close = cols.close;
    this.volume = cols.volume;
  }

  static of(input: readonly Candle[] | CandleSeries, label?: string): CandleSeries {
    return input instanceof CandleSeries ? input : new CandleSeries(input, label);
  }

  #cached<T extends Float64Array | MacdSeries>(key: string, make: () => T): T {
    let v = this.#memo.get(key);
    if (v === undefined) {
      v = make();
      this.#memo.set(key, v);
    }
    return v as T;
  }

  rsi(period: number): Float64Array {
    return this.#cached(`rsi:${period}`, () => rsi(this.close, period));
  }

  atr(period: number): Float64Array {
    return this.#cached(`atr:${period}`, () => atr(this.high, this.low, this.close, period));
  }

  /** EMA of the close. */
  ema(period: number): Float64Array {
    return this.#cached(`ema:${period}`, () => ema(this.close, period));
  }

  /** SMA of the volume. */
  volumeSma(period: number): Float64Array {
    return this.#cached(`vsma:${period}`, () => sma(this.volume, period));
  }

  macd(fast: number, slow: number, signal: number): MacdSeries {
    return this.#cached(`macd:${fast}:${slow}:${signal}`, () => macd(this.close, { fast, slow, signal }));
  }

  /** On-balance volume; its level is relative to the first candle of this series, only its changes carry meaning. */
  obv(): Float64Array {
    return this.#cached("obv", () => obv(this.close, this.volume));
  }
}

/** The last value of a series, or null while it is still in its warm-up (NaN). */
export function lastValue(series: Float64Array): number | null {
  const v = series[series.length - 1];
  return v === undefined || Number.isNaN(v) ? null : v;
}

/** Index of the last candle whose close time is at or before `t`, or −1 (binary search). */
export function lastClosedBy(closeTime: Float64Array, t: number): number {
  let lo = 0;
  let hi = closeTime.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (closeTime[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The error for a series too short for an analysis: which series, how many candles exist, how many are needed. */
export function insufficientHistory(
  what: string,
  symbol: string,
  interval: Interval,
  have: number,
  need: number,
  now: number,
): InsufficientDataError {
  // Enough days back to cover what is needed, with room for gaps and the sync's own rounding.
  const days = Math.max(1, Math.ceil((need * intervalMs(interval) * 1.2) / 86_400_000));
  const from = new Date(now - days * 86_400_000).toISOString().slice(0, 10);
  return new InsufficientDataError(
    `${symbol} ${interval}: ${have} closed candle${have === 1 ? "" : "s"} by ${new Date(now).toISOString()}, ${what} needs at least ${need}.`,
    { hint: `Download more history, e.g. cma download --symbols ${symbol} --intervals ${interval} --from ${from}` },
  );
}
