/**
 * Cross-check against the `trading-signals` package (v8) on all bundled BTCUSDT 1h candles, for the batch AND the
 * streaming form, to 1e-9 relative.
 *
 * Where both libraries seed the same way (RSI: Wilder's averages start as simple means; SMA; OBV up to a constant) the
 * values agree from the first one. Where trading-signals seeds differently they agree once the seed has decayed:
 * - its EMA starts from the first price instead of an SMA; the difference then shrinks by (p − 1)/(p + 1) per value;
 * - its ATR seeds with the mean of TR[0..p−1] where TR[0] = high − low (first value at p − 1); TA-Lib and we seed with
 *   TR[1..p] (first value at p); the difference shrinks by (p − 1)/p per bar — slower than an EMA's, so ten periods
 *   are not enough for 1e-9 (13/14 to the 140th is 3e-5); the warm-up below is computed from the decay factor;
 * - its MACD uses those first-price EMAs for all three lines.
 * For EMA and ATR the test also checks that the difference IS exactly the decaying seed difference, i.e. that the two
 * recursions are otherwise identical.
 */
import { ATR as TsATR, EMA as TsEMA, MACD as TsMACD, OBV as TsOBV, RSI as TsRSI, SMA as TsSMA } from "trading-signals";
import { describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import {
  ATR,
  atr,
  EMA,
  ema,
  MACD,
  macd,
  OBV,
  obv,
  RSI,
  rsi,
  SMA,
  sma,
  type StreamingIndicator,
} from "../../src/indicators/index.js";
import { btc1h } from "./fixtures/real-candles.js";

const { candles, cols } = btc1h();
const n = candles.length;

/** Values after which a seed difference shrinking by `factor` per step is below 1e-12 of itself. */
function decayed(factor: number): number {
  return Math.ceil(Math.log(1e-12) / Math.log(factor));
}

function stream<In>(ind: StreamingIndicator<In, number>, inputs: readonly In[]): Float64Array {
  return Float64Array.from(inputs, (x) => ind.update(x) ?? Number.NaN);
}

function theirs<In>(ind: { add(x: In): number | null }, inputs: readonly In[]): Float64Array {
  return Float64Array.from(inputs, (x) => ind.add(x) ?? Number.NaN);
}

/** Largest |a − b| / scale over [from, to); scale defaults to max(|a|, |b|). */
function maxRelDiff(a: Float64Array, b: Float64Array, from: number, scale?: (i: number) => number): number {
  let worst = 0;
  for (let i = from; i < a.length; i++) {
    const s = scale ? scale(i) : Math.max(Math.abs(a[i]!), Math.abs(b[i]!));
    const d = Math.abs(a[i]! - b[i]!) / s;
    if (Number.isNaN(d)) return Number.POSITIVE_INFINITY; // a value missing on one side
    if (d > worst) worst = d;
  }
  return worst;
}

function expectBothForms(batch: Float64Array, streamed: Float64Array, ref: Float64Array, from: number): void {
  expect(streamed).toEqual(batch);
  expect(n - from).toBeGreaterThan(20_000);
  expect(maxRelDiff(batch, ref, from)).toBeLessThan(1e-9);
}

describe("agreement with trading-signals on real BTCUSDT 1h candles", () => {
  const close = Array.from(cols.close);

  it.each([2, 14, 30])("RSI(%i) agrees from its first value", (p) => {
    const ref = theirs(new TsRSI(p), close);
    expect(Number.isNaN(ref[p - 1]!) && !Number.isNaN(ref[p]!)).toBe(true);
    expectBothForms(rsi(cols.close, p), stream(new RSI(p), close), ref, p);
  });

  it.each([5, 20, 200])("SMA(%i) agrees from its first value", (p) => {
    expectBothForms(sma(cols.close, p), stream(new SMA(p), close), theirs(new TsSMA(p), close), p - 1);
  });

  it.each([9, 21, 50])("EMA(%i) agrees once the first-price seed has decayed, and differs by exactly that", (p) => {
    const ours = ema(cols.close, p);
    const ref = theirs(new TsEMA(p), close);
    const factor = (p - 1) / (p + 1);
    const from = p - 1 + decayed(factor);
    expectBothForms(ours, stream(new EMA(p), close), ref, from);
    const d0 = ours[p - 1]! - ref[p - 1]!;
    expect(Math.abs(d0) / ours[p - 1]!).toBeGreaterThan(1e-6); // the seeds really differ
    const predicted = Float64Array.from(ours, (v, i) => (i < p - 1 ? v : ref[i]! + d0 * factor ** (i - p + 1)));
    expect(maxRelDiff(ours, predicted, p - 1)).toBeLessThan(1e-9);
  });

  it.each([5, 14])("ATR(%i) agrees once its different seed has decayed, and differs by exactly that", (p) => {
    const bars = candles.map((c) => ({ high: c.high, low: c.low, close: c.close }));
    const ours = atr(cols.high, cols.low, cols.close, p);
    const ref = theirs(new TsATR(p), bars);
    expect(Number.isNaN(ref[p - 2]!) && !Number.isNaN(ref[p - 1]!)).toBe(true); // its first value is one bar earlier
    const factor = (p - 1) / p;
    const from = p + decayed(factor);
    expectBothForms(ours, stream(new ATR(p), bars), ref, from);
    const d0 = ours[p]! - ref[p]!;
    expect(Math.abs(d0) / ours[p]!).toBeGreaterThan(1e-6);
    const predicted = Float64Array.from(ours, (v, i) => (i < p ? v : ref[i]! + d0 * factor ** (i - p)));
    expect(maxRelDiff(ours, predicted, p)).toBeLessThan(1e-9);
  });

  it("MACD(12,26,9) agrees once the first-price seeds have decayed (measured against the price level)", () => {
    const ours = macd(cols.close);
    const ts = new TsMACD(new TsEMA(12), new TsEMA(26), new TsEMA(9));
    const refs = { macd: new Float64Array(n), signal: new Float64Array(n), histogram: new Float64Array(n) };
    const mine = new MACD();
    const streamed = { macd: new Float64Array(n), signal: new Float64Array(n), histogram: new Float64Array(n) };
    close.forEach((x, i) => {
      const r = ts.add(x);
      const m = mine.update(x);
      for (const k of ["macd", "signal", "histogram"] as const) {
        refs[k][i] = r ? r[k] : Number.NaN;
        streamed[k][i] = m ? m[k] : Number.NaN;
      }
    });
    // The MACD lines cross zero, so a relative error is measured against the price they are differences of.
    const from = 33 + decayed(25 / 27);
    for (const k of ["macd", "signal", "histogram"] as const) {
      expect(streamed[k]).toEqual(ours[k]);
      expect(
        maxRelDiff(ours[k], refs[k], from, (i) => cols.close[i]!),
        k,
      ).toBeLessThan(1e-9);
    }
  });

  it("OBV agrees up to the constant volume[0] (trading-signals starts from 0 at bar 1)", () => {
    const bars = candles.map((c) => ({ open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume }));
    const ours = obv(cols.close, cols.volume);
    const ref = theirs(new TsOBV(2), bars);
    const shifted = Float64Array.from(ref, (v) => v + cols.volume[0]!);
    // OBV crosses zero; its rounding is relative to the volume that flowed through it, so that is the scale.
    let flowed = 0;
    const scale = Float64Array.from(cols.volume, (v) => (flowed += v));
    expect(stream(new OBV(), candles)).toEqual(ours);
    expect(maxRelDiff(ours, shifted, 1, (i) => scale[i]!)).toBeLessThan(1e-9);
  });

  it("replace on a live candle gives the same values as trading-signals' replace", () => {
    const ourRsi = new RSI(14);
    const tsRsi = new TsRSI(14);
    const ourAtr = new ATR(14);
    const tsAtr = new TsATR(14);
    const worst = { rsi: 0, atr: 0 };
    const track = (k: "rsi" | "atr", a: number | undefined, b: number | null) => {
      if (a === undefined || b === null) return;
      worst[k] = Math.max(worst[k], Math.abs(a - b) / Math.abs(b));
    };
    candles.slice(0, 3000).forEach((c: Candle, i) => {
      // The live candle ticks three times before it closes.
      for (const f of [1.002, 0.997, 1]) {
        const live = { high: Math.max(c.high, c.close * f), low: Math.min(c.low, c.close * f), close: c.close * f };
        const first = f === 1.002;
        track(
          "rsi",
          first ? ourRsi.update(live.close) : ourRsi.replace(live.close),
          first ? tsRsi.add(live.close) : tsRsi.replace(live.close),
        );
        if (i > 600)
          track(
            "atr",
            first ? ourAtr.update(live) : ourAtr.replace(live),
            first ? tsAtr.add(live) : tsAtr.replace(live),
          );
        else if (first) {
          ourAtr.update(live);
          tsAtr.add(live);
        } else {
          ourAtr.replace(live);
          tsAtr.replace(live);
        }
      }
    });
    expect(worst.rsi).toBeLessThan(1e-9);
    expect(worst.atr).toBeLessThan(1e-9);
    expect(ourRsi.value).toBe(rsi(cols.close.slice(0, 3000), 14).at(-1));
  });
});
