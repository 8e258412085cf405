/** Edge cases, lookbacks, special values and argument checking, shared by all indicators. */
import { describe, expect, it } from "vitest";
import { DataError, UsageError } from "../../src/core/errors.js";
import {
  ATR,
  atr,
  atrLookback,
  candleColumns,
  EMA,
  ema,
  MACD,
  macd,
  macdLookback,
  OBV,
  obv,
  obvLookback,
  PercentRank,
  percentRank,
  percentRankLookback,
  RSI,
  rsi,
  SMA,
  sma,
  ZScore,
  zScore,
  zScoreLookback,
} from "../../src/indicators/index.js";
import { btc1h } from "./fixtures/real-candles.js";

const nan = (xs: Float64Array) => Array.from(xs).map(Number.isNaN);

describe("warm-up: first valid index = TA-Lib lookback", () => {
  it("reports the lookbacks TA-Lib reports", () => {
    expect(atrLookback(14)).toBe(14);
    expect(macdLookback({ fast: 12, slow: 26, signal: 9 })).toBe(33);
    expect(macdLookback({ fast: 5, slow: 35, signal: 5 })).toBe(38);
    expect(obvLookback()).toBe(0);
    expect(zScoreLookback(20)).toBe(19);
    expect(percentRankLookback(20)).toBe(20);
    expect(new RSI(14).requiredInputs).toBe(15);
    expect(new MACD().requiredInputs).toBe(34);
    expect(new OBV().requiredInputs).toBe(1);
  });

  it("returns all-NaN output when the series is shorter than the warm-up, and empty output for empty input", () => {
    const five = [1, 2, 3, 4, 5];
    expect(nan(rsi(five, 5))).toEqual([true, true, true, true, true]);
    expect(nan(ema(five, 6))).toEqual([true, true, true, true, true]);
    expect(nan(atr(five, five, five, 5))).toEqual([true, true, true, true, true]);
    expect(nan(macd(five).signal)).toEqual([true, true, true, true, true]);
    expect(nan(percentRank(five, 5))).toEqual([true, true, true, true, true]);
    for (const out of [sma([], 3), ema([], 3), rsi([], 3), zScore([], 3), percentRank([], 3), obv([], [])]) {
      expect(out.length).toBe(0);
    }
    expect(atr([], [], [], 3).length).toBe(0);
  });

  it("accepts plain arrays and Float64Arrays alike", () => {
    const closes = btc1h().cols.close.slice(0, 500);
    expect(rsi(Array.from(closes), 14)).toEqual(rsi(closes, 14));
    expect(sma(Array.from(closes), 7)).toEqual(sma(closes, 7));
  });
});

describe("special values", () => {
  it("RSI is 100 on only gains, 0 on only losses, and 50 (neutral) on a flat window", () => {
    expect(rsi([1, 2, 3, 4, 5], 3)[4]).toBe(100);
    expect(rsi([5, 4, 3, 2, 1], 3)[4]).toBe(0);
    expect(Array.from(rsi([7, 7, 7, 7, 7, 8], 3).slice(3))).toEqual([50, 50, 100]);
    const s = new RSI(3);
    expect([7, 7, 7, 7].map((x) => s.update(x))).toEqual([undefined, undefined, undefined, 50]);
  });

  it("RSI on micro-priced coins is not mistaken for a flat market (TA-Lib's 1e-8 zero test would be)", () => {
    const tiny = [1e-9, 2e-9, 1.5e-9, 3e-9, 2.5e-9, 4e-9];
    // Changes +1, −0.5, +1.5, −0.5, +1.5 (×1e-9): gains 4e-9, losses 1e-9, RSI 80. TA-Lib answers 0 here, because
    // its average gain + average loss (1e-9) is below its fixed 1e-8 "zero".
    expect(rsi(tiny, 5)[5]).toBeCloseTo((100 * 4) / 5, 9);
  });

  it("ATR is 0 on flat bars and measures a gap from the previous close", () => {
    expect(atr([1, 1, 1], [1, 1, 1], [1, 1, 1], 2)[2]).toBe(0);
    // Bar 1 gaps up from close 10 to a 20–21 range: TR = 21 − 10 = 11; bar 2 TR = 1.
    expect(atr([10, 21, 21], [10, 20, 20], [10, 20, 20.5], 2)[2]).toBe(6);
  });

  it("OBV starts at the first bar's volume and ignores unchanged closes", () => {
    expect(Array.from(obv([10, 11, 11, 9, 12], [5, 3, 7, 2, 4]))).toEqual([5, 8, 8, 6, 10]);
  });

  it("SMA stays exact after a huge value leaves the window", () => {
    const xs = [1e15, 1e-3, 2e-3, 3e-3, 4e-3, 5e-3];
    const got = Array.from(sma(xs, 2).slice(2));
    expect(got).toEqual([(1e-3 + 2e-3) / 2, (2e-3 + 3e-3) / 2, (3e-3 + 4e-3) / 2, (4e-3 + 5e-3) / 2]);
    const s = new SMA(2);
    expect(xs.map((x) => s.update(x)).slice(2)).toEqual(got);
  });
});

