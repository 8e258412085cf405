/** Names one stored candle series. */
import type { Interval } from "../core/interval.js";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";

export interface SeriesKey {
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly symbol: string;
  readonly interval: Interval;
}

/** `binance spot BTCUSDT 1h`: for log lines, reports and error messages. */
export function seriesLabel(key: SeriesKey): string {
  return `${key.exchange} ${key.market} ${key.symbol} ${key.interval}`;
}

/** A stable map key for a series. */
export function seriesId(key: SeriesKey): string {
  return `${key.exchange}|${key.market}|${key.symbol}|${key.interval}`;
}
