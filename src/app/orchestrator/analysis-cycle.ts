/**
 * One analysis pass over the universe: for each symbol, the agents' analysis as of the view's now, then signal
 * synthesis, then the cooldown. One symbol's failure (too little history, damaged data, a bug in one agent's maths
 * on odd candles) is recorded and the others go on. The pass yields to the event loop between symbols, so streams,
 * timers and Ctrl-C are served while a large universe is analysed.
 */
import { setImmediate as yieldToLoop } from "node:timers/promises";
import type { AnyAgent } from "../../agents/agent.js";
import {
  type AgentTimings,
  analysisAgents,
  analyzeSymbol,
  screenSymbol,
  type SymbolAnalysis,
  type SymbolAnalysisOptions,
} from "../../agents/symbol-analysis.js";
import type { MarketView } from "../../market/market-view.js";
import type { InsightCeiling, LearningInsight } from "../../signals/learning-insight.js";
import { cannotReach, type EvidenceCeilings, evidenceCeilings } from "../../signals/screen.js";
import type { Direction, Signal } from "../../signals/signal.js";
import {
  type SignalCooldown,
  type SynthesisOptions,
  type SynthesisResult,
  synthesizeSignal,
} from "../../signals/synthesis.js";
import { messageOf } from "./agent-status.js";

/**
 * The learning agent's view of a setup. Called with the analysis and the synthesis result without learning (which
 * fixes the direction and the evidence); returns the insight for similar past setups, or null while it knows too
 * little.
 */
export type InsightProvider = (analysis: SymbolAnalysis, withoutLearning: SynthesisResult) => LearningInsight | null;

export interface SymbolOutcome {
  readonly symbol: string;
  /** The emitted signal (after the cooldown). */
  readonly signal: Signal | null;
  /** Why there is no signal: synthesis's reason, the cooldown, or the error. Null when a signal was emitted. */
  readonly reason: string | null;
  readonly confidence: number;
  readonly direction: "LONG" | "SHORT" | null;
  readonly error: string | null;
  /** Parts of the analysis that had no result (e.g. order flow on spot candles without taker volume). */
  readonly unavailable: readonly string[];
  /** True when the pre-filter left the analysis out (it could not signal); its unavailable parts are then unknown. */
  readonly screened?: true;
}

export interface AnalysisPass {
  readonly time: number;
  readonly outcomes: readonly SymbolOutcome[];
  readonly signals: readonly Signal[];
  /**
   * Analyses that completed, keyed by symbol (the orchestrator keeps the latest for reports and learning); without
   * those a source reported as unable to signal (NoSignal), which are among the outcomes only.
   */
  readonly analyses: ReadonlyMap<string, SymbolAnalysis>;
  readonly aborted: boolean;
  /** Milliseconds each agent spent over the pass, by agent name. */
  readonly agentMs: ReadonlyMap<string, number>;
  /** Milliseconds synthesis (with the learning insight and the cooldown) spent over the pass. */
  readonly synthesisMs: number;
}

export interface AnalysisPassParams {
  readonly view: MarketView;
  readonly symbols: readonly string[];
  readonly options: SymbolAnalysisOptions;
  readonly synthesis: SynthesisOptions;
  readonly cooldown: SignalCooldown;
  readonly insight?: InsightProvider | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Back to the event loop between symbols once this many ms of work have passed (default 0: after every symbol).
   * A backtest serves nothing meanwhile, and yielding after every symbol cost it a tenth of its time.
   */
  readonly yieldEveryMs?: number | undefined;
  /**
   * The analyses of earlier passes, kept by the caller from pass to pass: a symbol whose inputs have not changed since
   * (the view's revision() is the same, and so are the options) is not analysed again — its analysis is the earlier
   * one at the new time. With the default 15m cycle over 1h candles, three passes in four see nothing new.
   */
  readonly memory?: AnalysisMemory | undefined;
  /** Called for each emitted signal as soon as it exists (cards appear while the pass goes on). */
  readonly onSignal?: ((signal: Signal, analysis: SymbolAnalysis) => void) | undefined;
  /**
   * Analyses computed elsewhere (a backtest's worker threads), asked first for each symbol; when it has none for the
   * symbol at this time, the analysis is computed here as usual.
   */
  readonly source?: AnalysisSource | undefined;
  /**
   * The exact pre-filter (src/signals/screen.ts): a symbol whose analysis cannot signal, as its cheap part shows
   * whatever the learning agent could add, is not analysed; its outcome says so. For backtests and trials, where
   * nothing but the signals reads the analyses (live passes make every analysis: the reports show them).
   */
  readonly prefilter?: Prefilter | undefined;
}