describe("argument checking", () => {
  it("names the indicator, the parameter and the allowed range", () => {
    expect(() => rsi([1, 2, 3], 1)).toThrow(UsageError);
    expect(() => rsi([1, 2, 3], 1)).toThrow("rsi: period must be an integer ≥ 2, got 1");
    expect(() => sma([1], 0)).toThrow("sma: period must be an integer ≥ 1, got 0");
    expect(() => new EMA(2.5)).toThrow("ema: period must be an integer ≥ 1, got 2.5");
    expect(() => new ZScore(1)).toThrow(/zScore: period must be an integer ≥ 2/);
    expect(() => new PercentRank(Number.NaN)).toThrow(/percentRank: period/);
    expect(() => new ATR(0)).toThrow(/atr: period/);
  });

  it("rejects a MACD whose fast period is not shorter than its slow one", () => {
    expect(() => macd([1, 2, 3], { fast: 26, slow: 12 })).toThrow(
      "macd: fast period (26) must be shorter than slow period (12)",
    );
    expect(() => new MACD({ fast: 12, slow: 12 })).toThrow(UsageError);
    expect(() => new MACD({ signal: 0 })).toThrow(/signal must be an integer ≥ 1/);
  });

  it("rejects NaN and infinite values, naming the series and the index", () => {
    expect(() => rsi([1, 2, Number.NaN, 4], 2)).toThrow(DataError);
    expect(() => rsi([1, 2, Number.NaN, 4], 2)).toThrow("rsi: values[2] is NaN");
    expect(() => atr([1, 2], [1, Number.POSITIVE_INFINITY], [1, 2], 1)).toThrow("atr: low[1] is Infinity");
    expect(() => obv(new Float64Array([1, Number.NaN]), [1, 1])).toThrow("obv: close[1] is NaN");
    expect(() => sma([1, "2" as unknown as number], 1)).toThrow("sma: values[1] is 2");
  });

  it("rejects series of different lengths", () => {
    expect(() => atr([1, 2], [1], [1, 2], 1)).toThrow("atr: input series differ in length (high: 2, low: 1, close: 2)");
    expect(() => obv([1, 2], [1, 2, 3])).toThrow(UsageError);
  });
});

describe("candleColumns", () => {
  it("turns candles into aligned Float64Array columns", () => {
    const candles = btc1h().candles.slice(0, 3);
    const cols = candleColumns(candles);
    expect(Array.from(cols.close)).toEqual(candles.map((c) => c.close));
    expect(Array.from(cols.openTime)).toEqual(candles.map((c) => c.openTime));
    expect(Array.from(cols.volume)).toEqual(candles.map((c) => c.volume));
    expect(cols.high).toBeInstanceOf(Float64Array);
  });
});
