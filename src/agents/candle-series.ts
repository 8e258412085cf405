/**
 * One symbol's closed candles of one interval as columns, with the indicators computed at most once each.
 * Several agents read the same RSI, ATR, MACD and OBV; building them once per interval (and the columns once) keeps a
 * full pass over hundreds of symbols to a handful of linear scans per series.
 */
import type { Candle } from "../core/candle.js";
import { InsufficientDataError, UsageError } from "../core/errors.js";
import { type Interval, intervalMs } from "../core/interval.js";
import { COLUMN_FIELDS, columnViews, writeColumns } from "../indicators/columns.js";
import { atr, ema, type MacdSeries, macd, obv, rsi, sma } from "../indicators/index.js";
import {
  advanceStream,
  anchorRow,
  atrStream,
  emaStream,
  type IndicatorStream,
  macdStream,
  rsiStream,
  type StreamSpec,
  volumeSmaStream,
} from "./indicator-streams.js";

const FIELDS = COLUMN_FIELDS;

/**
 * Column storage shared by a series and the ones built from it (the next cycle's window, a tail): candles are only
 * ever appended after `used`, so the part any series views is never written again. Allocating columns was a large
 * share of an analysis (typed arrays of this size live outside the JS heap); appending one candle per cycle into
 * spare room avoids most of it.
 */
class ColumnStore {
  readonly cols: Record<(typeof FIELDS)[number], Float64Array>;
  readonly capacity: number;
  used = 0;
  /** Indicators carried forward over these rows (indicator-streams.ts), by indicator key. */
  readonly streams = new Map<string, IndicatorStream>();

  constructor(capacity: number) {
    this.capacity = capacity;
    this.cols = columnViews(capacity);
  }

  /** Writes `candles[from..]` at `used` onwards. */
  append(candles: readonly Candle[], from: number): void {
    this.used = writeColumns(this.cols, candles, from, this.used);
  }

  /**
   * Takes over `src`'s indicator streams after its rows [from, from + count) were copied to rows [0, count) here:
   * each stream whose anchor lies in those rows and that has not run past them continues here, its values moved
   * along (the stream's state does not depend on where its rows are kept). `src` is not used for new rows after this.
   */
  adoptStreams(src: ColumnStore, from: number, count: number): void {
    for (const [key, st] of src.streams) {
      if (st.anchor < from || st.upTo > from + count) continue;
      const values = st.values.map((v) => {
        const out = new Float64Array(this.capacity);
        out.fill(Number.NaN, 0, st.anchor - from);
        out.set(v.subarray(st.anchor, st.upTo), st.anchor - from);
        return out;
      });
      this.streams.set(key, { anchor: st.anchor - from, upTo: st.upTo - from, values, feed: st.feed });
    }
  }

  /** Copies `count` rows of `src` from row `from` to `used` onwards. */
  copy(src: ColumnStore, from: number, count: number): void {
    for (const f of FIELDS) this.cols[f].set(src.cols[f].subarray(from, from + count), this.used);
    this.used += count;
  }
}

/** The series a new one goes on from, and the row of it where the new one's first candle is. */
export interface SeriesContinuation {
  readonly series: CandleSeries;
  readonly from: number;
}

export class CandleSeries {
  readonly candles: readonly Candle[];
  readonly length: number;
  readonly openTime: Float64Array;
  readonly closeTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly #memo = new Map<string, Float64Array | MacdSeries>();
  readonly #derived = new Map<string, unknown>();
  #arena: Float64Array | undefined;
  #arenaUsed = 0;
  readonly #store: ColumnStore;
  /** Row of the store holding this series' first candle. */
  readonly #offset: number;
  /** For a window made by indicatorWindow(): the store row its indicators start at (see indicator-streams.ts). */
  #anchor: number | undefined;
  readonly #windows = new Map<string, CandleSeries>();

