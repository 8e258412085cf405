import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  analyzeSupportResistance,
  confluenceScore,
  DEFAULT_SR_DETECTOR_OPTIONS,
  htfConfluence,
  pivotWindowFor,
  resolveSrDetectorOptions,
  type SrResult,
  type SrZone,
  srDetectorAgent,
  zoneSummary,
} from "../../src/agents/sr-detector.js";
import { analyzeSymbol } from "../../src/agents/symbol-analysis.js";
import { InsufficientDataError } from "../../src/core/errors.js";
import { closedWindow } from "../../src/agents/closed-window.js";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY, type Interval } from "../../src/core/interval.js";
import { swingPivotsOfCandles } from "../../src/indicators/index.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { at, bundled, key, type TempStore, tempStore } from "../market/helpers.js";
import { btcPriceAt, btcTimeframes, cutAt, type Timeframes } from "./btc-timeframes.js";

const NEW_YEAR_2025 = at("2025-01-01T00:00:00Z");

function analyzeAt(now: number, candles: Timeframes = btcTimeframes(), options = {}): SrResult {
  return analyzeSupportResistance({ candles, price: btcPriceAt(now), now }, options);
}

const zoneAt = (r: SrResult, price: number): SrZone | undefined =>
  r.zones.find((z) => z.low <= price && price <= z.high);

const levelNames = (z: SrZone) =>
  z.levels.map((l) => `${l.interval} ${l.kind} ${l.price} ${new Date(l.time).toISOString().slice(0, 10)}`);

