/**
 * Option checks shared by the agents. An option out of range is the caller's (or the config's) mistake, so it is a
 * UsageError naming the agent, the option and what is allowed — thrown before any analysis runs.
 */
import { UsageError } from "../core/errors.js";

export function checkWhole(agent: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${agent}: option ${name} must be a whole number ≥ ${min}, got ${String(value)}.`);
  }
}

export function checkPositive(agent: string, name: string, value: number, allowZero = false): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(
      `${agent}: option ${name} must be a finite number ${allowZero ? "≥ 0" : "> 0"}, got ${String(value)}.`,
    );
  }
}

export function checkInRange(agent: string, name: string, value: number, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${agent}: option ${name} must be between ${min} and ${max}, got ${String(value)}.`);
  }
}

/** Defaults overlaid with what the caller set; an explicit `undefined` keeps the default. */
export function withDefaults<T extends object>(defaults: T, given: Partial<T> | undefined): T {
  if (!given) return defaults;
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * The options objects a resolver produced. Composite analyses (analyzeSymbol) resolve once and hand the result to
 * every agent on every cycle; merging defaults and validating again there cost more than some of the agents' maths.
 * A resolver returns an object found here unchanged. Options are read-only data, so a resolved object stays valid;
 * each resolver keeps its own set, so one agent's options are never taken for another's.
 */
export class ResolvedOptions<T extends object> {
  readonly #resolved = new WeakSet<object>();

  /** True when `given` is an object this resolver returned before. */
  has(given: unknown): given is T {
    return typeof given === "object" && given !== null && this.#resolved.has(given);
  }

  /** Records `o` as resolved and returns it. */
  add(o: T): T {
    this.#resolved.add(o);
    return o;
  }
}
