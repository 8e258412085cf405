/** Candles as columns, the shape the batch indicators take. One pass, one allocation for all the columns. */
import type { Candle } from "../core/candle.js";

export interface CandleColumns {
  readonly openTime: Float64Array;
  readonly closeTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** The column names, in buffer order. */
export const COLUMN_FIELDS = ["openTime", "closeTime", "open", "high", "low", "close", "volume"] as const;

export function candleColumns(candles: readonly Candle[]): CandleColumns {
  const cols = columnViews(candles.length);
  writeColumns(cols, candles, 0, 0);
  return cols;
}

/** Writes `candles[from..]` into `cols` from row `at` on; returns the row after the last written. */
export function writeColumns(cols: CandleColumns, candles: readonly Candle[], from: number, at: number): number {
  const { openTime, closeTime, open, high, low, close, volume } = cols;
  let j = at;
  for (let i = from; i < candles.length; i++, j++) {
    const c = candles[i]!;
    openTime[j] = c.openTime;
    closeTime[j] = c.closeTime;
    open[j] = c.open;
    high[j] = c.high;
    low[j] = c.low;
    close[j] = c.close;
    volume[j] = c.volume;
  }
  return j;
}

/**
 * Seven zeroed columns of length `n` as views into one buffer. Typed arrays of more than a few elements live outside
 * the JS heap; each costs an allocation and GC bookkeeping, so one buffer for the seven is markedly cheaper than
 * seven (the analyses build these every cycle).
 */
export function columnViews(n: number): {
  openTime: Float64Array;
  closeTime: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
} {
  const buf = new Float64Array(7 * n);
  return {
    openTime: buf.subarray(0, n),
    closeTime: buf.subarray(n, 2 * n),
    open: buf.subarray(2 * n, 3 * n),
    high: buf.subarray(3 * n, 4 * n),
    low: buf.subarray(4 * n, 5 * n),
    close: buf.subarray(5 * n, 6 * n),
    volume: buf.subarray(6 * n, 7 * n),
  };
}
