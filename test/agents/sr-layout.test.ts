/** The S/R detector's price-independent layout (sr-layout.ts) and the touch-count property its reuse rests on. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  buildZoneLayout,
  clusterZone,
  frameLevels,
  type LayoutFrame,
  layoutFits,
  matchClusters,
  mergeRuns,
} from "../../src/agents/sr-layout.js";
import { tallyTouches } from "../../src/agents/sr-touches.js";
import type { Candle } from "../../src/core/candle.js";
import type { SwingPivot } from "../../src/indicators/index.js";
import { testCandle } from "../learning/fixtures/signals.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const pivot = (kind: "high" | "low", index: number, price: number): SwingPivot => ({
  kind,
  index,
  price,
  confirmIndex: index + 5,
});

/** A 1h window of four candles from day 10 and a 1d window of two from day 0, two pivots each. */
function frames(hourly = [pivot("low", 1, 101), pivot("high", 3, 103.9)]): LayoutFrame[] {
  return [
    {
      interval: "1h",
      weight: 2,
      levels: frameLevels(
        hourly,
        [0, 1, 2, 3].map((i) => 10 * DAY + i * HOUR),
      ),
    },
    { interval: "1d", weight: 5, levels: frameLevels([pivot("high", 0, 100), pivot("low", 1, 102.5)], [0, DAY]) },
  ];
}

describe("zone layout", () => {
  it("clusters all frames' levels by price and derives each zone's price-independent fields", () => {
    const l = buildZoneLayout(frames(), 0.015);
    // Sorted 100 (1d), 101 (1h), 102.5 (1d), 103.9 (1h). 101 − 100 = 1 ≤ 0.015 · 201 / 2 = 1.5075: joins;
    // 102.5 − 100 = 2.5 > 0.015 · 202.5 / 2 = 1.51875: new zone; 103.9 − 102.5 = 1.4 ≤ 0.015 · 206.4 / 2 = 1.548.
    expect(Array.from(l.bands.low)).toEqual([100, 102.5]);
    expect(Array.from(l.bands.high)).toEqual([101, 103.9]);
    // Centres weighted 5 (1d) : 2 (1h): (500 + 202) / 7 and (512.5 + 207.8) / 7 = 102.9.
    expect(l.bands.centre[0]).toBeCloseTo(702 / 7, 12);
    expect(l.bands.centre[1]).toBeCloseTo(102.9, 12);
    // Pivot → zone, per frame in the order given; frames highest timeframe first: 1d (frame 1), then 1h.
    expect(l.pivotZone.map((z) => Array.from(z))).toEqual([
      [0, 1],
      [0, 1],
    ]);
    expect(l.desc).toEqual([1, 0]);
    expect(clusterZone(l, 0)).toEqual({
      levels: [
        { interval: "1d", kind: "high", price: 100, time: 0 },
        { interval: "1h", kind: "low", price: 101, time: 10 * DAY + HOUR },
      ],
      timeframes: ["1d", "1h"],
      timeframeWeight: 7,
    });
    expect(clusterZone(l, 1).levels.map((x) => `${x.interval} ${x.kind} ${x.price}`)).toEqual([
      "1d low 102.5",
      "1h high 103.9",
    ]);
    // Built once per layout: asked again, the same object.
    expect(clusterZone(l, 1)).toBe(clusterZone(l, 1));
  });

  it("fits exactly the frames and tolerance it was built from, compared by value", () => {
    const l = buildZoneLayout(frames(), 0.015);
    expect(layoutFits(l, frames(), 0.015)).toBe(true);
    expect(layoutFits(l, frames(), 0.02)).toBe(false);
    const fits = (f: LayoutFrame[]) => layoutFits(l, f, 0.015);
    expect(fits(frames([pivot("low", 1, 101), pivot("high", 3, 103.91)]))).toBe(false);
    expect(fits(frames([pivot("low", 1, 101), pivot("low", 3, 103.9)]))).toBe(false);
    // Another candle of the window (open time 10d + 2h instead of + 3h), same price: a different level.
    expect(fits(frames([pivot("low", 1, 101), pivot("high", 2, 103.9)]))).toBe(false);
    expect(fits(frames([pivot("high", 3, 103.9)]))).toBe(false);
    // The same candles at other positions of a window that moved on (one candle earlier in it): the same levels.
    const moved = [pivot("low", 2, 101), pivot("high", 4, 103.9)];
    const movedTimes = [-1, 0, 1, 2, 3].map((i) => 10 * DAY + i * HOUR);
    expect(fits([{ ...frames()[0]!, levels: frameLevels(moved, movedTimes) }, frames()[1]!])).toBe(true);
    const [h, d] = frames();
    expect(fits([{ ...h!, weight: 3 }, d!])).toBe(false);
    expect(fits([{ ...h!, interval: "4h" }, d!])).toBe(false);
    expect(fits([d!, h!])).toBe(false);
    expect(fits([h!])).toBe(false);
  });

  it("pairs the clusters made of the same levels with an earlier layout's, and adopts their zone fields", () => {
    const before = buildZoneLayout(frames(), 0.015);
    const zone0 = clusterZone(before, 0);
    // The 1h high moves from 103.9 to 104.5: 104.5 − 102.5 = 2 > 0.015 · 207 / 2 = 1.5525, so it leaves the second
    // cluster; clusters [100, 101] (unchanged), [102.5] and [104.5].
    const after = buildZoneLayout(frames([pivot("low", 1, 101), pivot("high", 3, 104.5)]), 0.015);
    expect(Array.from(after.bands.low)).toEqual([100, 102.5, 104.5]);
    const m = matchClusters(after, before);
    expect(m.match).toEqual([0, -1, -1]);
    expect(m.back).toEqual([0, -1]);
    expect(clusterZone(after, 0)).toBe(zone0);
    // Same band [100, 101] but the 1h level is another candle (10d + 2h): not the same levels.
    const other = buildZoneLayout(frames([pivot("low", 2, 101), pivot("high", 3, 103.9)]), 0.015);
    expect(matchClusters(other, before).match).toEqual([-1, 1]);
    // Another tolerance: nothing pairs.
    expect(matchClusters(buildZoneLayout(frames(), 0.0151), before).match).toEqual([-1, -1]);
  });

  it("merges presorted runs into the order by price, then rank, then number — as a full sort with it gives", () => {
    // Prices from a small set, so that ties (and ties of ties) are common; one rank per run, as per frame.
    const run = fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 25 });
    fc.assert(
      fc.property(fc.array(run, { maxLength: 7 }), (runs) => {
        const price: number[] = [];
        const rank: number[] = [];
        const order: number[] = [];
        const bounds = [0];
        runs.forEach((ps, r) => {
          const offset = price.length;
          for (const p of ps) {
            price.push(100 + p / 4);
            rank.push((r * 5) % 7);
          }
          order.push(...ps.map((_, k) => offset + k).sort((a, b) => price[a]! - price[b]! || a - b));
          bounds.push(price.length);
        });
        const expected = price.map((_, i) => i).sort((a, b) => price[a]! - price[b]! || rank[a]! - rank[b]! || a - b);
        expect(mergeRuns(order, bounds, price, rank)).toEqual(expected);
      }),
    );
  });
});

