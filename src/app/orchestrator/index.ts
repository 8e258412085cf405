/** The orchestrator's public entry: what the wiring and the command line use; the other files here are its own. */
export { LearningAgent } from "./learning-agent.js";
export type { Optimizer } from "./optimization.js";
export { type MarketDataSource, Orchestrator, type OrchestratorEvent } from "./orchestrator.js";
export { reportStamp } from "./report.js";
