/**
 * Validation and conversion of Binance JSON bodies (shapes as documented in the sources endpoints.ts cites) into the
 * system's types. Nothing leaves here unchecked: strings become finite numbers or a ShapeError naming the row and
 * field; every candle passes assertValidCandle and the interval's alignment, so no NaN or misplaced candle enters
 * the system.
 */
import { assertValidCandle, type Candle } from "../../core/candle.js";
import { closeTimeOf, type Interval, isAligned } from "../../core/interval.js";
import type { Market, MarketType, Ticker24h } from "../exchange.js";
import { asArray, asBoolean, asDecimal, asInteger, asObject, asString, ShapeError } from "../http/json-shape.js";

/**
 * Kline rows → candles, oldest first. `serverNow` is the exchange's time when the request was answered (a lower
 * bound): a candle whose close time is at or after it was still forming and gets `closed: false`.
 */
export function parseKlines(body: unknown, interval: Interval, serverNow: number): Candle[] {
  const rows = asArray(body, "body");
  const out: Candle[] = [];
  let prev = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < rows.length; i++) {
    const where = `row ${i}`;
    const r = asArray(rows[i], where);
    if (r.length < 11) throw new ShapeError(`${where} has ${r.length} fields, expected 12`);
    const openTime = asInteger(r[0], `${where} open time`);
    const closeTime = asInteger(r[6], `${where} close time`);
    if (!isAligned(interval, openTime)) {
      throw new ShapeError(
        `${where} opens at ${new Date(openTime).toISOString()}, which is not a ${interval} boundary`,
      );
    }
    if (closeTime !== closeTimeOf(interval, openTime)) {
      throw new ShapeError(
        `${where} closes at ${closeTime}, expected ${closeTimeOf(interval, openTime)} for ${interval}`,
      );
    }
    if (openTime <= prev) throw new ShapeError(`${where} is out of order (open time ${openTime} after ${prev})`);
    prev = openTime;
    const c: Candle = {
      openTime,
      closeTime,
      open: asDecimal(r[1], `${where} open`),
      high: asDecimal(r[2], `${where} high`),
      low: asDecimal(r[3], `${where} low`),
      close: asDecimal(r[4], `${where} close`),
      volume: asDecimal(r[5], `${where} volume`),
      quoteVolume: asDecimal(r[7], `${where} quote volume`),
      trades: asInteger(r[8], `${where} number of trades`),
      takerBuyBase: asDecimal(r[9], `${where} taker buy base volume`),
      takerBuyQuote: asDecimal(r[10], `${where} taker buy quote volume`),
      closed: closeTime < serverNow,
    };
    try {
      assertValidCandle(c, where);
    } catch (err) {
      throw new ShapeError((err as Error).message);
    }
    out.push(c);
  }
  return out;
}

/**
 * One kline-stream event's `k` object (the WS payload) → a candle, closed per its `x` flag.
 */
export function parseStreamKline(k: unknown, interval: Interval): Candle {
  const o = asObject(k, "k");
  const openTime = asInteger(o.t, "k.t (open time)");
  const closeTime = asInteger(o.T, "k.T (close time)");
  if (!isAligned(interval, openTime) || closeTime !== closeTimeOf(interval, openTime)) {
    throw new ShapeError(`k.t/k.T (${openTime}/${closeTime}) do not delimit a ${interval} candle`);
  }
  const c: Candle = {
    openTime,
    closeTime,
    open: asDecimal(o.o, "k.o (open)"),
    high: asDecimal(o.h, "k.h (high)"),
    low: asDecimal(o.l, "k.l (low)"),
    close: asDecimal(o.c, "k.c (close)"),
    volume: asDecimal(o.v, "k.v (volume)"),
    quoteVolume: asDecimal(o.q, "k.q (quote volume)"),
    trades: asInteger(o.n, "k.n (trades)"),
    takerBuyBase: asDecimal(o.V, "k.V (taker buy base volume)"),
    takerBuyQuote: asDecimal(o.Q, "k.Q (taker buy quote volume)"),
    closed: asBoolean(o.x, "k.x (closed)"),
  };
  try {
    assertValidCandle(c, "kline event");
  } catch (err) {
    throw new ShapeError((err as Error).message);
  }
  return c;
}

export function parseServerTime(body: unknown): number {
  const t = asInteger(asObject(body, "body").serverTime, "serverTime");
  if (t <= 0) throw new ShapeError(`serverTime is ${t}, expected epoch milliseconds`);
  return t;
}

export interface ExchangeInfo {
  /** REQUEST_WEIGHT per 1 MINUTE from `rateLimits`, when listed. */
  readonly weightLimitPerMinute: number | undefined;
  readonly markets: Market[];
}

