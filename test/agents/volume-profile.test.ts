import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LiquiditySweep, liquiditySweeps } from "../../src/agents/liquidity-sweeps.js";
import {
  analyzeVolumeProfile,
  niceCeil,
  profileSummary,
  volumeProfileAgent,
  resolveVolumeProfileOptions,
  type VolumeProfileAvailable,
  type VolumeProfileResult,
} from "../../src/agents/volume-profile.js";
import { CandleSeries } from "../../src/agents/candle-series.js";
import { analyzeSymbol } from "../../src/agents/symbol-analysis.js";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { at, bundled, key, tempStore } from "../market/helpers.js";

const HOUR = 3_600_000;

function bar(i: number, o: number, h: number, l: number, c: number, volume = 1): Candle {
  return {
    openTime: i * HOUR,
    closeTime: (i + 1) * HOUR - 1,
    open: o,
    high: h,
    low: l,
    close: c,
    volume,
    quoteVolume: 0,
    trades: 0,
    takerBuyBase: 0,
    takerBuyQuote: 0,
    closed: true,
  };
}

/** Candles trading at one price each (high = low), so each volume lands in exactly one bin. */
const atPrices = (pv: [number, number][]) => pv.map(([p, v], i) => bar(i, p, p, p, p, v));

function ok(r: VolumeProfileResult): VolumeProfileAvailable {
  if (!r.available) throw new Error(`unavailable: ${r.reason}`);
  return r;
}

describe("volume profile: hand-built profiles", () => {
  it("finds the POC and grows the 70 % value area by the larger neighbouring pair", () => {
    // Bins of width 1 from 99: [25, 10, 30, 50, 20, 15, 5], total 155, 70 % = 108.5.
    const candles = atPrices([
      [99.5, 25],
      [100.5, 10],
      [101.5, 30],
      [102.5, 50],
      [103.5, 20],
      [104.5, 15],
      [105.5, 5],
    ]);
    const r = ok(analyzeVolumeProfile({ candles }, { binSize: 1 }));
    expect(r.origin).toBe(99);
    expect(r.binSize).toBe(1);
    expect(r.volumes).toEqual([25, 10, 30, 50, 20, 15, 5]);
    expect(r.totalVolume).toBe(155);
    expect(r.poc).toEqual({ price: 102.5, low: 102, high: 103, volume: 50 });
    // From 50: below (30 + 10 = 40) beats above (20 + 15 = 35) → 90; then above (35) beats the last bin below (25)
    // → 125 ≥ 108.5.
    expect(r.valueArea).toEqual({ low: 100, high: 105, volume: 125, share: 125 / 155 });
    expect(r.lastClose).toBe(105.5);
    expect(r.position).toBe("above");
  });

  it("spreads a candle's volume evenly over its range and breaks a POC tie toward the middle", () => {
    const r = ok(analyzeVolumeProfile({ candles: [bar(0, 100, 104, 100, 104, 40)] }, { binSize: 1 }));
    expect(r.volumes).toEqual([10, 10, 10, 10, 0]);
    expect(r.poc.low).toBe(102);
    // Bins 100–103 tie at 10; the POC is the one nearest the middle of the 5 bins (102). Above it 10 + 0, below it
    // 10 + 10: the pair below is added → 30 ≥ 70 % of 40.
    expect(r.valueArea).toEqual({ low: 100, high: 103, volume: 30, share: 0.75 });
    expect(r.position).toBe("above");
  });

  it("finds high- and low-volume nodes by prominence, with their bands", () => {
    // Two areas of acceptance (bins 2 and 8) with a thin area between them (bins 4–6).
    const vols = [1, 5, 20, 5, 1, 1, 1, 5, 15, 5, 1];
    const r = ok(
      analyzeVolumeProfile({ candles: atPrices(vols.map((v, k) => [10.5 + k, v])) }, { binSize: 1, smoothing: 0 }),
    );
    expect(r.volumes).toEqual(vols);
    expect(r.highVolumeNodes).toEqual([
      { price: 12.5, low: 12, high: 13, volume: 20, prominence: 1 },
      { price: 18.5, low: 18, high: 19, volume: 15, prominence: 0.7 },
    ]);
    // The trough's walls are 20 and 15: prominence 14 of 20; its band is where volume stays within 7 of it.
    expect(r.lowVolumeNodes).toEqual([{ price: 15.5, low: 13, high: 18, volume: 1, prominence: 0.7 }]);
    // Value area: 20; both pairs tie at 6 → both → 32; then only above: 2 → 34; then 20 → 54 ≥ 42.
    expect(r.valueArea).toEqual({ low: 10, high: 19, volume: 54, share: 0.9 });
    // A stricter prominence threshold keeps only the main peak; maxNodes caps the lists.
    const strict = ok(
      analyzeVolumeProfile(
        { candles: atPrices(vols.map((v, k) => [10.5 + k, v])) },
        { binSize: 1, smoothing: 0, nodeProminence: 0.8 },
      ),
    );
    expect(strict.highVolumeNodes.map((n) => n.price)).toEqual([12.5]);
    expect(strict.lowVolumeNodes).toEqual([]);
    const capped = ok(
      analyzeVolumeProfile({ candles: atPrices(vols.map((v, k) => [10.5 + k, v])) }, { binSize: 1, maxNodes: 1 }),
    );
    expect(capped.highVolumeNodes).toHaveLength(1);
  });

  it("smooths before looking for nodes, so single-bin ripples are not nodes", () => {
    const vols = [10, 12, 10, 12, 10, 12, 10];
    const raw = ok(
      analyzeVolumeProfile({ candles: atPrices(vols.map((v, k) => [0.5 + k, v])) }, { binSize: 1, smoothing: 0 }),
    );
    expect(raw.highVolumeNodes.length).toBeGreaterThan(1);
    const smooth = ok(
      analyzeVolumeProfile({ candles: atPrices(vols.map((v, k) => [0.5 + k, v])) }, { binSize: 1, smoothing: 2 }),
    );
    expect(smooth.lowVolumeNodes).toEqual([]);
    expect(smooth.highVolumeNodes).toHaveLength(1);
  });

  it("reports a swing high swept by a wick that closed back below it, and not one broken by a close", () => {
    // Swing high 105 at bar 2 (left/right 2), confirmed at bar 4; bar 6 wicks to 106 and closes at 104.
    // Swing low 95 at bar 9, confirmed at bar 11; bar 12 breaks it with a close at 93.
    const cs = [
      bar(0, 100, 101, 99, 100),
      bar(1, 100, 103, 99, 102),
      bar(2, 102, 105, 101, 103),
      bar(3, 103, 104, 100, 101),
      bar(4, 101, 102, 99, 100),
      bar(5, 100, 103, 99, 102),
      bar(6, 102, 106, 101, 104),
      bar(7, 104, 104.5, 98, 98.5), // breaks the swing low of bar 4 (99) with a close below it
      bar(8, 99, 100, 96, 97),
      bar(9, 97, 98, 95, 96),
      bar(10, 96, 99, 96, 98),
      bar(11, 98, 99, 96.5, 97),
      bar(12, 97, 97.5, 92, 93),
    ];
    const r = ok(analyzeVolumeProfile({ candles: cs }, { binSize: 1, sweepPivot: { left: 2, right: 2 } }));
    expect(r.sweeps).toEqual([
      {
        side: "high",
        level: 105,
        levelTime: 2 * HOUR,
        sweptAt: 6 * HOUR,
        extreme: 106,
        close: 104,
        depthPct: (1 / 105) * 100,
      },
    ]);
  });
});

