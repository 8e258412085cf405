/**
 * How Binance prints numbers: spot pads every price and quantity to 8 decimals ("0.01634790"); futures prints each
 * contract at its own precision ("0.2413"). Times and counts are JSON numbers, prices and volumes strings.
 */
import type { Candle } from "../../core/candle.js";
import type { Interval } from "../../core/interval.js";
import type { MarketType } from "../../exchange/exchange.js";
import { DEFAULT_PRECISION, type SymbolPrecision } from "./market-data.js";

export interface WireFormat {
  readonly precision: SymbolPrecision;
  price(v: number): string;
  qty(v: number): string;
  quote(v: number): string;
}

export function wireFormat(market: MarketType, precision: SymbolPrecision = DEFAULT_PRECISION): WireFormat {
  if (market === "spot") {
    const eight = (v: number) => v.toFixed(8);
    return { precision, price: eight, qty: eight, quote: eight };
  }
  return {
    precision,
    price: (v) => v.toFixed(precision.price),
    qty: (v) => v.toFixed(precision.quantity),
    quote: (v) => v.toFixed(precision.quote),
  };
}

export type KlineRow = [number, string, string, string, string, string, number, string, number, string, string, string];

/** The 12-element REST kline array, exactly as /api/v3/klines and /fapi/v1/klines send it. */
export function klineRow(c: Candle, f: WireFormat): KlineRow {
  return [
    c.openTime,
    f.price(c.open),
    f.price(c.high),
    f.price(c.low),
    f.price(c.close),
    f.qty(c.volume),
    c.closeTime,
    f.quote(c.quoteVolume),
    c.trades,
    f.qty(c.takerBuyBase),
    f.quote(c.takerBuyQuote),
    "0",
  ];
}

/**
 * Trade ids are not recorded in the dumps; these are stable, increasing with time, and span the candle's trade count.
 * -1 when nothing traded, as Binance reports an empty window.
 */
export function tradeIds(openTime: number, trades: number): { first: number; last: number } {
  return trades > 0 ? { first: openTime, last: openTime + trades - 1 } : { first: -1, last: -1 };
}

/** The `<symbol>@kline_<interval>` event payload. */
export function klineEvent(symbol: string, interval: Interval, c: Candle, f: WireFormat, eventTime: number) {
  const ids = tradeIds(c.openTime, c.trades);
  return {
    e: "kline",
    E: eventTime,
    s: symbol,
    k: {
      t: c.openTime,
      T: c.closeTime,
      s: symbol,
      i: interval,
      f: ids.first,
      L: ids.last,
      o: f.price(c.open),
      c: f.price(c.close),
      h: f.price(c.high),
      l: f.price(c.low),
      v: f.qty(c.volume),
      n: c.trades,
      x: c.closed,
      q: f.quote(c.quoteVolume),
      V: f.qty(c.takerBuyBase),
      Q: f.quote(c.takerBuyQuote),
      B: "0",
    },
  };
}

/** A decimal string without trailing zeros ("0.0100" → "0.01", "5.0" → "5"), as futures filters print limits. */
export function plainDecimal(v: number, decimals: number): string {
  const s = v.toFixed(decimals);
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
