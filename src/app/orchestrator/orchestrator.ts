/**
 * The running system: universe → market data → agents → synthesis → (paper broker, learning) → reports, on one
 * injected clock. Live (`cma run`) the clock follows the exchange and real timers wait for each task; in a replay
 * (the demo, tests) a driver moves a simulated clock and calls `runDue()`. Everything between is the same code.
 *
 * Tasks and their own intervals:
 * - universe: chosen at start from the exchange's markets and 24 h tickers (config `universe`), re-chosen daily;
 * - market-data: before every analysis, brings the store up to the last closed candles (streams do most of it);
 * - the analysis agents (the registry's: S/R detector, price action, momentum, volume spike, order flow, volume
 *   profile, and any added one) and signal synthesis: whenever a candle of the finest analysed timeframe closes (15m with the default momentum timeframes),
 *   plus `settleMs` so the exchange has published it;
 * - reporter: every `report_interval`.
 * One symbol or agent failing never stops the others; each failure is counted on the status board and reported.
 */
import type { Clock, SimulatedClock } from "../../core/clock.js";
import type { Config } from "../config.js";
import { UsageError } from "../../core/errors.js";
import { DAY, type Interval, intervalMs, MINUTE } from "../../core/interval.js";
import { type Logger, silentLogger } from "../../core/log.js";
import type { Sleep } from "../../core/sleep.js";
import type { Exchange, StreamStatus } from "../../exchange/exchange.js";
import type { AnyAgent } from "../../agents/agent.js";
import {
  analysisAgents,
  symbolAnalysisReads,
  type SymbolAnalysis,
  type SymbolAnalysisOptions,
} from "../../agents/symbol-analysis.js";
import type { CandleStore } from "../../market/candle-store.js";
import { StoreMarketView } from "../../market/market-view.js";
import { selectUniverse } from "../../market/universe.js";
import { MAX_CONTEXT_MULTIPLIER, NO_INSIGHT } from "../../signals/learning-insight.js";
import type { Signal } from "../../signals/signal.js";
import { SignalCooldown, type SynthesisOptions } from "../../signals/synthesis.js";
import { agentOptionsFromConfig, synthesisOptionsFromConfig } from "../agent-options.js";
import { type AgentIdentity, AgentStatusBoard, type AgentStatus, messageOf } from "./agent-status.js";
import {
  type AnalysisMemory,
  type AnalysisPass,
  type AnalysisSource,
  analyzeUniverse,
  type InsightProvider,
  type Prefilter,
} from "./analysis-cycle.js";
import { type FeedPass, MarketFeed } from "./market-feed.js";
import type { OptimizationRecord, Optimizer } from "./optimization.js";
import type { LearningAgent } from "./learning-agent.js";
import { PaperDesk, type PaperDeskOptions } from "./paper-desk.js";
import { Scheduler } from "./scheduler.js";
import { type LearningReport, type PaperReport, type SystemReport, type WrittenReport, writeReport } from "./report.js";

/** The system's services on the status board, beside the analysis agents. */
const SERVICES = {
  marketData: {
    name: "market-data",
    title: "Market Data",
    icon: "📡",
    role: "candles: history sync, kline streams, catch-up",
  },
  synthesis: {
    name: "signal-synthesis",
    title: "Signal Synthesis",
    icon: "🧮",
    role: "weighted evidence → trade signals",
  },
  paperBroker: {
    name: "paper-broker",
    title: "Paper Broker",
    icon: "💼",
    role: "paper-trades every signal: fills, fees, stops, targets",
  },
  optimizer: {
    name: "optimizer",
    title: "Optimizer",
    icon: "🔧",
    role: "walk-forward re-tuning; adopts only what wins out of sample",
  },
  learning: {
    name: "learning",
    title: "Learning Agent",
    icon: "🎓",
    role: "metrics, strategy analysis, knowledge base, hypotheses; insights for synthesis",
  },
  reporter: { name: "reporter", title: "Reporter", icon: "📝", role: "reports" },
} as const satisfies Record<string, AgentIdentity>;