/** An hourly candle numbered `i` (the shared test builder). */
const candle = (i: number, open: number, high: number, low: number, close: number): Candle =>
  testCandle(i * HOUR, HOUR, open, high, low, close);

describe("touch counts are per zone", () => {
  // The detector counts touches for every band of the layout and drops bands beyond max_distance afterwards; that is
  // the count of the kept bands alone only if a band's count does not depend on which other bands are counted.
  it("counting a subset of the zones gives each of them the same count, first and last touch", () => {
    // Zones packed closely (within the 1.5 % depth limit of each other) so that one wick often tests several.
    const zone = fc.record({ low: fc.double({ min: 95, max: 110, noNaN: true }), w: fc.double({ min: 0, max: 1 }) });
    const bar = fc.tuple(
      fc.double({ min: 90, max: 115, noNaN: true }),
      fc.double({ min: 90, max: 115, noNaN: true }),
      fc.double({ min: 0, max: 8, noNaN: true }),
      fc.double({ min: 0, max: 8, noNaN: true }),
    );
    fc.assert(
      fc.property(
        fc.array(zone, { minLength: 1, maxLength: 12 }),
        fc.array(bar, { maxLength: 30 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        fc.array(fc.tuple(fc.nat(29), fc.nat(11)), { maxLength: 8 }),
        (zs, bars, keep, pivotPairs) => {
          const sorted = [...zs].sort((a, b) => a.low - b.low);
          const lows: number[] = [];
          const highs: number[] = [];
          for (const z of sorted) {
            const low = lows.length > 0 ? Math.max(z.low, highs[highs.length - 1]! + 0.01) : z.low;
            lows.push(low);
            highs.push(low + z.w);
          }
          const centres = lows.map((l, k) => (l + highs[k]!) / 2);
          const n = lows.length;
          const candles = bars.map(([o, c, up, down], i) =>
            candle(i, o, Math.max(o, c) + up, Math.min(o, c) - down, c),
          );
          // Pivots on existing candles, ordered by candle index, each assigned to some zone.
          const pivots = pivotPairs
            .filter(([i]) => i < candles.length)
            .map(([i, z]) => [i, z % n] as const)
            .sort((a, b) => a[0] - b[0]);
          const count = (zones: number[]) => {
            const m = zones.length;
            const tally = {
              counts: new Array<number>(m).fill(0),
              first: new Array<number>(m).fill(Infinity),
              last: new Array<number>(m).fill(-Infinity),
            };
            const bands = {
              low: zones.map((z) => lows[z]!),
              high: zones.map((z) => highs[z]!),
              centre: zones.map((z) => centres[z]!),
            };
            const pivotZone = pivots.map(([, z]) => zones.indexOf(z));
            tallyTouches(
              candles,
              pivots.map(([i]) => i),
              pivotZone,
              bands,
              0.015,
              tally,
              new Array<number>(m),
            );
            return zones.map((_, k) => [tally.counts[k], tally.first[k], tally.last[k]]);
          };
          const all = count(lows.map((_, z) => z));
          const subset = lows.map((_, z) => z).filter((z) => keep[z]);
          expect(count(subset)).toEqual(subset.map((z) => all[z]));
        },
      ),
      { numRuns: 400 },
    );
  });
});
