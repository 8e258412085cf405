import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonSafetyProblems } from "../../src/agents/json-safe.js";
import type { MomentumFrame } from "../../src/agents/momentum.js";
import type { Breakout } from "../../src/agents/price-action.js";
import { analyzeSymbol, type SymbolAnalysis, type ZoneSummary } from "../../src/agents/symbol-analysis.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY, HOUR, type Interval } from "../../src/core/interval.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import type { Signal } from "../../src/signals/signal.js";
import { MAX_CONTEXT_MULTIPLIER } from "../../src/signals/learning-insight.js";
import {
  cannotSignal,
  DEFAULT_SYNTHESIS_OPTIONS,
  type LearningInsight,
  positionSize,
  resolveSynthesisOptions,
  SignalCooldown,
  type SynthesisResult,
  synthesizeSignal,
} from "../../src/signals/synthesis.js";
import { at, bundled, key, type TempStore, tempStore } from "../market/helpers.js";

// ---------- invariants every emitted signal must satisfy ----------

function checkSignal(s: Signal, minConfidence: number, maxStopPct: number): void {
  const [t1, t2, t3] = s.targets;
  const risk = s.direction === "LONG" ? s.entry - s.stop : s.stop - s.entry;
  if (s.direction === "LONG") {
    expect(s.stop).toBeLessThan(s.entry);
    expect(s.entry).toBeLessThan(t1);
    expect(t1).toBeLessThan(t2);
    expect(t2).toBeLessThan(t3);
    expect(Math.abs(s.riskReward - (t1 - s.entry) / (s.entry - s.stop))).toBeLessThan(1e-9);
  } else {
    expect(s.stop).toBeGreaterThan(s.entry);
    expect(s.entry).toBeGreaterThan(t1);
    expect(t1).toBeGreaterThan(t2);
    expect(t2).toBeGreaterThan(t3);
    expect(t3).toBeGreaterThan(0);
    expect(Math.abs(s.riskReward - (s.entry - t1) / (s.stop - s.entry))).toBeLessThan(1e-9);
  }
  expect(s.confidence).toBeGreaterThanOrEqual(0);
  expect(s.confidence).toBeLessThanOrEqual(1);
  expect(s.confidence).toBeGreaterThanOrEqual(minConfidence);
  expect((risk / s.entry) * 100).toBeLessThanOrEqual(maxStopPct + 1e-12);
  expect(s.positionSizePct).toBeGreaterThanOrEqual(25);
  expect(s.positionSizePct).toBeLessThanOrEqual(100);
  expect(jsonSafetyProblems(s)).toEqual([]);
  expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  expect(s.id).toBe(`${s.symbol}-${s.direction}-${s.time}`);
  expect(s.rationale.length).toBeGreaterThan(0);
  // The justifying zone is on the stop side of the entry.
  const stopZone = s.evidence.zones[0]!;
  expect(stopZone.type).toBe(s.direction === "LONG" ? "support" : "resistance");
  // The components add up to the evidence items.
  for (const c of ["price_action", "momentum", "sr", "volume", "learning"] as const) {
    const sum = s.evidence.items.filter((i) => i.component === c).reduce((a, i) => a + i.contribution, 0);
    expect(s.evidence.components[c]).toBeCloseTo(sum, 12);
  }
}

// ---------- real analyses ----------

