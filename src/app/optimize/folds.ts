/**
 * Walk-forward folds: a training window followed by a test window, rolled forward by the test length, so the test
 * windows tile the period after the first training window without overlapping and every parameter choice is judged
 * on days it was not chosen on.
 *
 *   fold 0: train [from, from + train)            test [from + train, from + train + test)
 *   fold k: train [from + k·test, … + train)      test [from + k·test + train, … + test)
 *
 * Only whole folds are used: a tail shorter than one test window is left out (and reported as `uncovered`).
 */
import { UsageError } from "../../core/errors.js";
import { DAY } from "../../core/interval.js";

export interface Fold {
  readonly index: number;
  readonly trainFrom: number;
  readonly trainTo: number;
  readonly testFrom: number;
  readonly testTo: number;
}

export interface FoldPlanOptions {
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, exclusive. */
  readonly to: number;
  readonly trainDays: number;
  readonly testDays: number;
}

export interface FoldPlan {
  readonly folds: readonly Fold[];
  /** The end of the period no test window reaches ([last testTo, to)), or null when the folds reach `to`. */
  readonly uncovered: { readonly from: number; readonly to: number } | null;
}

function positiveDays(flag: string, v: number): void {
  if (!Number.isInteger(v) || v < 1)
    throw new UsageError(`${flag} ${String(v)} is not valid; use a whole number of days ≥ 1.`);
}

/** The folds over [from, to); a UsageError naming the options when not even one fold fits. */
export function walkForwardFolds(o: FoldPlanOptions): FoldPlan {
  positiveDays("--train-days", o.trainDays);
  positiveDays("--test-days", o.testDays);
  if (!Number.isFinite(o.from) || !Number.isFinite(o.to) || !(o.to > o.from)) {
    throw new UsageError(
      `The period is empty: --to (${new Date(o.to).toISOString()}) is not after --from (${new Date(o.from).toISOString()}).`,
      { hint: "Give a --to later than --from." },
    );
  }
  const train = o.trainDays * DAY;
  const test = o.testDays * DAY;
  // The step is the test length: test windows meet end to start, so their trades can be concatenated.
  const step = test;
  const folds: Fold[] = [];
  for (let start = o.from; start + train + test <= o.to; start += step) {
    folds.push({
      index: folds.length,
      trainFrom: start,
      trainTo: start + train,
      testFrom: start + train,
      testTo: start + train + test,
    });
  }
  if (folds.length === 0) {
    const days = Math.floor((o.to - o.from) / DAY);
    throw new UsageError(
      `The period has ${days} days; one walk-forward fold needs ${o.trainDays} training + ${o.testDays} test days.`,
      { hint: "Give an earlier --from or a later --to, or smaller --train-days / --test-days." },
    );
  }
  const end = (folds[folds.length - 1] as Fold).testTo;
  return { folds, uncovered: end < o.to ? { from: end, to: o.to } : null };
}
