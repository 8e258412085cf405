/**
 * Published reference values. Each block cites where its numbers come from; only numbers printed in those sources are
 * used, and each is compared within one unit of the last digit the source printed.
 */
import { describe, expect, it } from "vitest";
import {
  atr,
  ema,
  emaLookback,
  macd,
  macdLookback,
  obv,
  percentRank,
  percentRankLookback,
  rsi,
  rsiLookback,
  sma,
  smaLookback,
  trueRange,
} from "../../src/indicators/index.js";
import { TA_LIB_CLOSE, TA_LIB_HIGH, TA_LIB_LOW } from "./fixtures/ta-lib-corpus.js";

/** `published` printed with `decimals` decimals (TA-Lib's tables truncate, so allow one full unit). */
function expectPublished(got: number | undefined, published: number, decimals: number, what: string): void {
  expect(got, what).toBeDefined();
  expect(Math.abs(got! - published), `${what}: got ${got}, published ${published}`).toBeLessThanOrEqual(
    10 ** -decimals,
  );
}

describe("TA-Lib regression values on TA-Lib's 252-bar reference series", () => {
  // Expected values: tableTest rows of TA-Lib/ta-lib src/tools/ta_regtest/ta_test_func/*.c, default compatibility.
  // Row format there: output index k is bar (lookback + k).

  it("SMA(2), SMA(30) — test_ma.c", () => {
    const s2 = sma(TA_LIB_CLOSE, 2);
    const s30 = sma(TA_LIB_CLOSE, 30);
    expect(smaLookback(30)).toBe(29);
    expect(Number.isNaN(s30[28]!)).toBe(true);
    const rows: [Float64Array, number, number, number][] = [
      [s2, 1, 0, 93.15],
      [s2, 1, 1, 94.59],
      [s2, 1, 2, 94.73],
      [s2, 1, 250, 108.31],
      [s30, 29, 0, 90.42],
      [s30, 29, 1, 90.21],
      [s30, 29, 2, 89.96],
      [s30, 29, 29, 87.12],
      [s30, 29, 221, 107.95],
      [s30, 29, 222, 108.42],
    ];
    for (const [out, lookback, k, want] of rows) expectPublished(out[lookback + k], want, 2, `bar ${lookback + k}`);
  });

  it("EMA(2), EMA(10) — test_ma.c", () => {
    const e2 = ema(TA_LIB_CLOSE, 2);
    const e10 = ema(TA_LIB_CLOSE, 10);
    expect(emaLookback(10)).toBe(9);
    expect(Number.isNaN(e10[8]!)).toBe(true);
    const rows: [Float64Array, number, number, number][] = [
      [e2, 1, 0, 93.15],
      [e2, 1, 1, 93.96],
      [e2, 1, 250, 108.21],
      [e10, 9, 0, 93.22],
      [e10, 9, 1, 93.75],
      [e10, 9, 20, 86.46],
      [e10, 9, 242, 108.97],
    ];
    for (const [out, lookback, k, want] of rows) expectPublished(out[lookback + k], want, 2, `bar ${lookback + k}`);
  });

  it("RSI(14) — test_rsi.c", () => {
    const r = rsi(TA_LIB_CLOSE, 14);
    expect(rsiLookback(14)).toBe(14);
    expect(Number.isNaN(r[13]!)).toBe(true);
    expectPublished(r[14], 49.14, 2, "first value");
    expectPublished(r[15], 52.32, 2, "bar 15");
    expectPublished(r[16], 46.07, 2, "bar 16");
    expectPublished(r[251], 49.63, 2, "last value");
  });

  it("MACD(12,26,9): both EMAs aligned to start on bar 25, first output on bar 33 — test_macd.c", () => {
    const m = macd(TA_LIB_CLOSE);
    expect(macdLookback()).toBe(33);
    expect(Number.isNaN(m.macd[32]!)).toBe(true);
    expectPublished(m.macd[33], -1.9738, 4, "MACD");
    expectPublished(m.signal[33], -2.7071, 4, "signal");
    expectPublished(m.histogram[33], -1.9738 - -2.7071, 4, "histogram");
  });

  it("ATR(14), through NATR = 100·ATR/close — test_per_hlc.c", () => {
    const a = atr(TA_LIB_HIGH, TA_LIB_LOW, TA_LIB_CLOSE, 14);
    expect(Number.isNaN(a[13]!)).toBe(true);
    const natr = (bar: number) => (a[bar]! / TA_LIB_CLOSE[bar]!) * 100;
    expectPublished(natr(14), 3.9321, 4, "first value");
    expectPublished(natr(15), 3.7576, 4, "bar 15");
    expectPublished(natr(251), 3.0229, 4, "last value");
  });

  it("PERCENTRANK, exactly (zero tolerance, as TA-Lib checks it) — test_percentrank.c (goldens from ta4j)", () => {
    // [period, bar, value] as printed there with %.17g.
    const goldens: [number, number, number][] = [
      [2, 2, 50],
      [2, 3, 100],
      [2, 4, 0],
      [2, 20, 0],
      [2, 64, 100],
      [2, 70, 0],
      [2, 100, 50],
      [2, 127, 100],
      [2, 150, 0],
      [2, 189, 50],
      [2, 251, 0],
      [3, 3, 100],
      [3, 4, 0],
      [3, 5, 66.666666666666657],
      [3, 20, 0],
      [3, 65, 100],
      [3, 70, 0],
      [3, 79, 33.333333333333329],
      [3, 100, 66.666666666666657],
      [3, 127, 100],
      [3, 144, 33.333333333333329],
      [3, 150, 33.333333333333329],
      [3, 189, 33.333333333333329],
      [3, 197, 33.333333333333329],
      [3, 251, 0],
      [20, 20, 0],
      [20, 21, 0],
      [20, 43, 100],
      [20, 58, 55.000000000000007],
      [20, 70, 45],
      [20, 78, 100],
      [20, 98, 55.000000000000007],
      [20, 100, 65],
      [20, 105, 55.000000000000007],
      [20, 136, 35],
      [20, 150, 10],
      [20, 157, 55.000000000000007],
      [20, 194, 5],
      [20, 251, 10],
      [100, 100, 93],
      [100, 101, 92],
      [100, 116, 100],
      [100, 138, 83],
      [100, 150, 67],
      [100, 176, 85],
      [100, 186, 28.000000000000004],
      [100, 195, 0],
      [100, 214, 5],
      [100, 231, 28.000000000000004],
      [100, 251, 35],
    ];
    const byPeriod = new Map<number, Float64Array>();
    for (const [period, bar, want] of goldens) {
      if (!byPeriod.has(period)) byPeriod.set(period, percentRank(TA_LIB_CLOSE, period));
      const out = byPeriod.get(period)!;
      expect(percentRankLookback(period)).toBe(period);
      expect(Number.isNaN(out[period - 1]!)).toBe(true);
      expect(out[bar], `period ${period} bar ${bar}`).toBe(want);
    }
  });
});

