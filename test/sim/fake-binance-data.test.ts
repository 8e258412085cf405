import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertValidCandle, type Candle } from "../../src/core/candle.js";
import { UsageError } from "../../src/core/errors.js";
import { closeTimeOf, DAY, HOUR, type Interval } from "../../src/core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { bundledMarketData, latestCandles, syntheticMarketData } from "../../src/sim/fake-binance/index.js";
import { NOW, T } from "./fake-binance-helpers.js";

const csv = (market: string, file: string) => readKlineFile(join(BUNDLED_CANDLES_DIR, `binance-${market}`, file));
const ALL = Number.MAX_SAFE_INTEGER;

describe("bundled market data (real recorded candles)", () => {
  const spot = bundledMarketData("spot");
  const futures = bundledMarketData("futures");

  it("lists the symbols that have files and knows when each starts", () => {
    expect([...spot.symbols()].sort()).toEqual(["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]);
    expect([...futures.symbols()].sort()).toEqual(["ALGOUSDT", "FILUSDT"]);
    expect(spot.firstOpenTime("BTCUSDT")).toBe(T("2017-08-17T00:00:00Z"));
    expect(futures.firstOpenTime("ALGOUSDT")).toBe(T("2023-02-01T00:00:00Z"));
    expect(spot.firstOpenTime("DOGEUSDT")).toBeUndefined();
  });

  it("serves stored candles exactly as recorded", () => {
    const want = csv("spot", "BTCUSDT-1h.csv.gz").filter(
      (c) => c.openTime >= T("2024-03-01T00:00:00Z") && c.openTime <= T("2024-03-03T23:00:00Z"),
    );
    const got = spot.candles("BTCUSDT", "1h", T("2024-03-01T00:00:00Z"), T("2024-03-03T23:00:00Z"), ALL, NOW);
    expect(got).toHaveLength(72);
    expect(got).toEqual(want);
  });

  it("derives weekly candles from the daily file: Monday opens, exact aggregates", () => {
    const weeks = spot.candles("BTCUSDT", "1w", T("2024-01-01T00:00:00Z"), T("2024-12-31T00:00:00Z"), ALL, NOW);
    expect(weeks.length).toBe(53);
    for (const w of weeks) {
      expect(new Date(w.openTime).getUTCDay()).toBe(1);
      expect(w.closeTime).toBe(w.openTime + 7 * DAY - 1);
    }
    const days = csv("spot", "BTCUSDT-1d.csv.gz").filter(
      (c) => c.openTime >= T("2024-03-04T00:00:00Z") && c.openTime < T("2024-03-11T00:00:00Z"),
    );
    const week = weeks.find((w) => w.openTime === T("2024-03-04T00:00:00Z")) as Candle;
    expect(week.open).toBe(days[0]?.open);
    expect(week.close).toBe(days[6]?.close);
    expect(week.high).toBe(Math.max(...days.map((d) => d.high)));
    expect(week.low).toBe(Math.min(...days.map((d) => d.low)));
    expect(week.volume).toBeCloseTo(
      days.reduce((s, d) => s + d.volume, 0),
      6,
    );
    // Derived weekly history reaches back as far as the daily file, not just to the start of the 5m file.
    expect(spot.candles("BTCUSDT", "1w", 0, NOW, 1, NOW)[0]?.openTime).toBe(T("2017-08-14T00:00:00Z"));
  });

  it("aligns 3d buckets to the epoch like Binance", () => {
    const c = spot.candles("ETHUSDT", "3d", T("2024-01-01T00:00:00Z"), T("2024-02-01T00:00:00Z"), ALL, NOW);
    expect(c.length).toBeGreaterThan(9);
    for (const x of c) expect(Math.floor(x.openTime / DAY) % 3).toBe(0);
  });

  it("builds the forming candle from finer data, never beyond what exists at now", () => {
    const day = spot.candles("BTCUSDT", "1d", NOW - 3 * DAY, NOW + 5 * DAY, ALL, NOW);
    const forming = day.at(-1) as Candle;
    expect(forming.closed).toBe(false);
    expect(forming.openTime).toBe(T("2026-02-01T00:00:00Z"));
    expect(forming.closeTime).toBeGreaterThanOrEqual(NOW);
    expect(day.slice(0, -1).every((c) => c.closed && c.closeTime < NOW)).toBe(true);
    const final = csv("spot", "BTCUSDT-1d.csv.gz").find((c) => c.openTime === forming.openTime) as Candle;
    expect(forming.open).toBe(final.open);
    expect(forming.high).toBeLessThanOrEqual(final.high);
    expect(forming.low).toBeGreaterThanOrEqual(final.low);
    expect(forming.volume).toBeLessThan(final.volume);
    // It contains every 5m candle that closed before now.
    const fiveMin = csv("spot", "BTCUSDT-5m.csv.gz").filter((c) => c.openTime >= forming.openTime && c.closeTime < NOW);
    expect(fiveMin).toHaveLength(163); // 13:35 is the 5m candle still in progress at 13:37
    expect(forming.high).toBeGreaterThanOrEqual(Math.max(...fiveMin.map((c) => c.high)));
    expect(forming.low).toBeLessThanOrEqual(Math.min(...fiveMin.map((c) => c.low)));
    expect(forming.volume).toBeGreaterThan(fiveMin.reduce((s, c) => s + c.volume, 0) - 1e-6);
    assertValidCandle(forming, "forming");
  });

  it("a forming candle that just opened has not traded yet", () => {
    const at = T("2026-02-01T14:00:00Z");
    const h = spot.candles("BTCUSDT", "1h", at - HOUR, at, ALL, at);
    expect(h).toHaveLength(2);
    const [prev, cur] = h as [Candle, Candle];
    expect(prev.closed).toBe(true);
    expect(cur).toMatchObject({ openTime: at, closed: false, volume: 0 });
    expect(cur.high).toBe(cur.low);
  });

  it("returns the most recent candles before endTime across an exchange halt and data gaps", () => {
    const halt = latestCandles(spot, "BTCUSDT", "1h", T("2023-03-24T15:00:00Z"), 5, NOW);
    expect(halt.map((c) => new Date(c.openTime).toISOString().slice(11, 13))).toEqual(["10", "11", "12", "14", "15"]);
    const gap = latestCandles(futures, "ALGOUSDT", "1h", T("2026-02-01T02:00:00Z"), 5, NOW);
    expect(gap.map((c) => new Date(c.openTime).toISOString())).toEqual([
      "2025-02-28T22:00:00.000Z",
      "2025-02-28T23:00:00.000Z",
      "2026-02-01T00:00:00.000Z",
      "2026-02-01T01:00:00.000Z",
      "2026-02-01T02:00:00.000Z",
    ]);
    expect(latestCandles(spot, "BTCUSDT", "1d", T("2010-01-01T00:00:00Z"), 5, NOW)).toEqual([]);
  });

  it("reports futures print precision from the recorded digits", () => {
    expect(futures.precision?.("ALGOUSDT")).toEqual({ price: 4, quantity: 1, quote: 5 });
    expect(futures.precision?.("FILUSDT")).toEqual({ price: 3, quantity: 1, quote: 4 });
  });

  it("rejects symbols it has no files for, naming what exists", () => {
    expect(() => bundledMarketData("spot", { symbols: ["DOGEUSDT"] })).toThrow(UsageError);
    expect(() => bundledMarketData("spot", { symbols: ["DOGEUSDT"] })).toThrow(/BTCUSDT/);
    expect(bundledMarketData("spot", { symbols: ["ETHUSDT"] }).symbols()).toEqual(["ETHUSDT"]);
  });
});

describe("synthetic market data", () => {
  const syn = syntheticMarketData({ symbols: 320, seed: 7, start: T("2024-01-01T00:00:00Z") });

  it("names symbols SYN001USDT… and widens the number for big universes", () => {
    expect(syn.symbols()).toHaveLength(320);
    expect(syn.symbols()[0]).toBe("SYN001USDT");
    expect(syn.symbols()[319]).toBe("SYN320USDT");
    expect(syntheticMarketData({ symbols: 1200 }).symbols()[0]).toBe("SYN0001USDT");
    expect(syn.firstOpenTime("SYN001USDT")).toBe(T("2024-01-01T00:00:00Z"));
    expect(() => syntheticMarketData({ symbols: 0 })).toThrow(UsageError);
    expect(() => syntheticMarketData({ symbols: ["btcusdt"] })).toThrow(UsageError);
  });

  it("keeps every candle of every interval consistent (OHLC, positive volumes, aligned times)", () => {
    const intervals: Interval[] = ["1m", "5m", "1h", "4h", "1d", "1w", "1M"];
    const problems: string[] = [];
    let checked = 0;
    for (const symbol of syn.symbols().slice(0, 40)) {
      for (const interval of intervals) {
        const c = syn.candles(symbol, interval, 0, NOW, 200, NOW);
        if (c.length === 0) problems.push(`${symbol} ${interval}: no candles`);
        for (const x of c) {
          checked++;
          const where = `${symbol} ${interval} ${new Date(x.openTime).toISOString()}`;
          try {
            assertValidCandle(x, where);
          } catch (e) {
            problems.push((e as Error).message);
          }
          if (x.closeTime !== closeTimeOf(interval, x.openTime)) problems.push(`${where}: closeTime`);
          if (!(x.low > 0)) problems.push(`${where}: non-positive low`);
          if (x.takerBuyBase > x.volume) problems.push(`${where}: taker volume above volume`);
          if (interval !== "1m" && !(x.volume > 0)) problems.push(`${where}: no volume`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(40 * 6 * 100);
  });

  it("is deterministic per seed and symbol name, and differs between seeds", () => {
    const again = syntheticMarketData({ symbols: 320, seed: 7, start: T("2024-01-01T00:00:00Z") });
    const other = syntheticMarketData({ symbols: 320, seed: 8, start: T("2024-01-01T00:00:00Z") });
    const a = syn.candles("SYN042USDT", "1h", NOW - 100 * HOUR, NOW, 1000, NOW);
    expect(again.candles("SYN042USDT", "1h", NOW - 100 * HOUR, NOW, 1000, NOW)).toEqual(a);
    expect(other.candles("SYN042USDT", "1h", NOW - 100 * HOUR, NOW, 1000, NOW)).not.toEqual(a);
    // Any slice of history is the same whichever request computes it.
    const later = syn.candles("SYN042USDT", "1h", NOW - 100 * HOUR, NOW - 50 * HOUR, 1000, NOW + 30 * DAY);
    expect(later).toEqual(a.slice(0, later.length));
  });

  it("chains candles (close = next open) and adds volume up exactly across intervals", () => {
    const hours = syn.candles("SYN003USDT", "1h", T("2025-06-02T00:00:00Z"), T("2025-06-02T23:00:00Z"), 100, NOW);
    expect(hours).toHaveLength(24);
    for (let i = 1; i < hours.length; i++) expect(hours[i]?.open).toBe(hours[i - 1]?.close);
    const [day] = syn.candles("SYN003USDT", "1d", T("2025-06-02T00:00:00Z"), T("2025-06-02T00:00:00Z"), 1, NOW);
    const p = syn.precision?.("SYN003USDT")?.quantity ?? 8;
    expect(day?.open).toBe(hours[0]?.open);
    expect(day?.close).toBe(hours[23]?.close);
    expect(day?.volume.toFixed(p)).toBe(hours.reduce((s, h) => s + h.volume, 0).toFixed(p));
    expect(day?.trades).toBe(hours.reduce((s, h) => s + h.trades, 0));
  });

  it("moves like a market: daily returns of a few percent, both directions, no runaway", () => {
    const days = syn.candles("SYN010USDT", "1d", 0, NOW, 2000, NOW);
    const r = days.slice(1).map((d, i) => Math.log(d.close / (days[i] as Candle).close));
    const sd = Math.sqrt(r.reduce((s, x) => s + x * x, 0) / r.length);
    expect(sd).toBeGreaterThan(0.005);
    expect(sd).toBeLessThan(0.12);
    expect(r.filter((x) => x > 0).length / r.length).toBeGreaterThan(0.3);
    expect(r.filter((x) => x < 0).length / r.length).toBeGreaterThan(0.3);
    const closes = days.map((d) => d.close);
    expect(Math.max(...closes) / Math.min(...closes)).toBeLessThan(1000);
  });

  it("serves the forming candle at now and nothing after it", () => {
    const c = syn.candles("SYN005USDT", "4h", NOW - DAY, NOW + DAY, 100, NOW);
    const last = c.at(-1) as Candle;
    expect(last.closed).toBe(false);
    expect(last.openTime).toBeLessThanOrEqual(NOW);
    expect(last.closeTime).toBeGreaterThanOrEqual(NOW);
    expect(c.slice(0, -1).every((x) => x.closed)).toBe(true);
    // startTime 13:37 the day before: the first bucket opening at or after it is 16:00, then 20, 0, 4, 8, 12 (forming).
    expect(c.map((x) => new Date(x.openTime).getUTCHours())).toEqual([16, 20, 0, 4, 8, 12]);
    expect(syn.candles("SYN005USDT", "1h", 0, T("2023-01-01T00:00:00Z"), 10, NOW)).toEqual([]);
  });

  it("computes rolling statistics in O(1) consistent with the candles", () => {
    const w = syn.window?.("SYN001USDT", NOW - DAY, NOW);
    const last = syn.candles("SYN001USDT", "1m", NOW - 5 * 60_000, NOW, 10, NOW).at(-1) as Candle;
    expect(w?.close).toBe(last.close);
    expect(w?.high).toBeGreaterThanOrEqual(Math.max(w?.open ?? 0, w?.close ?? 0));
    expect(w?.volume).toBeGreaterThan(0);
  });
});
