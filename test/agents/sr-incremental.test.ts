/**
 * The S/R detector reuses work between consecutive analyses (pivots per series window, the level layout, touch
 * counts per window). This replays real BTCUSDT history hour by hour with series handed in the way analyzeSymbol
 * hands them in — the same CandleSeries object while a timeframe has no new closed candle, a new one built on the
 * previous when it has — and checks every result against the same input given as plain candle arrays, which the
 * detector analyses from scratch (nothing is remembered for arrays).
 */
import { describe, expect, it } from "vitest";
import { CandleSeries } from "../../src/agents/candle-series.js";
import { analyzeSupportResistance, DEFAULT_SR_DETECTOR_OPTIONS, type SrResult } from "../../src/agents/sr-detector.js";
import type { Candle } from "../../src/core/candle.js";
import type { Interval } from "../../src/core/interval.js";
import { at } from "../market/helpers.js";
import { btcTimeframes } from "./btc-timeframes.js";

/** Candles analyzeSymbol reads per timeframe with default options: 500 for its own timeframes, else the lookback. */
const READS: Record<string, number> = { "1M": 100, "1w": 100, "3d": 100, "1d": 500, "4h": 500, "1h": 500 };
const HOURS = 330;
const START = at("2024-07-25T00:00:00Z"); // spans the August 2024 crash: zones appear, merge and move

interface Step {
  readonly now: number;
  readonly forming: Candle;
  readonly series: Partial<Record<Interval, CandleSeries>>;
  readonly arrays: Partial<Record<Interval, readonly Candle[]>>;
  /** Timeframes that got a new series this step. */
  readonly moved: readonly Interval[];
}

function* replay(): Generator<Step> {
  const tfs = btcTimeframes();
  const h = tfs["1h"]!;
  const first = h.findIndex((c) => c.openTime >= START);
  const prev = new Map<Interval, { end: number; series: CandleSeries }>();
  for (let k = 0; k < HOURS; k++) {
    const forming = h[first + k]!;
    const now = forming.openTime + 1;
    const series: Partial<Record<Interval, CandleSeries>> = {};
    const arrays: Partial<Record<Interval, readonly Candle[]>> = {};
    const moved: Interval[] = [];
    for (const tf of DEFAULT_SR_DETECTOR_OPTIONS.timeframes) {
      const all = tfs[tf]!;
      let end = prev.get(tf)?.end ?? 0;
      while (end < all.length && all[end]!.closeTime < now) end++;
      const candles = all.slice(Math.max(0, end - READS[tf]!), end);
      arrays[tf] = candles;
      const p = prev.get(tf);
      if (p !== undefined && p.end === end) {
        series[tf] = p.series;
      } else {
        // The previous window started at max(0, p.end − READS): this one continues it from the row it starts at.
        const from = p && Math.max(0, end - READS[tf]!) - Math.max(0, p.end - READS[tf]!);
        const continues = p && from! < p.series.length ? { series: p.series, from: from! } : undefined;
        const s = new CandleSeries(candles, `BTCUSDT ${tf}`, continues);
        prev.set(tf, { end, series: s });
        series[tf] = s;
        moved.push(tf);
      }
    }
    yield { now, forming, series, arrays, moved };
  }
}

const zoneKeys = (r: SrResult) => new Set(r.zones.map((z) => `${z.low}-${z.high}`));

describe("S/R detector, reused series vs a fresh analysis, hour by hour over real BTCUSDT candles", () => {
  it("gives deep-equal results for every hour and price, including prices that move zones across max_distance", () => {
    let calls = 0;
    let hoursWithOnly1hMoved = 0;
    let zoneFieldsReused = 0;
    let distanceChangedZones = 0;
    let previous: SrResult | undefined;
    for (const step of replay()) {
      if (step.moved.length === 1 && step.moved[0] === "1h") hoursWithOnly1hMoved++;
      const close = step.forming.close;
      // The forming close, its open, and two prices far enough off that zones cross max_distance (50 %): at 1.45×
      // the close, zones with a centre below 0.725× the close (1.45 × 0.5) drop out; at 0.62× ones down to 0.31×
      // come in. The close again last: its result must not depend on what was asked before.
      const prices = [close, step.forming.open, close * 1.45, close * 0.62, close];
      const results: SrResult[] = [];
      for (const price of prices) {
        const reused = analyzeSupportResistance({ candles: step.series, price, now: step.now });
        const fresh = analyzeSupportResistance({ candles: step.arrays, price, now: step.now });
        expect(reused, `${new Date(step.now).toISOString()} at ${price}`).toEqual(fresh);
        results.push(reused);
        calls++;
      }
      const near = results[0]!;
      const nearKeys = zoneKeys(near);
      const [up, down] = [zoneKeys(results[2]!), zoneKeys(results[3]!)];
      // Zones the close keeps but 1.45× drops, and zones 0.62× brings in that the close does not have.
      if ([...nearKeys].some((k) => !up.has(k)) && [...down].some((k) => !nearKeys.has(k))) distanceChangedZones++;
      // A zone with the same band as an hour ago shares its levels array when its cluster was reused (the whole
      // layout, or the cluster adopted by a new one) rather than built again.
      if (previous !== undefined) {
        const before = new Map(previous.zones.map((z) => [`${z.low}-${z.high}`, z.levels]));
        if (near.zones.some((z) => before.get(`${z.low}-${z.high}`) === z.levels)) zoneFieldsReused++;
      }
      previous = results[4]!;
    }
    expect(calls).toBe(HOURS * 5);
    // The replay exercised what it is meant to: mostly hours where only the 1h window moved, clusters reused on most
    // of them, and prices whose zone set differs from the close's.
    expect(hoursWithOnly1hMoved).toBeGreaterThan(HOURS * 0.7);
    expect(zoneFieldsReused).toBeGreaterThan(HOURS * 0.5);
    expect(distanceChangedZones).toBeGreaterThan(HOURS * 0.9);
  });

  it("gives the same result for a series analysed again at a later hour with no new candle of its own", () => {
    // One 1d series passed at every hour of a day (as analyzeSymbol does), against fresh arrays at each hour.
    const tfs = btcTimeframes();
    const d = tfs["1d"]!;
    const end = d.findIndex((c) => c.openTime >= at("2024-08-06T00:00:00Z"));
    const candles = d.slice(end - 100, end);
    const series = new CandleSeries(candles, "BTCUSDT 1d");
    for (let hour = 0; hour < 24; hour++) {
      const now = at("2024-08-06T00:00:00Z") + hour * 3_600_000 + 1;
      for (const price of [55_000, 80_000, 30_000]) {
        const options = { timeframes: ["1d"] as Interval[] };
        expect(analyzeSupportResistance({ candles: { "1d": series }, price, now }, options)).toEqual(
          analyzeSupportResistance({ candles: { "1d": candles }, price, now }, options),
        );
      }
    }
  });
});
