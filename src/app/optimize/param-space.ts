/**
 * What the optimiser may change, and how a choice becomes a configuration.
 *
 * A ParamSpace is a list of dimensions; each dimension offers options, and an option sets one config key (`param`)
 * or several keys that only make sense together (`linked`, e.g. the RSI oversold/overbought pair). A Trial is one
 * assignment of config keys. Two designs turn a space into trials:
 * - `oneAtATimeTrials` (the default): the current configuration, then each alternative option on its own. Small
 *   (1 + Σ alternatives), every trial is one step away from what runs now, and the current config is itself a
 *   trial, so "keep what we have" always competes. It does not explore interactions between parameters.
 * - `gridTrials`: every combination (the cartesian product), for a few hand-picked keys.
 *
 * Applying a trial is an immutable deep set followed by the configuration schema's own validation, so a combination
 * the schema forbids (oversold above overbought) is reported with the schema's reason instead of crashing a run.
 */
import type { Config } from "../config.js";
import { configSchema } from "../config.js";
import { formatPath, leafPaths } from "../../core/config-walk.js";
import { didYouMean } from "../../core/did-you-mean.js";
import { UsageError } from "../../core/errors.js";

/** A value the optimiser can give a config key (list-valued keys such as timeframes are not optimised). */
export type ParamValue = number | string | boolean | null;

/** Config key path (`signal_synthesis.min_confidence`) → value. */
export type Assignment = Readonly<Record<string, ParamValue>>;

export interface ParamDimension {
  /** Shown in reports, e.g. `signal_synthesis.min_confidence` or `momentum.rsi_levels`. */
  readonly name: string;
  /** The alternatives; each sets every key of the dimension. */
  readonly options: readonly Assignment[];
}

export type ParamSpace = readonly ParamDimension[];

export type Design = "one-at-a-time" | "grid";

export interface Trial {
  /** Position in the trial list; ties between equally good trials go to the lower index. */
  readonly index: number;
  /** e.g. "min_confidence=0.6" or "current config". */
  readonly label: string;
  /** The keys this trial sets; empty for the current configuration. */
  readonly assignment: Assignment;
}

/**
 * Sections whose keys change what is traded and how. The rest (exchange, universe, folders, reporting, the learning
 * agent itself) would change where data comes from or goes, not the strategy.
 */
export const OPTIMIZABLE_SECTIONS = [
  "signal_synthesis",
  "momentum",
  "price_action",
  "sr_detector",
  "volume_spike",
  "order_flow",
  "volume_profile",
  "paper_trading",
] as const;

/** More trials than this is a typo in a grid, not an optimisation that finishes today. */
export const MAX_TRIALS = 256;

/** One key with its candidate values. */
export function param(key: string, values: readonly ParamValue[]): ParamDimension {
  return { name: key, options: values.map((v) => ({ [key]: v })) };
}

/** Several keys that change together; `rows[i][j]` is the value of `keys[j]` in option i. */
export function linked(
  name: string,
  keys: readonly string[],
  rows: readonly (readonly ParamValue[])[],
): ParamDimension {
  return {
    name,
    options: rows.map((row, i) => {
      if (row.length !== keys.length) {
        throw new UsageError(
          `${name}: option ${i + 1} has ${row.length} values for ${keys.length} keys (${keys.join(", ")}).`,
        );
      }
      return Object.fromEntries(keys.map((k, j) => [k, row[j] as ParamValue]));
    }),
  };
}

/**
 * The default space: confidence threshold, stop distance (ATR buffer and the widest stop allowed),
 * take-profit ratio, the weight of higher-timeframe S/R against price action and momentum, and the RSI period and
 * levels — each around its default. One at a time this is 1 + 7 × 2 = 15 trials with the default configuration.
 */
export const DEFAULT_PARAM_SPACE: ParamSpace = [
  param("signal_synthesis.min_confidence", [0.5, 0.55, 0.65]),
  param("signal_synthesis.stop_atr_buffer", [0.25, 0.5, 1]),
  param("signal_synthesis.max_stop_pct", [3, 5, 8]),
  param("signal_synthesis.reward_risk", [1.5, 2, 3]),
  param("signal_synthesis.weights.sr", [0.15, 0.25, 0.4]),
  param("momentum.rsi_period", [9, 14, 21]),
  linked(
    "momentum.rsi_levels",
    ["momentum.oversold", "momentum.overbought"],
    [
      [25, 75],
      [30, 70],
      [35, 65],
    ],
  ),
];

/** `--quick`: three trials (current, a stricter confidence threshold, a farther first target). */
export const QUICK_PARAM_SPACE: ParamSpace = [
  param("signal_synthesis.min_confidence", [0.55, 0.65]),
  param("signal_synthesis.reward_risk", [2, 3]),
];

const LEAVES = new Set(leafPaths(configSchema).map((p) => p.join(".")));

/**
 * Throws a UsageError for a key that is not a config key (with a did-you-mean), lies outside OPTIMIZABLE_SECTIONS,
 * for a dimension without options, or for a value that is not a number, text, true/false or null.
 */
export function checkSpace(space: ParamSpace): void {
  if (space.length === 0) throw new UsageError("The parameter space is empty; give at least one key to vary.");
  for (const dim of space) {
    if (dim.options.length === 0) throw new UsageError(`${dim.name}: no values to try; give at least one.`);
    for (const option of dim.options) {
      for (const [key, value] of Object.entries(option)) checkKey(key, value);
    }
  }
}

