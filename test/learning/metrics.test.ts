import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { computeMetrics, maxDrawdown, type TradeResult } from "../../src/learning/metrics.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Monday 2024-01-01 00:00 UTC. */
const D0 = Date.UTC(2024, 0, 1);

function trade(
  id: string,
  entryTime: number,
  exitTime: number,
  pnl: number,
  rMultiple: number,
  outcome: TradeResult["outcome"],
  riskReward = 2,
): TradeResult {
  return {
    id,
    symbol: "BTCUSDT",
    entryTime,
    exitTime,
    pnl,
    pnlPercent: (pnl / 1000) * 100,
    rMultiple,
    riskReward,
    outcome,
    notional: 1000,
  };
}

/**
 * Five trades over five UTC days, equity 10 000:
 *   t1 day 0 +200 (2R, WIN)  → 10 200   peak
 *   t2 day 1 −100 (−1R, LOSS) → 10 100
 *   t3 day 2 −100 (−1R, LOSS) → 10 000   trough: drawdown 200 = 1.9608 % of 10 200
 *   t4 day 3 +300 (3R, WIN)  → 10 300
 *   t5 day 4   −2 (−0.02R, BREAKEVEN: fees only) → 10 298
 * Given shuffled, to show the curve follows exit time, not input order.
 */
const LIST1: TradeResult[] = [
  trade("t4", D0 + 3 * DAY + HOUR, D0 + 3 * DAY + 6 * HOUR, 300, 3, "WIN", 3),
  trade("t1", D0 + HOUR, D0 + 5 * HOUR, 200, 2, "WIN", 2),
  trade("t3", D0 + DAY + 4 * HOUR, D0 + 2 * DAY + 2 * HOUR, -100, -1, "LOSS", 2.5),
  trade("t5", D0 + 4 * DAY + HOUR, D0 + 4 * DAY + 2 * HOUR, -2, -0.02, "BREAKEVEN", 2),
  trade("t2", D0 + DAY + HOUR, D0 + DAY + 3 * HOUR, -100, -1, "LOSS", 2),
];

describe("computeMetrics: counts, win rate, expectancy, profit factor", () => {
  const m = computeMetrics(LIST1, { minTrades: 5 });

  it("counts outcomes and puts break-evens in the win-rate denominator", () => {
    expect([m.n, m.wins, m.losses, m.breakevens]).toEqual([5, 2, 2, 1]);
    // 2 / (2 + 2 + 1) = 0.4; Wilson(2, 5) = [0.1176208, 0.7692757] (worked in stats.test.ts).
    expect(m.winRate!.value).toBe(0.4);
    expect(m.winRate!.low).toBeCloseTo(0.1176208, 7);
    expect(m.winRate!.high).toBeCloseTo(0.7692757, 7);
    expect(m.enough).toBe(true);
    expect(m.minTrades).toBe(5);
  });

  it("expectancy in quote and in R, average R of wins and losses, average planned R:R", () => {
    // (200 − 100 − 100 + 300 − 2) / 5 = 298 / 5 = 59.6
    expect(m.expectancy).toBeCloseTo(59.6, 10);
    // (2 − 1 − 1 + 3 − 0.02) / 5 = 2.98 / 5 = 0.596
    expect(m.expectancyR).toBeCloseTo(0.596, 12);
    expect(m.avgR).toBeCloseTo(0.596, 12);
    expect(m.avgWinR).toBe(2.5); // (2 + 3) / 2
    expect(m.avgLossR).toBe(-1); // (−1 − 1) / 2; the break-even is neither
    expect(m.avgRiskReward).toBeCloseTo(2.3, 12); // (3 + 2 + 2.5 + 2 + 2) / 5 = 11.5 / 5
  });

  it("profit factor = gross win / gross loss by P&L sign (the break-even's fee counts as a loss)", () => {
    // (200 + 300) / (100 + 100 + 2) = 500 / 202 = 2.4752475
    expect(m.profitFactor).toBeCloseTo(2.4752475248, 9);
  });

  it("totals", () => {
    expect(m.totalPnl).toBe(298);
    expect(m.totalReturnPct).toBeCloseTo(2.98, 12); // 298 / 10 000 × 100
  });
});

