/**
 * CandleSeries built from a previous series (the next window of the same candles) must be the series a fresh
 * construction gives: same columns, same indicators. Series share column storage, so building several successors of
 * one series, in any order, must leave every one of them intact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CandleSeries, type SeriesContinuation } from "../../src/agents/candle-series.js";
import { blockOf } from "../../src/indicators/candle-block.js";
import type { Candle } from "../../src/core/candle.js";
import { bundled } from "../market/helpers.js";

const btc = bundled("spot", "BTCUSDT", "1h").slice(0, 1500);

const FIELDS = ["openTime", "closeTime", "open", "high", "low", "close", "volume"] as const;

/** Everything a series exposes, as plain arrays (NaN warm-ups compare equal under toEqual). */
function contents(s: CandleSeries) {
  const m = s.macd(12, 26, 9);
  return {
    cols: FIELDS.map((f) => Array.from(s[f])),
    rsi: Array.from(s.rsi(14)),
    atr: Array.from(s.atr(14)),
    ema: Array.from(s.ema(20)),
    vsma: Array.from(s.volumeSma(20)),
    macd: [Array.from(m.macd), Array.from(m.signal), Array.from(m.histogram)],
    obv: Array.from(s.obv()),
  };
}

const win = (from: number, n: number): Candle[] => btc.slice(from, from + n);
/** The same candles with another volume: a different continuation of a window. */
const alt: Candle[] = btc.map((c) => ({ ...c, volume: c.volume + 1 }));
/** A series cut at btc[start] continued by one cut at btc[next]: from the row where it starts, when within it. */
const continuing = (series: CandleSeries, start: number, next: number): SeriesContinuation | undefined => {
  const from = next - start;
  return from >= 0 && from < series.length ? { series, from } : undefined;
};