describe("S/R detector on real BTCUSDT candles, as of 2025-01-01", () => {
  const r = analyzeAt(NEW_YEAR_2025);

  it("uses every timeframe, with the history each has", () => {
    expect(r.price).toBe(93576);
    expect(r.asOf).toBe(NEW_YEAR_2025);
    expect(r.timeframesUsed).toEqual(["1M", "1w", "3d", "1d", "4h", "1h"]);
    expect(r.timeframesMissing).toEqual([]);
    // BTCUSDT monthly history starts 2017-09 (the first, partial month 2017-08 is not a whole candle).
    expect(r.coverage.map((c) => [c.interval, c.candles])).toEqual([
      ["1M", 88],
      ["1w", 100],
      ["3d", 100],
      ["1d", 100],
      ["4h", 100],
      ["1h", 100],
    ]);
    expect(r.coverage[0]!.from).toBe(at("2017-09-01T00:00:00Z"));
    // Each series ends with its last candle closed by then: the week on Sunday 12-29, the 3-day candle on 12-30.
    expect(r.coverage.map((c) => new Date(c.to + 1).toISOString().slice(0, 10))).toEqual([
      "2025-01-01",
      "2024-12-30",
      "2024-12-31",
      "2025-01-01",
      "2025-01-01",
      "2025-01-01",
    ]);
  });

  it("finds the March 2024 all-time high (73 777) as a monthly + weekly zone, joined by the October retest", () => {
    const z = zoneAt(r, 73777)!;
    expect(z).toBeDefined();
    expect([z.low, z.high]).toEqual([73620.12, 73777]);
    expect(levelNames(z)).toEqual([
      "1M high 73777 2024-03-01",
      "1w high 73777 2024-03-11",
      "1d high 73620.12 2024-10-29",
    ]);
    expect(z.timeframes).toEqual(["1M", "1w", "1d"]);
    expect(z.timeframeWeight).toBe(10 + 8 + 5);
    // Centre weighted by timeframe: (10·73777 + 8·73777 + 5·73620.12) / 23.
    expect(z.price).toBeCloseTo((18 * 73777 + 5 * 73620.12) / 23, 8);
    expect(z.type).toBe("support"); // price has since broken above it
    expect(z.touches).toBe(7);
    expect(z.touchesByTimeframe).toEqual([
      { interval: "1M", touches: 2 },
      { interval: "1w", touches: 2 },
      { interval: "3d", touches: 2 },
      { interval: "1d", touches: 1 },
    ]);
    expect(z.firstSeen).toBe(at("2024-03-01T00:00:00Z"));
    expect(z.lastTouched).toBe(at("2024-10-29T00:00:00Z"));
  });

  it("finds the August 2024 crash low (49 000) as a monthly/weekly/3d support that flipped from January's high", () => {
    const z = zoneAt(r, 49000)!;
    expect(z).toBeDefined();
    expect([z.low, z.high]).toEqual([48969.48, 49000]);
    expect(levelNames(z)).toEqual([
      "1M low 49000 2024-08-01",
      "1w high 48969.48 2024-01-08",
      "1w low 49000 2024-08-05",
      "3d low 49000 2024-08-03",
    ]);
    expect(z.timeframes).toEqual(["1M", "1w", "3d"]);
    expect(z.timeframeWeight).toBe(24);
    expect(z.type).toBe("support");
    expect(z.distancePct).toBeCloseTo(((93576 - z.price) / 93576) * 100, 10);
    expect(z.distancePct).toBeGreaterThan(47);
  });

  it("reports the nearest support below and resistance above the price", () => {
    expect(r.nearestSupport).not.toBeNull();
    expect(r.nearestResistance).not.toBeNull();
    expect([r.nearestSupport!.low, r.nearestSupport!.high]).toEqual([92232.54, 93500.01]);
    expect([r.nearestResistance!.low, r.nearestResistance!.high]).toEqual([94274.29, 95340.36]);
    for (const z of r.zones) {
      if (z.type === "support") expect(z.price).toBeLessThanOrEqual(r.nearestSupport!.price);
      else expect(z.price).toBeGreaterThanOrEqual(r.nearestResistance!.price);
    }
  });

  it("builds levels only from swing points exactly where the data has them", () => {
    const tfs = btcTimeframes();
    for (const z of r.zones) {
      for (const l of z.levels) {
        const window = closedWindow(tfs[l.interval]!, NEW_YEAR_2025, 100);
        const pivots = swingPivotsOfCandles(window, pivotWindowFor(DEFAULT_SR_DETECTOR_OPTIONS, l.interval));
        expect(pivots.some((p) => p.openTime === l.time && p.kind === l.kind && p.price === l.price)).toBe(true);
        const candle = window.find((c) => c.openTime === l.time)!;
        expect(l.kind === "high" ? candle.high : candle.low).toBe(l.price);
      }
    }
    // Every monthly pivot within reach of the price is in some zone (min_touches cannot drop a pivot seen once on
    // 1M: the pivot itself is a touch, and the monthly ones here are all retested).
    const monthly = swingPivotsOfCandles(closedWindow(tfs["1M"]!, NEW_YEAR_2025, 100), { left: 2, right: 2 }).filter(
      (p) => Math.abs(p.price - 93576) / 93576 <= 0.5,
    );
    expect(monthly.map((p) => `${p.kind} ${p.price}`)).toContain("high 73777");
    expect(monthly.map((p) => `${p.kind} ${p.price}`)).toContain("low 49000");
    for (const p of monthly) {
      const z = r.zones.find((x) => x.levels.some((l) => l.interval === "1M" && l.time === p.openTime));
      expect(z, `monthly ${p.kind} ${p.price}`).toBeDefined();
    }
  });

  it("keeps its invariants: sorted, bands within tolerance, weights and score as documented", () => {
    const o = DEFAULT_SR_DETECTOR_OPTIONS;
    const totalWeight = 10 + 8 + 6 + 5 + 3 + 2;
    expect(r.zones.length).toBeGreaterThan(10);
    for (let i = 1; i < r.zones.length; i++) expect(r.zones[i - 1]!.score).toBeGreaterThanOrEqual(r.zones[i]!.score);
    const byPrice = [...r.zones].sort((a, b) => a.low - b.low);
    for (let i = 1; i < byPrice.length; i++) expect(byPrice[i]!.low).toBeGreaterThan(byPrice[i - 1]!.high);
    for (const z of r.zones) {
      expect(z.high - z.low).toBeLessThanOrEqual(o.confluence_tolerance * ((z.high + z.low) / 2) + 1e-9);
      expect(z.low).toBeLessThanOrEqual(z.price);
      expect(z.price).toBeLessThanOrEqual(z.high);
      expect(z.type).toBe(z.price <= 93576 ? "support" : "resistance");
      expect(z.timeframeWeight).toBe(z.timeframes.reduce((s, tf) => s + o.weights[tf]!, 0));
      expect(z.touches).toBe(z.touchesByTimeframe.reduce((s, t) => s + t.touches, 0));
      expect(z.touches).toBeGreaterThanOrEqual(o.min_touches);
      expect(z.distancePct).toBeLessThanOrEqual(50);
      const d = Math.abs(z.price - 93576) / 93576;
      expect(z.score).toBe(confluenceScore(z.touches, z.timeframeWeight, totalWeight, d));
      expect(z.score).toBeGreaterThan(0);
      expect(z.score).toBeLessThanOrEqual(100);
      expect(z.firstSeen).toBeLessThanOrEqual(z.lastTouched);
      expect(z.lastTouched).toBeLessThan(NEW_YEAR_2025);
      // Each level's timeframe is listed; every pivot is a touch on its own timeframe.
      for (const l of z.levels) expect(z.timeframes).toContain(l.interval);
      for (const tf of z.timeframes) expect(z.touchesByTimeframe.map((t) => t.interval)).toContain(tf);
    }
  });

  it("is plain JSON", () => {
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });

  it("applies configured weights", () => {
    const weights = { "1M": 1, "1w": 2, "3d": 4, "1d": 8, "4h": 16, "1h": 32 } as const;
    const w = analyzeAt(NEW_YEAR_2025, btcTimeframes(), { weights });
    const z = zoneAt(w, 73777)!;
    expect(z.timeframeWeight).toBe(1 + 2 + 8);
    // The centre now leans to the daily retest: (1·73777 + 2·73777 + 8·73620.12) / 11.
    expect(z.price).toBeCloseTo((3 * 73777 + 8 * 73620.12) / 11, 8);
    for (const x of w.zones) {
      expect(x.timeframeWeight).toBe(x.timeframes.reduce((s, tf) => s + weights[tf as keyof typeof weights], 0));
      const d = Math.abs(x.price - 93576) / 93576;
      expect(x.score).toBe(confluenceScore(x.touches, x.timeframeWeight, 63, d));
    }
  });

  it("scores a level lower when it is seen on fewer timeframes", () => {
    const { "1M": _dropped, ...withoutMonthly } = btcTimeframes();
    const fewer = analyzeAt(NEW_YEAR_2025, withoutMonthly);
    expect(fewer.timeframesMissing).toEqual([{ interval: "1M", reason: "no candles supplied", candles: 0, needed: 5 }]);
    for (const level of [73777, 49000]) {
      const all = zoneAt(r, level)!;
      const less = zoneAt(fewer, level)!;
      expect(less.timeframes).toEqual(all.timeframes.filter((tf) => tf !== "1M"));
      expect(less.score).toBeLessThan(all.score);
    }
  });
});

