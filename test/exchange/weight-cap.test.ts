import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/core/clock.js";
import { BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import { type FakeBinance, startFakeBinance } from "../../src/sim/fake-binance/index.js";

describe("exchange.rate_limit_per_minute as a ceiling", () => {
  let fake: FakeBinance | undefined;
  let ex: BinanceExchange | undefined;
  afterEach(async () => {
    await ex?.close();
    await fake?.close();
  });

  async function budgetLimitAfterExchangeInfo(market: "spot" | "futures", cap?: number): Promise<number> {
    fake = await startFakeBinance({ clock: new SimulatedClock(Date.parse("2026-01-10T00:00:00Z")) });
    ex = new BinanceExchange({
      market,
      restUrl: fake.restUrl,
      ...(cap === undefined ? {} : { maxWeightPerMinute: cap }),
    });
    await ex.markets();
    return ex.weightUsage().limit;
  }

  it("keeps the lower configured ceiling after the exchange reports its own limit", async () => {
    expect(await budgetLimitAfterExchangeInfo("spot", 1200)).toBe(1200);
  });

  it("uses the exchange's limit when the ceiling is above it", async () => {
    expect(await budgetLimitAfterExchangeInfo("futures", 5000)).toBe(2400);
  });

  it("uses the exchange's limit without a ceiling", async () => {
    expect(await budgetLimitAfterExchangeInfo("spot")).toBe(6000);
  });
});