  /**
   * `candles`: closed candles of one interval, oldest first (what MarketView.closed returns). `continues`: the series
   * these candles go on from (the previous window of the same series), and the row of it where they start: the rows
   * both hold are taken from it as they are (not checked or read again) and the columns are shared with it where
   * possible. The caller knows the relation (a view's ClosedSeries rows, or a slice it cut); it is checked at both
   * ends of the shared rows, never guessed from the candles.
   */
  constructor(candles: readonly Candle[], label = "candles", continues?: SeriesContinuation) {
    const n = candles.length;
    this.candles = candles;
    this.length = n;
    const reuse = continues?.series;
    const shared = continues ? sharedRows(continues, candles, label) : { from: 0, count: 0 };
    let prevOpen = shared.count > 0 ? candles[shared.count - 1]!.openTime : Number.NEGATIVE_INFINITY;
    for (let i = shared.count; i < n; i++) {
      const c = candles[i]!;
      if (!(c.openTime > prevOpen)) {
        throw new UsageError(`${label}: candles must be in increasing open-time order (index ${i} is not).`, {
          hint: "Pass candles oldest first, e.g. as MarketView.closed() returns them.",
        });
      }
      if (!c.closed) {
        throw new UsageError(
          `${label}: the candle opening ${new Date(c.openTime).toISOString()} is still forming; agents analyse closed candles only.`,
          { hint: "Use MarketView.closed(); the forming candle is not final." },
        );
      }
      prevOpen = c.openTime;
    }
    const { from, count } = shared;
    const added = n - count;
    if (reuse !== undefined && count > 0 && from + count === reuse.length) {
      // These candles are the end of `reuse` plus `added` more: append them in place when they fit right after it.
      const store = reuse.#store;
      const reuseEnd = reuse.#offset + reuse.length;
      if (added === 0 || (reuseEnd === store.used && store.capacity - store.used >= added)) {
        store.append(candles, count);
        this.#store = store;
        this.#offset = reuse.#offset + from;
      } else {
        // Room for half as many more, so the next appends need no new columns for a while; the indicator streams
        // move over with the rows they cover, so a new store costs no recomputation.
        const start = reuse.#offset + from;
        this.#store = new ColumnStore(n + (n >> 1) + 8);
        this.#store.copy(store, start, count);
        this.#store.append(candles, count);
        this.#store.adoptStreams(store, start, count);
        this.#offset = 0;
      }
    } else {
      this.#store = new ColumnStore(n);
      this.#store.append(candles, 0);
      this.#offset = 0;
    }
    const cols = this.#store.cols;
    const a = this.#offset;
    this.openTime = cols.openTime.subarray(a, a + n);
    this.closeTime = cols.closeTime.subarray(a, a + n);
    this.open = cols.open.subarray(a, a + n);
    this.high = cols.high.subarray(a, a + n);
    this.low = cols.low.subarray(a, a + n);
    this.close = cols.close.subarray(a, a + n);
    this.volume = cols.volume.subarray(a, a + n);
  }

  /**
   * The last `count` candles (all when there are fewer) as a series of their own, viewing these columns rather than
   * reading the candles again. Indicators start afresh on the window (they depend on where it starts).
   */
  tail(count: number): CandleSeries {
    if (count >= this.length) return this;
    const start = this.length - Math.max(0, count);
    return new CandleSeries(this.candles.slice(start), "candles", { series: this, from: start });
  }

  /**
   * The last `count` candles of this series (all when there are fewer) as a series whose indicators start at the
   * anchor before the window (indicator-streams.ts) instead of at its first candle, and are carried forward over the
   * rows the next window adds rather than recomputed: this series should hold up to ANCHOR_SPAN candles more than
   * `count`. The result depends only on these candles' times and values, so two views of the same history agree
   * exactly. The same object is returned for the same arguments.
   */
  indicatorWindow(count: number, interval: Interval): CandleSeries {
    const key = `${count}|${interval}`;
    let w = this.#windows.get(key);
    if (w === undefined) {
      const start = Math.max(0, this.length - count);
      w = new CandleSeries(start === 0 ? this.candles : this.candles.slice(start), "candles", {
        series: this,
        from: start,
      });
      w.#anchor = this.#offset + anchorRow(this.openTime, start, interval);
      this.#windows.set(key, w);
    }
    return w;
  }

  /**
   * A value an agent derives from this series' candles alone (e.g. the pivots of a window), made once per key: a
   * series never changes, and one handed in again by the series cache is the same series.
   */
  derived<T>(key: string, make: () => T): T {
    if (this.#derived.has(key)) return this.#derived.get(key) as T;
    const v = make();
    this.#derived.set(key, v);
    return v;
  }

  static of(input: readonly Candle[] | CandleSeries, label?: string): CandleSeries {
    return input instanceof CandleSeries ? input : new CandleSeries(input, label);
  }

  #cached<T extends Float64Array | MacdSeries>(key: string, make: () => T): T {
    let v = this.#memo.get(key);
    if (v === undefined) {
      v = make();
      this.#memo.set(key, v);
    }
    return v as T;
  }