describe("StockCharts ChartSchool RSI worked example (cs-rsi.xls, QQQQ 2009-12-14 .. 2010-02-01)", () => {
  // The table prints closes rounded to 2 decimals; the sheet computes from these 4-decimal closes (each rounds to the
  // printed close, checked below). Printed RSI(14), from the 15th close on: 70.53 … 37.77.
  const closes = [
    44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328, 45.614,
    46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548,
    44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
  ];
  const printedCloses = [
    44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0, 46.03,
    46.41, 46.22, 45.64, 46.21, 46.25, 45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13,
  ];
  const printedRsi = [
    70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99, 41.46, 41.87, 45.46,
    37.3, 33.08, 37.77,
  ];

  it("uses closes that round to the printed table", () => {
    expect(closes.map((c) => Math.round(c * 100) / 100)).toEqual(printedCloses);
  });

  it("reproduces every printed RSI value to the cent (rounded)", () => {
    const r = rsi(closes, 14);
    expect(Array.from(r.slice(0, 14)).every(Number.isNaN)).toBe(true);
    expect(Array.from(r.slice(14), (v) => Math.round(v * 100) / 100)).toEqual(printedRsi);
  });
});

describe("Tulip Indicators test vectors (TulipCharts/tulipindicators tests/untest.txt)", () => {
  const close = [
    81.59, 81.06, 82.87, 83.0, 83.61, 83.15, 82.84, 83.99, 84.55, 84.36, 85.53, 86.54, 86.89, 87.77, 87.29,
  ];
  const high = [82.15, 81.89, 83.03, 83.3, 83.85, 83.9, 83.33, 84.3, 84.84, 85.0, 85.9, 86.58, 86.98, 88.0, 87.87];
  const low = [81.29, 80.64, 81.31, 82.65, 83.07, 83.11, 82.49, 82.3, 84.15, 84.11, 84.03, 85.39, 85.76, 87.17, 87.01];
  const volume = [
    5653100, 6447400, 7690900, 3831400, 4455100, 3798000, 3936200, 4732000, 4841300, 3915300, 6830800, 6694100, 5293600,
    7985800, 4807900,
  ];
  const round3 = (xs: Float64Array, from: number) => Array.from(xs.slice(from), (v) => Number(v.toFixed(3)));

  it("rsi 5 (Tulip seeds Wilder's averages like TA-Lib)", () => {
    expect(round3(rsi(close, 5), 5)).toEqual([
      72.034, 64.927, 75.936, 79.796, 74.713, 83.033, 87.478, 88.755, 91.483, 78.498,
    ]);
  });

  it("sma 5", () => {
    expect(round3(sma(close, 5), 4)).toEqual([
      82.426, 82.738, 83.094, 83.318, 83.628, 83.778, 84.254, 84.994, 85.574, 86.218, 86.804,
    ]);
  });

  it("tr, including high − low on the first bar", () => {
    expect(round3(trueRange(high, low, close), 0)).toEqual([
      0.86, 1.25, 1.97, 0.65, 0.85, 0.79, 0.84, 2.0, 0.85, 0.89, 1.87, 1.19, 1.22, 1.11, 0.86,
    ]);
  });

  it("obv: Tulip starts at 0, TA-Lib (and this) at volume[0]; the difference is that constant", () => {
    const tulip = [
      0, -6447400, 1243500, 5074900, 9530000, 5732000, 1795800, 6527800, 11369100, 7453800, 14284600, 20978700,
      26272300, 34258100, 29450200,
    ];
    expect(Array.from(obv(close, volume), (v) => v - volume[0]!)).toEqual(tulip);
  });

  it("ATR(5) seeded as TA-Lib does, from Tulip's published true ranges (bars 1..5), then Wilder-smoothed", () => {
    const tr = [0.86, 1.25, 1.97, 0.65, 0.85, 0.79, 0.84, 2.0, 0.85, 0.89, 1.87, 1.19, 1.22, 1.11, 0.86];
    let a = (1.25 + 1.97 + 0.65 + 0.85 + 0.79) / 5;
    const want = [a];
    for (let i = 6; i < tr.length; i++) {
      a = (a * 4 + tr[i]!) / 5;
      want.push(a);
    }
    const got = Array.from(atr(high, low, close, 5).slice(5));
    expect(got.length).toBe(want.length);
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 12);
    });
  });
});