describe("computeMetrics: equity curve and drawdown", () => {
  const m = computeMetrics(LIST1, { minTrades: 5 });

  it("starts at the first entry with the starting equity, then one point per exit in exit order", () => {
    expect(m.equityCurve).toEqual([
      { time: D0 + HOUR, equity: 10_000 },
      { time: D0 + 5 * HOUR, equity: 10_200 },
      { time: D0 + DAY + 3 * HOUR, equity: 10_100 },
      { time: D0 + 2 * DAY + 2 * HOUR, equity: 10_000 },
      { time: D0 + 3 * DAY + 6 * HOUR, equity: 10_300 },
      { time: D0 + 4 * DAY + 2 * HOUR, equity: 10_298 },
    ]);
  });

  it("finds the 10 200 → 10 000 fall with its times", () => {
    // abs 200; pct 200 / 10 200 × 100 = 1.9607843 %. The later 10 300 → 10 298 fall (2) is smaller.
    expect(m.maxDrawdown.abs).toBe(200);
    expect(m.maxDrawdown.pct).toBeCloseTo(1.9607843137, 9);
    expect(m.maxDrawdown.peakTime).toBe(D0 + 5 * HOUR);
    expect(m.maxDrawdown.troughTime).toBe(D0 + 2 * DAY + 2 * HOUR);
  });

  it("a loss first measures the fall from the starting equity; the earliest of equal falls is kept", () => {
    const dd = maxDrawdown([
      { time: 1, equity: 1000 },
      { time: 2, equity: 900 }, // −100 from 1000 (10 %)
      { time: 3, equity: 1100 },
      { time: 4, equity: 1000 }, // −100 from 1100 (9.09 %): equal in money, so the first is kept
    ]);
    expect(dd).toEqual({ abs: 100, pct: 10, peakTime: 1, troughTime: 2 });
  });

  it("no fall: zero drawdown and null times", () => {
    expect(
      maxDrawdown([
        { time: 1, equity: 5 },
        { time: 2, equity: 6 },
      ]),
    ).toEqual({
      abs: 0,
      pct: 0,
      peakTime: null,
      troughTime: null,
    });
  });
});

