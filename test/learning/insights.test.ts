import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  breakEvenWinRate,
  confidenceAdjustment,
  contextMultiplier,
  type DirectedTrade,
  learningInsight,
} from "../../src/learning/insights.js";
import { wilson } from "../../src/learning/stats.js";
import type { Direction } from "../../src/signals/signal.js";
import { mulberry32 } from "./fixtures/random.js";

const HOUR = 3_600_000;
const D0 = Date.UTC(2024, 0, 1);

let seq = 0;
function trade(win: boolean, extra: Partial<DirectedTrade> = {}): DirectedTrade {
  const i = seq++;
  const rr = extra.riskReward ?? 2;
  const r = extra.rMultiple ?? (win ? rr : -1);
  return {
    id: `t${i}`,
    symbol: "BTCUSDT",
    entryTime: D0 + i * HOUR,
    exitTime: D0 + i * HOUR + HOUR,
    pnl: r * 10,
    pnlPercent: r,
    rMultiple: r,
    riskReward: rr,
    outcome: win ? "WIN" : "LOSS",
    notional: 1000,
    signalType: "reversal_at_zone",
    zoneTimeframe: "1d",
    atZone: true,
    volumeConfirmed: false,
    rsiState: "neutral",
    agents: ["sr"],
    direction: "LONG",
    ...extra,
  };
}

/** `wins` wins then `n − wins` losses, all with the given context. */
function batch(n: number, wins: number, extra: Partial<DirectedTrade> = {}): DirectedTrade[] {
  return Array.from({ length: n }, (_, i) => trade(i < wins, extra));
}

const SETUP = { signalType: "reversal_at_zone", zoneTimeframe: "1d" } as const;

describe("learningInsight: similar trades and back-off", () => {
  it("is null while no level has minTrades similar trades", () => {
    const history = [...batch(19, 10), ...batch(10, 5, { direction: "SHORT", signalType: "breakout" })];
    // setup level 19, signal_type level 19 (reversal, either direction), direction level 19 LONG: all < 20.
    expect(learningInsight(history, SETUP, "LONG")).toBeNull();
  });

  it("uses the exact setup when it has enough trades", () => {
    const history = [...batch(20, 9), ...batch(30, 30, { zoneTimeframe: "4h" })];
    const r = learningInsight(history, SETUP, "LONG")!;
    expect(r.level).toBe("setup");
    expect(r.n).toBe(20);
    expect(r.wins).toBe(9);
    expect(r.label).toBe("45% win rate (n=20, 95% CI 26–66%) for similar setups");
  });

  it("backs off to the signal type in either direction, then to the direction", () => {
    const history = [
      ...batch(8, 4),
      ...batch(14, 7, { direction: "SHORT", zoneTimeframe: "4h" }),
      ...batch(30, 10, { signalType: "breakout", zoneTimeframe: null }),
    ];
    // setup: 8 < 20; signal_type (reversal, LONG or SHORT): 8 + 14 = 22 ≥ 20.
    const r = learningInsight(history, SETUP, "LONG")!;
    expect(r.level).toBe("signal_type");
    expect(r.n).toBe(22);
    expect(r.label).toMatch(/for reversal at zone setups \(LONG and SHORT\)$/);

    // A momentum setup: none of its type; LONG trades: 8 + 30 = 38.
    const m = learningInsight(history, { signalType: "momentum", zoneTimeframe: null }, "LONG")!;
    expect(m.level).toBe("direction");
    expect(m.n).toBe(38);
    expect(m.wins).toBe(14);
    expect(m.label).toMatch(/for LONG trades$/);
  });

  it("matches a null zone timeframe only with null", () => {
    const history = [...batch(20, 10, { zoneTimeframe: null }), ...batch(25, 5)];
    const r = learningInsight(history, { signalType: "reversal_at_zone", zoneTimeframe: null }, "LONG", {})!;
    expect(r.level).toBe("setup");
    expect(r.n).toBe(20);
  });
});

