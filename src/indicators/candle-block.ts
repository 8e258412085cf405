/**
 * Closed candles of one series as columns, every field of a Candle in a Float64Array of its own (88 bytes a candle
 * against about 260 for a Candle object), with the indicator streams carried forward over them (streams.ts).
 *
 * One block is the storage of one series state: the market view appends the candles that close to it, and each
 * CandleSeries an analysis reads is a view of some of its rows, so candles are held once, as numbers, and are read
 * into objects only for the few readers that want objects. Rows are only ever appended after `used`: a row once
 * written is never written again, so every view of a block stays valid while the block grows. When it is full, its
 * owner starts a bigger one holding the rows still wanted (carry), and the streams over them move along with them,
 * so nothing is computed twice.
 */
import { CANDLE_FIELDS, type Candle, type CandleField } from "../core/candle.js";
import type { IndicatorStream } from "./streams.js";

export type BlockColumns = { readonly [F in CandleField]: Float64Array };

export class CandleBlock {
  readonly cols: BlockColumns;
  readonly capacity: number;
  /** Rows written; rows [0, used) hold candles, oldest first. */
  used = 0;
  /** Indicators carried forward over these rows, by indicator key (streams.ts). */
  readonly streams = new Map<string, IndicatorStream>();

  constructor(capacity: number) {
    this.capacity = capacity;
    // One buffer for all the columns: typed arrays live outside the JS heap, and each costs an allocation and GC
    // bookkeeping of its own.
    const buf = new Float64Array(CANDLE_FIELDS.length * capacity);
    const cols: Partial<Record<CandleField, Float64Array>> = {};
    CANDLE_FIELDS.forEach((f, i) => {
      cols[f] = buf.subarray(i * capacity, (i + 1) * capacity);
    });
    this.cols = cols as BlockColumns;
  }

  /** Rows that can still be appended. */
  get room(): number {
    return this.capacity - this.used;
  }

  /** Appends `candles[from..]`; there must be room for them (see room). */
  append(candles: readonly Candle[], from = 0): void {
    // Typed arrays drop writes past their end without a word: a block asked to hold more would lose candles.
    if (candles.length - from > this.room) {
      throw new RangeError(`CandleBlock: ${candles.length - from} candles appended with room for ${this.room}.`);
    }
    const c = this.cols;
    let j = this.used;
    for (let i = from; i < candles.length; i++, j++) {
      const k = candles[i]!;
      c.openTime[j] = k.openTime;
      c.closeTime[j] = k.closeTime;
      c.open[j] = k.open;
      c.high[j] = k.high;
      c.low[j] = k.low;
      c.close[j] = k.close;
      c.volume[j] = k.volume;
      c.quoteVolume[j] = k.quoteVolume;
      c.trades[j] = k.trades;
      c.takerBuyBase[j] = k.takerBuyBase;
      c.takerBuyQuote[j] = k.takerBuyQuote;
    }
    this.used = j;
  }

  /**
   * A block of `capacity` rows starting with rows [from, from + count) of `src`, and the streams over them: each
   * stream whose anchor lies in those rows and that has not run past them continues here, its values moved along (a
   * stream's state does not depend on where its rows are kept). `src` stays as it is, for the views still on it.
   */
  static carry(src: CandleBlock, from: number, count: number, capacity: number): CandleBlock {
    const b = new CandleBlock(Math.max(capacity, count));
    for (const f of CANDLE_FIELDS) b.cols[f].set(src.cols[f].subarray(from, from + count), 0);
    b.used = count;
    for (const [key, st] of src.streams) {
      if (st.anchor < from || st.upTo > from + count) continue;
      const values = st.values.map((v) => {
        const out = new Float64Array(b.capacity);
        out.fill(Number.NaN, 0, st.anchor - from);
        out.set(v.subarray(st.anchor, st.upTo), st.anchor - from);
        return out;
      });
      b.streams.set(key, { anchor: st.anchor - from, upTo: st.upTo - from, values, feed: st.feed });
    }
    return b;
  }

  /** Row `row` as a (closed) Candle. */
  candle(row: number): Candle {
    const c = this.cols;
    return {
      openTime: c.openTime[row]!,
      closeTime: c.closeTime[row]!,
      open: c.open[row]!,
      high: c.high[row]!,
      low: c.low[row]!,
      close: c.close[row]!,
      volume: c.volume[row]!,
      quoteVolume: c.quoteVolume[row]!,
      trades: c.trades[row]!,
      takerBuyBase: c.takerBuyBase[row]!,
      takerBuyQuote: c.takerBuyQuote[row]!,
      closed: true,
    };
  }

  /** Rows [from, to) as Candles. */
  candles(from: number, to: number): Candle[] {
    const out = new Array<Candle>(Math.max(0, to - from));
    for (let r = from; r < to; r++) out[r - from] = this.candle(r);
    return out;
  }

  /** Whether row `row` holds exactly the closed candle `c`. */
  holds(row: number, c: Candle): boolean {
    const k = this.cols;
    return (
      c.closed &&
      k.openTime[row] === c.openTime &&
      k.closeTime[row] === c.closeTime &&
      k.open[row] === c.open &&
      k.high[row] === c.high &&
      k.low[row] === c.low &&
      k.close[row] === c.close &&
      k.volume[row] === c.volume &&
      k.quoteVolume[row] === c.quoteVolume &&
      k.trades[row] === c.trades &&
      k.takerBuyBase[row] === c.takerBuyBase &&
      k.takerBuyQuote[row] === c.takerBuyQuote
    );
  }

  /** The first row in [from, to) whose open time is at or after `openTime` (`to`: none). */
  lowerBound(openTime: number, from: number, to: number): number {
    const t = this.cols.openTime;
    let lo = from;
    let hi = to;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid]! < openTime) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A block holding `candles` (closed, oldest first), with room for `spare` more. */
export function blockOf(candles: readonly Candle[], spare = 0): CandleBlock {
  const b = new CandleBlock(candles.length + spare);
  b.append(candles);
  return b;
}
