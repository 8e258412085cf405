/**
 * The learning agent's JSON files in output_dir: paper_trades.json, performance_metrics.json, and any other named
 * file (strategy_analysis.json, agent_knowledge.json). Each is written atomically (a reader never sees half a file)
 * and starts with `generated_at` (ISO time) and `run`, so a file says which history it describes.
 *
 * paper_trades.json uses snake_case field names and ISO times: the trade as a signal record (trade_id to
 * confidence_at_entry), then its full state (status, sizing, fills, costs, R, excursions) under the same naming.
 * `signal_data` is the signal exactly as synthesis made it.
 */
import { join } from "node:path";
import { UsageError } from "../core/errors.js";
import type { Interval } from "../core/interval.js";
import type { SignalEvidence, SignalZone, Signal } from "../signals/signal.js";
import { writeJsonAtomic } from "../storage/atomic-write.js";
import type { TradeMetrics } from "./metrics.js";
import type { ExitReason, PaperTrade, TradeOutcome, TradeStatus } from "./paper-trade.js";
import { checkRun } from "./paper-trade-store.js";

/** What every exported file says about itself. */
export interface ExportMeta {
  /** The run the data comes from: "live", "demo" or "backtest:<id>". */
  readonly run: string;
  /** Epoch ms the export was made (from the caller's clock, so replays write their simulated time). */
  readonly generatedAt: number;
}

export interface PaperExitRecord {
  readonly time: string;
  readonly price: number;
  readonly qty: number;
  readonly reason: ExitReason;
  readonly fee: number;
}