export type OrchestratorEvent =
  | { readonly kind: "warmup"; readonly symbols: number; readonly pass: FeedPass }
  | { readonly kind: "cycle"; readonly pass: AnalysisPass; readonly feed: FeedPass; readonly durationMs: number }
  | { readonly kind: "report"; readonly report: SystemReport; readonly files: WrittenReport | null }
  | { readonly kind: "stream"; readonly status: StreamStatus }
  | { readonly kind: "universe"; readonly symbols: readonly string[] };

export type MarketDataSource = "sync-and-stream" | "sync" | "stored";

export interface OrchestratorOptions {
  readonly exchange: Exchange;
  readonly store: CandleStore;
  readonly clock: Clock;
  readonly config: Config;
  readonly mode: "live" | "replay";
  /** The analysis agents (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
  /** A fixed universe; default: chosen from the exchange by config.universe. */
  readonly symbols?: readonly string[] | undefined;
  /**
   * Where candles come from (default "sync-and-stream"): synced from the exchange over REST and kept current by
   * kline streams (`cma run`, the demo); synced before each cycle without streams (`cma scan --once`); or already
   * in the store (backtests: nothing fetched, the exchange only names the stored series by its id and market).
   */
  readonly marketData?: MarketDataSource;
  /** Write reports to config.output_dir (default true). */
  readonly reports?: boolean;
  /**
   * Live: how often the exchange's clock is measured again (default 30 minutes), so that a machine clock drifting
   * over a long run never decides which candle has closed. Replays keep their simulated clock.
   */
  readonly clockResyncMs?: number;
  /**
   * Live: the machine's timer the scheduler waits on, in the clock's milliseconds (default: real timers). A bench
   * that runs the exchange's clock faster than real time passes a timer that runs as much faster.
   */
  readonly sleep?: Sleep | undefined;
  /** Wait after a candle closes before analysing it (default 2000 ms live, 0 in a replay). */
  readonly settleMs?: number;
  /**
   * Longest stretch of analysis between two turns of the event loop, in ms (default 0: after every symbol, so
   * streams, timers and signals are served promptly). Backtests, which serve nothing meanwhile, use a few ms.
   */
  readonly yieldEveryMs?: number;
  readonly insight?: InsightProvider | undefined;
  /**
   * Analyses computed elsewhere, asked before each symbol is analysed here (a backtest's worker threads); what it does
   * not have is computed as usual. Only for a fixed configuration: it knows nothing of auto_optimize's adoptions.
   */
  readonly analysisSource?: AnalysisSource | undefined;
  /**
   * Leave out the analyses that cannot signal (the exact pre-filter, AnalysisPassParams.prefilter), except at the
   * times in `fullAt`. For backtests: a live run's reports show every analysis.
   */
  readonly prefilter?: { readonly fullAt?: ReadonlySet<number> | undefined } | undefined;
  /** Re-tunes the parameters every learning_agent.optimization_interval when learning_agent.auto_optimize is on. */
  readonly autoOptimizer?: Optimizer | undefined;
  /** The learning agent: updated every learning_agent.update_interval, and the insight for synthesis. */
  readonly learning?: LearningAgent | undefined;
  /** False: the learning agent gives insights but is never updated (default true; see SystemSpec.learning). */
  readonly learningUpdates?: boolean | undefined;
  /** Paper-trade every signal (the learning agent's desk); absent: no paper trading. */
  readonly paper?: Omit<PaperDeskOptions, "view" | "interval" | "fallback"> | undefined;
  readonly onSignal?: ((signal: Signal, analysis: SymbolAnalysis) => void) | undefined;
  readonly onEvent?: ((event: OrchestratorEvent) => void) | undefined;
  readonly logger?: Logger | undefined;
}