describe("computeMetrics: Sharpe and Sortino on daily returns", () => {
  /**
   * Equity 10 000; UTC days 0..4, day 2 without exits:
   *   day 0: +60 and +40 (two exits, summed) = +100 → r = 100 / 10 000 = +0.01,     equity 10 100
   *   day 1: −101                            → r = −101 / 10 100 = −0.01,         equity  9 999
   *   day 2: no exit                          → r = 0
   *   day 3: +199.98                          → r = 199.98 / 9 999 = +0.02,         equity 10 198.98
   *   day 4: −101.9898                        → r = −101.9898 / 10 198.98 = −0.01
   * mean = (0.01 − 0.01 + 0 + 0.02 − 0.01) / 5 = 0.002
   * deviations +0.008, −0.012, −0.002, +0.018, −0.012; squares 64 + 144 + 4 + 324 + 144 = 680 (×1e-6)
   * sample sd = √(680e-6 / 4) = √170e-6 = 0.0130384048
   * Sharpe = 0.002 / 0.0130384048 × √365 (19.1049732) = 2.9305691
   * downside = √((0.01² + 0.01²) / 5) = √(4e-5) = 0.0063245553 (all five days in the mean)
   * Sortino = 0.002 / 0.0063245553 × 19.1049732 = 6.0415230
   */
  const LIST2: TradeResult[] = [
    trade("a", D0 + HOUR, D0 + 2 * HOUR, 60, 0.6, "WIN"),
    trade("b", D0 + 3 * HOUR, D0 + 20 * HOUR, 40, 0.4, "WIN"),
    trade("c", D0 + DAY + HOUR, D0 + DAY + 9 * HOUR, -101, -1, "LOSS"),
    trade("d", D0 + 2 * DAY + 22 * HOUR, D0 + 3 * DAY + 5 * HOUR, 199.98, 2, "WIN"),
    trade("e", D0 + 4 * DAY + HOUR, D0 + 4 * DAY + 23 * HOUR, -101.9898, -1, "LOSS"),
  ];

  it("annualises mean / sample sd and mean / downside deviation by √365", () => {
    const m = computeMetrics(LIST2, { minTrades: 5 });
    expect(m.days).toBe(5);
    expect(m.sharpe).toBeCloseTo(2.9305691075, 8);
    expect(m.sortino).toBeCloseTo(6.0415229868, 8);
  });

  it("from/to widen the day range with zero-return days and leave out trades exiting outside", () => {
    // from = day −1 adds a leading 0 day; the 0-return day lowers the mean but not the downside sum.
    // Returns +0 (day −1), 0.01, −0.01, 0, 0.02, −0.01: mean = 0.01/6 = 0.0016667,
    // downside = √(2e-4 / 6) = 0.0057735; Sortino = 0.0016667 / 0.0057735 × 19.1049732 = 5.5151307.
    const wide = computeMetrics(LIST2, { minTrades: 5, from: D0 - DAY, to: D0 + 4 * DAY + 23 * HOUR });
    expect(wide.days).toBe(6);
    expect(wide.sortino).toBeCloseTo(5.5151307, 6);
    expect(wide.equityCurve[0]).toEqual({ time: D0 - DAY, equity: 10_000 });
    // to = end of day 1 drops d and e (exits on days 3 and 4).
    const early = computeMetrics(LIST2, { minTrades: 1, to: D0 + 2 * DAY - 1 });
    expect(early.n).toBe(3);
    expect(early.totalPnl).toBe(-1);
    expect(early.days).toBe(2);
  });

  it("null with a single day, with no losing day (Sortino), and with equal returns (Sharpe)", () => {
    const oneDay = computeMetrics([LIST2[0]!, LIST2[1]!], { minTrades: 1 });
    expect(oneDay.days).toBe(1);
    expect(oneDay.sharpe).toBeNull();
    expect(oneDay.sortino).toBeNull();
    // Two days at +0.01 each (100 / 10 000, then 101 / 10 100): sd 0 → Sharpe null; no losing day → Sortino null.
    const flat = computeMetrics(
      [trade("x", D0, D0 + HOUR, 100, 1, "WIN"), trade("y", D0 + DAY, D0 + DAY + HOUR, 101, 1, "WIN")],
      { minTrades: 1 },
    );
    expect(flat.days).toBe(2);
    expect(flat.sharpe).toBeNull();
    expect(flat.sortino).toBeNull();
  });
});

describe("computeMetrics: not enough trades", () => {
  it("below minTrades (default 20) the averages and ratios are null, counts and totals stay", () => {
    const m = computeMetrics(LIST1);
    expect(m.enough).toBe(false);
    expect(m.minTrades).toBe(20);
    for (const k of [
      "winRate",
      "expectancy",
      "expectancyR",
      "avgR",
      "avgWinR",
      "avgLossR",
      "avgRiskReward",
      "profitFactor",
      "sharpe",
      "sortino",
    ] as const) {
      expect(m[k], k).toBeNull();
    }
    expect([m.n, m.wins, m.losses, m.breakevens, m.totalPnl]).toEqual([5, 2, 2, 1, 298]);
    expect(m.maxDrawdown.abs).toBe(200);
    expect(m.equityCurve).toHaveLength(6);
  });

  it("exactly minTrades is enough", () => {
    expect(computeMetrics(LIST1, { minTrades: 5 }).enough).toBe(true);
    expect(computeMetrics(LIST1, { minTrades: 6 }).enough).toBe(false);
  });
});

