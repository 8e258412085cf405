import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { DAY, HOUR } from "../../src/core/interval.js";
import { formatBinanceKlineCsv } from "../../src/market/binance-csv.js";
import { deriveStored } from "../../src/market/derive.js";
import { importKlineFiles } from "../../src/market/import-klines.js";
import { ReplayExchange } from "../../src/market/replay-exchange.js";
import { at, bundled, key, type TempStore, tempStore } from "./helpers.js";

const base = { exchange: "binance", market: "spot", symbol: "BTCUSDT" } as const;
const ohlcv = (c: Candle) => [c.openTime, c.closeTime, c.open, c.high, c.low, c.close];

function expectSameAsBinance(derived: readonly Candle[], binance: readonly Candle[]): number {
  const want = new Map(binance.map((c) => [c.openTime, c]));
  let compared = 0;
  for (const d of derived) {
    const w = want.get(d.openTime);
    expect(w, new Date(d.openTime).toISOString()).toBeDefined();
    expect(ohlcv(d)).toEqual(ohlcv(w as Candle));
    expect(d.volume).toBeCloseTo((w as Candle).volume, 6);
    expect(d.closed).toBe(true);
    compared++;
  }
  return compared;
}

describe("derived intervals equal Binance's own", () => {
  const h1 = bundled("spot", "BTCUSDT", "1h");
  const h4 = bundled("spot", "BTCUSDT", "4h");
  const d1 = bundled("spot", "BTCUSDT", "1d");
  const halt4h = at("2023-03-24T12:00:00Z");

  describe("stored by deriveStored from monthly dumps (complete periods known)", () => {
    let t: TempStore;
    beforeAll(async () => {
      t = tempStore();
      // 2023 as Binance's monthly dump files: each proves its month complete, halt included.
      for (let m = 0; m < 12; m++) {
        const start = Date.UTC(2023, m, 1);
        const end = Date.UTC(2023, m + 1, 1);
        const rows = h1.filter((c) => c.openTime >= start && c.openTime < end);
        writeFileSync(
          join(t.dir, `BTCUSDT-1h-2023-${String(m + 1).padStart(2, "0")}.csv`),
          formatBinanceKlineCsv(rows),
        );
      }
      const r = await importKlineFiles([t.dir], t.store, { exchange: "binance", market: "spot" });
      expect(r.skipped).toEqual([]);
    });
    afterAll(() => t.close());

    it("4h from 1h, including the 2023-03-24 halt period", () => {
      const range = { from: at("2023-01-01T00:00:00Z"), to: at("2023-12-31T20:00:00Z") };
      const r = deriveStored(t.store, base, "1h", "4h", range);
      expect(r.derived).toBe(365 * 6);
      const stored = t.store.range(key("BTCUSDT", "4h"));
      expect(stored).toHaveLength(365 * 6);
      expect(stored.some((c) => c.openTime === halt4h)).toBe(true);
      expect(expectSameAsBinance(stored, h4)).toBe(365 * 6);
      expect(new Set(t.store.sources(key("BTCUSDT", "4h")))).toEqual(new Set(["1h"]));
      // Nothing left to do the second time.
      expect(deriveStored(t.store, base, "1h", "4h", range)).toEqual({ derived: 0, covered: [] });
    });

    it("1d from 1h and 1w/1M from the derived days only where the fine data is complete", () => {
      const r = deriveStored(t.store, base, "1h", "1d", {
        from: at("2022-12-01T00:00:00Z"),
        to: at("2024-02-01T00:00:00Z"),
      });
      expect(r.derived).toBe(365);
      expect(r.covered).toEqual([{ from: at("2023-01-01T00:00:00Z"), to: at("2023-12-31T00:00:00Z") }]);
      expect(expectSameAsBinance(t.store.range(key("BTCUSDT", "1d")), d1)).toBe(365);
      const months = deriveStored(t.store, base, "1h", "1M", {
        from: at("2023-01-01T00:00:00Z"),
        to: at("2023-12-01T00:00:00Z"),
      });
      expect(months.derived).toBe(12);
      const jan = t.store.range(key("BTCUSDT", "1M"))[0] as Candle;
      const janDays = d1.filter(
        (c) => c.openTime >= at("2023-01-01T00:00:00Z") && c.openTime < at("2023-02-01T00:00:00Z"),
      );
      expect([jan.open, jan.close]).toEqual([janDays[0]!.open, janDays.at(-1)!.close]);
      expect(jan.high).toBe(Math.max(...janDays.map((c) => c.high)));
      // Weeks straddling the year's edges are not complete in the 1h data and are left out, not guessed.
      const weeks = deriveStored(t.store, base, "1h", "1w", {
        from: at("2022-12-26T00:00:00Z"),
        to: at("2024-01-01T00:00:00Z"),
      });
      const stored = t.store.range(key("BTCUSDT", "1w"));
      expect(weeks.derived).toBe(stored.length);
      expect(new Date(stored[0]!.openTime).toISOString()).toBe("2023-01-02T00:00:00.000Z");
      expect(new Date(stored.at(-1)!.openTime).toISOString()).toBe("2023-12-25T00:00:00.000Z");
      expect(stored).toHaveLength(52);
      expect(stored.every((c) => new Date(c.openTime).getUTCDay() === 1)).toBe(true);
    });
  });

  describe("aggregated on the fly by the replay exchange (undated data: no completeness record)", () => {
    let t: TempStore;
    beforeAll(() => {
      t = tempStore();
      t.store.upsert(key("BTCUSDT", "1h"), h1);
    });
    afterAll(() => t.close());

    it("serves 4h and 1d from stored 1h exactly, leaving out only the halt periods it cannot prove", async () => {
      const end = h1.at(-1)!.closeTime + 1;
      const ex = new ReplayExchange({
        store: t.store,
        clock: new SimulatedClock(end),
        exchange: "binance",
        market: "spot",
      });
      const all4h = await ex.candles({ symbol: "BTCUSDT", interval: "4h", startTime: h1[0]!.openTime, limit: 100_000 });
      // The data ends at 19:00: the 16:00 4h candle is still forming then, built from the 16..18h candles.
      const forming = all4h.at(-1) as Candle;
      expect(forming.closed).toBe(false);
      expect(forming.openTime).toBe(at("2026-05-16T16:00:00Z"));
      expect(forming.close).toBe(h1.at(-1)!.close);
      const got4h = all4h.slice(0, -1);
      const n = expectSameAsBinance(
        got4h,
        h4.filter((c) => c.closeTime < end),
      );
      const expected = h4.filter((c) => c.closeTime < end && c.openTime !== halt4h);
      expect(n).toBe(expected.length);
      expect(got4h.map((c) => c.openTime)).toEqual(expected.map((c) => c.openTime));
      const all1d = await ex.candles({ symbol: "BTCUSDT", interval: "1d", startTime: h1[0]!.openTime, limit: 100_000 });
      expect(all1d.at(-1)!.closed).toBe(false);
      const got1d = all1d.slice(0, -1);
      const days = d1.filter((c) => c.openTime >= h1[0]!.openTime && c.closeTime < end);
      expect(expectSameAsBinance(got1d, days)).toBe(days.length - 1);
      expect(got1d.some((c) => c.openTime === at("2023-03-24T00:00:00Z"))).toBe(false);
      expect(end - got1d.at(-1)!.closeTime).toBeLessThanOrEqual(DAY + HOUR);
    });
  });
});
