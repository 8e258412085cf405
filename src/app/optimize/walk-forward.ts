/**
 * Walk-forward optimisation on the live pipeline. For every fold (folds.ts): run every trial on the training window,
 * choose the best by the objective (objective.ts), then run the chosen trial and the current configuration on the
 * following test window, which the choice never saw. The test windows' trades, concatenated, are the honest record of
 * "re-optimise every test-window length" against "keep the current configuration".
 *
 * The parameters to adopt are chosen the same way on the latest training window ([to − train, to)), and
 * decideAdoption (adoption.ts) judges them on that out-of-sample record.
 *
 * Every backtest is a TrialTask on a TrialRunner (worker threads in practice). Identical tasks (same configuration
 * and window: the current config is trial 0 of the one-at-a-time design, and often the chosen one) run once. All
 * training runs are queued at once and each fold's test run as soon as its choice is known, so the workers stay busy.
 * Results never depend on the order tasks finish in.
 */
import type { Config } from "../config.js";
import { UsageError } from "../../core/errors.js";
import { DAY } from "../../core/interval.js";
import type { ExchangeId, MarketType } from "../../exchange/exchange.js";
import { computeMetrics, type TradeMetrics } from "../../learning/metrics.js";
import type { PaperTrade } from "../../learning/paper-trade.js";
import { toTradeResult } from "../../learning/paper-trade-store.js";
import { type AdoptionDecision, decideAdoption } from "./adoption.js";
import { type Fold, walkForwardFolds } from "./folds.js";
import {
  defaultMinTrades,
  pickBest,
  scoreTrades,
  summarizeTrades,
  type TradeSummary,
  type TrialScore,
} from "./objective.js";
import { type Assignment, applyAssignment, type Trial, valueAt } from "./param-space.js";
import { type TrialOutcome, type TrialRunner, type TrialTask, taskKey } from "./trial.js";

export interface WalkForwardParams {
  /** The current configuration: the baseline, and what every trial changes. */
  readonly config: Config;
  /** From trialsFor / oneAtATimeTrials / gridTrials. */
  readonly trials: readonly Trial[];
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly symbols: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly trainDays: number;
  readonly testDays: number;
  /** Trades a trial needs on a training window; default: defaultMinTrades from learning_agent.min_sample_size. */
  readonly minTrades?: number | undefined;
  /** Significance level of the adoption test (default 0.05). */
  readonly alpha?: number | undefined;
  readonly startingEquity?: number | undefined;
  readonly runner: TrialRunner;
  readonly signal?: AbortSignal | undefined;
  /** Called after every finished backtest; `total` can shrink when a task turns out to repeat an earlier one. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
}

export interface TrialInfo {
  readonly index: number;
  readonly label: string;
  readonly assignment: Assignment;
  /** Why the configuration schema rejects this combination; such a trial is never run. Null when valid. */
  readonly invalid: string | null;
}

export interface TrialResult extends TrialScore {
  readonly index: number;
  /** The backtest's error when it failed (its score is then null: never chosen). */
  readonly error: string | null;
}

/** A window's run of one configuration. */
export interface WindowResult extends TradeSummary {
  readonly trades: readonly PaperTrade[];
  readonly error: string | null;
}

export interface Selection {
  readonly trainFrom: number;
  readonly trainTo: number;
  /** Every valid trial's score on the training window, in trial order. */
  readonly trials: readonly TrialResult[];
  /** Index of the best trial, or null when no trial had enough trades (the current config is kept). */
  readonly chosen: number | null;
  readonly chosenLabel: string;
}

export interface FoldResult extends Selection {
  readonly index: number;
  readonly testFrom: number;
  readonly testTo: number;
  readonly inSample: { readonly chosen: TrialScore | null; readonly baseline: TrialScore };
  readonly outOfSample: { readonly chosen: WindowResult; readonly baseline: WindowResult };
}

export interface OutOfSampleRecord extends TradeSummary {
  /** Statistics of the concatenated test-window trades (minTrades = learning_agent.min_sample_size). */
  readonly metrics: TradeMetrics;
}

