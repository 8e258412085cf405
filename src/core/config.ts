/**
 * Loads the one configuration: built-in defaults < YAML file < CMA_* environment variables < command-line flags.
 *
 * - File: `opts.file` (must exist), else `./cma.yaml` in `cwd` if present, else defaults only.
 * - Environment: `CMA_` + the key path in capitals, `__` between levels, `_` kept inside key names:
 *   `exchange.use_futures` ← `CMA_EXCHANGE__USE_FUTURES=false`, `data_dir` ← `CMA_DATA_DIR=/srv/cma`.
 *   Values are read as YAML scalars (`true`, `1200`, `0.015`, `null`); lists as `1d,4h` or `[1d, 4h]`.
 *   A CMA_ variable that names no key is an error, so a typo never silently does nothing.
 * - Relative `data_dir`/`output_dir` are resolved against the config file's folder when set in the file, else
 *   against `cwd`; a leading `~/` means the home folder.
 *
 * Any problem stops loading with a ConfigError listing every problem, one line each: key path, bad value, what is
 * allowed, and where the value came from.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { z } from "zod";
import { didYouMean } from "./did-you-mean.js";
import { ConfigError } from "./errors.js";
import type { ConfigSchema } from "./config-schema.js";
import {
  envLayer,
  flagLayer,
  getAt,
  type Layer,
  mergeLayers,
  type Problem,
  originOf,
  readFileLayer,
} from "./config-layers.js";
import { allowedOf, type ConfigPath, formatPath, keysOf, leafPaths, schemaAt } from "./config-walk.js";

export { envVarName } from "./config-layers.js";

export type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> | undefined }
    : T;

/**
 * A validated configuration of `schema`. `data_dir` and `output_dir` are absolute. Frozen. The program's own
 * schema (with the registered agents' sections) and its `Config` type are bound in src/app/config.ts.
 */
export type ConfigOf<S extends z.ZodType> = DeepReadonly<z.output<S>>;

/** What every configuration has, whichever agents are registered. */
export type BaseConfig = ConfigOf<ConfigSchema>;

export const DEFAULT_CONFIG_FILE = "cma.yaml";

export interface LoadConfigOptions {
  /** An explicit config file (from --config); it must exist. Relative to `cwd`. `false`: read no file at all. */
  readonly file?: string | false | undefined;
  /** Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from command-line flags; they win over everything else. */
  readonly overrides?: DeepPartial<BaseConfig>;
  /** Which flag set which key (`{"exchange.name": "--exchange"}`), so errors can name the flag. */
  readonly flagNames?: Readonly<Record<string, string>>;
  /** Default: process.cwd(). */
  readonly cwd?: string;
}

export interface ConfigEntry {
  /** `exchange.use_futures` */
  readonly key: string;
  readonly value: unknown;
  /** `default`, `cma.yaml:3:16`, `env CMA_EXCHANGE__USE_FUTURES` or `flag --futures`. */
  readonly origin: string;
}

export interface LoadedConfig<C = BaseConfig> {
  readonly config: C;
  /** The config file that was read (absolute), if any. */
  readonly file: string | undefined;
  /** Every key with its final value and where that value came from (for `cma doctor`). */
  readonly entries: readonly ConfigEntry[];
}