describe("S/R detector: no lookahead", () => {
  it("gives the same result at T whether or not candles after T exist", () => {
    const tfs = btcTimeframes();
    const first = at("2023-02-01T00:00:00Z");
    const last = at("2026-05-01T00:00:00Z");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Math.floor((last - first) / 3_600_000) }), fc.nat(59), (h, m) => {
        const now = first + h * 3_600_000 + m * 60_000;
        const full = analyzeAt(now, tfs);
        const cut = analyzeAt(now, cutAt(tfs, now));
        expect(cut).toEqual(full);
        expect(full.zones.every((z) => z.lastTouched < now)).toBe(true);
      }),
      { numRuns: 25 },
    );
  });

  it("does not see the August 2024 monthly low before its pivot is confirmed two months later", () => {
    const monthlyLow = (now: number) =>
      analyzeAt(now).zones.some((z) => z.levels.some((l) => l.interval === "1M" && l.price === 49000));
    expect(monthlyLow(at("2024-10-31T23:00:00Z"))).toBe(false);
    expect(monthlyLow(at("2024-11-01T00:00:00Z"))).toBe(true);
  });
});

describe("S/R detector: new listings and short history", () => {
  const tfs = btcTimeframes();
  const since = (start: number): Timeframes => {
    const out: Timeframes = {};
    for (const [tf, cs] of Object.entries(tfs) as [Interval, readonly Candle[]][])
      out[tf] = cs.filter((c) => c.openTime >= start);
    return out;
  };

  it("works from fewer timeframes and says which are missing and why", () => {
    // Three months of history: no monthly pivot is possible yet (5 candles needed), weekly ones are.
    const now = at("2025-01-01T00:00:00Z");
    const r = analyzeAt(now, since(at("2024-10-01T00:00:00Z")));
    expect(r.timeframesMissing).toEqual([{ interval: "1M", reason: "not enough history", candles: 3, needed: 5 }]);
    expect(r.timeframesUsed).toEqual(["1w", "3d", "1d", "4h", "1h"]);
    expect(r.coverage.find((c) => c.interval === "1w")!.candles).toBe(12); // whole weeks from Monday 10-07
    expect(r.zones.length).toBeGreaterThan(0);
    expect(r.zones.every((z) => !z.timeframes.includes("1M"))).toBe(true);
  });

  it("a listing a few days old gets intraday zones only", () => {
    const now = at("2025-01-05T00:00:00Z");
    const r = analyzeAt(now, since(at("2025-01-01T00:00:00Z")));
    expect(r.timeframesUsed).toEqual(["4h", "1h"]);
    expect(r.timeframesMissing.map((m) => `${m.interval}:${m.candles}`)).toEqual(["1M:0", "1w:0", "3d:0", "1d:4"]);
    expect(r.zones.length).toBeGreaterThan(0);
    for (const z of r.zones) expect(z.timeframes.every((tf) => tf === "4h" || tf === "1h")).toBe(true);
  });

  it("with no candles at all returns no zones rather than failing", () => {
    const r = analyzeSupportResistance({ candles: {}, price: 100, now: NEW_YEAR_2025 });
    expect(r.zones).toEqual([]);
    expect(r.nearestSupport).toBeNull();
    expect(r.nearestResistance).toBeNull();
    expect(r.timeframesUsed).toEqual([]);
    expect(r.timeframesMissing.map((m) => m.reason)).toEqual(Array(6).fill("no candles supplied"));
    expect(htfConfluence(r, 100)).toBeNull();
  });
});

