/** Walk-forward optimisation's public entry: what the command line uses; the other files here are its own. */
export { AutoOptimizer } from "./auto-optimizer.js";
export { walkForwardFolds } from "./folds.js";
export type { TradeSummary } from "./objective.js";
export {
  DEFAULT_PARAM_SPACE,
  type Design,
  type ParamDimension,
  type ParamSpace,
  type ParamValue,
  param,
  QUICK_PARAM_SPACE,
  trialsFor,
} from "./param-space.js";
export { defaultWorkerCount, WorkerPool } from "./pool.js";
export { type OptimizationResult, runWalkForward } from "./walk-forward.js";
