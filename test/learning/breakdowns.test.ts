import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  agentCombination,
  breakdown,
  STANDARD_DIMENSIONS,
  strategyAnalysis,
  type TradeContext,
} from "../../src/learning/breakdowns.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const D0 = Date.UTC(2024, 0, 1);

let seq = 0;
function ctx(
  signalType: string,
  pnl: number,
  rMultiple: number,
  outcome: TradeContext["outcome"],
  extra: Partial<TradeContext> = {},
): TradeContext {
  const i = seq++;
  return {
    id: `c${i}`,
    symbol: "ETHUSDT",
    entryTime: D0 + i * DAY,
    exitTime: D0 + i * DAY + 4 * HOUR,
    pnl,
    pnlPercent: pnl / 10,
    rMultiple,
    riskReward: 2,
    outcome,
    notional: 1000,
    signalType,
    zoneTimeframe: "1d",
    atZone: true,
    volumeConfirmed: false,
    rsiState: "neutral",
    agents: ["price_action"],
    ...extra,
  };
}

/**
 * bounce:    +100 (2R, W), +50 (1R, W), −50 (−1R, L)           n 3, wins 2
 * breakout:  −80 (−1R, L), −1 (−0.01R, BREAKEVEN)             n 2, wins 0
 * reversal:  +120 (1.5R, W)                                    n 1
 */
const TRADES: TradeContext[] = [
  ctx("breakout", -80, -1, "LOSS", { zoneTimeframe: null, atZone: false, agents: ["volume", "momentum"] }),
  ctx("bounce", 100, 2, "WIN", { volumeConfirmed: true, rsiState: "oversold", agents: ["momentum", "volume"] }),
  ctx("reversal", 120, 1.5, "WIN", { zoneTimeframe: "1w", rsiState: "overbought", agents: [] }),
  ctx("bounce", 50, 1, "WIN", { zoneTimeframe: "4h", volumeConfirmed: true }),
  ctx("breakout", -1, -0.01, "BREAKEVEN", { zoneTimeframe: null, atZone: false }),
  ctx("bounce", -50, -1, "LOSS", { rsiState: "oversold", agents: ["price_action", "price_action"] }),
];

describe("breakdown", () => {
  const rows = breakdown(TRADES, (t) => t.signalType, { minTrades: 2 });

  it("one row per key, sorted by n descending", () => {
    expect(rows.map((r) => [r.key, r.n, r.wins])).toEqual([
      ["bounce", 3, 2],
      ["breakout", 2, 0],
      ["reversal", 1, 1],
    ]);
  });

  it("bounce: win rate 2/3 with Wilson [0.2077, 0.9385], expectancy 33.33 quote and 0.667 R", () => {
    // Wilson(2, 3): z²/n = 1.2804863, centre = (0.6666667 + 0.6402432)/2.2804863 = 0.5730838,
    // half = 1.959964/2.2804863 × √(0.0740741 + 0.1067072) = 0.8594505 × 0.4251839 = 0.3654242.
    const bounce = rows[0]!;
    expect(bounce.winRate).toBeCloseTo(2 / 3, 12);
    expect(bounce.low).toBeCloseTo(0.2076596, 7);
    expect(bounce.high).toBeCloseTo(0.9385081, 7);
    expect(bounce.expectancy).toBeCloseTo(100 / 3, 10); // (100 + 50 − 50) / 3
    expect(bounce.expectancyR).toBeCloseTo(2 / 3, 12); // (2 + 1 − 1) / 3
    expect(bounce.enough).toBe(true);
  });

  it("breakout: no wins, the break-even counts in n; Wilson(0, 2) = [0, 0.6576]", () => {
    // z²/n = 1.9207297, centre = 0.9603649/2.9207297 = 0.3288099 = half, so high = 0.6576198.
    const breakout = rows[1]!;
    expect(breakout.winRate).toBe(0);
    expect(breakout.low).toBe(0);
    expect(breakout.high).toBeCloseTo(0.6576198, 7);
    expect(breakout.expectancy).toBeCloseTo(-40.5, 12); // (−80 − 1) / 2
    expect(breakout.expectancyR).toBeCloseTo(-0.505, 12); // (−1 − 0.01) / 2
  });

  it("a group below minTrades keeps its counts but has null rates", () => {
    expect(rows[2]).toEqual({
      key: "reversal",
      n: 1,
      wins: 1,
      winRate: null,
      low: null,
      high: null,
      expectancy: null,
      expectancyR: null,
      enough: false,
    });
  });

  it("skips null keys and breaks ties in n by key", () => {
    // zoneTimeframe: 1d ×2 (bounce, bounce), 4h ×1, 1w ×1, null ×2 (the breakouts, skipped).
    const byZone = breakdown(TRADES, (t) => t.zoneTimeframe, { minTrades: 1 });
    expect(byZone.map((r) => [r.key, r.n])).toEqual([
      ["1d", 2],
      ["1w", 1],
      ["4h", 1],
    ]);
  });

  it("defaults minTrades to 20 and checks keyOf's results", () => {
    expect(breakdown(TRADES, (t) => t.signalType).every((r) => !r.enough && r.winRate === null)).toBe(true);
    expect(() => breakdown(TRADES, () => 3 as unknown as string)).toThrow(/keyOf returned 3 for trade "c0"/);
    expect(() => breakdown(TRADES, (t) => t.signalType, { minTrades: -1 })).toThrow(UsageError);
  });
});