describe("liquidity sweeps match a brute-force scan", () => {
  it("for random bars and pivot windows", () => {
    const barArb = fc.tuple(
      fc.integer({ min: 90, max: 110 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 0, max: 3 }),
      fc.integer({ min: 90, max: 110 }),
    );
    fc.assert(
      fc.property(
        fc.array(barArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        (raw, left, right) => {
          const cs = raw.map(([o, up, down, c], i) => bar(i, o, Math.max(o, c) + up, Math.min(o, c) - down, c));
          const s = new CandleSeries(cs);
          const got = liquiditySweeps(s, 0, cs.length, { left, right });
          const expected: LiquiditySweep[] = [];
          // Pivot definition from src/indicators; for each confirmed level, the first later bar beyond it decides.
          for (let i = left; i + right < cs.length; i++) {
            for (const kind of ["high", "low"] as const) {
              const v = (j: number) => (kind === "high" ? cs[j]!.high : -cs[j]!.low);
              let pivot = true;
              for (let j = i - left; j < i; j++) if (!(v(i) > v(j))) pivot = false;
              for (let j = i + 1; j <= i + right; j++) if (!(v(i) >= v(j))) pivot = false;
              if (!pivot) continue;
              for (let j = i + right + 1; j < cs.length; j++) {
                if (v(j) > v(i)) {
                  const level = kind === "high" ? cs[i]!.high : cs[i]!.low;
                  const back = kind === "high" ? cs[j]!.close <= level : cs[j]!.close >= level;
                  if (back) {
                    const extreme = kind === "high" ? cs[j]!.high : cs[j]!.low;
                    expected.push({
                      side: kind,
                      level,
                      levelTime: cs[i]!.openTime,
                      sweptAt: cs[j]!.openTime,
                      extreme,
                      close: cs[j]!.close,
                      depthPct: (Math.abs(extreme - level) / level) * 100,
                    });
                  }
                  break;
                }
              }
            }
          }
          const canon = (xs: LiquiditySweep[]) =>
            [...xs].sort((a, b) => a.sweptAt - b.sweptAt || a.side.localeCompare(b.side) || a.levelTime - b.levelTime);
          expect(canon(got)).toEqual(canon(expected));
          // In time order.
          for (let k = 1; k < got.length; k++) expect(got[k]!.sweptAt).toBeGreaterThanOrEqual(got[k - 1]!.sweptAt);
        },
      ),
    );
  });
});

/** The last step of the value area added at most the outermost pair on each side. */
function checkValueArea(r: VolumeProfileAvailable, share: number): void {
  const { volumes, origin, binSize } = r;
  const idx = (price: number) => Math.round((price - origin) / binSize);
  const lo = idx(r.valueArea.low);
  const hi = idx(r.valueArea.high) - 1;
  const poc = idx(r.poc.low);
  expect(lo).toBeLessThanOrEqual(poc);
  expect(poc).toBeLessThanOrEqual(hi);
  let inside = 0;
  for (let k = lo; k <= hi; k++) inside += volumes[k]!;
  expect(inside).toBeCloseTo(r.valueArea.volume, 6);
  const target = share * r.totalVolume;
  expect(r.valueArea.volume).toBeGreaterThanOrEqual(target * (1 - 1e-12));
  let lastStep = 0;
  for (let k = lo; k <= Math.min(lo + 1, poc - 1); k++) lastStep += volumes[k]!;
  for (let k = Math.max(hi - 1, poc + 1); k <= hi; k++) lastStep += volumes[k]!;
  expect(r.valueArea.volume - lastStep).toBeLessThan(target);
  expect(r.valueArea.share).toBeCloseTo(r.valueArea.volume / r.totalVolume, 12);
}

describe("volume profile on real candles", () => {
  const btc = bundled("spot", "BTCUSDT", "1h");

  it("gives a sane profile for BTC, 7 days of 1h, at any time", () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: btc.length }), (end) => {
        const window = btc.slice(end - 168, end);
        const r = ok(analyzeVolumeProfile({ candles: btc.slice(0, end) }));
        expect(r.candles).toBe(168);
        expect(r.from).toBe(window[0]!.openTime);
        let lo = Infinity;
        let hi = -Infinity;
        let vol = 0;
        for (const c of window) {
          if (c.volume === 0) continue;
          lo = Math.min(lo, c.low);
          hi = Math.max(hi, c.high);
          vol += c.volume;
        }
        expect(r.totalVolume).toBeCloseTo(vol, 6);
        expect(r.poc.price).toBeGreaterThanOrEqual(lo - r.binSize);
        expect(r.poc.price).toBeLessThanOrEqual(hi + r.binSize);
        expect(r.poc.volume).toBe(Math.max(...r.volumes));
        expect(r.valueArea.low).toBeLessThanOrEqual(r.poc.low);
        expect(r.valueArea.high).toBeGreaterThanOrEqual(r.poc.high);
        checkValueArea(r, 0.7);
        expect(r.volumes.length).toBeLessThanOrEqual(400);
        for (const n of [...r.highVolumeNodes, ...r.lowVolumeNodes]) {
          expect(n.low).toBeLessThan(n.high);
          expect(n.price).toBeGreaterThan(n.low);
          expect(n.price).toBeLessThan(n.high);
          expect(n.prominence).toBeGreaterThanOrEqual(0.1);
          expect(n.prominence).toBeLessThanOrEqual(1);
        }
        for (const s of r.sweeps) {
          expect(s.sweptAt).toBeGreaterThan(s.levelTime);
          expect(s.sweptAt).toBeGreaterThanOrEqual(r.from);
          if (s.side === "high") expect(s.extreme > s.level && s.close <= s.level).toBe(true);
          else expect(s.extreme < s.level && s.close >= s.level).toBe(true);
        }
        expect(JSON.parse(JSON.stringify(r))).toEqual(r);
      }),
      { numRuns: 30 },
    );
  });

  it("as of 2025-01-01: 200-wide bins, POC at 93 600–93 800, value area 92 800–96 600", () => {
    const end = btc.findIndex((c) => c.openTime === at("2025-01-01T00:00:00Z"));
    const r = ok(analyzeVolumeProfile({ candles: btc.slice(0, end) }));
    // 0.2 % of the last close 93 576 is 187.15 → 200.
    expect(r.binSize).toBe(200);
    expect(r.poc.low).toBe(93600);
    expect(r.poc.high).toBe(93800);
    expect([r.valueArea.low, r.valueArea.high]).toEqual([92800, 96600]);
    expect(r.position).toBe("inside");
    // The swing low of Dec 27 17:00 (93 500.01) was swept on Dec 29 19:00: wick to 93 367.52, close 93 612.89.
    expect(r.sweeps).toContainEqual({
      side: "low",
      level: 93500.01,
      levelTime: at("2024-12-27T17:00:00Z"),
      sweptAt: at("2024-12-29T19:00:00Z"),
      extreme: 93367.52,
      close: 93612.89,
      depthPct: ((93500.01 - 93367.52) / 93500.01) * 100,
    });
  });

  it("works on futures 15m candles over 3 days, with a custom value area and a tick size", () => {
    const m15 = bundled("futures", "ALGOUSDT", "15m");
    const r = ok(
      analyzeVolumeProfile({ candles: m15.slice(0, 500) }, { window: 288, valueArea: 0.8, tickSize: 0.0002 }),
    );
    expect(r.candles).toBe(288);
    // 0.2 % of ~0.26 ≈ 0.00052 → 0.001 (1-2-2.5-5 steps), a whole number of 0.0002 ticks.
    expect(r.binSize).toBeCloseTo(0.001, 12);
    checkValueArea(r, 0.8);
    expect(r.highVolumeNodes.length).toBeGreaterThan(0);
  });
});

