import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZScore, zScore, zScoreLookback } from "../../src/indicators/index.js";
import { btc1h } from "./fixtures/real-candles.js";

/** The definition, computed the slow, obvious way: two passes over each window. */
function twoPass(x: ArrayLike<number>, period: number): Float64Array {
  const out = new Float64Array(x.length).fill(Number.NaN);
  for (let i = period - 1; i < x.length; i++) {
    const v = x[i]!;
    let constant = true;
    let mean = 0;
    for (let j = i - period + 1; j <= i; j++) {
      constant &&= x[j] === v;
      mean += x[j]!;
    }
    mean /= period;
    let ss = 0;
    for (let j = i - period + 1; j <= i; j++) ss += (x[j]! - mean) ** 2;
    out[i] = constant || ss === 0 ? 0 : (v - mean) / Math.sqrt(ss / period);
  }
  return out;
}

function worstDiff(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]!) !== Number.isNaN(b[i]!)) return Number.POSITIVE_INFINITY;
    if (!Number.isNaN(a[i]!)) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)));
  }
  return worst;
}

describe("zScore (population standard deviation, current value in its window)", () => {
  it("matches hand-computed values", () => {
    const z = zScore([1, 2, 3, 4, 5, 5], 5);
    expect(zScoreLookback(5)).toBe(4);
    expect(Number.isNaN(z[3]!)).toBe(true);
    // [1..5]: mean 3, variance (4+1+0+1+4)/5 = 2.
    expect(z[4]).toBeCloseTo(2 / Math.SQRT2, 14);
    // [2,3,4,5,5]: mean 3.8, variance 6.8/5 = 1.36.
    expect(z[5]).toBeCloseTo(1.2 / Math.sqrt(1.36), 14);
  });

  it("reaches exactly √(period − 1) for a lone spike (Samuelson's bound), never beyond", () => {
    // [1,1,1,1,10]: mean 2.8, variance (4·3.24 + 51.84)/5 = 12.96, so z = 7.2 / 3.6 = 2 = √4.
    expect(zScore([1, 1, 1, 1, 10], 5)[4]).toBeCloseTo(2, 14);
    fc.assert(
      fc.property(
        // Any double from 1e-8 (Binance's smallest volume step) to 1e12, and zeros. Far below that, squares underflow.
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-8, max: 1e12, noNaN: true })), {
          minLength: 2,
          maxLength: 60,
        }),
        fc.integer({ min: 2, max: 20 }),
        (xs, period) => {
          const bound = Math.sqrt(period - 1) * (1 + 1e-12);
          return Array.from(zScore(xs, period)).every((v) => Number.isNaN(v) || Math.abs(v) <= bound);
        },
      ),
    );
  });

  it("matches the definition to 1e-12 on random volume-like data spanning twenty orders of magnitude", () => {
    // Volumes are 0 or a few significant digits times a power of ten (1e-8 .. 1e12), with ties and zero runs.
    const volume = fc.oneof(
      fc.constant(0),
      fc.tuple(fc.integer({ min: 1, max: 999_999 }), fc.integer({ min: -8, max: 6 })).map(([m, e]) => m * 10 ** e),
    );
    fc.assert(
      fc.property(fc.array(volume, { minLength: 2, maxLength: 120 }), fc.integer({ min: 2, max: 25 }), (xs, period) => {
        expect(worstDiff(zScore(xs, period), twoPass(xs, period))).toBeLessThan(1e-12);
      }),
      { numRuns: 300 },
    );
  });

  it("gives the exact ±1 of a two-value window one unit in the last place apart (no cancellation)", () => {
    const ulp = 2 ** -23; // spacing of doubles near 1e9
    expect(Array.from(zScore([1e9, 1e9 + ulp, 1e9, 1e9 + ulp, 1e9 + 2 * ulp], 2).slice(1))).toEqual([1, -1, 1, 1]);
  });

  it("is 0 for a constant window (a halt's zero volumes), including after large values left the window", () => {
    const z = zScore([5e9, 3, 0, 0, 0, 0, 0, 7, 7, 7], 3);
    expect(Array.from(z.slice(4))).toEqual([0, 0, 0, z[7], z[8], 0]);
    expect(z[7]).toBeCloseTo(Math.SQRT2, 12); // [0,0,7]
  });

  it("matches the two-pass definition to 1e-9 on all real BTCUSDT 1h volumes", () => {
    const vol = btc1h().cols.volume;
    for (const period of [20, 96]) expect(worstDiff(zScore(vol, period), twoPass(vol, period))).toBeLessThan(1e-9);
  });

  it("stays exact long after a spike a million times the usual volume (compensated sums)", () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const xs = Array.from({ length: 20_000 }, (_, i) => (i % 5_000 === 500 ? 1e9 : 100 + 900 * rnd()));
    expect(worstDiff(zScore(xs, 20), twoPass(xs, 20))).toBeLessThan(1e-9);
    const streamed = new ZScore(20);
    expect(Float64Array.from(xs, (x) => streamed.update(x) ?? Number.NaN)).toEqual(zScore(xs, 20));
  });
});