describe("synthesis on real BTC analyses", () => {
  let t: TempStore;
  const analyses: SymbolAnalysis[] = [];
  beforeAll(() => {
    t = tempStore();
    for (const tf of ["1d", "4h", "1h"] as const) t.store.upsert(key("BTCUSDT", tf), bundled("spot", "BTCUSDT", tf));
    // Every 5 days and 7 hours over two years: varied markets, every hour of the day.
    for (let now = at("2024-01-10T00:00:00Z"); now < at("2025-12-01T00:00:00Z"); now += 5 * DAY + 7 * HOUR) {
      const view = new StoreMarketView({
        store: t.store,
        clock: new SimulatedClock(now),
        exchange: "binance",
        market: "spot",
      });
      analyses.push(analyzeSymbol(view, "BTCUSDT"));
    }
  });
  afterAll(() => t.close());

  it("every signal has ordered levels, matching reward:risk, bounded confidence and stop, and is JSON-safe", () => {
    expect(analyses.length).toBeGreaterThan(120);
    let longs = 0;
    let shorts = 0;
    for (const a of analyses) {
      // min_confidence 0 so the level rules run on every analysis that has a direction and a zone.
      const r = synthesizeSignal(a, { min_confidence: 0 });
      if (!r.signal) {
        expect(r.reason.length).toBeGreaterThan(0);
        continue;
      }
      checkSignal(r.signal, 0, DEFAULT_SYNTHESIS_OPTIONS.max_stop_pct);
      expect(r.signal.entry).toBe(a.price);
      expect(r.signal.time).toBe(a.time);
      expect(r.signal.evidence.learning).toBeNull();
      if (r.signal.direction === "LONG") longs++;
      else shorts++;
    }
    expect(longs).toBeGreaterThan(10);
    expect(shorts).toBeGreaterThan(10);
  });

  it("with the defaults, whatever is emitted is at or above min_confidence, and the rest says why", () => {
    for (const a of analyses) {
      const r = synthesizeSignal(a, DEFAULT_SYNTHESIS_OPTIONS, null);
      if (r.signal) checkSignal(r.signal, DEFAULT_SYNTHESIS_OPTIONS.min_confidence, 5);
      else if (r.direction !== null && r.confidence < DEFAULT_SYNTHESIS_OPTIONS.min_confidence) {
        expect(r.reason).toMatch(/below min_confidence 0\.55/);
      }
    }
  });

  it("a tight max_stop_pct rejects wide stops instead of widening or tightening them", () => {
    let rejected = 0;
    for (const a of analyses) {
      const r = synthesizeSignal(a, { min_confidence: 0, max_stop_pct: 0.5 });
      if (r.signal) checkSignal(r.signal, 0, 0.5);
      else if (/max_stop_pct/.test(r.reason)) rejected++;
    }
    expect(rejected).toBeGreaterThan(10);
  });

  it("is deterministic: the same analysis gives the same signal", () => {
    for (const a of analyses.slice(0, 20)) {
      expect(synthesizeSignal(a, { min_confidence: 0 })).toEqual(synthesizeSignal(a, { min_confidence: 0 }));
    }
  });
});

// ---------- hand-built analyses ----------

interface Spec {
  price?: number;
  atr?: number;
  zones?: ZoneSummary[];
  oversoldOn?: Interval[];
  overboughtOn?: Interval[];
  macdCross?: Partial<Record<Interval, "bullish" | "bearish">>;
  breakout?: { direction: "up" | "down"; strength: number; pct: number } | null;
  volumeScore?: number;
  zScore?: number;
}

const MOMENTUM_TFS: Interval[] = ["15m", "1h", "4h"];

function zone(type: "support" | "resistance", low: number, high: number, score = 70, timeframes: Interval[] = ["1d"]) {
  return { low, high, price: (low + high) / 2, type, touches: 3, timeframes, score } satisfies ZoneSummary;
}

