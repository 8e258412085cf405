import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  holmBonferroni,
  mean,
  noNegativeZero,
  normalCdf,
  normalSf,
  sampleStdDev,
  twoProportionZTest,
  wilson,
} from "../../src/learning/stats.js";

describe("normalCdf", () => {
  // Reference values: standard normal tables (Φ(1.96) = 0.9750021) and mpmath.ncdf at 40 digits for the rest.
  const known: [number, number][] = [
    [0, 0.5],
    [1, 0.8413447460685429],
    [-1, 0.15865525393145705],
    [1.96, 0.9750021048517795],
    [-1.96, 0.024997895148220435],
    [2.5, 0.9937903346742238],
    [-3, 0.0013498980316300946],
    [3.5, 0.9997673709209645],
    [-5, 2.866515718791939e-7],
  ];
  it.each(known)("Φ(%f) matches the reference to 1e-12", (x, want) => {
    expect(Math.abs(normalCdf(x) - want)).toBeLessThan(1e-12);
  });

  it("matches the 7-digit table value Φ(1.96) = 0.9750021 to 1e-7", () => {
    expect(Math.abs(normalCdf(1.96) - 0.9750021)).toBeLessThan(1e-7);
  });

  it("keeps the relative accuracy of far tails (Φ(−8) = 6.220960574271784e-16)", () => {
    expect(Math.abs(normalCdf(-8) / 6.220960574271784e-16 - 1)).toBeLessThan(1e-12);
    expect(normalSf(8)).toBe(normalCdf(-8));
  });

  it("is continuous where it switches method at |x| = 3", () => {
    // Φ'(3) = φ(3) = 0.004431848, so a step of 1e-9 moves Φ by ≈ 4.4e-12.
    expect(Math.abs(normalCdf(3) - normalCdf(3 - 1e-9))).toBeLessThan(1e-11);
    expect(Math.abs(normalCdf(-3) - normalCdf(-3 + 1e-9))).toBeLessThan(1e-11);
  });

  it("handles infinities and rejects NaN", () => {
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(60)).toBe(1);
    expect(normalCdf(-60)).toBe(0);
    expect(() => normalCdf(Number.NaN)).toThrow(UsageError);
  });

  it("property: Φ(x) + Φ(−x) = 1 and Φ is non-decreasing", () => {
    fc.assert(
      fc.property(fc.double({ min: -10, max: 10, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (x, d) => {
        expect(Math.abs(normalCdf(x) + normalCdf(-x) - 1)).toBeLessThan(1e-14);
        expect(normalCdf(x + d)).toBeGreaterThanOrEqual(normalCdf(x));
      }),
    );
  });
});

describe("wilson", () => {
  it("reproduces Agresti & Coull's examples: 0 of 10 → [0, 0.2775], 5 of 10 → [0.2366, 0.7634]", () => {
    const none = wilson(0, 10);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.2775, 4);
    // 5 of 10: p = 0.5, z²/n = 3.841459/10 = 0.3841459, centre = (0.5 + 0.1920730)/1.3841459 = 0.5,
    // half = 1.959964/1.3841459 × √(0.025 + 3.841459/400) = 1.4159990 × 0.1860204 = 0.2634069.
    const half = wilson(5, 10);
    expect(half.low).toBeCloseTo(0.2365931, 7);
    expect(half.high).toBeCloseTo(0.7634069, 7);
  });

  it("2 of 5 → [0.1176, 0.7693]", () => {
    // p = 0.4, z²/n = 0.7682918, centre = (0.4 + 0.3841459)/1.7682918 = 0.4434482,
    // half = 1.959964/1.7682918 × √(0.048 + 0.0384146) = 1.1083939 × 0.2939636 = 0.3258275.
    const w = wilson(2, 5);
    expect(w.low).toBeCloseTo(0.1176208, 7);
    expect(w.high).toBeCloseTo(0.7692757, 7);
  });

  it("n of n has high exactly 1; n = 0 is the whole [0, 1]", () => {
    expect(wilson(10, 10).high).toBe(1);
    expect(wilson(10, 10).low).toBeCloseTo(1 - 0.2775328, 7);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });

  it("a wider z gives a wider interval", () => {
    const w95 = wilson(7, 20);
    const w99 = wilson(7, 20, 2.575829);
    expect(w99.low).toBeLessThan(w95.low);
    expect(w99.high).toBeGreaterThan(w95.high);
  });

  it("rejects impossible counts with a message naming the argument", () => {
    expect(() => wilson(11, 10)).toThrow(/successes \(11\) cannot exceed n \(10\)/);
    expect(() => wilson(1.5, 10)).toThrow(/successes must be a whole number/);
    expect(() => wilson(1, -1)).toThrow(/n must be a whole number/);
    expect(() => wilson(1, 10, 0)).toThrow(/z must be a finite number > 0/);
  });

  it("property: 0 ≤ low ≤ p ≤ high ≤ 1", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }).chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n))),
        ([s, n]) => {
          const { low, high } = wilson(s, n);
          expect(low).toBeGreaterThanOrEqual(0);
          expect(high).toBeLessThanOrEqual(1);
          expect(low).toBeLessThanOrEqual(s / n);
          expect(high).toBeGreaterThanOrEqual(s / n);
        },
      ),
    );
  });
});