describe("STANDARD_DIMENSIONS", () => {
  it("agent combinations are de-duplicated, sorted and joined by +; none when empty", () => {
    expect(agentCombination(["volume", "momentum"])).toBe("momentum+volume");
    expect(agentCombination(["momentum", "volume", "momentum"])).toBe("momentum+volume");
    expect(agentCombination([])).toBe("none");
  });

  it("group the fixture as expected", () => {
    const keys = Object.fromEntries(
      STANDARD_DIMENSIONS.map((d) => [d.name, breakdown(TRADES, d.keyOf, { minTrades: 1 }).map((r) => [r.key, r.n])]),
    );
    expect(keys).toEqual({
      signal_type: [
        ["bounce", 3],
        ["breakout", 2],
        ["reversal", 1],
      ],
      zone_timeframe: [
        ["1d", 2],
        ["1w", 1],
        ["4h", 1],
      ],
      at_zone: [
        ["at_zone", 4],
        ["away", 2],
      ],
      volume: [
        ["unconfirmed", 4],
        ["confirmed", 2],
      ],
      rsi_state: [
        ["neutral", 3],
        ["oversold", 2],
        ["overbought", 1],
      ],
      agents: [
        ["price_action", 3],
        ["momentum+volume", 2],
        ["none", 1],
      ],
    });
  });
});

describe("strategyAnalysis", () => {
  it("overall metrics plus every standard dimension, generatedAt only when given", () => {
    const a = strategyAnalysis(TRADES, { minTrades: 2, generatedAt: D0 + 10 * DAY });
    expect(a.generatedAt).toBe(D0 + 10 * DAY);
    expect(a.overall.n).toBe(6);
    expect(a.overall.totalPnl).toBe(139); // −80 + 100 + 120 + 50 − 1 − 50
    expect(Object.keys(a.dimensions)).toEqual(STANDARD_DIMENSIONS.map((d) => d.name));
    expect(a.dimensions.signal_type[0]).toMatchObject({ key: "bounce", n: 3, enough: true });
    expect("generatedAt" in strategyAnalysis(TRADES)).toBe(false);
  });

  it("applies the period to the breakdowns too", () => {
    // Trades c0.. exit on days 0..5 of the fixture's numbering; to = end of day 2 keeps the first three.
    const first = TRADES[0]!.entryTime;
    const a = strategyAnalysis(TRADES, { minTrades: 1, to: first + 3 * DAY - 1 });
    expect(a.overall.n).toBe(3);
    expect(a.dimensions.signal_type.map((r) => [r.key, r.n])).toEqual([
      ["bounce", 1],
      ["breakout", 1],
      ["reversal", 1],
    ]);
  });

  it("rejects a trade whose context is malformed, naming the field", () => {
    const bad = { ...TRADES[0]!, rsiState: "hot" } as unknown as TradeContext;
    expect(() => strategyAnalysis([bad])).toThrow(/rsiState must be oversold, overbought or neutral, got hot/);
    expect(() => strategyAnalysis(TRADES, { generatedAt: Number.NaN })).toThrow(/generatedAt must be epoch ms/);
  });

  it("property: plain JSON (no NaN/Infinity/undefined), every breakdown row count sums to at most n", () => {
    const arb = fc.array(
      fc.record({
        pnl: fc.double({ min: -500, max: 500, noNaN: true }),
        outcome: fc.constantFrom("WIN", "LOSS", "BREAKEVEN" as const),
        type: fc.constantFrom("bounce", "breakout"),
        zone: fc.constantFrom("1d", "4h", null),
        agents: fc.subarray(["momentum", "volume", "price_action"]),
      }),
      { maxLength: 25 },
    );
    fc.assert(
      fc.property(arb, fc.integer({ min: 1, max: 10 }), (xs, minTrades) => {
        const trades = xs.map((x) =>
          ctx(x.type, x.pnl, x.pnl / 100, x.outcome as TradeContext["outcome"], {
            zoneTimeframe: x.zone,
            agents: x.agents,
          }),
        );
        const a = strategyAnalysis(trades, { minTrades });
        const text = JSON.stringify(a);
        expect(text).not.toMatch(/NaN|Infinity/);
        expect(JSON.parse(text)).toEqual(a);
        for (const rows of Object.values(a.dimensions)) {
          expect(rows.reduce((s, r) => s + r.n, 0)).toBeLessThanOrEqual(a.overall.n);
          for (const r of rows) if (r.winRate !== null) expect(r.low! <= r.winRate && r.winRate <= r.high!).toBe(true);
        }
      }),
    );
  });
});
