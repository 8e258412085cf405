/** The S/R detector's parts: zone clustering, touch counting and the confluence score. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { closedWindow } from "../../src/agents/closed-window.js";
import { confluenceScore, DEFAULT_SR_SCORING } from "../../src/agents/sr-score.js";
import { tallyTouches } from "../../src/agents/sr-touches.js";
import { clusterSortedLevels } from "../../src/agents/sr-zones.js";
import type { Candle } from "../../src/core/candle.js";

const HOUR = 3_600_000;

function candle(i: number, open: number, high: number, low: number, close: number, closed = true): Candle {
  return {
    openTime: i * HOUR,
    closeTime: (i + 1) * HOUR - 1,
    open,
    high,
    low,
    close,
    volume: 1,
    quoteVolume: 0,
    trades: 0,
    takerBuyBase: 0,
    takerBuyQuote: 0,
    closed,
  };
}

/** Zones as the detector builds them: [start, end) slices of the sorted prices. */
function zonesOf(sorted: number[], tol: number): number[][] {
  const starts = clusterSortedLevels(sorted, tol);
  return starts.map((s, k) => sorted.slice(s, starts[k + 1] ?? sorted.length));
}

describe("zone clustering", () => {
  it("sweeps upward, starting a new zone when the band would exceed the tolerance of its midpoint", () => {
    // 100 → 101.4: width 1.4 ≤ 1.5 % of 100.7; 102.5 would make 2.5 > 1.5 % of 101.25.
    expect(zonesOf([100, 101.4, 102.5, 103.9], 0.015)).toEqual([
      [100, 101.4],
      [102.5, 103.9],
    ]);
    expect(zonesOf([], 0.015)).toEqual([]);
    expect(zonesOf([5, 5, 5], 0.015)).toEqual([[5, 5, 5]]);
  });

  it("does not chain: levels 1 % apart do not make one wide zone", () => {
    const levels = Array.from({ length: 10 }, (_, i) => 100 * 1.01 ** i);
    for (const z of zonesOf(levels, 0.015)) expect(z.length).toBeLessThanOrEqual(2);
  });

  it("partitions any levels into bands within tolerance, independently of their order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { maxLength: 60 }),
        fc.double({ min: 0.001, max: 0.2, noNaN: true }),
        fc.nat(),
        (levels, tol, seed) => {
          const sorted = [...levels].sort((a, b) => a - b);
          const zones = zonesOf(sorted, tol);
          expect(zones.flat()).toEqual(sorted);
          for (const z of zones) {
            const low = z[0]!;
            const high = z[z.length - 1]!;
            expect(high - low).toBeLessThanOrEqual((tol * (high + low)) / 2);
          }
          // Each zone's first level could not have joined the zone before it.
          for (let k = 1; k < zones.length; k++) {
            const prevLow = zones[k - 1]![0]!;
            const p = zones[k]![0]!;
            expect(p - prevLow).toBeGreaterThan((tol * (p + prevLow)) / 2);
          }
          // Another arrival order, same zones (the detector sorts before clustering).
          const shuffled = [...levels];
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (seed + i * 7919) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          expect(
            zonesOf(
              shuffled.sort((a, b) => a - b),
              tol,
            ),
          ).toEqual(zones);
        },
      ),
    );
  });
});