/** A SymbolAnalysis with only what synthesis reads filled in meaningfully. */
function analysis(spec: Spec = {}): SymbolAnalysis {
  const price = spec.price ?? 100;
  const atr = spec.atr ?? 1;
  const oversold = spec.oversoldOn ?? [];
  const overbought = spec.overboughtOn ?? [];
  const frames: Partial<Record<Interval, MomentumFrame>> = {};
  for (const tf of MOMENTUM_TFS) {
    const rsi = oversold.includes(tf) ? 25 : overbought.includes(tf) ? 75 : 50;
    const cross = spec.macdCross?.[tf];
    frames[tf] = {
      time: 0,
      close: price,
      rsi,
      rsiStatus: rsi < 30 ? "oversold" : rsi > 70 ? "overbought" : "neutral",
      macd: { line: 0, signal: 0, histogram: 0 },
      macdCross: cross ? { kind: cross, barsAgo: 0, time: 0 } : null,
      obv: { value: 0, ema: 0, trend: "flat" },
      divergence: null,
    };
  }
  const b = spec.breakout;
  const breakouts: Breakout[] = b
    ? [
        {
          direction: b.direction,
          kind: "range",
          level: price,
          zone: null,
          time: 0,
          close: price,
          distancePercent: b.pct,
          distanceAtr: 0.5,
          volumeRatio: 2,
          strength: b.strength,
        },
      ]
    : [];
  const zones = spec.zones ?? [];
  const volumeScore = spec.volumeScore ?? 0;
  return {
    symbol: "TESTUSDT",
    time: at("2025-06-01T12:00:00Z"),
    baseInterval: "1h",
    evidence: { momentum: { status: "neutral" } },
    price,
    priceSource: "closed",
    timeframes: {
      "1h": { openTime: 0, close: price, rsi: 50, macd: { line: 0, signal: 0, histogram: 0 }, atr, obv: 0 },
    },
    missing: [],
    priceAction: {
      time: 0,
      close: price,
      changes: {},
      range: { high: price, low: price, candles: 20, widthPercent: 0, position: null },
      volatility: { atr, atrBaseline: atr, ratio: 1, state: "normal", reason: null },
      direction: "sideways",
      ema: price,
      emaSlopeAtr: 0,
      breakouts,
      breakoutDetected: breakouts.length > 0,
      lastBreakout: breakouts[0] ? { ...breakouts[0], barsAgo: 0 } : null,
    },
    momentum: {
      status:
        oversold.length && !overbought.length
          ? "oversold"
          : overbought.length && !oversold.length
            ? "overbought"
            : "neutral",
      oversoldOn: oversold,
      overboughtOn: overbought,
      timeframes: frames,
      missing: [],
    },
    volume: {
      time: 0,
      volume: 1 + volumeScore,
      baseline: 1,
      ratio: 1 + volumeScore / 2,
      zScore: spec.zScore ?? volumeScore / 2.5,
      percentile: 50,
      volumeScore,
      spike: volumeScore >= 5,
      trend: "STABLE",
      shortAverage: 1,
      longAverage: 1,
      liquidity: { value: 1e9, estimated: false, coveredHours: 24, min: 0, passes: true },
      reason: null,
    },
    orderFlow: null as unknown as SymbolAnalysis["orderFlow"],
    volumeProfile: null as unknown as SymbolAnalysis["volumeProfile"],
    zones,
    nearestSupport: zones.filter((z) => z.type === "support").sort((x, y) => y.price - x.price)[0] ?? null,
    nearestResistance: zones.filter((z) => z.type === "resistance").sort((x, y) => x.price - y.price)[0] ?? null,
  };
}

const LONG_SETUP: Spec = {
  price: 100,
  atr: 1,
  zones: [
    zone("support", 98.5, 99.5, 80, ["1d", "4h"]),
    zone("resistance", 106, 107, 60),
    zone("resistance", 110, 111, 55),
    zone("support", 90, 91, 50),
  ],
  oversoldOn: ["15m", "1h"],
  breakout: { direction: "up", strength: 0.6, pct: 3.8 },
  volumeScore: 6,
  zScore: 2.7,
};

const SHORT_SETUP: Spec = {
  price: 100,
  atr: 1,
  zones: [
    zone("resistance", 100.5, 101.5, 80, ["1w"]),
    zone("support", 93, 94, 60),
    zone("support", 89, 90, 55),
    zone("resistance", 109, 110, 50),
  ],
  overboughtOn: ["1h", "4h"],
  breakout: { direction: "down", strength: 0.6, pct: 2.1 },
  volumeScore: 6,
};

const scoreOf = (r: SynthesisResult) => r.score;
const directionOf = (r: SynthesisResult) => (r.signal ? r.signal.direction : r.direction);

