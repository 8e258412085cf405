import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { Market, Ticker24h } from "../../src/exchange/exchange.js";
import { selectUniverse } from "../../src/market/universe.js";

function market(symbol: string, over: Partial<Market> = {}): Market {
  const quote = symbol.endsWith("USDT") ? "USDT" : symbol.slice(-3);
  return {
    symbol,
    baseAsset: symbol.slice(0, -quote.length),
    quoteAsset: quote,
    status: "TRADING",
    type: "spot",
    tickSize: 0.01,
    stepSize: 0.001,
    minQty: 0.001,
    minNotional: 5,
    ...over,
  };
}

function ticker(symbol: string, quoteVolume: number): Ticker24h {
  return {
    symbol,
    lastPrice: 1,
    priceChangePercent: 0,
    openPrice: 1,
    highPrice: 1,
    lowPrice: 1,
    volume: quoteVolume,
    quoteVolume,
    openTime: 0,
    closeTime: 1,
    trades: 10,
  };
}

const markets = [
  market("BTCUSDT"),
  market("ETHUSDT"),
  market("SOLUSDT"),
  market("DOGEUSDT"),
  market("PEPEUSDT"),
  market("USDCUSDT"),
  market("ETHBTC"),
  market("LUNAUSDT", { status: "BREAK" }),
];
const tickers = [
  ticker("BTCUSDT", 2e9),
  ticker("ETHUSDT", 1e9),
  ticker("SOLUSDT", 4e8),
  ticker("DOGEUSDT", 1e8),
  ticker("PEPEUSDT", 3e6),
  ticker("USDCUSDT", 5e9),
  ticker("ETHBTC", 9e9),
  ticker("LUNAUSDT", 8e9),
];

describe("selectUniverse", () => {
  it("keeps trading USDT markets above the volume floor, most liquid first, without stablecoin pairs", () => {
    const u = selectUniverse(markets, tickers, { minQuoteVolume: 5e7 });
    expect(u.map((e) => e.symbol)).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT", "DOGEUSDT"]);
    expect(u[0]).toMatchObject({ market: markets[0], ticker: tickers[0], quoteVolume: 2e9, reason: "volume" });
    expect(selectUniverse(markets, tickers, { includeStablecoins: true }).map((e) => e.symbol)[0]).toBe("USDCUSDT");
    expect(selectUniverse(markets, tickers, { quoteAsset: "btc" }).map((e) => e.symbol)).toEqual(["ETHBTC"]);
  });

  it("caps the count, lets include win over the volume floor and take slots first, and applies exclude", () => {
    const u = selectUniverse(markets, tickers, {
      minQuoteVolume: 5e7,
      maxSymbols: 3,
      include: ["pepeusdt"],
      exclude: ["ETHUSDT"],
    });
    expect(u.map((e) => [e.symbol, e.reason])).toEqual([
      ["BTCUSDT", "volume"],
      ["SOLUSDT", "volume"],
      ["PEPEUSDT", "included"],
    ]);
  });

  it("keeps an included market that has no ticker, at the end", () => {
    const u = selectUniverse(
      markets,
      tickers.filter((t) => t.symbol !== "DOGEUSDT"),
      { include: ["DOGEUSDT"], maxSymbols: 2 },
    );
    expect(u.map((e) => [e.symbol, e.ticker?.symbol, e.quoteVolume])).toEqual([
      ["BTCUSDT", "BTCUSDT", 2e9],
      ["DOGEUSDT", undefined, 0],
    ]);
  });

  it("rejects contradictory or impossible filters with a clear message", () => {
    expect(() => selectUniverse(markets, tickers, { include: ["BTCUSDT"], exclude: ["btcusdt"] })).toThrow(
      /both included and excluded/,
    );
    expect(() => selectUniverse(markets, tickers, { include: ["BTCUSTD"] })).toThrow(
      /not listed on the exchange: BTCUSTD/,
    );
    expect(() => selectUniverse(markets, tickers, { include: ["BTCUSDT", "ETHUSDT"], maxSymbols: 1 })).toThrow(
      UsageError,
    );
    expect(() => selectUniverse(markets, tickers, { minQuoteVolume: Number.NaN })).toThrow(UsageError);
    expect(() => selectUniverse(markets, tickers, { maxSymbols: 0 })).toThrow(UsageError);
  });

  it("takes only perpetual futures", () => {
    const fut = [
      market("BTCUSDT", { type: "futures", contractType: "PERPETUAL" }),
      market("BTCUSDT_261225", {
        type: "futures",
        contractType: "CURRENT_QUARTER",
        quoteAsset: "USDT",
        baseAsset: "BTC",
      }),
    ];
    const u = selectUniverse(fut, [ticker("BTCUSDT", 1), ticker("BTCUSDT_261225", 2)], {});
    expect(u.map((e) => e.symbol)).toEqual(["BTCUSDT"]);
  });
});
