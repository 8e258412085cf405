/**
 * Indicators carried forward candle by candle over a growing column store, instead of recomputed over every new
 * window — what makes a replay's analysis incremental.
 *
 * Why anchors: Wilder's averages and the EMAs depend on where they start (their seed), so "the RSI of the last 500
 * candles" recomputed at each close cannot be extended exactly. Instead every indicator of an analysed series starts
 * at an ANCHOR: the first candle whose slot (open time ÷ interval, months for 1M) is at or after the last multiple of
 * ANCHOR_SPAN slots at or before the window's first candle. The anchor moves only every ANCHOR_SPAN candles, it is a
 * function of the window's times alone (so a walked view and a fresh one agree bit for bit), and between moves the
 * values are extended one update per new candle by the streaming indicators, which equal the batch kernels exactly
 * (the shared streaming contract test compares them with Object.is). The window's values start between 0 and
 * ANCHOR_SPAN − 1 candles before the window, so the seed's influence is as small as ever (or smaller).
 */
import type { Interval } from "../core/interval.js";
import { intervalMs } from "../core/interval.js";
import { atrLookback, emaAlpha, emaLookback, macdLookback, rsiLookback, SMA } from "../indicators/index.js";
import { trueRangeOf } from "../indicators/atr.js";
import { emaNext } from "../indicators/ema.js";
import { rsiFromAverages } from "../indicators/rsi.js";
import { wilderNext } from "../indicators/wilder.js";

/** Slots between anchor positions; also how many candles before its window an analysed series reads. */
export const ANCHOR_SPAN = 128;

/** The columns an indicator stream reads, by store row. */
export interface StreamColumns {
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One indicator: how to make its streaming form and feed it one row, writing its outputs. */
export interface StreamSpec {
  /** Output columns (MACD has three). */
  readonly outputs: number;
  start(): (cols: StreamColumns, row: number, out: readonly Float64Array[]) => void;
}

/** A stream's state: its anchor row, the rows fed so far and its output columns (store rows). */
export interface IndicatorStream {
  readonly anchor: number;
  upTo: number;
  readonly values: readonly Float64Array[];
  readonly feed: (cols: StreamColumns, row: number, out: readonly Float64Array[]) => void;
}

const orNaN = (v: number | undefined): number => (v === undefined ? Number.NaN : v);

// The steppers below repeat, operation for operation, the `step` of the streaming classes in src/indicators (RSI,
// EMA, ATR, MACD), which equal the batch kernels exactly; without the classes' per-update checks, state snapshots
// and result objects they are several times faster, which is what a stream started at a new anchor costs. The
// candle columns were checked when the candles were read. A test compares them with the batch kernels bit for bit.

export const rsiStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    rsiLookback(period);
    let i = 0;
    let prev = 0;
    let gain = 0;
    let loss = 0;
    return (c, r, out) => {
      const x = c.close[r]!;
      const d = x - prev;
      prev = x;
      const index = i++;
      if (index === 0) {
        out[0]![r] = Number.NaN;
        return;
      }
      if (index <= period) {
        if (d < 0) loss -= d;
        else gain += d;
        if (index < period) {
          out[0]![r] = Number.NaN;
          return;
        }
        gain /= period;
        loss /= period;
      } else {
        gain = wilderNext(gain, d > 0 ? d : 0, period);
        loss = wilderNext(loss, d < 0 ? -d : 0, period);
      }
      out[0]![r] = rsiFromAverages(gain, loss);
    };
  },
});

export const emaStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    emaLookback(period);
    const k = emaAlpha(period);
    let i = 0;
    let sum = 0;
    let v = 0;
    return (c, r, out) => {
      const x = c.close[r]!;
      const index = i++;
      if (index < period) {
        sum += x;
        if (index < period - 1) {
          out[0]![r] = Number.NaN;
          return;
        }
        v = sum / period;
      } else {
        v = emaNext(v, x, k);
      }
      out[0]![r] = v;
    };
  },
});

export const volumeSmaStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    const ind = new SMA(period);
    return (c, r, out) => {
      out[0]![r] = orNaN(ind.update(c.volume[r]!));
    };
  },
});

