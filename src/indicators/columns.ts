/** Candles as columns, the shape the batch indicators take. One pass, one allocation per column. */
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

export function candleColumns(candles: readonly Candle[]): CandleColumns {
  const n = candles.length;
  const cols = {
    openTime: new Float64Array(n),
    closeTime: new Float64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const c = candles[i]!;
    cols.openTime[i] = c.openTime;
    cols.closeTime[i] = c.closeTime;
    cols.open[i] = c.open;
    cols.high[i] = c.high;
    cols.low[i] = c.low;
    cols.close[i] = c.close;
    cols.volume[i] = c.volume;
  }
  return cols;
}
