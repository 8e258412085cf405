import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import stringWidth from "string-width";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_SYMBOLS, type DemoReport, runDemo } from "../../src/app/demo.js";
import { defaultConfig } from "../../src/app/config.js";
import { LIVE_RUN, DEMO_RUN, PaperTradeStore } from "../../src/learning/paper-trade-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { stripAnsi } from "../../src/ui/colors.js";
import { runInProcess } from "../cli/run-cma.js";

describe("the offline demo", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-demo-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let text = "";
  let report: DemoReport;

  it("replays real candles through the orchestrator, survives a dropped connection and fires the signals", async () => {
    const config = { ...defaultConfig(dir), data_dir: join(dir, "data"), output_dir: join(dir, "out") };
    report = await runDemo({
      config,
      write: (s) => {
        text += s;
      },
      days: 3,
      // A short seed keeps the test quick; it still gives the learning agent a history to start from.
      seedDays: 30,
    });
    expect(report.live.reconnects).toBe(1);
    // Two hours pass while the connection is down: the streams back-fill what closed meanwhile over REST.
    expect(report.live.backfilled).toBeGreaterThanOrEqual(5 * 2);
    expect(report.history.candlesDerived).toBeGreaterThan(0);
    // 3 days of 15m cycles, plus the one at start, less the 8 skipped while disconnected.
    expect(report.live.cycles).toBe(3 * 96 + 1 - 8);
    // The 16:00 analysis of 2026-01-16 gives BTC, ETH and SOL SHORT signals.
    const at16 = report.signals.filter((s) => s.time === Date.parse("2026-01-16T16:00:00Z"));
    expect(at16.map((s) => s.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(text).toContain("CRYPTO MARKET AGENTS");
    expect(text).toContain("stream reconnected");
    expect(text).toContain("back-filled");
    expect(text).toContain("Signal #1:");
  }, 120_000);

  it("prints aligned cards", () => {
    let width = -1;
    let cards = 0;
    for (const line of stripAnsi(text).split("\n")) {
      if (line.startsWith("┌")) {
        width = stringWidth(line);
        cards++;
      } else if (width > 0 && /^[│├└]/.test(line)) {
        expect(stringWidth(line), line).toBe(width);
      }
    }
    expect(cards).toBe(report.signals.length);
  });

  it("leaves daily reports and its summary in the output folder", () => {
    const saved = JSON.parse(readFileSync(join(dir, "out", "demo_report.json"), "utf8")) as DemoReport;
    expect(saved.symbols).toEqual([...DEMO_SYMBOLS]);
    expect(saved.live).toEqual(report.live);
    // At start, at each simulated midnight, and at the end (the same midnight: the same file).
    expect(readdirSync(join(dir, "out", "reports")).sort()).toEqual([
      "report-2026-01-14T00-00-00Z.json",
      "report-2026-01-15T00-00-00Z.json",
      "report-2026-01-16T00-00-00Z.json",
      "report-2026-01-17T00-00-00Z.json",
    ]);
    const latest = JSON.parse(readFileSync(join(dir, "out", "latest_report.json"), "utf8"));
    expect(latest.signalsTotal).toBe(report.signals.length);
  });

  it("paper-trades the signals: the first BTC short is filled at the next open and stopped out as the candles say", () => {
    const btc = report.paperTrades.find(
      (t) => t.symbol === "BTCUSDT" && t.entryTime === Date.parse("2026-01-16T16:00:00Z"),
    )!;
    expect(btc.direction).toBe("SHORT");
    // The 16:00 candle opened at 94,585.99; a short entry fills 2 bps lower (slippage against the trade).
    expect(btc.entryPrice).toBeCloseTo(94585.99 * (1 - 0.0002), 6);
    // BTC rose through the stop that evening (the 20:00 1h candle reached 95,561.5): a loss, stop filled 2 bps worse.
    expect(btc.exitReason).toBe("stop");
    expect(btc.outcome).toBe("LOSS");
    expect(btc.exitPrice).toBeCloseTo(btc.initialStop * (1 + 0.0002), 6);
    // Spot taker fee 0.1 % on entry and exit.
    expect(btc.fees).toBeCloseTo(0.001 * btc.qty * (btc.entryPrice + btc.exitPrice!), 9);
  });

  it("cma report and the JSON exports agree with the database", async () => {
    const dataDir = join(dir, "data", "demo");
    const db = openDatabase(join(dataDir, "candles.db"), { readonly: true });
    const stored = new PaperTradeStore(db).all(DEMO_RUN);
    db.close();
    // The seeded history (a backtest of the days before) and the replay's own trades, all in run "demo".
    expect(report.seededTrades).toBeGreaterThan(0);
    expect(stored).toHaveLength(report.seededTrades + report.paperTrades.length);
    const ids = new Set(stored.map((t) => t.tradeId));
    for (const t of report.paperTrades) expect(ids.has(t.tradeId)).toBe(true);
    const exported = JSON.parse(readFileSync(join(dataDir, "paper_trades.json"), "utf8"));
    expect(exported.run).toBe(DEMO_RUN);
    expect(exported.count).toBe(stored.length);
    expect(exported.trades.map((t: { trade_id: string; pnl: number }) => [t.trade_id, t.pnl]).sort()).toEqual(
      stored.map((t) => [t.tradeId, t.pnl]).sort(),
    );
    const r = await runInProcess(["report", "--run", DEMO_RUN, "--json", "--data-dir", dataDir]);
    expect(r.code, r.stderr).toBe(0);
    const cli = JSON.parse(r.stdout);
    const analysis = JSON.parse(readFileSync(join(dataDir, "strategy_analysis.json"), "utf8"));
    expect(cli.overall).toEqual(analysis.overall);
    expect(cli.dimensions).toEqual(analysis.dimensions);
    expect(cli.overall.n).toBe(stored.length);
    const metrics = JSON.parse(readFileSync(join(dataDir, "performance_metrics.json"), "utf8"));
    expect(metrics.metrics.totalPnl).toBeCloseTo(
      stored.reduce((a, t) => a + t.pnl, 0),
      9,
    );
    // Another run's name is refused with the runs that exist.
    const other = await runInProcess(["report", "--run", LIVE_RUN, "--data-dir", dataDir]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain("Runs with trades: demo");
  });
});
