/**
 * The walk-forward optimiser: the pure parts with hand-computed values (folds, parameter space, objective, the t-test,
 * the adoption rule), then real runs on bundled BTC and ETH spot candles through worker threads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runBacktest } from "../../src/app/backtest.js";
import { paperBrokerOptionsFromConfig } from "../../src/app/agent-options.js";
import { decideAdoption } from "../../src/app/optimize/adoption.js";
import { walkForwardFolds } from "../../src/app/optimize/folds.js";
import { defaultMinTrades, pickBest, scoreTrades, summarizeTrades } from "../../src/app/optimize/objective.js";
import {
  applyAssignment,
  DEFAULT_PARAM_SPACE,
  gridTrials,
  linked,
  oneAtATimeTrials,
  param,
  QUICK_PARAM_SPACE,
} from "../../src/app/optimize/param-space.js";
import { WorkerPool } from "../../src/app/optimize/pool.js";
import { logGamma, regularizedBeta, studentTSf, welchTest } from "../../src/app/optimize/student-t.js";
import { type TrialTask, taskKey } from "../../src/app/optimize/trial.js";
import { type OptimizationResult, runWalkForward } from "../../src/app/optimize/walk-forward.js";
import type { Candle } from "../../src/core/candle.js";
import { type Config, defaultConfig } from "../../src/app/config.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY } from "../../src/core/interval.js";
import { normalSf } from "../../src/learning/stats.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { bundled } from "../market/helpers.js";

const D = (s: string) => Date.parse(`${s}T00:00:00Z`);
const base = defaultConfig("/tmp/cma-optimize-test");

// ---------------------------------------------------------------- folds

describe("walkForwardFolds", () => {
  it("rolls train 30 / test 15 over 75 days into three folds whose test windows meet end to start", () => {
    // 75 days: fold k trains on [15k, 15k+30) and tests on [15k+30, 15k+45); k = 0, 1, 2 (the last ends at day 75).
    const from = D("2025-03-01");
    const plan = walkForwardFolds({ from, to: from + 75 * DAY, trainDays: 30, testDays: 15 });
    expect(
      plan.folds.map((f) => [(f.trainFrom - from) / DAY, (f.testFrom - from) / DAY, (f.testTo - from) / DAY]),
    ).toEqual([
      [0, 30, 45],
      [15, 45, 60],
      [30, 60, 75],
    ]);
    expect(plan.uncovered).toBeNull();
  });

  it("reports a tail shorter than a test window as uncovered", () => {
    // 80 days: the three folds above end at day 75; days 75–80 are not tested.
    const from = D("2025-03-01");
    const plan = walkForwardFolds({ from, to: from + 80 * DAY, trainDays: 30, testDays: 15 });
    expect(plan.folds).toHaveLength(3);
    expect(plan.uncovered).toEqual({ from: from + 75 * DAY, to: from + 80 * DAY });
  });

  it("refuses a period shorter than one fold, naming the days needed", () => {
    const from = D("2025-03-01");
    expect(() => walkForwardFolds({ from, to: from + 44 * DAY, trainDays: 30, testDays: 15 })).toThrow(
      /has 44 days; one walk-forward fold needs 30 training \+ 15 test days/,
    );
    expect(() => walkForwardFolds({ from, to: from, trainDays: 30, testDays: 15 })).toThrow(/is not after --from/);
    expect(() => walkForwardFolds({ from, to: from + 99 * DAY, trainDays: 0, testDays: 15 })).toThrow(/--train-days 0/);
  });

  it("property: test windows tile [from + train, last testTo) without overlap, each after its own training window", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 400 }),
        (train, test, extra) => {
          const from = D("2024-01-01");
          const to = from + (train + test + extra) * DAY;
          const { folds, uncovered } = walkForwardFolds({ from, to, trainDays: train, testDays: test });
          expect(folds[0]?.testFrom).toBe(from + train * DAY);
          folds.forEach((f, i) => {
            expect(f.trainTo).toBe(f.testFrom);
            expect(f.testTo - f.testFrom).toBe(test * DAY);
            expect(f.testTo).toBeLessThanOrEqual(to);
            if (i > 0) expect(f.testFrom).toBe(folds[i - 1]?.testTo);
          });
          const end = folds[folds.length - 1]?.testTo as number;
          // What is left over is shorter than one more test window.
          expect(to - end).toBeLessThan(test * DAY);
          expect(uncovered === null).toBe(end === to);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------- parameter space

describe("parameter space", () => {
  it("one at a time: the current config first, then each change on its own; values equal to the current are skipped", () => {
    // Defaults: min_confidence 0.55 and reward_risk 2 are in the lists, so each key adds one trial: 1 + 1 + 1.
    const trials = oneAtATimeTrials(QUICK_PARAM_SPACE, base);
    expect(trials.map((t) => [t.index, t.label, t.assignment])).toEqual([
      [0, "current config", {}],
      [1, "min_confidence=0.65", { "signal_synthesis.min_confidence": 0.65 }],
      [2, "reward_risk=3", { "signal_synthesis.reward_risk": 3 }],
    ]);
  });

  it("the default space is 15 trials with the default configuration and covers the tuned parameters", () => {
    // 1 current + 7 dimensions × 2 alternatives (each list holds the default value once).
    const trials = oneAtATimeTrials(DEFAULT_PARAM_SPACE, base);
    expect(trials).toHaveLength(15);
    const keys = new Set(trials.flatMap((t) => Object.keys(t.assignment)));
    expect([...keys].sort()).toEqual([
      "momentum.overbought",
      "momentum.oversold",
      "momentum.rsi_period",
      "signal_synthesis.max_stop_pct",
      "signal_synthesis.min_confidence",
      "signal_synthesis.reward_risk",
      "signal_synthesis.stop_atr_buffer",
      "signal_synthesis.weights.sr",
    ]);
    expect(trials.find((t) => t.label === "oversold=25, overbought=75")).toBeDefined();
  });

  it("grid: every combination, the first dimension varying slowest", () => {
    const trials = gridTrials([
      param("signal_synthesis.min_confidence", [0.5, 0.6]),
      param("signal_synthesis.reward_risk", [2, 3, 4]),
    ]);
    // 2 × 3 = 6 combinations.
    expect(trials.map((t) => t.label)).toEqual([
      "min_confidence=0.5, reward_risk=2",
      "min_confidence=0.5, reward_risk=3",
      "min_confidence=0.5, reward_risk=4",
      "min_confidence=0.6, reward_risk=2",
      "min_confidence=0.6, reward_risk=3",
      "min_confidence=0.6, reward_risk=4",
    ]);
  });

  it("applies an assignment without touching the original configuration", () => {
    const applied = applyAssignment(base, { "signal_synthesis.weights.sr": 0.4, "momentum.rsi_period": 9 });
    expect(applied.ok).toBe(true);
    if (!applied.ok) return;
    expect(applied.config.signal_synthesis.weights.sr).toBe(0.4);
    expect(applied.config.signal_synthesis.weights.momentum).toBe(base.signal_synthesis.weights.momentum);
    expect(applied.config.momentum.rsi_period).toBe(9);
    expect(base.signal_synthesis.weights.sr).toBe(0.25);
    expect(base.momentum.rsi_period).toBe(14);
    expect(applied.config.data_dir).toBe(base.data_dir);
  });

  it("an invalid combination is a reason in the schema's words, not an exception", () => {
    const applied = applyAssignment(base, { "momentum.oversold": 80 });
    expect(applied).toEqual({
      ok: false,
      reason: "momentum.overbought: 70 is not above oversold (80); overbought must be the higher RSI level",
    });
    const range = applyAssignment(base, { "signal_synthesis.min_confidence": 1.5 });
    expect(range.ok).toBe(false);
    if (!range.ok) expect(range.reason).toMatch(/^signal_synthesis\.min_confidence: /);
  });

  it("a key that does not exist, or does not change trading, is a usage error with a suggestion", () => {
    expect(() => oneAtATimeTrials([param("signal_synthesis.min_confidense", [0.6])], base)).toThrow(
      /signal_synthesis\.min_confidense is not a configuration key \(did you mean signal_synthesis\.min_confidence\?\)/,
    );
    expect(() => oneAtATimeTrials([param("data_dir", ["/tmp"])], base)).toThrow(/data_dir cannot be optimised/);
    expect(() => linked("x", ["momentum.oversold", "momentum.overbought"], [[25]])).toThrow(UsageError);
    expect(() => gridTrials(Array.from({ length: 9 }, () => param("momentum.rsi_period", [9, 14])))).toThrow(
      /gives 512 trials; at most 256/,
    );
  });
});

// ---------------------------------------------------------------- objective

const trade = (rMultiple: number) =>
  ({
    rMultiple,
    pnl: rMultiple * 10,
    outcome: rMultiple > 0.05 ? "WIN" : rMultiple < -0.05 ? "LOSS" : "BREAKEVEN",
  }) as const;

describe("objective", () => {
  it("scores by mean R per trade, and below the minimum says why", () => {
    // R = 2, −1, −1, 0.5: total 0.5, mean 0.125; P&L is 10 × R: 5.
    const s = scoreTrades([2, -1, -1, 0.5].map(trade), 4);
    expect(s).toEqual({
      n: 4,
      wins: 2,
      losses: 2,
      expectancyR: 0.125,
      totalR: 0.5,
      winRate: 0.5,
      totalPnl: 5,
      score: 0.125,
      reason: null,
    });
    const few = scoreTrades([2, -1, -1, 0.5].map(trade), 5);
    expect(few.score).toBeNull();
    expect(few.reason).toBe("not enough trades (4 of 5)");
    expect(summarizeTrades([])).toMatchObject({ n: 0, expectancyR: null, winRate: null, totalR: 0 });
  });

  it("picks the highest score; a tie goes to the higher total R, then to the lower index", () => {
    const s = (rs: number[], min = 2) => scoreTrades(rs.map(trade), min);
    // #0 mean 0.5 over 2 (total 1); #1 mean 0.5 over 4 (total 2); #2 mean 1 over 1 (not enough); #3 mean 0.25.
    const scored = [
      { index: 0, score: s([1, 0]) },
      { index: 1, score: s([1, 0, 1, 0]) },
      { index: 2, score: s([1]) },
      { index: 3, score: s([0.5, 0]) },
    ];
    expect(pickBest(scored)).toBe(1);
    expect(pickBest([scored[0]!, { index: 5, score: s([0, 1]) }])).toBe(0);
    expect(pickBest([scored[2]!])).toBeNull();
  });

  it("scales the minimum trades to the training window, never below 10", () => {
    // ceil(50 × 60 / 120) = 25; ceil(50 × 30 / 45) = 34; ceil(50 × 60 / 3000) = 1 → floor 10.
    expect(defaultMinTrades(50, 60, 120)).toBe(25);
    expect(defaultMinTrades(50, 30, 45)).toBe(34);
    expect(defaultMinTrades(50, 60, 3000)).toBe(10);
  });
});

// ---------------------------------------------------------------- Student's t

describe("Student's t and Welch's test", () => {
  it("log-gamma and the incomplete beta match exact values", () => {
    // Γ(5) = 24; Γ(½) = √π; I_0.4(2, 3) = Σ_{j=2..4} C(4,j)·0.4^j·0.6^(4−j) = 0.3456 + 0.1536 + 0.0256 = 0.5248.
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(regularizedBeta(0.4, 2, 3)).toBeCloseTo(0.5248, 13);
    // Non-integer arguments against Python's math.lgamma: ln Γ(3.7) and ln Γ(100.25).
    expect(logGamma(3.7)).toBeCloseTo(1.4280723266653883, 13);
    expect(logGamma(100.25)).toBeCloseTo(360.2845596377643, 11);
    // I_x(½, ½) = (2/π)·asin(√x): at 0.9, 0.7951672353008665.
    expect(regularizedBeta(0.9, 0.5, 0.5)).toBeCloseTo((2 / Math.PI) * Math.asin(Math.sqrt(0.9)), 12);
  });

  it("upper tail matches closed forms and table values", () => {
    // ν = 1 (Cauchy): P(T > 1) = ¼. ν = 2: P(T > t) = ½ − t / (2√(t² + 2)); t = 2: ½ − 1/√6 = 0.0917517095.
    expect(studentTSf(1, 1)).toBeCloseTo(0.25, 13);
    expect(studentTSf(2, 2)).toBeCloseTo(0.5 - 1 / Math.sqrt(6), 13);
    // ν = 3: P(T > t) = ½ − (1/π)·(atan(t/√3) + (t/√3)/(1 + t²/3)); at t = 1.5.
    const u = 1.5 / Math.sqrt(3);
    expect(studentTSf(1.5, 3)).toBeCloseTo(0.5 - (Math.atan(u) + u / (1 + u * u)) / Math.PI, 13);
    // Tables: t(0.05, 10) = 1.812461, t(0.025, 30) = 2.042272 (to the table's 7 digits).
    expect(studentTSf(1.812461, 10)).toBeCloseTo(0.05, 6);
    expect(studentTSf(2.042272, 30)).toBeCloseTo(0.025, 6);
    // Welch's ν is rarely whole: scipy.stats.t.sf(0.3, 2.5) = 0.39367118574759863.
    expect(studentTSf(0.3, 2.5)).toBeCloseTo(0.39367118574759863, 13);
    // Symmetry and the normal limit.
    expect(studentTSf(-1.5, 7) + studentTSf(1.5, 7)).toBeCloseTo(1, 14);
    expect(studentTSf(1.96, 1e7)).toBeCloseTo(normalSf(1.96), 6);
    expect(studentTSf(Number.POSITIVE_INFINITY, 4)).toBe(0);
  });

  it("Welch: hand-computed t and degrees of freedom", () => {
    // a = five 1s and five 3s (mean 2, s² = 10/9); b = five −1s and five 1s (mean 0, s² = 10/9).
    // SE = √(2 · (10/9)/10) = √(2/9); t = 2 / √(2/9) = 3√2 = 4.2426; ν = (2/9)² / (2 · (1/9)² / 9) = 18.
    const w = welchTest([1, 1, 1, 1, 1, 3, 3, 3, 3, 3], [-1, -1, -1, -1, -1, 1, 1, 1, 1, 1]);
    expect(w?.diff).toBe(2);
    expect(w?.t).toBeCloseTo(3 * Math.SQRT2, 12);
    expect(w?.df).toBeCloseTo(18, 12);
    // scipy.stats.t.sf(3·√2, 18) = 0.00024479745328679.
    expect(w?.pOneSided).toBeCloseTo(0.00024479745328679, 12);
    // b with < 2 values is a fixed level (empty: 0 R): one-sample test of [2, −1, 2, −1, 2] (mean 0.8, s² = 2.7),
    // t = 0.8 / √(2.7/5) = 1.088662, ν = 4.
    const one = welchTest([2, -1, 2, -1, 2], []);
    expect(one?.t).toBeCloseTo(0.8 / Math.sqrt(2.7 / 5), 12);
    expect(one?.df).toBe(4);
    expect(welchTest([1], [0, 1])).toBeNull();
  });
});

// ---------------------------------------------------------------- adoption

describe("decideAdoption", () => {
  const cand = { "signal_synthesis.min_confidence": 0.65 };
  const strong = [1, 1, 1, 1, 1, 3, 3, 3, 3, 3];
  const weak = [-1, -1, -1, -1, -1, 1, 1, 1, 1, 1];

  it("adopts a candidate that beats the current params out of sample beyond noise", () => {
    // The Welch case above: +2.00 R vs 0.00 R, t = 4.24, ν = 18, p = 0.00024.
    const d = decideAdoption(base, cand, { candidate: strong, current: weak }, { minSampleSize: 10 });
    expect(d.adopt).toBe(true);
    expect(d.reason).toBe(
      "better out of sample: +2.00 R over 10 trades vs +0.00 R over 10 trades (Welch t = 4.24, df = 18.0, one-sided p = 0.00024 < 0.05)",
    );
    expect(d.candidate).toEqual({ n: 10, expectancyR: 2 });
    expect(d.current).toEqual({ n: 10, expectancyR: 0 });
  });

  it("keeps the current params when the gain could be noise", () => {
    // a = [2, −1] × 5 (mean 0.5, s² = 2.5); b = [1, −1] × 5 (mean 0, s² = 10/9); t = 0.5 / √(0.25 + 1/9) = 0.832,
    // ν = 15.68; scipy.stats.ttest_ind(a, b, equal_var=False, alternative="greater") gives p = 0.2089.
    const a = [2, -1, 2, -1, 2, -1, 2, -1, 2, -1];
    const b = [1, -1, 1, -1, 1, -1, 1, -1, 1, -1];
    const d = decideAdoption(base, cand, { candidate: a, current: b }, { minSampleSize: 10 });
    expect(d.adopt).toBe(false);
    expect(d.test?.pOneSided).toBeCloseTo(0.20893630528612228, 10);
    expect(d.reason).toMatch(/^better out of sample \(\+0\.50 R vs \+0\.00 R over 10 trades\) but that could be noise/);
    // With alpha 0.25 the same evidence is enough.
    expect(decideAdoption(base, cand, { candidate: a, current: b }, { minSampleSize: 10, alpha: 0.25 }).adopt).toBe(
      true,
    );
  });

  it("says no, with the reason, for each rule that fails", () => {
    const oos = { candidate: strong, current: weak };
    expect(decideAdoption(base, null, oos, { minSampleSize: 10 }).reason).toBe(
      "no parameter set had enough trades on the latest training window",
    );
    // 0.55 is the current min_confidence: nothing would change.
    expect(decideAdoption(base, { "signal_synthesis.min_confidence": 0.55 }, oos, { minSampleSize: 10 }).reason).toBe(
      "the best parameters on the latest training window are the current ones",
    );
    expect(decideAdoption(base, cand, oos, { minSampleSize: 50 }).reason).toBe(
      "not enough out-of-sample trades to judge (10 of 50)",
    );
    expect(decideAdoption(base, cand, { candidate: weak, current: strong }, { minSampleSize: 10 }).reason).toBe(
      "out of sample it does not beat the current parameters: +0.00 R vs +2.00 R over 10 trades per trade",
    );
    // Current config did not trade: compared with 0 R. [−1, 0.5] × 5 has mean −0.25.
    const d = decideAdoption(
      base,
      cand,
      { candidate: [-1, 0.5, -1, 0.5, -1, 0.5, -1, 0.5, -1, 0.5], current: [] },
      {
        minSampleSize: 10,
      },
    );
    expect(d.reason).toBe(
      "out of sample it does not beat the current parameters: -0.25 R vs 0 R (no trades) per trade",
    );
    expect(() => decideAdoption(base, cand, oos, { minSampleSize: 0 })).toThrow(/minSampleSize/);
    expect(() => decideAdoption(base, cand, { candidate: [Number.NaN], current: [] }, { minSampleSize: 1 })).toThrow(
      /finite/,
    );
  });
});

// ---------------------------------------------------------------- real runs

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const FROM = D("2025-03-01");
/** 75 days: three folds of train 30 / test 15. */
const TO = FROM + 75 * DAY;

