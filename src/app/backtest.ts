/**
 * Backtests on the same pipeline: stored history replayed through the orchestrator, the agents, synthesis and the
 * paper desk under a simulated clock — the code `cma run` runs live, with the clock moved from one due task to the
 * next instead of waited for. Nothing is fetched: the store must hold the history (`cma download` / `cma import`).
 *
 * No lookahead: every read goes through the market view at the clock's now, so a trade opened before T is the same
 * whether the store ends at T or a month later (test/app/backtest.test.ts checks this on real data). Trades still open
 * at `to` are closed at the last close (`end_of_data`) so the statistics cover every trade.
 */
import type { AnyAgent } from "../agents/agent.js";
import { SimulatedClock } from "../core/clock.js";
import type { Config } from "./config.js";
import { UsageError } from "../core/errors.js";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";
import { type BreakdownRow, breakdown } from "../learning/breakdowns.js";
import { computeMetrics, type TradeMetrics } from "../learning/metrics.js";
import type { PaperBrokerOptionsInput } from "../learning/paper-broker-options.js";
import type { PaperTrade } from "../learning/paper-trade.js";
import { toTradeResult } from "../learning/paper-trade-store.js";
import type { CandleStore } from "../market/candle-store.js";
import { ReplayExchange } from "../market/replay-exchange.js";
import type { Signal } from "../signals/signal.js";
import { agentOptionsFromConfig } from "./agent-options.js";
import { analysisCycleMs, nextBoundary, replayAnalysisTimes } from "./orchestrator/index.js";
import { ParallelAnalyses, type ParallelAnalysesStats } from "./parallel-analysis.js";
import { composeSystem, type System } from "./system.js";

export interface BacktestParams {
  readonly store: CandleStore;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly config: Config;
  readonly symbols: readonly string[];
  readonly from: number;
  readonly to: number;
  readonly broker: PaperBrokerOptionsInput;
  /** The analysis agents (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
  readonly startingEquity?: number;
  readonly signal?: AbortSignal | undefined;
  /** Called after every analysis cycle with the simulated time reached. */
  readonly onProgress?: ((time: number) => void) | undefined;
  /**
   * Threads that analyse the symbols, this one included (default 1: all on this thread); the others are worker
   * threads that compute their symbols' analyses ahead. The signals and trades are the same whatever the number.
   * Needs a candle database in a file and the registry's agents; with fewer than two symbols there is nothing to
   * spread.
   */
  readonly workers?: number | undefined;
  /**
   * Leave out the analyses that cannot signal (the exact pre-filter, src/signals/screen.ts; default true). The
   * signals and trades are the same either way; false makes every analysis, to measure or to check that.
   */
  readonly prefilter?: boolean | undefined;
  /**
   * Run the learning agent's periodic update (knowledge base, hypotheses) as a live run does, once a simulated day
   * (default false: nothing in the result reads it). The signals and trades are the same either way.
   */
  readonly learningUpdates?: boolean | undefined;
}

export interface BacktestResult {
  readonly from: number;
  readonly to: number;
  readonly symbols: readonly string[];
  readonly cycles: number;
  readonly signals: readonly Signal[];
  /** Every trade, closed (those open at `to` closed at the last price, exit reason end_of_data). */
  readonly trades: readonly PaperTrade[];
  readonly metrics: TradeMetrics;
  readonly perSymbol: readonly BreakdownRow[];
  readonly perMonth: readonly BreakdownRow[];
  /** Symbol analyses per wall-clock second (all agents and synthesis), for the record. */
  readonly analysesPerSecond: number;
  readonly wallMs: number;
  readonly aborted: boolean;
  /** How the analyses were spread over worker threads; null when they all ran on the main thread. */
  readonly parallel: ParallelAnalysesStats | null;
  /** Symbol analyses the pre-filter left out (they could not signal): counted in analysesPerSecond all the same. */
  readonly screenedOut: number;
}

/**
 * The analysis times whose analyses the learning agent reads: it updates at `from` and at every multiple of
 * `everyMs` up to `to`, each time with the latest analyses, i.e. those of the last analysis time at or before it.
 */
export function learningReadTimes(times: readonly number[], from: number, to: number, everyMs: number): number[] {
  const out = new Set<number>();
  let i = 0;
  for (let t = from; t <= to; t = nextBoundary(t, everyMs)) {
    while (i + 1 < times.length && times[i + 1]! <= t) i++;
    if (times[i] !== undefined && times[i]! <= t) out.add(times[i]!);
  }
  return [...out];
}

/** The threads a backtest can use: one per symbol at most, none without a database file or with own agents. */
export function backtestWorkers(p: Pick<BacktestParams, "workers" | "store" | "agents" | "symbols">): number {
  const asked = p.workers ?? 1;
  if (!Number.isInteger(asked) || asked < 1) {
    throw new UsageError(`--workers ${String(asked)} is not valid; use a whole number ≥ 1.`);
  }
  if (p.agents !== undefined || p.store.db.memory) return 1;
  return Math.min(asked, p.symbols.length);
}

