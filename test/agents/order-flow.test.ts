import { describe, expect, it } from "vitest";
import { CandleSeries } from "../../src/agents/candle-series.js";
import { analyzeSymbol } from "../../src/agents/symbol-analysis.js";
import {
  analyzeOrderFlow,
  type OrderFlowAvailable,
  orderFlowAgent,
  orderFlowOfCandle,
  resolveOrderFlowOptions,
} from "../../src/agents/order-flow.js";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { at, bundled, key, tempStore } from "../market/helpers.js";

const algo = bundled("futures", "ALGOUSDT", "1h");

function available(r: ReturnType<typeof analyzeOrderFlow>): OrderFlowAvailable {
  if (!r.available) throw new Error(`unavailable: ${r.reason}`);
  return r;
}

describe("order flow on real ALGOUSDT futures candles", () => {
  it("splits each candle into taker buys and sells (hand-checked against the file)", () => {
    // 2023-02-01 00:00: volume 9072455.7, taker buy base 4272573.0.
    const f = orderFlowOfCandle(algo[0]!);
    expect(f.openTime).toBe(at("2023-02-01T00:00:00Z"));
    expect(f.buyVolume).toBe(4272573.0);
    expect(f.sellVolume).toBeCloseTo(4799882.7, 6);
    expect(f.delta).toBeCloseTo(-527309.7, 6);
    expect(f.imbalance).toBeCloseTo(-527309.7 / 9072455.7, 12);
    // 02:00: volume 3104309.2, taker buy 1624093.1 → buyers were the aggressors.
    expect(orderFlowOfCandle(algo[2]!).delta).toBeCloseTo(143877.0, 6);
  });

  it("sums a window: cumulative delta, imbalance, bias", () => {
    const r = available(analyzeOrderFlow({ candles: algo.slice(0, 5) }, { window: 5 }));
    expect(r.candles).toBe(5);
    expect(r.from).toBe(at("2023-02-01T00:00:00Z"));
    expect(r.to).toBe(at("2023-02-01T05:00:00Z") - 1);
    // Deltas: −527309.7, −138074.7, +143877.0, +217788.3, +61064.3.
    const expected = [-527309.7, -665384.4, -521507.4, -303719.1, -242654.8];
    r.cumulativeDeltaSeries.forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 5);
    });
    expect(r.cumulativeDelta).toBeCloseTo(-242654.8, 5);
    expect(r.buyVolume + r.sellVolume).toBeCloseTo(24483964.6, 5);
    expect(r.buyVolume).toBeCloseTo(4272573.0 + 2108621.6 + 1624093.1 + 2227632.4 + 1887734.8, 5);
    expect(r.imbalance).toBeCloseTo(-242654.8 / 24483964.6, 12);
    expect(r.buySellRatio).toBeCloseTo(r.buyVolume / r.sellVolume, 12);
    expect(r.bias).toBe("balanced"); // −1 % of the volume is within ±5 %
    expect(r.priceChangePct).toBeCloseTo(((0.2393 - 0.2413) / 0.2413) * 100, 10);
    expect(r.last).toEqual(orderFlowOfCandle(algo[4]!));
    expect(r.divergence).toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("uses only the last `window` candles", () => {
    const r = available(analyzeOrderFlow({ candles: algo.slice(0, 100) }));
    expect(r.candles).toBe(24);
    expect(r).toEqual(analyzeOrderFlow({ candles: algo.slice(76, 100) }));
    expect(analyzeOrderFlow({ candles: new CandleSeries(algo.slice(0, 100)) })).toEqual(r);
  });

  it("flags the February 2024 rally that takers were selling into as a bearish divergence", () => {
    const end = algo.findIndex((c) => c.openTime === at("2024-02-13T00:00:00Z"));
    const r = available(analyzeOrderFlow({ candles: algo.slice(0, end) }));
    expect(r.to + 1).toBe(at("2024-02-13T00:00:00Z"));
    expect(r.priceChangePct).toBeGreaterThan(1.5);
    expect(r.imbalance).toBeLessThan(-0.07);
    expect(r.bias).toBe("selling");
    expect(r.divergence).toEqual({ kind: "bearish", priceChangePct: r.priceChangePct, imbalance: r.imbalance });
    // The window before it had not moved enough for a clear divergence.
    expect(available(analyzeOrderFlow({ candles: algo.slice(0, end - 1) })).divergence).toBeNull();
  });
});