export interface Prefilter {
  /** The learning agent's InsightCeiling for a direction at a time (NO_INSIGHT without a learning agent). */
  readonly insight: (direction: Direction, time: number) => InsightCeiling;
  /** Times whose whole analyses are needed all the same (the learning agent reads the latest ones then). */
  readonly fullAt?: ReadonlySet<number> | undefined;
}

/**
 * A symbol's analysis (or the error it failed with) at one time, computed outside the pass, with the time each agent
 * took. It must be what analyzeSymbol on this view would give: the same function of the same stored candles.
 */
export type PrecomputedAnalysis =
  | { readonly analysis: SymbolAnalysis; readonly agentMs: Readonly<Record<string, number>> }
  | { readonly error: string }
  | { readonly cannotSignal: NoSignal; readonly agentMs: Readonly<Record<string, number>> }
  | { readonly screened: EvidenceCeilings; readonly agentMs: Readonly<Record<string, number>> };

/**
 * What is left of an analysis that no learning insight can turn into a signal (cannotSignal in synthesis): its
 * synthesis without learning. Its outcome has that reason and confidence (with an insight they might read
 * differently; the signal, none, is the same), and it is not among the pass's analyses.
 */
export interface NoSignal {
  readonly reason: string;
  readonly confidence: number;
  readonly direction: "LONG" | "SHORT" | null;
  readonly unavailable: readonly string[];
}

export interface AnalysisSource {
  /** The symbol's analysis at `time`, or undefined when this source has none (the pass then computes it). */
  take(symbol: string, time: number): Promise<PrecomputedAnalysis | undefined>;
}

/** What analyzeUniverse remembers of each symbol's last analysis. */
export type AnalysisMemory = Map<string, Remembered>;

/**
 * A symbol's last analysis, or, when the pre-filter left it out, its screen's evidence ceilings: all the pre-filter
 * needs to decide again while nothing has changed (the learning agent's ceiling may have).
 */
export type Remembered =
  | { readonly revision: string; readonly options: SymbolAnalysisOptions; readonly analysis: SymbolAnalysis }
  | { readonly revision: string; readonly options: SymbolAnalysisOptions; readonly screen: EvidenceCeilings };

/**
 * The evidence ceilings of the symbol's screen at the view's now: the remembered ones when nothing it read has
 * changed, else a new screen's (then remembered); null when its whole analysis is remembered (that costs nothing).
 */
export function rememberedScreen(
  view: MarketView,
  symbol: string,
  options: SymbolAnalysisOptions,
  synthesis: SynthesisOptions,
  memory: AnalysisMemory | undefined,
  timings: AgentTimings,
): EvidenceCeilings | null {
  const revision = memory ? view.revision?.(symbol) : undefined;
  const last = memory?.get(symbol);
  if (revision !== undefined && last !== undefined && last.revision === revision && last.options === options) {
    return "analysis" in last ? null : last.screen;
  }
  const ceilings = evidenceCeilings(screenSymbol(view, symbol, options, timings), synthesis);
  if (revision !== undefined) memory!.set(symbol, { revision, options, screen: ceilings });
  return ceilings;
}

