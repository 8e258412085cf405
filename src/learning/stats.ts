/**
 * Small, exact-enough statistics for judging trade outcomes: the standard normal CDF, the Wilson score interval for a
 * win rate, a pooled two-proportion z-test, Holm–Bonferroni for many comparisons at once, and mean / sample standard
 * deviation. Pure functions; arguments a person could get wrong throw UsageError, and no result is ever NaN.
 */
import { UsageError } from "../core/errors.js";

/** z of a two-sided 95 % interval: Φ⁻¹(0.975) = 1.959963985…, rounded to the 7 digits tables usually give. */
export const Z_95 = 1.959964;

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** Standard normal density φ(x). */
function normalPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/**
 * Φ(x), the standard normal CDF, to about 1e-15 absolute everywhere (better than the 7.5e-8 of Abramowitz & Stegun
 * 7.1.26, which is not enough to test against 7-digit tables).
 *
 * Two series, each used where it converges fast and without cancellation:
 * - |x| < 3: Marsaglia's Taylor series (G. Marsaglia, "Evaluating the Normal Distribution", J. Stat. Software 11(4),
 *   2004): Φ(x) = ½ + φ(x)·(x + x³/3 + x⁵/(3·5) + …). Every term has the sign of x, so nothing cancels.
 * - |x| ≥ 3: the upper tail Q(x) = 1 − Φ(x) from Laplace's continued fraction (Abramowitz & Stegun 26.2.14):
 *   Q(x) = φ(x) / (x + 1/(x + 2/(x + 3/(x + …)))), evaluated bottom-up; it converges quickly for large x and keeps
 *   the relative accuracy of tiny tails, and Φ(−x) = Q(x) by symmetry.
 */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) throw new UsageError("normalCdf: x is NaN; pass a finite number or ±Infinity.");
  if (x === Number.POSITIVE_INFINITY) return 1;
  if (x === Number.NEGATIVE_INFINITY) return 0;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    // Terms shrink once 2k+1 > x²; at |x| < 3 about 60 terms reach double precision, 200 is a safe cap.
    for (let k = 1; k < 200; k++) {
      term *= (x * x) / (2 * k + 1);
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  // 60 levels are far more than needed at x ≥ 3 (checked against mpmath to 1e-16 in the tests).
  let fraction = ax;
  for (let k = 60; k >= 1; k--) fraction = ax + k / fraction;
  const tail = normalPdf(ax) / fraction;
  return x > 0 ? 1 - tail : tail;
}

/** The upper tail 1 − Φ(x), computed as Φ(−x) so that small tails keep their digits. */
export function normalSf(x: number): number {
  return normalCdf(-x);
}

function checkCount(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new UsageError(`${fn}: ${name} must be a whole number ≥ 0, got ${String(value)}.`);
  }
}

/** A confidence interval for a proportion, both ends in [0, 1]. */
export interface Interval01 {
  readonly low: number;
  readonly high: number;
}

/**
 * Wilson score interval for `successes` of `n` (E. B. Wilson, "Probable inference, the law of succession, and
 * statistical inference", JASA 22, 1927; recommended over the Wald interval by A. Agresti & B. A. Coull,
 * "Approximate is better than 'exact' for interval estimation of binomial proportions", Am. Stat. 52, 1998).
 * Unlike p ± z·√(p(1−p)/n) it stays inside [0, 1] and does not collapse to zero width at 0 or n successes, which is
 * exactly the small-sample case a young strategy is in.
 *
 *   centre = (p + z²/2n) / (1 + z²/n),  half = z/(1 + z²/n) · √(p(1−p)/n + z²/4n²)
 *
 * n = 0 carries no information: the interval is the whole [0, 1].
 */
export function wilson(successes: number, n: number, z: number = Z_95): Interval01 {
  checkCount("wilson", "n", n);
  checkCount("wilson", "successes", successes);
  if (successes > n) throw new UsageError(`wilson: successes (${successes}) cannot exceed n (${n}).`);
  if (!Number.isFinite(z) || z <= 0) throw new UsageError(`wilson: z must be a finite number > 0, got ${String(z)}.`);
  if (n === 0) return { low: 0, high: 1 };
  const p = successes / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  // At 0 (or n) successes the lower (upper) end is exactly 0 (1) algebraically; rounding must not push it outside.
  const low = successes === 0 ? 0 : Math.max(0, centre - half);
  const high = successes === n ? 1 : Math.min(1, centre + half);
  return { low, high };
}

