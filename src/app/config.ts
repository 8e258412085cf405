/**
 * The program's configuration: the loader of src/core/config.ts bound to the schema of the program's own sections
 * plus the sections the registered agents declare. `Config` is its validated, frozen type.
 *
 * A caller that registers more agents (a test, an embedding program) passes them as `agents`: their sections are
 * then part of the schema — validated, listed by `cma doctor`, settable by CMA_* variables — like the built-in ones.
 */
import { AGENTS, agentSections, type BuiltinAgentSections } from "../agents/registry.js";
import type { AnyAgent } from "../agents/agent.js";
import { buildConfigSchema, type ConfigSchema } from "../core/config-schema.js";
import {
  type ConfigOf,
  type DeepPartial,
  type LoadConfigOptions,
  type LoadedConfig as LoadedConfigOf,
  loadConfigWith,
} from "../core/config.js";

export { DEFAULT_CONFIG_FILE, type DeepPartial, type DeepReadonly, envVarName } from "../core/config.js";

export const configSchema = buildConfigSchema(agentSections(AGENTS) as BuiltinAgentSections);

export type Config = ConfigOf<typeof configSchema>;
export type LoadedConfig = LoadedConfigOf<Config>;
export type ConfigOverrides = DeepPartial<Config>;

export interface AppConfigOptions extends Omit<LoadConfigOptions, "overrides"> {
  readonly overrides?: ConfigOverrides | undefined;
  /** The agents whose sections the schema holds (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
}

const schemas = new WeakMap<readonly AnyAgent[], ConfigSchema>();

/** The schema for a set of agents (the built-in one for the registry's). */
export function configSchemaFor(agents: readonly AnyAgent[] | undefined): ConfigSchema {
  if (agents === undefined || agents === AGENTS) return configSchema as unknown as ConfigSchema;
  let s = schemas.get(agents);
  if (!s) {
    s = buildConfigSchema(agentSections(agents));
    schemas.set(agents, s);
  }
  return s;
}

export function loadConfigDetailed(opts: AppConfigOptions = {}): LoadedConfig {
  const { agents, ...rest } = opts;
  return loadConfigWith(configSchemaFor(agents), rest as LoadConfigOptions) as unknown as LoadedConfig;
}

export function loadConfig(opts: AppConfigOptions = {}): Config {
  return loadConfigDetailed(opts).config;
}

/** The defaults, as `loadConfig` returns them with no file, environment or flags (paths resolved against `cwd`). */
export function defaultConfig(cwd: string = process.cwd(), agents?: readonly AnyAgent[]): Config {
  return loadConfig({ cwd, env: {}, file: false, agents });
}
