/**
 * What the orchestrator needs from `learning_agent.auto_optimize`. It is declared on the orchestrator's side because
 * the optimiser backtests through the orchestrator: the wiring (`cma run`) passes the real one (AutoOptimizer) in.
 */
import type { Config } from "../config.js";
import type { Assignment } from "../optimize/param-space.js";

export interface OptimizationRecord {
  readonly time: string;
  readonly status: "adopted" | "kept" | "skipped" | "failed";
  readonly reason: string;
  readonly period: { readonly from: string; readonly to: string } | null;
  /** The parameters adopted (status "adopted") or proposed and refused ("kept"). */
  readonly candidate: Assignment | null;
  readonly outOfSample: {
    readonly candidate: { readonly n: number; readonly expectancyR: number | null };
    readonly current: { readonly n: number; readonly expectancyR: number | null };
  } | null;
}

export interface Optimizer {
  /** The latest attempts, oldest first, for the reports. */
  readonly records: readonly OptimizationRecord[];
  /** One optimisation at `now` for `symbols` under `config`: the config to switch to (adopted), or null. */
  optimize(
    now: number,
    config: Config,
    symbols: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ record: OptimizationRecord; config: Config | null }>;
}
