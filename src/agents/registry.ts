/**
 * The analysis agents, in the order the banner, the status board and the configuration list them. Adding an agent
 * is one module exporting its AgentDefinition and one line here (docs/adding-an-agent.md). The symbol analysis
 * runs them in this order, except that an agent runs after the agents it names in `after`.
 */
import type { z } from "zod";
import type { AgentSections } from "../core/config-schema.js";
import type { AnyAgent } from "./agent.js";
import { momentumAgent } from "./momentum.js";
import { orderFlowAgent } from "./order-flow.js";
import { priceActionAgent } from "./price-action.js";
import { srDetectorAgent } from "./sr-detector.js";
import { volumeProfileAgent } from "./volume-profile.js";
import { volumeSpikeAgent } from "./volume-spike.js";

export const AGENTS = [
  srDetectorAgent,
  priceActionAgent,
  momentumAgent,
  volumeSpikeAgent,
  orderFlowAgent,
  volumeProfileAgent,
] as const;

/** The config sections of the built-in agents, by key, with their schema types. */
export type BuiltinAgentSections = {
  [A in (typeof AGENTS)[number] as A["config"]["key"]]: A["config"]["section"];
};

/** Each agent's config section by its key; two agents claiming one key is a programming error, said at once. */
export function agentSections(agents: readonly AnyAgent[]): AgentSections {
  const out: Record<string, z.ZodType> = {};
  const names = new Set<string>();
  for (const a of agents) {
    if (names.has(a.name)) throw new Error(`Two agents are registered as "${a.name}".`);
    names.add(a.name);
    if (out[a.config.key]) throw new Error(`Agents share the config section "${a.config.key}" (${a.name}).`);
    out[a.config.key] = a.config.section;
  }
  return out;
}
