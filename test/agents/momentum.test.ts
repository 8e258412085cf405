import { describe, expect, it } from "vitest";
import { analyzeMomentum, momentumMinCandles, rsiStatus } from "../../src/agents/momentum.js";
import type { Candle } from "../../src/core/candle.js";
import { UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import { ema, macd, obv, rsi, swingPivots } from "../../src/indicators/index.js";
import { at, bundled, iso } from "../market/helpers.js";

const btc1h = bundled("spot", "BTCUSDT", "1h");
const btc4h = bundled("spot", "BTCUSDT", "4h");

/** The last `count` candles closed by instant `now` (what MarketView.closed returns). */
function closedBy(candles: readonly Candle[], now: number, count = 300): Candle[] {
  let end = candles.findIndex((c) => c.closeTime >= now);
  if (end < 0) end = candles.length;
  return candles.slice(Math.max(0, end - count), end);
}

const closes = (cs: readonly Candle[]) => cs.map((c) => c.close);
const both = (now: number) => ({ "1h": closedBy(btc1h, now), "4h": closedBy(btc4h, now) });

describe("momentum: RSI per timeframe", () => {
  it("reports the indicator library's RSI on each timeframe, with a missing one said so", () => {
    const now = at("2024-08-05T04:00:00Z");
    const m = analyzeMomentum({ candles: both(now) });
    for (const [tf, cs] of Object.entries(both(now))) {
      const frame = m.timeframes[tf as "1h" | "4h"]!;
      expect(frame.rsi).toBe(rsi(closes(cs), 14)[cs.length - 1]);
      expect(frame.time).toBe(cs.at(-1)!.openTime);
    }
    expect(m.timeframes["1h"]!.time).toBe(at("2024-08-05T03:00:00Z"));
    expect(m.timeframes["4h"]!.time).toBe(at("2024-08-05T00:00:00Z"));
    // The 2024-08-05 crash: deeply oversold on both.
    expect(m.timeframes["1h"]!.rsi).toBeCloseTo(19.27, 2);
    expect(m.status).toBe("oversold");
    expect(m.oversoldOn).toEqual(["1h", "4h"]);
    expect(m.overboughtOn).toEqual([]);
    expect(m.timeframes["15m"]).toBeUndefined();
    expect(m.missing).toEqual([
      { interval: "15m", candles: 0, needed: 34, reason: "0 closed 15m candles, RSI and MACD need 34" },
    ]);
  });

  it("is overbought in the post-election rally and neutral when timeframes disagree or nothing is extreme", () => {
    const rally = analyzeMomentum({ candles: both(at("2024-11-12T00:00:00Z")) });
    expect(rally.status).toBe("overbought");
    expect(rally.overboughtOn).toEqual(["1h", "4h"]);
    const calm = analyzeMomentum({ candles: both(at("2024-03-05T13:00:00Z")) });
    expect(calm.status).toBe("neutral");
    // Conflict: 1h oversold while 4h is overbought, with thresholds chosen to make it so on real data.
    const now = at("2024-03-05T13:00:00Z");
    const r1 = rsi(closes(closedBy(btc1h, now)), 14).at(-1)!;
    const r4 = rsi(closes(closedBy(btc4h, now)), 14).at(-1)!;
    expect(r1).toBeLessThan(r4);
    const mid = (r1 + r4) / 2;
    const c = analyzeMomentum({ candles: both(now) }, { oversold: Math.min(mid, r1 + 0.5), overbought: mid });
    expect(c.oversoldOn).toEqual(["1h"]);
    expect(c.overboughtOn).toEqual(["4h"]);
    expect(c.status).toBe("neutral");
  });

  it("maps RSI to status by strict thresholds, and checks its options", () => {
    expect([29.99, 30, 70, 70.01].map((r) => rsiStatus(r, 30, 70))).toEqual([
      "oversold",
      "neutral",
      "neutral",
      "overbought",
    ]);
    expect(momentumMinCandles()).toBe(34);
    expect(() => analyzeMomentum({ candles: {} }, { overbought: 20 })).toThrow(UsageError);
    expect(() => analyzeMomentum({ candles: {} }, { timeframes: ["2m" as "1m"] })).toThrow(/not a Binance interval/);
    expect(() => analyzeMomentum({ candles: {} }, { macdSlow: 10 })).toThrow(/macdSlow/);
  });
});

describe("momentum: MACD, OBV", () => {
  it("reports MACD line/signal/histogram and the latest cross as a brute-force scan finds it", () => {
    let crosses = 0;
    for (let k = 0; k < 60; k++) {
      const now = at("2024-10-01T00:00:00Z") + k * 7 * HOUR;
      const w = closedBy(btc1h, now);
      const f = analyzeMomentum({ candles: { "1h": w } }, { timeframes: ["1h"] }).timeframes["1h"]!;
      const m = macd(closes(w));
      const n = w.length;
      expect(f.macd).toEqual({ line: m.macd[n - 1], signal: m.signal[n - 1], histogram: m.histogram[n - 1] });
      // Brute force: sign changes of the histogram, oldest first; the last one wins.
      let last: { kind: string; index: number } | null = null;
      let prev = 0;
      for (let i = 0; i < n; i++) {
        const h = m.histogram[i]!;
        if (Number.isNaN(h) || h === 0) continue;
        const sign = Math.sign(h);
        if (prev !== 0 && sign !== prev) last = { kind: sign > 0 ? "bullish" : "bearish", index: i };
        prev = sign;
      }
      if (last === null) expect(f.macdCross).toBeNull();
      else {
        crosses++;
        expect(f.macdCross).toEqual({ kind: last.kind, barsAgo: n - 1 - last.index, time: w[last.index]!.openTime });
      }
    }
    expect(crosses).toBe(60);
  });

  it("calls the OBV trend from OBV against its EMA, in mean volumes", () => {
    const seen = new Set<string>();
    for (let k = 0; k < 40; k++) {
      const now = at("2024-07-01T00:00:00Z") + k * 11 * HOUR;
      const w = closedBy(btc1h, now);
      const f = analyzeMomentum({ candles: { "1h": w } }, { timeframes: ["1h"] }).timeframes["1h"]!;
      const o = obv(
        closes(w),
        w.map((c) => c.volume),
      );
      const e = ema(o, 20);
      const meanVol = w.slice(-20).reduce((s, c) => s + c.volume, 0) / 20;
      const d = (o.at(-1)! - e.at(-1)!) / meanVol;
      expect(f.obv.value).toBe(o.at(-1));
      expect(f.obv.ema).toBe(e.at(-1));
      expect(f.obv.trend).toBe(d >= 0.5 ? "rising" : d <= -0.5 ? "falling" : "flat");
      seen.add(f.obv.trend);
    }
    expect([...seen].sort()).toEqual(["falling", "flat", "rising"]);
  });
});

describe("momentum: RSI divergence at confirmed pivots", () => {
  it("finds the bearish divergence of 2024-12-09 (higher high at 15:00, lower RSI) once it is confirmed", () => {
    const frame = (now: string, maxAge = 10) =>
      analyzeMomentum({ candles: { "1h": closedBy(btc1h, at(now)) } }, { timeframes: ["1h"], divergenceMaxAge: maxAge })
        .timeframes["1h"]!;
    // The 15:00 high is a pivot only once 3 more candles closed (18:00 candle, final at 19:00).
    const before = frame("2024-12-09T18:59:59.999Z").divergence;
    expect(before?.second.time).not.toBe(at("2024-12-09T15:00:00Z"));
    const d = frame("2024-12-09T19:00:00Z").divergence!;
    expect(d.kind).toBe("bearish");
    expect(d.first).toMatchObject({ time: at("2024-12-09T07:00:00Z"), price: 99_729.88 });
    expect(d.second).toMatchObject({ time: at("2024-12-09T15:00:00Z"), price: 100_421.8 });
    expect(d.first.rsi).toBeCloseTo(49.1, 1);
    expect(d.second.rsi).toBeCloseTo(40.7, 1);
    expect(d.confirmedAt).toBe(at("2024-12-09T19:00:00Z"));
    expect(d.barsAgo).toBe(0);
    // Still reported while fresh (until a newer pivot high replaces it), not once older than divergenceMaxAge.
    expect(frame("2024-12-09T21:00:00Z").divergence).toMatchObject({ kind: "bearish", barsAgo: 2 });
    expect(frame("2024-12-09T21:00:00Z", 2).divergence).toMatchObject({ kind: "bearish", barsAgo: 2 });
    expect(frame("2024-12-09T21:00:00Z", 1).divergence).toBeNull();
  });

  it("only ever reports divergences that the confirmed pivots show (a scan over 2024)", () => {
    const kinds = { bullish: 0, bearish: 0 };
    for (let k = 0; k < 300; k++) {
      const now = at("2024-01-03T00:00:00Z") + k * 29 * HOUR;
      const w = closedBy(btc1h, now);
      const d = analyzeMomentum({ candles: { "1h": w } }, { timeframes: ["1h"] }).timeframes["1h"]!.divergence;
      if (!d) continue;
      kinds[d.kind]++;
      expect(d.confirmedAt).toBeLessThanOrEqual(now);
      const r = rsi(closes(w), 14);
      const pivots = swingPivots(
        w.map((c) => c.high),
        w.map((c) => c.low),
        { left: 5, right: 3 },
      ).filter((p) => p.kind === (d.kind === "bearish" ? "high" : "low"));
      // The two pivots are the last two of their kind, and the RSI moved the other way by ≥ 2 points.
      const [p1, p2] = pivots.slice(-2);
      expect(iso(w[p1!.index]!.openTime)).toBe(iso(d.first.time));
      expect(iso(w[p2!.index]!.openTime)).toBe(iso(d.second.time));
      expect(d.first.rsi).toBe(r[p1!.index]);
      expect(d.second.rsi).toBe(r[p2!.index]);
      if (d.kind === "bearish") {
        expect(d.second.price).toBeGreaterThan(d.first.price);
        expect(d.second.rsi).toBeLessThanOrEqual(d.first.rsi - 2);
      } else {
        expect(d.second.price).toBeLessThan(d.first.price);
        expect(d.second.rsi).toBeGreaterThanOrEqual(d.first.rsi + 2);
      }
      expect(p2!.index - p1!.index).toBeGreaterThanOrEqual(5);
      expect(p2!.index - p1!.index).toBeLessThanOrEqual(60);
      expect(d.barsAgo).toBe(w.length - 1 - p2!.confirmIndex);
      expect(d.barsAgo).toBeLessThanOrEqual(10);
    }
    expect(kinds.bullish).toBeGreaterThan(5);
    expect(kinds.bearish).toBeGreaterThan(5);
  });
});
