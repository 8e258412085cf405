/**
 * `cma optimize` as a user runs it, on a real SQLite store of bundled real BTC candles, with real worker threads.
 *
 * Runs the program the way `run()` in src/cli/main.ts does (commander program, the CLI's error reporting and exit
 * codes), with the optimize command added to the registered ones in case it is not registered yet.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { OptimizationResult } from "../../src/app/optimize/walk-forward.js";
import { parseParamFlag, renderOptimization } from "../../src/cli/commands/optimize.js";
import { noColors } from "../../src/ui/colors.js";
import { runInProcess, storedHistoryArgs, storedHistoryDir } from "./run-cma.js";

vi.setConfig({ testTimeout: 120_000 });

/** The real program in this process (stdout a pipe, no colours), from the test's folder. */
const cma = (args: readonly string[], env: Record<string, string> = {}) => runInProcess(args, { env, cwd: dir });

let dir: string;
beforeAll(() => {
  dir = storedHistoryDir("cma-cli-opt-", ["BTCUSDT"], Date.parse("2025-04-20T00:00:00Z"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { CMA_MOMENTUM__TIMEFRAMES: "1h,4h" };
const args = (...more: string[]) => storedHistoryArgs(dir, ...more);
/** 2025-03-01 … 2025-04-14 inclusive: 45 days, one fold of train 30 / test 15. */
const PERIOD = ["--from", "2025-03-01", "--to", "2025-04-14", "--train-days", "30", "--test-days", "15"];

describe("cma optimize", () => {
  let json: OptimizationResult & { folder: string };

  it("--json: folds, trials, verdict, and optimization.json written", async () => {
    const r = await cma(
      args(
        "optimize",
        ...PERIOD,
        "--param",
        "signal_synthesis.min_confidence=0.6",
        "--min-trades",
        "2",
        "--workers",
        "2",
        "--json",
      ),
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    json = JSON.parse(r.stdout);
    expect(json.symbols).toEqual(["BTCUSDT"]);
    expect(json.trials.map((t) => t.label)).toEqual(["current config", "min_confidence=0.6"]);
    expect(json.minTrades).toBe(2);
    expect(json.minSampleSize).toBe(50);
    expect(json.folds).toHaveLength(1);
    const f = json.folds[0]!;
    expect([f.trainFrom, f.testFrom, f.testTo]).toEqual([
      Date.parse("2025-03-01T00:00:00Z"),
      Date.parse("2025-03-31T00:00:00Z"),
      Date.parse("2025-04-15T00:00:00Z"),
    ]);
    expect(f.trials.map((t) => t.index)).toEqual([0, 1]);
    for (const t of f.trials) {
      // A trial either scores its expectancy or says why it cannot be chosen.
      if (t.score === null) expect(t.reason).toMatch(/^not enough trades \(\d+ of 2\)$/);
      else expect(t.score).toBe(t.expectancyR);
    }
    // The latest training window is the last 30 days before --to.
    expect(json.latest.trainFrom).toBe(Date.parse("2025-03-16T00:00:00Z"));
    expect(typeof json.adoption.adopt).toBe("boolean");
    expect(json.adoption.reason.length).toBeGreaterThan(10);
    const saved = JSON.parse(readFileSync(join(json.folder, "optimization.json"), "utf8"));
    const { folder, ...rest } = json;
    expect(saved).toEqual({ generatedAt: expect.any(String), ...rest });
    expect(folder.startsWith(join(dir, "out", "optimizations"))).toBe(true);
  });

  it("prints the fold table and the verdict for people", () => {
    const text = renderOptimization(json, noColors, json.folder);
    expect(text).toMatch(
      /^Walk-forward optimisation 2025-03-01 – 2025-04-14, 1 symbols, 2 trials, train 30 d \/ test 15 d, 1 folds/,
    );
    expect(text).toMatch(
      /fold\s+train\s+test\s+best in-sample\s+IS R \(n\)\s+current IS R \(n\)\s+OOS R \(n\)\s+current OOS R \(n\)/,
    );
    expect(text).toContain("2025-03-01 – 2025-03-30");
    expect(text).toContain("2025-03-31 – 2025-04-14");
    expect(text).toMatch(/Verdict: (adopt|keep the current config) — /);
    expect(text).toContain(join(json.folder, "optimization.json"));
  });

  it("bad dates are a usage error (exit 2) with a hint", async () => {
    const bad = await cma(args("optimize", "--from", "2025-02-30", "--to", "2025-04-14"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("error: --from 2025-02-30 is not a date");
    expect(bad.stderr).toMatch(/hint: Dates are UTC days like 2025-01-31/);
    const backwards = await cma(args("optimize", "--from", "2025-04-14", "--to", "2025-03-01"));
    expect(backwards.code).toBe(2);
    expect(backwards.stderr).toMatch(/is not after --from[\s\S]*hint: Give a --to later than --from/);
    const short = await cma(args("optimize", "--from", "2025-03-01", "--to", "2025-03-31"));
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/has 31 days; one walk-forward fold needs 60 training \+ 30 test days/);
    expect(short.stderr).toMatch(/hint: Give an earlier --from/);
  });

  it("bad parameters and unknown symbols are usage errors that say what to do", async () => {
    const typo = await cma(args("optimize", ...PERIOD, "--param", "signal_synthesis.reward_rsk=2,3"));
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean signal_synthesis.reward_risk?");
    const both = await cma(args("optimize", ...PERIOD, "--quick", "--param", "momentum.rsi_period=9"));
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("Give either --quick or --param, not both.");
    const sym = await cma(args("optimize", ...PERIOD, "--symbols", "ETHUSDT"));
    expect(sym.code).toBe(2);
    expect(sym.stderr).toContain("No spot candles stored for ETHUSDT");
    expect(sym.stderr).toContain("cma download");
    expect(existsSync(join(dir, "out", "optimizations"))).toBe(true); // from the first run only
  });

  it("--param values: numbers, booleans, null and text", () => {
    expect(parseParamFlag("paper_trading.breakeven_after_t1=true,false").options).toEqual([
      { "paper_trading.breakeven_after_t1": true },
      { "paper_trading.breakeven_after_t1": false },
    ]);
    expect(parseParamFlag("paper_trading.time_stop_hours=null, 48").options).toEqual([
      { "paper_trading.time_stop_hours": null },
      { "paper_trading.time_stop_hours": 48 },
    ]);
    expect(parseParamFlag("price_action.interval=1h,4h").options).toEqual([
      { "price_action.interval": "1h" },
      { "price_action.interval": "4h" },
    ]);
    expect(() => parseParamFlag("momentum.rsi_period")).toThrow(/write KEY=V1,V2/);
  });
});