function synthetic(moves: [number, number][]): Candle[] {
  // [close, takerBuyShare] per candle; each opens at the previous close, volume 100.
  let prev = 100;
  return moves.map(([close, share], i) => {
    const c: Candle = {
      openTime: i * 3_600_000,
      closeTime: (i + 1) * 3_600_000 - 1,
      open: prev,
      high: Math.max(prev, close),
      low: Math.min(prev, close),
      close,
      volume: 100,
      quoteVolume: 100 * close,
      trades: 10,
      takerBuyBase: 100 * share,
      takerBuyQuote: 100 * share * close,
      closed: true,
    };
    prev = close;
    return c;
  });
}

describe("order flow rules", () => {
  it("reports a bullish divergence when price falls on net taker buying, and the bias both ways", () => {
    const down = available(
      analyzeOrderFlow({
        candles: synthetic([
          [99.5, 0.6],
          [99, 0.6],
          [98.5, 0.55],
        ]),
      }),
    );
    expect(down.imbalance).toBeCloseTo((20 + 20 + 10) / 300, 12);
    expect(down.bias).toBe("buying");
    expect(down.divergence?.kind).toBe("bullish");
    expect(down.priceChangePct).toBeCloseTo(-1.5, 12);
    const up = available(
      analyzeOrderFlow({
        candles: synthetic([
          [101, 0.6],
          [102, 0.6],
        ]),
      }),
    );
    expect(up.bias).toBe("buying");
    expect(up.divergence).toBeNull(); // price and flow agree
    const sold = available(analyzeOrderFlow({ candles: synthetic([[99.9, 0.3]]) }));
    expect(sold.bias).toBe("selling");
    expect(sold.divergence).toBeNull(); // a 0.1 % move is not clear
  });

  it("clamps a taker buy above the volume (a rounding artefact) instead of reporting negative sells", () => {
    const [c] = synthetic([[101, 1]]);
    const f = orderFlowOfCandle({ ...c!, takerBuyBase: 100.0000001 });
    expect(f.sellVolume).toBe(0);
    expect(f.imbalance).toBe(1);
  });

  it("is unavailable, with the reason, when the data has no taker split (spot dumps)", () => {
    const spot = bundled("spot", "BTCUSDT", "1h").slice(0, 48);
    expect(analyzeOrderFlow({ candles: spot })).toEqual({
      available: false,
      reason: "no taker buy/sell split in the data (24 of 24 candles lack it; spot dump files do not record it)",
      candles: 24,
    });
    expect(analyzeOrderFlow({ candles: [] })).toEqual({ available: false, reason: "no closed candles", candles: 0 });
  });

  it("does not count a zero-volume candle (a halt) as missing taker data", () => {
    const cs = synthetic([
      [101, 0.6],
      [101, 0.5],
    ]);
    const halted: Candle = { ...cs[1]!, volume: 0, quoteVolume: 0, trades: 0, takerBuyBase: 0, takerBuyQuote: 0 };
    const r = available(analyzeOrderFlow({ candles: [cs[0]!, halted] }));
    expect(r.last).toEqual({ openTime: halted.openTime, buyVolume: 0, sellVolume: 0, delta: 0, imbalance: 0 });
    expect(r.cumulativeDelta).toBeCloseTo(20, 12);
  });

  it("rejects bad options and forming candles", () => {
    expect(() => resolveOrderFlowOptions({ window: 0 })).toThrow(UsageError);
    expect(() => resolveOrderFlowOptions({ biasThreshold: 2 })).toThrow(/biasThreshold/);
    expect(() => resolveOrderFlowOptions({ interval: "2h30" as never })).toThrow(/not an interval/);
    const cs = synthetic([[101, 0.6]]);
    expect(() => analyzeOrderFlow({ candles: [{ ...cs[0]!, closed: false }] })).toThrow(/still forming/);
  });
});

describe("order flow as an Agent", () => {
  it("reads the last window of its interval from the view", () => {
    const t = tempStore();
    try {
      t.store.upsert(key("ALGOUSDT", "1h", "futures"), algo);
      const now = at("2024-02-13T00:00:00Z");
      const view = new StoreMarketView({
        store: t.store,
        clock: new SimulatedClock(now),
        exchange: "binance",
        market: "futures",
      });
      expect(orderFlowAgent.name).toBe("order-flow");
      const end = algo.findIndex((c) => c.openTime === now);
      const a = analyzeSymbol(view, "ALGOUSDT", { agents: [orderFlowAgent], timeframes: ["1h"] });
      expect(a.orderFlow.available).toBe(true);
      expect(a.orderFlow).toEqual(analyzeOrderFlow({ candles: algo.slice(end - 24, end) }));
    } finally {
      t.close();
    }
  });
});
