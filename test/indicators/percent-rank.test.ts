import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PercentRank, percentRank } from "../../src/indicators/index.js";

describe("percentRank (share of the previous period values strictly below the current one)", () => {
  it("matches hand-computed values", () => {
    const r = percentRank([3, 1, 2, 5, 5, 0, 2], 3);
    expect(Array.from(r.slice(0, 3)).every(Number.isNaN)).toBe(true);
    // bar 3: 5 vs [3,1,2] → 3 below; bar 4: 5 vs [1,2,5] → 2; bar 5: 0 vs [2,5,5] → 0; bar 6: 2 vs [5,5,0] → 1.
    expect(Array.from(r.slice(3))).toEqual([100, (2 / 3) * 100, 0, (1 / 3) * 100]);
  });

  it("counts ties as not below: a flat run ranks 0, a new high after it 100", () => {
    expect(Array.from(percentRank([0, 0, 0, 0, 0, 1], 3).slice(3))).toEqual([0, 0, 100]);
  });

  it("equals a brute-force count on random data with many ties, in both forms", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 80 }),
        fc.integer({ min: 2, max: 12 }),
        (xs, period) => {
          const want = xs.map((v, i) =>
            i < period ? undefined : (xs.slice(i - period, i).filter((u) => u < v).length / period) * 100,
          );
          const batch = Array.from(percentRank(xs, period), (v) => (Number.isNaN(v) ? undefined : v));
          const ind = new PercentRank(period);
          const streamed = xs.map((x) => ind.update(x));
          expect(batch).toEqual(want);
          expect(streamed).toEqual(want);
        },
      ),
    );
  });
});