describe("twoProportionZTest", () => {
  it("30/50 vs 20/50: pooled 0.5, SE 0.1, z = 2", () => {
    // p̂ = 50/100 = 0.5; SE = √(0.25 × (1/50 + 1/50)) = √0.01 = 0.1; z = (0.6 − 0.4)/0.1 = 2.
    // 1 − Φ(2) = 0.0227501319, two-sided 0.0455002639.
    const r = twoProportionZTest(30, 50, 20, 50);
    expect(r.z).toBeCloseTo(2, 12);
    expect(r.pOneSided).toBeCloseTo(0.0227501319, 9);
    expect(r.pTwoSided).toBeCloseTo(0.0455002639, 9);
  });

  it("is antisymmetric: swapping the groups flips z and the one-sided p", () => {
    const r = twoProportionZTest(20, 50, 30, 50);
    expect(r.z).toBeCloseTo(-2, 12);
    expect(r.pOneSided).toBeCloseTo(1 - 0.0227501319, 9);
    expect(r.pTwoSided).toBeCloseTo(0.0455002639, 9);
  });

  it("no information (an empty group, or both all wins) gives z 0 and p 0.5 / 1, never NaN", () => {
    expect(twoProportionZTest(0, 0, 3, 5)).toEqual({ z: 0, pOneSided: 0.5, pTwoSided: 1 });
    expect(twoProportionZTest(5, 5, 8, 8)).toEqual({ z: 0, pOneSided: 0.5, pTwoSided: 1 });
    expect(twoProportionZTest(0, 5, 0, 8)).toEqual({ z: 0, pOneSided: 0.5, pTwoSided: 1 });
  });

  it("rejects x > n", () => {
    expect(() => twoProportionZTest(6, 5, 1, 5)).toThrow(/x1 \(6\) cannot exceed n1 \(5\)/);
    expect(() => twoProportionZTest(1, 5, 1, -5)).toThrow(/n2 must be a whole number/);
  });
});

describe("holmBonferroni", () => {
  it("rejects step-down while p(k) ≤ α/(m−k)", () => {
    // Sorted: 0.005 ≤ 0.05/4 = 0.0125 ✓, 0.01 ≤ 0.05/3 = 0.0167 ✓, 0.03 ≤ 0.05/2 = 0.025 ✗ → stop.
    expect(holmBonferroni([0.01, 0.04, 0.03, 0.005], 0.05)).toEqual([true, false, false, true]);
  });

  it("stops at the first failure even when a later p would pass its own threshold", () => {
    // Sorted: 0.001 ≤ 0.0167 ✓, 0.04 ≤ 0.025 ✗ → 0.045 is kept although 0.045 ≤ 0.05/1.
    expect(holmBonferroni([0.04, 0.045, 0.001])).toEqual([false, false, true]);
    // All pass: 0.001 ≤ 0.0167, 0.02 ≤ 0.025, 0.026 ≤ 0.05.
    expect(holmBonferroni([0.02, 0.001, 0.026])).toEqual([true, true, true]);
  });

  it("handles an empty list and checks its inputs", () => {
    expect(holmBonferroni([])).toEqual([]);
    expect(() => holmBonferroni([0.1, 1.2])).toThrow(/p-value #1 must be in \[0, 1\], got 1.2/);
    expect(() => holmBonferroni([0.1], 0)).toThrow(/alpha must be in \(0, 1\)/);
  });

  it("property: never rejects a p above α, and rejects at least what plain Bonferroni (p ≤ α/m) does", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }), (ps) => {
        const r = holmBonferroni(ps, 0.05);
        ps.forEach((p, i) => {
          if (r[i]) expect(p).toBeLessThanOrEqual(0.05);
          if (p <= 0.05 / ps.length) expect(r[i]).toBe(true);
        });
      }),
    );
  });
});

describe("mean and sampleStdDev", () => {
  it("[2,4,4,4,5,5,7,9]: mean 5, sample sd √(32/7) = 2.1380899", () => {
    // Squared deviations 9+1+1+1+0+0+4+16 = 32; sample variance 32/7.
    expect(mean([2, 4, 4, 4, 5, 5, 7, 9])).toBe(5);
    expect(sampleStdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.1380899353, 9);
  });

  it("equal values have exactly zero deviation; too few values give null", () => {
    expect(sampleStdDev([0.1, 0.1, 0.1])).toBe(0);
    expect(sampleStdDev([1])).toBeNull();
    expect(mean([])).toBeNull();
  });
});

describe("noNegativeZero", () => {
  it("turns −0 into 0 and leaves everything else alone", () => {
    expect(Object.is(noNegativeZero(-0), 0)).toBe(true);
    expect(noNegativeZero(-5e-324)).toBe(-5e-324);
    expect(noNegativeZero(2.5)).toBe(2.5);
  });
});
