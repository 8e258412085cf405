/**
 * CandleSeries built from a previous series (the next window of the same candles) must be the series a fresh
 * construction gives: same columns, same indicators. Series share column storage, so building several successors of
 * one series, in any order, must leave every one of them intact.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CandleSeries } from "../../src/agents/candle-series.js";
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
          const next = new CandleSeries(win(b, m), "next", prev);
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
            const branch = new CandleSeries(branchCandles, "branch", s);
            branches.push({ s: branch, candles: branchCandles });
            const tail = s.tail(24 * other);
            made.push({ s: tail, from: from + 300 - 24 * other, n: 24 * other });
            from += step;
            s = new CandleSeries(win(from, 300), "walk", s);
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
    expect(() => new CandleSeries(swapped, "swapped", prev)).toThrow(/increasing open-time order \(index 9/);
    const forming = [...win(1, 9), { ...btc[10]!, closed: false }];
    expect(() => new CandleSeries(forming, "forming", prev)).toThrow(/still forming/);
  });
});
