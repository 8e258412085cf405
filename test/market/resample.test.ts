import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { resample } from "../../src/market/resample.js";

const spot = (f: string) => readKlineFile(join(BUNDLED_CANDLES_DIR, "binance-spot", f));

describe("deriving higher intervals from real Binance candles", () => {
  const h1 = spot("BTCUSDT-1h.csv.gz");
  const h4 = spot("BTCUSDT-4h.csv.gz");
  const d1 = spot("BTCUSDT-1d.csv.gz");

  it("reproduces Binance's own 4h candles from 1h, including across the 2023-03-24 halt", () => {
    const derived = resample(h1, "1h", "4h", { allowGaps: true });
    const byTime = new Map(derived.map((c) => [c.openTime, c]));
    const overlap = h4.filter((c) => c.openTime >= h1[0]!.openTime && c.openTime <= h1.at(-1)!.openTime - 3 * 3600_000);
    expect(overlap.length).toBeGreaterThan(7000);
    for (const want of overlap) {
      const got = byTime.get(want.openTime);
      expect(got, new Date(want.openTime).toISOString()).toBeDefined();
      expect([got!.open, got!.high, got!.low, got!.close]).toEqual([want.open, want.high, want.low, want.close]);
      expect(got!.volume).toBeCloseTo(want.volume, 6);
    }
  });

  it("reproduces Binance's 1d candles from 1h", () => {
    const derived = resample(h1, "1h", "1d", { allowGaps: true });
    const want = new Map(d1.map((c) => [c.openTime, c]));
    let compared = 0;
    for (const got of derived) {
      const w = want.get(got.openTime);
      if (!w) continue;
      compared++;
      expect([got.open, got.high, got.low, got.close]).toEqual([w.open, w.high, w.low, w.close]);
    }
    expect(compared).toBeGreaterThan(1200);
  });

  it("drops incomplete buckets unless gaps are allowed, and marks a trailing partial bucket as forming", () => {
    const gapDay = Date.parse("2023-03-24T00:00:00Z");
    expect(resample(h1, "1h", "1d").some((c) => c.openTime === gapDay)).toBe(false);
    const partial = resample(h1.slice(0, 30), "1h", "1d", { includeForming: true });
    expect(partial.map((c) => c.closed)).toEqual([true, false]);
  });

  it("builds Monday-aligned weeks and calendar months from 1d", () => {
    const w = resample(d1, "1d", "1w");
    expect(w.every((c) => new Date(c.openTime).getUTCDay() === 1)).toBe(true);
    const m = resample(d1, "1d", "1M");
    expect(m.every((c) => new Date(c.openTime).getUTCDate() === 1)).toBe(true);
    // BTC's first full month in the data is 2017-09: open 4689.89 on Binance.
    expect(new Date(m[0]!.openTime).toISOString().slice(0, 10)).toBe("2017-09-01");
  });
});