describe("volume profile: bins, limits and bad input", () => {
  it("rounds bin widths to 1-2-2.5-5 steps", () => {
    expect(niceCeil(187.15)).toBe(200);
    expect(niceCeil(200)).toBe(200);
    expect(niceCeil(2.1)).toBe(2.5);
    expect(niceCeil(3)).toBe(5);
    expect(niceCeil(0.0004)).toBeCloseTo(0.0005, 15);
    expect(niceCeil(0.3 / 0.1)).toBe(5);
    expect(niceCeil(7)).toBe(10);
  });

  it("widens bins to stay within maxBins", () => {
    const cs = [bar(0, 100, 1000, 100, 1000, 10)];
    const r = ok(analyzeVolumeProfile({ candles: cs }, { maxBins: 10 }));
    expect(r.volumes.length).toBeLessThanOrEqual(10);
    expect(r.totalVolume).toBeCloseTo(10, 9);
    const fixed = ok(analyzeVolumeProfile({ candles: cs }, { binSize: 7, maxBins: 10 }));
    expect(fixed.volumes.length).toBeLessThanOrEqual(10);
    expect(fixed.binSize % 7).toBe(0);
  });

  it("is unavailable without candles or volume, and rejects bad options", () => {
    expect(analyzeVolumeProfile({ candles: [] })).toEqual({
      available: false,
      reason: "no closed candles",
      candles: 0,
    });
    expect(analyzeVolumeProfile({ candles: [bar(0, 1, 1, 1, 1, 0)] })).toEqual({
      available: false,
      reason: "no volume traded in the window",
      candles: 1,
    });
    expect(() => resolveVolumeProfileOptions({ valueArea: 0 })).toThrow(UsageError);
    expect(() => resolveVolumeProfileOptions({ valueArea: 1.5 })).toThrow(/valueArea/);
    expect(() => resolveVolumeProfileOptions({ binSize: -1 })).toThrow(/binSize/);
    expect(() => resolveVolumeProfileOptions({ maxBins: 2 })).toThrow(/maxBins/);
    expect(() => resolveVolumeProfileOptions({ sweepPivot: { left: 0, right: 1 } })).toThrow(/sweepPivot.left/);
    expect(() => analyzeVolumeProfile({ candles: [bar(1, 1, 1, 1, 1), bar(0, 1, 1, 1, 1)] })).toThrow(
      /increasing open-time/,
    );
  });
});

describe("volume profile as an Agent", () => {
  it("reads the last window of its interval from the view", () => {
    const t = tempStore();
    try {
      const m15 = bundled("futures", "ALGOUSDT", "15m");
      t.store.upsert(key("ALGOUSDT", "15m", "futures"), m15.slice(0, 2000));
      const now = m15[1500]!.openTime;
      const view = new StoreMarketView({
        store: t.store,
        clock: new SimulatedClock(now),
        exchange: "binance",
        market: "futures",
      });
      expect(volumeProfileAgent.name).toBe("volume-profile");
      const a = analyzeSymbol(view, "ALGOUSDT", {
        agents: [volumeProfileAgent],
        baseInterval: "15m",
        timeframes: ["15m"],
        volumeProfile: { interval: "15m", window: 96 },
      });
      expect(a.volumeProfile.available).toBe(true);
      expect(a.volumeProfile).toEqual(
        profileSummary(analyzeVolumeProfile({ candles: m15.slice(1404, 1500) }, { window: 96 })),
      );
    } finally {
      t.close();
    }
  });
});
