import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import type { TradeContext } from "../../src/learning/breakdowns.js";
import {
  createHypothesis,
  evaluateHypotheses,
  type Hypothesis,
  holmAdjusted,
  proposeHypotheses,
  type Variant,
  variantAccepts,
} from "../../src/learning/hypotheses.js";
import { holmBonferroni } from "../../src/learning/stats.js";
import { mulberry32 } from "./fixtures/random.js";

const HOUR = 3_600_000;
const D0 = Date.UTC(2024, 0, 1);

/** Trade number i enters at D0 + i hours and closes an hour later. */
function trade(i: number, win: boolean, extra: Partial<TradeContext> = {}): TradeContext {
  return {
    id: `t${i}`,
    symbol: "BTCUSDT",
    entryTime: D0 + i * HOUR,
    exitTime: D0 + i * HOUR + HOUR,
    pnl: win ? 20 : -10,
    pnlPercent: win ? 2 : -1,
    rMultiple: win ? 2 : -1,
    riskReward: 2,
    outcome: win ? "WIN" : "LOSS",
    notional: 1000,
    signalType: "reversal_at_zone",
    zoneTimeframe: "1d",
    atZone: true,
    volumeConfirmed: false,
    rsiState: "neutral",
    agents: ["sr"],
    ...extra,
  };
}

/** Trades numbered from `start`: `n` with the context, the first `wins` of them winning. */
function run(start: number, n: number, wins: number, extra: Partial<TradeContext> = {}): TradeContext[] {
  return Array.from({ length: n }, (_, k) => trade(start + k, k < wins, extra));
}

const VOLUME: Variant = { dimension: "volume", op: "only", key: "confirmed" };

describe("variantAccepts", () => {
  const t = trade(0, true, { zoneTimeframe: "3d", volumeConfirmed: true });
  it("only / exclude by the dimension's key", () => {
    expect(variantAccepts(VOLUME, t)).toBe(true);
    expect(variantAccepts({ dimension: "volume", op: "exclude", key: "confirmed" }, t)).toBe(false);
    expect(variantAccepts({ dimension: "signal_type", op: "only", key: "breakout" }, t)).toBe(false);
  });

  it("at_least compares zone timeframes by length; no zone is never accepted", () => {
    const v: Variant = { dimension: "zone_timeframe", op: "at_least", key: "1d" };
    expect(variantAccepts(v, t)).toBe(true);
    expect(variantAccepts(v, trade(0, true, { zoneTimeframe: "1d" }))).toBe(true);
    expect(variantAccepts(v, trade(0, true, { zoneTimeframe: "4h" }))).toBe(false);
    expect(variantAccepts(v, trade(0, true, { zoneTimeframe: null }))).toBe(false);
    expect(
      variantAccepts(
        { dimension: "zone_timeframe", op: "exclude", key: "4h" },
        trade(0, true, { zoneTimeframe: null }),
      ),
    ).toBe(true);
  });

  it("rejects malformed variants with a UsageError", () => {
    expect(() => createHypothesis({ dimension: "rsi_state", op: "at_least", key: "oversold" }, D0)).toThrow(/at_least/);
    expect(() => createHypothesis({ dimension: "colour", op: "only", key: "red" } as unknown as Variant, D0)).toThrow(
      /unknown dimension "colour"/,
    );
    expect(() => createHypothesis(VOLUME, Number.NaN)).toThrow(UsageError);
  });
});

describe("holmAdjusted", () => {
  it("matches Holm step-down by hand and agrees with holmBonferroni", () => {
    // Sorted: 0.01 (#0), 0.03 (#2), 0.04 (#1). 3 × 0.01 = 0.03; max(0.03, 2 × 0.03) = 0.06; max(0.06, 1 × 0.04) = 0.06.
    const p = [0.01, 0.04, 0.03];
    expect(holmAdjusted(p)).toEqual([0.03, 0.06, 0.06]);
    expect(holmAdjusted(p).map((q) => q <= 0.05)).toEqual(holmBonferroni(p, 0.05));
    // 2 × 0.2 = 0.4, then max(0.4, 0.9); 2 × 0.6 = 1.2 is capped at 1, and so is everything after it.
    expect(holmAdjusted([0.2, 0.9])).toEqual([0.4, 0.9]);
    expect(holmAdjusted([0.6, 0.9])).toEqual([1, 1]);
    expect(holmAdjusted([])).toEqual([]);
  });
});

