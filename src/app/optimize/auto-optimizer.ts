/**
 * `learning_agent.auto_optimize`: every `optimization_interval` the running system re-tunes itself by walk-forward
 * optimisation on the history in its own database, and adopts the new parameters only when they beat the current
 * ones out of sample by the stated rule (decideAdoption: enough out-of-sample trades, higher expectancy, one-sided
 * Welch test p < alpha). Every attempt — adopted, kept, skipped for lack of history, failed — is recorded with its
 * reason in the learning state and the reports. The orchestrator sees it as the Optimizer it declares.
 */
import type { Config } from "../config.js";
import { DAY, HOUR, intervalMs } from "../../core/interval.js";
import type { ExchangeId, MarketType } from "../../exchange/exchange.js";
import type { LearningStateStore } from "../../learning/learning-state.js";
import type { CandleStore } from "../../market/candle-store.js";
import { SeriesReader } from "../../market/series-reader.js";
import { applyAssignment, DEFAULT_PARAM_SPACE, type ParamSpace, trialsFor } from "./param-space.js";
import type { TrialRunner } from "./trial.js";
import { runWalkForward } from "./walk-forward.js";
import { messageOf } from "../orchestrator/agent-status.js";
import type { OptimizationRecord, Optimizer } from "../orchestrator/optimization.js";

export interface AutoOptimizerOptions {
  readonly store: CandleStore;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  /** Runs the trials (a WorkerPool live, so the event loop stays free). */
  readonly runner: TrialRunner;
  readonly state?: LearningStateStore | undefined;
  readonly run: string;
  /** Walk-forward windows (defaults 60 and 30 days) and the most history used (default 180 days). */
  readonly trainDays?: number;
  readonly testDays?: number;
  readonly historyDays?: number;
  /** The parameters tried (default DEFAULT_PARAM_SPACE, one change at a time). */
  readonly space?: ParamSpace;
}

const RECORDS_KEY = "optimizations";

export class AutoOptimizer implements Optimizer {
  readonly #o: AutoOptimizerOptions;
  #records: OptimizationRecord[];

  constructor(o: AutoOptimizerOptions) {
    this.#o = o;
    this.#records = o.state?.get<OptimizationRecord[]>(o.run, RECORDS_KEY) ?? [];
  }

  /** Stops the runner's workers. */
  async close(): Promise<void> {
    await this.#o.runner.close();
  }

  get records(): readonly OptimizationRecord[] {
    return this.#records;
  }

  /** One optimisation at `now` for `symbols` under `config`: the config to switch to (adopted), or null. */
  async optimize(
    now: number,
    config: Config,
    symbols: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ record: OptimizationRecord; config: Config | null }> {
    const train = this.#o.trainDays ?? 60;
    const test = this.#o.testDays ?? 30;
    const need = (train + test) * DAY;
    const base = config.price_action.interval;
    const reader = new SeriesReader(this.#o.store, { exchange: this.#o.exchange, market: this.#o.market });
    // The period every symbol has base candles for, ending at the last whole hour.
    const to = Math.floor(now / HOUR) * HOUR;
    let start = to - (this.#o.historyDays ?? 180) * DAY;
    const usable: string[] = [];
    for (const s of symbols) {
      const series = reader.stored(s).find((x) => x.interval === base);
      if (!series) continue;
      usable.push(s);
      // The analysis needs some history before the first backtested candle: 500 base candles.
      start = Math.max(start, series.first + 500 * intervalMs(base));
    }
    const record = (r: Omit<OptimizationRecord, "time">): OptimizationRecord => {
      const full = { time: new Date(now).toISOString(), ...r };
      this.#records = [...this.#records, full].slice(-50);
      this.#o.state?.put(this.#o.run, RECORDS_KEY, this.#records);
      return full;
    };
    if (usable.length === 0 || to - start < need) {
      const have = usable.length === 0 ? 0 : Math.max(0, Math.floor((to - start) / DAY));
      return {
        config: null,
        record: record({
          status: "skipped",
          reason:
            `walk-forward needs ${train + test} days of stored ${base} history after the analysis warm-up, ` +
            `the database has ${have}; download more (cma download --from …) to let the system re-tune itself`,
          period: null,
          candidate: null,
          outOfSample: null,
        }),
      };
    }
    const period = { from: new Date(start).toISOString(), to: new Date(to).toISOString() };
    try {
      const r = await runWalkForward({
        config,
        trials: trialsFor(this.#o.space ?? DEFAULT_PARAM_SPACE, "one-at-a-time", config),
        exchange: this.#o.exchange,
        market: this.#o.market,
        symbols: usable,
        from: start,
        to,
        trainDays: train,
        testDays: test,
        runner: this.#o.runner,
        signal,
      });
      const candidate =
        r.latest.chosen === null ? null : (r.trials.find((t) => t.index === r.latest.chosen)?.assignment ?? null);
      const outOfSample = { candidate: r.adoption.candidate, current: r.adoption.current };
      if (r.adoption.adopt && candidate) {
        const applied = applyAssignment(config, candidate);
        if (applied.ok) {
          return {
            config: applied.config,
            record: record({ status: "adopted", reason: r.adoption.reason, period, candidate, outOfSample }),
          };
        }
        return {
          config: null,
          record: record({ status: "kept", reason: applied.reason, period, candidate, outOfSample }),
        };
      }
      return {
        config: null,
        record: record({ status: "kept", reason: r.adoption.reason, period, candidate, outOfSample }),
      };
    } catch (e) {
      return {
        config: null,
        record: record({ status: "failed", reason: messageOf(e), period, candidate: null, outOfSample: null }),
      };
    }
  }
}
