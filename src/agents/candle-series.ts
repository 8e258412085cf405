/**
 * One symbol's closed candles of one interval as columns (a view of a CandleBlock), with the indicators computed at
 * most once each.
 * Several agents read the same RSI, ATR, MACD and OBV; building them once per interval (and the columns once) keeps a
 * full pass over hundreds of symbols to a handful of linear scans per series.
 */
import type { Candle } from "../core/candle.js";
import { InsufficientDataError, UsageError } from "../core/errors.js";
import { type Interval, intervalMs } from "../core/interval.js";
import { CandleBlock } from "../indicators/candle-block.js";
import { atr, EmaKernel, ema, type MacdSeries, macd, obv, rsi, sma } from "../indicators/index.js";
import {
  advanceStream,
  anchorRow,
  atrStream,
  emaStream,
  macdStream,
  rsiStream,
  type StreamSpec,
  volumeSmaStream,
} from "../indicators/streams.js";

/**
 * Rows [row, row + length) of a block: candles someone already holds as columns (a market view's series state), which
 * a series views as they are, without reading or checking them again.
 */
export interface BlockRows {
  readonly block: CandleBlock;
  readonly row: number;
  readonly length: number;
}

/** The series a new one goes on from, and the row of it where the new one's first candle is. */
export interface SeriesContinuation {
  readonly series: CandleSeries;
  readonly from: number;
}

export class CandleSeries {
  readonly length: number;
  readonly openTime: Float64Array;
  readonly closeTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  #candles: readonly Candle[] | undefined;
  readonly #memo = new Map<string, Float64Array | MacdSeries>();
  readonly #derived = new Map<string, unknown>();
  #arena: Float64Array | undefined;
  #arenaUsed = 0;
  readonly #block: CandleBlock;
  /**
   * True when this series views rows of a block someone else writes (a view's series state, or the block of the
   * series it was cut from): a series continuing it copies instead of appending to that block.
   */
  readonly #foreign: boolean;
  /** Row of the block holding this series' first candle. */
  readonly #offset: number;
  /** For a window made by indicatorWindow(): the block row its indicators start at (see indicators/streams.ts). */
  #anchor: number | undefined;
  readonly #windows = new Map<string, CandleSeries>();

