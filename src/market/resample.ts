/**
 * Derives candles of a coarser interval from a finer one (4h from 1h, 1w and 1M from 1d), so that higher
 * timeframes cost no request weight. Exact where `divides(fine, coarse)`: open of the first, close of the last,
 * max/min of highs/lows, sums of the volumes.
 */
import type { Candle } from "../core/candle.js";
import { alignDown, closeTimeOf, divides, type Interval, intervalMs, nextOpenTime } from "../core/interval.js";
import { UsageError } from "../core/errors.js";

export interface ResampleOptions {
  /**
   * When false (the default), a coarse candle is only emitted if every fine candle inside it is present and closed;
   * an incomplete bucket at the end becomes a forming candle (closed: false) only with `includeForming`.
   */
  readonly includeForming?: boolean;
  /**
   * Accept buckets with missing fine candles (exchange halts) instead of dropping them. The result is what
   * Binance itself reports for such periods: the aggregate of the candles that exist.
   */
  readonly allowGaps?: boolean;
}

/**
 * `fine` must be sorted by open time. Returns coarse candles sorted by open time.
 * A bucket missing some fine candles at the *start* of the data (before the first fine candle) is dropped, since
 * its open price would be wrong.
 */
export function resample(
  fine: readonly Candle[],
  from: Interval,
  to: Interval,
  options: ResampleOptions = {},
): Candle[] {
  if (!divides(from, to)) throw new UsageError(`Cannot derive ${to} candles exactly from ${from} candles.`);
  if (from === to) return fine.slice();
  const out: Candle[] = [];
  const fineMs = from === "1M" ? 0 : intervalMs(from);
  let i = 0;
  const n = fine.length;
  while (i < n) {
    const first = fine[i] as Candle;
    const bucket = alignDown(to, first.openTime);
    const bucketEnd = nextOpenTime(to, bucket);
    const expected = Math.round((bucketEnd - bucket) / fineMs);
    // A zero-volume candle (a trading halt) has no trades: its flat OHLC only repeats the last price. Binance's own
    // coarse candle is built from trades, so its open is the first real trade (2023-03-24 12:00 4h: 28079.99, not
    // the halted 1h candle's 28080). Empty candles count for OHLC only when the whole bucket is empty.
    let open = Number.NaN;
    let high = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let close = Number.NaN;
    let volume = 0;
    let quoteVolume = 0;
    let trades = 0;
    let takerBuyBase = 0;
    let takerBuyQuote = 0;
    let count = 0;
    let allClosed = true;
    let emptyHigh = Number.NEGATIVE_INFINITY;
    let emptyLow = Number.POSITIVE_INFINITY;
    const startsAtBucket = first.openTime === bucket;
    while (i < n) {
      const c = fine[i] as Candle;
      if (c.openTime >= bucketEnd) break;
      if (c.volume > 0) {
        if (Number.isNaN(open)) open = c.open;
        if (c.high > high) high = c.high;
        if (c.low < low) low = c.low;
        close = c.close;
      } else {
        if (c.high > emptyHigh) emptyHigh = c.high;
        if (c.low < emptyLow) emptyLow = c.low;
      }
      volume += c.volume;
      quoteVolume += c.quoteVolume;
      trades += c.trades;
      takerBuyBase += c.takerBuyBase;
      takerBuyQuote += c.takerBuyQuote;
      if (!c.closed) allClosed = false;
      count++;
      i++;
    }
    if (Number.isNaN(open)) {
      const last = fine[i - 1] as Candle;
      open = first.open;
      close = last.close;
      high = emptyHigh;
      low = emptyLow;
    }
    const complete = count === expected && allClosed;
    const atEnd = i >= n;
    if (!startsAtBucket && out.length === 0 && !options.allowGaps) continue;
    if (!complete) {
      if (atEnd && (count < expected || !allClosed)) {
        if (!options.includeForming) continue;
      } else if (!options.allowGaps) {
        continue;
      }
    }
    out.push({
      openTime: bucket,
      closeTime: closeTimeOf(to, bucket),
      open,
      high,
      low,
      close,
      volume,
      quoteVolume,
      trades,
      takerBuyBase,
      takerBuyQuote,
      closed: complete || (!atEnd && Boolean(options.allowGaps)),
    });
  }
  return out;
}
