import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertJsonSafe, jsonSafetyProblems } from "../../src/agents/json-safe.js";
import { analyzePriceAction, priceActionAgent } from "../../src/agents/price-action.js";
import { AGENTS } from "../../src/agents/registry.js";
import { srDetectorAgent } from "../../src/agents/sr-detector.js";
import { analyzeSymbol, type SymbolAnalysis } from "../../src/agents/symbol-analysis.js";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { DataError, InsufficientDataError, UsageError } from "../../src/core/errors.js";
import { DAY, HOUR, type Interval, intervalMs } from "../../src/core/interval.js";
import { atr, macd, obv, rsi } from "../../src/indicators/index.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { at, bundled, key, type TempStore, tempStore } from "../market/helpers.js";

const SERIES: [string, Interval][] = [
  ["BTCUSDT", "1d"],
  ["BTCUSDT", "4h"],
  ["BTCUSDT", "1h"],
  ["BTCUSDT", "5m"],
  ["SOLUSDT", "1d"],
  ["SOLUSDT", "1h"],
];

/** A store holding the bundled series, each cut to the candles closed before `until` (all of them by default). */
function storeWith(until = Number.POSITIVE_INFINITY, series = SERIES): TempStore {
  const t = tempStore();
  for (const [symbol, interval] of series) {
    t.store.upsert(
      key(symbol, interval),
      bundled("spot", symbol, interval).filter((c) => c.closeTime < until),
    );
  }
  return t;
}

const viewAt = (t: TempStore, now: number) =>
  new StoreMarketView({ store: t.store, clock: new SimulatedClock(now), exchange: "binance", market: "spot" });

function closedBy(candles: readonly Candle[], now: number, count = 500): Candle[] {
  let end = candles.findIndex((c) => c.closeTime >= now);
  if (end < 0) end = candles.length;
  return candles.slice(Math.max(0, end - count), end);
}

const col = (cs: readonly Candle[], f: "close" | "high" | "low" | "volume") => cs.map((c) => c[f]);

let full: TempStore;
beforeAll(() => {
  full = storeWith();
});
afterAll(() => full.close());

