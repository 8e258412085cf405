/**
 * Totals over a window of candles, as a 24 h ticker reports them. Shared by the replay exchange and the fake
 * Binance server, so that both answer `tickers24h()` the same way.
 */
import type { Candle } from "../core/candle.js";

export interface WindowTotals {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** Recorded quote volume, or the estimate of `quoteVolumeOf` where the source has none. */
  readonly quoteVolume: number;
  readonly trades: number;
}

/**
 * Quote volume of a candle. Binance's spot dumps carry zeros in that column, so it is estimated from the typical
 * price: liquidity filters need a number. Only tickers use the estimate; stored candles stay exactly as recorded.
 */
export function quoteVolumeOf(c: Candle): number {
  return quoteVolumeFrom(c.quoteVolume, c.volume, c.high, c.low, c.close);
}

/** quoteVolumeOf from a candle's fields (for readers of columns). */
export function quoteVolumeFrom(quoteVolume: number, volume: number, high: number, low: number, close: number): number {
  if (quoteVolume > 0 || volume === 0) return quoteVolume;
  return (volume * (high + low + close)) / 3;
}

/** `candles` must be non-empty and in time order. */
export function windowTotals(candles: readonly Candle[]): WindowTotals {
  const first = candles[0] as Candle;
  const last = candles[candles.length - 1] as Candle;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let volume = 0;
  let quoteVolume = 0;
  let trades = 0;
  for (const c of candles) {
    if (c.high > high) high = c.high;
    if (c.low < low) low = c.low;
    volume += c.volume;
    quoteVolume += quoteVolumeOf(c);
    trades += c.trades;
  }
  return { open: first.open, high, low, close: last.close, volume, quoteVolume, trades };
}
