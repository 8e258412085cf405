import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { DataError, UnknownSymbolError, UsageError } from "../../src/core/errors.js";
import { DAY, HOUR, type Interval, MINUTE } from "../../src/core/interval.js";
import type { CandleQuery, StreamKey } from "../../src/exchange/exchange.js";
import type { CandleStore } from "../../src/market/candle-store.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { ReplayExchange } from "../../src/market/replay-exchange.js";
import type { SeriesKey } from "../../src/market/series.js";
import { at, bundled, iso, key, type TempStore, tempStore } from "./helpers.js";

/** Real data: BTC 5m+1h+1d, ETH 1h+4h, SOL 1h, from mid-2025 (BTC 1d: all of it). */
function dataset(): [SeriesKey, Candle[]][] {
  const since = (cs: Candle[], t: number) => cs.filter((c) => c.openTime >= t);
  const from = at("2025-06-01T00:00:00Z");
  return [
    [key("BTCUSDT", "5m"), bundled("spot", "BTCUSDT", "5m")],
    [key("BTCUSDT", "1h"), since(bundled("spot", "BTCUSDT", "1h"), from)],
    [key("BTCUSDT", "1d"), bundled("spot", "BTCUSDT", "1d")],
    [key("ETHUSDT", "1h"), since(bundled("spot", "ETHUSDT", "1h"), from)],
    [key("ETHUSDT", "4h"), since(bundled("spot", "ETHUSDT", "4h"), from)],
    [key("SOLUSDT", "1h"), bundled("spot", "SOLUSDT", "1h")],
  ];
}

function fill(store: CandleStore, until: number): void {
  for (const [k, cs] of dataset())
    store.upsert(
      k,
      cs.filter((c) => c.closeTime < until),
    );
}

const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"];
const INTERVALS: Interval[] = ["5m", "15m", "1h", "4h", "12h", "1d", "3d", "1w", "1M"];

async function attempt<T>(f: () => Promise<T> | T): Promise<T | { error: string }> {
  try {
    return await f();
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  }
}

/** Everything an agent or backtest could observe at `t`. */
async function observe(store: CandleStore, t: number): Promise<Record<string, unknown>> {
  const clock = new SimulatedClock(t);
  const ex = new ReplayExchange({ store, clock, exchange: "binance", market: "spot" });
  const view = new StoreMarketView({ store, clock, exchange: "binance", market: "spot" });
  const seen: Record<string, unknown> = {
    time: await ex.serverTime(),
    markets: await ex.markets(),
    tickers: await ex.tickers24h(),
  };
  const queries: Omit<CandleQuery, "symbol" | "interval">[] = [
    { limit: 3 },
    { startTime: t - 3 * DAY, limit: 40 },
    { endTime: t - 12 * HOUR, limit: 4 },
    { startTime: t - 2 * HOUR, endTime: t + 5 * DAY },
  ];
  for (const symbol of SYMBOLS) {
    for (const interval of INTERVALS) {
      for (const [i, q] of queries.entries()) {
        const got = await attempt(() => ex.candles({ symbol, interval, ...q }));
        if (Array.isArray(got)) assertNoLookahead(got, t);
        seen[`candles ${symbol} ${interval} ${i}`] = got;
      }
      const closed = view.closed(symbol, interval, 30);
      assertNoLookahead(closed, t);
      seen[`view ${symbol} ${interval}`] = closed;
      seen[`forming ${symbol} ${interval}`] = view.forming(symbol, interval);
    }
  }
  // Streams over the last day before t, delivered in time order.
  const streamClock = new SimulatedClock(t - DAY);
  const replay = new ReplayExchange({ store, clock: streamClock, exchange: "binance", market: "spot" });
  const events: string[] = [];
  const keys: StreamKey[] = [
    { symbol: "BTCUSDT", interval: "1h" },
    { symbol: "ETHUSDT", interval: "4h" },
    { symbol: "BTCUSDT", interval: "1d" },
  ];
  replay.subscribeCandles(keys, {
    onCandle: (k, c) =>
      events.push(`${streamClock.now()} ${k.symbol} ${k.interval} ${c.openTime} ${c.closed} ${c.close} ${c.volume}`),
  });
  replay.advanceTo(t);
  seen.events = events;
  return seen;
}