  /**
   * A fresh output array of this series' length for one indicator: a slice of a buffer shared by the series'
   * indicators (a handful of them per series; one allocation instead of one each). Slices are never handed out twice.
   */
  #output(): Float64Array {
    const n = this.length;
    if (this.#arena === undefined || this.#arenaUsed + n > this.#arena.length) {
      // Room for the five single-output indicators (two for a window, whose others are streamed: OBV and its EMA);
      // a series asked for more gets another buffer.
      this.#arena = new Float64Array((this.#anchor === undefined ? 5 : 2) * n);
      this.#arenaUsed = 0;
    }
    const out = this.#arena.subarray(this.#arenaUsed, this.#arenaUsed + n);
    this.#arenaUsed += n;
    return out;
  }

  /**
   * An indicator of an indicatorWindow() series: its stream in the shared store, extended to this window's last
   * row, viewed over this window's rows.
   */
  #streamed(key: string, spec: () => StreamSpec): Float64Array[] {
    const store = this.#store;
    const end = this.#offset + this.length;
    const s = advanceStream(store.streams.get(key), spec(), store.cols, store.capacity, this.#anchor!, end);
    store.streams.set(key, s);
    return s.values.map((v) => v.subarray(this.#offset, end));
  }

  rsi(period: number): Float64Array {
    const key = `rsi:${period}`;
    return this.#cached(key, () =>
      this.#anchor === undefined
        ? rsi(this.close, period, this.#output())
        : this.#streamed(key, () => rsiStream(period))[0]!,
    );
  }

  atr(period: number): Float64Array {
    const key = `atr:${period}`;
    return this.#cached(key, () =>
      this.#anchor === undefined
        ? atr(this.high, this.low, this.close, period, this.#output())
        : this.#streamed(key, () => atrStream(period))[0]!,
    );
  }

  /** EMA of the close. */
  ema(period: number): Float64Array {
    const key = `ema:${period}`;
    return this.#cached(key, () =>
      this.#anchor === undefined
        ? ema(this.close, period, this.#output())
        : this.#streamed(key, () => emaStream(period))[0]!,
    );
  }

  /** SMA of the volume. */
  volumeSma(period: number): Float64Array {
    const key = `vsma:${period}`;
    return this.#cached(key, () =>
      this.#anchor === undefined
        ? sma(this.volume, period, this.#output())
        : this.#streamed(key, () => volumeSmaStream(period))[0]!,
    );
  }

  macd(fast: number, slow: number, signal: number): MacdSeries {
    const key = `macd:${fast}:${slow}:${signal}`;
    return this.#cached(key, () => {
      if (this.#anchor === undefined) return macd(this.close, { fast, slow, signal });
      const [m, sig, hist] = this.#streamed(key, () => macdStream(fast, slow, signal));
      return { macd: m!, signal: sig!, histogram: hist! };
    });
  }

  /**
   * On-balance volume; its level is relative to the first candle of this series, only its changes carry meaning.
   * Always computed over the series itself, also for an indicatorWindow(): a cumulative sum never forgets its start,
   * so from an anchor its level would depend on how much history the store happens to hold.
   */
  obv(): Float64Array {
    return this.#cached("obv", () => obv(this.close, this.volume, this.#output()));
  }

  /** EMA of obv(). */
  obvEma(period: number): Float64Array {
    return this.#cached(`obvema:${period}`, () => ema(this.obv(), period, this.#output()));
  }
}

/**
 * The rows `candles` share with the series it continues: from row `from` on, as many as both hold. A relation that
 * does not hold at either end of those rows is a bug in the caller.
 */
function sharedRows(c: SeriesContinuation, candles: readonly Candle[], label: string): { from: number; count: number } {
  const { series, from } = c;
  if (!Number.isInteger(from) || from < 0 || from > series.length) {
    throw new UsageError(`${label}: continues row ${from} of a series of ${series.length} candles.`);
  }
  const count = Math.min(series.length - from, candles.length);
  if (count > 0) {
    const first = candles[0]!.openTime;
    const last = candles[count - 1]!.openTime;
    if (first !== series.openTime[from] || last !== series.openTime[from + count - 1]) {
      throw new UsageError(`${label}: the candles do not continue the series they are said to, from its row ${from}.`);
    }
  }
  return { from, count };
}

/** Index of the last candle whose close time is at or before `t`, or −1 (binary search). */
export function lastClosedBy(closeTime: Float64Array, t: number): number {
  let lo = 0;
  let hi = closeTime.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (closeTime[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The error for a series too short for an analysis: which series, how many candles exist, how many are needed. */
export function insufficientHistory(
  what: string,
  symbol: string,
  interval: Interval,
  have: number,
  need: number,
  now: number,
): InsufficientDataError {
  // Enough days back to cover what is needed, with room for gaps and the sync's own rounding.
  const days = Math.max(1, Math.ceil((need * intervalMs(interval) * 1.2) / 86_400_000));
  const from = new Date(now - days * 86_400_000).toISOString().slice(0, 10);
  return new InsufficientDataError(
    `${symbol} ${interval}: ${have} closed candle${have === 1 ? "" : "s"} by ${new Date(now).toISOString()}, ${what} needs at least ${need}.`,
    { hint: `Download more history, e.g. cma download --symbols ${symbol} --intervals ${interval} --from ${from}` },
  );
}
