/**
 * The auto_optimize rule: whether a candidate parameter set replaces the current one. Pure; the caller supplies the
 * out-of-sample R multiples (from a walk-forward: the trades of the re-optimised parameters on every test window,
 * and the trades of the current configuration on the same windows).
 *
 * Adopt only when all of these hold, checked in this order (the first that fails is the recorded reason):
 * 1. there is a candidate and it changes something;
 * 2. it has at least `minSampleSize` out-of-sample trades (config learning_agent.min_sample_size);
 * 3. its out-of-sample expectancy (mean R per trade) is higher than the current parameters' (0 R when they did not
 *    trade: no trades earn nothing);
 * 4. a one-sided Welch t-test says the higher mean is unlikely to be noise: p < alpha (default 0.05).
 *
 * The two trade lists come from the same markets and days, so they are not independent; their outcomes tend to move
 * together, which makes the variance of the difference smaller than Welch assumes — the test is conservative there,
 * never too eager.
 */
import type { Config } from "../config.js";
import { UsageError } from "../../core/errors.js";
import { type Assignment, isNoChange } from "./param-space.js";
import { type WelchResult, welchTest } from "./student-t.js";

export interface AdoptionOptions {
  /** Out-of-sample trades the candidate needs (learning_agent.min_sample_size). */
  readonly minSampleSize: number;
  /** Significance level of the one-sided test (default 0.05). */
  readonly alpha?: number;
}

export interface OutOfSampleR {
  /** R multiples of the candidate's (the re-optimised parameters') out-of-sample trades. */
  readonly candidate: readonly number[];
  /** R multiples of the current parameters' trades on the same windows. */
  readonly current: readonly number[];
}

export interface AdoptionDecision {
  readonly adopt: boolean;
  readonly reason: string;
  readonly candidate: { readonly n: number; readonly expectancyR: number | null };
  readonly current: { readonly n: number; readonly expectancyR: number | null };
  /** The Welch test when it was run (rule 4), else null. */
  readonly test: WelchResult | null;
  readonly alpha: number;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);
const r = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)} R`;

/**
 * Decides adoption of `candidate` (the assignment to apply to `current`, or null when the optimiser found nothing
 * eligible) from the out-of-sample R multiples. See the module comment for the rule.
 */
export function decideAdoption(
  current: Config,
  candidate: Assignment | null,
  oos: OutOfSampleR,
  opts: AdoptionOptions,
): AdoptionDecision {
  const alpha = opts.alpha ?? 0.05;
  if (!Number.isInteger(opts.minSampleSize) || opts.minSampleSize < 1) {
    throw new UsageError(
      `decideAdoption: minSampleSize must be a whole number ≥ 1, got ${String(opts.minSampleSize)}.`,
    );
  }
  if (!(alpha > 0 && alpha < 1)) throw new UsageError(`decideAdoption: alpha must be in (0, 1), got ${String(alpha)}.`);
  for (const [name, xs] of [
    ["candidate", oos.candidate],
    ["current", oos.current],
  ] as const) {
    if (!xs.every((x) => typeof x === "number" && Number.isFinite(x))) {
      throw new UsageError(`decideAdoption: every ${name} R multiple must be a finite number.`);
    }
  }
  const cand = { n: oos.candidate.length, expectancyR: mean(oos.candidate) };
  const cur = { n: oos.current.length, expectancyR: mean(oos.current) };
  const base = { candidate: cand, current: cur, alpha };
  const no = (reason: string, test: WelchResult | null = null): AdoptionDecision => ({
    adopt: false,
    reason,
    test,
    ...base,
  });
  if (candidate === null) return no("no parameter set had enough trades on the latest training window");
  if (isNoChange(current, candidate))
    return no("the best parameters on the latest training window are the current ones");
  if (cand.n < opts.minSampleSize) {
    return no(`not enough out-of-sample trades to judge (${cand.n} of ${opts.minSampleSize})`);
  }
  const candMean = cand.expectancyR as number;
  const curMean = cur.expectancyR ?? 0;
  const curText = cur.n === 0 ? "0 R (no trades)" : `${r(curMean)} over ${cur.n} trades`;
  if (!(candMean > curMean)) {
    return no(`out of sample it does not beat the current parameters: ${r(candMean)} vs ${curText} per trade`);
  }
  const test = welchTest(oos.candidate, oos.current);
  if (test === null) return no(`${cand.n} out-of-sample trade is too few for a significance test`);
  const p = test.pOneSided;
  const stats = `Welch t = ${test.t.toFixed(2)}, df = ${test.df.toFixed(1)}, one-sided p = ${p.toPrecision(2)}`;
  if (!(p < alpha)) {
    return no(
      `better out of sample (${r(candMean)} vs ${curText}) but that could be noise (${stats} ≥ ${alpha})`,
      test,
    );
  }
  return {
    adopt: true,
    reason: `better out of sample: ${r(candMean)} over ${cand.n} trades vs ${curText} (${stats} < ${alpha})`,
    test,
    ...base,
  };
}
