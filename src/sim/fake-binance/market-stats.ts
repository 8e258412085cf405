/**
 * Tickers and order books derived from the candles: rolling 24 h statistics up to the server's now, and a synthetic
 * but deterministic order book whose best bid is the last price. Shapes and field order follow Binance's replies.
 */
import { DAY } from "../../core/interval.js";
import type { MarketType } from "../../exchange/exchange.js";
import { fnv1a, hash01 } from "./hash.js";
import { type FakeMarketData, type WindowStats, windowFromCandles } from "./market-data.js";
import { type WireFormat, wireFormat } from "./wire-format.js";

const listedCache = new WeakMap<FakeMarketData, Set<string>>();

/** A symbol exists once its first candle has opened; before that Binance would not know it (-1121). */
export function isListed(md: FakeMarketData, symbol: string, now: number): boolean {
  let set = listedCache.get(md);
  if (!set) {
    set = new Set(md.symbols());
    listedCache.set(md, set);
  }
  if (!set.has(symbol)) return false;
  const first = md.firstOpenTime(symbol);
  return first !== undefined && first <= now;
}

export function listedSymbols(md: FakeMarketData, now: number): string[] {
  return md.symbols().filter((s) => isListed(md, s, now));
}

export function formatFor(market: MarketType, md: FakeMarketData, symbol: string): WireFormat {
  return wireFormat(market, md.precision?.(symbol));
}

export function windowStats(md: FakeMarketData, symbol: string, from: number, now: number): WindowStats | undefined {
  return md.window ? md.window(symbol, from, now) : windowFromCandles(md, symbol, from, now);
}

export function lastPrice(md: FakeMarketData, symbol: string, now: number): number | undefined {
  return windowStats(md, symbol, now - 1, now)?.close;
}

export interface Book {
  readonly lastUpdateId: number;
  readonly bids: [number, number][];
  readonly asks: [number, number][];
}

/**
 * `levels` price levels a side, one tick apart, around the last price. Quantities are worth roughly 50-5000 quote
 * units per level and change every second of server time, like a live book.
 */
export function orderBook(md: FakeMarketData, symbol: string, now: number, levels: number): Book | undefined {
  const price = lastPrice(md, symbol, now);
  if (price === undefined) return undefined;
  const p = md.precision?.(symbol) ?? { price: 8, quantity: 8, quote: 8 };
  const tick = 10 ** -p.price;
  const step = 10 ** -p.quantity;
  const key = fnv1a(symbol);
  const second = Math.floor(now / 1000);
  const bestBidUnits = Math.max(1, Math.floor(price / tick + 1e-9));
  const qty = (side: number, i: number, at: number) => {
    const notional = 50 + 4950 * hash01(key, side, i, second) ** 3;
    const units = Math.max(1, Math.round(notional / at / step));
    return Number((units * step).toFixed(p.quantity));
  };
  const bids: [number, number][] = [];
  const asks: [number, number][] = [];
  for (let i = 0; i < levels; i++) {
    const bidUnits = bestBidUnits - i;
    if (bidUnits >= 1) {
      const bid = Number((bidUnits * tick).toFixed(p.price));
      bids.push([bid, qty(1, i, bid)]);
    }
    const ask = Number(((bestBidUnits + 1 + i) * tick).toFixed(p.price));
    asks.push([ask, qty(2, i, ask)]);
  }
  return { lastUpdateId: Math.floor(now / 10), bids, asks };
}

/** Stable trade ids spanning the window's trade count; -1 when nothing traded (as Binance reports it). */
function ids(trades: number, now: number): { firstId: number; lastId: number } {
  if (trades <= 0) return { firstId: -1, lastId: -1 };
  const lastId = Math.floor(now / 10);
  return { firstId: lastId - trades + 1, lastId };
}

function changes(s: WindowStats, f: WireFormat) {
  const change = s.close - s.open;
  return {
    priceChange: f.price(change),
    priceChangePercent: (s.open > 0 ? (change / s.open) * 100 : 0).toFixed(3),
    weightedAvgPrice: f.price(s.volume > 0 ? s.quoteVolume / s.volume : s.close),
  };
}

/** Size of a typical trade: the window's average where trades were counted, else about 1000 quote units. */
function lastQty(s: WindowStats, f: WireFormat): string {
  if (s.volume <= 0 || s.close <= 0) return f.qty(0);
  const step = 10 ** -f.precision.quantity;
  const typical = s.trades > 0 ? s.volume / s.trades : 1000 / s.close;
  return f.qty(Math.min(s.volume, Math.max(step, Math.round(typical / step) * step)));
}

export function spotTicker24h(
  symbol: string,
  s: WindowStats,
  f: WireFormat,
  book: Book | undefined,
  now: number,
  type: "FULL" | "MINI",
) {
  const id = ids(s.trades, now);
  if (type === "MINI") {
    return {
      symbol,
      openPrice: f.price(s.open),
      highPrice: f.price(s.high),
      lowPrice: f.price(s.low),
      lastPrice: f.price(s.close),
      volume: f.qty(s.volume),
      quoteVolume: f.quote(s.quoteVolume),
      openTime: now - DAY,
      closeTime: now,
      ...id,
      count: s.trades,
    };
  }
  const bid = book?.bids[0];
  const ask = book?.asks[0];
  return {
    symbol,
    ...changes(s, f),
    prevClosePrice: f.price(s.prevClose),
    lastPrice: f.price(s.close),
    lastQty: lastQty(s, f),
    bidPrice: f.price(bid?.[0] ?? s.close),
    bidQty: f.qty(bid?.[1] ?? 0),
    askPrice: f.price(ask?.[0] ?? s.close),
    askQty: f.qty(ask?.[1] ?? 0),
    openPrice: f.price(s.open),
    highPrice: f.price(s.high),
    lowPrice: f.price(s.low),
    volume: f.qty(s.volume),
    quoteVolume: f.quote(s.quoteVolume),
    openTime: now - DAY,
    closeTime: now,
    ...id,
    count: s.trades,
  };
}

export function futuresTicker24h(symbol: string, s: WindowStats, f: WireFormat, now: number) {
  return {
    symbol,
    ...changes(s, f),
    lastPrice: f.price(s.close),
    lastQty: lastQty(s, f),
    openPrice: f.price(s.open),
    highPrice: f.price(s.high),
    lowPrice: f.price(s.low),
    volume: f.qty(s.volume),
    quoteVolume: f.quote(s.quoteVolume),
    openTime: now - DAY,
    closeTime: now,
    ...ids(s.trades, now),
    count: s.trades,
  };
}

export function bookTop(symbol: string, book: Book, f: WireFormat) {
  const bid = book.bids[0] ?? [0, 0];
  const ask = book.asks[0] ?? [0, 0];
  return {
    symbol,
    bidPrice: f.price(bid[0]),
    bidQty: f.qty(bid[1]),
    askPrice: f.price(ask[0]),
    askQty: f.qty(ask[1]),
  };
}

export function depthLevels(levels: readonly [number, number][], f: WireFormat): [string, string][] {
  return levels.map(([p, q]) => [f.price(p), f.qty(q)]);
}