export interface StartInfo {
  readonly exchange: string;
  readonly market: string;
  readonly symbols: readonly string[];
  /** Symbols with at least one higher-timeframe S/R zone after the first analysis. */
  readonly withZones: number;
  readonly agents: readonly AgentStatus[];
  readonly warmup: FeedPass;
  /** Signals of the first analysis, held back until the caller has shown the banner (see start()). */
  readonly firstSignals: readonly { signal: Signal; analysis: SymbolAnalysis }[];
}

export class Orchestrator {
  readonly board = new AgentStatusBoard();
  readonly view: StoreMarketView;
  #analysis: SymbolAnalysisOptions;
  #synthesis: SynthesisOptions;
  #cooldown: SignalCooldown;
  /** The configuration in force: the one given, or the last one auto_optimize adopted. */
  #config: Config;
  readonly cycleMs: number;
  readonly reportMs: number;
  readonly #o: OrchestratorOptions;
  readonly #feed: MarketFeed;
  readonly #logger: Logger;
  /** Paper trading, when enabled. */
  readonly desk: PaperDesk | undefined;
  readonly #scheduler: Scheduler;
  readonly #sync: boolean;
  readonly #streams: boolean;
  #symbols: readonly string[] = [];
  #startedAt = 0;
  /** An optimisation running in the background (minutes of backtests on worker threads), and its outcome. */
  #optimizing: Promise<void> | undefined;
  #optimized: { record: OptimizationRecord; config: Config | null } | undefined;
  #cycles = 0;
  #lastCycle: SystemReport["cycles"]["last"] = null;
  #lastFailures: { symbol: string; error: string }[] = [];
  #pendingSignals: Signal[] = [];
  #signalsTotal = 0;
  #latest = new Map<string, SymbolAnalysis>();
  /** Each symbol's last analysis and what it read, so an unchanged symbol is not analysed again. */
  readonly #memory: AnalysisMemory = new Map();
  #reports = 0;
  #stopped = false;
  #holdSignals = false;
  #held: { signal: Signal; analysis: SymbolAnalysis }[] = [];
  #lastPass: AnalysisPass | undefined;