export interface OptimizationResult {
  readonly from: number;
  readonly to: number;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly symbols: readonly string[];
  readonly trainDays: number;
  readonly testDays: number;
  /** Trades a trial needed on a training window. */
  readonly minTrades: number;
  /** learning_agent.min_sample_size: out-of-sample trades the adoption rule needs. */
  readonly minSampleSize: number;
  /** The end of the period no test window covers (shorter than one test window), or null. */
  readonly uncovered: { readonly from: number; readonly to: number } | null;
  readonly trials: readonly TrialInfo[];
  /** The current value of every key the trials set. */
  readonly current: Readonly<Record<string, unknown>>;
  readonly folds: readonly FoldResult[];
  /** The test windows end to end: the re-optimised choices against the current configuration. */
  readonly outOfSample: { readonly chosen: OutOfSampleRecord; readonly baseline: OutOfSampleRecord };
  /** The choice on the latest training window: the candidate for adoption. */
  readonly latest: Selection;
  readonly adoption: AdoptionDecision & { readonly candidateLabel: string | null };
  /** Distinct backtests run, and how many of them failed. */
  readonly backtests: number;
  readonly failures: number;
  readonly wallMs: number;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("Aborted", "AbortError");
}

/** Runs the walk-forward optimisation; rejects with the abort reason when `signal` aborts. */
export async function runWalkForward(p: WalkForwardParams): Promise<OptimizationResult> {
  const wall0 = performance.now();
  if (p.trials.length === 0) throw new UsageError("No trials to run; the parameter space gave none.");
  if (p.symbols.length === 0) throw new UsageError("No symbols to optimise on; give --symbols.");
  const plan = walkForwardFolds({ from: p.from, to: p.to, trainDays: p.trainDays, testDays: p.testDays });
  const folds = plan.folds;
  const minSampleSize = p.config.learning_agent.min_sample_size;
  const minTrades = p.minTrades ?? defaultMinTrades(minSampleSize, p.trainDays, folds.length * p.testDays);
  if (!Number.isInteger(minTrades) || minTrades < 1) {
    throw new UsageError(`--min-trades ${String(minTrades)} is not valid; use a whole number ≥ 1.`);
  }

  const infos: TrialInfo[] = [];
  const configs = new Map<number, Config>();
  for (const t of p.trials) {
    const applied = applyAssignment(p.config, t.assignment);
    infos.push({
      index: t.index,
      label: t.label,
      assignment: t.assignment,
      invalid: applied.ok ? null : applied.reason,
    });
    if (applied.ok) configs.set(t.index, applied.config);
  }
  const infoOf = new Map(infos.map((i) => [i.index, i]));
  if (infoOf.size !== infos.length) throw new UsageError("Trial indexes must be distinct.");
  if (configs.size === 0) {
    throw new UsageError(`Every trial is an invalid configuration; the first: ${infos[0]?.invalid ?? ""}`, {
      hint: "Choose values the configuration allows (see config.example.yaml).",
    });
  }

  // ---------- task bookkeeping: each distinct backtest runs once ----------
  const cache = new Map<string, Promise<TrialOutcome>>();
  let done = 0;
  let failures = 0;
  // Test runs not requested yet (two per fold): part of the progress total until they are.
  let pendingTests = folds.length * 2;
  const progress = () => p.onProgress?.(done, cache.size + pendingTests);
  const run = (config: Config, from: number, to: number): Promise<TrialOutcome> => {
    const fields = {
      config,
      exchange: p.exchange,
      market: p.market,
      symbols: p.symbols,
      from,
      to,
      ...(p.startingEquity === undefined ? {} : { startingEquity: p.startingEquity }),
    };
    const key = taskKey(fields);
    let pending = cache.get(key);
    if (!pending) {
      const task: TrialTask = { key, ...fields };
      pending = p.runner.run(task, p.signal).then((o) => {
        done++;
        if (!o.ok) failures++;
        progress();
        return o;
      });
      // Marks the rejection (abort) handled here; whoever awaits the promise still sees it.
      pending.catch(() => {});
      cache.set(key, pending);
    }
    return pending;
  };
  const runTest = (config: Config, fold: Fold) => {
    pendingTests--;
    const r = run(config, fold.testFrom, fold.testTo);
    progress();
    return r;
  };

  const select = async (trainFrom: number, trainTo: number): Promise<Selection> => {
    const outcomes = await Promise.all(
      [...configs].map(async ([index, c]) => [index, await run(c, trainFrom, trainTo)] as const),
    );
    const trials: TrialResult[] = outcomes.map(([index, o]) => {
      if (!o.ok) {
        return {
          index,
          ...summarizeTrades([]),
          score: null,
          reason: `failed: ${o.error}`,
          error: o.error,
        };
      }
      return { index, ...scoreTrades(o.run.trades, minTrades), error: null };
    });
    const chosen = pickBest(trials.map((t) => ({ index: t.index, score: t })));
    const chosenLabel =
      chosen === null ? "current config (no trial had enough trades)" : (infoOf.get(chosen)?.label ?? "");
    return { trainFrom, trainTo, trials, chosen, chosenLabel };
  };

  const windowResult = (o: TrialOutcome): WindowResult =>
    o.ok
      ? { ...summarizeTrades(o.run.trades), trades: o.run.trades, error: null }
      : { ...summarizeTrades([]), trades: [], error: o.error };

  const runFold = async (fold: Fold): Promise<FoldResult> => {
    const baselineTest = runTest(p.config, fold);
    const baselineTrain = run(p.config, fold.trainFrom, fold.trainTo);
    const sel = await select(fold.trainFrom, fold.trainTo);
    const chosenConfig = sel.chosen === null ? p.config : (configs.get(sel.chosen) as Config);
    const chosenTest = runTest(chosenConfig, fold);
    const bt = await baselineTrain;
    const baselineScore: TrialScore = bt.ok
      ? scoreTrades(bt.run.trades, minTrades)
      : { ...summarizeTrades([]), score: null, reason: `failed: ${bt.error}` };
    const chosenScore = sel.chosen === null ? null : (sel.trials.find((t) => t.index === sel.chosen) ?? null);
    return {
      index: fold.index,
      ...sel,
      testFrom: fold.testFrom,
      testTo: fold.testTo,
      inSample: { chosen: chosenScore, baseline: baselineScore },
      outOfSample: { chosen: windowResult(await chosenTest), baseline: windowResult(await baselineTest) },
    };
  };

  const latestFrom = Math.max(p.from, p.to - p.trainDays * DAY);
  const work = [...folds.map(runFold), select(latestFrom, p.to)] as const;
  const settled = await Promise.allSettled(work);
  if (p.signal?.aborted) throw abortError(p.signal);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const foldResults = settled.slice(0, folds.length).map((s) => (s as PromiseFulfilledResult<FoldResult>).value);
  const latest = (settled[folds.length] as PromiseFulfilledResult<Selection>).value;

  // ---------- the out-of-sample record and the verdict ----------
  const first = folds[0] as Fold;
  const last = folds[folds.length - 1] as Fold;
  const record = (pick: (f: FoldResult) => WindowResult): OutOfSampleRecord => {
    const trades = foldResults.flatMap((f) => pick(f).trades);
    return {
      ...summarizeTrades(trades),
      metrics: computeMetrics(trades.map(toTradeResult), {
        minTrades: minSampleSize,
        from: first.testFrom,
        to: last.testTo,
        ...(p.startingEquity === undefined ? {} : { startingEquity: p.startingEquity }),
      }),
    };
  };
  const chosenRecord = record((f) => f.outOfSample.chosen);
  const baselineRecord = record((f) => f.outOfSample.baseline);
  const candidate = latest.chosen === null ? null : (infoOf.get(latest.chosen)?.assignment ?? null);
  let adoption = decideAdoption(
    p.config,
    candidate,
    {
      candidate: foldResults.flatMap((f) => f.outOfSample.chosen.trades.map((t) => t.rMultiple)),
      current: foldResults.flatMap((f) => f.outOfSample.baseline.trades.map((t) => t.rMultiple)),
    },
    { minSampleSize, ...(p.alpha === undefined ? {} : { alpha: p.alpha }) },
  );
  const oosErrors = foldResults.flatMap((f) => [f.outOfSample.chosen.error, f.outOfSample.baseline.error]);
  const oosFailed = oosErrors.filter((e) => e !== null).length;
  if (adoption.adopt && oosFailed > 0) {
    adoption = {
      ...adoption,
      adopt: false,
      reason: `${oosFailed} out-of-sample backtests failed; the record is incomplete`,
    };
  }
  const keys = [...new Set(p.trials.flatMap((t) => Object.keys(t.assignment)))];
  return {
    from: p.from,
    to: p.to,
    exchange: p.exchange,
    market: p.market,
    symbols: [...p.symbols],
    trainDays: p.trainDays,
    testDays: p.testDays,
    minTrades,
    minSampleSize,
    uncovered: plan.uncovered,
    trials: infos,
    current: Object.fromEntries(keys.map((k) => [k, valueAt(p.config, k) ?? null])),
    folds: foldResults,
    outOfSample: { chosen: chosenRecord, baseline: baselineRecord },
    latest,
    adoption: {
      ...adoption,
      candidateLabel: latest.chosen === null ? null : (infoOf.get(latest.chosen)?.label ?? null),
    },
    backtests: cache.size,
    failures,
    wallMs: Math.round(performance.now() - wall0),
  };
}
