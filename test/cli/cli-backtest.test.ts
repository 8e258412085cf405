/** `cma backtest` as a user runs it, on a real SQLite store of bundled real candles. */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runInProcess, storedHistoryArgs, storedHistoryDir } from "./run-cma.js";

vi.setConfig({ testTimeout: 120_000 });

let dir: string;
beforeAll(() => {
  dir = storedHistoryDir("cma-cli-bt-", ["BTCUSDT"], Date.parse("2025-04-01T00:00:00Z"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env = { CMA_MOMENTUM__TIMEFRAMES: "1h,4h" };
const args = (...more: string[]) => storedHistoryArgs(dir, ...more);

describe("cma backtest", () => {
  it("--json: trades, metrics and the files written", async () => {
    const r = await runInProcess(args("backtest", "--from", "2025-03-01", "--to", "2025-03-20", "--json"), { env });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.symbols).toEqual(["BTCUSDT"]);
    expect(out.cycles).toBe(20 * 24 + 1);
    expect(out.metrics.n).toBe(out.trades.length);
    // Fewer than 20 trades: rates are withheld, counts are not.
    if (out.metrics.n < 20) {
      expect(out.metrics.enough).toBe(false);
      expect(out.metrics.winRate).toBeNull();
    }
    const saved = JSON.parse(readFileSync(join(out.folder, "backtest.json"), "utf8"));
    expect(saved.trades).toEqual(out.trades);
    expect(readFileSync(join(out.folder, "equity.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\n$/);
  });

  it("prints the statistics for people", async () => {
    const r = await runInProcess(args("backtest", "--from", "2025-03-01", "--to", "2025-03-10"), { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Backtest 2025-03-01 00:00 → 2025-03-11 00:00 UTC, 1 symbols/);
    expect(r.stdout).toMatch(/not enough trades \(\d+ of the 20 needed\)/);
    expect(r.stdout).toContain("equity.svg");
  });

  it("a symbol without stored candles is a usage error that says how to get them", async () => {
    const r = await runInProcess(
      args("backtest", "--from", "2025-03-01", "--to", "2025-03-10", "--symbols", "ETHUSDT"),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("No spot candles stored for ETHUSDT");
    expect(r.stderr).toContain("cma download");
    expect(existsSync(join(dir, "out", "backtests"))).toBe(true); // from the earlier runs only
  });

  it("an empty period is refused", async () => {
    const r = await runInProcess(args("backtest", "--from", "2025-03-10", "--to", "2025-03-01"));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not after --from/);
  });
});

describe("cma backtest --workers", () => {
  let two: string;
  beforeAll(() => {
    two = storedHistoryDir("cma-cli-bt2-", ["BTCUSDT", "ETHUSDT"], Date.parse("2025-04-01T00:00:00Z"));
  });
  afterAll(() => rmSync(two, { recursive: true, force: true }));
  const period = ["backtest", "--from", "2025-03-01", "--to", "2025-03-20"];

  it("the same signals and trades on one thread and on two; the text says how many ran", async () => {
    const one = await runInProcess(storedHistoryArgs(two, ...period, "--workers", "1", "--json"), { env });
    const par = await runInProcess(storedHistoryArgs(two, ...period, "--workers", "2", "--json"), { env });
    expect(one.code, one.stderr).toBe(0);
    expect(par.code, par.stderr).toBe(0);
    const a = JSON.parse(one.stdout);
    const b = JSON.parse(par.stdout);
    expect(a.parallel).toBeNull();
    expect(b.parallel).toMatchObject({ threads: 2, computedHere: 0, failures: [] });
    expect(b.parallel.fromWorkers).toBe(20 * 24 + 1);
    expect(a.signals.length).toBeGreaterThan(0);
    expect(b.signals).toEqual(a.signals);
    expect(b.trades).toEqual(a.trades);
    const text = await runInProcess(storedHistoryArgs(two, ...period, "--workers", "2"), { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /symbol analyses\/s, 2 threads, [0-9,]+ left out by the pre-filter as unable to signal\)/,
    );
  });

  it("a number that is not a whole number ≥ 1 is a usage error naming the flag", async () => {
    const r = await runInProcess(storedHistoryArgs(two, ...period, "--workers", "0"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--workers");
  });
});
