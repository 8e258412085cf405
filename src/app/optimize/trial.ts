/**
 * One unit of optimisation work: a backtest of one configuration on one window, and the runners that execute it
 * (in this thread, or on worker threads: pool.ts). A task is plain data so it can cross to a worker thread.
 */
import type { Config } from "../config.js";
import { describeError } from "../../core/errors.js";
import type { ExchangeId, MarketType } from "../../exchange/exchange.js";
import type { PaperTrade } from "../../learning/paper-trade.js";
import type { CandleStore } from "../../market/candle-store.js";
import { paperBrokerOptionsFromConfig } from "../agent-options.js";
import { runBacktest } from "../backtest.js";

export interface TrialTask {
  /** Identifies the work: equal keys are the same backtest (see taskKey), so it is run once. */
  readonly key: string;
  readonly config: Config;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly symbols: readonly string[];
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly startingEquity?: number;
}

export interface TrialRun {
  readonly from: number;
  readonly to: number;
  readonly cycles: number;
  readonly signals: number;
  /** Every trade of the window, closed (those open at `to` at the last price), by entry time. */
  readonly trades: readonly PaperTrade[];
}

/** A trial that failed says why; the other trials go on. */
export type TrialOutcome =
  | { readonly ok: true; readonly run: TrialRun }
  | { readonly ok: false; readonly error: string };

/** Executes tasks. `run` rejects only when aborted; a failing backtest resolves to `{ ok: false }`. */
export interface TrialRunner {
  run(task: TrialTask, signal?: AbortSignal): Promise<TrialOutcome>;
  close(): Promise<void>;
}

/** JSON with object keys sorted, so equal configurations give equal text whatever order their keys were built in. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );
}

/** The identity of a backtest: configuration, market, symbols and window. */
export function taskKey(t: Omit<TrialTask, "key">): string {
  return stableJson([t.config, t.exchange, t.market, t.symbols, t.from, t.to, t.startingEquity ?? null]);
}

/**
 * Runs one task on `store` through the live pipeline (runBacktest), with the paper broker configured from the
 * task's own configuration, so paper_trading keys can be optimised too.
 */
export async function runTrialTask(store: CandleStore, task: TrialTask, signal?: AbortSignal): Promise<TrialRun> {
  const result = await runBacktest({
    store,
    exchange: task.exchange,
    market: task.market,
    config: task.config,
    symbols: task.symbols,
    from: task.from,
    to: task.to,
    broker: paperBrokerOptionsFromConfig(task.config, task.market),
    ...(task.startingEquity === undefined ? {} : { startingEquity: task.startingEquity }),
    signal,
  });
  return {
    from: result.from,
    to: result.to,
    cycles: result.cycles,
    signals: result.signals.length,
    trades: result.trades,
  };
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("Aborted", "AbortError");
}

/**
 * Runs tasks one after another in this thread on an open store: for a store that is not a file, for debugging, and
 * as the reference the worker pool must agree with.
 */
export class InProcessRunner implements TrialRunner {
  readonly #store: CandleStore;
  /** Tasks run one at a time: many interleaved backtests would only cost memory. */
  #tail: Promise<unknown> = Promise.resolve();

  constructor(store: CandleStore) {
    this.#store = store;
  }

  run(task: TrialTask, signal?: AbortSignal): Promise<TrialOutcome> {
    const next = this.#tail.then(() => this.#runNow(task, signal));
    this.#tail = next.catch(() => {});
    return next;
  }

  async #runNow(task: TrialTask, signal?: AbortSignal): Promise<TrialOutcome> {
    if (signal?.aborted) throw abortError(signal);
    try {
      const run = await runTrialTask(this.#store, task, signal);
      if (signal?.aborted) throw abortError(signal);
      return { ok: true, run };
    } catch (e) {
      if (signal?.aborted) throw abortError(signal);
      return { ok: false, error: describeError(e).message };
    }
  }

  async close(): Promise<void> {}
}