export async function runBacktest(p: BacktestParams): Promise<BacktestResult> {
  if (!(p.to > p.from)) {
    throw new UsageError(
      `The backtest period is empty: --to (${new Date(p.to).toISOString()}) is not after --from (${new Date(p.from).toISOString()}).`,
      { hint: "Give a --to later than --from." },
    );
  }
  const wall0 = performance.now();
  // The learning agent's full update (knowledge base, hypotheses) matters for the live exports, not for a
  // backtest's result, which reads none of it: off unless asked for, and then once a simulated day is plenty. Its
  // insights for synthesis are always current.
  const la = p.config.learning_agent;
  const learningUpdates = p.learningUpdates === true;
  const config: Config = {
    ...p.config,
    learning_agent: { ...la, update_interval: Math.max(la.update_interval, 86_400) },
  };
  const clock = new SimulatedClock(p.from);
  const exchange = new ReplayExchange({ store: p.store, clock, exchange: p.exchange, market: p.market });
  const signals: Signal[] = [];
  const threads = backtestWorkers(p);
  let parallel: ParallelAnalyses | undefined;
  const times = replayAnalysisTimes(p.from, p.to, analysisCycleMs(agentOptionsFromConfig(config)));
  // The analyses the learning updates read must all be made (the pre-filter leaves them alone then).
  const fullAt = learningUpdates
    ? learningReadTimes(times, p.from, p.to, config.learning_agent.update_interval * 1000)
    : [];
  if (threads > 1) {
    parallel = new ParallelAnalyses({
      dbPath: p.store.db.name,
      exchange: p.exchange,
      market: p.market,
      config,
      symbols: p.symbols,
      times,
      fullAt,
      prefilter: p.prefilter !== false,
      threads,
    });
  }
  let cycles = 0;
  let analyses = 0;
  let screenedOut = 0;
  // The learning agent learns as it goes, from trades closed by the simulated now: the same insights as live.
  // Backtests never write live reports: the caller writes the backtest's own report.
  let system: System;
  try {
    system = composeSystem({
      mode: "replay",
      agents: p.agents,
      exchange,
      store: p.store,
      clock,
      config,
      marketData: "stored",
      symbols: p.symbols,
      paper: { kind: "memory", broker: p.broker },
      learning: { exportDir: null, updates: learningUpdates },
      reports: false,
      yieldEveryMs: 5,
      analysisSource: parallel,
      prefilter: p.prefilter === false ? undefined : { fullAt: new Set(fullAt) },
      onSignal: (s) => signals.push(s),
      onEvent: (e) => {
        if (e.kind !== "cycle") return;
        cycles++;
        // With worker threads, analyses that cannot signal are among the outcomes only.
        const { outcomes, analyses: done } = e.pass;
        analyses += done.size + outcomes.filter((o) => o.error === null && !done.has(o.symbol)).length;
        screenedOut += outcomes.filter((o) => o.screened).length;
      },
    });
  } catch (e) {
    await parallel?.close();
    throw e;
  }
  const { orchestrator } = system;
  try {
    const info = await orchestrator.start(p.signal);
    signals.push(...info.firstSignals.map((f) => f.signal));
    await orchestrator.replayUntil(clock, p.to, p.signal, p.onProgress);
    // The desk applies candles at the start of a cycle: one last step takes those that closed by `to`.
    clock.set(Math.max(clock.now(), p.to));
    orchestrator.desk?.step();
    orchestrator.desk?.closeAll("end_of_data");
  } finally {
    await orchestrator.stop();
    await exchange.close();
    await parallel?.close();
  }
  const trades = [...(orchestrator.desk?.closedTrades() ?? [])].sort((a, b) => a.entryTime - b.entryTime);
  const results = trades.map(toTradeResult);
  const minTrades = p.config.learning_agent.min_trades_before_learning;
  const opts = { minTrades, ...(p.startingEquity === undefined ? {} : { startingEquity: p.startingEquity }) };
  const wallMs = performance.now() - wall0;
  return {
    from: p.from,
    to: p.to,
    symbols: [...p.symbols],
    cycles,
    signals,
    trades,
    metrics: computeMetrics(results, { ...opts, from: p.from, to: p.to }),
    perSymbol: breakdown(results, (t) => t.symbol, { minTrades }),
    perMonth: breakdown(results, (t) => new Date(t.entryTime).toISOString().slice(0, 7), { minTrades }).sort((a, b) =>
      a.key.localeCompare(b.key),
    ),
    analysesPerSecond: Math.round(analyses / Math.max(wallMs / 1000, 1e-3)),
    wallMs: Math.round(wallMs),
    aborted: p.signal?.aborted === true,
    parallel: parallel?.stats ?? null,
    screenedOut,
  };
}
