/**
 * Student's t distribution and Welch's unequal-variance t-test, for asking whether one set of trade R multiples has
 * a higher mean than another by more than noise. The t distribution (not the normal) because a strategy is judged
 * on tens of trades, where the normal approximation overstates significance.
 *
 * Math, written from the definitions:
 * - P(T > t) = ½ · I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0 (I the regularised incomplete beta function), by symmetry for t < 0.
 * - I_x(a, b) by its continued fraction (Abramowitz & Stegun 26.5.8), evaluated with the modified Lentz method, on
 *   the side x < (a+1)/(a+b+2) where it converges fast (else through I_x(a,b) = 1 − I_{1−x}(b,a)).
 * - ln Γ by Stirling's series after shifting the argument above 10 with Γ(x+1) = xΓ(x).
 * - Welch (1947): t = (m₁ − m₂) / √(s₁²/n₁ + s₂²/n₂), ν by the Welch–Satterthwaite equation.
 */
import { UsageError } from "../../core/errors.js";
import { mean, sampleStdDev } from "../../learning/stats.js";

const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0, to about 1e-15 absolute for the shifted argument. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x))
    throw new UsageError(`logGamma: x must be a finite number > 0, got ${String(x)}.`);
  let shift = 0;
  let z = x;
  // ln Γ(x) = ln Γ(x + k) − ln(x(x+1)…(x+k−1)); the series below is accurate to double precision from 10 up.
  while (z < 10) {
    shift += Math.log(z);
    z += 1;
  }
  // Stirling: Σ B₂ₖ / (2k(2k−1) z^(2k−1)) for k = 1..6; the first term left out, 1/(156 z¹³), is below 1e-15 at z = 10.
  const w = 1 / (z * z);
  const series =
    (1 / z) * (1 / 12 + w * (-1 / 360 + w * (1 / 1260 + w * (-1 / 1680 + w * (1 / 1188 + w * (-691 / 360360))))));
  return (z - 0.5) * Math.log(z) - z + HALF_LN_2PI + series - shift;
}

/** The continued fraction of I_x(a, b) without its prefactor (modified Lentz; converges for x < (a+1)/(a+b+2)). */
function betaFraction(x: number, a: number, b: number): number {
  const TINY = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 500; m++) {
    // Even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 + even * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + even / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    f *= d * c;
    // Odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + odd * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + odd / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return f;
}

/** The regularised incomplete beta function I_x(a, b), for a, b > 0 and x in [0, 1]. */
export function regularizedBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || !Number.isFinite(a) || !Number.isFinite(b)) {
    throw new UsageError(`regularizedBeta: a and b must be finite numbers > 0, got a=${String(a)}, b=${String(b)}.`);
  }
  if (!(x >= 0 && x <= 1)) throw new UsageError(`regularizedBeta: x must be in [0, 1], got ${String(x)}.`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lnFront) * betaFraction(x, a, b)) / a;
  return 1 - (Math.exp(lnFront) * betaFraction(1 - x, b, a)) / b;
}

/** P(T > t) for Student's t with `df` > 0 degrees of freedom (df need not be whole: Welch's is not). */
export function studentTSf(t: number, df: number): number {
  if (Number.isNaN(t)) throw new UsageError("studentTSf: t is NaN; pass a number or ±Infinity.");
  if (!(df > 0) || !Number.isFinite(df))
    throw new UsageError(`studentTSf: df must be a finite number > 0, got ${String(df)}.`);
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (t === Number.NEGATIVE_INFINITY) return 1;
  const tail = 0.5 * regularizedBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? tail : 1 - tail;
}

export interface WelchResult {
  /** Mean of `a` minus mean of `b`. */
  readonly diff: number;
  readonly t: number;
  readonly df: number;
  /** P(T ≥ t): evidence that `a`'s mean is HIGHER than `b`'s. */
  readonly pOneSided: number;
}

/**
 * One-sided Welch test that mean(a) > mean(b). `a` needs at least 2 values. `b` with fewer than 2 values is treated
 * as a known reference level (its mean, or 0 when empty: doing nothing earns 0 R) and the test becomes the one-sample
 * t-test of `a` against it. Null when it cannot be computed (a has fewer than 2 values). When neither sample varies
 * the difference is exact: p is 0 for a positive difference and 1 otherwise.
 */
export function welchTest(a: readonly number[], b: readonly number[]): WelchResult | null {
  if (a.length < 2) return null;
  const ma = mean(a) as number;
  const mb = mean(b) ?? 0;
  const va = (sampleStdDev(a) as number) ** 2 / a.length;
  const vb = b.length >= 2 ? (sampleStdDev(b) as number) ** 2 / b.length : 0;
  const diff = ma - mb;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) {
    return { diff, t: diff > 0 ? Number.MAX_VALUE : 0, df: a.length - 1, pOneSided: diff > 0 ? 0 : 1 };
  }
  const df = b.length >= 2 ? (va + vb) ** 2 / (va ** 2 / (a.length - 1) + vb ** 2 / (b.length - 1)) : a.length - 1;
  const t = diff / se;
  return { diff, t, df, pOneSided: studentTSf(t, df) };
}
