/**
 * Paper trading for a run of the system: the desk's trades saved to SQLite (one transaction per step, so a crash or
 * `kill -9` loses nothing that was reported), open trades and signals still waiting for their fill resumed after a
 * restart, and the banner's summary of the trades already booked.
 */
import type Database from "better-sqlite3";
import type { Config } from "./config.js";
import type { MarketType } from "../exchange/exchange.js";
import { LearningStateStore } from "../learning/learning-state.js";
import { computeMetrics } from "../learning/metrics.js";
import type { PaperEvent, PaperTrade } from "../learning/paper-trade.js";
import { PaperTradeStore, toTradeResult, tradeSteps } from "../learning/paper-trade-store.js";
import type { Signal } from "../signals/signal.js";
import type { PaperSummary } from "../ui/banner.js";
import { paperBrokerOptionsFromConfig } from "./agent-options.js";
import type { OrchestratorOptions } from "./orchestrator/orchestrator.js";

/** Where the signals waiting for their fill are kept between runs (learning_state, per run). */
const PENDING_KEY = "pending_signals";

export interface PaperTradingSetup {
  readonly store: PaperTradeStore;
  readonly run: string;
  /** For OrchestratorOptions.paper (the caller adds onOpen/onClose for display). */
  readonly paper: NonNullable<OrchestratorOptions["paper"]>;
  /** Open trades resumed from an earlier run of the same kind. */
  readonly resumed: readonly PaperTrade[];
}

export function paperTradingSetup(
  db: Database.Database,
  config: Config,
  market: MarketType,
  run: string,
  display: { onOpen?: (t: PaperTrade) => void; onClose?: (t: PaperTrade) => void } = {},
): PaperTradingSetup {
  const store = new PaperTradeStore(db);
  const resumed = store.open(run);
  const state = new LearningStateStore(db);
  // A signal whose trade was saved before its pending entry was cleared (a crash in between) is not filled twice.
  const traded = new Set(store.all(run).map((t) => t.signalData.id));
  const pending = (state.get<Signal[]>(run, PENDING_KEY) ?? []).filter((s) => !traded.has(s.id));
  const save = (trades: readonly PaperTrade[], events: readonly PaperEvent[]) =>
    store.saveMany(run, tradeSteps(trades, events));
  return {
    store,
    run,
    resumed,
    paper: {
      broker: paperBrokerOptionsFromConfig(config, market),
      resume: resumed,
      resumePending: pending,
      onChange: save,
      onPending: (p) => state.put(run, PENDING_KEY, p),
      ...display,
    },
  };
}

/** What the startup banner shows about the trades already booked in `run`. */
export function paperSummary(store: PaperTradeStore, run: string, config: Config): PaperSummary {
  const all = store.all(run);
  const closed = all.filter((t) => t.status === "CLOSED");
  const minTrades = config.learning_agent.min_trades_before_learning;
  const m = computeMetrics(closed.map(toTradeResult), {
    minTrades,
    startingEquity: config.paper_trading.starting_equity,
  });
  return {
    trades: all.length,
    wins: m.wins,
    losses: m.losses,
    winRate: m.winRate?.value ?? null,
    avgRiskReward: m.avgRiskReward,
    profitFactor: m.profitFactor,
    minTrades,
  };
}