describe("CandleSeries built on a previous one", () => {
  it("equals a fresh series for any next window, overlapping the previous one or not", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: -50, max: 450 }),
        fc.integer({ min: 0, max: 400 }),
        (a, n, shift, m) => {
          const prev = new CandleSeries(win(a, n));
          const b = Math.max(0, a + shift);
          const next = new CandleSeries(win(b, m), "next", continuing(prev, a, b));
          expect(contents(next)).toEqual(contents(new CandleSeries(win(b, m))));
          // The previous series is untouched by its successor.
          expect(contents(prev)).toEqual(contents(new CandleSeries(win(a, n))));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("keeps every series intact along a walk with branches and tails (shared column storage)", () => {
    // A walk one candle at a time, as an hourly replay builds it, plus at every step a second successor of the same
    // series (another window) and a tail: each must equal its fresh construction at the end, long after others
    // have appended to the storage they share.
    fc.assert(
      fc.property(
        fc.array(fc.record({ step: fc.integer({ min: 0, max: 3 }), other: fc.integer({ min: 1, max: 5 }) }), {
          minLength: 1,
          maxLength: 60,
        }),
        (steps) => {
          const made: { s: CandleSeries; from: number; n: number }[] = [];
          const branches: { s: CandleSeries; candles: Candle[] }[] = [];
          let from = 100;
          let s = new CandleSeries(win(from, 300));
          made.push({ s, from, n: 300 });
          for (const { step, other } of steps) {
            // The branch continues with other candles (a corrected volume), so overwriting either is visible.
            const branchCandles = [...win(from + other, 300 - other), ...alt.slice(from + 300, from + 300 + other)];
            const branch = new CandleSeries(branchCandles, "branch", { series: s, from: other });
            branches.push({ s: branch, candles: branchCandles });
            const tail = s.tail(24 * other);
            made.push({ s: tail, from: from + 300 - 24 * other, n: 24 * other });
            from += step;
            s = new CandleSeries(win(from, 300), "walk", continuing(s, from - step, from));
            made.push({ s, from, n: 300 });
          }
          for (const x of made) expect(contents(x.s)).toEqual(contents(new CandleSeries(win(x.from, x.n))));
          for (const b of branches) expect(contents(b.s)).toEqual(contents(new CandleSeries(b.candles)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("still checks the candles it has not seen: order and closedness", () => {
    const prev = new CandleSeries(win(0, 10));
    const swapped = [...win(1, 9), btc[5]!];
    expect(() => new CandleSeries(swapped, "swapped", { series: prev, from: 1 })).toThrow(
      /increasing open-time order \(index 9/,
    );
    const forming = [...win(1, 9), { ...btc[10]!, closed: false }];
    expect(() => new CandleSeries(forming, "forming", { series: prev, from: 1 })).toThrow(/still forming/);
  });

  it("refuses a continuation that does not hold at either end of the shared rows, or starts outside the series", () => {
    const prev = new CandleSeries(win(0, 10));
    expect(() => new CandleSeries(win(2, 9), "shifted", { series: prev, from: 1 })).toThrow(
      /do not continue the series they are said to, from its row 1/,
    );
    expect(() => new CandleSeries([...win(1, 8), btc[20]!], "changed end", { series: prev, from: 1 })).toThrow(
      /do not continue/,
    );
    expect(() => new CandleSeries(win(0, 5), "outside", { series: prev, from: 11 })).toThrow(/continues row 11/);
  });
});

describe("CandleSeries.indicatorWindow: indicators from a time anchor, carried forward", () => {
  const HOUR = 3_600_000;
  /** The anchor by hand: the first candle at or after the last multiple of 128 hours at or before `windowStart`. */
  const anchorIndex = (candles: readonly Candle[], windowStart: number): number => {
    const t = Math.floor(candles[windowStart]!.openTime / (128 * HOUR)) * 128 * HOUR;
    return candles.findIndex((c) => c.openTime >= t);
  };
  /** Batch indicators over `candles` from the anchor, cut to the window: what every window must hold exactly. */
  const expected = (candles: readonly Candle[], count: number) => {
    const start = Math.max(0, candles.length - count);
    const a = Math.max(0, Math.min(anchorIndex(candles, start), start));
    const from = new CandleSeries(candles.slice(a), "x");
    const cut = (v: Float64Array) => Array.from(v.subarray(start - a));
    const m = from.macd(12, 26, 9);
    return {
      rsi: cut(from.rsi(14)),
      atr: cut(from.atr(14)),
      ema: cut(from.ema(20)),
      vsma: cut(from.volumeSma(20)),
      macd: [cut(m.macd), cut(m.signal), cut(m.histogram)],
      // OBV always runs over the window itself.
      obv: Array.from(new CandleSeries(candles.slice(start), "x").obv()),
    };
  };
  const got = (w: CandleSeries) => {
    const m = w.macd(12, 26, 9);
    return {
      rsi: Array.from(w.rsi(14)),
      atr: Array.from(w.atr(14)),
      ema: Array.from(w.ema(20)),
      vsma: Array.from(w.volumeSma(20)),
      macd: [Array.from(m.macd), Array.from(m.signal), Array.from(m.histogram)],
      obv: Array.from(w.obv()),
    };
  };

  it("walked one candle at a time, every window equals the batch indicators from its anchor, bit for bit", () => {
    // 400 steps of a 628-candle read with a 300-candle window: the anchor moves three times, and the shared column
    // storage fills up and is replaced on the way. toEqual compares numbers with Object.is semantics for NaN.
    const count = 300;
    let full: CandleSeries | undefined;
    let anchorsSeen = new Set<number>();
    for (let end = 700; end < 1100; end++) {
      const candles = btc.slice(Math.max(0, end - count - 128), end);
      full = new CandleSeries(candles, "BTCUSDT 1h", full && { series: full, from: 1 });
      const w = full.indicatorWindow(count, "1h");
      expect(w).toBe(full.indicatorWindow(count, "1h"));
      expect(w.candles).toEqual(candles.slice(-count));
      const e = expected(candles, count);
      const g = got(w);
      expect(g).toEqual(e);
      anchorsSeen = anchorsSeen.add(anchorIndex(btc, end - count));
      // The anchor lies 0–127 candles before the window: only RSI values within 14 candles of it are NaN.
      const lead = candles.length - count - anchorIndex(candles, candles.length - count);
      expect(g.rsi.filter(Number.isNaN).length).toBe(Math.max(0, 14 - lead));
    }
    expect(anchorsSeen.size).toBeGreaterThanOrEqual(3);
  });

  it("with a short history the anchor is the first candle: the window's own warm-up, as a plain series", () => {
    const candles = btc.slice(0, 200);
    const w = new CandleSeries(candles, "x").indicatorWindow(300, "1h");
    const plain = new CandleSeries(candles, "x");
    expect(got(w)).toEqual(got(plain));
    expect(Number.isNaN(w.rsi(14)[13]!)).toBe(true);
    expect(Number.isNaN(w.rsi(14)[14]!)).toBe(false);
  });

  it("does not change arrays handed out before the anchor moved", () => {
    const count = 300;
    let full = new CandleSeries(btc.slice(700 - count - 128, 700), "x");
    const first = full.indicatorWindow(count, "1h");
    const rsi = Array.from(first.rsi(14));
    const kept = first.rsi(14);
    for (let end = 701; end < 1000; end++) {
      full = new CandleSeries(btc.slice(end - count - 128, end), "x", { series: full, from: 1 });
      full.indicatorWindow(count, "1h").rsi(14);
    }
    expect(Array.from(kept)).toEqual(rsi);
  });
});

describe("CandleSeries.obvLatest", () => {
  it("is obv() and obvEma() at the last candle, bit for bit, however long the series", () => {
    for (const n of [1, 2, 19, 20, 21, 500, 1500]) {
      const s = new CandleSeries(btc.slice(0, n));
      const fresh = new CandleSeries(btc.slice(0, n));
      const l = s.obvLatest(20);
      expect(l.obv).toBe(fresh.obv()[n - 1]);
      if (n < 20) expect(l.ema).toBeNaN();
      else expect(l.ema).toBe(fresh.obvEma(20)[n - 1]);
      expect(s.obvLatest()).toEqual({ obv: l.obv, ema: null });
      // Made once per series and period.
      expect(s.obvLatest(20)).toBe(l);
    }
    expect(new CandleSeries([]).obvLatest(20).obv).toBeNaN();
  });
});

describe("CandleSeries over rows someone else writes", () => {
  it("continues them by copying, never by writing into their block", () => {
    const block = blockOf(btc.slice(0, 200), 50);
    const viewed = new CandleSeries({ block, row: 100, length: 100 });
    const next = new CandleSeries(btc.slice(150, 210), "next", { series: viewed, from: 50 });
    expect(block.used).toBe(200); // the owner's block: untouched
    expect(contents(next)).toEqual(contents(new CandleSeries(btc.slice(150, 210))));
    expect(viewed.candles).toStrictEqual(btc.slice(100, 200));
  });
});