export const atrStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    atrLookback(period);
    let i = 0;
    let prevClose = 0;
    let a = 0;
    return (c, r, out) => {
      const index = i++;
      const pc = prevClose;
      prevClose = c.close[r]!;
      if (index === 0) {
        out[0]![r] = Number.NaN;
        return;
      }
      const tr = trueRangeOf(c.high[r]!, c.low[r]!, pc);
      if (index <= period) {
        a += tr;
        if (index < period) {
          out[0]![r] = Number.NaN;
          return;
        }
        a /= period;
      } else {
        a = wilderNext(a, tr, period);
      }
      out[0]![r] = a;
    };
  },
});

export const macdStream = (fast: number, slow: number, signal: number): StreamSpec => ({
  outputs: 3,
  start() {
    // Checks the periods as the MACD class does (fast < slow, …) before any row is fed.
    macdLookback({ fast, slow, signal });
    const fk = emaAlpha(fast);
    const sk = emaAlpha(slow);
    const gk = emaAlpha(signal);
    const lookback = slow - 1 + (signal - 1);
    let i = 0;
    let f = 0;
    let sl = 0;
    let sig = 0;
    return (c, r, out) => {
      const x = c.close[r]!;
      const index = i++;
      let m: number;
      if (index < slow) {
        sl += x;
        if (index >= slow - fast) f += x;
        if (index < slow - 1) {
          out[0]![r] = Number.NaN;
          out[1]![r] = Number.NaN;
          out[2]![r] = Number.NaN;
          return;
        }
        f /= fast;
        sl /= slow;
        m = f - sl;
      } else {
        f = emaNext(f, x, fk);
        sl = emaNext(sl, x, sk);
        m = f - sl;
      }
      if (index < lookback) {
        sig += m;
        out[0]![r] = Number.NaN;
        out[1]![r] = Number.NaN;
        out[2]![r] = Number.NaN;
        return;
      }
      if (index === lookback) sig = (sig + m) / signal;
      else sig = emaNext(sig, m, gk);
      out[0]![r] = m;
      out[1]![r] = sig;
      out[2]![r] = m - sig;
    };
  },
});

/**
 * The stream `spec` from `anchor` up to (not including) row `end`, continuing `prev` when it starts at the same
 * anchor and has not gone past `end`; otherwise a new stream with new output columns (so arrays handed out from an
 * earlier stream never change).
 */
export function advanceStream(
  prev: IndicatorStream | undefined,
  spec: StreamSpec,
  cols: StreamColumns,
  capacity: number,
  anchor: number,
  end: number,
): IndicatorStream {
  let s = prev;
  if (s === undefined || s.anchor !== anchor || s.upTo > end) {
    const values: Float64Array[] = [];
    for (let k = 0; k < spec.outputs; k++) values.push(new Float64Array(capacity).fill(Number.NaN, 0, anchor));
    s = { anchor, upTo: anchor, values, feed: spec.start() };
  }
  for (let r = s.upTo; r < end; r++) s.feed(cols, r, s.values);
  s.upTo = end;
  return s;
}

/** The slot of an open time: candles since the epoch for fixed intervals, months since January 1970 for 1M. */
export function slotOf(interval: Interval, openTime: number): number {
  if (interval === "1M") {
    const d = new Date(openTime);
    return d.getUTCFullYear() * 12 + d.getUTCMonth();
  }
  return Math.floor(openTime / intervalMs(interval));
}

/**
 * The anchor row for a window starting at row `windowStart` of `openTime` (rows oldest first): the first row at or
 * before it whose slot is at or after the last multiple of ANCHOR_SPAN at or before the window start's slot.
 */
export function anchorRow(openTime: Float64Array, windowStart: number, interval: Interval): number {
  if (windowStart <= 0) return 0;
  const first = Math.floor(slotOf(interval, openTime[windowStart]!) / ANCHOR_SPAN) * ANCHOR_SPAN;
  let lo = 0;
  let hi = windowStart;
  // First row with slot ≥ first (rows before the window are searched; the window's own start qualifies).
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slotOf(interval, openTime[mid]!) < first) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