describe("analyzeSymbol on real BTC candles", () => {
  const now = at("2024-12-05T03:00:00Z"); // the 02:00 hour, BTC's first close above $100k, has just closed
  let a: SymbolAnalysis;
  beforeAll(() => {
    a = analyzeSymbol(viewAt(full, now), "BTCUSDT");
  });

  it("reports time, price and every timeframe's indicators as the indicator library computes them", () => {
    expect(a.symbol).toBe("BTCUSDT");
    expect(a.time).toBe(now);
    expect(a.baseInterval).toBe("1h");
    // No 5m data in 2024, so the finest forming candle is the 4h one, built from the 1h candles closed by now.
    expect(a.priceSource).toBe("forming");
    expect(a.price).toBe(101_248.19);
    expect(Object.keys(a.timeframes)).toEqual(["1h", "4h", "1d"]);
    const expectOpen: Record<string, string> = {
      "1h": "2024-12-05T02:00:00Z",
      "4h": "2024-12-04T20:00:00Z",
      "1d": "2024-12-04T00:00:00Z",
    };
    for (const tf of ["1h", "4h", "1d"] as const) {
      const w = closedBy(bundled("spot", "BTCUSDT", tf), now);
      const n = w.length;
      expect(n).toBe(500);
      const snap = a.timeframes[tf]!;
      expect(snap.openTime).toBe(at(expectOpen[tf]!));
      expect(snap.close).toBe(w[n - 1]!.close);
      // The indicators start at the anchor: the first candle at or after the last multiple of 128 candle slots
      // (open time ÷ interval) at or before the window's first candle — the same anchor however the view got here.
      const all = closedBy(bundled("spot", "BTCUSDT", tf), now, 1e9);
      const span = 128 * intervalMs(tf);
      const anchorTime = Math.floor(w[0]!.openTime / span) * span;
      const a0 = all.filter((c) => c.openTime >= anchorTime);
      expect(a0.length).toBeGreaterThanOrEqual(500);
      expect(a0.length).toBeLessThan(500 + 128);
      const k = a0.length - 1;
      expect(snap.rsi).toBe(rsi(col(a0, "close"), 14)[k]);
      const m = macd(col(a0, "close"));
      expect(snap.macd).toEqual({ line: m.macd[k], signal: m.signal[k], histogram: m.histogram[k] });
      expect(snap.atr).toBe(atr(col(a0, "high"), col(a0, "low"), col(a0, "close"), 14)[k]);
      // OBV is a cumulative sum that never forgets its start: it runs over the window itself.
      expect(snap.obv).toBe(obv(col(w, "close"), col(w, "volume"))[n - 1]);
      // 500 candles are enough for the seeds to be forgotten: the window's own RSI and full-history RSI agree to
      // rounding.
      expect(snap.rsi).toBeCloseTo(rsi(col(w, "close"), 14)[n - 1]!, 9);
      expect(snap.rsi).toBeCloseTo(rsi(col(all, "close"), 14)[all.length - 1]!, 9);
    }
    expect(a.momentum.timeframes["1h"]!.rsi).toBe(a.timeframes["1h"]!.rsi);
    expect(a.momentum.timeframes["4h"]!.macd).toEqual(a.timeframes["4h"]!.macd);
    expect(a.missing).toEqual([
      {
        part: "timeframes",
        interval: "15m",
        candles: 0,
        needed: 34,
        reason: "0 closed 15m candles, the indicators need 34",
      },
    ]);
    expect(a.momentum.missing.map((m) => m.interval)).toEqual(["15m"]);
  });

  it("carries the agents' results: the breakout, the volume spike, no order flow on spot data, the profile", () => {
    const range = a.priceAction.breakouts.find((b) => b.kind === "range");
    expect(range).toMatchObject({ direction: "up", level: 99_000, close: 101_248.19 });
    expect(a.priceAction).toEqual(
      analyzePriceAction({ candles: closedBy(bundled("spot", "BTCUSDT", "1h"), now), zones: a.zones }, {}),
    );
    expect(a.volume.time).toBe(at("2024-12-05T02:00:00Z"));
    expect(a.volume.spike).toBe(true);
    expect(a.volume.volumeScore).toBeGreaterThan(9);
    expect(a.volume.liquidity.passes).toBe(true);
    expect(a.orderFlow.available).toBe(false);
    expect(a.orderFlow.reason).toMatch(/taker/);
    const vp = a.volumeProfile;
    expect(vp.available).toBe(true);
    expect(vp.candles).toBe(168);
    expect(vp.valueAreaLow!).toBeLessThan(vp.poc!);
    expect(vp.poc!).toBeLessThan(vp.valueAreaHigh!);
  });

  it("lists S/R zones by score with exactly the documented fields, typed against the price", () => {
    expect(a.zones.length).toBeGreaterThan(3);
    for (let i = 1; i < a.zones.length; i++) expect(a.zones[i - 1]!.score).toBeGreaterThanOrEqual(a.zones[i]!.score);
    for (const z of a.zones) {
      expect(Object.keys(z).sort()).toEqual(["high", "low", "price", "score", "timeframes", "touches", "type"]);
      expect(z.low).toBeLessThanOrEqual(z.price);
      expect(z.price).toBeLessThanOrEqual(z.high);
      expect(z.type).toBe(z.price <= a.price ? "support" : "resistance");
      expect(z.score).toBeGreaterThanOrEqual(0);
      expect(z.score).toBeLessThanOrEqual(100);
    }
    // At a new all-time high nothing above has been a confirmed swing yet: support only.
    expect(a.nearestResistance).toBeNull();
    expect(a.zones.every((z) => z.type === "support")).toBe(true);
    expect(a.nearestSupport).toEqual(a.zones.reduce((best, z) => (z.price > best.price ? z : best), a.zones[0]!));
    // Two weeks later, back below $100k, the $104k top is resistance.
    const later = analyzeSymbol(viewAt(full, at("2024-12-10T12:00:00Z")), "BTCUSDT");
    expect(later.nearestResistance!.price).toBeGreaterThan(later.price);
    expect(later.nearestSupport!.price).toBeLessThanOrEqual(later.price);
    expect(later.zones.some((z) => z.type === "resistance" && z.low <= 104_088 && 104_088 <= z.high)).toBe(true);
  });

  it("is plain JSON: no NaN, Infinity or undefined anywhere, and it round-trips exactly", () => {
    expect(jsonSafetyProblems(a)).toEqual([]);
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
    // The check itself finds what JSON would silently change.
    const broken = { ...a, volume: { ...a.volume, ratio: Number.NaN }, extra: undefined, when: new Date(0) };
    expect(jsonSafetyProblems(broken)).toEqual([
      "$.volume.ratio: NaN",
      "$.extra: undefined",
      "$.when: a Date object, not plain data",
    ]);
    expect(() => assertJsonSafe(broken, "The analysis")).toThrow(DataError);
    expect(() => assertJsonSafe(broken, "The analysis")).toThrow(/\$\.volume\.ratio: NaN/);
    const cyclic: Record<string, unknown> = { a: [1, Number.POSITIVE_INFINITY] };
    cyclic.self = cyclic;
    expect(jsonSafetyProblems(cyclic)).toEqual(["$.a[1]: Infinity", "$.self: contains itself (a cycle)"]);
    // A shared (not cyclic) object is fine: lastBreakout shares its zone with breakouts[0].
    const shared = { low: 1, high: 2 };
    expect(jsonSafetyProblems({ x: shared, y: [shared] })).toEqual([]);
  });

  it("uses the forming candle of the finest timeframe for the price when finer data exists (5m, Dec 2025)", () => {
    const t = at("2025-12-10T10:37:00Z");
    const b = analyzeSymbol(viewAt(full, t), "BTCUSDT");
    const m5 = closedBy(bundled("spot", "BTCUSDT", "5m"), t, 1);
    expect(m5[0]!.openTime).toBe(at("2025-12-10T10:30:00Z"));
    expect(b.priceSource).toBe("forming");
    expect(b.price).toBe(m5[0]!.close);
    // 15m is derived from 5m now, so all four timeframes are there.
    expect(Object.keys(b.timeframes)).toEqual(["15m", "1h", "4h", "1d"]);
    expect(b.timeframes["15m"]!.openTime).toBe(at("2025-12-10T10:15:00Z"));
    expect(b.missing.filter((m) => m.part === "timeframes")).toEqual([]);
    expect(jsonSafetyProblems(b)).toEqual([]);
  });
});