export async function analyzeUniverse(p: AnalysisPassParams): Promise<AnalysisPass> {
  const time = p.view.now();
  const outcomes: SymbolOutcome[] = [];
  const signals: Signal[] = [];
  const analyses = new Map<string, SymbolAnalysis>();
  const timings: AgentTimings = new Map();
  const agents = analysisAgents(p.options);
  for (const a of agents) timings.set(a.name, 0);
  const synthesis = { ms: 0 };
  let aborted = false;
  let lastYield = performance.now();
  for (const symbol of p.symbols) {
    if (p.signal?.aborted) {
      aborted = true;
      break;
    }
    const pre = p.source ? await p.source.take(symbol, time) : undefined;
    const o = analyzeOne(p, symbol, agents, timings, synthesis, pre);
    outcomes.push(o.outcome);
    if (o.analysis) analyses.set(symbol, o.analysis);
    if (o.outcome.signal) {
      signals.push(o.outcome.signal);
      p.onSignal?.(o.outcome.signal, o.analysis!);
    }
    if (performance.now() - lastYield >= (p.yieldEveryMs ?? 0)) {
      await yieldToLoop();
      lastYield = performance.now();
    }
  }
  return { time, outcomes, signals, analyses, aborted, agentMs: timings, synthesisMs: synthesis.ms };
}

function analyzeOne(
  p: AnalysisPassParams,
  symbol: string,
  agents: readonly AnyAgent[],
  timings: AgentTimings,
  synthesis: { ms: number },
  given: PrecomputedAnalysis | undefined,
): { outcome: SymbolOutcome; analysis: SymbolAnalysis | null } {
  let pre = given;
  let analysis: SymbolAnalysis;
  if (pre !== undefined && "error" in pre) {
    p.memory?.delete(symbol);
    return { outcome: failed(symbol, pre.error), analysis: null };
  }
  if (pre !== undefined && "cannotSignal" in pre) {
    addTimings(timings, pre.agentMs);
    return { outcome: { symbol, signal: null, error: null, ...pre.cannotSignal }, analysis: null };
  }
  if (pre !== undefined && "screened" in pre) {
    // Screened elsewhere: left out here if the learning agent's ceiling now rules it out, else analysed here.
    addTimings(timings, pre.agentMs);
    const f = prefilterNow(p);
    if (f !== null && cannotReach(pre.screened, p.synthesis, f))
      return { outcome: screenedOutcome(p, symbol), analysis: null };
    pre = undefined;
  }
  if (pre !== undefined) {
    analysis = pre.analysis;
    addTimings(timings, pre.agentMs);
  } else {
    try {
      const out = screened(p, symbol, timings);
      if (out !== null) return { outcome: out, analysis: null };
      analysis = rememberedAnalysis(p.view, symbol, p.options, p.memory, timings);
    } catch (e) {
      p.memory?.delete(symbol);
      return { outcome: failed(symbol, e), analysis: null };
    }
  }
  const unavailable = unavailableParts(analysis, agents);
  const t0 = performance.now();
  try {
    return synthesize(p, symbol, analysis, unavailable);
  } finally {
    synthesis.ms += performance.now() - t0;
  }
}

/** The learning agent's ceiling per direction at this pass's time, or null when the pre-filter is off now. */
function prefilterNow(p: AnalysisPassParams): ((d: Direction) => InsightCeiling) | null {
  const f = p.prefilter;
  const time = p.view.now();
  if (f === undefined || f.fullAt?.has(time)) return null;
  return (d) => f.insight(d, time);
}

/**
 * The outcome of a symbol the pre-filter leaves out, or null when its analysis is to be made: with no pre-filter, at
 * a time whose analyses are all needed, when the remembered analysis still holds (it costs nothing), or when its
 * screen shows that a signal is possible. Throws what the screen throws (too little history, like the analysis).
 */
