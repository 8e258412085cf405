/**
 * The orchestrator end to end: the real Binance adapter against the project's fake Binance (real recorded candles,
 * real HTTP and WebSocket on 127.0.0.1), a real SQLite store, a simulated clock moved by the test.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Orchestrator, type OrchestratorEvent } from "../../src/app/orchestrator/orchestrator.js";
import { nextBoundary } from "../../src/app/orchestrator/orchestrator.js";
import { renderReportText, reportStamp, type SystemReport } from "../../src/app/orchestrator/report.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { type Config, defaultConfig } from "../../src/app/config.js";
import { HOUR, MINUTE } from "../../src/core/interval.js";
import { BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import { CandleStore } from "../../src/market/candle-store.js";
import type { Signal } from "../../src/signals/signal.js";
import { bundledMarketData, type FakeBinance, startFakeBinance } from "../../src/sim/fake-binance/index.js";
import { openDatabase } from "../../src/storage/database.js";

/** BTC, ETH and SOL all give SHORT signals on the 16:00 analysis of this day (see the demo). */
const START = Date.parse("2026-01-16T14:00:00Z");

function checkLevels(s: Signal): void {
  const [t1, t2, t3] = s.targets;
  if (s.direction === "LONG") {
    expect(s.stop).toBeLessThan(s.entry);
    expect(s.entry).toBeLessThan(t1);
    expect(t1).toBeLessThan(t2);
    expect(t2).toBeLessThan(t3);
  } else {
    expect(s.stop).toBeGreaterThan(s.entry);
    expect(s.entry).toBeGreaterThan(t1);
    expect(t1).toBeGreaterThan(t2);
    expect(t2).toBeGreaterThan(t3);
  }
  expect(s.riskReward).toBeCloseTo(Math.abs(t1 - s.entry) / Math.abs(s.entry - s.stop), 6);
  expect(s.confidence).toBeGreaterThanOrEqual(0.55);
  expect(s.confidence).toBeLessThanOrEqual(1);
}