export function loadConfigWith<S extends ConfigSchema>(
  configSchema: S,
  opts: LoadConfigOptions = {},
): LoadedConfig<ConfigOf<S>> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const explicit = typeof opts.file === "string";
  const file = resolve(cwd, typeof opts.file === "string" ? opts.file : DEFAULT_CONFIG_FILE);
  const display = displayPath(file, cwd);

  const layers: Layer[] = [];
  const problems: Problem[] = [];
  if (explicit || (opts.file !== false && existsSync(file))) {
    const r = readFileLayer(file, display, explicit);
    problems.push(...r.problems);
    if (r.layer) layers.push(r.layer);
  }
  const e = envLayer(env, configSchema);
  problems.push(...e.problems);
  if (e.layer) layers.push(e.layer);
  const f = flagLayer(opts.overrides, opts.flagNames ?? {});
  if (f) layers.push(f);
  const fileUsed = layers.some((l) => l.kind === "file") ? file : undefined;
  const merged = mergeLayers(layers);
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(configSchema, issue, merged, layers)));
  }
  if (problems.length || !parsed.success) throw configError(problems);

  const home = env.HOME ?? homedir();
  const dirFor = (key: "data_dir" | "output_dir") => {
    const from = originOf(layers, [key]).layer;
    const base = from?.kind === "file" ? dirname(file) : cwd;
    // Both are validated text (schema leaves `text`).
    const raw = (parsed.data as Record<string, string>)[key]!;
    const expanded = raw === "~" ? home : raw.startsWith("~/") ? join(home, raw.slice(2)) : raw;
    return isAbsolute(expanded) ? expanded : resolve(base, expanded);
  };
  const config = deepFreeze({ ...parsed.data, data_dir: dirFor("data_dir"), output_dir: dirFor("output_dir") });
  const entries = leafPaths(configSchema).map((path) => {
    const o = originOf(layers, path);
    return { key: path.join("."), value: getAt(config, path), origin: o.text };
  });
  return { config: config as ConfigOf<S>, file: fileUsed, entries };
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : file;
}

/** The error's headline names what the user has to look at: "cma.yaml", "environment", "command line". */
function configError(problems: readonly Problem[]): ConfigError {
  const rank = (s: string) => (s === "environment" ? 1 : s === "command line" ? 2 : 0);
  const sources = [...new Set(problems.map((p) => p.source))].sort((a, b) => rank(a) - rank(b));
  return new ConfigError(
    problems.map((p) => p.text),
    sources.join(", "),
  );
}

// ---------- issue → one line ----------

function repr(v: unknown): string {
  if (v === undefined) return "nothing";
  const s =
    typeof v === "string" ? JSON.stringify(v) : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function allowedAt(configSchema: ConfigSchema, path: ConfigPath): string {
  const s = schemaAt(configSchema, path);
  if (!s) return "nothing (not a setting)";
  const keys = keysOf(s);
  if (keys) return `a section with keys ${keys.join(", ")}`;
  return allowedOf(s) ?? "a valid value";
}

function describeIssue(
  configSchema: ConfigSchema,
  issue: z.core.$ZodIssue,
  merged: unknown,
  layers: readonly Layer[],
): Problem[] {
  return describeIssueText(configSchema, issue, merged, layers).map((text) => ({
    text,
    source: originOf(layers, issue.path as ConfigPath).layer?.name ?? "defaults",
  }));
}

function describeIssueText(
  configSchema: ConfigSchema,
  issue: z.core.$ZodIssue,
  merged: unknown,
  layers: readonly Layer[],
): string[] {
  const path = issue.path as ConfigPath;
  const at = (p: ConfigPath) => originOf(layers, p).text;
  if (issue.code === "unrecognized_keys") {
    const known = keysOf(schemaAt(configSchema, path) ?? configSchema) ?? [];
    return issue.keys.map((key) => {
      const full = [...path, key];
      const hint = didYouMean(key, known);
      const suggestion = hint ? ` (did you mean ${hint}?)` : "";
      const where = path.length ? `${formatPath(path)} has` : "the top level has";
      return `${formatPath(full)}: unknown key${suggestion}; ${where} ${known.join(", ")} (${at(full)})`;
    });
  }
  const value = getAt(merged, path);
  const p = formatPath(path);
  const allowed = allowedAt(configSchema, path);
  const origin = at(path);
  switch (issue.code) {
    case "invalid_type":
      return [`${p}: expected ${allowed}, got ${repr(value)} (${origin})`];
    case "too_small":
    case "too_big":
      if ((Array.isArray(value) && value.length === 0) || value === "")
        return [`${p}: must not be empty; expected ${allowed} (${origin})`];
      return [`${p}: ${repr(value)} is out of range; expected ${allowed} (${origin})`];
    case "invalid_value":
      return [`${p}: ${repr(value)} is not allowed; expected ${allowed} (${origin})`];
    case "invalid_format":
      return [`${p}: ${repr(value)} is not valid; expected ${allowed} (${origin})`];
    default:
      return [`${p}: ${issue.message} (${origin})`];
  }
}

function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}