/** Every number finite, nothing undefined, and JSON.stringify loses nothing. */
function expectJsonSafe(value: unknown): void {
  const walk = (v: unknown, path: string): void => {
    if (typeof v === "number") expect(Number.isFinite(v), `${path} = ${v}`).toBe(true);
    else if (v === undefined) throw new Error(`${path} is undefined`);
    else if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, `${path}[${i}]`);
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(value, "$");
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

describe("computeMetrics: JSON safety on edge cases", () => {
  it("all wins: profit factor and average loss null, no NaN", () => {
    const m = computeMetrics(
      [trade("w1", D0, D0 + HOUR, 50, 1, "WIN"), trade("w2", D0 + DAY, D0 + DAY + HOUR, 70, 1.4, "WIN")],
      { minTrades: 1 },
    );
    expect(m.profitFactor).toBeNull();
    expect(m.avgLossR).toBeNull();
    expect(m.winRate).toEqual({ value: 1, low: expect.closeTo(0.3423802, 7), high: 1 });
    expectJsonSafe(m);
  });

  it("all losses: profit factor 0, win rate 0", () => {
    const m = computeMetrics(
      [trade("l1", D0, D0 + HOUR, -50, -1, "LOSS"), trade("l2", D0 + DAY, D0 + DAY + HOUR, -40, -0.8, "LOSS")],
      { minTrades: 1 },
    );
    expect(m.profitFactor).toBe(0);
    expect(m.winRate!.value).toBe(0);
    expect(m.avgWinR).toBeNull();
    // Returns −50/10 000 = −0.005 and −40/9 950 = −0.0040201: mean −0.0045101, both days in the downside.
    expect(m.sortino).toBeLessThan(0);
    expectJsonSafe(m);
  });

  it("a single trade and an empty list", () => {
    const one = computeMetrics([trade("s", D0, D0 + HOUR, 10, 0.1, "WIN")], { minTrades: 1 });
    expect(one.winRate!.value).toBe(1);
    expect(one.sharpe).toBeNull();
    expectJsonSafe(one);
    const none = computeMetrics([], { minTrades: 1 });
    expect(none).toMatchObject({ n: 0, enough: false, winRate: null, totalPnl: 0, days: 0, equityCurve: [] });
    expectJsonSafe(none);
  });

  it("a subnormal gross loss gives a null profit factor, not Infinity", () => {
    // 1 / 5e-324 overflows to Infinity.
    const m = computeMetrics(
      [trade("w", D0, D0 + HOUR, 1, 1, "WIN"), trade("l", D0, D0 + 2 * HOUR, -5e-324, 0, "BREAKEVEN")],
      { minTrades: 1 },
    );
    expect(m.profitFactor).toBeNull();
    expectJsonSafe(m);
  });

  it("an underflowing −0 comes out as 0, as its JSON copy would", () => {
    // −5e-324 / 10 000 × 100 underflows to −0.
    const m = computeMetrics([trade("tiny", D0, D0 + HOUR, -5e-324, 0, "BREAKEVEN")], { minTrades: 1 });
    expect(Object.is(m.totalReturnPct, 0)).toBe(true);
    expectJsonSafe(m);
  });

  it("an equity that goes to zero leaves Sharpe/Sortino null rather than dividing by it", () => {
    const m = computeMetrics(
      [trade("big", D0, D0 + HOUR, -10_000, -1, "LOSS"), trade("next", D0 + DAY, D0 + DAY + HOUR, 5, 0.1, "WIN")],
      { minTrades: 1 },
    );
    expect(m.sharpe).toBeNull();
    expect(m.maxDrawdown.pct).toBe(100);
    expectJsonSafe(m);
  });
});

describe("computeMetrics: argument checking", () => {
  it("names the bad option", () => {
    expect(() => computeMetrics(LIST1, { startingEquity: 0 })).toThrow(/startingEquity must be a finite number > 0/);
    expect(() => computeMetrics(LIST1, { minTrades: 0 })).toThrow(/minTrades must be a whole number ≥ 1, got 0/);
    expect(() => computeMetrics(LIST1, { from: 10, to: 5 })).toThrow(/to \(5\) is before from \(10\)/);
    expect(() => computeMetrics(LIST1, { from: Number.NaN })).toThrow(UsageError);
    // 298 / 1e-307 = 2.98e309 > 1.8e308 overflows to Infinity.
    expect(() => computeMetrics(LIST1, { startingEquity: 1e-307 })).toThrow(/startingEquity 1e-307 is too small/);
    // 1970-01-01 .. 2024-01-05 (day 19 723 + 4, the last exit) is 19 728 days inclusive: fine.
    expect(computeMetrics(LIST1, { minTrades: 1, from: 0 }).days).toBe(19_728);
    // A 'to' in µs by mistake (D0 × 1000 = day 19 723 000): 19 723 000 − 19 723 + 1 = 19 703 278 days, refused.
    expect(() => computeMetrics(LIST1, { to: D0 * 1000 })).toThrow(/spans 19703278 days \(more than 36525\)/);
  });

  it("names the bad trade and field", () => {
    const bad = { ...LIST1[0]!, pnl: Number.NaN };
    expect(() => computeMetrics([bad])).toThrow(/trade "t4": pnl must be a finite number, got NaN/);
    const backwards = { ...LIST1[0]!, exitTime: LIST1[0]!.entryTime - 1 };
    expect(() => computeMetrics([backwards])).toThrow(/exitTime .* is before entryTime/);
    const huge = [trade("h1", D0, D0, 1e308, 1, "WIN"), trade("h2", D0, D0, 1e308, 1, "WIN")];
    expect(() => computeMetrics(huge)).toThrow(/sum of \|pnl\| overflows/);
    const odd = { ...LIST1[0]!, outcome: "OPEN" } as unknown as TradeResult;
    expect(() => computeMetrics([odd])).toThrow(/outcome must be WIN, LOSS or BREAKEVEN, got OPEN/);
  });
});

describe("computeMetrics: properties", () => {
  const arbTrades = fc.array(
    fc.record({
      start: fc.integer({ min: 0, max: 30 * DAY }),
      length: fc.integer({ min: 0, max: 5 * DAY }),
      // |pnl| ≤ 300 and ≤ 30 trades: the equity (10 000) cannot reach 0, so "drawdown ≤ peak" must hold.
      pnl: fc.double({ min: -300, max: 300, noNaN: true }),
      r: fc.double({ min: -3, max: 5, noNaN: true }),
      outcome: fc.constantFrom("WIN", "LOSS", "BREAKEVEN" as const),
    }),
    { maxLength: 30 },
  );
  const toTrades = (xs: { start: number; length: number; pnl: number; r: number; outcome: string }[]) =>
    xs.map((x, i) =>
      trade(`p${i}`, D0 + x.start, D0 + x.start + x.length, x.pnl, x.r, x.outcome as TradeResult["outcome"]),
    );

  it("0 ≤ maxDrawdown ≤ peak equity, winRate within [low, high], output JSON-safe", () => {
    fc.assert(
      fc.property(arbTrades, (xs) => {
        const m = computeMetrics(toTrades(xs), { minTrades: 1 });
        const peak = Math.max(10_000, ...m.equityCurve.map((p) => p.equity));
        expect(m.maxDrawdown.abs).toBeGreaterThanOrEqual(0);
        expect(m.maxDrawdown.abs).toBeLessThanOrEqual(peak);
        expect(m.maxDrawdown.pct).toBeLessThanOrEqual(100);
        if (m.winRate !== null) {
          expect(m.winRate.low).toBeLessThanOrEqual(m.winRate.value);
          expect(m.winRate.value).toBeLessThanOrEqual(m.winRate.high);
        }
        expectJsonSafe(m);
      }),
    );
  });

  it("the result does not depend on the order the trades are given in", () => {
    fc.assert(
      fc.property(arbTrades, (xs) => {
        const trades = toTrades(xs);
        expect(computeMetrics([...trades].reverse(), { minTrades: 1 })).toEqual(
          computeMetrics(trades, { minTrades: 1 }),
        );
      }),
    );
  });
});