describe("htfConfluence", () => {
  const r = analyzeAt(NEW_YEAR_2025);

  it("returns the zone at the price, typed for that price", () => {
    const z = htfConfluence(r, 73700)!;
    expect([z.low, z.high]).toEqual([73620.12, 73777]);
    expect(z.containsPrice).toBe(true);
    expect(z.type).toBe("resistance"); // its centre 73742.9 is above 73700
    expect(z.score).toBe(zoneAt(r, 73777)!.score);
    expect(z.distancePct).toBeCloseTo(((z.price - 73700) / 73700) * 100, 10);
    expect(htfConfluence(r, 73800)!.type).toBe("support");
  });

  it("returns a zone within the tolerance of the price, or null", () => {
    // 49 600 is 1.2 % above the 49k zone's top: within the default 1.5 %, not within 0.5 %.
    expect(htfConfluence(r, 49600)?.high).toBe(49000);
    expect(htfConfluence(r, 49600, 0.005)).toBeNull();
    expect(htfConfluence(r, 1_000_000)).toBeNull();
  });

  it("prefers the highest score among zones near the price", () => {
    const near = r.zones.filter((z) => 93576 >= z.low - 0.015 * 93576 && 93576 <= z.high + 0.015 * 93576);
    expect(near.length).toBeGreaterThan(1);
    const best = near.reduce((a, b) => (b.score > a.score ? b : a));
    expect(htfConfluence(r, 93576)!.price).toBe(best.price);
  });

  it("rejects a bad price or tolerance", () => {
    expect(() => htfConfluence(r, 0)).toThrow(UsageError);
    expect(() => htfConfluence(r, Number.NaN)).toThrow(UsageError);
    expect(() => htfConfluence(r, 100, -1)).toThrow(UsageError);
  });
});

