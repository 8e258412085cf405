/**
 * Indicators carried forward candle by candle over a growing block of candle columns (candle-block.ts), instead of
 * recomputed over every new window — what makes a replay's analysis incremental.
 *
 * Why anchors: Wilder's averages and the EMAs depend on where they start (their seed), so "the RSI of the last 500
 * candles" recomputed at each close cannot be extended exactly. Instead every indicator of an analysed series starts
 * at an ANCHOR: the first candle whose slot (open time ÷ interval, months for 1M) is at or after the last multiple of
 * ANCHOR_SPAN slots at or before the window's first candle. The anchor moves only every ANCHOR_SPAN candles, it is a
 * function of the window's times alone (so a walked view and a fresh one agree bit for bit), and between moves the
 * values are extended one update per new candle by the indicators' kernels, the same code the batch forms run. The window's values start between 0 and
 * ANCHOR_SPAN − 1 candles before the window, so the seed's influence is as small as ever (or smaller).
 */
import type { Interval } from "../core/interval.js";
import { intervalMs } from "../core/interval.js";
import { AtrKernel } from "./atr.js";
import { EmaKernel } from "./ema.js";
import { MacdKernel } from "./macd.js";
import { RsiKernel } from "./rsi.js";
import { SmaKernel } from "./sma.js";

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

// Each stream runs the indicator's one implementation, its kernel (src/indicators), straight on the store's columns:
// the candles were checked when they were read, and the kernels neither check nor allocate.

export const rsiStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    const k = new RsiKernel(period);
    return (c, r, out) => {
      out[0]![r] = k.next(c.close[r]!);
    };
  },
});

export const emaStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    const k = new EmaKernel(period);
    return (c, r, out) => {
      out[0]![r] = k.next(c.close[r]!);
    };
  },
});

export const volumeSmaStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    const k = new SmaKernel(period);
    return (c, r, out) => {
      out[0]![r] = k.next(c.volume[r]!);
    };
  },
});

export const atrStream = (period: number): StreamSpec => ({
  outputs: 1,
  start() {
    const k = new AtrKernel(period);
    return (c, r, out) => {
      out[0]![r] = k.next(c.high[r]!, c.low[r]!, c.close[r]!);
    };
  },
});

export const macdStream = (fast: number, slow: number, signal: number): StreamSpec => ({
  outputs: 3,
  start() {
    const k = new MacdKernel({ fast, slow, signal });
    return (c, r, out) => {
      k.next(c.close[r]!);
      out[0]![r] = k.line;
      out[1]![r] = k.signal;
      out[2]![r] = k.histogram;
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