function checkKey(key: string, value: unknown): void {
  if (!LEAVES.has(key)) {
    const guess = didYouMean(key, LEAVES);
    throw new UsageError(`${key} is not a configuration key${guess ? ` (did you mean ${guess}?)` : ""}.`, {
      hint: "Keys are written as in config.example.yaml, with dots between levels: signal_synthesis.min_confidence.",
    });
  }
  const section = key.split(".")[0] as string;
  if (!(OPTIMIZABLE_SECTIONS as readonly string[]).includes(section)) {
    throw new UsageError(`${key} cannot be optimised: only ${OPTIMIZABLE_SECTIONS.join(", ")} keys change trading.`);
  }
  const ok =
    value === null ||
    typeof value === "string" ||
    typeof value === "boolean" ||
    (typeof value === "number" && Number.isFinite(value));
  if (!ok)
    throw new UsageError(`${key}: ${String(value)} is not a value to try; use a number, text, true/false or null.`);
}

/** The value at a dotted key path, or undefined. */
export function valueAt(config: unknown, key: string): unknown {
  let cur: unknown = config;
  for (const part of key.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Whether every key of `assignment` already has that value in `config` (the trial would change nothing). */
export function isNoChange(config: Config, assignment: Assignment): boolean {
  return Object.entries(assignment).every(([k, v]) => Object.is(valueAt(config, k), v));
}

/** Short key for labels: the path without its section, unless that is ambiguous within `keys`. */
function labelKeys(keys: readonly string[]): Map<string, string> {
  const short = (k: string) => k.split(".").slice(1).join(".") || k;
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(short(k), (counts.get(short(k)) ?? 0) + 1);
  return new Map(keys.map((k) => [k, counts.get(short(k)) === 1 ? short(k) : k]));
}

function labelOf(assignment: Assignment, names: Map<string, string>): string {
  const parts = Object.entries(assignment).map(([k, v]) => `${names.get(k) ?? k}=${v === null ? "null" : String(v)}`);
  return parts.length === 0 ? "current config" : parts.join(", ");
}

function allKeys(space: ParamSpace): string[] {
  return [...new Set(space.flatMap((d) => d.options.flatMap((o) => Object.keys(o))))];
}

function tooMany(n: number): UsageError {
  return new UsageError(`The parameter space gives ${n} trials; at most ${MAX_TRIALS} are allowed.`, {
    hint: "Use fewer values per key, or the one-at-a-time design.",
  });
}

/**
 * The current configuration first (index 0, empty assignment), then every option that changes something, dimension
 * by dimension in the order given. An option equal to the current values is the current config again and is skipped.
 */
export function oneAtATimeTrials(space: ParamSpace, config: Config): Trial[] {
  checkSpace(space);
  const names = labelKeys(allKeys(space));
  const assignments: Assignment[] = [{}];
  for (const dim of space) {
    for (const option of dim.options) if (!isNoChange(config, option)) assignments.push(option);
  }
  if (assignments.length > MAX_TRIALS) throw tooMany(assignments.length);
  return assignments.map((a, index) => ({ index, label: labelOf(a, names), assignment: a }));
}

/** Every combination of one option per dimension, the first dimension varying slowest. */
export function gridTrials(space: ParamSpace): Trial[] {
  checkSpace(space);
  const total = space.reduce((n, d) => n * d.options.length, 1);
  if (total > MAX_TRIALS) throw tooMany(total);
  const names = labelKeys(allKeys(space));
  let combos: Assignment[] = [{}];
  for (const dim of space) combos = combos.flatMap((c) => dim.options.map((o) => ({ ...c, ...o })));
  return combos.map((a, index) => ({ index, label: labelOf(a, names), assignment: a }));
}

export function trialsFor(space: ParamSpace, design: Design, config: Config): Trial[] {
  return design === "grid" ? gridTrials(space) : oneAtATimeTrials(space, config);
}

/** A copy of `obj` with the value at `path` replaced; every object on the path is copied, nothing is mutated. */
function setAt(obj: unknown, path: readonly string[], value: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  const base = obj !== null && typeof obj === "object" ? (obj as Record<string, unknown>) : {};
  return { ...base, [head]: setAt(base[head], rest, value) };
}

export type Applied = { readonly ok: true; readonly config: Config } | { readonly ok: false; readonly reason: string };

/**
 * `config` with `assignment` applied, validated by the configuration schema. An invalid combination is
 * `{ ok: false, reason }` with the schema's words, e.g. "momentum.overbought: 70 is not above oversold (75); …".
 * Keys are checked first (checkSpace's rules): a key that does not exist is a UsageError, not a bad combination.
 */
export function applyAssignment(config: Config, assignment: Assignment): Applied {
  for (const [key, value] of Object.entries(assignment)) checkKey(key, value);
  let next: unknown = config;
  for (const [key, value] of Object.entries(assignment)) next = setAt(next, key.split("."), value);
  const parsed = configSchema.safeParse(next);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `${formatPath(i.path as (string | number)[])}: ${i.message}`);
    return { ok: false, reason: reason.join("; ") };
  }
  // Folders are resolved by loadConfig; the schema leaves them as given, so the config's absolute paths survive.
  return { ok: true, config: parsed.data };
}
