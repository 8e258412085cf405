import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { alignDown, DAY, type Interval, isAligned } from "../../src/core/interval.js";
import { resample } from "../../src/market/resample.js";
import { binanceCapabilities } from "../../src/exchange/binance/endpoints.js";
import { planSync } from "../../src/market/sync-plan.js";
import { bundled } from "./helpers.js";

describe("planSync", () => {
  it("derives the hour multiples from 1h and 3d/1w/1M from 1d, downloading 1d itself", () => {
    expect(planSync(["1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"])).toEqual({
      download: ["1h", "1d"],
      derive: [
        { interval: "2h", from: "1h" },
        { interval: "4h", from: "1h" },
        { interval: "6h", from: "1h" },
        { interval: "8h", from: "1h" },
        { interval: "12h", from: "1h" },
        { interval: "3d", from: "1d" },
        { interval: "1w", from: "1d" },
        { interval: "1M", from: "1d" },
      ],
    });
  });

  it("derives from the finer interval only when that one is downloaded anyway", () => {
    expect(planSync(["4h"])).toEqual({ download: ["4h"], derive: [] });
    expect(planSync(["1w", "1M"])).toEqual({ download: ["1w", "1M"], derive: [] }); // 1M is not made of weeks
    expect(planSync(["15m", "30m"])).toEqual({ download: ["15m"], derive: [{ interval: "30m", from: "15m" }] });
    expect(planSync(["5m", "15m", "30m", "1h"])).toEqual({
      download: ["5m"],
      derive: [
        { interval: "15m", from: "5m" },
        { interval: "30m", from: "5m" },
        { interval: "1h", from: "5m" },
      ],
    });
    // Both 3m and 5m divide 1h; the coarser one is read. 3m does not divide 5m, so both are downloaded.
    expect(planSync(["3m", "5m", "1h"])).toEqual({ download: ["3m", "5m"], derive: [{ interval: "1h", from: "5m" }] });
  });

  it("keeps 1d downloaded even when 1h could build it, and honours overrides", () => {
    expect(planSync(["1h", "1d"])).toEqual({ download: ["1h", "1d"], derive: [] });
    expect(planSync(["1h", "1d"], { alwaysDownload: [] })).toEqual({
      download: ["1h"],
      derive: [{ interval: "1d", from: "1h" }],
    });
    expect(planSync(["1h", "4h"], { neverDerive: ["4h"] })).toEqual({ download: ["1h", "4h"], derive: [] });
    expect(planSync(["1h", "1h", "4h"]).download).toEqual(["1h"]);
    expect(() => planSync(["1H" as Interval])).toThrow(UsageError);
  });

  it("Binance's declared paging prices kline requests as Binance documents and picks the cheapest page", () => {
    const spot = binanceCapabilities("spot").klines;
    const futures = binanceCapabilities("futures").klines;
    expect(spot.weight(1000)).toBe(2);
    expect([spot.maxLimit, futures.maxLimit]).toEqual([1000, 1500]);
    expect([99, 100, 499, 500, 1000, 1001, 1500].map((l) => futures.weight(l))).toEqual([1, 2, 2, 5, 5, 10, 10]);
    // Spot: 1000 rows for 2 = 500 candles per weight. Futures: 499 for 2 = 249.5, vs 1000 for 5 = 200, 1500 for 10 = 150.
    expect(spot.bestPageSize).toBe(1000);
    expect(futures.bestPageSize).toBe(499);
  });
});

describe("interval alignment used by derivation", () => {
  it("aligns 3d candles to the epoch like Binance (1499990400000 opens a 3d candle)", () => {
    expect(isAligned("3d", 1499990400000)).toBe(true);
    expect(Math.floor(1499990400000 / DAY) % 3).toBe(0);
    const d1 = bundled("spot", "BTCUSDT", "1d");
    const d3 = resample(d1, "1d", "3d");
    expect(d3.length).toBeGreaterThan(1000);
    for (const c of d3) expect(c.openTime % (3 * DAY)).toBe(0);
    // BTCUSDT's first day (2017-08-17) is the second day of a 3d bucket, so the first full bucket opens 2017-08-19.
    expect(new Date(d3[0]!.openTime).toISOString()).toBe("2017-08-19T00:00:00.000Z");
    expect(alignDown("3d", Date.parse("2017-08-17T00:00:00Z"))).toBe(Date.parse("2017-08-16T00:00:00Z"));
    expect((d3[0]!.openTime - 1499990400000) % (3 * DAY)).toBe(0);
  });
});