export interface ZTestResult {
  /** (p₁ − p₂) / pooled standard error; positive when group 1 has the higher rate. */
  readonly z: number;
  /** P(Z ≥ z): evidence that group 1's rate is HIGHER than group 2's. */
  readonly pOneSided: number;
  /** P(|Z| ≥ |z|): evidence that the rates differ in either direction. */
  readonly pTwoSided: number;
}

/**
 * Pooled two-proportion z-test of x₁/n₁ against x₂/n₂ (the textbook large-sample test, e.g. Agresti, "Categorical
 * Data Analysis", §3.1): p̂ = (x₁+x₂)/(n₁+n₂), SE = √(p̂(1−p̂)(1/n₁ + 1/n₂)), z = (x₁/n₁ − x₂/n₂)/SE.
 * When a group is empty, or both groups are all successes or all failures (SE = 0), the data say nothing about a
 * difference: z = 0, pOneSided = 0.5, pTwoSided = 1 (rather than NaN).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number): ZTestResult {
  const fn = "twoProportionZTest";
  checkCount(fn, "n1", n1);
  checkCount(fn, "x1", x1);
  checkCount(fn, "n2", n2);
  checkCount(fn, "x2", x2);
  if (x1 > n1) throw new UsageError(`${fn}: x1 (${x1}) cannot exceed n1 (${n1}).`);
  if (x2 > n2) throw new UsageError(`${fn}: x2 (${x2}) cannot exceed n2 (${n2}).`);
  if (n1 === 0 || n2 === 0) return { z: 0, pOneSided: 0.5, pTwoSided: 1 };
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { z: 0, pOneSided: 0.5, pTwoSided: 1 };
  const z = (x1 / n1 - x2 / n2) / se;
  return { z, pOneSided: normalSf(z), pTwoSided: Math.min(1, 2 * normalSf(Math.abs(z))) };
}

/**
 * Holm–Bonferroni step-down procedure (S. Holm, "A simple sequentially rejective multiple test procedure",
 * Scand. J. Statist. 6, 1979). With m tests sorted by p ascending, reject while p₍ₖ₎ ≤ α/(m − k) (k from 0), and stop
 * at the first that is not. Controls the family-wise error rate at α, so slicing trades many ways does not "find"
 * an edge by chance. Returns the rejections in the order of `pValues`.
 */
export function holmBonferroni(pValues: readonly number[], alpha = 0.05): boolean[] {
  if (!Number.isFinite(alpha) || alpha <= 0 || alpha >= 1) {
    throw new UsageError(`holmBonferroni: alpha must be in (0, 1), got ${String(alpha)}.`);
  }
  pValues.forEach((p, i) => {
    if (typeof p !== "number" || !(p >= 0 && p <= 1)) {
      throw new UsageError(`holmBonferroni: p-value #${i} must be in [0, 1], got ${String(p)}.`);
    }
  });
  const m = pValues.length;
  // Stable sort by p: equal p-values keep their input order, so the result is deterministic.
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p || a.i - b.i);
  const rejected = new Array<boolean>(m).fill(false);
  for (let k = 0; k < m; k++) {
    const item = order[k]!;
    if (item.p > alpha / (m - k)) break;
    rejected[item.i] = true;
  }
  return rejected;
}

/** Arithmetic mean; null for an empty list. */
export function mean(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  let sum = 0;
  for (const x of xs) sum += x;
  return sum / xs.length;
}

/**
 * Sample standard deviation (divides by n − 1, Bessel's correction); null for fewer than 2 values. A list of equal
 * values gives exactly 0 (checked directly: rounding in the mean could otherwise leave a spurious 1e-17 that would
 * blow a ratio such as Sharpe up to 1e15).
 */
export function sampleStdDev(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const first = xs[0]!;
  if (xs.every((x) => x === first)) return 0;
  const m = mean(xs)!;
  let ss = 0;
  for (const x of xs) ss += (x - m) * (x - m);
  return Math.sqrt(ss / (xs.length - 1));
}

/**
 * −0 (from an underflowing product such as −5e-324 / 10 000) becomes 0: JSON writes both as 0, so keeping −0 would
 * make a result differ from its own saved copy.
 */
export function noNegativeZero(x: number): number {
  return x === 0 ? 0 : x;
}
