/**
 * Derives candles of a coarser interval from a finer one (4h from 1h, 1w and 1M from 1d), so that higher
 * timeframes cost no request weight. Exact where `divides(fine, coarse)`: open of the first, close of the last,
 * max/min of highs/lows, sums of the volumes.
 */
import type { Candle } from "../core/candle.js";
import { alignDown, closeTimeOf, divides, type Interval, intervalMs, nextOpenTime } from "../core/interval.js";
import { UsageError } from "../core/errors.js";
import { aggregateCandles } from "./aggregate.js";

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
    const startsAtBucket = first.openTime === bucket;
    const startIdx = i;
    let allClosed = true;
    while (i < n) {
      const c = fine[i] as Candle;
      if (c.openTime >= bucketEnd) break;
      if (!c.closed) allClosed = false;
      i++;
    }
    const count = i - startIdx;
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
    // Zero-volume halt candles do not set the open/high/low/close (see aggregateCandles): Binance's own coarse
    // candles are built from trades (2023-03-24 12:00 4h opens at 28079.99, not at the halted 1h candle's 28080).
    const closed = complete || (!atEnd && Boolean(options.allowGaps));
    out.push(aggregateCandles(fine.slice(startIdx, i), bucket, closeTimeOf(to, bucket), closed) as Candle);
  }
  return out;
}
