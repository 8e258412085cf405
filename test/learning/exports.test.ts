import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataError, UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import { exportJson, exportPaperTrades, exportPerformanceMetrics } from "../../src/learning/exports.js";
import { computeMetrics } from "../../src/learning/metrics.js";
import { openPaperTrade } from "../../src/learning/paper-broker.js";
import type { PaperTrade } from "../../src/learning/paper-trade.js";
import { LIVE_RUN, PaperTradeStore, toTradeResult } from "../../src/learning/paper-trade-store.js";
import type { Signal } from "../../src/signals/signal.js";
import { openDatabase } from "../../src/storage/database.js";
import { crashSignal, T0 } from "./fixtures/paper-writer.js";

let dir: string;
let out: string;
let db: Database.Database;
let store: PaperTradeStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "cma-exports-"));
  out = join(dir, "output");
  db = openDatabase(join(dir, "cma.db"));
  store = new PaperTradeStore(db);
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 2025-01-02 12:00 UTC. */
const GENERATED = Date.UTC(2025, 0, 2, 12);
const META = { run: LIVE_RUN, generatedAt: GENERATED };

const ZONE = {
  low: 94,
  high: 96,
  price: 95,
  type: "support",
  touches: 3,
  timeframes: ["1d", "4h"],
  score: 7.5,
} as const;

function signalWithEvidence(id: string): Signal {
  const s = crashSignal(id);
  return {
    ...s,
    evidence: {
      ...s.evidence,
      zones: [ZONE],
      rsi: { "1h": 28.5, "4h": 35 },
      rsiExtremeOn: ["1h"],
      volumeRatio: 2.4,
      volumeZScore: 2.1,
      volumeTrend: "INCREASING",
    },
  };
}

/**
 * By hand (see paper-trade-store.test.ts for the arithmetic): 10 units bought at 100.02 (2 bps slippage on 100), half
 * sold at T1 110, the rest stopped at the entry. Entry fee 1000.2 × 0.0005 = 0.5001, T1 550 × 0.0005 = 0.275,
 * stop 500.1 × 0.0005 = 0.25005; fees 1.02515. P&L 5 × (110 − 100.02) − 1.02515 = 48.87485.
 * Exit price (550 + 500.1) / 10 = 105.01. The other fields (R, excursions) are plausible values that only have to
 * pass through unchanged.
 */
function handMade(id: string): PaperTrade {
  return {
    tradeId: id,
    symbol: "BTCUSDT",
    direction: "LONG",
    entryPrice: 100.02,
    stopLoss: 100.02,
    initialStop: 95,
    takeProfit: 110,
    targets: [110, 115, 120],
    entryTime: T0,
    exitTime: T0 + 2 * HOUR - 1,
    exitPrice: 105.01,
    pnl: 48.87485,
    pnlPercent: 4.887485,
    outcome: "WIN",
    signalData: signalWithEvidence(id),
    confidenceAtEntry: 0.7,
    notes: ["2025-01-01T01:00:00.000Z: example note"],
    qty: 10,
    remainingQty: 0,
    notional: 1000.2,
    initialRisk: 50.2,
    fees: 1.02515,
    slippageCost: 0.2,
    rMultiple: 0.97,
    mfe: 9.98,
    mae: 1.02,
    mfeR: 1.988,
    maeR: 0.203,
    targetsHit: 1,
    ambiguousCandles: 1,
    exits: [
      { time: T0 + HOUR - 1, price: 110, qty: 5, reason: "target1", fee: 0.275 },
      { time: T0 + 2 * HOUR - 1, price: 100.02, qty: 5, reason: "breakeven_stop", fee: 0.25005 },
    ],
    exitReason: "breakeven_stop",
    status: "CLOSED",
    lastCandleCloseTime: T0 + 2 * HOUR - 1,
  };
}

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8"));

