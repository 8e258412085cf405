/** The orchestrator's public entry: what the wiring and the command line use; the other files here are its own. */
export { LearningAgent } from "./learning-agent.js";
export type { Optimizer } from "./optimization.js";
export type { AnalysisSource, NoSignal, PrecomputedAnalysis } from "./analysis-cycle.js";
export { unavailableParts } from "./analysis-cycle.js";
export { type AnalysisMemory, rememberedAnalysis, rememberedScreen } from "./analysis-cycle.js";
export { messageOf } from "./agent-status.js";
export {
  analysisCycleMs,
  type MarketDataSource,
  nextBoundary,
  Orchestrator,
  type OrchestratorEvent,
  replayAnalysisTimes,
} from "./orchestrator.js";
export { reportStamp } from "./report.js";