describe("confidenceAdjustment", () => {
  it("reproduces the module's worked example", () => {
    // 99 % Wilson of 28/45 is 0.43201–0.78102; b = 1/3; 0.2 × (0.43201 − 0.33333)/0.2 = 0.09868.
    expect(confidenceAdjustment(28, 45, 1 / 3, 0.2)).toBeCloseTo(0.09868, 5);
    // se = 1.2/√45 = 0.178885; bound = 0.6 − 2.575829 × 0.178885 = 0.139222; 1 + 0.5 × 0.139222/0.5.
    expect(contextMultiplier(0.6, 1.2, 45)).toBeCloseTo(1.139222, 6);
    const r = learningInsight(batch(45, 28), SETUP, "LONG")!;
    expect(r.label).toBe("62% win rate (n=45, 95% CI 48–75%) for similar setups");
    expect(r.baselineWinRate).toBeCloseTo(1 / 3, 12);
    expect(r.confidenceAdjustment).toBeCloseTo(0.09868, 5);
    expect(r.low).toBe(wilson(28, 45).low);
  });

  it("is exactly 0 while the interval straddles the baseline", () => {
    // 7/20 = 0.35 against b = 1/3: any interval around it contains b.
    expect(confidenceAdjustment(7, 20, 1 / 3, 0.2)).toBe(0);
    // 13/20 = 0.65: 99 % Wilson 0.37166–0.85361 clears 1/3 → 0.2 × (0.37166 − 0.33333)/0.2 = 0.03833.
    expect(confidenceAdjustment(13, 20, 1 / 3, 0.2)).toBeCloseTo(0.03833, 5);
    // 12/20 = 0.60: the card's 95 % interval (0.3866–0.7812) excludes 1/3, but the 99 % one (0.3293–0.8209) does
    // not, so the stricter rule says 0.
    expect(wilson(12, 20).low).toBeGreaterThan(1 / 3);
    expect(confidenceAdjustment(12, 20, 1 / 3, 0.2)).toBe(0);
  });

  it("is negative only when the upper bound is below, capped at ±weight", () => {
    // 2/40 = 0.05; 99 % Wilson high 0.21822 < 1/3 → −0.2 × (0.33333 − 0.21822)/0.2 = −0.11511.
    const neg = confidenceAdjustment(2, 40, 1 / 3, 0.2);
    expect(neg).toBeCloseTo(-0.11511, 5);
    // 100/100 wins: 99 % low 0.9378, (0.9378 − 0.3333)/0.2 > 1 → capped at +0.2; 0/100: high 0.0622 → −0.2.
    expect(confidenceAdjustment(100, 100, 1 / 3, 0.2)).toBe(0.2);
    expect(confidenceAdjustment(0, 100, 1 / 3, 0.2)).toBe(-0.2);
  });

  it("never leaves [−weight, +weight] (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 0.99, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, share, b, w) => {
          const wins = Math.floor(share * n);
          const a = confidenceAdjustment(wins, n, b, w);
          return Number.isFinite(a) && Math.abs(a) <= w + 1e-15;
        },
      ),
    );
  });

  it("uses the given baseline instead of break-even", () => {
    // 30/50 = 0.6; 99 % interval 0.4202–0.7564 contains 0.5 → 0 with baseline 0.5, positive with b = 1/3.
    const history = batch(50, 30);
    expect(learningInsight(history, SETUP, "LONG", { baselineWinRate: 0.5 })!.confidenceAdjustment).toBe(0);
    expect(learningInsight(history, SETUP, "LONG")!.confidenceAdjustment).toBeGreaterThan(0);
  });

  it("break-even win rate is 1/(1 + RR)", () => {
    expect(breakEvenWinRate(2)).toBeCloseTo(1 / 3, 15);
    expect(breakEvenWinRate(1)).toBe(0.5);
    expect(() => breakEvenWinRate(0)).toThrow(UsageError);
  });
});

