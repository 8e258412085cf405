import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { backoffCeiling, fullJitterDelay } from "../../src/exchange/http/backoff.js";

describe("full-jitter backoff", () => {
  const opts = { baseMs: 100, maxMs: 5000 };

  it("doubles the ceiling per attempt up to the cap", () => {
    expect([0, 1, 2, 3, 5, 6, 50, 5000].map((a) => backoffCeiling(a, opts))).toEqual([
      100, 200, 400, 800, 3200, 5000, 5000, 5000,
    ]);
  });

  it("draws uniformly in [0, ceiling] from the injected random source", () => {
    expect(fullJitterDelay(3, opts, () => 0)).toBe(0);
    expect(fullJitterDelay(3, opts, () => 0.5)).toBe(400);
    expect(fullJitterDelay(3, opts, () => 0.999999)).toBe(800);
    expect(fullJitterDelay(9, opts, () => 0.25)).toBe(1250);
  });

  it("always stays within [0, min(max, base·2^attempt)]", () => {
    fc.assert(
      fc.property(fc.nat(2000), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, r) => {
        const d = fullJitterDelay(attempt, opts, () => r);
        return d >= 0 && d <= Math.min(opts.maxMs, opts.baseMs * 2 ** attempt);
      }),
    );
  });

  it("rejects a negative attempt and survives a broken random source", () => {
    expect(() => backoffCeiling(-1, opts)).toThrow(RangeError);
    expect(fullJitterDelay(2, opts, () => Number.NaN)).toBe(0);
  });
});
