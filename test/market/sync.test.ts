/**
 * syncCandles against the real Binance adapter talking HTTP to the project's fake Binance (bundled real candles) on
 * a random loopback port. The adapter's waits advance the shared simulated clock instead of sleeping.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { ExchangeUnavailableError } from "../../src/core/errors.js";
import { countCandles, HOUR, type Interval } from "../../src/core/interval.js";
import { BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import type { MarketType } from "../../src/exchange/exchange.js";
import { type SyncProgress, syncCandles } from "../../src/market/sync.js";
import { binanceCapabilities } from "../../src/exchange/binance/endpoints.js";
import {
  bundledMarketData,
  type FakeBinance,
  type FakeMarketData,
  startFakeBinance,
} from "../../src/sim/fake-binance/index.js";
import { at, bundled, key, type TempStore, tempStore } from "./helpers.js";

const NOW = at("2024-06-15T12:30:00Z");

const data: Partial<Record<MarketType, FakeMarketData>> = {};

interface Rig {
  clock: SimulatedClock;
  fake: FakeBinance;
  ex: BinanceExchange;
  t: TempStore;
  klines(): { query: Record<string, string>; weight: number }[];
  close(): Promise<void>;
}

async function rig(market: MarketType, now = NOW): Promise<Rig> {
  data.spot ??= bundledMarketData("spot", { symbols: ["BTCUSDT", "ETHUSDT"] });
  data.futures ??= bundledMarketData("futures", { symbols: ["ALGOUSDT"] });
  const clock = new SimulatedClock(now);
  const fake = await startFakeBinance({ clock, spot: data.spot, futures: data.futures });
  const ex = new BinanceExchange({
    market,
    restUrl: fake.restUrl,
    wsUrl: fake.wsUrl,
    clock,
    sleep: async (ms) => clock.advance(ms),
    random: () => 0.5,
    maxRetries: 2,
    backoff: { baseMs: 100, maxMs: 1000 },
  });
  const t = tempStore();
  return {
    clock,
    fake,
    ex,
    t,
    klines: () =>
      fake.requests.filter((r) => r.path.endsWith("/klines")).map((r) => ({ query: r.query, weight: r.weight })),
    async close() {
      await ex.close();
      await fake.close();
      t.close();
    },
  };
}

const inRange = (cs: readonly Candle[], from: number, to: number) =>
  cs.filter((c) => c.openTime >= from && c.openTime <= to);
const prices = (c: Candle) => [c.openTime, c.open, c.high, c.low, c.close];

describe("syncCandles (spot)", () => {
  let r: Rig;
  beforeEach(async () => {
    r = await rig("spot");
  });
  afterEach(async () => {
    await r.close();
  });

  const from = at("2024-01-01T00:00:00Z");
  const to = at("2024-03-31T23:59:59Z");
  const req = { symbols: ["BTCUSDT", "ETHUSDT"], intervals: ["1h", "4h", "1d", "1w"] as Interval[], from, to };

  it("downloads 1h and 1d, derives 4h and 1w at zero weight, and a second sync sends nothing", async () => {
    const progress: SyncProgress[] = [];
    const report = await syncCandles(r.ex, r.t.store, req, { onProgress: (p) => progress.push(p) });
    expect(report.plan).toEqual({
      download: ["1h", "1d"],
      derive: [
        { interval: "4h", from: "1h" },
        { interval: "1w", from: "1d" },
      ],
    });
    const hours = countCandles("1h", from, to + 1); // 2184
    const days = countCandles("1d", from, to + 1); // 91
    const by = (s: string, i: string) => report.series.find((x) => x.symbol === s && x.interval === i)!;
    for (const s of req.symbols) {
      expect(by(s, "1h")).toMatchObject({
        fetched: hours,
        derived: 0,
        alreadyPresent: 0,
        requests: 3,
        weight: 6,
        gaps: [],
      });
      expect(by(s, "1d")).toMatchObject({ fetched: days, requests: 1, weight: 2, gaps: [] });
      expect(by(s, "4h")).toMatchObject({ fetched: 0, derived: hours / 4, requests: 0, weight: 0, derivedFrom: "1h" });
      // Weeks fully inside the period: 2024-01-01 is a Monday; the week of 2024-03-25 ends 03-31.
      expect(by(s, "1w")).toMatchObject({ derived: 13, requests: 0, weight: 0, derivedFrom: "1d" });
    }
    // Requests: one /time, one exchangeInfo (the adapter reads the limits once), 8 kline pages of weight 2.
    const kl = r.klines();
    expect(kl).toHaveLength(8);
    expect(kl.every((k) => k.weight === 2 && Number(k.query.limit) <= 1000)).toBe(true);
    expect(report.requests).toBe(r.fake.requests.length);
    expect(report.weight).toBe(r.fake.totalWeight("spot"));
    expect(report.weight).toBe(1 + 20 + 8 * 2);
    // The derived 4h candles are Binance's own.
    const h4 = inRange(bundled("spot", "BTCUSDT", "4h"), from, to);
    expect(r.t.store.range(key("BTCUSDT", "4h")).map(prices)).toEqual(h4.map(prices));
    expect(r.t.store.range(key("BTCUSDT", "1h"))).toEqual(inRange(bundled("spot", "BTCUSDT", "1h"), from, to));
    expect(new Set(r.t.store.sources(key("ETHUSDT", "1w")))).toEqual(new Set(["1d"]));
    // Progress: monotonic, ends complete.
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: "done", done: 2 * (hours + days), total: 2 * (hours + days) });
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.done).toBeGreaterThanOrEqual(progress[i - 1]!.done);

    const before = r.fake.requests.length;
    const again = await syncCandles(r.ex, r.t.store, req);
    expect(r.fake.requests.length).toBe(before);
    expect(again.requests).toBe(0);
    expect(again.weight).toBe(0);
    expect(again.serverTime).toBeUndefined();
    expect(by(req.symbols[0]!, "1h").fetched).toBe(hours);
    const againBtc = again.series.find((x) => x.symbol === "BTCUSDT" && x.interval === "1h")!;
    expect(againBtc).toMatchObject({ fetched: 0, alreadyPresent: hours, requests: 0 });
    expect(again.series.find((x) => x.symbol === "BTCUSDT" && x.interval === "4h")).toMatchObject({
      derived: 0,
      alreadyPresent: hours / 4,
    });
  });

  it("never stores the forming candle, and later fetches only the candles closed since", async () => {
    const start = at("2024-06-10T00:00:00Z");
    const first = await syncCandles(r.ex, r.t.store, { symbols: ["BTCUSDT"], intervals: ["1h"], from: start });
    expect(first.serverTime).toBe(NOW);
    const stored = r.t.store.range(key("BTCUSDT", "1h"));
    expect(stored.at(-1)!.openTime).toBe(at("2024-06-15T11:00:00Z")); // 12:00 is forming at 12:30
    expect(stored).toHaveLength(5 * 24 + 12);
    // Same instant: the store is complete up to the last closed candle; only the time is asked.
    let n = r.fake.requests.length;
    const same = await syncCandles(r.ex, r.t.store, { symbols: ["BTCUSDT"], intervals: ["1h"], from: start });
    expect(r.fake.requests.slice(n).map((q) => q.path)).toEqual(["/api/v3/time"]);
    expect(same.series[0]!.fetched).toBe(0);
    // Given the caller's exchange-synced time, not even that: no request at all.
    n = r.fake.requests.length;
    const told = await syncCandles(
      r.ex,
      r.t.store,
      { symbols: ["BTCUSDT"], intervals: ["1h"], from: start },
      { now: r.clock.now() },
    );
    expect(r.fake.requests.slice(n)).toEqual([]);
    expect(told.series[0]!.fetched).toBe(0);
    // Two and a half hours later: 12:00, 13:00 and 14:00 have closed; one page fetches exactly them.
    r.clock.advance(2.5 * HOUR);
    n = r.fake.requests.length;
    const later = await syncCandles(r.ex, r.t.store, { symbols: ["BTCUSDT"], intervals: ["1h"], from: start });
    const kl = r.fake.requests.slice(n).filter((q) => q.path.endsWith("/klines"));
    expect(kl).toHaveLength(1);
    expect(Number(kl[0]!.query.startTime)).toBe(at("2024-06-15T12:00:00Z"));
    expect(later.series[0]!.fetched).toBe(3);
    expect(r.t.store.range(key("BTCUSDT", "1h")).at(-1)!.openTime).toBe(at("2024-06-15T14:00:00Z"));
  });

  it("resumes an aborted sync without fetching anything twice", async () => {
    const one = {
      symbols: ["BTCUSDT"],
      intervals: ["1h"] as Interval[],
      from: at("2023-01-01T00:00:00Z"),
      to: at("2023-12-31T23:00:00Z"),
    };
    const ac = new AbortController();
    const first = await syncCandles(r.ex, r.t.store, one, {
      concurrency: 1,
      signal: ac.signal,
      onProgress: (p) => {
        if (p.phase === "download" && p.done >= 2000) ac.abort();
      },
    });
    expect(first.aborted).toBe(true);
    const fetched1 = first.series[0]!.fetched;
    // Two pages of 1000 hours; the 2023-03-24 13:00 candle never existed, so they held 1999 candles.
    expect(fetched1).toBe(1999);
    expect(r.t.store.count(key("BTCUSDT", "1h"))).toBe(1999);
    const second = await syncCandles(r.ex, r.t.store, one);
    expect(second.aborted).toBe(false);
    const total = inRange(bundled("spot", "BTCUSDT", "1h"), one.from, one.to);
    expect(total.length).toBe(8759); // the 2023-03-24 13:00 candle never existed
    expect(fetched1 + second.series[0]!.fetched).toBe(total.length);
    expect(second.series[0]!.alreadyPresent).toBe(1999);
    // 9 pages of 1000 in all, as if it had never been interrupted.
    expect(r.klines()).toHaveLength(9);
    expect(r.t.store.range(key("BTCUSDT", "1h"))).toEqual(total);
    expect(second.series[0]!.gaps.map((g) => g.kind)).toEqual(["halt", "missing"]);
  });

  it("keeps the pages stored before an exchange failure, and the next sync completes the rest", async () => {
    const one = {
      symbols: ["ETHUSDT"],
      intervals: ["1h"] as Interval[],
      from: at("2023-01-01T00:00:00Z"),
      to: at("2023-06-30T23:00:00Z"),
    };
    let pages = 0;
    const run = syncCandles(r.ex, r.t.store, one, {
      concurrency: 1,
      onProgress: (p) => {
        if (p.phase === "download" && ++pages === 2)
          r.fake.inject({ kind: "status", status: 503, path: "/api/v3/klines", times: 10 });
      },
    });
    await expect(run).rejects.toBeInstanceOf(ExchangeUnavailableError);
    expect(r.t.store.count(key("ETHUSDT", "1h"))).toBe(1999); // two pages (the halt hour has no candle)
    r.fake.reset();
    const rest = await syncCandles(r.ex, r.t.store, one);
    const total = inRange(bundled("spot", "ETHUSDT", "1h"), one.from, one.to);
    expect(rest.series[0]!.fetched).toBe(total.length - 1999);
    expect(r.t.store.range(key("ETHUSDT", "1h"))).toEqual(total);
    expect(r.klines()).toHaveLength(Math.ceil((total.length - 2000) / 1000));
  });

  it("reports an unknown symbol on its series and syncs the others", async () => {
    const rep = await syncCandles(r.ex, r.t.store, {
      symbols: ["NOPEUSDT", "BTCUSDT"],
      intervals: ["1d", "1w"],
      from,
      to,
    });
    const nope = rep.series.filter((s) => s.symbol === "NOPEUSDT");
    expect(nope[0]!.error).toMatch(/NOPEUSDT|symbol/i);
    expect(nope[1]!.error).toMatch(/not derived/);
    expect(rep.series.find((s) => s.symbol === "BTCUSDT" && s.interval === "1d")!.fetched).toBe(91);
    expect(r.t.store.count(key("NOPEUSDT", "1d"))).toBe(0);
  });

  it("stores the same with any concurrency", async () => {
    const wide = {
      symbols: ["BTCUSDT", "ETHUSDT"],
      intervals: ["1h"] as Interval[],
      from: at("2023-01-01T00:00:00Z"),
      to: at("2023-08-01T00:00:00Z"),
    };
    const rep = await syncCandles(r.ex, r.t.store, wide, { concurrency: 6 });
    const other = tempStore();
    try {
      await syncCandles(r.ex, other.store, wide, { concurrency: 1 });
      for (const s of wide.symbols) expect(r.t.store.range(key(s, "1h"))).toEqual(other.store.range(key(s, "1h")));
      expect(rep.series.map((s) => s.requests)).toEqual([6, 6]);
    } finally {
      other.close();
    }
  });
});

describe("syncCandles (futures)", () => {
  let r: Rig;
  beforeAll(async () => {
    r = await rig("futures", at("2024-12-01T08:15:00Z"));
  });
  afterAll(async () => {
    await r.close();
  });

  it("pages by 499 (weight 2 each), skips the months the exchange has no candles for and reports them", async () => {
    const from = at("2024-01-01T00:00:00Z");
    const to = at("2024-10-31T23:00:00Z");
    const rep = await syncCandles(r.ex, r.t.store, { symbols: ["ALGOUSDT"], intervals: ["1h", "4h"], from, to });
    const algo = inRange(bundled("futures", "ALGOUSDT", "1h"), from, to); // February and September 2024
    const h1 = rep.series.find((s) => s.interval === "1h")!;
    expect(h1.fetched).toBe(algo.length);
    expect(r.t.store.range(key("ALGOUSDT", "1h", "futures"))).toEqual(algo);
    const kl = r.klines();
    expect(kl.every((k) => Number(k.query.limit) <= 499)).toBe(true);
    expect(kl.every((k) => k.weight === binanceCapabilities("futures").klines.weight(Number(k.query.limit)))).toBe(
      true,
    );
    expect(kl.filter((k) => k.weight !== 2)).toHaveLength(1); // only the short last page, for less
    expect(h1.requests).toBe(kl.length);
    expect(h1.weight).toBe(kl.reduce((sum, k) => sum + k.weight, 0));
    // The first request jumps over January (nothing before the first candle); March..August costs a page per 499 hours.
    expect(kl.length).toBeLessThanOrEqual(Math.ceil(countCandles("1h", from, to + 1) / 499) + 2);
    expect(h1.gaps).toEqual([
      { from: at("2024-03-01T00:00:00Z"), to: at("2024-08-31T23:00:00Z"), missing: 4416, kind: "missing" },
    ]);
    // The 4h series is derived; the months without 1h candles have no 4h candles either.
    const h4 = rep.series.find((s) => s.interval === "4h")!;
    expect(h4).toMatchObject({ requests: 0, derived: algo.length / 4 });
    // The exchange confirmed the empty months: a second sync asks nothing.
    const n = r.fake.requests.length;
    await syncCandles(r.ex, r.t.store, { symbols: ["ALGOUSDT"], intervals: ["1h", "4h"], from, to });
    expect(r.fake.requests.length).toBe(n);
    expect(rep.weight).toBe(r.fake.totalWeight("futures"));
  });
});