function screened(p: AnalysisPassParams, symbol: string, timings: AgentTimings): SymbolOutcome | null {
  const insight = prefilterNow(p);
  if (insight === null) return null;
  const ceilings = rememberedScreen(p.view, symbol, p.options, p.synthesis, p.memory, timings);
  return ceilings !== null && cannotReach(ceilings, p.synthesis, insight) ? screenedOutcome(p, symbol) : null;
}

function screenedOutcome(p: AnalysisPassParams, symbol: string): SymbolOutcome {
  return {
    symbol,
    signal: null,
    reason: `no setup can reach min_confidence ${p.synthesis.min_confidence} (screened before the full analysis)`,
    confidence: 0,
    direction: null,
    error: null,
    unavailable: [],
    screened: true,
  };
}

/**
 * The symbol's analysis at the view's now: the remembered one, at this time, when nothing it read has changed — the
 * agents see only candles, which are the same, and `time` is the one field that depends on the instant itself.
 * Throws what analyzeSymbol throws (the caller forgets the symbol then).
 */
export function rememberedAnalysis(
  view: MarketView,
  symbol: string,
  options: SymbolAnalysisOptions,
  memory: AnalysisMemory | undefined,
  timings: AgentTimings,
): SymbolAnalysis {
  const revision = memory ? view.revision?.(symbol) : undefined;
  const now = view.now();
  if (revision !== undefined) {
    const last = memory!.get(symbol);
    if (last && last.revision === revision && last.options === options && "analysis" in last) {
      return last.analysis.time === now ? last.analysis : { ...last.analysis, time: now };
    }
  }
  const analysis = analyzeSymbol(view, symbol, options, timings);
  if (revision !== undefined) memory!.set(symbol, { revision, options, analysis });
  return analysis;
}

function synthesize(
  p: AnalysisPassParams,
  symbol: string,
  analysis: SymbolAnalysis,
  unavailable: readonly string[],
): { outcome: SymbolOutcome; analysis: SymbolAnalysis | null } {
  try {
    let r = synthesizeSignal(analysis, p.synthesis, null);
    const insight = p.insight && r.score !== 0 ? p.insight(analysis, r) : null;
    if (insight) r = synthesizeSignal(analysis, p.synthesis, insight);
    if (!r.signal) {
      return {
        outcome: {
          symbol,
          signal: null,
          reason: r.reason,
          confidence: r.confidence,
          direction: r.direction,
          error: null,
          unavailable,
        },
        analysis,
      };
    }
    const s = r.signal;
    if (!p.cooldown.admit(s)) {
      const mins = Math.ceil(p.cooldown.durationMs / 60_000);
      return {
        outcome: {
          symbol,
          signal: null,
          reason: `${s.direction} already announced within the last ${mins} min (cooldown)`,
          confidence: s.confidence,
          direction: s.direction,
          error: null,
          unavailable,
        },
        analysis,
      };
    }
    return {
      outcome: {
        symbol,
        signal: s,
        reason: null,
        confidence: s.confidence,
        direction: s.direction,
        error: null,
        unavailable,
      },
      analysis,
    };
  } catch (e) {
    return { outcome: { ...failed(symbol, e), unavailable }, analysis };
  }
}

function addTimings(timings: AgentTimings, ms: Readonly<Record<string, number>>): void {
  for (const [name, t] of Object.entries(ms)) timings.set(name, (timings.get(name) ?? 0) + t);
}

function failed(symbol: string, e: unknown): SymbolOutcome {
  return { symbol, signal: null, reason: null, confidence: 0, direction: null, error: messageOf(e), unavailable: [] };
}

/** The agent names (as in the status board) whose part of this analysis had no result. */
export function unavailableParts(a: SymbolAnalysis, agents: readonly AnyAgent[]): string[] {
  return agents.filter((agent) => agent.unavailable(a) !== null).map((agent) => agent.name);
}