describe("synthesis rules", () => {
  it("support + oversold + bullish breakout + volume → LONG beyond the support, targets at the next zones", () => {
    const r = synthesizeSignal(analysis(LONG_SETUP), DEFAULT_SYNTHESIS_OPTIONS, null);
    expect(r.signal).not.toBeNull();
    const s = r.signal!;
    checkSignal(s, 0.55, 5);
    expect(s.direction).toBe("LONG");
    expect(s.entry).toBe(100);
    expect(s.stop).toBe(98.5 - 0.5 * 1); // zone low − 0.5 ATR
    expect(s.targets[0]).toBe(100 + 2 * 2); // 2R
    expect(s.targets[1]).toBe(106); // the next resistance's low edge above T1
    expect(s.targets[2]).toBe(110);
    expect(s.riskReward).toBe(2);
    // sr 0.25·0.8 + momentum 0.2·0.8·(0.75+0.125) + price action 0.2·(0.5+0.3) + volume 0.15·0.6 = 0.59 of the
    // 0.2 + 0.2 + 0.15 + 0.25 = 0.8 the evidence could reach: confidence 0.59 / 0.8.
    expect(r.score).toBeCloseTo((0.2 + 0.14 + 0.16 + 0.09) / 0.8, 12);
    expect(s.confidence).toBeCloseTo(0.59 / 0.8, 12);
    expect(s.evidence.rsiExtremeOn).toEqual(["15m", "1h"]);
    // Every agent's evidence is recorded as the analysis had it, scored or not.
    expect(s.evidence.agents).toEqual({ momentum: { status: "neutral" } });
    expect(s.evidence.breakoutPct).toBe(3.8);
    expect(s.evidence.volumeZScore).toBe(2.7);
    expect(s.evidence.zones.map((z) => z.low)).toEqual([98.5, 106, 110]);
    expect(s.evidence.rsi).toEqual({ "1h": 25, "15m": 25, "4h": 50 });
    expect(s.rationale).toBe(
      "Daily support confluence @ $99 (3 touches) | Bullish breakout (+3.8%) | Oversold RSI (15m, 1h) | Volume spike (z-score 2.7)",
    );
    // 0.7375 lies between min_confidence 0.55 (50 %) and 0.8 (100 %).
    expect(s.positionSizePct).toBe(Math.round((50 + (50 * (0.7375 - 0.55)) / 0.25) * 10) / 10);
  });

  it("resistance + overbought + bearish breakdown → SHORT, mirrored", () => {
    const r = synthesizeSignal(analysis(SHORT_SETUP), DEFAULT_SYNTHESIS_OPTIONS);
    const s = r.signal!;
    expect(s).not.toBeNull();
    checkSignal(s, 0.55, 5);
    expect(s.direction).toBe("SHORT");
    expect(s.stop).toBe(101.5 + 0.5);
    expect(s.targets).toEqual([100 - 2 * 2, 94, 90]);
    expect(s.evidence.rsiExtremeOn).toEqual(["1h", "4h"]);
    expect(s.evidence.breakoutPct).toBe(-2.1);
    expect(s.rationale).toMatch(
      /^Weekly resistance confluence @ \$101\.00 \(3 touches\) \| Bearish breakdown \(-2\.1%\)/,
    );
  });

  it("without zones beyond T1 the targets are further R multiples", () => {
    const spec = { ...LONG_SETUP, zones: [zone("support", 98.5, 99.5, 80)] };
    const s = synthesizeSignal(analysis(spec), { min_confidence: 0 }).signal!;
    expect(s.targets).toEqual([104, 106, 108]);
    expect(s.evidence.zones).toHaveLength(1);
  });

  it("a strong volume spike alone never creates a signal", () => {
    const r = synthesizeSignal(analysis({ volumeScore: 10, zScore: 5 }), { min_confidence: 0 });
    expect(r.signal).toBeNull();
    expect(r).toMatchObject({ direction: null, score: 0 });
    if (!r.signal) expect(r.reason).toMatch(/no directional evidence/);
  });

  it("adding volume never changes the direction and never lowers the score (property)", () => {
    const tfs = fc.subarray(MOMENTUM_TFS);
    const zoneArb = fc.record({
      type: fc.constantFrom("support" as const, "resistance" as const),
      offset: fc.double({ min: -8, max: 8, noNaN: true }),
      width: fc.double({ min: 0, max: 2, noNaN: true }),
      score: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(zoneArb, { maxLength: 4 }),
        tfs,
        tfs,
        fc.option(
          fc.record({
            direction: fc.constantFrom("up" as const, "down" as const),
            strength: fc.double({ min: 0, max: 1, noNaN: true }),
            pct: fc.double({ min: 0, max: 10, noNaN: true }),
          }),
          { nil: null },
        ),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (zs, oversold, overbought, breakout, v1, v2) => {
          const zones = zs.map((z) => {
            // Typed against the price like the detector: centre ≤ price is support.
            const low = 100 + z.offset;
            const high = low + z.width;
            const type = (low + high) / 2 <= 100 ? "support" : "resistance";
            return zone(type, low, high, z.score);
          });
          const base: Spec = { zones, oversoldOn: oversold, overboughtOn: overbought, breakout };
          const [lo, hi] = v1 <= v2 ? [v1, v2] : [v2, v1];
          const opts = { min_confidence: 0 };
          const without = synthesizeSignal(analysis({ ...base, volumeScore: 0 }), opts);
          const less = synthesizeSignal(analysis({ ...base, volumeScore: lo }), opts);
          const more = synthesizeSignal(analysis({ ...base, volumeScore: hi }), opts);
          expect(directionOf(less)).toBe(directionOf(without));
          expect(directionOf(more)).toBe(directionOf(without));
          expect(scoreOf(more)).toBeGreaterThanOrEqual(scoreOf(less));
          expect(scoreOf(less)).toBeGreaterThanOrEqual(scoreOf(without));
          if (directionOf(without) === null) expect(more.signal).toBeNull();
          if (more.signal) checkSignal(more.signal, 0, 5);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("opposing momentum lowers the score and is listed against the trade", () => {
    const clean = synthesizeSignal(analysis(LONG_SETUP), { min_confidence: 0 });
    const opposed = synthesizeSignal(analysis({ ...LONG_SETUP, overboughtOn: ["4h"] }), { min_confidence: 0 });
    const bearishCross = synthesizeSignal(analysis({ ...LONG_SETUP, macdCross: { "4h": "bearish" } }), {
      min_confidence: 0,
    });
    expect(opposed.signal?.direction).toBe("LONG");
    expect(opposed.score).toBeLessThan(clean.score);
    expect(bearishCross.score).toBeLessThan(clean.score);
    const against = opposed.signal!.evidence.items.find((i) => i.label === "Overbought RSI (4h)")!;
    expect(against.contribution).toBeCloseTo(-0.2 * 0.8 * 0.75, 12);
    // Contributions are in weight units; the score is over the 0.8 the evidence could reach.
    expect(opposed.score).toBeCloseTo(clean.score + against.contribution / 0.8, 12);
    expect(opposed.signal!.rationale).toMatch(/\| Against: Overbought RSI \(4h\)$/);
  });

  it("opposing evidence that outweighs the rest flips the direction; an exact standoff gives none", () => {
    const flipped = synthesizeSignal(analysis({ ...LONG_SETUP, overboughtOn: ["15m", "1h", "4h"], oversoldOn: [] }), {
      min_confidence: 0,
      weights: { momentum: 1 },
    });
    expect(directionOf(flipped)).toBe("SHORT");
    const standoff = synthesizeSignal(
      analysis({ zones: [zone("support", 99.5, 99.9, 60), zone("resistance", 100.1, 100.5, 60)], volumeScore: 9 }),
      { min_confidence: 0 },
    );
    expect(standoff.signal).toBeNull();
    expect(standoff).toMatchObject({ direction: null, score: 0 });
    if (!standoff.signal) expect(standoff.reason).toMatch(/conflicting evidence/);
  });

  it("learning: null → term 0 and evidence.learning null; an insight adds its clamped adjustment, then multiplies", () => {
    const none = synthesizeSignal(analysis(LONG_SETUP), DEFAULT_SYNTHESIS_OPTIONS, null).signal!;
    const undef = synthesizeSignal(analysis(LONG_SETUP), DEFAULT_SYNTHESIS_OPTIONS).signal!;
    expect(undef).toEqual(none);
    expect(none.evidence.learning).toBeNull();
    expect(none.evidence.components.learning).toBe(0);
    expect(none.evidence.items.some((i) => i.component === "learning")).toBe(false);

    const insight: LearningInsight = {
      confidenceAdjustment: 0.5, // beyond the learning weight: clamped to 0.2
      contextMultiplier: 0.9,
      winRate: 0.82,
      n: 45,
      low: 0.7,
      high: 0.9,
    };
    const r = synthesizeSignal(analysis(LONG_SETUP), { min_confidence: 0 }, insight);
    // Learning adjusts the confidence itself: (0.59 / 0.8 + 0.2) × 0.9.
    expect(r.score).toBeCloseTo((0.59 / 0.8 + 0.2) * 0.9, 12);
    expect(r.signal!.confidence).toBeCloseTo((0.59 / 0.8 + 0.2) * 0.9, 12);
    expect(r.signal!.evidence.components.learning).toBe(0.2);
    expect(r.signal!.evidence.learning).toEqual({ winRate: 0.82, n: 45, low: 0.7, high: 0.9 });
    expect(r.signal!.rationale).toContain("82% win rate in 45 similar trades");
    // A negative insight lowers the score but cannot flip the direction.
    const bad = synthesizeSignal(analysis(LONG_SETUP), { min_confidence: 0 }, { ...insight, confidenceAdjustment: -1 });
    expect(directionOf(bad)).toBe("LONG");
    expect(bad.score).toBeCloseTo((0.59 / 0.8 - 0.2) * 0.9, 12);
    expect(() => synthesizeSignal(analysis(LONG_SETUP), {}, { ...insight, contextMultiplier: Number.NaN })).toThrow(
      UsageError,
    );
  });

  it("rejects a stop wider than max_stop_pct with a reason, never widening it", () => {
    const wide = { ...LONG_SETUP, zones: [zone("support", 92, 99.5, 80)] };
    const r = synthesizeSignal(analysis(wide), DEFAULT_SYNTHESIS_OPTIONS);
    expect(r.signal).toBeNull();
    expect(directionOf(r)).toBe("LONG");
    if (!r.signal) expect(r.reason).toMatch(/stop 8\.50% away .* exceeds max_stop_pct 5%/);
    // Allowed when the maximum allows it.
    const ok = synthesizeSignal(analysis(wide), { max_stop_pct: 9 }).signal!;
    expect(ok.stop).toBe(91.5);
  });

  it("with no support zone at all, a LONG is not emitted", () => {
    const spec = { ...LONG_SETUP, zones: [zone("resistance", 106, 107, 60)], oversoldOn: MOMENTUM_TFS };
    const r = synthesizeSignal(analysis(spec), { min_confidence: 0 });
    expect(r.signal).toBeNull();
    if (!r.signal) expect(r.reason).toMatch(/no support zone to place the stop beyond/);
  });

  it("uses the nearest support below when the price is not at one", () => {
    const spec = { ...LONG_SETUP, zones: [zone("support", 96, 97, 80), zone("support", 90, 91, 90)] };
    const s = synthesizeSignal(analysis(spec), { min_confidence: 0 }).signal!;
    expect(s.stop).toBe(96 - 0.5);
    expect(s.evidence.components.sr).toBe(0); // 3 away: not "at" the zone (margin max(1 ATR, 1.5 %) = 1.5)
  });

  it("below min_confidence: no signal, the score and direction are reported", () => {
    const weak = synthesizeSignal(analysis({ ...LONG_SETUP, breakout: null, oversoldOn: [], volumeScore: 0 }));
    expect(weak.signal).toBeNull();
    expect(directionOf(weak)).toBe("LONG");
    // Support 0.2 of the 0.8 the evidence could reach.
    expect(weak.score).toBeCloseTo(0.25, 12);
    if (!weak.signal) {
      expect(weak.confidence).toBeCloseTo(0.25, 12);
      expect(weak.reason).toBe("LONG confidence 0.25 is below min_confidence 0.55");
    }
  });

  it("position size: 50 % at min_confidence, 100 % from 0.8, clamped to 25..100", () => {
    const o = resolveSynthesisOptions();
    expect(positionSize(0.55, o)).toBe(50);
    expect(positionSize(0.675, o)).toBe(75);
    expect(positionSize(0.8, o)).toBe(100);
    expect(positionSize(1, o)).toBe(100);
    expect(positionSize(0, o)).toBe(25);
  });

  it("rejects bad options with a UsageError naming the option", () => {
    expect(() => resolveSynthesisOptions({ weights: { sr: -1 } })).toThrow(/weights\.sr/);
    expect(() => resolveSynthesisOptions({ min_confidence: 2 })).toThrow(/min_confidence/);
    expect(() => resolveSynthesisOptions({ reward_risk: 0 })).toThrow(/reward_risk/);
    expect(() => resolveSynthesisOptions({ momentum_parts: { rsi: 0.5 } })).toThrow(/sum to 1/);
    expect(() => resolveSynthesisOptions({ max_stop_pct: Number.NaN })).toThrow(UsageError);
    expect(() => synthesizeSignal(analysis({ price: 0 }))).toThrow(/no valid price/);
  });
});

describe("SignalCooldown", () => {
  const t0 = at("2025-06-01T12:00:00Z");

  it("suppresses the same symbol and direction within the window and allows it after", () => {
    const c = new SignalCooldown(DEFAULT_SYNTHESIS_OPTIONS.cooldown_ms);
    expect(c.allow("BTCUSDT", "LONG", t0)).toBe(true);
    c.record("BTCUSDT", "LONG", t0);
    expect(c.allow("BTCUSDT", "LONG", t0 + 1)).toBe(false);
    expect(c.allow("BTCUSDT", "LONG", t0 + 4 * HOUR - 1)).toBe(false);
    expect(c.remainingMs("BTCUSDT", "LONG", t0 + HOUR)).toBe(3 * HOUR);
    expect(c.allow("BTCUSDT", "LONG", t0 + 4 * HOUR)).toBe(true);
    // Other direction and other symbols are independent.
    expect(c.allow("BTCUSDT", "SHORT", t0 + 1)).toBe(true);
    expect(c.allow("ETHUSDT", "LONG", t0 + 1)).toBe(true);
  });

  it("admit() announces a synthesized signal once per window", () => {
    const c = new SignalCooldown(4 * HOUR);
    const s = synthesizeSignal(analysis(LONG_SETUP)).signal!;
    expect(c.admit(s)).toBe(true);
    expect(c.admit({ ...s, time: s.time + HOUR })).toBe(false);
    // The suppressed one does not extend the window.
    expect(c.admit({ ...s, time: s.time + 4 * HOUR })).toBe(true);
    expect(c.admit({ ...s, time: s.time + 5 * HOUR })).toBe(false);
    // An out-of-order (earlier) record does not shorten the window.
    c.record(s.symbol, s.direction, s.time);
    expect(c.allow(s.symbol, s.direction, s.time + 7 * HOUR)).toBe(false);
    expect(c.allow(s.symbol, s.direction, s.time + 8 * HOUR)).toBe(true);
  });

  it("rejects a bad duration or time", () => {
    expect(() => new SignalCooldown(-1)).toThrow(UsageError);
    expect(() => new SignalCooldown(4 * HOUR).allow("X", "LONG", Number.NaN)).toThrow(UsageError);
  });
});

// ---------- cannotSignal: the bound that lets a backtest's worker threads skip sending an analysis ----------

describe("cannotSignal", () => {
  const insight = (confidenceAdjustment: number, contextMultiplier: number): LearningInsight => ({
    confidenceAdjustment,
    contextMultiplier,
    winRate: 0.5,
    n: 40,
    low: 0.35,
    high: 0.65,
  });

  it("is exact: when it says no insight can make a signal, none does, at the bounds or anywhere inside (property)", () => {
    const tfs = fc.subarray(MOMENTUM_TFS);
    let claimed = 0;
    let notClaimed = 0;
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        tfs,
        tfs,
        fc.option(
          fc.record({
            direction: fc.constantFrom("up" as const, "down" as const),
            strength: fc.double({ min: 0, max: 1, noNaN: true }),
            pct: fc.double({ min: 0, max: 10, noNaN: true }),
          }),
          { nil: null },
        ),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.double({ min: 0, max: MAX_CONTEXT_MULTIPLIER, noNaN: true }),
        (offset, score, oversold, overbought, breakout, volumeScore, minConfidence, adjust, multiplier) => {
          const low = 100 + offset;
          const z = zone(low + 0.5 <= 100 ? "support" : "resistance", low, low + 1, score);
          const a = analysis({ zones: [z], oversoldOn: oversold, overboughtOn: overbought, breakout, volumeScore });
          const opts = { min_confidence: minConfidence };
          const without = synthesizeSignal(a, opts, null);
          if (!cannotSignal(without, opts)) {
            notClaimed++;
            return;
          }
          claimed++;
          expect(without.signal).toBeNull();
          for (const i of [insight(adjust, multiplier), insight(1, MAX_CONTEXT_MULTIPLIER)]) {
            expect(synthesizeSignal(a, opts, i).signal).toBeNull();
          }
        },
      ),
      { numRuns: 500 },
    );
    // Both answers occur, so the property was tested on both sides.
    expect(claimed).toBeGreaterThan(50);
    expect(notClaimed).toBeGreaterThan(50);
  });

  it("is tight: at its bound the strongest insight makes a signal, just above it none can", () => {
    const a = analysis({ zones: [zone("support", 99.5, 100.5, 70)] });
    const without = synthesizeSignal(a, { min_confidence: 0 }, null);
    const best = Math.min(1, (without.score + DEFAULT_SYNTHESIS_OPTIONS.weights.learning) * MAX_CONTEXT_MULTIPLIER);
    expect(best).toBeLessThan(1);
    const atBound = { min_confidence: best };
    const r0 = synthesizeSignal(a, atBound, null);
    expect(r0.signal).toBeNull();
    expect(cannotSignal(r0, atBound)).toBe(false);
    expect(synthesizeSignal(a, atBound, insight(1, MAX_CONTEXT_MULTIPLIER)).signal).not.toBeNull();
    const above = { min_confidence: Math.min(1, best + 1e-9) };
    expect(cannotSignal(synthesizeSignal(a, above, null), above)).toBe(true);
  });

  it("says no for an emitted signal, yes when there is no direction", () => {
    const long = synthesizeSignal(analysis(LONG_SETUP));
    expect(long.signal).not.toBeNull();
    expect(cannotSignal(long, DEFAULT_SYNTHESIS_OPTIONS)).toBe(false);
    const none = synthesizeSignal(analysis({}));
    expect(none.score).toBe(0);
    expect(cannotSignal(none, DEFAULT_SYNTHESIS_OPTIONS)).toBe(true);
  });

  it("synthesis refuses a multiplier beyond the bound it relies on", () => {
    expect(() => synthesizeSignal(analysis(LONG_SETUP), {}, insight(0, MAX_CONTEXT_MULTIPLIER + 0.01))).toThrow(
      /contextMultiplier must be a finite number between 0 and 1.5/,
    );
  });
});