  constructor(o: OrchestratorOptions) {
    this.#o = o;
    this.#logger = o.logger ?? silentLogger;
    this.#scheduler = new Scheduler(o.clock);
    const source = o.marketData ?? "sync-and-stream";
    this.#sync = source !== "stored";
    this.#streams = source === "sync-and-stream";
    this.#config = o.config;
    this.#analysis = agentOptionsFromConfig(o.config, o.agents);
    this.#synthesis = synthesisOptionsFromConfig(o.config);
    this.#cooldown = new SignalCooldown(this.#synthesis.cooldown_ms);
    const reads = symbolAnalysisReads(this.#analysis);
    this.cycleMs = analysisCycleMs(this.#analysis);
    this.reportMs = o.config.report_interval * 1000;
    this.view = new StoreMarketView({
      store: o.store,
      clock: o.clock,
      exchange: o.exchange.id,
      market: o.exchange.market,
      // Live, tails only grow by a candle per close, so the slack that spares a replay from trimming its tails at
      // every few steps is not worth its memory: with 300 symbols it held half a million candles (about 130 MB).
      ...(o.mode === "live" ? { cacheExtra: 0 } : {}),
    });
    this.#feed = new MarketFeed({
      exchange: o.exchange,
      store: o.store,
      view: this.view,
      reads,
      baseInterval: this.#analysis.baseInterval,
      logger: o.logger,
      onStatus: (status) => o.onEvent?.({ kind: "stream", status }),
    });
    const every = this.cycleMs;
    this.board.register(SERVICES.marketData, every);
    for (const a of analysisAgents(this.#analysis)) this.board.register(a, every);
    this.board.register(SERVICES.synthesis, every);
    const analysed: Interval[] = [this.#analysis.baseInterval, ...(this.#analysis.momentum.timeframes ?? [])];
    const cycleInterval = analysed.reduce((a, b) => (intervalMs(b) < intervalMs(a) ? b : a));
    this.desk = o.paper
      ? new PaperDesk({ ...o.paper, view: this.view, interval: cycleInterval, fallback: this.#analysis.baseInterval })
      : undefined;
    if (this.desk) this.board.register(SERVICES.paperBroker, every);
    if (o.autoOptimizer && o.config.learning_agent.auto_optimize) {
      this.board.register(SERVICES.optimizer, o.config.learning_agent.optimization_interval * 1000);
    }
    if (o.learning) this.board.register(SERVICES.learning, o.config.learning_agent.update_interval * 1000);
    if (this.#o.reports !== false) {
      this.board.register({ ...SERVICES.reporter, role: `reports to ${o.config.output_dir}` }, this.reportMs);
    }
  }

  get analysis(): SymbolAnalysisOptions {
    return this.#analysis;
  }

  get synthesis(): SynthesisOptions {
    return this.#synthesis;
  }

  get config(): Config {
    return this.#config;
  }

  /**
   * Switches the agents and synthesis to `config` from the next cycle on (auto_optimize's adoption). The universe,
   * market data and timing stay as they are: the optimiser only tunes thresholds, stops, targets, weights and
   * indicator parameters.
   */
  adopt(config: Config): void {
    this.#config = config;
    this.#analysis = agentOptionsFromConfig(config, this.#o.agents);
    const next = synthesisOptionsFromConfig(config);
    if (next.cooldown_ms !== this.#synthesis.cooldown_ms) this.#cooldown = new SignalCooldown(next.cooldown_ms);
    this.#synthesis = next;
  }

  get symbols(): readonly string[] {
    return this.#symbols;
  }

  get settleMs(): number {
    return this.#o.settleMs ?? (this.#o.mode === "live" ? 2000 : 0);
  }

  /** Next time a task is due (epoch ms on the orchestrator's clock). */
  nextDue(): number {
    return this.#scheduler.nextDue();
  }

  /**
   * Chooses the universe, syncs its history, starts the streams and runs the first analysis. The first analysis's
   * signals are not passed to onSignal but returned (`firstSignals`), so a caller can print its banner first.
   */
  async start(signal?: AbortSignal): Promise<StartInfo> {
    const now = this.#o.clock.now();
    this.#startedAt = now;
    this.#symbols = await this.#chooseUniverse();
    this.#o.onEvent?.({ kind: "universe", symbols: this.#symbols });
    this.board.begin("market-data");
    const t0 = performance.now();
    const warmup = !this.#sync
      ? { requests: 0, weight: 0, fetched: 0, derived: 0, failures: [] }
      : await this.#feed.sync(this.#symbols, now, signal);
    this.board.finish("market-data", now, performance.now() - t0, {
      symbols: this.#symbols.length,
      failed: warmup.failures.length,
    });
    for (const f of warmup.failures) this.board.error("market-data", now, f.error, f.symbol);
    this.#o.onEvent?.({ kind: "warmup", symbols: this.#symbols.length, pass: warmup });
    if (this.#streams && !signal?.aborted) {
      await this.#feed.startStreams(this.#symbols, now);
    }

    this.#holdSignals = true;
    this.#held = [];
    try {
      await this.#cycle(now, signal, false);
    } finally {
      this.#holdSignals = false;
    }
    let withZones = 0;
    for (const a of this.#latest.values()) if (a.zones.length > 0) withZones++;
    this.#schedule(now);
    // The first report describes the system as it starts (universe, history, first analysis, learning).
    if (this.#o.reports !== false) this.report();
    return {
      exchange: this.#o.exchange.id,
      market: this.#o.exchange.market,
      symbols: this.#symbols,
      withZones,
      agents: this.board.snapshot(),
      warmup,
      firstSignals: this.#held,
    };
  }

  /**
   * The services as tasks on the one scheduler, in the order they run when due together: live, the clock re-sync;
   * the optimiser (start a re-tuning; its adoption is taken between cycles), the universe, the analysis cycle (market
   * data, paper broker, agents, synthesis), the learning update, the report. The learning agent's first update runs
   * here, at start.
   */
  #schedule(now: number): void {
    const s = this.#scheduler;
    const la = this.#o.config.learning_agent;
    if (this.#o.mode === "live" && this.#sync) {
      const every = this.#o.clockResyncMs ?? 30 * MINUTE;
      s.add({ name: "clock", next: (t) => t + every, run: () => this.#resyncClock() }, now + every);
    }
    if (this.#o.autoOptimizer && la.auto_optimize) {
      const every = la.optimization_interval * 1000;
      s.add(
        {
          name: "optimizer",
          next: (t) => t + every,
          run: (t, signal) => {
            this.#takeOptimization(t);
            this.#startOptimization(t, signal);
          },
        },
        now + every,
      );
    }
    if (!this.#o.symbols) {
      s.add(
        { name: "universe", next: (t) => t + DAY, run: (t, signal) => this.#refreshUniverse(t, signal) },
        now + DAY,
      );
    }
    s.add(
      {
        name: "analysis",
        next: (t) => nextBoundary(t - this.settleMs, this.cycleMs) + this.settleMs,
        run: (t, signal) => {
          this.#takeOptimization(t);
          return this.#cycle(t, signal, true);
        },
      },
      nextBoundary(now, this.cycleMs) + this.settleMs,
    );
    if (this.#o.learning && this.#o.learningUpdates !== false) {
      this.#learn(now);
      const every = la.update_interval * 1000;
      s.add(
        { name: "learning", next: (t) => nextBoundary(t, every), run: (t) => this.#learn(t) },
        nextBoundary(now, every),
      );
    }
    if (this.#o.reports !== false) {
      s.add(
        {
          name: "reporter",
          next: (t) => nextBoundary(t, this.reportMs),
          run: () => {
            this.report();
          },
        },
        nextBoundary(now, this.reportMs),
      );
    }
  }

  /** Measures the exchange's time again; a failure keeps the last offset and is logged (the next try is due later). */
  async #resyncClock(): Promise<void> {
    try {
      await this.#o.exchange.serverTime();
    } catch (e) {
      this.#logger.log("warn", "the exchange clock could not be re-synced; keeping the last offset", {
        error: messageOf(e),
      });
    }
  }

  /** Runs every task due at the clock's now (replays call this after moving their clock). */
  async runDue(signal?: AbortSignal): Promise<void> {
    this.#takeOptimization(this.#o.clock.now());
    await this.#scheduler.runDue(signal);
  }

  /**
   * Replays (backtests, tests): moves `clock` from one due task to the next up to `to`, running each — what real
   * timers do live, without the waiting. `onStep` sees the simulated time after each step.
   */
  replayUntil(clock: SimulatedClock, to: number, signal?: AbortSignal, onStep?: (time: number) => void): Promise<void> {
    return this.#scheduler.replayUntil(clock, to, signal, onStep);
  }

  /** True when the streams have delivered every candle closed by now (replays wait for this before runDue). */
  caughtUp(): boolean {
    return this.#feed.caughtUp(this.#symbols, this.#o.clock.now());
  }

  async #cycle(now: number, signal: AbortSignal | undefined, catchUp: boolean): Promise<void> {
    const t0 = performance.now();
    let feed: FeedPass = { requests: 0, weight: 0, fetched: 0, derived: 0, failures: [] };
    if (catchUp && this.#sync) {
      this.board.begin("market-data");
      try {
        feed = await this.#feed.sync(this.#symbols, now, signal);
        this.board.finish("market-data", now, performance.now() - t0, {
          symbols: this.#symbols.length,
          failed: feed.failures.length,
        });
        for (const f of feed.failures) this.board.error("market-data", now, f.error, f.symbol);
      } catch (e) {
        this.board.failRun("market-data", now, e);
      }
    }
    if (this.desk) {
      const tp = performance.now();
      this.board.begin("paper-broker");
      try {
        this.desk.step();
        this.board.finish("paper-broker", now, performance.now() - tp, { symbols: this.desk.openTrades().length });
      } catch (e) {
        this.board.failRun("paper-broker", now, e);
      }
    }
    const agents = analysisAgents(this.#analysis);
    for (const a of agents) this.board.begin(a.name);
    this.board.begin("signal-synthesis");
    const pass = await analyzeUniverse({
      view: this.view,
      symbols: this.#symbols,
      options: this.#analysis,
      synthesis: this.#synthesis,
      cooldown: this.#cooldown,
      insight: this.#o.insight ?? this.#o.learning?.insight,
      signal,
      yieldEveryMs: this.#o.yieldEveryMs ?? 0,
      memory: this.#memory,
      source: this.#o.analysisSource,
      prefilter: this.#prefilter(),
      onSignal: (s, a) => {
        this.#pendingSignals.push(s);
        this.#signalsTotal++;
        this.desk?.submit(s);
        if (this.#holdSignals) this.#held.push({ signal: s, analysis: a });
        else this.#o.onSignal?.(s, a);
      },
    });
    this.#lastPass = pass;
    for (const [symbol, a] of pass.analyses) this.#latest.set(symbol, a);
    const failed = pass.outcomes.filter((o) => o.error !== null);
    for (const a of agents) {
      const unavailable = pass.outcomes.filter((o) => o.unavailable.includes(a.name)).length;
      const ms = pass.agentMs.get(a.name) ?? 0;
      this.board.finish(a.name, now, ms, { symbols: pass.analyses.size, unavailable, failed: failed.length });
    }
    for (const f of failed) {
      for (const a of agents) this.board.error(a.name, now, f.error, f.symbol);
    }
    this.board.finish("signal-synthesis", now, pass.synthesisMs, { symbols: pass.analyses.size });
    this.board.addSignals("signal-synthesis", pass.signals.length);
    this.#lastFailures = [
      ...feed.failures.map((f) => ({ symbol: f.symbol, error: `market data: ${f.error}` })),
      ...failed.map((f) => ({ symbol: f.symbol, error: f.error as string })),
    ];
    this.#cycles++;
    const durationMs = performance.now() - t0;
    this.#lastCycle = {
      time: new Date(now).toISOString(),
      durationMs: Math.round(durationMs * 10) / 10,
      analysed: pass.analyses.size,
      failed: failed.length,
      signals: pass.signals.length,
    };
    this.#o.onEvent?.({ kind: "cycle", pass, feed, durationMs });
  }

  #prefilter(): Prefilter | undefined {
    const p = this.#o.prefilter;
    if (p === undefined) return undefined;
    const learning = this.#o.learning;
    if (this.#o.insight !== undefined) {
      // An insight provider of its own: bounded only by what synthesis accepts from any insight.
      const widest = { adjust: this.#synthesis.weights.learning, multiplier: MAX_CONTEXT_MULTIPLIER };
      return { insight: () => widest, fullAt: p.fullAt };
    }
    return { insight: learning ? learning.insightCeiling : () => NO_INSIGHT, fullAt: p.fullAt };
  }

  #startOptimization(now: number, signal: AbortSignal | undefined): void {
    const opt = this.#o.autoOptimizer;
    if (!opt || this.#optimizing) return;
    this.board.begin("optimizer");
    const t0 = performance.now();
    this.#optimizing = opt
      .optimize(now, this.#config, this.#symbols, signal)
      .then((r) => {
        this.#optimized = r;
        this.board.finish("optimizer", now, performance.now() - t0, { symbols: this.#symbols.length });
        if (r.record.status === "failed") this.board.error("optimizer", now, r.record.reason);
      })
      .catch((e: unknown) => {
        this.board.failRun("optimizer", now, e);
      })
      .finally(() => {
        this.#optimizing = undefined;
      });
  }

  /** Applies a finished optimisation's adoption, between cycles. */
  #takeOptimization(now: number): void {
    const r = this.#optimized;
    if (!r) return;
    this.#optimized = undefined;
    if (r.config) {
      this.adopt(r.config);
      this.#logger.log("info", "auto_optimize adopted new parameters", {
        at: new Date(now).toISOString(),
        reason: r.record.reason,
      });
    }
  }

  /** Waits for a background optimisation (stop(), tests). */
  async settled(): Promise<void> {
    await this.#optimizing;
    this.#takeOptimization(this.#o.clock.now());
  }

  #learn(now: number): void {
    const agent = this.#o.learning;
    if (!agent) return;
    const t0 = performance.now();
    this.board.begin("learning");
    try {
      const u = agent.update(now, this.#latest);
      this.board.finish("learning", now, performance.now() - t0, { symbols: u.closedTrades });
    } catch (e) {
      this.board.failRun("learning", now, e);
      this.#logger.log("error", "the learning update failed", { error: messageOf(e) });
    }
  }

  /** Builds the report for now and (unless reports are off) writes it; signals since the last report go in it. */
  report(): SystemReport {
    const now = this.#o.clock.now();
    const t0 = performance.now();
    const w = this.#o.exchange.weightUsage();
    const report: SystemReport = {
      kind: "cma-report",
      version: 1,
      time: new Date(now).toISOString(),
      mode: this.#o.mode,
      exchange: this.#o.exchange.id,
      market: this.#o.exchange.market,
      startedAt: new Date(this.#startedAt).toISOString(),
      universe: { count: this.#symbols.length, symbols: [...this.#symbols] },
      weightUsed: { total: w.spent, requests: w.requests, lastMinute: w.used, limitPerMinute: w.limit },
      cycles: { count: this.#cycles, last: this.#lastCycle },
      agents: this.board.snapshot(),
      signals: this.#pendingSignals,
      signalsTotal: this.#signalsTotal,
      failures: this.#lastFailures,
      paperTrading: this.desk ? paperSummary(this.desk) : null,
      learning: this.#o.learning?.lastUpdate ? learningSummary(this.#o.learning.lastUpdate) : null,
      optimizations: this.#o.autoOptimizer ? this.#o.autoOptimizer.records.slice(-5) : null,
    };
    this.#pendingSignals = [];
    let files: WrittenReport | null = null;
    if (this.#o.reports !== false) {
      this.board.begin("reporter");
      try {
        files = writeReport(this.#o.config.output_dir, report);
        this.#reports++;
        this.board.finish("reporter", now, performance.now() - t0, {});
      } catch (e) {
        this.board.failRun("reporter", now, e);
        this.#logger.log("error", "the report could not be written", { error: messageOf(e) });
      }
    }
    this.#o.onEvent?.({ kind: "report", report, files });
    return report;
  }

  /** The latest analysis pass (undefined before start()). */
  get lastPass(): AnalysisPass | undefined {
    return this.#lastPass;
  }

  /** The latest analysis of each symbol. */
  get latestAnalyses(): ReadonlyMap<string, SymbolAnalysis> {
    return this.#latest;
  }

  get reportsWritten(): number {
    return this.#reports;
  }

  /**
   * Live: waits for each due task on the clock (real timers) until `signal` aborts. The in-flight cycle stops at the
   * next symbol; the caller then calls stop().
   */
  runLive(signal: AbortSignal): Promise<void> {
    // A bug in a task must not end a live run silently or loudly: it is logged and the loop goes on.
    return this.#scheduler.runLive(
      signal,
      (e) => this.#logger.log("error", "a scheduled task failed", { error: messageOf(e) }),
      this.#o.sleep,
    );
  }

  /** Closes the streams and marks every agent stopped. Idempotent. Does not close the exchange or the store. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#optimizing?.catch(() => {});
    await this.#feed.close();
    this.board.stopAll();
  }

  get streamedCandles(): number {
    return this.#feed.closedCandlesStreamed;
  }

  async #chooseUniverse(): Promise<string[]> {
    if (this.#o.symbols) {
      if (this.#o.symbols.length === 0)
        throw new UsageError("No symbols to watch.", { hint: "Name at least one symbol." });
      return [...this.#o.symbols];
    }
    const u = this.#o.config.universe;
    const [markets, tickers] = await Promise.all([this.#o.exchange.markets(), this.#o.exchange.tickers24h()]);
    const chosen = selectUniverse(markets, tickers, {
      quoteAsset: u.quote_asset,
      minQuoteVolume: u.min_quote_volume_24h,
      include: u.include,
      exclude: u.exclude,
      maxSymbols: u.max_symbols,
    }).map((e) => e.symbol);
    if (chosen.length === 0) {
      throw new UsageError(
        `No ${this.#o.exchange.id} ${this.#o.exchange.market} market quoted in ${u.quote_asset} trades more than ` +
          `${u.min_quote_volume_24h} ${u.quote_asset} a day.`,
        { hint: "Lower universe.min_quote_volume_24h, or name symbols in universe.include." },
      );
    }
    return chosen;
  }

  async #refreshUniverse(now: number, signal?: AbortSignal): Promise<void> {
    try {
      const next = await this.#chooseUniverse();
      const added = next.filter((s) => !this.#symbols.includes(s));
      if (added.length > 0) await this.#feed.sync(added, now, signal);
      const changed = added.length > 0 || next.length !== this.#symbols.length;
      this.#symbols = next;
      if (changed) {
        await this.#feed.close();
        if (this.#streams) await this.#feed.startStreams(next, now);
        this.#o.onEvent?.({ kind: "universe", symbols: next });
      }
    } catch (e) {
      this.#logger.log("warn", "the universe could not be refreshed; keeping the current one", { error: messageOf(e) });
    }
  }
}

function learningSummary(u: NonNullable<LearningAgent["lastUpdate"]>): LearningReport {
  const m = u.metrics;
  return {
    time: new Date(u.time).toISOString(),
    closedTrades: u.closedTrades,
    enough: m.enough,
    winRate: m.winRate,
    expectancyR: m.expectancyR,
    profitFactor: m.profitFactor,
    maxDrawdownPct: m.maxDrawdown.pct,
    knowledgeObservations: u.knowledgeObservations,
    hypotheses: u.hypotheses,
    exports: u.files,
  };
}

function paperSummary(desk: PaperDesk): PaperReport {
  const closed = desk.closedTrades();
  const count = (o: string) => closed.filter((t) => t.outcome === o).length;
  return {
    open: desk.openTrades().map((t) => ({
      tradeId: t.tradeId,
      symbol: t.symbol,
      direction: t.direction,
      entryPrice: t.entryPrice,
      stopLoss: t.stopLoss,
      targetsHit: t.targetsHit,
      entryTime: new Date(t.entryTime).toISOString(),
    })),
    pendingEntries: desk.pending().length,
    closedThisRun: closed.length,
    wins: count("WIN"),
    losses: count("LOSS"),
    breakevens: count("BREAKEVEN"),
    netPnl: Math.round(closed.reduce((a, t) => a + t.pnl, 0) * 100) / 100,
    skippedSignals: desk.skipped().length,
  };
}

/** How often the analysis runs: every close of the finest interval it analyses (the base or a momentum timeframe). */
export function analysisCycleMs(options: SymbolAnalysisOptions): number {
  const analysed: Interval[] = [options.baseInterval, ...(options.momentum.timeframes ?? [])];
  return Math.min(...analysed.map((i) => intervalMs(i)));
}

/**
 * When a replay from `from` to `to` analyses: at `from` (start) and then at every cycle boundary up to `to`, settled
 * by `settleMs` — the analysis task's schedule.
 */
export function replayAnalysisTimes(from: number, to: number, cycleMs: number, settleMs = 0): number[] {
  const times = [from];
  for (let t = nextBoundary(from, cycleMs) + settleMs; t <= to; t = nextBoundary(t - settleMs, cycleMs) + settleMs) {
    times.push(t);
  }
  return times;
}

/** The first multiple of `every` (since the epoch) strictly after `t`. */
export function nextBoundary(t: number, every: number): number {
  return Math.floor(t / every) * every + every;
}