describe("walk-forward on real candles, on worker threads", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-optimize-"));
  const dbPath = join(dir, "candles.db");
  let config: Config;
  let store: CandleStore;
  let closeStore: () => void;
  let result: OptimizationResult;

  beforeAll(async () => {
    const db = openDatabase(dbPath);
    const writer = new CandleStore(db);
    for (const symbol of SYMBOLS) {
      for (const interval of ["1h", "1d"] as const) {
        const cs: Candle[] = bundled("spot", symbol, interval).filter((c) => c.closeTime < TO + DAY);
        writer.upsert({ exchange: "binance", market: "spot", symbol, interval }, cs);
      }
    }
    db.close();
    const ro = openDatabase(dbPath, { readonly: true });
    store = new CandleStore(ro);
    closeStore = () => ro.close();
    const b = defaultConfig(dir);
    // The bundled spring 2025 has 1h and 1d candles: momentum on 1h and 4h, as the backtest tests do.
    config = { ...b, momentum: { ...b.momentum, timeframes: ["1h", "4h"] } };
    const pool = new WorkerPool({ dbPath, workers: 2 });
    try {
      result = await runWalkForward({
        config,
        trials: oneAtATimeTrials(
          [param("signal_synthesis.min_confidence", [0.6]), param("momentum.oversold", [80])],
          config,
        ),
        exchange: "binance",
        market: "spot",
        symbols: SYMBOLS,
        from: FROM,
        to: TO,
        trainDays: 30,
        testDays: 15,
        minTrades: 3,
        runner: pool,
      });
    } finally {
      await pool.close();
    }
  }, 180_000);
  afterAll(() => {
    closeStore();
    rmSync(dir, { recursive: true, force: true });
  });

  const direct = (c: Config, from: number, to: number) =>
    runBacktest({
      store,
      exchange: "binance",
      market: "spot",
      config: c,
      symbols: SYMBOLS,
      from,
      to,
      broker: paperBrokerOptionsFromConfig(c, "spot"),
    });
  const configOf = (index: number | null): Config => {
    if (index === null || index === 0) return config;
    const a = applyAssignment(config, result.trials[index]!.assignment);
    if (!a.ok) throw new Error(a.reason);
    return a.config;
  };

  it("folds cover the period, test windows end to start, and the invalid trial is reported, not run", () => {
    expect(result.folds.map((f) => [f.testFrom, f.testTo])).toEqual([
      [FROM + 30 * DAY, FROM + 45 * DAY],
      [FROM + 45 * DAY, FROM + 60 * DAY],
      [FROM + 60 * DAY, TO],
    ]);
    expect(result.uncovered).toBeNull();
    expect(result.trials.map((t) => t.invalid)).toEqual([
      null,
      null,
      "momentum.overbought: 70 is not above oversold (80); overbought must be the higher RSI level",
    ]);
    for (const f of result.folds) expect(f.trials.map((t) => t.index)).toEqual([0, 1]);
    expect(result.failures).toBe(0);
    // Distinct backtests: 2 trials × (3 folds + the latest window) + the current config on 3 test windows + the
    // chosen trial on test windows where it is not the current config.
    const chosenElsewhere = result.folds.filter((f) => f.chosen !== null && f.chosen !== 0).length;
    expect(result.backtests).toBe(8 + 3 + chosenElsewhere);
    // The whole result is plain JSON (no infinities or NaN).
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it("the chosen trial is the best in-sample by the objective (recomputed from direct backtests on fold 1)", async () => {
    const f = result.folds[0]!;
    const runs = await Promise.all([0, 1].map((i) => direct(configOf(i), f.trainFrom, f.trainTo)));
    const means = runs.map((r) => r.trades.reduce((a, t) => a + t.rMultiple, 0) / r.trades.length);
    runs.forEach((r, i) => {
      expect(f.trials[i]!.n).toBe(r.trades.length);
      expect(f.trials[i]!.expectancyR).toBeCloseTo(means[i]!, 12);
    });
    const eligible = [0, 1].filter((i) => runs[i]!.trades.length >= 3);
    const best = eligible.sort((a, b) => means[b]! - means[a]! || a - b)[0] ?? null;
    expect(f.chosen).toBe(best);
    // Every fold: the choice agrees with its own reported scores.
    for (const g of result.folds) {
      const ok = g.trials.filter((t) => t.n >= 3);
      const top = ok.sort((a, b) => b.expectancyR! - a.expectancyR! || b.totalR - a.totalR || a.index - b.index)[0];
      expect(g.chosen).toBe(top?.index ?? null);
    }
  }, 120_000);

  it("out-of-sample trades equal a direct backtest of the chosen trial on the test window", async () => {
    for (const f of result.folds) {
      const r = await direct(configOf(f.chosen), f.testFrom, f.testTo);
      expect(f.outOfSample.chosen.trades).toEqual(r.trades);
    }
    // The concatenated record is the folds' trades end to end.
    const all = result.folds.flatMap((f) => f.outOfSample.chosen.trades);
    expect(result.outOfSample.chosen.n).toBe(all.length);
    expect(result.outOfSample.chosen.totalR).toBeCloseTo(
      all.reduce((a, t) => a + t.rMultiple, 0),
      12,
    );
    expect(result.outOfSample.baseline.n).toBe(result.folds.reduce((a, f) => a + f.outOfSample.baseline.n, 0));
  }, 120_000);

  it("the verdict is decideAdoption on the out-of-sample R multiples and the latest choice", () => {
    const candidate = result.latest.chosen === null ? null : result.trials[result.latest.chosen]!.assignment;
    const d = decideAdoption(
      config,
      candidate,
      {
        candidate: result.folds.flatMap((f) => f.outOfSample.chosen.trades.map((t) => t.rMultiple)),
        current: result.folds.flatMap((f) => f.outOfSample.baseline.trades.map((t) => t.rMultiple)),
      },
      { minSampleSize: 50 },
    );
    const { candidateLabel, ...adoption } = result.adoption;
    expect(adoption).toEqual(d);
    // A few weeks of two symbols cannot reach the default 50 out-of-sample trades: nothing is adopted.
    expect(result.adoption.adopt).toBe(false);
    expect(result.latest.trainFrom).toBe(TO - 30 * DAY);
    expect(candidateLabel).toBe(result.latest.chosen === null ? null : result.trials[result.latest.chosen]!.label);
  });

  it("one worker gives the same fold as two", async () => {
    // The first fold alone (45 days) on one worker: the same windows as fold 1 above.
    const pool = new WorkerPool({ dbPath, workers: 1 });
    try {
      const one = await runWalkForward({
        config,
        trials: oneAtATimeTrials(
          [param("signal_synthesis.min_confidence", [0.6]), param("momentum.oversold", [80])],
          config,
        ),
        exchange: "binance",
        market: "spot",
        symbols: SYMBOLS,
        from: FROM,
        to: FROM + 45 * DAY,
        trainDays: 30,
        testDays: 15,
        minTrades: 3,
        runner: pool,
      });
      expect(one.folds).toEqual([result.folds[0]]);
    } finally {
      await pool.close();
    }
  }, 120_000);
});

describe("worker pool", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-pool-"));
  const dbPath = join(dir, "candles.db");
  const b = defaultConfig(dir);
  const config: Config = { ...b, momentum: { ...b.momentum, timeframes: ["1h", "4h"] } };
  const task = (c: Config, days: number): TrialTask => {
    const fields = {
      config: c,
      exchange: "binance" as const,
      market: "spot" as const,
      symbols: ["BTCUSDT"],
      from: FROM,
      to: FROM + days * DAY,
    };
    return { key: taskKey(fields), ...fields };
  };

  beforeAll(() => {
    const db = openDatabase(dbPath);
    const store = new CandleStore(db);
    for (const interval of ["1h", "1d"] as const) {
      const cs = bundled("spot", "BTCUSDT", interval).filter((c) => c.closeTime < FROM + 40 * DAY);
      store.upsert({ exchange: "binance", market: "spot", symbol: "BTCUSDT", interval }, cs);
    }
    db.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a failing trial reports its error and the others go on", async () => {
    // min_confidence 2 slips past no schema here (the task is built by hand); synthesis refuses it when starting.
    const broken: Config = { ...config, signal_synthesis: { ...config.signal_synthesis, min_confidence: 2 } };
    const pool = new WorkerPool({ dbPath, workers: 2 });
    try {
      const [bad, good] = await Promise.all([pool.run(task(broken, 2)), pool.run(task(config, 2))]);
      expect(bad.ok).toBe(false);
      if (!bad.ok) expect(bad.error).toMatch(/min_confidence/);
      expect(good.ok).toBe(true);
      // Two days of hourly closes plus the first analysis.
      if (good.ok) expect(good.run.cycles).toBe(2 * 24 + 1);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it("aborting terminates the worker and rejects at once", async () => {
    const pool = new WorkerPool({ dbPath, workers: 1 });
    const controller = new AbortController();
    const running = pool.run(task(config, 30), controller.signal);
    const queued = pool.run(task(config, 29), controller.signal);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    controller.abort(new DOMException("Interrupted", "AbortError"));
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    await expect(queued).rejects.toMatchObject({ name: "AbortError" });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(pool.threads).toBe(0);
    await pool.close();
  }, 30_000);
});