describe("S/R detector options", () => {
  it("has the documented defaults", () => {
    const o = resolveSrDetectorOptions();
    expect(o.timeframes).toEqual(["1M", "1w", "3d", "1d", "4h", "1h"]);
    expect(o.lookback).toBe(100);
    expect(o.min_touches).toBe(2);
    expect(o.confluence_tolerance).toBe(0.015);
    expect(o.weights).toEqual({ "1M": 10, "1w": 8, "3d": 6, "1d": 5, "4h": 3, "1h": 2 });
    expect(pivotWindowFor(o, "1M")).toEqual({ left: 2, right: 2 });
    expect(pivotWindowFor(o, "1h")).toEqual({ left: 5, right: 5 });
  });

  it("merges partial weights, pivots and scoring over the defaults", () => {
    const o = resolveSrDetectorOptions({
      weights: { "1h": 1 },
      pivots: { "1d": { left: 3, right: 2 } },
      scoring: { touches_half: 5 },
    });
    expect(o.weights["1M"]).toBe(10);
    expect(o.weights["1h"]).toBe(1);
    expect(pivotWindowFor(o, "1d")).toEqual({ left: 3, right: 2 });
    expect(o.scoring.touches_half).toBe(5);
    expect(o.scoring.touch_points).toBe(35);
  });

  it("rejects invalid options with errors that name the option", () => {
    const bad: [object, RegExp][] = [
      [{ timeframes: [] }, /timeframes must list/],
      [{ timeframes: ["1d", "1d"] }, /lists 1d twice/],
      [{ timeframes: ["2d"] }, /"2d", which is not an interval/],
      [{ timeframes: ["15m"] }, /15m has no weight/],
      [{ lookback: 8 }, /lookback 8 is shorter than the 11 candles one 1d pivot needs/],
      [{ min_touches: 0 }, /min_touches/],
      [{ confluence_tolerance: 0 }, /confluence_tolerance/],
      [{ confluence_tolerance: 0.5 }, /confluence_tolerance/],
      [{ weights: { "1d": -1 } }, /weights\.1d/],
      [{ pivots: { "1h": { left: 0, right: 2 } } }, /pivots\.1h\.left/],
      [{ max_distance: 0 }, /max_distance/],
      [{ scoring: { touch_points: 50 } }, /sum to 100/],
    ];
    for (const [opts, msg] of bad) {
      expect(() => resolveSrDetectorOptions(opts as never), JSON.stringify(opts)).toThrow(UsageError);
      expect(() => resolveSrDetectorOptions(opts as never)).toThrow(msg);
    }
    expect(resolveSrDetectorOptions({ timeframes: ["15m"], weights: { "15m": 1 } }).timeframes).toEqual(["15m"]);
  });

  it("rejects a non-positive price and candles out of order", () => {
    expect(() => analyzeSupportResistance({ candles: {}, price: 0, now: 1 })).toThrow(/price must be/);
    const d = bundled("spot", "BTCUSDT", "1d").slice(0, 30);
    const shuffled = [...d.slice(15), ...d.slice(0, 15)];
    expect(() =>
      analyzeSupportResistance(
        { candles: { "1d": shuffled }, price: 5000, now: at("2030-01-01T00:00:00Z") },
        {
          timeframes: ["1d"],
        },
      ),
    ).toThrow(/increasing open-time order/);
  });
});

describe("S/R detector as an Agent over a MarketView", () => {
  let t: TempStore;
  beforeAll(() => {
    t = tempStore();
    t.store.upsert(key("BTCUSDT", "1d"), bundled("spot", "BTCUSDT", "1d"));
    t.store.upsert(
      key("BTCUSDT", "1h"),
      bundled("spot", "BTCUSDT", "1h").filter((c) => c.openTime >= NEW_YEAR_2025 - 60 * DAY),
    );
  });
  afterAll(() => t.close());

  it("reads each timeframe from the view (higher ones derived) and matches the pure analysis", () => {
    const clock = new SimulatedClock(NEW_YEAR_2025);
    const view = new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot" });
    expect(srDetectorAgent.name).toBe("sr-detector");
    const got = analyzeSymbol(view, "BTCUSDT", { agents: [srDetectorAgent], timeframes: ["1h"] });
    const pure = analyzeSupportResistance({ candles: btcTimeframes(), price: got.price, now: NEW_YEAR_2025 });
    expect(got.zones.length).toBeGreaterThan(0);
    expect(got.zones).toEqual(pure.zones.map(zoneSummary));
    expect(got.nearestSupport).toEqual(zoneSummary(pure.nearestSupport!));
    expect(got.nearestResistance).toEqual(zoneSummary(pure.nearestResistance!));
    expect(() => analyzeSymbol(view, "NEWCOINUSDT", { agents: [srDetectorAgent] })).toThrow(InsufficientDataError);
  });

  it("publishes, at every step of a walk, exactly the summaries of the detector's full result", () => {
    const clock = new SimulatedClock(NEW_YEAR_2025 - 30 * DAY);
    const view = new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot" });
    for (let step = 0; step < 60; step++) {
      clock.set(NEW_YEAR_2025 - 30 * DAY + step * 11 * 3_600_000);
      const got = analyzeSymbol(view, "BTCUSDT", { agents: [srDetectorAgent], timeframes: ["1h"] });
      const candles = btcTimeframes();
      const full = analyzeSupportResistance({ candles, price: got.price, now: clock.now() });
      expect(got.zones).toEqual(full.zones.map(zoneSummary));
      expect(got.nearestSupport).toEqual(full.nearestSupport && zoneSummary(full.nearestSupport));
      expect(got.nearestResistance).toEqual(full.nearestResistance && zoneSummary(full.nearestResistance));
    }
  });
});
