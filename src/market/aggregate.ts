/**
 * Folds consecutive candles (possibly of different intervals, e.g. the closed days, hours and minutes of a month so
 * far) into one candle, with the same rules as `resample`: a zero-volume candle (a halt) repeats the last price and
 * does not set the open, high, low or close unless the whole span is empty.
 */
import type { Candle } from "../core/candle.js";

export function aggregateCandles(
  parts: readonly Candle[],
  openTime: number,
  closeTime: number,
  closed: boolean,
): Candle | undefined {
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!first || !last) return undefined;
  let open = Number.NaN;
  let close = Number.NaN;
  let high = Number.NEGATIVE_INFINITY;
  let low = Number.POSITIVE_INFINITY;
  let volume = 0;
  let quoteVolume = 0;
  let trades = 0;
  let takerBuyBase = 0;
  let takerBuyQuote = 0;
  for (const c of parts) {
    if (c.volume > 0) {
      if (Number.isNaN(open)) open = c.open;
      close = c.close;
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
    }
    volume += c.volume;
    quoteVolume += c.quoteVolume;
    trades += c.trades;
    takerBuyBase += c.takerBuyBase;
    takerBuyQuote += c.takerBuyQuote;
  }
  if (Number.isNaN(open)) {
    open = first.open;
    close = last.close;
    for (const c of parts) {
      if (c.high > high) high = c.high;
      if (c.low < low) low = c.low;
    }
  }
  return {
    openTime,
    closeTime,
    open,
    high,
    low,
    close,
    volume,
    quoteVolume,
    trades,
    takerBuyBase,
    takerBuyQuote,
    closed,
  };
}