describe("proposeHypotheses", () => {
  // Volume confirmed: 30 of 40 win (0.75, 95 % CI 0.598–0.858); unconfirmed: 15 of 60 (0.25, CI 0.158–0.372).
  // Overall 45/100 = 0.45: the first row lies wholly above, the second wholly below. Every other dimension has a
  // single key whose rate is the overall one.
  const history = [...run(0, 40, 30, { volumeConfirmed: true }), ...run(40, 60, 15)];
  const now = D0 + 200 * HOUR;

  it("turns a row whose interval excludes the overall rate into a hypothesis, once per equivalent filter", () => {
    const hs = proposeHypotheses(history, { now });
    // "exclude unconfirmed" takes the same trades as "only confirmed" here, so only the first is proposed.
    expect(hs.map((h) => h.id)).toEqual(["volume:only:confirmed"]);
    const h = hs[0]!;
    expect(h.status).toBe("testing");
    expect(h.createdAt).toBe(now);
    expect(h.statement).toMatch(/^Taking only trades with volume confirmed raises the win rate/);
    expect(h.observation).toMatchObject({ dimension: "volume", key: "confirmed", n: 40, wins: 30, side: "above" });
    expect(h.observation!.overallWinRate).toBe(0.45);
    expect(h.observation!.low).toBeGreaterThan(0.45);
  });

  it("does not propose a variant that exists already, whatever its status", () => {
    const first = proposeHypotheses(history, { now });
    const rejected: Hypothesis = { ...first[0]!, status: "rejected" };
    expect(proposeHypotheses(history, { now, existing: [rejected] })).toEqual([]);
  });

  it("proposes an exclusion for a row wholly below the overall rate", () => {
    // Three signal types: breakout 5/40 (CI 0.055–0.261) lies below the overall 45/120 = 0.375.
    const mixed = [
      ...run(0, 40, 20, { signalType: "reversal_at_zone" }),
      ...run(40, 40, 20, { signalType: "momentum" }),
      ...run(80, 40, 5, { signalType: "breakout" }),
    ];
    const hs = proposeHypotheses(mixed, { now });
    expect(hs.map((h) => h.id)).toEqual(["signal_type:exclude:breakout"]);
    expect(hs[0]!.observation!.side).toBe("below");
  });

  it("ignores trades that had not closed by `now` and rows below minTrades", () => {
    expect(proposeHypotheses(history, { now: D0 })).toEqual([]);
    expect(proposeHypotheses(history, { now, minTrades: 61 })).toEqual([]);
    expect(() => proposeHypotheses(history, { now, minTrades: 0 })).toThrow(/minTrades/);
  });
});