describe("the orchestrator on a replayed market", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-orch-"));
  const clock = new SimulatedClock(START);
  let fake: FakeBinance;
  let exchange: BinanceExchange;
  let orchestrator: Orchestrator;
  let db: ReturnType<typeof openDatabase>;
  const events: OrchestratorEvent[] = [];
  const signals: Signal[] = [];
  let config: Config;

  beforeAll(async () => {
    fake = await startFakeBinance({ clock, spot: bundledMarketData("spot") });
    exchange = new BinanceExchange({
      market: "spot",
      clock,
      restUrl: fake.restUrl,
      wsUrl: fake.wsUrl,
      clockSyncIntervalMs: 10 * MINUTE,
      clockToleranceMs: Number.MAX_SAFE_INTEGER,
    });
    db = openDatabase(join(dir, "data", "candles.db"));
    config = { ...defaultConfig(dir), output_dir: join(dir, "out"), report_interval: 3600 };
    orchestrator = new Orchestrator({
      exchange,
      store: new CandleStore(db),
      clock,
      config,
      mode: "replay",
      // NOPEUSDT is not listed: its failure must not stop the others.
      symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT", "NOPEUSDT"],
      onSignal: (s) => signals.push(s),
      onEvent: (e) => events.push(e),
    });
    const info = await orchestrator.start();
    signals.push(...info.firstSignals.map((f) => f.signal));
    // Three simulated hours in quarter-hour steps, each step waiting for the streams like the demo's driver.
    for (let i = 0; i < 12; i++) {
      clock.advance(15 * MINUTE);
      fake.tick();
      const until = Date.now() + 3000;
      while (!orchestrator.caughtUp() && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
      await orchestrator.runDue();
    }
    await orchestrator.stop();
  }, 60_000);

  afterAll(async () => {
    await exchange?.close();
    db?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("analyses on every quarter-hour close and emits the 16:00 signals with consistent levels", () => {
    const cycles = events.filter((e) => e.kind === "cycle");
    // The first analysis at start, then one per 15m close.
    expect(cycles).toHaveLength(13);
    expect(orchestrator.cycleMs).toBe(15 * MINUTE);
    const at16 = signals.filter((s) => s.time === Date.parse("2026-01-16T16:00:00Z"));
    expect(at16.map((s) => `${s.symbol} ${s.direction}`).sort()).toEqual([
      "BTCUSDT SHORT",
      "ETHUSDT SHORT",
      "SOLUSDT SHORT",
    ]);
    for (const s of signals) checkLevels(s);
    // The cooldown: no symbol and direction twice within 4 hours.
    const keys = signals.map((s) => `${s.symbol} ${s.direction}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("streams the candles instead of fetching them: catch-up syncs cost nothing once the streams run", () => {
    const cycles = events.filter((e): e is Extract<OrchestratorEvent, { kind: "cycle" }> => e.kind === "cycle");
    // Per cycle: the adapter's clock re-sync (a /time every 10 minutes here, weight 1) and SOLUSDT's 15m (a kline
    // page, 2: the recorded data has no SOL 15m, so nothing streams); the unlisted NOPEUSDT is retried once an hour
    // (a page, 2), not on every candle.
    for (const c of cycles.slice(1)) expect(c.feed.weight).toBeLessThanOrEqual(3 + 3);
    expect(cycles.slice(1).filter((c) => c.feed.weight > 3)).toHaveLength(3);
    const nope = fake.requests.filter((r) => r.query.symbol === "NOPEUSDT");
    expect(nope.length).toBeLessThanOrEqual(4);
    const btcKlines = fake.requests.filter((r) => r.path === "/api/v3/klines" && r.query.symbol === "BTCUSDT");
    const afterStart = btcKlines.filter((r) => r.at > START);
    expect(afterStart).toEqual([]);
    expect(orchestrator.streamedCandles).toBeGreaterThanOrEqual((3 * 12) / 4 + 2 * 12);
  });

  it("syncs its clock once for the whole start, not once per symbol and interval group", () => {
    const atStart = fake.requests.filter((r) => r.at <= START);
    // The adapter's own sync on first use, and the one before the streams start; every kline page of the four
    // symbols' history rides on them.
    expect(atStart.filter((r) => r.path === "/api/v3/time")).toHaveLength(2);
    expect(atStart.filter((r) => r.path === "/api/v3/klines").length).toBeGreaterThan(8);
  });

  it("isolates the failing symbol and reports it on the status board", () => {
    const report = JSON.parse(readFileSync(join(dir, "out", "latest_report.json"), "utf8")) as SystemReport;
    expect(report.failures.map((f) => f.symbol)).toContain("NOPEUSDT");
    const md = report.agents.find((a) => a.name === "market-data")!;
    expect(md.errors).toBeGreaterThan(0);
    expect(md.lastError?.symbol).toBe("NOPEUSDT");
    const synth = report.agents.find((a) => a.name === "signal-synthesis")!;
    expect(synth.symbols).toBe(3);
    expect(synth.signals).toBe(signals.length);
    const orderFlow = report.agents.find((a) => a.name === "order-flow")!;
    // The bundled spot candles come from Binance's dump files without taker volume: order flow reports "unavailable"
    // for each of the three analysed symbols (a result with its reason, not an error).
    expect(orderFlow.unavailable).toBe(3);
    expect(orderFlow.errors).toBe(report.agents.find((a) => a.name === "price-action")!.errors);
  });

  it("writes a report at start and on every report_interval boundary, atomically", () => {
    const files = readdirSync(join(dir, "out", "reports")).sort();
    expect(files).toEqual([
      `report-${reportStamp(START)}.json`,
      `report-${reportStamp(START + HOUR)}.json`,
      `report-${reportStamp(START + 2 * HOUR)}.json`,
      `report-${reportStamp(START + 3 * HOUR)}.json`,
    ]);
    // No temporary file is left behind.
    expect(readdirSync(join(dir, "out")).filter((f) => f.includes(".tmp"))).toEqual([]);
    const at16 = JSON.parse(
      readFileSync(join(dir, "out", "reports", `report-${reportStamp(START + 2 * HOUR)}.json`), "utf8"),
    ) as SystemReport;
    // The 16:00 report holds the signals of the 15:15 … 16:00 cycles: the three SHORTs.
    expect(at16.signals.filter((s) => s.time === START + 2 * HOUR)).toHaveLength(3);
    expect(at16.universe.symbols).toEqual(["BTCUSDT", "ETHUSDT", "SOLUSDT", "NOPEUSDT"]);
    expect(at16.weightUsed.total).toBeGreaterThan(0);
    const text = readFileSync(join(dir, "out", "latest_report.txt"), "utf8");
    expect(text).toContain("signal-synthesis");
    expect(existsSync(join(dir, "out", "latest_report.json"))).toBe(true);
  });

  it("the text report lines up its table and names each signal", () => {
    const r = JSON.parse(
      readFileSync(join(dir, "out", "reports", `report-${reportStamp(START + 2 * HOUR)}.json`), "utf8"),
    ) as SystemReport;
    const text = renderReportText(r);
    expect(text).toMatch(/Signals since the last report: \d+ \(total \d+\)/);
    expect(text).toMatch(/BTCUSDT\s+SHORT/);
    const rows = text.split("\n").filter((l) => /^(market-data|sr-detector|reporter)\s/.test(l));
    expect(new Set(rows.map((l) => l.length)).size).toBe(1);
  });
});

describe("nextBoundary", () => {
  it("is the next multiple strictly after t", () => {
    expect(nextBoundary(0, 900_000)).toBe(900_000);
    expect(nextBoundary(899_999, 900_000)).toBe(900_000);
    expect(nextBoundary(900_000, 900_000)).toBe(1_800_000);
  });
});

describe("the live clock", () => {
  it("is the adapter's own, measured again every clockResyncMs and by nothing else", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cma-orch-clock-"));
    const local = new SimulatedClock(START);
    const fake = await startFakeBinance({ clock: local, spot: bundledMarketData("spot") });
    // The adapter would re-measure on its own only after a day: every /time below is the scheduler's.
    const exchange = new BinanceExchange({
      market: "spot",
      clock: local,
      restUrl: fake.restUrl,
      wsUrl: fake.wsUrl,
      clockSyncIntervalMs: 24 * HOUR,
      clockToleranceMs: Number.MAX_SAFE_INTEGER,
    });
    const db = openDatabase(join(dir, "candles.db"));
    try {
      const o = new Orchestrator({
        exchange,
        store: new CandleStore(db),
        clock: exchange.clock,
        config: { ...defaultConfig(dir), output_dir: join(dir, "out") },
        mode: "live",
        marketData: "sync",
        symbols: ["BTCUSDT"],
        reports: false,
        settleMs: 0,
        clockResyncMs: 30 * MINUTE,
      });
      await o.start();
      const times = () => fake.requests.filter((r) => r.path === "/api/v3/time").length;
      const atStart = times();
      expect(atStart).toBe(1);
      // Two cycles in the first half hour: their catch-up syncs use the clock, they do not measure it.
      for (const step of [15 * MINUTE, 15 * MINUTE - 1]) {
        local.advance(step);
        await o.runDue();
      }
      expect(times()).toBe(atStart);
      local.advance(1);
      await o.runDue();
      expect(times()).toBe(atStart + 1);
      expect(o.nextDue()).toBe(START + 45 * MINUTE);
      await o.stop();
    } finally {
      await exchange.close();
      db.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
