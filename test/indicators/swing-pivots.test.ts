import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/core/errors.js";
import {
  type SwingPivot,
  SwingPivots,
  swingPivots,
  swingPivotsLookback,
  swingPivotsOfCandles,
} from "../../src/indicators/index.js";
import { btc1h } from "./fixtures/real-candles.js";

const highs = (h: number[], opts = { left: 2, right: 2 }) => swingPivots(h, h, opts).filter((p) => p.kind === "high");
const lows = (l: number[], opts = { left: 2, right: 2 }) => swingPivots(l, l, opts).filter((p) => p.kind === "low");

describe("swing pivots: hand-computed cases", () => {
  it("finds a pivot high and confirms it `right` bars later", () => {
    expect(highs([1, 2, 5, 3, 2, 1])).toEqual([{ kind: "high", index: 2, price: 5, confirmIndex: 4 }]);
    expect(swingPivotsLookback({ left: 2, right: 2 })).toBe(4);
  });

  it("reports a flat top once, at its first bar", () => {
    // Bars 5 and 6 are equal: 5 is the pivot (not exceeded after it), 6 is not (not strictly above bar 5).
    expect(highs([1, 2, 5, 3, 2, 4, 4, 1, 0])).toEqual([
      { kind: "high", index: 2, price: 5, confirmIndex: 4 },
      { kind: "high", index: 5, price: 4, confirmIndex: 7 },
    ]);
  });

  it("reports equal highs within the window (a double top) once, at the first", () => {
    expect(highs([1, 2, 5, 3, 5, 2, 1])).toEqual([{ kind: "high", index: 2, price: 5, confirmIndex: 4 }]);
  });

  it("reports equal highs farther apart than the window as two pivots", () => {
    expect(highs([1, 2, 5, 3, 2, 1, 5, 2, 1]).map((p) => p.index)).toEqual([2, 6]);
  });

  it("rejects a bar exceeded within `right` bars", () => {
    expect(highs([1, 2, 5, 3, 6, 2, 1]).map((p) => p.index)).toEqual([4]);
  });

  it("mirrors all of this for lows", () => {
    expect(lows([9, 8, 5, 7, 8, 6, 6, 9, 9])).toEqual([
      { kind: "low", index: 2, price: 5, confirmIndex: 4 },
      { kind: "low", index: 5, price: 6, confirmIndex: 7 },
    ]);
  });

  it("never marks the first `left` or last `right` bars", () => {
    expect(highs([9, 1, 1, 1, 9])).toEqual([]);
    expect(lows([0, 5, 5, 5, 0])).toEqual([]);
  });

  it("with right = 0 confirms on the pivot's own bar (a new `left`-bar high)", () => {
    expect(highs([1, 2, 3, 2, 4], { left: 2, right: 0 })).toEqual([
      { kind: "high", index: 2, price: 3, confirmIndex: 2 },
      { kind: "high", index: 4, price: 4, confirmIndex: 4 },
    ]);
  });

  it("marks an outside bar as both a pivot high and a pivot low, high first", () => {
    const h = [5, 5, 9, 5, 5];
    const l = [4, 4, 1, 4, 4];
    expect(swingPivots(h, l, { left: 2, right: 2 }).map((p) => p.kind)).toEqual(["high", "low"]);
  });

  it("rejects bad options", () => {
    expect(() => swingPivots([1], [1], { left: 0, right: 2 })).toThrow(UsageError);
    expect(() => new SwingPivots({ left: 2, right: -1 })).toThrow(/right must be an integer ≥ 0/);
    expect(() => swingPivots([1, 2], [1], { left: 1, right: 1 })).toThrow(/differ in length/);
  });
});

describe("swing pivots: no lookahead", () => {
  const series = fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 80 }); // small range → many ties

  it("pivots found on data[0..T] are exactly the full data's pivots confirmed by T", () => {
    fc.assert(
      fc.property(
        series,
        series,
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 6 }),
        fc.nat(),
        (h, l, left, right, cut) => {
          const n = Math.min(h.length, l.length);
          const T = cut % n;
          const full = swingPivots(h.slice(0, n), l.slice(0, n), { left, right });
          const prefix = swingPivots(h.slice(0, T + 1), l.slice(0, T + 1), { left, right });
          expect(prefix).toEqual(full.filter((p) => p.confirmIndex <= T));
          expect(full.every((p) => p.confirmIndex === p.index + right)).toBe(true);
        },
      ),
    );
  });

  it("the streaming form emits each pivot at its confirming bar, matching the batch form", () => {
    fc.assert(
      fc.property(series, fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 5 }), (h, left, right) => {
        const bars = h.map((x, i) => ({ high: x + 1, low: x, openTime: i * 60_000, closeTime: i * 60_000 + 59_999 }));
        const ind = new SwingPivots({ left, right });
        const streamed: SwingPivot[] = [];
        bars.forEach((b, i) => {
          for (const p of ind.update(b) ?? []) {
            expect(p.confirmIndex).toBe(i);
            expect(p.confirmedAt).toBe(b.closeTime + 1);
            streamed.push({ kind: p.kind, index: p.index, price: p.price, confirmIndex: p.confirmIndex });
          }
        });
        expect(streamed).toEqual(
          swingPivots(
            bars.map((b) => b.high),
            bars.map((b) => b.low),
            { left, right },
          ),
        );
      }),
    );
  });
});

describe("swing pivots on real candles", () => {
  it("carry the pivot bar's open time and the instant the confirming candle closed", () => {
    const candles = btc1h().candles.slice(0, 2000);
    const pivots = swingPivotsOfCandles(candles, { left: 5, right: 5 });
    expect(pivots.length).toBeGreaterThan(100);
    for (const p of pivots) {
      expect(p.openTime).toBe(candles[p.index]!.openTime);
      expect(p.confirmedAt).toBe(candles[p.index + 5]!.closeTime + 1);
      expect(p.price).toBe(p.kind === "high" ? candles[p.index]!.high : candles[p.index]!.low);
      expect(p.confirmedAt - p.openTime).toBe(6 * 3_600_000); // hourly candles, no gap in this stretch
    }
    // A consumer at time t sees exactly the pivots the first k closed candles confirm.
    const t = candles[1000]!.closeTime + 1;
    const visible = pivots.filter((p) => p.confirmedAt <= t);
    expect(visible).toEqual(swingPivotsOfCandles(candles.slice(0, 1001), { left: 5, right: 5 }));
  });
});