describe("analyzeSymbol with little history", () => {
  it("throws InsufficientDataError naming the interval and the counts when the base timeframe is too short", () => {
    const t = at("2025-01-01T10:00:00Z"); // SOL's 1h data starts 2025-01-01
    const view = viewAt(full, t);
    let err: unknown;
    try {
      analyzeSymbol(view, "SOLUSDT");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InsufficientDataError);
    expect((err as Error).message).toBe(
      "SOLUSDT 1h: 10 closed candles by 2025-01-01T10:00:00.000Z, the price-action and volume analysis needs at least 25.",
    );
    expect((err as InsufficientDataError).hint).toMatch(/cma download --symbols SOLUSDT --intervals 1h --from /);
    expect(() => analyzeSymbol(view, "DOGEUSDT")).toThrow("DOGEUSDT 1h: 0 closed candles");
  });

  it("reports the timeframes a young market lacks instead of failing (SOL, 2 days of 1h data)", () => {
    const a = analyzeSymbol(viewAt(full, at("2025-01-03T00:00:00Z")), "SOLUSDT");
    expect(Object.keys(a.timeframes)).toEqual(["1h", "1d"]);
    expect(a.missing.filter((m) => m.part === "timeframes")).toEqual([
      {
        part: "timeframes",
        interval: "15m",
        candles: 0,
        needed: 34,
        reason: "0 closed 15m candles, the indicators need 34",
      },
      {
        part: "timeframes",
        interval: "4h",
        candles: 12,
        needed: 34,
        reason: "12 closed 4h candles, the indicators need 34",
      },
    ]);
    expect(a.momentum.missing.map((m) => [m.interval, m.candles])).toEqual([
      ["15m", 0],
      ["4h", 12],
    ]);
    expect(Object.keys(a.momentum.timeframes)).toEqual(["1h"]);
    expect(a.volume.percentile).toBeNull(); // 48 candles: fewer than the 100 the percentile ranks against
    expect(jsonSafetyProblems(a)).toEqual([]);
  });

  it("works on a coin listed weeks ago with a daily base (SOL, October 2020): fewer S/R timeframes, said so", () => {
    const a = analyzeSymbol(viewAt(full, at("2020-10-20T00:00:00Z")), "SOLUSDT", {
      baseInterval: "1d",
      timeframes: ["1d"],
      momentum: { timeframes: ["1d"] },
      orderFlow: { interval: "1d" },
      volumeProfile: { interval: "1d", window: 60 },
    });
    expect(Object.keys(a.timeframes)).toEqual(["1d"]);
    const zonesMissing = a.missing.filter((m) => m.part === "zones").map((m) => m.interval);
    expect(zonesMissing).toContain("1M");
    expect(zonesMissing).toContain("1h");
    expect(a.zones.length).toBeGreaterThan(0);
    expect(jsonSafetyProblems(a)).toEqual([]);
  });

  it("rejects bad options before reading anything", () => {
    const view = viewAt(full, at("2024-12-05T03:00:00Z"));
    expect(() => analyzeSymbol(view, "BTCUSDT", { candles: 10 })).toThrow(UsageError);
    expect(() => analyzeSymbol(view, "BTCUSDT", { baseInterval: "2h30" as Interval })).toThrow(/not an interval/);
    expect(() => analyzeSymbol(view, "BTCUSDT", { priceAction: { rangeLookback: 0 } })).toThrow(/rangeLookback/);
  });
});

