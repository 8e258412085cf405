/**
 * Throughput of the full backtest pipeline (orchestrator, all agents, synthesis, paper desk) on the bundled real
 * candles, on one core: base-interval candles processed per second (one candle per symbol per cycle) and symbol
 * analyses per second. The figure the issue asks for; peers publish tens of thousands of 1m candles per second for
 * event-driven engines whose strategies do far less per candle than our six agents.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBacktest } from "../src/app/backtest.js";
import { defaultConfig } from "../src/core/config.js";
import { BUNDLED_CANDLES_DIR } from "../src/core/paths.js";
import { readKlineFile } from "../src/market/binance-csv.js";
import { CandleStore } from "../src/market/candle-store.js";
import { openDatabase } from "../src/storage/database.js";

export interface BacktestBenchResult {
  readonly symbols: readonly string[];
  readonly from: string;
  readonly to: string;
  readonly baseInterval: string;
  readonly cycles: number;
  readonly candlesProcessed: number;
  readonly signals: number;
  readonly trades: number;
  readonly wallMs: number;
  readonly candlesPerSecond: number;
  readonly analysesPerSecond: number;
  readonly heapUsedMb: number;
}

export async function benchBacktest(opts: { months?: number } = {}): Promise<BacktestBenchResult> {
  const symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
  const dir = mkdtempSync(join(tmpdir(), "cma-bench-bt-"));
  try {
    const db = openDatabase(join(dir, "candles.db"));
    const store = new CandleStore(db);
    for (const s of symbols) {
      for (const tf of ["1h", "1d"] as const) {
        const file = join(BUNDLED_CANDLES_DIR, "binance-spot", `${s}-${tf}.csv.gz`);
        store.upsert({ exchange: "binance", market: "spot", symbol: s, interval: tf }, readKlineFile(file));
      }
    }
    const base = defaultConfig(dir);
    const config = { ...base, momentum: { ...base.momentum, timeframes: ["1h" as const, "4h" as const] } };
    const from = Date.parse("2025-03-01T00:00:00Z");
    const to = from + (opts.months ?? 6) * 30 * 86_400_000;
    const r = await runBacktest({
      store,
      exchange: "binance",
      market: "spot",
      config,
      symbols,
      from,
      to,
      broker: { taker_fee: 0.001 },
    });
    db.close();
    const candles = r.cycles * symbols.length;
    return {
      symbols,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      baseInterval: "1h",
      cycles: r.cycles,
      candlesProcessed: candles,
      signals: r.signals.length,
      trades: r.trades.length,
      wallMs: r.wallMs,
      candlesPerSecond: Math.round(candles / (r.wallMs / 1000)),
      analysesPerSecond: r.analysesPerSecond,
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e6),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