describe("evaluateHypotheses: the decision rule", () => {
  const created = D0 + 1000 * HOUR;
  const h = createHypothesis(VOLUME, created);
  const later = (i: number) => 1001 + i;

  it("keeps testing until both arms have min_sample_size trades, without z or p", () => {
    const trades = [...run(later(0), 60, 40, { volumeConfirmed: true }), ...run(later(100), 49, 20)];
    const { hypotheses, log } = evaluateHypotheses([h], trades, { now: D0 + 5000 * HOUR });
    expect(hypotheses[0]).toBe(h);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      status: "testing",
      variant: { n: 60, wins: 40 },
      rejected: { n: 49, wins: 20 },
      z: null,
      pOneSided: null,
      decidedAt: null,
    });
    expect(log[0]!.reason).toBe("waiting for 50 trades in each arm (taken 60, left out 49)");
  });

  it("confirms a planted edge: 98/150 (0.653) against 60/150 (0.40)", () => {
    // Pooled p = 158/300 = 0.52667; SE = √(0.52667 × 0.47333 × 2/150) = 0.057650; continuity correction
    // ½(2/150) = 0.0066667; z = (0.65333 − 0.4 − 0.0066667)/SE = 4.2785, p = 9.4e-6.
    const trades = [...run(later(0), 150, 98, { volumeConfirmed: true }), ...run(later(200), 150, 60)];
    // Trades before the creation (a strong counter-edge) must not count.
    const before = [...run(0, 100, 0, { volumeConfirmed: true }), ...run(100, 100, 100)];
    const now = D0 + 5000 * HOUR;
    const { hypotheses, log } = evaluateHypotheses([h], [...before, ...trades], { now });
    const e = log[0]!;
    expect(e.variant).toEqual({ n: 150, wins: 98, winRate: 98 / 150 });
    expect(e.rejected).toEqual({ n: 150, wins: 60, winRate: 0.4 });
    expect(e.z).toBeCloseTo(4.2785, 3);
    expect(e.pOneSided).toBeLessThan(1e-5);
    expect(e.familySize).toBe(1);
    expect(e.adjustedP).toBe(e.pOneSided);
    expect(e.status).toBe("confirmed");
    expect(e.decidedAt).toBe(now);
    expect(e.reason).toMatch(/^confirmed: 65\.3% taken \(n=150\) vs 40\.0% left out \(n=150\); z = 4\.28/);
    expect(hypotheses[0]).toMatchObject({ status: "confirmed", decision: e });
  });

  it("rejects a true but small difference that is not significant, and a wrong-direction one", () => {
    // 30/60 vs 27/60: SE = √(0.475 × 0.525 × 2/60) = 0.091173, z = (0.05 − 1/60)/SE = 0.3656 → not significant.
    const small = [...run(later(0), 60, 30, { volumeConfirmed: true }), ...run(later(100), 60, 27)];
    const a = evaluateHypotheses([h], small, { now: D0 + 5000 * HOUR }).log[0]!;
    expect(a.z).toBeCloseTo(0.3656, 3);
    expect(a.status).toBe("rejected");
    expect(a.reason).toMatch(/^rejected, not significant/);
    // 15/60 vs 40/60: the trades it skips did far better.
    const worse = [...run(later(0), 60, 15, { volumeConfirmed: true }), ...run(later(100), 60, 40)];
    const b = evaluateHypotheses([h], worse, { now: D0 + 5000 * HOUR }).log[0]!;
    expect(b.z).toBeLessThan(-4);
    expect(b.status).toBe("rejected");
    expect(b.reason).toMatch(/^rejected, wrong direction/);
  });

  it("applies Holm across the hypotheses decided together", () => {
    // Variant A (volume): 36/60 vs 25/60: pooled 61/120, SE = √(0.50833 × 0.49167 × 2/60) = 0.091272,
    // z = (0.6 − 0.41667 − 1/60)/SE = 1.8260, p = 0.033925. Variant B (RSI oversold) takes 30/60 against 31/60:
    // |d| = 1/60 is exactly the correction, so z = 0 and p = 0.5.
    const trades = [
      ...run(later(0), 30, 18, { volumeConfirmed: true, rsiState: "oversold" }),
      ...run(later(30), 30, 18, { volumeConfirmed: true }),
      ...run(later(60), 30, 12, { rsiState: "oversold" }),
      ...run(later(90), 30, 13),
    ];
    const hb = createHypothesis({ dimension: "rsi_state", op: "only", key: "oversold" }, created);
    const now = D0 + 5000 * HOUR;
    // Alone, A is confirmed: 0.033925 ≤ 0.05.
    const alone = evaluateHypotheses([h], trades, { now }).log[0]!;
    expect(alone.pOneSided).toBeCloseTo(0.033925, 5);
    expect(alone.status).toBe("confirmed");
    // Beside B, Holm needs the smaller p ≤ 0.05/2: adjusted 2 × 0.033925 = 0.06785 > 0.05 → both rejected.
    const { log } = evaluateHypotheses([h, hb], trades, { now });
    expect(log[1]!.z).toBe(0);
    expect(log[1]!.pOneSided).toBe(0.5);
    expect(log[0]!.familySize).toBe(2);
    expect(log[0]!.adjustedP).toBeCloseTo(0.06785, 5);
    expect(log.map((e) => e.status)).toEqual(["rejected", "rejected"]);
    // At alpha 0.1 the pair passes for A: 0.06785 ≤ 0.1.
    expect(evaluateHypotheses([h, hb], trades, { now, alpha: 0.1 }).log[0]!.status).toBe("confirmed");
  });

  it("never re-opens a decision and logs only hypotheses still testing", () => {
    const trades = [...run(later(0), 60, 30, { volumeConfirmed: true }), ...run(later(100), 60, 27)];
    const first = evaluateHypotheses([h], trades, { now: D0 + 5000 * HOUR });
    const more = [...trades, ...run(later(300), 200, 200, { volumeConfirmed: true })];
    const second = evaluateHypotheses(first.hypotheses, more, { now: D0 + 9000 * HOUR });
    expect(second.log).toEqual([]);
    expect(second.hypotheses[0]).toBe(first.hypotheses[0]);
    expect(second.hypotheses[0]!.status).toBe("rejected");
  });

  it("checks its arguments", () => {
    expect(() => evaluateHypotheses([h], [], { now: D0, minSampleSize: 0 })).toThrow(/minSampleSize/);
    expect(() => evaluateHypotheses([h], [], { now: D0, alpha: 1 })).toThrow(/alpha/);
    expect(() => evaluateHypotheses([h, h], [], { now: D0 })).toThrow(/listed twice/);
    expect(() => evaluateHypotheses([{ ...h, status: "maybe" } as unknown as Hypothesis], [], { now: D0 })).toThrow(
      /status/,
    );
  });
});

