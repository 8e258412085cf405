/**
 * The indicator streams (streams.ts) run the indicators' kernels on the store's columns; they must give the
 * batch forms' values bit for bit, from any anchor, fed in one go or a few rows at a time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  advanceStream,
  anchorRow,
  atrStream,
  emaStream,
  macdStream,
  rsiStream,
  type StreamColumns,
  type StreamSpec,
  volumeSmaStream,
} from "../../src/indicators/streams.js";
import { atr, ema, macd, rsi, sma } from "../../src/indicators/index.js";

const HOUR = 3_600_000;

/** Random-walk candles as columns (prices stay positive; highs and lows bracket open and close). */
const columns = fc
  .record({
    start: fc.double({ min: 1, max: 50_000, noNaN: true }),
    steps: fc.array(fc.double({ min: -0.03, max: 0.03, noNaN: true }), { minLength: 1, maxLength: 400 }),
    wick: fc.double({ min: 0, max: 0.02, noNaN: true }),
  })
  .map(({ start, steps, wick }): StreamColumns => {
    const n = steps.length;
    const close = new Float64Array(n);
    const high = new Float64Array(n);
    const low = new Float64Array(n);
    const volume = new Float64Array(n);
    let p = start;
    steps.forEach((d, i) => {
      const open = p;
      p = p * (1 + d);
      high[i] = Math.max(open, p) * (1 + wick);
      low[i] = Math.min(open, p) * (1 - wick);
      close[i] = p;
      // Repeats and zeros included: the moving average's window sum must cope.
      volume[i] = i % 7 === 0 ? 0 : Math.round(Math.abs(d) * 1e6) / 100;
    });
    return { high, low, close, volume };
  });

/** Every output of `spec` fed over rows [anchor, n) in chunks of `chunk` rows. */
function streamed(spec: StreamSpec, c: StreamColumns, anchor: number, chunk: number): number[][] {
  const n = c.close.length;
  let s = advanceStream(undefined, spec, c, n, anchor, Math.min(n, anchor + chunk));
  for (let end = anchor + 2 * chunk; end < n + chunk; end += chunk)
    s = advanceStream(s, spec, c, n, anchor, Math.min(n, end));
  return s.values.map((v) => Array.from(v.subarray(anchor)));
}

describe("indicator streams", () => {
  it("equal the batch kernels bit for bit, from any anchor and in any chunks", () => {
    fc.assert(
      fc.property(
        columns,
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 2, max: 30 }),
        (c, anchorAt, chunk, period) => {
          const n = c.close.length;
          const a = Math.min(anchorAt, n - 1);
          const h = c.high.subarray(a);
          const l = c.low.subarray(a);
          const cl = c.close.subarray(a);
          expect(streamed(rsiStream(period), c, a, chunk)).toEqual([Array.from(rsi(cl, period))]);
          expect(streamed(emaStream(period), c, a, chunk)).toEqual([Array.from(ema(cl, period))]);
          expect(streamed(atrStream(period), c, a, chunk)).toEqual([Array.from(atr(h, l, cl, period))]);
          expect(streamed(volumeSmaStream(period), c, a, chunk)).toEqual([
            Array.from(sma(c.volume.subarray(a), period)),
          ]);
          const m = macd(cl, { fast: period, slow: period + 5, signal: 9 });
          expect(streamed(macdStream(period, period + 5, 9), c, a, chunk)).toEqual([
            Array.from(m.macd),
            Array.from(m.signal),
            Array.from(m.histogram),
          ]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reject the periods the indicators reject", () => {
    const c: StreamColumns = {
      high: new Float64Array(3),
      low: new Float64Array(3),
      close: new Float64Array(3),
      volume: new Float64Array(3),
    };
    expect(() => advanceStream(undefined, rsiStream(1), c, 3, 0, 3)).toThrow(/period/);
    expect(() => advanceStream(undefined, macdStream(26, 12, 9), c, 3, 0, 3)).toThrow(/fast period/);
  });

  it("anchor a window on the first candle of its 128-slot block", () => {
    // Hourly candles from slot 1000 on, with a gap: the block containing slot 1130 starts at slot 1024.
    const slots = [...Array.from({ length: 200 }, (_, i) => 1000 + i)].filter((s) => s < 1020 || s > 1030);
    const openTime = Float64Array.from(slots, (s) => s * HOUR);
    const start = slots.indexOf(1130);
    // Slots 1024…1030 are missing: the first candle at or after 1024 is slot 1031.
    expect(slots[anchorRow(openTime, start, "1h")]).toBe(1031);
    // A window starting exactly on a block boundary is its own anchor; one at the start of the data too.
    expect(anchorRow(openTime, slots.indexOf(1152), "1h")).toBe(slots.indexOf(1152));
    expect(anchorRow(openTime, 0, "1h")).toBe(0);
  });
});