function filterNumber(
  filters: Map<string, Record<string, unknown>>,
  type: string,
  key: string,
  where: string,
): number | undefined {
  const f = filters.get(type);
  if (!f || f[key] === undefined) return undefined;
  return asDecimal(f[key], `${where} ${type}.${key}`);
}

/**
 * `exchangeInfo` → the weight limit and the markets the scanner trades: spot symbols TRADING, quoted in USDT and
 * open for spot trading; futures PERPETUAL contracts quoted in USDT and TRADING. Filter values absent → 0.
 */
export function parseExchangeInfo(body: unknown, market: MarketType): ExchangeInfo {
  const o = asObject(body, "body");
  let weightLimitPerMinute: number | undefined;
  if (o.rateLimits !== undefined) {
    const limits = asArray(o.rateLimits, "rateLimits");
    for (let i = 0; i < limits.length; i++) {
      const l = asObject(limits[i], `rateLimits[${i}]`);
      if (l.rateLimitType === "REQUEST_WEIGHT" && l.interval === "MINUTE" && l.intervalNum === 1) {
        const limit = asInteger(l.limit, `rateLimits[${i}].limit`);
        if (limit <= 0) throw new ShapeError(`rateLimits[${i}].limit is ${limit}, expected a positive weight`);
        weightLimitPerMinute = limit;
      }
    }
  }
  const symbols = asArray(o.symbols, "symbols");
  const markets: Market[] = [];
  for (let i = 0; i < symbols.length; i++) {
    const s = asObject(symbols[i], `symbols[${i}]`);
    const symbol = asString(s.symbol, `symbols[${i}].symbol`);
    const where = `symbol ${symbol}`;
    const status = asString(s.status, `${where} status`);
    const quoteAsset = asString(s.quoteAsset, `${where} quoteAsset`);
    if (status !== "TRADING" || quoteAsset !== "USDT") continue;
    if (
      market === "spot" &&
      s.isSpotTradingAllowed !== undefined &&
      !asBoolean(s.isSpotTradingAllowed, `${where} isSpotTradingAllowed`)
    )
      continue;
    let contractType: string | undefined;
    if (market === "futures") {
      contractType = asString(s.contractType, `${where} contractType`);
      if (contractType !== "PERPETUAL") continue;
    }
    const filters = new Map<string, Record<string, unknown>>();
    for (const [j, f] of asArray(s.filters ?? [], `${where} filters`).entries()) {
      const fo = asObject(f, `${where} filters[${j}]`);
      if (typeof fo.filterType === "string") filters.set(fo.filterType, fo);
    }
    const minNotional =
      filterNumber(filters, "NOTIONAL", "minNotional", where) ??
      filterNumber(filters, "MIN_NOTIONAL", "minNotional", where) ??
      filterNumber(filters, "MIN_NOTIONAL", "notional", where) ??
      0;
    const m: Market = {
      symbol,
      baseAsset: asString(s.baseAsset, `${where} baseAsset`),
      quoteAsset,
      status,
      type: market,
      tickSize: filterNumber(filters, "PRICE_FILTER", "tickSize", where) ?? 0,
      stepSize: filterNumber(filters, "LOT_SIZE", "stepSize", where) ?? 0,
      minQty: filterNumber(filters, "LOT_SIZE", "minQty", where) ?? 0,
      minNotional,
      ...(contractType !== undefined ? { contractType } : {}),
      ...(s.onboardDate !== undefined ? { listedAt: asInteger(s.onboardDate, `${where} onboardDate`) } : {}),
    };
    markets.push(m);
  }
  return { weightLimitPerMinute, markets };
}

/** `ticker/24hr` without a symbol: one object per symbol. */
export function parseTickers24h(body: unknown): Ticker24h[] {
  return asArray(body, "body").map((row, i) => {
    const o = asObject(row, `ticker ${i}`);
    const symbol = asString(o.symbol, `ticker ${i} symbol`);
    const w = `${symbol}`;
    return {
      symbol,
      lastPrice: asDecimal(o.lastPrice, `${w} lastPrice`),
      priceChangePercent: asDecimal(o.priceChangePercent, `${w} priceChangePercent`),
      openPrice: asDecimal(o.openPrice, `${w} openPrice`),
      highPrice: asDecimal(o.highPrice, `${w} highPrice`),
      lowPrice: asDecimal(o.lowPrice, `${w} lowPrice`),
      volume: asDecimal(o.volume, `${w} volume`),
      quoteVolume: asDecimal(o.quoteVolume, `${w} quoteVolume`),
      openTime: asInteger(o.openTime, `${w} openTime`),
      closeTime: asInteger(o.closeTime, `${w} closeTime`),
      trades: asInteger(o.count, `${w} count`),
    };
  });
}
