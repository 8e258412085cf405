/**
 * planWarmup: the cheapest download/derive split for a cold start, hand-checked against Binance's price lists, and
 * carried out by syncCandles against the project's fake Binance (synthetic market) on a loopback port.
 */
import { binanceCapabilities } from "../../src/exchange/binance/endpoints.js";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { HOUR, INTERVALS, type Interval } from "../../src/core/interval.js";
import { BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import type { MarketType } from "../../src/exchange/exchange.js";
import { syncCandles } from "../../src/market/sync.js";
import { planSync } from "../../src/market/sync-plan.js";
import { firstOpenTime, planWarmup, warmupSync } from "../../src/market/warmup-plan.js";
import {
  type FakeBinance,
  futuresKlineWeight,
  startFakeBinance,
  syntheticMarketData,
} from "../../src/sim/fake-binance/index.js";
import { at, key, type TempStore, tempStore } from "./helpers.js";

/** Saturday 2026-01-10, 5 s past midnight UTC: a 3d bucket opens that day (floor(t/1d) % 3 == 0), the week on Monday 5th. */
const NOW = at("2026-01-10T00:00:05Z");
const SR_AND_15M: Partial<Record<Interval, number>> = {
  "1M": 100,
  "1w": 100,
  "3d": 100,
  "1d": 100,
  "4h": 100,
  "1h": 100,
  "15m": 100,
};
/** What Binance was observed to charge per futures request ([OBS-FUT] in src/exchange/binance/endpoints.ts, as the
 * fake server does): bands inclusive at the top. The adapter counts the documented bands, which are higher at 100 and 500 rows. */
const observedFuturesWeight = (limit: number) => futuresKlineWeight(String(limit));

const summary = (p: ReturnType<typeof planWarmup>) =>
  p.groups.map((g) => `${g.download}<${g.derive.join(",")}> rows=${g.rows} req=${g.requests} w=${g.weight}`);

describe("planWarmup", () => {
  it("spot, 100 candles each: 4h from a 400-hour 1h page, 3d and 1w from a 705-day 1d page, weight 8 instead of 14", () => {
    const p = planWarmup({ lookback: SR_AND_15M, paging: binanceCapabilities("spot").klines, now: NOW });
    // Spot charges 2 per request up to 1000 rows, so every group that fits one page costs 2:
    // 1h back to 2025-12-24T08:00 (400 h = 100 × 4h) is 400 rows; 1d back to Monday 2024-02-05 (100 weeks before
    // Monday 2026-01-05) is 700 + the 5 closed days of this week = 705 rows, which also covers 100 × 3d (300 days).
    expect(summary(p)).toEqual([
      "15m<> rows=100 req=1 w=2",
      "1h<4h> rows=400 req=1 w=2",
      "1d<3d,1w> rows=705 req=1 w=2",
      "1M<> rows=100 req=1 w=2",
    ]);
    expect(p.groups.map((g) => new Date(g.from).toISOString())).toEqual([
      "2026-01-08T23:00:00.000Z",
      "2025-12-24T08:00:00.000Z",
      "2024-02-05T00:00:00.000Z",
      "2017-09-01T00:00:00.000Z",
    ]);
    expect(p).toMatchObject({ weight: 8, requests: 4, rows: 1305, directWeight: 14 });
    // 1M from 1d would need ~3050 daily rows (4 pages, weight 8) against one monthly request of weight 2.
    expect(p.groups.find((g) => g.download === "1d")?.derive).not.toContain("1M");
  });

  it("futures priced as observed (100 rows → 1): everything is cheapest downloaded directly, weight 1 each", () => {
    const p = planWarmup({
      lookback: SR_AND_15M,
      paging: binanceCapabilities("futures").klines,
      now: NOW,
      requestWeight: observedFuturesWeight,
    });
    expect(summary(p)).toEqual(["15m", "1h", "4h", "1d", "3d", "1w", "1M"].map((i) => `${i}<> rows=100 req=1 w=1`));
    expect(p).toMatchObject({ weight: 7, requests: 7, rows: 700, directWeight: 7 });
  });

  it("futures with sync-plan's documented bands ([100, 500) → 2): pairs that fit one ≤499-row page share it", () => {
    // Default costing = klineRequestWeight: 100 rows cost 2, as do 400 (1h for 4h) and 300 (1d for 3d), while 1d
    // for 1w (705 rows) needs 499 + 206 = two pages (4) and saves nothing. 15m for 1h would also fit (400 rows);
    // the tie with 1h→4h goes to the first found, which is equally cheap.
    const p = planWarmup({ lookback: SR_AND_15M, paging: binanceCapabilities("futures").klines, now: NOW });
    expect(summary(p)).toEqual([
      "15m<> rows=100 req=1 w=2",
      "1h<4h> rows=400 req=1 w=2",
      "1d<3d> rows=300 req=1 w=2",
      "1w<> rows=100 req=1 w=2",
      "1M<> rows=100 req=1 w=2",
    ]);
    expect(p).toMatchObject({ weight: 10, requests: 5, directWeight: 14 });
  });

  it("costs pages as syncCandles sends them: full pages, then one short page", () => {
    // Futures, 1200 hourly candles in pages of 499: 499 + 499 + 202 rows, weight 2 each.
    const f = planWarmup({ lookback: { "1h": 1200 }, paging: binanceCapabilities("futures").klines, now: NOW });
    expect(f.groups).toEqual([
      {
        download: "1h",
        derive: [],
        from: at("2026-01-10T00:00:00Z") - 1200 * HOUR,
        rows: 1200,
        requests: 3,
        weight: 6,
      },
    ]);
    // With 500-row pages priced as observed: 500 + 500 + 200, weight 2 each.
    const g = planWarmup({
      lookback: { "1h": 1200 },
      paging: binanceCapabilities("futures").klines,
      now: NOW,
      pageSize: 500,
      requestWeight: observedFuturesWeight,
    });
    expect(g).toMatchObject({ weight: 6, requests: 3 });
    // Spot, 2500 rows: three pages at 2 each.
    expect(
      planWarmup({ lookback: { "5m": 2500 }, paging: binanceCapabilities("spot").klines, now: NOW }),
    ).toMatchObject({
      weight: 6,
      requests: 3,
      rows: 2500,
    });
  });

  it("keeps 1d downloaded by default, and honours alwaysDownload and neverDerive", () => {
    const lookback: Partial<Record<Interval, number>> = { "1h": 100, "1d": 10 };
    // 1d from 1h would be 240 hourly rows in the same single spot request: weight 2 instead of 4.
    expect(summary(planWarmup({ lookback, paging: binanceCapabilities("spot").klines, now: NOW }))).toEqual([
      "1h<> rows=100 req=1 w=2",
      "1d<> rows=10 req=1 w=2",
    ]);
    expect(
      summary(planWarmup({ lookback, paging: binanceCapabilities("spot").klines, now: NOW, alwaysDownload: [] })),
    ).toEqual(["1h<1d> rows=240 req=1 w=2"]);
    // 1d may not be a source: 3d and 1w are downloaded on their own.
    const p = planWarmup({
      lookback: SR_AND_15M,
      paging: binanceCapabilities("spot").klines,
      now: NOW,
      neverDerive: ["1d"],
    });
    expect(summary(p)).toEqual([
      "15m<> rows=100 req=1 w=2",
      "1h<4h> rows=400 req=1 w=2",
      "1d<> rows=100 req=1 w=2",
      "3d<> rows=100 req=1 w=2",
      "1w<> rows=100 req=1 w=2",
      "1M<> rows=100 req=1 w=2",
    ]);
    expect(p.weight).toBe(12);
  });

  it("plans all sixteen intervals and never costs more than downloading each", () => {
    const lookback = Object.fromEntries(INTERVALS.map((i) => [i, 100])) as Record<Interval, number>;
    for (const market of ["spot", "futures"] as MarketType[]) {
      const p = planWarmup({ lookback, paging: binanceCapabilities(market).klines, now: NOW, alwaysDownload: [] });
      expect(p.weight).toBeLessThan(p.directWeight);
      const planned = p.groups.flatMap((g) => [g.download, ...g.derive]).sort();
      expect(planned).toEqual([...INTERVALS].sort());
      expect(p.weight).toBe(p.groups.reduce((s, g) => s + g.weight, 0));
    }
  });

  it("counts months by the calendar", () => {
    expect(new Date(firstOpenTime("1M", 3, NOW)).toISOString()).toBe("2025-10-01T00:00:00.000Z");
    expect(firstOpenTime("1d", 2, NOW)).toBe(at("2026-01-08T00:00:00Z"));
    // The week that opened Monday 2026-01-05 is still forming: the last closed one opened on 2025-12-29.
    expect(firstOpenTime("1w", 1, NOW)).toBe(at("2025-12-29T00:00:00Z"));
  });

  it("rejects what it cannot plan, saying what is wrong", () => {
    expect(() => planWarmup({ lookback: {}, paging: binanceCapabilities("spot").klines, now: NOW })).toThrow(
      /no intervals/,
    );
    expect(() =>
      planWarmup({ lookback: { "1H": 5 } as never, paging: binanceCapabilities("spot").klines, now: NOW }),
    ).toThrow(/unsupported interval "1H"/);
    expect(() => planWarmup({ lookback: { "1h": 0 }, paging: binanceCapabilities("spot").klines, now: NOW })).toThrow(
      /lookback for 1h/,
    );
    expect(() => planWarmup({ lookback: { "1h": 2.5 }, paging: binanceCapabilities("spot").klines, now: NOW })).toThrow(
      UsageError,
    );
    expect(() =>
      planWarmup({ lookback: { "1h": 5 }, paging: binanceCapabilities("spot").klines, now: Number.NaN }),
    ).toThrow(/now must be/);
    expect(() =>
      planWarmup({ lookback: { "1h": 5 }, paging: binanceCapabilities("spot").klines, now: NOW, pageSize: 1001 }),
    ).toThrow(/pageSize must be a whole number from 1 to 1000/);
  });
});

describe("warmupSync", () => {
  it("gives syncCandles options under which planSync follows each group", () => {
    for (const market of ["spot", "futures"] as MarketType[]) {
      const p = planWarmup({
        lookback: { ...SR_AND_15M, "1d": 3 },
        paging: binanceCapabilities(market).klines,
        now: NOW,
        alwaysDownload: [],
      });
      for (const g of p.groups) {
        const { request, options } = warmupSync(g, ["BTCUSDT"]);
        expect(request).toEqual({ symbols: ["BTCUSDT"], intervals: [g.download, ...g.derive], from: g.from });
        expect(planSync(request.intervals, options)).toEqual({
          download: [g.download],
          derive: g.derive.map((interval) => ({ interval, from: g.download })),
        });
      }
    }
  });
});

describe("a planned cold start against the fake Binance", () => {
  let fake: FakeBinance | undefined;
  let ex: BinanceExchange | undefined;
  let t: TempStore | undefined;
  afterEach(async () => {
    await ex?.close();
    await fake?.close();
    t?.close();
  });

  it("spot: stores the look-back of every interval for the planned kline weight", async () => {
    const clock = new SimulatedClock(NOW);
    const md = syntheticMarketData({ symbols: 2, start: at("2015-01-01T00:00:00Z") });
    fake = await startFakeBinance({ clock, spot: md, futures: md });
    ex = new BinanceExchange({
      market: "spot",
      restUrl: fake.restUrl,
      wsUrl: fake.wsUrl,
      clock,
      sleep: async (ms) => clock.advance(ms),
    });
    t = tempStore();
    const symbols = md.symbols();
    const plan = planWarmup({ lookback: SR_AND_15M, paging: binanceCapabilities("spot").klines, now: NOW });
    for (const g of plan.groups) {
      const { request, options } = warmupSync(g, symbols);
      await syncCandles(ex, t.store, request, options);
    }
    const klines = fake.requests.filter((r) => r.path === "/api/v3/klines");
    expect(klines.length).toBe(plan.requests * symbols.length);
    expect(klines.reduce((s, r) => s + r.weight, 0)).toBe(plan.weight * symbols.length);
    // Nothing but klines, one /time per sync (the first also syncs the adapter's clock) and one exchangeInfo.
    expect(fake.requests.filter((r) => r.path === "/api/v3/time").length).toBe(plan.groups.length);
    expect(fake.requests.length).toBe(klines.length + plan.groups.length + 1);

    const last = (i: Interval) => firstOpenTime(i, 1, NOW);
    for (const symbol of symbols) {
      for (const [interval, n] of Object.entries(SR_AND_15M) as [Interval, number][]) {
        const stored = t.store.latest(key(symbol, interval), n, NOW);
        expect(stored.length, `${symbol} ${interval}`).toBe(n);
        expect(stored[0]!.openTime).toBe(firstOpenTime(interval, n, NOW));
        expect(stored.at(-1)!.openTime).toBe(last(interval));
      }
      // 3d and 1w came from the 1d download, 4h from 1h; the rest are Binance's own.
      expect(new Set(t.store.sources(key(symbol, "1w")))).toEqual(new Set(["1d"]));
      expect(new Set(t.store.sources(key(symbol, "3d")))).toEqual(new Set(["1d"]));
      expect(new Set(t.store.sources(key(symbol, "4h")))).toEqual(new Set(["1h"]));
      expect(new Set(t.store.sources(key(symbol, "1M")))).toEqual(new Set([null]));
      // The stretched 1d range holds 705 days, the stretched 1h range 400 hours.
      expect(t.store.count(key(symbol, "1d"))).toBe(705);
      expect(t.store.count(key(symbol, "1h"))).toBe(400);
    }
  });
});
