import { describe, expect, it } from "vitest";
import { ExchangeApiError, InvalidIntervalError, UnknownSymbolError } from "../../src/core/errors.js";
import { BINANCE_ERROR_CODES } from "../../src/exchange/binance/error-codes.js";
import {
  parseExchangeInfo,
  parseKlines,
  parseServerTime,
  parseStreamKline,
  parseTickers24h,
} from "../../src/exchange/binance/parse.js";
import {
  binanceResponsePolicy,
  parseBannedUntil,
  usedWeightHeader,
} from "../../src/exchange/binance/response-policy.js";
import { decodeJson, parseRetryAfter, type RawResponse } from "../../src/exchange/http/fetch-text.js";
import { ShapeError } from "../../src/exchange/http/json-shape.js";

const H = 3_600_000;
const t0 = Date.UTC(2024, 0, 1);
const row = (open: number, o = "100.5", h = "101", l = "99", c = "100") => [
  open,
  o,
  h,
  l,
  c,
  "12.5",
  open + H - 1,
  "1250.0",
  42,
  "6.0",
  "600.0",
  "0",
];

describe("parseKlines", () => {
  it("converts rows to numeric candles and flags the one not yet closed at server time", () => {
    const now = t0 + 2 * H + 5;
    const cs = parseKlines([row(t0), row(t0 + H), row(t0 + 2 * H)], "1h", now);
    expect(cs).toHaveLength(3);
    expect(cs[0]).toEqual({
      openTime: t0,
      closeTime: t0 + H - 1,
      open: 100.5,
      high: 101,
      low: 99,
      close: 100,
      volume: 12.5,
      quoteVolume: 1250,
      trades: 42,
      takerBuyBase: 6,
      takerBuyQuote: 600,
      closed: true,
    });
    expect(cs.map((c) => c.closed)).toEqual([true, true, false]);
    // closeTime >= now → still forming
    expect(parseKlines([row(t0)], "1h", t0 + H - 1)[0]!.closed).toBe(false);
    expect(parseKlines([row(t0)], "1h", t0 + H)[0]!.closed).toBe(true);
  });

  it("rejects NaN, non-numeric and empty prices, naming the row and field", () => {
    expect(() => parseKlines([row(t0), row(t0 + H, "NaN")], "1h", t0)).toThrow(/row 1 open is "NaN"/);
    expect(() => parseKlines([row(t0, "abc")], "1h", t0)).toThrow(ShapeError);
    expect(() => parseKlines([row(t0, "")], "1h", t0)).toThrow(/expected a decimal/);
    const bad = row(t0);
    bad[5] = "Infinity";
    expect(() => parseKlines([bad], "1h", t0)).toThrow(/volume/);
  });

  it("rejects wrong shapes, misalignment, disorder and inconsistent OHLC", () => {
    expect(() => parseKlines({ code: 0 }, "1h", t0)).toThrow(/body is object, expected an array/);
    expect(() => parseKlines([[t0, "1"]], "1h", t0)).toThrow(/2 fields/);
    expect(() => parseKlines([row(t0 + 1)], "1h", t0)).toThrow(/not a 1h boundary/);
    expect(() => parseKlines([row(t0 + H), row(t0)], "1h", t0)).toThrow(/out of order/);
    expect(() => parseKlines([row(t0, "100", "99", "98", "100")], "1h", t0)).toThrow(/inconsistent prices/);
    const wrongClose = row(t0);
    wrongClose[6] = t0 + 2 * H - 1;
    expect(() => parseKlines([wrongClose], "1h", t0)).toThrow(/closes at/);
  });

  it("checks calendar alignment of 1w (Monday), 1M (1st of month) and 3d (epoch-aligned)", () => {
    const monday = Date.UTC(2024, 0, 1); // a Monday
    const week = [monday, "1", "1", "1", "1", "0", monday + 7 * 24 * H - 1, "0", 0, "0", "0", "0"];
    expect(parseKlines([week], "1w", monday + 1)[0]!.openTime).toBe(monday);
    const tuesday = monday + 24 * H;
    expect(() =>
      parseKlines([[tuesday, "1", "1", "1", "1", "0", tuesday + 7 * 24 * H - 1, "0", 0, "0", "0", "0"]], "1w", 0),
    ).toThrow(/not a 1w boundary/);
    const feb = Date.UTC(2024, 1, 1);
    const month = [feb, "1", "1", "1", "1", "0", Date.UTC(2024, 2, 1) - 1, "0", 0, "0", "0", "0"];
    expect(parseKlines([month], "1M", feb)[0]!.closeTime).toBe(Date.UTC(2024, 2, 1) - 1);
    const d3 = 1499990400000; // floor(t / 1d) % 3 == 0
    const three = [d3, "1", "1", "1", "1", "0", d3 + 72 * H - 1, "0", 0, "0", "0", "0"];
    expect(parseKlines([three], "3d", d3)[0]!.openTime).toBe(d3);
    expect(() => parseKlines([[d3 + 24 * H, ...three.slice(1)]], "3d", d3)).toThrow(/3d boundary/);
  });
});

