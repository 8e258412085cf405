/**
 * auto_optimize on real recorded candles: the walk-forward runs on the system's own database, its verdict is
 * recorded with the reason whatever it is, and an adopted configuration switches the orchestrator's agents.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AutoOptimizer } from "../../src/app/optimize/auto-optimizer.js";
import { Orchestrator } from "../../src/app/orchestrator/orchestrator.js";
import { applyAssignment, QUICK_PARAM_SPACE } from "../../src/app/optimize/param-space.js";
import { InProcessRunner } from "../../src/app/optimize/trial.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { type Config, defaultConfig } from "../../src/app/config.js";
import { DAY } from "../../src/core/interval.js";
import { LearningStateStore } from "../../src/learning/learning-state.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { ReplayExchange } from "../../src/market/replay-exchange.js";
import { openDatabase } from "../../src/storage/database.js";
import { fillBundledHistory } from "../market/helpers.js";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const NOW = Date.parse("2025-06-01T00:00:00Z");

describe("auto_optimize", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-autoopt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const base = defaultConfig(dir);
  const config: Config = { ...base, momentum: { ...base.momentum, timeframes: ["1h", "4h"] } };

  function store(name: string, fromDaysBack: number) {
    const db = openDatabase(join(dir, name));
    const s = fillBundledHistory(new CandleStore(db), SYMBOLS, { until: NOW, from: NOW - fromDaysBack * DAY });
    return { db, store: s };
  }

  it("skips, with the reason and what to do, when the database holds too little history", async () => {
    const { db, store: s } = store("short.db", 40);
    const state = new LearningStateStore(db);
    const opt = new AutoOptimizer({
      store: s,
      exchange: "binance",
      market: "spot",
      runner: new InProcessRunner(s),
      state,
      run: "live",
      space: QUICK_PARAM_SPACE,
    });
    const r = await opt.optimize(NOW, config, SYMBOLS);
    expect(r.config).toBeNull();
    expect(r.record.status).toBe("skipped");
    expect(r.record.reason).toMatch(/needs 90 days of stored 1h history .*\(cma download/);
    // Recorded, and remembered across restarts.
    expect(state.get("live", "optimizations")).toEqual([r.record]);
    db.close();
  });

  it("runs the walk-forward and records its verdict with out-of-sample numbers", async () => {
    const { db, store: s } = store("long.db", 150);
    const opt = new AutoOptimizer({
      store: s,
      exchange: "binance",
      market: "spot",
      runner: new InProcessRunner(s),
      run: "live",
      space: QUICK_PARAM_SPACE,
      trainDays: 30,
      testDays: 15,
      historyDays: 120,
    });
    const r = await opt.optimize(NOW, config, SYMBOLS);
    expect(["adopted", "kept"]).toContain(r.record.status);
    expect(r.record.reason.length).toBeGreaterThan(10);
    expect(r.record.period).not.toBeNull();
    expect(r.record.outOfSample).not.toBeNull();
    if (r.record.status === "adopted") expect(r.config).not.toBeNull();
    else expect(r.config).toBeNull();
    db.close();
  }, 120_000);

  it("an adopted configuration switches synthesis from the next cycle", async () => {
    const { db, store: s } = store("adopt.db", 60);
    const clock = new SimulatedClock(NOW - 10 * DAY);
    const o = new Orchestrator({
      exchange: new ReplayExchange({ store: s, clock, exchange: "binance", market: "spot" }),
      store: s,
      clock,
      config,
      mode: "replay",
      symbols: SYMBOLS,
      marketData: "stored",
      reports: false,
    });
    expect(o.synthesis.min_confidence).toBe(0.55);
    // Adopting min_confidence 0: every setup with a direction and valid levels now becomes a signal.
    const applied = applyAssignment(config, { "signal_synthesis.min_confidence": 0 });
    if (!applied.ok) throw new Error(applied.reason);
    o.adopt(applied.config);
    expect(o.synthesis.min_confidence).toBe(0);
    expect(o.config.signal_synthesis.min_confidence).toBe(0);
    const info = await o.start();
    const outcomes = o.lastPass?.outcomes ?? [];
    expect(outcomes).toHaveLength(2);
    // No setup was turned away for its confidence: the adopted threshold is the one synthesis used.
    expect(outcomes.filter((x) => x.reason?.includes("min_confidence"))).toEqual([]);
    expect(info.firstSignals.length).toBe(outcomes.filter((x) => x.signal !== null).length);
    expect(info.firstSignals.length + outcomes.filter((x) => x.reason !== null).length).toBe(2);
    await o.stop();
    db.close();
  });
});
