import { describe, expect, it } from "vitest";
import { analyzePriceAction, parseWindow, priceActionMinCandles } from "../../src/agents/price-action.js";
import type { Candle } from "../../src/core/candle.js";
import { InsufficientDataError, UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import { atr, ema } from "../../src/indicators/index.js";
import { at, bundled, iso } from "../market/helpers.js";

const btc1h = bundled("spot", "BTCUSDT", "1h");
const btc1d = bundled("spot", "BTCUSDT", "1d");

/** The last `count` candles opening at or before `time`: what an analysis right after that candle closed sees. */
function upTo(candles: readonly Candle[], time: string, count = 200): Candle[] {
  const t = at(time);
  let end = candles.findIndex((c) => c.openTime > t);
  if (end < 0) end = candles.length;
  return candles.slice(Math.max(0, end - count), end);
}

const closes = (cs: readonly Candle[]) => cs.map((c) => c.close);

describe("price action: breakouts on real BTC candles", () => {
  const zone100k = { low: 99_000, high: 100_000 };

  it("detects BTC's first hourly close above $100k (2024-12-05 02:00) at that candle and not before", () => {
    const firstHit = [];
    for (const c of btc1h) {
      if (c.openTime < at("2024-11-01T00:00:00Z")) continue;
      if (c.openTime > at("2024-12-05T02:00:00Z")) break;
      const r = analyzePriceAction({ candles: upTo(btc1h, iso(c.openTime)), zones: [zone100k] });
      if (r.breakouts.some((b) => b.kind === "zone" && b.direction === "up")) firstHit.push(iso(c.openTime));
    }
    expect(firstHit).toEqual(["2024-12-05T02:00:00.000Z"]);

    const r = analyzePriceAction({ candles: upTo(btc1h, "2024-12-05T02:00:00Z"), zones: [zone100k] });
    const zone = r.breakouts.find((b) => b.kind === "zone")!;
    expect(zone).toMatchObject({ direction: "up", level: 100_000, zone: zone100k, close: 101_248.19 });
    expect(zone.time).toBe(at("2024-12-05T02:00:00Z"));
    expect(zone.distancePercent).toBeCloseTo(1.24819, 4);
    // Distance in the previous candle's ATR(14), volume against the 20 candles before.
    const w = upTo(btc1h, "2024-12-05T02:00:00Z");
    const a = atr(
      w.map((c) => c.high),
      w.map((c) => c.low),
      closes(w),
      14,
    );
    expect(zone.distanceAtr).toBeCloseTo(1248.19 / a[w.length - 2]!, 9);
    const prev20 = w.slice(-21, -1).reduce((s, c) => s + c.volume, 0) / 20;
    expect(zone.volumeRatio).toBeCloseTo(13_614.299579 / prev20, 9);
    expect(zone.volumeRatio).toBeGreaterThan(4);
    expect(zone.strength).toBe(1); // > 1 ATR beyond on > 3× volume
    // The same close also broke the 20-hour range (high 99,000 set 2024-12-04 20:00).
    expect(r.breakouts.find((b) => b.kind === "range")).toMatchObject({ direction: "up", level: 99_000 });
    expect(r.breakoutDetected).toBe(true);
    expect(r.lastBreakout?.barsAgo).toBe(0);
  });

  it("does not call the next candle above the zone a breakout again, but remembers it as recent", () => {
    const r = analyzePriceAction({ candles: upTo(btc1h, "2024-12-05T03:00:00Z"), zones: [zone100k] });
    expect(r.breakouts.filter((b) => b.kind === "zone")).toEqual([]);
    // 03:00 closed at a new high, so the latest breakout is the range one on that candle.
    expect(r.lastBreakout).toMatchObject({ kind: "range", direction: "up", barsAgo: 0, level: 101_616.22 });
    const later = analyzePriceAction({ candles: upTo(btc1h, "2024-12-05T05:00:00Z"), zones: [zone100k] });
    expect(later.breakouts).toEqual([]);
    expect(later.lastBreakout).toMatchObject({ kind: "range", barsAgo: 2, time: at("2024-12-05T03:00:00Z") });
  });

  it("applies the threshold: the daily close of 2024-12-15 beat the 20-day high by only 0.09 ATR", () => {
    // The 20-day high before it was 104,088 (2024-12-05); the close was 104,463.99 with ATR ≈ 3,974.
    const day = (d: string, threshold?: { unit: "atr" | "fraction"; value: number }) =>
      analyzePriceAction({ candles: upTo(btc1d, `${d}T00:00:00Z`) }, threshold ? { threshold } : {}).breakouts;
    expect(day("2024-12-15")).toEqual([]);
    expect(day("2024-12-15", { unit: "atr", value: 0 })).toMatchObject([
      { kind: "range", direction: "up", level: 104_088 },
    ]);
    expect(day("2024-12-15", { unit: "fraction", value: 0.003 })).toMatchObject([{ level: 104_088 }]);
    expect(day("2024-12-15", { unit: "fraction", value: 0.004 })).toEqual([]);
    // The next day cleared the new high (105,250) by 0.2 ATR.
    const next = day("2024-12-16");
    expect(next).toMatchObject([{ kind: "range", direction: "up", level: 105_250, close: 106_058.66 }]);
    expect(next[0]!.distanceAtr).toBeGreaterThan(0.19);
    expect(next[0]!.distanceAtr).toBeLessThan(0.21);
    // No daily upside breakout between the $104k top of 12-05 and 12-15.
    for (let d = 6; d <= 14; d++) expect(day(`2024-12-${String(d).padStart(2, "0")}`)).toEqual([]);
  });

  it("sees the 2024-12-05 round trip through the $99–100k zone: up at 02:00, down on the 22:00 flash crash", () => {
    const events: string[] = [];
    for (let h = 0; h < 24; h++) {
      const t = iso(at("2024-12-05T00:00:00Z") + h * HOUR);
      const r = analyzePriceAction({ candles: upTo(btc1h, t), zones: [zone100k] });
      for (const b of r.breakouts) if (b.kind === "zone") events.push(`${t.slice(11, 16)} ${b.direction} ${b.level}`);
    }
    // 19:00–21:00 closed at 99,028 / 99,072 / 98,908: inside or within the buffer of the zone, not through it.
    expect(events).toEqual(["02:00 up 100000", "22:00 down 99000"]);
    const r = analyzePriceAction({ candles: upTo(btc1h, "2024-12-05T22:00:00Z"), zones: [zone100k] });
    const down = r.breakouts.find((b) => b.kind === "zone")!;
    expect(down.close).toBe(96_589.04);
    expect(down.distancePercent).toBeCloseTo(((99_000 - 96_589.04) / 99_000) * 100, 9);
    expect(down.volumeRatio).toBeGreaterThan(3);
  });
});

describe("price action: changes, range, volatility, direction", () => {
  it("measures % changes by time, and over the 2023-03-24 halt (13:00 missing) uses the candle before", () => {
    const w = upTo(btc1h, "2024-06-01T12:00:00Z");
    const r = analyzePriceAction({ candles: w }, { changeWindows: ["1h", "4h", "24h", "3d"] });
    const last = w.at(-1)!;
    for (const [k, back] of [
      ["1h", 1],
      ["4h", 4],
      ["24h", 24],
      ["3d", 72],
    ] as const) {
      const ref = w.at(-1 - back)!;
      expect(r.changes[k]).toEqual({
        percent: ((last.close - ref.close) / ref.close) * 100,
        referenceClose: ref.close,
        referenceTime: ref.openTime,
        reason: null,
      });
    }
    const halt = analyzePriceAction({ candles: upTo(btc1h, "2023-03-25T13:00:00Z") });
    expect(halt.changes["24h"]?.referenceTime).toBe(at("2023-03-24T12:00:00Z"));
    const h25 = analyzePriceAction({ candles: upTo(btc1h, "2023-03-25T14:00:00Z") });
    expect(h25.changes["24h"]?.referenceTime).toBe(at("2023-03-24T14:00:00Z"));
  });

  it("says why a change is unavailable instead of inventing one", () => {
    const r = analyzePriceAction(
      { candles: upTo(btc1d, "2024-06-01T00:00:00Z", 40) },
      {
        changeWindows: ["1h", "24h", "90d"],
      },
    );
    expect(r.changes["1h"]).toEqual({
      percent: null,
      referenceClose: null,
      referenceTime: null,
      reason: "the 1h window is not a whole number of these candles",
    });
    expect(r.changes["24h"]?.percent).not.toBeNull();
    expect(r.changes["90d"]?.reason).toBe("the history is shorter than 90d");
  });

  it("reports the range, ATR ratio and direction exactly as documented", () => {
    for (const t of ["2024-11-12T00:00:00Z", "2022-06-13T00:00:00Z", "2023-08-01T00:00:00Z", "2021-01-08T00:00:00Z"]) {
      const w = upTo(btc1d, t, 300);
      const r = analyzePriceAction({ candles: w });
      const n = w.length;
      const prev = w.slice(n - 21, n - 1);
      expect(r.range.high).toBe(Math.max(...prev.map((c) => c.high)));
      expect(r.range.low).toBe(Math.min(...prev.map((c) => c.low)));
      const a = atr(
        w.map((c) => c.high),
        w.map((c) => c.low),
        closes(w),
        14,
      );
      const baseline = Array.from(a.subarray(n - 50)).reduce((s, x) => s + x, 0) / 50;
      expect(r.volatility.atr).toBe(a[n - 1]);
      expect(r.volatility.atrBaseline).toBeCloseTo(baseline, 6);
      expect(r.volatility.ratio).toBeCloseTo(a[n - 1]! / baseline, 12);
      const e = ema(closes(w), 20);
      expect(r.ema).toBe(e[n - 1]);
      expect(r.emaSlopeAtr).toBeCloseTo((e[n - 1]! - e[n - 6]!) / a[n - 1]!, 12);
    }
    // Known regimes: the post-election rally, the June 2022 capitulation, the August 2023 lull.
    expect(analyzePriceAction({ candles: upTo(btc1d, "2024-11-12T00:00:00Z") }).direction).toBe("up");
    expect(analyzePriceAction({ candles: upTo(btc1d, "2022-06-13T00:00:00Z") }).direction).toBe("down");
    const lull = analyzePriceAction({ candles: upTo(btc1d, "2023-08-01T00:00:00Z") });
    expect(lull.direction).toBe("sideways");
    expect(lull.volatility.state).toBe("contracting");
    expect(analyzePriceAction({ candles: upTo(btc1d, "2024-12-05T00:00:00Z") }).volatility.state).toBe("expanding");
  });
});

describe("price action: input and option checks", () => {
  it("needs enough closed candles and says how many", () => {
    expect(priceActionMinCandles()).toBe(25);
    const few = upTo(btc1h, "2024-06-01T00:00:00Z", 24);
    expect(() => analyzePriceAction({ candles: few })).toThrow(InsufficientDataError);
    expect(() => analyzePriceAction({ candles: few })).toThrow("24 closed candles, needs at least 25");
    expect(() => analyzePriceAction({ candles: upTo(btc1h, "2024-06-01T00:00:00Z", 25) })).not.toThrow();
  });

  it("rejects a forming candle, unsorted candles, bad zones and bad options", () => {
    const w = upTo(btc1h, "2024-06-01T00:00:00Z", 50);
    const forming = [...w.slice(0, -1), { ...w.at(-1)!, closed: false }];
    expect(() => analyzePriceAction({ candles: forming })).toThrow(/still forming/);
    expect(() => analyzePriceAction({ candles: [...w].reverse() })).toThrow(/increasing open-time order/);
    expect(() => analyzePriceAction({ candles: w, zones: [{ low: 2, high: 1 }] })).toThrow(UsageError);
    expect(() => analyzePriceAction({ candles: w }, { rangeLookback: 0 })).toThrow(/rangeLookback/);
    expect(() => analyzePriceAction({ candles: w }, { changeWindows: ["1 day"] })).toThrow(/not a duration/);
    expect(() => analyzePriceAction({ candles: w }, { threshold: { unit: "pct" as "atr", value: 1 } })).toThrow(
      /threshold.unit/,
    );
    expect(parseWindow("15m")).toBe(15 * 60_000);
    expect(parseWindow("2w")).toBe(14 * 86_400_000);
  });
});