/** One trade of paper_trades.json. */
export interface PaperTradeRecord {
  readonly trade_id: string;
  readonly symbol: string;
  readonly direction: PaperTrade["direction"];
  readonly entry_price: number;
  readonly stop_loss: number;
  readonly take_profit: number;
  /** ISO 8601. */
  readonly entry_time: string;
  /** ISO 8601; null while open. */
  readonly exit_time: string | null;
  readonly exit_price: number | null;
  readonly pnl: number;
  readonly pnl_percent: number;
  readonly outcome: TradeOutcome;
  readonly signal_data: Signal;
  /** The zones the signal was built on (signal.evidence.zones). */
  readonly sr_levels: readonly SignalZone[];
  readonly volume_data: {
    readonly ratio: number | null;
    readonly z_score: number | null;
    readonly trend: SignalEvidence["volumeTrend"];
  };
  readonly momentum_data: {
    readonly rsi: Readonly<Partial<Record<Interval, number>>>;
    readonly rsi_extreme_on: readonly Interval[];
  };
  readonly notes: readonly string[];
  readonly confidence_at_entry: number;
  // The trade's full state.
  readonly status: TradeStatus;
  readonly initial_stop: number;
  readonly targets: readonly [number, number, number];
  readonly qty: number;
  readonly remaining_qty: number;
  readonly notional: number;
  readonly initial_risk: number;
  readonly fees: number;
  readonly slippage_cost: number;
  readonly r_multiple: number;
  readonly mfe: number;
  readonly mae: number;
  readonly mfe_r: number;
  readonly mae_r: number;
  readonly targets_hit: number;
  readonly exits: readonly PaperExitRecord[];
  readonly exit_reason: ExitReason | null;
  readonly ambiguous_candles: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A trade as paper_trades.json writes it. */
export function paperTradeRecord(t: PaperTrade): PaperTradeRecord {
  const ev = t.signalData.evidence;
  return {
    trade_id: t.tradeId,
    symbol: t.symbol,
    direction: t.direction,
    entry_price: t.entryPrice,
    stop_loss: t.stopLoss,
    take_profit: t.takeProfit,
    entry_time: iso(t.entryTime),
    exit_time: t.exitTime === null ? null : iso(t.exitTime),
    exit_price: t.exitPrice,
    pnl: t.pnl,
    pnl_percent: t.pnlPercent,
    outcome: t.outcome,
    signal_data: t.signalData,
    sr_levels: ev.zones,
    volume_data: { ratio: ev.volumeRatio, z_score: ev.volumeZScore, trend: ev.volumeTrend },
    momentum_data: { rsi: ev.rsi, rsi_extreme_on: ev.rsiExtremeOn },
    notes: t.notes,
    confidence_at_entry: t.confidenceAtEntry,
    status: t.status,
    initial_stop: t.initialStop,
    targets: t.targets,
    qty: t.qty,
    remaining_qty: t.remainingQty,
    notional: t.notional,
    initial_risk: t.initialRisk,
    fees: t.fees,
    slippage_cost: t.slippageCost,
    r_multiple: t.rMultiple,
    mfe: t.mfe,
    mae: t.mae,
    mfe_r: t.mfeR,
    mae_r: t.maeR,
    targets_hit: t.targetsHit,
    exits: t.exits.map((e) => ({ time: iso(e.time), price: e.price, qty: e.qty, reason: e.reason, fee: e.fee })),
    exit_reason: t.exitReason,
    ambiguous_candles: t.ambiguousCandles,
  };
}

function header(meta: ExportMeta): { generated_at: string; run: string } {
  if (meta === null || typeof meta !== "object") throw new UsageError("export: meta must be { run, generatedAt }.");
  checkRun(meta.run);
  const t = meta.generatedAt;
  // 8.64e15 ms is the largest time a Date can hold; beyond it toISOString throws a RangeError without context.
  if (typeof t !== "number" || !Number.isFinite(t) || Math.abs(t) > 8.64e15) {
    throw new UsageError(`export: generatedAt must be epoch ms, got ${String(t)}.`);
  }
  return { generated_at: iso(t), run: meta.run };
}

/** Writes `${dir}/paper_trades.json`: { generated_at, run, count, trades }. Returns the file's path. */
export function exportPaperTrades(dir: string, trades: readonly PaperTrade[], meta: ExportMeta): string {
  const head = header(meta);
  if (!Array.isArray(trades)) throw new UsageError("exportPaperTrades: trades must be a list of paper trades.");
  const path = join(dir, "paper_trades.json");
  writeJsonAtomic(path, { ...head, count: trades.length, trades: trades.map(paperTradeRecord) });
  return path;
}

/** What performance_metrics.json says about the metrics beyond the header. */
export interface PerformanceMeta extends ExportMeta {
  /** The equity the metrics started from (config paper_trading.starting_equity). */
  readonly startingEquity: number;
}

/**
 * Writes `${dir}/performance_metrics.json`: { generated_at, run, starting_equity, metrics } with the metrics as
 * computeMetrics returned them. Returns the file's path.
 */
export function exportPerformanceMetrics(dir: string, metrics: TradeMetrics, meta: PerformanceMeta): string {
  const head = header(meta);
  if (typeof meta.startingEquity !== "number" || !Number.isFinite(meta.startingEquity)) {
    throw new UsageError(
      `exportPerformanceMetrics: startingEquity must be a finite number, got ${String(meta.startingEquity)}.`,
    );
  }
  if (metrics === null || typeof metrics !== "object") {
    throw new UsageError("exportPerformanceMetrics: metrics must be what computeMetrics returns.");
  }
  const path = join(dir, "performance_metrics.json");
  writeJsonAtomic(path, { ...head, starting_equity: meta.startingEquity, metrics });
  return path;
}

const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*\.json$/;

/**
 * Writes `${dir}/${name}` (e.g. strategy_analysis.json) as { generated_at, run, ...value }. `value` must be a plain
 * object without its own generated_at or run. Returns the file's path.
 */
export function exportJson(
  dir: string,
  name: string,
  value: Readonly<Record<string, unknown>>,
  meta: ExportMeta,
): string {
  const head = header(meta);
  if (typeof name !== "string" || !FILE_NAME.test(name)) {
    throw new UsageError(
      `exportJson: name must be a plain file name ending in .json, like strategy_analysis.json, got ${JSON.stringify(name)}.`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`exportJson: the value for ${name} must be an object (its keys follow generated_at and run).`);
  }
  for (const key of ["generated_at", "run"]) {
    if (Object.hasOwn(value, key)) {
      throw new UsageError(`exportJson: the value for ${name} has its own "${key}"; the export adds it, remove it.`);
    }
  }
  const path = join(dir, name);
  writeJsonAtomic(path, { ...head, ...value });
  return path;
}
