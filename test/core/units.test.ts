/**
 * The units of the public boundaries (src/core/units.ts). The `@ts-expect-error` lines are the real test: each
 * mixes two units, and `npm run typecheck` (run by CI) fails if one of them ever compiles, because an unused
 * `@ts-expect-error` is itself an error. The runtime assertions show the values stay plain numbers.
 */
import { describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import type { Clock } from "../../src/core/clock.js";
import type { EpochMs, Price, Quantity, QuoteAmount, SymbolName } from "../../src/core/units.js";
import type { CandleQuery } from "../../src/exchange/exchange.js";
import type { PaperTrade } from "../../src/learning/paper-trade.js";
import type { Signal } from "../../src/signals/signal.js";
import { bundled } from "../market/helpers.js";

const candle: Candle = bundled("spot", "BTCUSDT", "1h")[0]!;

describe("units at the public boundaries", () => {
  it("times, prices and amounts of a candle do not mix", () => {
    // @ts-expect-error an open time is not a price
    const price: Price = candle.openTime;
    // @ts-expect-error a close is not a time
    const time: EpochMs = candle.close;
    // @ts-expect-error base-asset volume is not a quote amount
    const quote: QuoteAmount = candle.volume;
    // @ts-expect-error quote volume is not a base-asset quantity
    const base: Quantity = candle.quoteVolume;
    expect([price, time, quote, base]).toEqual([candle.openTime, candle.close, candle.volume, candle.quoteVolume]);
  });

  it("a query cannot start at a price, and a clock's now is a time", () => {
    // @ts-expect-error startTime is a time, not a price
    const q: CandleQuery = { symbol: "BTCUSDT", interval: "1h", startTime: candle.close };
    const clock: Clock = { now: () => candle.openTime };
    // @ts-expect-error now() is a time, not a price
    const p: Price = clock.now();
    expect(q.startTime).toBe(candle.close);
    expect(p).toBe(candle.openTime);
  });

  it("a signal's and a trade's prices, times and amounts do not mix", () => {
    const s = { time: candle.openTime, entry: candle.close } as Pick<Signal, "time" | "entry">;
    // @ts-expect-error the entry is a price, not a time
    const t: EpochMs = s.entry;
    const trade = { entryTime: candle.openTime, entryPrice: candle.close, qty: 1, pnl: 2 } as Pick<
      PaperTrade,
      "entryTime" | "entryPrice" | "qty" | "pnl"
    >;
    // @ts-expect-error the entry time is not a price
    const px: Price = trade.entryTime;
    // @ts-expect-error P&L is a quote amount, not a quantity
    const qty: Quantity = trade.pnl;
    expect([t, px, qty]).toEqual([candle.close, candle.openTime, 2]);
  });

  it("plain numbers and arithmetic are accepted as any unit, and each unit is a number", () => {
    const later: EpochMs = candle.openTime + 3_600_000;
    const mid: Price = (candle.high + candle.low) / 2;
    const symbol: SymbolName = "BTCUSDT";
    const asNumber: number = mid;
    expect(later - candle.openTime).toBe(3_600_000);
    expect(asNumber).toBeGreaterThanOrEqual(candle.low);
    expect(symbol.endsWith("USDT")).toBe(true);
  });
});