  /**
   * `source`: closed candles of one interval, oldest first (what MarketView.closed returns), or rows of a block that
   * holds them already (a view's series state: taken as they are). `continues`, for candles: the series these candles
   * go on from (the previous window of the same series), and the row of it where they start: the rows both hold are
   * taken from it as they are (not checked or read again) and the columns are shared with it where possible. The
   * caller knows the relation (a slice it cut); it is checked at both ends of the shared rows, never guessed.
   */
  constructor(source: readonly Candle[] | BlockRows, label = "candles", continues?: SeriesContinuation) {
    if (!Array.isArray(source)) {
      const rows = source as BlockRows;
      this.#block = rows.block;
      this.#offset = rows.row;
      this.length = rows.length;
      this.#foreign = true;
    } else {
      const candles = source as readonly Candle[];
      const n = candles.length;
      this.#foreign = false;
      this.#candles = candles;
      this.length = n;
      const reuse = continues?.series;
      const shared = continues ? sharedRows(continues, candles, label) : { from: 0, count: 0 };
      checkCandles(candles, shared.count, label);
      const { from, count } = shared;
      const added = n - count;
      if (reuse !== undefined && count > 0 && from + count === reuse.length) {
        // These candles are the end of `reuse` plus `added` more: append them in place when they fit right after it.
        const block = reuse.#block;
        const reuseEnd = reuse.#offset + reuse.length;
        if (added === 0 || (!reuse.#foreign && reuseEnd === block.used && block.room >= added)) {
          block.append(candles, count);
          this.#block = block;
          this.#offset = reuse.#offset + from;
        } else {
          // Room for half as many more, so the next appends need no new columns for a while; the indicator streams
          // move over with the rows they cover, so a new block costs no recomputation.
          this.#block = CandleBlock.carry(block, reuse.#offset + from, count, n + (n >> 1) + 8);
          this.#block.append(candles, count);
          this.#offset = 0;
        }
      } else {
        this.#block = new CandleBlock(n);
        this.#block.append(candles, 0);
        this.#offset = 0;
      }
    }
    const cols = this.#block.cols;
    const a = this.#offset;
    const n = this.length;
    this.openTime = cols.openTime.subarray(a, a + n);
    this.closeTime = cols.closeTime.subarray(a, a + n);
    this.open = cols.open.subarray(a, a + n);
    this.high = cols.high.subarray(a, a + n);
    this.low = cols.low.subarray(a, a + n);
    this.close = cols.close.subarray(a, a + n);
    this.volume = cols.volume.subarray(a, a + n);
  }

  /** The candles as objects, made on first use from the columns (most readers read the columns only). */
  get candles(): readonly Candle[] {
    this.#candles ??= this.#block.candles(this.#offset, this.#offset + this.length);
    return this.#candles;
  }

  /** Quote volume, trades and taker buy volumes, as columns. */
  column(field: "quoteVolume" | "trades" | "takerBuyBase" | "takerBuyQuote"): Float64Array {
    return this.#block.cols[field].subarray(this.#offset, this.#offset + this.length);
  }

  /**
   * The last `count` candles (all when there are fewer) as a series of their own, viewing these columns rather than
   * reading the candles again. Indicators start afresh on the window (they depend on where it starts).
   */
  tail(count: number): CandleSeries {
    if (count >= this.length) return this;
    const start = this.length - Math.max(0, count);
    return new CandleSeries({ block: this.#block, row: this.#offset + start, length: count });
  }

  /**
   * The last `count` candles of this series (all when there are fewer) as a series whose indicators start at the
   * anchor before the window (indicators/streams.ts) instead of at its first candle, and are carried forward over the
   * rows the next window adds rather than recomputed: this series should hold up to ANCHOR_SPAN candles more than
   * `count`. The result depends only on these candles' times and values, so two views of the same history agree
   * exactly. The same object is returned for the same arguments.
   */
  indicatorWindow(count: number, interval: Interval): CandleSeries {
    const key = `${count}|${interval}`;
    let w = this.#windows.get(key);
    if (w === undefined) {
      const start = Math.max(0, this.length - count);
      w = new CandleSeries({ block: this.#block, row: this.#offset + start, length: this.length - start });
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
    const block = this.#block;
    const end = this.#offset + this.length;
    const s = advanceStream(block.streams.get(key), spec(), block.cols, block.capacity, this.#anchor!, end);
    block.streams.set(key, s);
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

  /**
   * The latest on-balance volume, and the latest EMA of it over `emaPeriod` candles (NaN while it warms up; null
   * without a period): obv() and obvEma() at the last candle, computed in one pass by the same kernels, without
   * their arrays. An analysis reads only the last values, and a new window every close made both arrays anew.
   */
  obvLatest(emaPeriod?: number): { readonly obv: number; readonly ema: number | null } {
    const key = `obvlatest:${emaPeriod ?? ""}`;
    const memo = this.#derived.get(key) as { obv: number; ema: number | null } | undefined;
    if (memo !== undefined) return memo;
    const n = this.length;
    const c = this.close;
    const v = this.volume;
    const k = emaPeriod === undefined ? undefined : new EmaKernel(emaPeriod);
    let acc = n > 0 ? v[0]! : Number.NaN;
    let e = n > 0 && k !== undefined ? k.next(acc) : Number.NaN;
    for (let i = 1; i < n; i++) {
      if (c[i]! > c[i - 1]!) acc += v[i]!;
      else if (c[i]! < c[i - 1]!) acc -= v[i]!;
      if (k !== undefined) e = k.next(acc);
    }
    const out = { obv: acc, ema: k === undefined ? null : e };
    this.#derived.set(key, out);
    return out;
  }

  /** EMA of obv(). */
  obvEma(period: number): Float64Array {
    return this.#cached(`obvema:${period}`, () => ema(this.obv(), period, this.#output()));
  }
}

/** Checks `candles[from..]` are closed and in increasing open-time order (after candles[from − 1]). */
function checkCandles(candles: readonly Candle[], from: number, label: string): void {
  let prevOpen = from > 0 ? candles[from - 1]!.openTime : Number.NEGATIVE_INFINITY;
  for (let i = from; i < candles.length; i++) {
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
