/**
 * The learning agent of the running system: every `learning_agent.update_interval` it reads the closed paper trades,
 * computes the performance metrics and the strategy analysis, rebuilds the knowledge base, proposes and tests
 * hypotheses, and writes its four JSON exports to data_dir (atomically). Between updates it answers synthesis:
 * the insight for a setup from the similar trades seen so far (nothing below min_trades_before_learning).
 * All the statistics are the pure functions of src/learning; this class only schedules, stores and exports.
 */
import type { Config } from "../config.js";
import type { SymbolAnalysis } from "../../agents/symbol-analysis.js";
import { strategyAnalysis } from "../../learning/breakdowns.js";
import { exportJson, exportPaperTrades, exportPerformanceMetrics } from "../../learning/exports.js";
import { evaluateHypotheses, type Hypothesis, proposeHypotheses } from "../../learning/hypotheses.js";
import { learningInsight } from "../../learning/insights.js";
import { buildKnowledge, observationsOf } from "../../learning/knowledge.js";
import type { LearningStateStore } from "../../learning/learning-state.js";
import { computeMetrics, type TradeMetrics } from "../../learning/metrics.js";
import type { PaperTrade } from "../../learning/paper-trade.js";
import { SIGNAL_TYPES, setupContext, type TradeSetup, tradeContext } from "../../learning/setup-context.js";
import { INTERVALS } from "../../core/interval.js";
import { type InsightCeiling, NO_INSIGHT } from "../../signals/learning-insight.js";
import type { Direction } from "../../signals/signal.js";
import { type SynthesisOptions, synthesizeSignal } from "../../signals/synthesis.js";
import type { InsightProvider } from "./analysis-cycle.js";

export interface LearningAgentOptions {
  readonly config: Config;
  readonly synthesis: SynthesisOptions;
  readonly run: string;
  /** Every trade of the run (open and closed), e.g. from the paper trade store. */
  readonly trades: () => readonly PaperTrade[];
  /** Where the hypotheses under test are kept between runs; absent: in memory only (backtests). */
  readonly state?: LearningStateStore | undefined;
  /** Where the exports go; null: none (backtests write their own report). */
  readonly exportDir: string | null;
}

export interface LearningUpdate {
  readonly time: number;
  readonly closedTrades: number;
  readonly metrics: TradeMetrics;
  readonly knowledgeObservations: number;
  readonly hypotheses: { readonly testing: number; readonly confirmed: number; readonly rejected: number };
  readonly files: readonly string[];
}

const HYPOTHESES_KEY = "hypotheses";

