import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  analyzeVolumeSpike,
  DEFAULT_VOLUME_SPIKE_OPTIONS,
  passesLiquidity,
  quoteVolume24h,
  volumeScore,
  volumeSpikeMinCandles,
} from "../../src/agents/volume-spike.js";
import { type Candle, hasTakerVolume } from "../../src/core/candle.js";
import { InsufficientDataError, UsageError } from "../../src/core/errors.js";
import { percentRank } from "../../src/indicators/index.js";
import { resample } from "../../src/market/resample.js";
import { at, bundled } from "../market/helpers.js";

const btc1h = bundled("spot", "BTCUSDT", "1h");
const btc1d = bundled("spot", "BTCUSDT", "1d");

function closedBy(candles: readonly Candle[], now: number, count = 300): Candle[] {
  let end = candles.findIndex((c) => c.closeTime >= now);
  if (end < 0) end = candles.length;
  return candles.slice(Math.max(0, end - count), end);
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe("volume spike on real candles", () => {
  it("measures the 2024-12-05 02:00 candle (BTC through $100k) against the 20 before it", () => {
    const w = closedBy(btc1h, at("2024-12-05T03:00:00Z"));
    const r = analyzeVolumeSpike({ candles: w });
    const prev = w.slice(-21, -1).map((c) => c.volume);
    const m = mean(prev);
    const sd = Math.sqrt(mean(prev.map((v) => (v - m) ** 2)));
    expect(r.time).toBe(at("2024-12-05T02:00:00Z"));
    expect(r.volume).toBe(13_614.299579);
    expect(r.baseline).toBeCloseTo(m, 9);
    expect(r.ratio).toBeCloseTo(13_614.299579 / m, 12);
    expect(r.zScore).toBeCloseTo((13_614.299579 - m) / sd, 9);
    const pr = percentRank(
      w.map((c) => c.volume),
      100,
    );
    expect(r.percentile).toBe(pr[w.length - 1]);
    expect(r.percentile).toBe(100); // the heaviest hour of the previous 100
    expect(r.ratio!).toBeGreaterThan(4);
    expect(r.zScore!).toBeGreaterThan(4);
    // ratio > 5 would give full marks on the ratio half; the documented formula either way:
    const ratioPart = Math.min(10, (10 * Math.log(r.ratio!)) / Math.log(5));
    const zPart = Math.min(10, (10 * r.zScore!) / 4);
    expect(r.volumeScore).toBeCloseTo((ratioPart + zPart) / 2, 12);
    expect(r.volumeScore).toBeGreaterThan(9);
    expect(r.spike).toBe(true);
    const short = mean(w.slice(-5).map((c) => c.volume));
    const long = mean(w.slice(-20).map((c) => c.volume));
    expect(r.shortAverage).toBeCloseTo(short, 9);
    expect(r.longAverage).toBeCloseTo(long, 9);
    expect(r.trend).toBe(short / long >= 1.2 ? "INCREASING" : short / long <= 0.8 ? "DECREASING" : "STABLE");
    expect(r.trend).toBe("INCREASING");
    expect(r.reason).toBeNull();
  });

  it("scores a quiet hour 0 with a DECREASING trend", () => {
    // Saturday 2024-12-07, 02:00: the weekend lull after the week BTC crossed $100k.
    const r = analyzeVolumeSpike({ candles: closedBy(btc1h, at("2024-12-07T03:00:00Z")) });
    expect(r.ratio!).toBeCloseTo(0.25, 2);
    expect(r.trend).toBe("DECREASING");
    expect(r.volumeScore).toBe(0);
    expect(r.spike).toBe(false);
  });

  it("handles the 2023-03-24 exchange halt: a zero-volume hour scores 0", () => {
    const r = analyzeVolumeSpike({ candles: closedBy(btc1h, at("2023-03-24T13:00:00Z")) });
    expect(r.time).toBe(at("2023-03-24T12:00:00Z"));
    expect(r.volume).toBe(0);
    expect(r.volumeScore).toBe(0);
    expect(r.zScore!).toBeLessThan(0);
  });

  it("says so when the baseline itself has no volume", () => {
    const w = closedBy(btc1h, at("2024-01-10T00:00:00Z"), 30).map((c, i) => (i < 29 ? { ...c, volume: 0 } : c));
    const r = analyzeVolumeSpike({ candles: w });
    expect(r.ratio).toBeNull();
    expect(r.zScore).toBeNull();
    expect(r.volumeScore).toBe(0);
    expect(r.reason).toBe("no volume in the 20 candles before");
  });
});

describe("volume score properties", () => {
  const base = closedBy(btc1h, at("2024-06-01T00:00:00Z"), 120);
  const withLast = (v: number) => [...base.slice(0, -1), { ...base.at(-1)!, volume: v }];
  const avg = mean(base.slice(-21, -1).map((c) => c.volume));

  it("is monotone in the candle's volume, bounded 0–10, and 0 at or below the average", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 60 * avg, noNaN: true }),
        fc.double({ min: 0, max: 60 * avg, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const sLo = analyzeVolumeSpike({ candles: withLast(lo) }).volumeScore;
          const sHi = analyzeVolumeSpike({ candles: withLast(hi) }).volumeScore;
          expect(sLo).toBeLessThanOrEqual(sHi);
          for (const s of [sLo, sHi]) {
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(10);
          }
          if (lo <= avg) expect(sLo).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
    expect(analyzeVolumeSpike({ candles: withLast(avg) }).volumeScore).toBe(0);
    expect(analyzeVolumeSpike({ candles: withLast(100 * avg) }).volumeScore).toBe(10);
  });

  it("volumeScore(ratio, z) is bounded and monotone in each argument", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: -10, max: 1e3, noNaN: true }),
        fc.double({ min: -10, max: 1e3, noNaN: true }),
        (r1, r2, z1, z2) => {
          const s = volumeScore(Math.min(r1, r2), Math.min(z1, z2));
          expect(s).toBeGreaterThanOrEqual(0);
          expect(s).toBeLessThanOrEqual(10);
          expect(s).toBeLessThanOrEqual(volumeScore(Math.max(r1, r2), Math.min(z1, z2)));
          expect(s).toBeLessThanOrEqual(volumeScore(Math.min(r1, r2), Math.max(z1, z2)) + 1e-12);
        },
      ),
    );
    expect(volumeScore(5, 4)).toBe(10);
    expect(volumeScore(5, null)).toBe(10);
    expect(volumeScore(1, 3)).toBe(0);
    expect(volumeScore(null, 3)).toBe(0);
    expect(volumeScore(Math.sqrt(5), 2)).toBeCloseTo(5, 12);
  });
});