describe("touch counting", () => {
  // One zone [100, 101], centre 100.5, tolerance 2 %: a lower wick may reach down to 101 − 2.01 = 98.99.
  const bands = { low: Float64Array.of(100), high: Float64Array.of(101), centre: Float64Array.of(100.5) };
  const count = (candles: Candle[], pivots: [number, number][] = []) => {
    const tally = { counts: new Int32Array(1), first: Float64Array.of(Infinity), last: Float64Array.of(-Infinity) };
    tallyTouches(
      candles,
      Int32Array.from(pivots, (p) => p[0]),
      Int32Array.from(pivots, (p) => p[1]),
      bands,
      0.02,
      tally,
      new Int32Array(1),
    );
    return { n: tally.counts[0]!, first: tally.first[0]!, last: tally.last[0]! };
  };

  it("counts a wick that entered the band while the body stayed outside", () => {
    expect(count([candle(0, 103, 104, 100.5, 102)]).n).toBe(1); // lower wick into the band
    expect(count([candle(0, 97, 100.2, 96, 98)]).n).toBe(1); // upper wick into the band
    expect(count([candle(0, 103, 104, 99.5, 102)]).n).toBe(1); // pierced, within tolerance, closed back above
    expect(count([candle(0, 103, 104, 101, 102)]).n).toBe(1); // reached exactly the top edge
  });

  it("does not count a miss, a wick far through the band, a body in the band or a candle crossing it", () => {
    expect(count([candle(0, 103, 104, 101.2, 102)]).n).toBe(0); // stopped short of the band
    expect(count([candle(0, 103, 104, 98, 102)]).n).toBe(0); // pierced 3 % below: a test of something lower
    expect(count([candle(0, 100.8, 102, 99.8, 101.5)]).n).toBe(0); // body reaches into the band
    expect(count([candle(0, 99, 103, 98.5, 102.5)]).n).toBe(0); // opened below, closed above: a breakout
  });

  it("counts a pivot candle once even when it is also a wick test, and records first/last touch", () => {
    const cs = [candle(0, 97, 100.2, 96, 98), candle(1, 98, 99, 97, 98.5), candle(2, 103, 104, 100.5, 102)];
    expect(count(cs, [[0, 0]])).toEqual({ n: 2, first: 0, last: 2 * HOUR });
    // A pivot whose zone was dropped (−1) is no touch.
    expect(count([candle(0, 98, 99, 97, 98.5)], [[0, -1]]).n).toBe(0);
    expect(count([candle(0, 98, 99, 97, 98.5)], [[0, 0]]).n).toBe(1);
  });

  it("finds exactly the zones a brute-force scan finds", () => {
    const zone = fc.record({ low: fc.double({ min: 50, max: 150, noNaN: true }), w: fc.double({ min: 0, max: 1.5 }) });
    const bar = fc.tuple(
      fc.double({ min: 40, max: 160, noNaN: true }),
      fc.double({ min: 40, max: 160, noNaN: true }),
      fc.double({ min: 0, max: 8, noNaN: true }),
      fc.double({ min: 0, max: 8, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(zone, { maxLength: 12 }), fc.array(bar, { maxLength: 30 }), (zs, bars) => {
        // Make the zones disjoint and sorted, as the detector's are.
        const sorted = [...zs].sort((a, b) => a.low - b.low);
        const lows: number[] = [];
        const highs: number[] = [];
        for (const z of sorted) {
          const low = lows.length > 0 ? Math.max(z.low, highs[highs.length - 1]! + 0.01) : z.low;
          lows.push(low);
          highs.push(low + z.w);
        }
        const b = {
          low: Float64Array.from(lows),
          high: Float64Array.from(highs),
          centre: Float64Array.from(lows, (l, k) => (l + highs[k]!) / 2),
        };
        const tol = 0.015;
        const candles = bars.map(([o, c, up, down], i) => candle(i, o, Math.max(o, c) + up, Math.min(o, c) - down, c));
        const tally = {
          counts: new Int32Array(lows.length),
          first: new Float64Array(lows.length).fill(Infinity),
          last: new Float64Array(lows.length).fill(-Infinity),
        };
        tallyTouches(candles, new Int32Array(0), new Int32Array(0), b, tol, tally, new Int32Array(lows.length));
        const expected = lows.map((L, k) => {
          const H = highs[k]!;
          const c = b.centre[k]!;
          return candles.filter((x) => {
            const bodyLow = Math.min(x.open, x.close);
            const bodyHigh = Math.max(x.open, x.close);
            const lower = x.low < bodyLow && x.low <= H && x.low >= H - tol * c && bodyLow > H;
            const upper = x.high > bodyHigh && x.high >= L && x.high <= L + tol * c && bodyHigh < L;
            return lower || upper;
          }).length;
        });
        expect(Array.from(tally.counts)).toEqual(expected);
      }),
    );
  });
});

describe("confluence score", () => {
  const touches = fc.integer({ min: 0, max: 500 });
  const weight = fc.double({ min: 0, max: 34, noNaN: true });
  const distance = fc.double({ min: 0, max: 5, noNaN: true });

  it("is bounded to 0–100", () => {
    fc.assert(
      fc.property(touches, weight, distance, (t, w, d) => {
        const s = confluenceScore(t, w, 34, d);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThanOrEqual(100);
      }),
    );
    expect(confluenceScore(0, 0, 34, 1e9)).toBeCloseTo(0, 6);
    expect(confluenceScore(1e12, 34, 34, 0)).toBeCloseTo(100, 6);
    expect(confluenceScore(-3, -1, 34, -1)).toBe(confluenceScore(0, 0, 34, 0));
  });

  it("rises with touches and with timeframe weight, falls with distance", () => {
    fc.assert(
      fc.property(touches, weight, distance, (t, w, d) => {
        const s = confluenceScore(t, w, 34, d);
        expect(confluenceScore(t + 1, w, 34, d)).toBeGreaterThan(s);
        expect(confluenceScore(t, Math.min(34, w + 1), 34, d)).toBeGreaterThanOrEqual(s);
        if (w < 33) expect(confluenceScore(t, w + 1, 34, d)).toBeGreaterThan(s);
        expect(confluenceScore(t, w, 34, d + 0.01)).toBeLessThan(s);
      }),
    );
  });

  it("follows the documented formula", () => {
    // 3 touches: ½ of 35; weight 17 of 34: ½ of 40; 5 % away: ½ of 25.
    expect(confluenceScore(3, 17, 34, 0.05)).toBeCloseTo(50, 12);
    expect(confluenceScore(6, 34, 34, 0)).toBeCloseTo(35 * (6 / 9) + 40 + 25, 12);
    expect(
      DEFAULT_SR_SCORING.touch_points + DEFAULT_SR_SCORING.timeframe_points + DEFAULT_SR_SCORING.distance_points,
    ).toBe(100);
  });

  it("ranks a level seen on more timeframes above the same level seen on fewer", () => {
    // 49 000 on 1M + 1w + 3d vs on 3d alone, same touches and distance.
    expect(confluenceScore(5, 24, 34, 0.47)).toBeGreaterThan(confluenceScore(5, 6, 34, 0.47));
  });
});

describe("closedWindow", () => {
  const cs = [0, 1, 2, 3, 4].map((i) => candle(i, 1, 2, 0.5, 1.5));

  it("keeps the candles closed before now, the last `count` of them", () => {
    expect(closedWindow(cs, 3 * HOUR, 10).map((c) => c.openTime)).toEqual([0, HOUR, 2 * HOUR]);
    expect(closedWindow(cs, 3 * HOUR - 1, 10)).toHaveLength(2); // the third closes at 3h − 1 ms: not yet final
    expect(closedWindow(cs, 100 * HOUR, 2).map((c) => c.openTime)).toEqual([3 * HOUR, 4 * HOUR]);
    expect(closedWindow(cs, 0, 5)).toEqual([]);
    expect(closedWindow([], 0, 5)).toEqual([]);
  });

  it("skips a trailing candle still marked as forming", () => {
    const withForming = [...cs.slice(0, 4), candle(4, 1, 2, 0.5, 1.5, false)];
    expect(closedWindow(withForming, 100 * HOUR, 10)).toHaveLength(4);
  });
});