function assertNoLookahead(candles: readonly Candle[], t: number): void {
  for (const c of candles) {
    if (c.closed) expect(c.closeTime, iso(c.openTime)).toBeLessThan(t);
    else {
      expect(c.openTime).toBeLessThanOrEqual(t);
      expect(c.closeTime).toBeGreaterThanOrEqual(t);
    }
  }
}

describe("ReplayExchange: no lookahead", () => {
  let full: TempStore;
  beforeAll(() => {
    full = tempStore();
    fill(full.store, Number.POSITIVE_INFINITY);
  });
  afterAll(() => full.close());

  it("shows exactly the same at t whether the store ends at t or holds the following month and more", async () => {
    const lo = at("2025-10-20T00:00:00Z");
    const hi = at("2026-01-15T00:00:00Z");
    const instant = fc.oneof(
      fc.integer({ min: lo, max: hi }),
      fc.integer({ min: lo / HOUR, max: hi / HOUR }).map((h) => h * HOUR), // exactly on candle boundaries
      fc.integer({ min: lo / HOUR, max: hi / HOUR }).map((h) => h * HOUR - 1),
    );
    await fc.assert(
      fc.asyncProperty(instant, async (t) => {
        const truncated = tempStore();
        try {
          fill(truncated.store, t);
          const a = await observe(truncated.store, t);
          const b = await observe(full.store, t);
          expect(a).toEqual(b);
          // Sanity: the observation is not empty.
          expect((b.markets as unknown[]).length).toBe(3);
          expect((b.events as unknown[]).length).toBeGreaterThan(20);
        } finally {
          truncated.close();
        }
      }),
      { numRuns: 8 },
    );
  }, 120_000);
});