describe("the registered agents, each run alone", () => {
  const BASE = ["symbol", "time", "baseInterval", "price", "priceSource", "timeframes", "missing", "evidence"];

  it("publish exactly the fields they publish in the full analysis, with the same values", () => {
    const now = at("2024-12-05T03:30:00Z");
    const whole = analyzeSymbol(viewAt(full, now), "BTCUSDT") as unknown as Record<string, unknown>;
    const seen = new Set<string>(BASE);
    for (const agent of AGENTS) {
      const before = agent.after ?? [];
      const alone = analyzeSymbol(viewAt(full, now), "BTCUSDT", { agents: [...before, agent] });
      const withoutIt = before.length
        ? Object.keys(analyzeSymbol(viewAt(full, now), "BTCUSDT", { agents: before }))
        : BASE;
      const own = Object.keys(alone).filter((k) => !withoutIt.includes(k));
      expect(own.length, agent.name).toBeGreaterThan(0);
      for (const k of own) {
        expect((alone as unknown as Record<string, unknown>)[k], `${agent.name}: ${k}`).toEqual(whole[k]);
        seen.add(k);
      }
      const evidence = whole.evidence as Record<string, unknown>;
      expect(alone.evidence[agent.name], `${agent.name}: evidence`).toEqual(evidence[agent.name]);
      expect(Object.keys(evidence[agent.name] as object).length, agent.name).toBeGreaterThan(0);
    }
    // Every field of the full analysis comes from the base or one agent.
    expect([...seen].sort()).toEqual(Object.keys(whole).sort());
  });

  it("an agent's required history is checked before it runs, naming who needs it", () => {
    const young = viewAt(full, at("2025-01-01T05:00:00Z"));
    const agents = [srDetectorAgent, priceActionAgent];
    expect(() => analyzeSymbol(young, "SOLUSDT", { agents })).toThrow(InsufficientDataError);
    expect(() => analyzeSymbol(young, "SOLUSDT", { agents })).toThrow(
      /^SOLUSDT 1h: 5 closed candles by .*the price-action analysis needs at least 25/,
    );
    expect(() => analyzeSymbol(young, "SOLUSDT")).toThrow(/the price-action and volume analysis needs at least/);
    expect(() => analyzeSymbol(young, "SOLUSDT", { agents: [priceActionAgent] })).toThrow(
      /price-action runs after sr-detector, which is not registered/,
    );
  });
});

describe("analyzeSymbol: no lookahead", () => {
  it("gives identical JSON at T whether the store ends at T or holds everything after it", () => {
    const series = SERIES.filter(([symbol]) => symbol === "BTCUSDT");
    const start = at("2024-01-20T00:00:00Z");
    const examples: [number, number][] = [
      [(at("2025-11-01T00:00:00Z") - start) / HOUR, 3], // the first 15 minutes of the 5m data
      [(at("2025-12-10T10:00:00Z") - start) / HOUR, 7],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 760 * 24 - 1 }), fc.integer({ min: 0, max: 11 }), (hours, fifth) => {
        // On the hour or part-way through one (forming candles the view must build only from the past); the range
        // reaches into the 5m data of Nov 2025 – Feb 2026, where 15m candles are derived and forming ones exist.
        const t = start + hours * HOUR + fifth * 5 * 60_000;
        const cut = storeWith(t, series);
        try {
          const truncated = JSON.stringify(analyzeSymbol(viewAt(cut, t), "BTCUSDT"));
          const whole = JSON.stringify(analyzeSymbol(viewAt(full, t), "BTCUSDT"));
          expect(truncated).toBe(whole);
          // And the whole store really held the future.
          expect(full.store.latest(key("BTCUSDT", "1h"), 1)[0]!.openTime).toBeGreaterThan(t + 30 * DAY);
        } finally {
          cut.close();
        }
      }),
      { numRuns: 5, examples },
    );
  });
});

describe("analyzeSymbol: caches between analyses", () => {
  it("a view walked through time gives byte-identical analyses to a new view at each instant", () => {
    // analyzeSymbol keeps series and indicators per view (series-cache.ts) and the S/R detector its pivots and
    // touch counts per window; none of it may change a result. A fresh view starts with empty caches.
    const start = at("2025-10-28T00:00:00Z"); // a few days before the 5m data begins, walking into it
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 * 24 }),
        // Steps of 5 minutes to a day and a half: within an hour, across 4h and daily closes.
        fc.array(
          fc.integer({ min: 1, max: 18 * 24 }).map((k) => k * 5 * 60_000),
          { minLength: 2, maxLength: 12 },
        ),
        (startHour, steps) => {
          const clock = new SimulatedClock(start + startHour * HOUR);
          const walked = new StoreMarketView({ store: full.store, clock, exchange: "binance", market: "spot" });
          for (const dt of steps) {
            clock.advance(dt);
            const cached = JSON.stringify(analyzeSymbol(walked, "BTCUSDT"));
            const fresh = JSON.stringify(analyzeSymbol(viewAt(full, clock.now()), "BTCUSDT"));
            expect(cached).toBe(fresh);
          }
        },
      ),
      { numRuns: 6 },
    );
  }, 60_000);
});