export class LearningAgent {
  readonly #o: LearningAgentOptions;
  /** The synthesis options at any confidence: the setup a below-threshold analysis would be (built once). */
  readonly #anyConfidence: SynthesisOptions;
  #history: TradeSetup[] = [];
  #historyIds = "";
  #readAt: number | undefined;
  #setupsFor: { ids: string; byDirection: Map<Direction, { neutral: boolean; ceiling: InsightCeiling }> } = {
    ids: "",
    byDirection: new Map(),
  };
  #hypotheses: Hypothesis[];
  #last: LearningUpdate | undefined;

  constructor(o: LearningAgentOptions) {
    this.#o = o;
    this.#anyConfidence = { ...o.synthesis, min_confidence: 0 };
    this.#hypotheses = o.state?.get<Hypothesis[]>(o.run, HYPOTHESES_KEY) ?? [];
    this.#refresh();
  }

  get lastUpdate(): LearningUpdate | undefined {
    return this.#last;
  }

  /**
   * Closed trades, as learning contexts. Read once per analysis instant: trades close only when the paper desk steps,
   * before the analyses of a cycle, so every symbol of a pass shares one read (live, `trades()` is a database query).
   */
  #refresh(at?: number): readonly TradeSetup[] {
    if (at !== undefined && at === this.#readAt) return this.#history;
    this.#readAt = at;
    const closed = this.#o.trades().filter((t) => t.status === "CLOSED");
    const ids = `${closed.length}:${closed.at(-1)?.tradeId ?? ""}`;
    if (ids !== this.#historyIds) {
      this.#history = closed.map(tradeContext);
      this.#historyIds = ids;
    }
    return this.#history;
  }

  /**
   * For synthesis: the insight for the setup `analysis` shows, judged on the similar closed trades. The setup is what
   * synthesis would emit at any confidence (direction, signal type, zone timeframe), so a weak setup is judged by its
   * own history too.
   */
  readonly insight: InsightProvider = (analysis, withoutLearning) => {
    const direction = withoutLearning.signal ? withoutLearning.signal.direction : withoutLearning.direction;
    if (direction === null) return null;
    const history = this.#refresh(analysis.time);
    const la = this.#o.config.learning_agent;
    if (history.length < la.min_trades_before_learning) return null;
    // Below the threshold, an insight that adds 0 and multiplies by 1 changes nothing — not the signal (none), not
    // the confidence, not the reason. When every setup of this direction would get such an insight, finding out
    // which setup this one is (a whole provisional synthesis) is skipped.
    if (withoutLearning.signal === null && this.#neutral(direction)) return null;
    const provisional = withoutLearning.signal ?? synthesizeSignal(analysis, this.#anyConfidence, null).signal;
    if (!provisional) return null;
    return learningInsight(history, setupContext(provisional), provisional.direction, this.#insightOptions());
  };

  #insightOptions() {
    const la = this.#o.config.learning_agent;
    return { minTrades: la.min_trades_before_learning, weight: this.#o.synthesis.weights.learning };
  }

  /**
   * For the exact pre-filter: the most any setup of `direction` could get from its insight at `time` (NO_INSIGHT's
   * 0 and 1 included; see InsightCeiling), from the same closed trades the insight reads then.
   */
  readonly insightCeiling = (direction: Direction, time: number): InsightCeiling => {
    const history = this.#refresh(time);
    if (history.length < this.#o.config.learning_agent.min_trades_before_learning) return NO_INSIGHT;
    return this.#setups(direction).ceiling;
  };

  /**
   * True when the similar trades of every setup in `direction` (each signal type with each zone timeframe or none)
   * give an insight that leaves the score as it is.
   */
  #neutral(direction: Direction): boolean {
    return this.#setups(direction).neutral;
  }

  /** What the insights of every setup in `direction` amount to. Worked out once per change of the closed trades. */
  #setups(direction: Direction): { neutral: boolean; ceiling: InsightCeiling } {
    if (this.#setupsFor.ids !== this.#historyIds) this.#setupsFor = { ids: this.#historyIds, byDirection: new Map() };
    let found = this.#setupsFor.byDirection.get(direction);
    if (found === undefined) {
      let neutral = true;
      let adjust = NO_INSIGHT.adjust;
      let multiplier = NO_INSIGHT.multiplier;
      const options = this.#insightOptions();
      for (const signalType of SIGNAL_TYPES) {
        for (const zoneTimeframe of [null, ...INTERVALS]) {
          const i = learningInsight(this.#history, { signalType, zoneTimeframe }, direction, options);
          if (i === null) continue;
          if (i.confidenceAdjustment !== 0 || i.contextMultiplier !== 1) neutral = false;
          adjust = Math.max(adjust, i.confidenceAdjustment);
          multiplier = Math.max(multiplier, i.contextMultiplier);
        }
      }
      found = { neutral, ceiling: { adjust, multiplier } };
      this.#setupsFor.byDirection.set(direction, found);
    }
    return found;
  }

  /** One learning cycle at `now`; `analyses` are the latest per symbol (their levels feed the knowledge base). */
  update(now: number, analyses: ReadonlyMap<string, SymbolAnalysis>): LearningUpdate {
    const all = this.#o.trades();
    const history = this.#refresh();
    const la = this.#o.config.learning_agent;
    const minTrades = la.min_trades_before_learning;
    const startingEquity = this.#o.config.paper_trading.starting_equity;
    const metrics = computeMetrics(history, { minTrades, startingEquity });
    const from = history.length > 0 ? Math.min(...history.map((t) => t.entryTime)) : now;
    const knowledgeBase = buildKnowledge(
      history,
      { symbols: [...analyses.values()].map(observationsOf) },
      { period: { from, to: now }, minTrades },
    );
    const proposed = proposeHypotheses(history, { now, minTrades, existing: this.#hypotheses });
    const evaluated = evaluateHypotheses([...this.#hypotheses, ...proposed], history, {
      now,
      minSampleSize: la.min_sample_size,
    });
    this.#hypotheses = evaluated.hypotheses;
    this.#o.state?.put(this.#o.run, HYPOTHESES_KEY, this.#hypotheses);
    const count = (s: Hypothesis["status"]) => this.#hypotheses.filter((h) => h.status === s).length;
    const files: string[] = [];
    const dir = this.#o.exportDir;
    if (dir !== null) {
      const meta = { run: this.#o.run, generatedAt: now };
      files.push(exportPaperTrades(dir, all, meta));
      files.push(exportPerformanceMetrics(dir, metrics, { ...meta, startingEquity }));
      files.push(
        exportJson(
          dir,
          "strategy_analysis.json",
          { ...strategyAnalysis(history, { minTrades, startingEquity }) },
          meta,
        ),
      );
      files.push(
        exportJson(
          dir,
          "agent_knowledge.json",
          {
            ...knowledgeBase,
            hypotheses: this.#hypotheses,
            hypothesis_log: evaluated.log,
          },
          meta,
        ),
      );
    }
    this.#last = {
      time: now,
      closedTrades: history.length,
      metrics,
      knowledgeObservations: knowledgeBase.observations,
      hypotheses: { testing: count("testing"), confirmed: count("confirmed"), rejected: count("rejected") },
      files,
    };
    return this.#last;
  }
}