describe("other Binance bodies", () => {
  it("parses a WS kline event payload", () => {
    const k = {
      t: t0,
      T: t0 + H - 1,
      s: "BTCUSDT",
      i: "1h",
      o: "1",
      c: "2",
      h: "3",
      l: "0.5",
      v: "10",
      n: 5,
      x: true,
      q: "15",
      V: "4",
      Q: "6",
      B: "0",
    };
    expect(parseStreamKline(k, "1h")).toMatchObject({ openTime: t0, close: 2, high: 3, closed: true, trades: 5 });
    expect(() => parseStreamKline({ ...k, c: "NaN" }, "1h")).toThrow(/k.c/);
    expect(() => parseStreamKline({ ...k, x: "yes" }, "1h")).toThrow(/k.x/);
  });

  it("reads the weight limit and USDT markets with their filters from exchangeInfo", () => {
    const spot = {
      rateLimits: [
        { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
        { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 300000 },
      ],
      symbols: [
        {
          symbol: "BTCUSDT",
          status: "TRADING",
          baseAsset: "BTC",
          quoteAsset: "USDT",
          isSpotTradingAllowed: true,
          filters: [
            {
              filterType: "PRICE_FILTER",
              minPrice: "0.01000000",
              maxPrice: "1000000.00000000",
              tickSize: "0.01000000",
            },
            { filterType: "LOT_SIZE", minQty: "0.00001000", maxQty: "9000.00000000", stepSize: "0.00001000" },
            { filterType: "NOTIONAL", minNotional: "5.00000000", applyMinToMarket: true },
          ],
        },
        {
          symbol: "OLDUSDT",
          status: "TRADING",
          baseAsset: "OLD",
          quoteAsset: "USDT",
          filters: [{ filterType: "MIN_NOTIONAL", minNotional: "10.00000000" }],
        },
        { symbol: "ETHBTC", status: "TRADING", baseAsset: "ETH", quoteAsset: "BTC", filters: [] },
        { symbol: "HALTUSDT", status: "BREAK", baseAsset: "HALT", quoteAsset: "USDT", filters: [] },
        { symbol: "NOSPOTUSDT", status: "TRADING", baseAsset: "X", quoteAsset: "USDT", isSpotTradingAllowed: false },
      ],
    };
    const info = parseExchangeInfo(spot, "spot");
    expect(info.weightLimitPerMinute).toBe(6000);
    expect(info.markets.map((m) => m.symbol)).toEqual(["BTCUSDT", "OLDUSDT"]);
    expect(info.markets[0]).toEqual({
      symbol: "BTCUSDT",
      baseAsset: "BTC",
      quoteAsset: "USDT",
      status: "TRADING",
      type: "spot",
      tickSize: 0.01,
      stepSize: 0.00001,
      minQty: 0.00001,
      minNotional: 5,
    });
    expect(info.markets[1]!.minNotional).toBe(10);

    const fut = {
      rateLimits: [{ rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 2400 }],
      symbols: [
        {
          symbol: "BLZUSDT",
          contractType: "PERPETUAL",
          status: "TRADING",
          baseAsset: "BLZ",
          quoteAsset: "USDT",
          onboardDate: 1598252400000,
          filters: [
            { filterType: "PRICE_FILTER", tickSize: "0.0001" },
            { filterType: "LOT_SIZE", minQty: "1", stepSize: "1" },
            { filterType: "MIN_NOTIONAL", notional: "5.0" },
          ],
        },
        {
          symbol: "BTCUSDT_261225",
          contractType: "CURRENT_QUARTER",
          status: "TRADING",
          baseAsset: "BTC",
          quoteAsset: "USDT",
        },
        { symbol: "BTCUSD", contractType: "PERPETUAL", status: "TRADING", baseAsset: "BTC", quoteAsset: "USD" },
      ],
    };
    const f = parseExchangeInfo(fut, "futures");
    expect(f.weightLimitPerMinute).toBe(2400);
    expect(f.markets).toEqual([
      {
        symbol: "BLZUSDT",
        baseAsset: "BLZ",
        quoteAsset: "USDT",
        status: "TRADING",
        type: "futures",
        contractType: "PERPETUAL",
        tickSize: 0.0001,
        stepSize: 1,
        minQty: 1,
        minNotional: 5,
        listedAt: 1598252400000,
      },
    ]);
    expect(() =>
      parseExchangeInfo(
        {
          symbols: [
            {
              symbol: "X",
              status: "TRADING",
              baseAsset: "X",
              quoteAsset: "USDT",
              filters: [{ filterType: "PRICE_FILTER", tickSize: "x" }],
            },
          ],
        },
        "spot",
      ),
    ).toThrow(/PRICE_FILTER.tickSize/);
    expect(() => parseExchangeInfo({}, "spot")).toThrow(/symbols is missing/);
  });

  it("parses tickers, book tops and server time, rejecting NaN", () => {
    const t = {
      symbol: "BTCUSDT",
      priceChangePercent: "1.5",
      lastPrice: "100",
      openPrice: "98.5",
      highPrice: "101",
      lowPrice: "97",
      volume: "10",
      quoteVolume: "1000",
      openTime: 1,
      closeTime: 2,
      count: 7,
    };
    expect(parseTickers24h([t])).toEqual([
      {
        symbol: "BTCUSDT",
        lastPrice: 100,
        priceChangePercent: 1.5,
        openPrice: 98.5,
        highPrice: 101,
        lowPrice: 97,
        volume: 10,
        quoteVolume: 1000,
        openTime: 1,
        closeTime: 2,
        trades: 7,
      },
    ]);
    expect(() => parseTickers24h([{ ...t, lastPrice: "NaN" }])).toThrow(/BTCUSDT lastPrice/);
    expect(parseServerTime({ serverTime: 1700000000000 })).toBe(1700000000000);
    expect(() => parseServerTime({ serverTime: "soon" })).toThrow(ShapeError);
  });
});

function raw(
  status: number,
  body: string,
  headers: Record<string, string> = {},
  contentType = "application/json",
): RawResponse {
  const h = new Headers({ "content-type": contentType, ...headers });
  return { status, headers: h, body, contentType };
}

describe("Binance response policy", () => {
  const policy = binanceResponsePolicy("futures");
  const now = 1_700_000_000_000;
  const ctx = (r: RawResponse, query: Record<string, string> = {}) => ({
    now,
    request: { exchange: "binance", method: "GET", path: "/fapi/v1/klines" },
    query,
    json: decodeJson(r),
  });
  const verdict = (r: RawResponse, q?: Record<string, string>) => policy.verdict(r, ctx(r, q));

  it("reads the used weight header case-insensitively, with spot's legacy name as fallback", () => {
    expect(usedWeightHeader(new Headers({ "X-MBX-USED-WEIGHT-1M": "123" }))).toBe(123);
    expect(usedWeightHeader(new Headers({ "x-mbx-used-weight": "7" }))).toBe(7);
    expect(usedWeightHeader(new Headers({ "x-mbx-used-weight-1m": "lots" }))).toBeUndefined();
    expect(usedWeightHeader(new Headers())).toBeUndefined();
  });

  it("429 → rate limited with Retry-After; 418 → banned until Retry-After", () => {
    expect(verdict(raw(429, '{"code":-1003,"msg":"Too many requests"}', { "Retry-After": "7" }))).toMatchObject({
      kind: "rate-limited",
      retryAfterMs: 7000,
    });
    expect(verdict(raw(429, "{}"))).toMatchObject({ kind: "rate-limited", retryAfterMs: undefined });
    expect(verdict(raw(418, '{"code":-1003,"msg":"banned"}', { "retry-after": "120" }))).toMatchObject({
      kind: "banned",
      until: now + 120_000,
      retryAfterMs: 120_000,
    });
  });

  it("-1003 in a body is a rate limit, or a ban when it names the end of the ban", () => {
    expect(verdict(raw(400, '{"code":-1003,"msg":"Too much request weight used"}'))).toMatchObject({
      kind: "rate-limited",
    });
    const until = now + 3_600_000;
    expect(
      verdict(raw(400, `{"code":-1003,"msg":"Way too much request weight used; IP banned until ${until}."}`)),
    ).toMatchObject({ kind: "banned", until });
    expect(parseBannedUntil("IP banned until 1700000000000. Please")).toBe(1700000000000);
    expect(parseBannedUntil("no")).toBeUndefined();
  });

  it("5xx, 408 and transient codes → retry; HTML/truncated 2xx → bounded bad-body retry", () => {
    expect(verdict(raw(503, "Service Unavailable.", {}, "text/plain"))).toMatchObject({ kind: "retry", status: 503 });
    expect(verdict(raw(502, "<html><title>502 Bad Gateway</title></html>", {}, "text/html"))).toMatchObject({
      kind: "retry",
      status: 502,
    });
    expect(verdict(raw(408, "{}"))).toMatchObject({ kind: "retry" });
    expect(verdict(raw(400, '{"code":-1001,"msg":"Internal error"}'))).toMatchObject({ kind: "retry" });
    expect(verdict(raw(200, "<!DOCTYPE html><title>Just a moment...</title>", {}, "text/html"))).toMatchObject({
      kind: "retry",
      badBody: true,
      detail: 'an HTML page instead of JSON ("Just a moment...")',
    });
    expect(verdict(raw(200, '[[1,"2",'))).toMatchObject({ kind: "retry", badBody: true });
    expect((verdict(raw(200, '[[1,"2",')) as { detail: string }).detail).toMatch(/truncated or invalid JSON/);
  });

  it("4xx with a code → typed error without retry; -1121 names the symbol and hints at `cma markets`", () => {
    const v = verdict(raw(400, '{"code":-1121,"msg":"Invalid symbol."}'), { symbol: "FOOUSDT" });
    expect(v.kind).toBe("fail");
    const err = (v as { error: Error }).error as UnknownSymbolError;
    expect(err).toBeInstanceOf(UnknownSymbolError);
    expect(err.message).toBe("Unknown symbol FOOUSDT on Binance futures (Invalid symbol.)");
    expect(err.hint).toMatch(/cma markets/);
    expect(err.code).toBe(-1121);
    const iv = verdict(raw(400, '{"code":-1120,"msg":"Invalid interval."}'), { interval: "1s" });
    expect((iv as { error: Error }).error).toBeInstanceOf(InvalidIntervalError);
    const other = verdict(raw(400, '{"code":-1130,"msg":"Data sent for parameter \'limit\' is not valid."}'));
    const oe = (other as { error: Error }).error as ExchangeApiError;
    expect(oe).toBeInstanceOf(ExchangeApiError);
    expect(oe.code).toBe(-1130);
    expect(oe.message).toMatch(/-1130 INVALID_PARAMETER/);
    expect(oe.hint).toMatch(/1500/);
    const waf = verdict(raw(403, "<html>Forbidden</html>", {}, "text/html"));
    expect(((waf as { error: Error }).error as ExchangeApiError).hint).toMatch(/firewall/);
    expect(BINANCE_ERROR_CODES[-1121]!.name).toBe("BAD_SYMBOL");
  });

  it("a 2xx JSON body is ok; Retry-After accepts seconds or an HTTP date", () => {
    expect(verdict(raw(200, '{"serverTime":1}'))).toEqual({ kind: "ok", body: { serverTime: 1 } });
    expect(parseRetryAfter(new Headers({ "retry-after": "2" }), now)).toBe(2000);
    expect(parseRetryAfter(new Headers({ "retry-after": new Date(now + 5000).toUTCString() }), now)).toBe(5000);
    expect(parseRetryAfter(new Headers({ "retry-after": "soon" }), now)).toBeUndefined();
  });
});