/** A random context, independent of the outcome. */
function randomContext(rand: () => number): Partial<TradeContext> {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  return {
    signalType: pick(["breakout", "reversal_at_zone", "breakout_at_zone", "momentum"]),
    zoneTimeframe: pick([null, "4h", "1d", "1w"]),
    atZone: rand() < 0.5,
    volumeConfirmed: rand() < 0.5,
    rsiState: pick(["oversold", "overbought", "neutral"]),
    agents: pick([["sr"], ["momentum", "sr"], ["price_action", "volume"]]),
  };
}

/** The learning cycle on one seed: observe 200 trades, propose, add fixed ideas, shadow-test on the next 400. */
function cycle(seed: number, winRate: (c: Partial<TradeContext>) => number) {
  const rand = mulberry32(seed);
  const trades = Array.from({ length: 600 }, (_, i) => {
    const c = randomContext(rand);
    return trade(i, rand() < winRate(c), c);
  });
  const created = D0 + 200 * HOUR;
  const fixed = [
    createHypothesis(VOLUME, created),
    createHypothesis({ dimension: "at_zone", op: "only", key: "at_zone" }, created),
    createHypothesis({ dimension: "zone_timeframe", op: "at_least", key: "1d" }, created),
    createHypothesis({ dimension: "rsi_state", op: "exclude", key: "neutral" }, created),
    createHypothesis({ dimension: "signal_type", op: "only", key: "reversal_at_zone" }, created),
  ];
  const proposed = proposeHypotheses(trades, { now: created, existing: fixed });
  return evaluateHypotheses([...fixed, ...proposed], trades, { now: D0 + 700 * HOUR });
}

describe("evaluateHypotheses: the system does not discover edges that are not there", () => {
  it("with outcomes independent of context, confirms anything in ≤ alpha of 1000 seeds", () => {
    let anyConfirmed = 0;
    let decided = 0;
    const seeds = 1000;
    for (let seed = 1; seed <= seeds; seed++) {
      const { hypotheses } = cycle(seed, () => 0.4);
      if (hypotheses.some((x) => x.status === "confirmed")) anyConfirmed++;
      decided += hypotheses.filter((x) => x.status !== "testing").length;
    }
    // Every seed decides at least the five fixed hypotheses (each arm gets ~100–300 of the 400 new trades).
    expect(decided).toBeGreaterThanOrEqual(5 * seeds);
    expect(anyConfirmed / seeds).toBeLessThanOrEqual(0.05);
  });

  it("finds a planted edge (volume-confirmed 0.65 vs 0.40) in ≥ 95 % of 100 seeds, beside the null ideas", () => {
    let found = 0;
    for (let seed = 1001; seed <= 1100; seed++) {
      const { hypotheses } = cycle(seed, (c) => (c.volumeConfirmed ? 0.65 : 0.4));
      if (hypotheses.find((x) => x.id === "volume:only:confirmed")?.status === "confirmed") found++;
    }
    expect(found).toBeGreaterThanOrEqual(95);
  });
});