describe("paper_trades.json", () => {
  it("has every trade-record field, snake_case, from the stored trade", () => {
    store.save(LIVE_RUN, handMade("X-1"));
    const path = exportPaperTrades(out, store.all(LIVE_RUN), META);
    expect(path).toBe(join(out, "paper_trades.json"));
    const file = readJson(path);
    expect(file.generated_at).toBe("2025-01-02T12:00:00.000Z");
    expect(file.run).toBe("live");
    expect(file.count).toBe(1);
    const [t] = file.trades as Record<string, unknown>[];
    // Field by field: T0 = 2025-01-01 00:00 UTC, the exit 2 h − 1 ms later.
    expect(t).toEqual({
      trade_id: "X-1",
      symbol: "BTCUSDT",
      direction: "LONG",
      entry_price: 100.02,
      stop_loss: 100.02,
      take_profit: 110,
      entry_time: "2025-01-01T00:00:00.000Z",
      exit_time: "2025-01-01T01:59:59.999Z",
      exit_price: 105.01,
      pnl: 48.87485,
      pnl_percent: 4.887485,
      outcome: "WIN",
      signal_data: signalWithEvidence("X-1"),
      sr_levels: [ZONE],
      volume_data: { ratio: 2.4, z_score: 2.1, trend: "INCREASING" },
      momentum_data: { rsi: { "1h": 28.5, "4h": 35 }, rsi_extreme_on: ["1h"] },
      notes: ["2025-01-01T01:00:00.000Z: example note"],
      confidence_at_entry: 0.7,
      status: "CLOSED",
      initial_stop: 95,
      targets: [110, 115, 120],
      qty: 10,
      remaining_qty: 0,
      notional: 1000.2,
      initial_risk: 50.2,
      fees: 1.02515,
      slippage_cost: 0.2,
      r_multiple: 0.97,
      mfe: 9.98,
      mae: 1.02,
      mfe_r: 1.988,
      mae_r: 0.203,
      targets_hit: 1,
      exits: [
        { time: "2025-01-01T00:59:59.999Z", price: 110, qty: 5, reason: "target1", fee: 0.275 },
        { time: "2025-01-01T01:59:59.999Z", price: 100.02, qty: 5, reason: "breakeven_stop", fee: 0.25005 },
      ],
      exit_reason: "breakeven_stop",
      ambiguous_candles: 1,
    });
  });

  it("an open trade has no exit yet; trades keep the store's order", () => {
    const open = openPaperTrade(crashSignal("O-1"), 100, T0 + HOUR);
    store.saveMany(LIVE_RUN, [{ trade: open }, { trade: handMade("X-1") }]);
    const file = readJson(exportPaperTrades(out, store.all(LIVE_RUN), META));
    const trades = file.trades as Record<string, unknown>[];
    expect(trades.map((t) => t.trade_id)).toEqual(["X-1", "O-1"]);
    expect(trades[1]).toMatchObject({
      status: "OPEN",
      outcome: "OPEN",
      entry_time: "2025-01-01T01:00:00.000Z",
      exit_time: null,
      exit_price: null,
      exit_reason: null,
      exits: [],
    });
  });

  it("replaces the previous file whole and leaves no temporary file", () => {
    exportPaperTrades(out, [handMade("X-1")], META);
    exportPaperTrades(out, [], { run: "backtest:b1", generatedAt: GENERATED + 1000 });
    expect(readJson(join(out, "paper_trades.json"))).toEqual({
      generated_at: "2025-01-02T12:00:01.000Z",
      run: "backtest:b1",
      count: 0,
      trades: [],
    });
    expect(readdirSync(out)).toEqual(["paper_trades.json"]);
  });

  it("refuses a bad run or time before writing anything", () => {
    expect(() => exportPaperTrades(out, [], { run: "prod", generatedAt: GENERATED })).toThrow(UsageError);
    expect(() => exportPaperTrades(out, [], { run: LIVE_RUN, generatedAt: Number.NaN })).toThrow(
      /generatedAt must be epoch ms, got NaN/,
    );
    expect(existsSync(out)).toBe(false);
  });
});

describe("performance_metrics.json and other files", () => {
  it("performance_metrics.json holds the metrics of the stored closed trades", () => {
    store.save(LIVE_RUN, handMade("X-1"));
    store.save(LIVE_RUN, openPaperTrade(crashSignal("O-1"), 100, T0));
    const results = store.closed(LIVE_RUN).map(toTradeResult);
    const metrics = computeMetrics(results, { startingEquity: 10_000, minTrades: 1 });
    const file = readJson(exportPerformanceMetrics(out, metrics, { ...META, startingEquity: 10_000 }));
    expect(Object.keys(file)).toEqual(["generated_at", "run", "starting_equity", "metrics"]);
    expect(file.starting_equity).toBe(10_000);
    const m = file.metrics as Record<string, unknown>;
    // One closed trade, a WIN of 48.87485: equity 10 000 → 10 048.87485.
    expect(m.n).toBe(1);
    expect(m.wins).toBe(1);
    expect(m.totalPnl).toBe(48.87485);
    expect(m.equityCurve).toEqual([
      { time: T0, equity: 10_000 },
      { time: T0 + 2 * HOUR - 1, equity: 10_048.87485 },
    ]);
    expect(m).toEqual(JSON.parse(JSON.stringify(metrics)));
  });

  it("exportJson puts the header before the value's own keys", () => {
    const path = exportJson(out, "strategy_analysis.json", { overall: { n: 0 }, dimensions: {} }, META);
    expect(readFileSync(path, "utf8")).toBe(
      '{\n  "generated_at": "2025-01-02T12:00:00.000Z",\n  "run": "live",\n  "overall": {\n    "n": 0\n  },\n  "dimensions": {}\n}\n',
    );
  });

  it("exportJson refuses paths, clashing keys, lists and NaN", () => {
    expect(() => exportJson(out, "../x.json", {}, META)).toThrow(/plain file name ending in \.json.*"\.\.\/x\.json"/);
    expect(() => exportJson(out, "x.txt", {}, META)).toThrow(UsageError);
    expect(() => exportJson(out, "a.json", { run: "other" }, META)).toThrow(/has its own "run"/);
    expect(() => exportJson(out, "a.json", [] as unknown as Record<string, unknown>, META)).toThrow(
      /must be an object/,
    );
    const e = (() => {
      try {
        exportJson(out, "agent_knowledge.json", { rate: Number.NaN }, META);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(DataError);
    expect(existsSync(join(out, "agent_knowledge.json"))).toBe(false);
  });
});
