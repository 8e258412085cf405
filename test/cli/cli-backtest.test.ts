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
