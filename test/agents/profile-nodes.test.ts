import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type NodeCandidate, profileNodes, smoothProfile } from "../../src/agents/profile-nodes.js";

// ---- Oracle: the straightforward algorithms profile-nodes.ts had before its O(bins) rewrite (walk outward from
// every candidate to find its bases), kept verbatim so that the fast version can be checked against them.

function oracleSmooth(values: Float64Array, halfWidth: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (halfWidth === 0) {
    out.set(values);
    return out;
  }
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const wantLo = Math.max(0, i - halfWidth);
    const wantHi = Math.min(n - 1, i + halfWidth);
    while (hi < wantHi) sum += values[++hi]!;
    while (lo < wantLo) sum -= values[lo++]!;
    out[i] = sum / (hi - lo + 1);
  }
  return out;
}

function oracleNodes(s: Float64Array, sign: 1 | -1, minProminence: number): NodeCandidate[] {
  const n = s.length;
  const out: NodeCandidate[] = [];
  const v = (i: number): number => sign * s[i]!;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && s[j + 1] === s[i]) j++;
    const x = v(i);
    const leftOk = i > 0 ? v(i - 1) < x : sign === 1 && x > 0;
    const rightOk = j < n - 1 ? v(j + 1) < x : sign === 1 && x > 0;
    if (leftOk && rightOk) {
      const mid = (i + j) >> 1;
      const prominence = x - Math.max(oracleBase(v, n, i, -1, x, sign), oracleBase(v, n, j, 1, x, sign));
      if (prominence >= minProminence && prominence > 0) {
        const half = x - prominence / 2;
        let from = i;
        while (from > 0 && v(from - 1) >= half) from--;
        let to = j;
        while (to < n - 1 && v(to + 1) >= half) to++;
        out.push({ bin: mid, from, to, value: s[mid]!, prominence });
      }
    }
    i = j + 1;
  }
  out.sort((a, b) => b.prominence - a.prominence || a.bin - b.bin);
  return out;
}

function oracleBase(v: (i: number) => number, n: number, start: number, dir: 1 | -1, x: number, sign: 1 | -1): number {
  let lowest = x;
  for (let k = start + dir; k >= 0 && k < n; k += dir) {
    const y = v(k);
    if (y > x) return lowest;
    if (y < lowest) lowest = y;
  }
  return sign === 1 ? Math.min(lowest, 0) : lowest;
}

// Values from a small set make plateaus, ties and zeros common; tiny negatives are what a running-sum smoothing
// leaves where the profile is empty; -0 checks nothing depends on the sign of zero.
const valueArb = fc.oneof(
  fc.constantFrom(0, -0, 1, 2, 3, 0.5, 1e-17, -1e-17),
  fc.integer({ min: 0, max: 6 }),
  fc.double({ min: -1, max: 10, noNaN: true }),
);
const profileArb = fc.array(valueArb, { maxLength: 60 });
const thresholdArb = fc.oneof(fc.constant(0), fc.double({ min: 0, max: 6, noNaN: true }));

describe("profileNodes (hand-computed)", () => {
  it("measures peaks against the lower of the bases, 0 past the edges", () => {
    // [0, 2, 1, 3, 0]: bin 3 (3) sees nothing higher either way, bases 0 and 0 (edge) → prominence 3, band at half
    // height 1.5 is bin 3 alone. Bin 1 (2): left base 0 (edge), right base 1 (bin 2, before the higher bin 3)
    // → prominence 2 − max(0, 1) = 1, band at 1.5 is bin 1 alone.
    expect(profileNodes([0, 2, 1, 3, 0], 1, 0)).toEqual([
      { bin: 3, from: 3, to: 3, value: 3, prominence: 3 },
      { bin: 1, from: 1, to: 1, value: 2, prominence: 1 },
    ]);
    // Threshold 1.5 keeps only the prominence-3 peak.
    expect(profileNodes([0, 2, 1, 3, 0], 1, 1.5).map((c) => c.bin)).toEqual([3]);
  });

  it("finds troughs only inside the profile, against the lower of the two walls", () => {
    // Mirrored [0, 2, 1, 3, 0] → the trough at bin 2 (1) has walls 2 (left) and 3 (right): prominence
    // min(2, 3) − 1 = 1; the zeros at the ends are the tails, not troughs.
    expect(profileNodes([0, 2, 1, 3, 0], -1, 0)).toEqual([{ bin: 2, from: 2, to: 2, value: 1, prominence: 1 }]);
  });

  it("takes the middle of a plateau and walks past equal bins to the nearest strictly higher one", () => {
    // [1, 4, 4, 4, 2, 4, 0]: plateau 1–3 (4) has nothing strictly higher: left base 1 then edge 0 → 0; right
    // base min(2, 4, 0) then edge → 0. Prominence 4, band at 2: bins 1–5 (bin 0 = 1 < 2, bin 6 = 0 < 2).
    // Bin 5 (4) likewise: left walk passes the equal plateau to the edge (min 1 → 0), right 0 → prominence 4;
    // band bins 1–5 too. Equal prominence → lower bin first.
    expect(profileNodes([1, 4, 4, 4, 2, 4, 0], 1, 0)).toEqual([
      { bin: 2, from: 1, to: 5, value: 4, prominence: 4 },
      { bin: 5, from: 1, to: 5, value: 4, prominence: 4 },
    ]);
  });
});

describe("profileNodes and smoothProfile equal the straightforward algorithms", () => {
  it("on random profiles with plateaus, ties, zeros and edges (peaks and troughs)", () => {
    fc.assert(
      fc.property(profileArb, thresholdArb, fc.constantFrom<1 | -1>(1, -1), (values, threshold, sign) => {
        const expected = oracleNodes(Float64Array.from(values), sign, threshold);
        expect(profileNodes(values, sign, threshold)).toEqual(expected);
        expect(profileNodes(Float64Array.from(values), sign, threshold)).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("on smoothed random profiles, as the agent calls them", () => {
    fc.assert(
      fc.property(profileArb, fc.integer({ min: 0, max: 4 }), thresholdArb, (values, halfWidth, threshold) => {
        const smoothed = smoothProfile(values, halfWidth);
        const expected = oracleSmooth(Float64Array.from(values), halfWidth);
        // Bit-identical, including the sign of zero.
        expect(smoothed.length).toBe(expected.length);
        for (let k = 0; k < smoothed.length; k++) expect(Object.is(smoothed[k], expected[k])).toBe(true);
        for (const sign of [1, -1] as const) {
          expect(profileNodes(smoothed, sign, threshold)).toEqual(oracleNodes(expected, sign, threshold));
        }
      }),
      { numRuns: 1500 },
    );
  });

  it("on long profiles (the O(bins²) walks' worst case: a staircase, then a sawtooth)", () => {
    const stair = Array.from({ length: 400 }, (_, k) => (k % 2 === 0 ? k : k - 1.5));
    const saw = Array.from({ length: 400 }, (_, k) => (k % 7) * ((k * 13) % 11));
    for (const p of [stair, stair.slice().reverse(), saw]) {
      for (const sign of [1, -1] as const) {
        const expected = oracleNodes(Float64Array.from(p), sign, 0);
        expect(expected.length).toBeGreaterThan(10);
        expect(profileNodes(p, sign, 0)).toEqual(expected);
      }
    }
  });
});