describe("ReplayExchange: behaves like the live adapter", () => {
  let t: TempStore;
  const btc5m = bundled("spot", "BTCUSDT", "5m");
  const btc1h = bundled("spot", "BTCUSDT", "1h");
  beforeAll(() => {
    t = tempStore();
    fill(t.store, Number.POSITIVE_INFINITY);
  });
  afterAll(() => t.close());
  const make = (now: number) =>
    new ReplayExchange({ store: t.store, clock: new SimulatedClock(now), exchange: "binance", market: "spot" });

  it("returns the most recent candles with the forming one last, like GET /klines", async () => {
    const now = at("2025-12-10T10:37:12Z");
    const ex = make(now);
    const recent = await ex.candles({ symbol: "BTCUSDT", interval: "1h" });
    expect(recent).toHaveLength(500); // Binance's default limit
    const forming = recent.at(-1)!;
    expect(forming).toMatchObject({
      openTime: at("2025-12-10T10:00:00Z"),
      closeTime: at("2025-12-10T10:59:59.999Z"),
      closed: false,
    });
    // Built from the 5m candles 10:00..10:30 (10:35 has not closed at 10:37).
    const parts = btc5m.filter(
      (c) => c.openTime >= at("2025-12-10T10:00:00Z") && c.openTime <= at("2025-12-10T10:30:00Z"),
    );
    expect(parts).toHaveLength(7);
    expect(forming.open).toBe(parts[0]!.open);
    expect(forming.close).toBe(parts.at(-1)!.close);
    expect(forming.high).toBe(Math.max(...parts.map((c) => c.high)));
    expect(forming.volume).toBeCloseTo(
      parts.reduce((s, c) => s + c.volume, 0),
      8,
    );
    expect(recent.slice(0, -1)).toEqual(btc1h.filter((c) => c.closeTime < now).slice(-499));

    const paged = await ex.candles({
      symbol: "BTCUSDT",
      interval: "1h",
      startTime: at("2025-12-01T00:30:00Z"),
      limit: 3,
    });
    expect(paged.map((c) => iso(c.openTime))).toEqual([
      "2025-12-01T01:00:00.000Z",
      "2025-12-01T02:00:00.000Z",
      "2025-12-01T03:00:00.000Z",
    ]);
    const ending = await ex.candles({
      symbol: "BTCUSDT",
      interval: "1h",
      endTime: at("2025-12-01T03:00:00Z"),
      limit: 2,
    });
    expect(ending.map((c) => iso(c.openTime))).toEqual(["2025-12-01T02:00:00.000Z", "2025-12-01T03:00:00.000Z"]);
    expect(await ex.candles({ symbol: "BTCUSDT", interval: "1h", startTime: now + HOUR })).toEqual([]);
    const both = await ex.candles({ symbol: "BTCUSDT", interval: "1h", startTime: now - 3 * HOUR, endTime: now + DAY });
    expect(both.map((c) => c.closed)).toEqual([true, true, false]);
  });

  it("omits the forming candle when no finer data exists and reports unknown symbols and intervals clearly", async () => {
    const ex = make(at("2025-07-10T10:37:00Z")); // before the 5m data begins
    // ETH 4h has stored 1h candles below it: a forming 08:00 candle from 08:00 and 09:00.
    const eth = await ex.candles({ symbol: "ETHUSDT", interval: "4h", limit: 2 });
    expect(eth.map((c) => [iso(c.openTime), c.closed])).toEqual([
      ["2025-07-10T04:00:00.000Z", true],
      ["2025-07-10T08:00:00.000Z", false],
    ]);
    // ETH 1h has nothing finer: the forming 10:00 candle is omitted.
    const eth1h = await ex.candles({ symbol: "ETHUSDT", interval: "1h", limit: 2 });
    expect(eth1h.map((c) => c.closed)).toEqual([true, true]);
    expect(eth1h.at(-1)!.openTime).toBe(at("2025-07-10T09:00:00Z"));
    // BTC's 5m series starts in November: in July it does not exist yet, so no 5m candles can be built.
    await expect(ex.candles({ symbol: "BTCUSDT", interval: "15m" })).rejects.toThrow(/No stored 15m candles/);
    await expect(ex.candles({ symbol: "DOGEUSDT", interval: "1h" })).rejects.toBeInstanceOf(UnknownSymbolError);
    await expect(ex.candles({ symbol: "ETHUSDT", interval: "5m" })).rejects.toBeInstanceOf(DataError);
    await expect(ex.candles({ symbol: "ETHUSDT", interval: "1h", limit: 0 })).rejects.toBeInstanceOf(UsageError);
    // SOL's data starts 2025-01-01: a week earlier it is not listed yet.
    const early = make(at("2024-12-25T00:00:00Z"));
    await expect(early.candles({ symbol: "SOLUSDT", interval: "1h" })).rejects.toBeInstanceOf(UnknownSymbolError);
    expect((await early.markets()).map((m) => m.symbol)).toEqual(["BTCUSDT"]);
  });

  it("lists markets and 24h tickers from the data up to now", async () => {
    const now = at("2025-12-10T10:37:00Z");
    const ex = make(now);
    const markets = await ex.markets();
    expect(markets.map((m) => [m.symbol, m.baseAsset, m.quoteAsset, m.status, m.tickSize])).toEqual([
      ["BTCUSDT", "BTC", "USDT", "TRADING", 0.01],
      ["ETHUSDT", "ETH", "USDT", "TRADING", 0.01],
      ["SOLUSDT", "SOL", "USDT", "TRADING", 0.01],
    ]);
    const tickers = await ex.tickers24h();
    const btc = tickers.find((x) => x.symbol === "BTCUSDT")!;
    const window = btc5m.filter((c) => c.openTime >= now - DAY + 3 * MINUTE && c.closeTime < now);
    expect(window).toHaveLength(287);
    expect(btc.lastPrice).toBe(window.at(-1)!.close);
    expect(btc.openPrice).toBe(window[0]!.open);
    expect(btc.highPrice).toBe(Math.max(...window.map((c) => c.high)));
    expect(btc.volume).toBeCloseTo(
      window.reduce((s, c) => s + c.volume, 0),
      6,
    );
    expect(btc.quoteVolume).toBeGreaterThan(btc.volume * btc.lowPrice);
    expect(btc.priceChangePercent).toBeCloseTo(((btc.lastPrice - btc.openPrice) / btc.openPrice) * 100, 2);
    expect(ex.weightUsage()).toEqual({ used: 0, limit: 0, spent: 0, requests: 0 });
    // After the 1h data ends (2026-05-16), BTC (1d) and ETH (4h) still have recent candles; SOL (1h only) stopped.
    const later = make(at("2026-05-20T00:00:00Z"));
    expect((await later.markets()).map((m) => [m.symbol, m.status])).toEqual([
      ["BTCUSDT", "TRADING"],
      ["ETHUSDT", "TRADING"],
      ["SOLUSDT", "BREAK"],
    ]);
  });

  it("delivers stream updates in time order across streams as the clock is driven", async () => {
    const clock = new SimulatedClock(at("2025-12-10T10:37:00Z"));
    const ex = new ReplayExchange({ store: t.store, clock, exchange: "binance", market: "spot" });
    const got: { now: number; stream: string; open: string; closed: boolean }[] = [];
    const statuses: string[] = [];
    const sub = ex.subscribeCandles(
      [
        { symbol: "ETHUSDT", interval: "4h" },
        { symbol: "BTCUSDT", interval: "1h" },
      ],
      {
        onCandle: (k, c) =>
          got.push({
            now: clock.now(),
            stream: `${k.symbol} ${k.interval}`,
            open: iso(c.openTime).slice(11, 16),
            closed: c.closed,
          }),
        onStatus: (s) => statuses.push(s.kind),
      },
    );
    expect(statuses).toEqual(["connected"]);
    ex.advanceTo(at("2025-12-10T12:00:00Z"));
    expect(clock.now()).toBe(at("2025-12-10T12:00:00Z"));
    // BTC has 5m data: a forming 1h update every 5 minutes, the closed candle on the hour. ETH 4h has 1h below it.
    const times = got.map((g) => g.now);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(got.filter((g) => g.stream === "BTCUSDT 1h")).toHaveLength(4 + 1 + 11 + 1);
    expect(got.filter((g) => g.closed).map((g) => `${iso(g.now).slice(11, 16)} ${g.stream} ${g.open}`)).toEqual([
      "11:00 BTCUSDT 1h 10:00",
      "12:00 ETHUSDT 4h 08:00",
      "12:00 BTCUSDT 1h 11:00",
    ]);
    expect(got.filter((g) => g.stream === "ETHUSDT 4h").map((g) => `${iso(g.now).slice(11, 16)} ${g.closed}`)).toEqual([
      "11:00 false",
      "12:00 true",
    ]);
    // Handlers see the world as of the update: a view on the same clock shows the candle just closed as the last one.
    const view = new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot" });
    const inside: string[] = [];
    const sub2 = ex.subscribeCandles([{ symbol: "BTCUSDT", interval: "1d" }], {
      onCandle: (_k, c) => {
        const last = view.closed("BTCUSDT", "1d", 1)[0]!;
        inside.push(
          `${iso(clock.now())} ${c.closed} ${iso(last.openTime)} ${view.forming("BTCUSDT", "1d")?.openTime === c.openTime}`,
        );
      },
    });
    ex.advanceTo(at("2025-12-11T00:00:00Z"));
    expect(inside.at(-1)).toBe("2025-12-11T00:00:00.000Z true 2025-12-10T00:00:00.000Z false");
    expect(inside.at(-2)).toBe("2025-12-10T23:55:00.000Z false 2025-12-09T00:00:00.000Z true");
    await sub.close();
    await sub2.close();
    const n = got.length;
    ex.advanceTo(at("2025-12-11T06:00:00Z"));
    expect(got.length).toBe(n);
    expect(inside.at(-1)).toBe("2025-12-11T00:00:00.000Z true 2025-12-10T00:00:00.000Z false");
  });

  it("steps from update to update and stops where the data ends", () => {
    const lastEth = bundled("spot", "ETHUSDT", "4h").at(-1)!;
    const clock = new SimulatedClock(lastEth.openTime - 3 * 4 * HOUR);
    const ex = new ReplayExchange({ store: t.store, clock, exchange: "binance", market: "spot" });
    const closes: number[] = [];
    ex.subscribeCandles([{ symbol: "ETHUSDT", interval: "4h" }], { onCandle: (_k, c) => closes.push(c.closeTime) });
    const steps: number[] = [];
    for (let s = ex.step(); s !== undefined; s = ex.step()) steps.push(s);
    // ETH 1h ends before its 4h data does; the last updates come from the 4h series alone.
    expect(steps.at(-1)).toBe(lastEth.closeTime + 1);
    expect(closes.at(-1)).toBe(lastEth.closeTime);
    expect(clock.now()).toBe(lastEth.closeTime + 1);
    expect(ex.step()).toBeUndefined();
    expect(() => ex.advanceTo(clock.now() - 1)).toThrow(UsageError);
    const fixed = new ReplayExchange({ store: t.store, clock: { now: () => 0 }, exchange: "binance", market: "spot" });
    expect(() => fixed.advanceTo(1)).toThrow(/clock that can be set/);
  });
});