describe("contextMultiplier", () => {
  it("is 1 when the expectancy interval contains 0", () => {
    // mean 0.2, sd 1.5, n 30: half-width 2.5758 × 1.5/√30 = 0.7054 > 0.2.
    expect(contextMultiplier(0.2, 1.5, 30)).toBe(1);
    expect(contextMultiplier(0, 1, 100)).toBe(1);
    expect(contextMultiplier(1, null, 1)).toBe(1);
  });

  it("reaches 1.5 and 0.5 at ±0.5 R guaranteed, stays in [0.5, 1.5]", () => {
    // 20 trades of exactly +1 R: sd 0, bound = 1 ≥ 0.5 → 1.5. Exactly −1 R → 0.5.
    expect(learningInsight(batch(20, 20, { rMultiple: 1 }), SETUP, "LONG")!.contextMultiplier).toBe(1.5);
    expect(learningInsight(batch(20, 0, { rMultiple: -1 }), SETUP, "LONG")!.contextMultiplier).toBe(0.5);
    // mean −0.5, sd 0.5, n 100: bound = −0.5 + 2.5758 × 0.05 = −0.37121 → 1 − 0.5 × 0.37121/0.5 = 0.62879.
    expect(contextMultiplier(-0.5, 0.5, 100)).toBeCloseTo(0.628791, 6);
  });
});

describe("no edge, no nudge", () => {
  it("random outcomes at the break-even rate leave the adjustment at 0 (and the multiplier at 1) in ≥ 95 % of cases", () => {
    const cases = fc.sample(
      fc.record({
        seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        n: fc.integer({ min: 20, max: 300 }),
        rr: fc.constantFrom(1, 1.5, 2, 2.5, 3),
      }),
      { seed: 20240501, numRuns: 1000 },
    );
    let zeroAdjust = 0;
    let neutral = 0;
    for (const { seed, n, rr } of cases) {
      const rand = mulberry32(seed);
      const p = 1 / (1 + rr);
      const history = Array.from({ length: n }, () => trade(rand() < p, { riskReward: rr }));
      const r = learningInsight(history, SETUP, "LONG")!;
      if (r.confidenceAdjustment === 0) zeroAdjust++;
      if (r.contextMultiplier === 1) neutral++;
    }
    expect(zeroAdjust / cases.length).toBeGreaterThanOrEqual(0.95);
    expect(neutral / cases.length).toBeGreaterThanOrEqual(0.95);
  });

  it("a real edge is found: 60 % wins at RR 2 over 200 trades gives a positive adjustment and multiplier > 1", () => {
    // 120/200; 99 % low 0.50895; 0.2 × (0.50895 − 0.33333)/0.2 = 0.17561. Mean R = 0.6·2 − 0.4·1 = 0.8.
    const r = learningInsight(batch(200, 120), SETUP, "LONG")!;
    expect(r.confidenceAdjustment).toBeCloseTo(0.17561, 5);
    expect(r.expectancyR).toBeCloseTo(0.8, 12);
    expect(r.contextMultiplier).toBeGreaterThan(1);
  });
});

describe("learningInsight: arguments", () => {
  const history = batch(20, 10);
  it.each([
    [{ minTrades: 0 }, /minTrades/],
    [{ minTrades: 2.5 }, /minTrades/],
    [{ weight: 1.5 }, /weight/],
    [{ baselineWinRate: 1 }, /baselineWinRate/],
    [{ baselineWinRate: Number.NaN }, /baselineWinRate/],
  ])("rejects %o", (opts, msg) => {
    expect(() => learningInsight(history, SETUP, "LONG", opts)).toThrow(msg);
  });

  it("rejects a bad direction and trades without one", () => {
    expect(() => learningInsight(history, SETUP, "UP" as Direction)).toThrow(UsageError);
    const noDir = history.map(({ direction: _, ...t }) => t) as unknown as DirectedTrade[];
    expect(() => learningInsight(noDir, SETUP, "LONG")).toThrow(/direction/);
  });

  it("returns plain JSON with no NaN", () => {
    const r = learningInsight(history, SETUP, "SHORT", { minTrades: 5 })!;
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});
