/** Indicators written into a caller's array give exactly what they return when they allocate their own. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import { atr, ema, obv, rsi, sma } from "../../src/indicators/index.js";

const price = fc.double({ min: 1, max: 1000, noNaN: true });

describe("indicators with an output array", () => {
  it("fill a slice of a shared buffer with the same values, leaving the rest of the buffer alone", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(price, price, price, fc.double({ min: 0, max: 1e6, noNaN: true })), { maxLength: 80 }),
        fc.integer({ min: 2, max: 20 }),
        (rows, period) => {
          const n = rows.length;
          const high = rows.map(([a, b, c]) => Math.max(a, b, c));
          const low = rows.map(([a, b, c]) => Math.min(a, b, c));
          const close = rows.map(([, , c]) => c);
          const volume = rows.map(([, , , v]) => v);
          // Five outputs side by side in one buffer, with a sentinel after each.
          const buf = new Float64Array(5 * (n + 1)).fill(-7);
          const slot = [0, 1, 2, 3, 4].map((k) => buf.subarray(k * (n + 1), k * (n + 1) + n));
          const got = [
            rsi(close, period, slot[0]),
            ema(close, period, slot[1]),
            sma(volume, period, slot[2]),
            atr(high, low, close, period, slot[3]),
            obv(close, volume, slot[4]),
          ];
          const want = [
            rsi(close, period),
            ema(close, period),
            sma(volume, period),
            atr(high, low, close, period),
            obv(close, volume),
          ];
          for (let k = 0; k < 5; k++) {
            expect(got[k]).toBe(slot[k]);
            expect(Array.from(got[k]!)).toEqual(Array.from(want[k]!));
            expect(buf[k * (n + 1) + n]).toBe(-7);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuse an output array of another length", () => {
    expect(() => rsi([1, 2, 3, 4], 2, new Float64Array(3))).toThrow(UsageError);
    expect(() => obv([1, 2], [1, 1], new Float64Array(3))).toThrow(/output array holds 3 values, the input 2/);
  });
});
