/** The orchestrator's public entry: what the command line uses; the other files here are the orchestrator's own. */
export { exchangeClock } from "./exchange-clock.js";
export { LearningAgent } from "./learning-agent.js";
export { Orchestrator, type OrchestratorEvent } from "./orchestrator.js";
export { reportStamp } from "./report.js";