describe("liquidity", () => {
  it("estimates spot 24h quote volume as Σ volume × typical price (spot dumps record no quote volume)", () => {
    const w = closedBy(btc1h, at("2024-12-06T00:00:00Z"));
    expect(w.every((c) => !hasTakerVolume(c))).toBe(true);
    const day = w.slice(-24);
    const q = quoteVolume24h(w);
    expect(q.value).toBeCloseTo(
      day.reduce((s, c) => s + (c.volume * (c.high + c.low + c.close)) / 3, 0),
      3,
    );
    expect(q).toMatchObject({ estimated: true, coveredHours: 24 });
    // ~$10bn on the day BTC crossed $100k: passes the default $5M floor, fails an absurd one.
    expect(q.value).toBeGreaterThan(5e9);
    const r = analyzeVolumeSpike({ candles: w });
    expect(r.liquidity).toEqual({ ...q, min: 5_000_000, passes: true });
    expect(analyzeVolumeSpike({ candles: w }, { minQuoteVolume24h: 1e12 }).liquidity.passes).toBe(false);
    // Daily candles: the last one is the 24h; weekly ones count a seventh.
    const d = closedBy(btc1d, at("2024-12-06T00:00:00Z"));
    const lastDay = d.at(-1)!;
    expect(quoteVolume24h(d).value).toBe((lastDay.volume * (lastDay.high + lastDay.low + lastDay.close)) / 3);
    const weeks = resample(d, "1d", "1w");
    const wq = quoteVolume24h(weeks);
    const lastWeek = weeks.at(-1)!;
    expect(wq.value).toBeCloseTo((lastWeek.volume * (lastWeek.high + lastWeek.low + lastWeek.close)) / 3 / 7, 3);
    expect(wq.coveredHours).toBe(24);
  });

  it("uses the recorded quote volume where the data has it (futures FILUSDT)", () => {
    const fil = bundled("futures", "FILUSDT", "1h");
    expect(hasTakerVolume(fil.at(-1)!)).toBe(true);
    const q = quoteVolume24h(fil);
    expect(q.estimated).toBe(false);
    expect(q.value).toBeCloseTo(
      fil.slice(-24).reduce((s, c) => s + c.quoteVolume, 0),
      6,
    );
    expect(passesLiquidity(q.value, q.value)).toBe(true);
    expect(passesLiquidity(q.value, q.value + 1)).toBe(false);
  });

  it("reports how much of the 24h a short history covers", () => {
    const w = closedBy(btc1h, at("2024-12-06T00:00:00Z"), 10);
    expect(quoteVolume24h(w).coveredHours).toBe(10);
    expect(quoteVolume24h([])).toEqual({ value: 0, estimated: false, coveredHours: 0 });
  });
});

describe("volume spike: input checks", () => {
  it("needs baselinePeriod + 1 candles and valid options", () => {
    expect(volumeSpikeMinCandles()).toBe(21);
    const w = closedBy(btc1h, at("2024-12-06T00:00:00Z"), 20);
    expect(() => analyzeVolumeSpike({ candles: w })).toThrow(InsufficientDataError);
    expect(() => analyzeVolumeSpike({ candles: w })).toThrow("20 closed candles, needs at least 21");
    expect(() => analyzeVolumeSpike({ candles: w }, { baselinePeriod: 1 })).toThrow(UsageError);
    expect(() => analyzeVolumeSpike({ candles: w }, { scoreFullRatio: 1 })).toThrow(/scoreFullRatio/);
    expect(DEFAULT_VOLUME_SPIKE_OPTIONS.minQuoteVolume24h).toBe(5_000_000);
  });
});
