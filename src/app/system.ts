/**
 * The one wiring of the system: market data, the analysis agents and synthesis, the paper desk, the learning agent,
 * the reporter and the optimiser, composed as services on one clock-driven scheduler (the orchestrator). `cma run`,
 * `cma scan`, the demo, backtests and the optimiser's trials all start here and differ only in what they pass in:
 * the exchange (a live adapter, the fake server, the store replayed), the clock (exchange-synced or simulated), the
 * store, where paper trades are kept, and where the output goes.
 */
import type Database from "better-sqlite3";
import type { AnyAgent } from "../agents/agent.js";
import type { SymbolAnalysis } from "../agents/symbol-analysis.js";
import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { Sleep } from "../core/sleep.js";
import type { Exchange } from "../exchange/exchange.js";
import { LearningStateStore } from "../learning/learning-state.js";
import type { PaperBrokerOptionsInput } from "../learning/paper-broker-options.js";
import type { PaperTrade } from "../learning/paper-trade.js";
import { LIVE_RUN } from "../learning/paper-trade-store.js";
import type { CandleStore } from "../market/candle-store.js";
import type { Signal } from "../signals/signal.js";
import { synthesisOptionsFromConfig } from "./agent-options.js";
import type { Config } from "./config.js";
import {
  type AnalysisSource,
  LearningAgent,
  type MarketDataSource,
  type Optimizer,
  Orchestrator,
  type OrchestratorEvent,
} from "./orchestrator/index.js";
import { type PaperTradingSetup, paperTradingSetup } from "./paper-trading.js";

/** Paper trades saved in `db` under `run`: resumed after a restart, read back by the learning agent. */
export interface SavedPaperTrading {
  readonly kind: "saved";
  readonly db: Database.Database;
  readonly run: string;
  readonly onOpen?: ((trade: PaperTrade) => void) | undefined;
  readonly onClose?: ((trade: PaperTrade) => void) | undefined;
}

/** Paper trades kept in memory for the length of the run (backtests, trials: their caller reports them). */
export interface MemoryPaperTrading {
  readonly kind: "memory";
  readonly broker: PaperBrokerOptionsInput;
}

export interface SystemSpec {
  /** "live" waits on real timers for each task; "replay" is driven by moving a simulated clock. */
  readonly mode: "live" | "replay";
  readonly exchange: Exchange;
  readonly clock: Clock;
  readonly store: CandleStore;
  readonly config: Config;
  readonly marketData: MarketDataSource;
  /** The analysis agents (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
  /** A fixed universe; default: chosen from the exchange by config.universe and re-chosen daily. */
  readonly symbols?: readonly string[] | undefined;
  /** Paper-trade every signal; absent: no paper trading (and so no learning). */
  readonly paper?: SavedPaperTrading | MemoryPaperTrading | undefined;
  /**
   * The learning agent on the paper trades (ignored without paper trading), writing its exports to `exportDir`
   * (null: none). With saved paper trades its hypotheses are kept in the same database.
   */
  readonly learning?:
    | {
        readonly exportDir: string | null;
        /**
         * Run its periodic update (metrics, knowledge base, hypotheses, exports) every update_interval (default
         * true); false: only its insights for synthesis, for a run whose result nothing of the update reads.
         */
        readonly updates?: boolean | undefined;
      }
    | undefined;
  /** Builds the optimiser, when learning runs and config.learning_agent.auto_optimize is on. */
  readonly optimizer?: ((learning: LearningAgent) => Optimizer) | undefined;
  /** Write reports to config.output_dir. */
  readonly reports: boolean;
  /** Analyses computed elsewhere (a backtest's worker threads); see OrchestratorOptions.analysisSource. */
  readonly analysisSource?: AnalysisSource | undefined;
  /** The exact pre-filter; see OrchestratorOptions.prefilter. */
  readonly prefilter?: { readonly fullAt?: ReadonlySet<number> | undefined } | undefined;
  readonly settleMs?: number | undefined;
  /** Live: the timer the scheduler waits on (default: real timers); see OrchestratorOptions.sleep. */
  readonly sleep?: Sleep | undefined;
  readonly yieldEveryMs?: number | undefined;
  readonly onSignal?: ((signal: Signal, analysis: SymbolAnalysis) => void) | undefined;
  readonly onEvent?: ((event: OrchestratorEvent) => void) | undefined;
  readonly logger?: Logger | undefined;
}

export interface System {
  readonly orchestrator: Orchestrator;
  /** The saved paper trading (its store and the trades resumed), when the spec asked for it. */
  readonly savedPaper: PaperTradingSetup | undefined;
  readonly learning: LearningAgent | undefined;
  readonly optimizer: Optimizer | undefined;
}

export function composeSystem(spec: SystemSpec): System {
  const { config } = spec;
  const saved =
    spec.paper?.kind === "saved"
      ? paperTradingSetup(spec.paper.db, config, spec.exchange.market, spec.paper.run, {
          ...(spec.paper.onOpen ? { onOpen: spec.paper.onOpen } : {}),
          ...(spec.paper.onClose ? { onClose: spec.paper.onClose } : {}),
        })
      : undefined;
  // The learning agent reads the trades back where they are kept; in memory, from the desk the orchestrator owns.
  let orchestrator: Orchestrator | undefined;
  const learning =
    spec.paper && spec.learning
      ? new LearningAgent({
          config,
          synthesis: synthesisOptionsFromConfig(config),
          run: saved?.run ?? LIVE_RUN,
          trades: saved ? () => saved.store.all(saved.run) : () => [...(orchestrator?.desk?.closedTrades() ?? [])],
          state: spec.paper.kind === "saved" ? new LearningStateStore(spec.paper.db) : undefined,
          exportDir: spec.learning.exportDir,
        })
      : undefined;
  const optimizer =
    learning && spec.optimizer && config.learning_agent.auto_optimize ? spec.optimizer(learning) : undefined;
  orchestrator = new Orchestrator({
    agents: spec.agents,
    exchange: spec.exchange,
    store: spec.store,
    clock: spec.clock,
    config,
    mode: spec.mode,
    symbols: spec.symbols,
    marketData: spec.marketData,
    reports: spec.reports,
    ...(spec.settleMs === undefined ? {} : { settleMs: spec.settleMs }),
    ...(spec.yieldEveryMs === undefined ? {} : { yieldEveryMs: spec.yieldEveryMs }),
    sleep: spec.sleep,
    paper: saved ? saved.paper : spec.paper?.kind === "memory" ? { broker: spec.paper.broker } : undefined,
    learning,
    learningUpdates: spec.learning?.updates !== false,
    autoOptimizer: optimizer,
    analysisSource: spec.analysisSource,
    prefilter: spec.prefilter,
    onSignal: spec.onSignal,
    onEvent: spec.onEvent,
    logger: spec.logger,
  });
  return { orchestrator, savedPaper: saved, learning, optimizer };
}
