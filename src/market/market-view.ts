/**
 * The only way agents see market data: closed candles as of the clock's now, and the forming one. Live, the clock
 * follows the exchange and the store is fed by syncs and streams; in a replay the clock is simulated and the store
 * may hold the future, which the view never shows.
 */
import type { EpochMs, SymbolName } from "../core/units.js";
import type { Candle } from "../core/candle.js";
import type { Clock } from "../core/clock.js";
import { UsageError } from "../core/errors.js";
import { alignDown, closeTimeOf, type Interval, intervalMs, nextOpenTime } from "../core/interval.js";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";
import type { CandleStore, CandleWrite } from "./candle-store.js";
import { lastClosedOpenTime } from "./ranges.js";
import { type FineRange, SeriesReader } from "./series-reader.js";

export interface MarketView {
  /**
   * The last `count` candles closed by now(), oldest first (fewer when the history is shorter). Read-only: a view may
   * hand out the same array again while nothing new has closed.
   */
  closed(symbol: SymbolName, interval: Interval, count: number): readonly Candle[];
  /** The candle containing now() (closed: false), when anything of it is known. */
  forming(symbol: SymbolName, interval: Interval): Candle | undefined;
  now(): EpochMs;
  /**
   * A token equal at two instants only when nothing closed() and forming() answer about `symbol` can differ between
   * them. A view that cannot tell leaves it out, and its answers are never taken as unchanged.
   */
  revision?(symbol: SymbolName): string;
  /**
   * closed() with the place of its candles in the view's series (see ClosedSeries): what lets an analysis carry its
   * columns and indicators forward from one call to the next. A view that cannot say leaves it out.
   */
  closedSeries?(symbol: SymbolName, interval: Interval, count: number): ClosedSeries;
}

/**
 * Closed candles with where they sit in a view's series: rows [firstRow, firstRow + candles.length) of `lineage`.
 * Within a lineage a row always holds the same candle (the same values, the same object): a series grows only at its
 * end (the next closes) and loses rows only at its start (trimming), and when the store changes a candle the view
 * has handed out, or the series has to reach further back than before, it starts a new lineage. So two answers of
 * one lineage hold the same candles on their common rows, and an answer with the lineage, first row and length of
 * an earlier one holds exactly its candles. Lineages are unique within the process.
 */
export interface ClosedSeries {
  readonly candles: readonly Candle[];
  readonly lineage: number;
  readonly firstRow: number;
}

let lineages = 0;

/** A lineage number no series has had before (for MarketView implementations). */
export function newLineage(): number {
  return ++lineages;
}

export interface StoreMarketViewOptions {
  readonly store: CandleStore;
  readonly clock: Clock;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  /**
   * Candles kept in memory per series beyond the count asked for (default 500); a tail grows by up to 64 more
   * before it is trimmed back.
   */
  readonly cacheExtra?: number;
}

/** Index of the first candle of `c` (sorted by open time) opening at or after `openTime` (c.length: none). */
function lowerBound(c: readonly Candle[], openTime: number): number {
  let lo = 0;
  let hi = c.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid]!.openTime < openTime) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The candles of `c` (sorted by open time) with open time in [from, to]. */
function openTimeSlice(c: readonly Candle[], from: number, to: number): Candle[] {
  const lo = lowerBound(c, from);
  let end = lo;
  while (end < c.length && c[end]!.openTime <= to) end++;
  return c.slice(lo, end);
}

/**
 * Replaces each candle of `fresh` by the candle of `old` with the same open time when every field is equal (both
 * sorted by open time): the same values as the same object, which is how the series cache tells a series continues.
 */
/**
 * The lineage and first row of `fresh`, a tail read again from the store, given `old`, the tail it replaces: `old`'s
 * lineage when `fresh` starts at or after `old`'s first candle, holds every candle of `old` from there on with the
 * same values in the same order and goes on from its end; a new lineage otherwise (a candle the view handed out has
 * changed or gone, or `fresh` reaches further back, to rows an earlier answer may have held differently). When the
 * lineage goes on, the unchanged candles stay the same objects.
 */
function continueLineage(fresh: Candle[], old: CacheEntry | undefined): { lineage: number; base: number } {
  const prev = old?.candles;
  const head = fresh[0];
  if (old === undefined || prev === undefined || head === undefined || prev.length === 0) {
    return { lineage: newLineage(), base: 0 };
  }
  let j = 0;
  while (j < prev.length && prev[j]!.openTime < head.openTime) j++;
  const common = prev.length - j;
  if (j === prev.length || prev[j]!.openTime !== head.openTime || fresh.length < common) {
    return { lineage: newLineage(), base: 0 };
  }
  for (let k = 0; k < common; k++) if (!sameCandle(prev[j + k]!, fresh[k]!)) return { lineage: newLineage(), base: 0 };
  for (let k = 0; k < common; k++) fresh[k] = prev[j + k]!;
  return { lineage: old.lineage, base: old.base + j };
}

function sameCandle(a: Candle, b: Candle): boolean {
  return (
    a.closeTime === b.closeTime &&
    a.open === b.open &&
    a.high === b.high &&
    a.low === b.low &&
    a.close === b.close &&
    a.volume === b.volume &&
    a.quoteVolume === b.quoteVolume &&
    a.trades === b.trades &&
    a.takerBuyBase === b.takerBuyBase &&
    a.takerBuyQuote === b.takerBuyQuote &&
    a.closed === b.closed
  );
}

/**
 * Applies a write of exchange-reported candles to the tail of the stored series written, when the outcome is the
 * tail a reload would give (the same lineage, the unchanged candles the same objects): the written candles after
 * the tail's last that have closed by the tail's instant are appended (the ones after it are read by #extend when
 * the clock gets there), and one within the tail must equal the candle there. Returns false when the tail cannot be
 * brought forward (a changed or inserted candle in it, candles written as derived, which never replace reported
 * ones, or repeated open times).
 */
function appendWritten(e: CacheEntry, w: CandleWrite): boolean {
  if (w.derivedFrom !== undefined) return false;
  const tail = e.candles;
  const first = tail[0];
  const last = tail[tail.length - 1];
  if (first === undefined || last === undefined) return false;
  const written = w.candles;
  let i = 0;
  for (; i < written.length && written[i]!.openTime <= last.openTime; i++) {
    const c = written[i]!;
    if (i > 0 && c.openTime === written[i - 1]!.openTime) return false;
    if (c.openTime < first.openTime) continue;
    // Written candles are closed (the store refuses others), so the written one compares as it is.
    const at = lowerBound(tail, c.openTime);
    if (tail[at]?.openTime !== c.openTime || !sameCandle(tail[at]!, c)) return false;
  }
  // Anything before the tail's first candle is outside it, but the tail no longer reaches back to the series' start.
  if (written.length > 0 && written[0]!.openTime < first.openTime) e.complete = false;
  const appended: Candle[] = [];
  for (; i < written.length && written[i]!.closeTime < e.asOf; i++) {
    const c = written[i]!;
    if (c.openTime === (appended.at(-1) ?? last).openTime) return false;
    appended.push(asStored(c));
  }
  for (const c of appended) tail.push(c);
  return true;
}

/**
 * Whether a tail aggregated from the written series is unchanged by the write: when every written candle falls in a
 * period of `interval` that had not closed by the tail's instant, and the write recorded no coverage (which decides
 * whether a period with missing fine candles is built). A period that had closed is changed by the write even when
 * it lies after the tail's last candle: one with fine candles missing is left out until a write completes it.
 */
function derivedUnchanged(e: CacheEntry, interval: Interval, w: CandleWrite): boolean {
  if (w.coverage) return false;
  const lastClosed = lastClosedOpenTime(interval, e.asOf);
  return w.candles.every((c) => alignDown(interval, c.openTime) > lastClosed);
}

/**
 * Applies a write to a read-ahead block (stored candles with open time in [from, to]): each written candle in that
 * range replaces the block's candle of its open time or is inserted in order, as the store has done. False for
 * derived candles in the range, which replace only derived ones (the block does not say which it holds).
 */
function mergeWritten(b: { from: number; to: number; candles: Candle[] }, w: CandleWrite): boolean {
  for (const c of w.candles) {
    if (c.openTime < b.from || c.openTime > b.to) continue;
    if (w.derivedFrom !== undefined) return false;
    const candles = b.candles;
    const lo = lowerBound(candles, c.openTime);
    if (candles[lo]?.openTime === c.openTime) candles[lo] = asStored(c);
    else candles.splice(lo, 0, asStored(c));
  }
  return true;
}

/** A written candle as the store reads it back: its own object, the fields in the order the store builds them. */
function asStored(c: Candle): Candle {
  return {
    openTime: c.openTime,
    closeTime: c.closeTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    quoteVolume: c.quoteVolume,
    trades: c.trades,
    takerBuyBase: c.takerBuyBase,
    takerBuyQuote: c.takerBuyQuote,
    closed: true,
  };
}

/** Candles a cached tail may hold beyond what it keeps before it is trimmed (one copy per this many closes). */
const TRIM_SLACK = 64;

/**
 * Candles read per query from a stored (not aggregated) series by #storedRange — when a tail steps forward, and for
 * the finer candles behind forming and aggregated ones: a replay walks history one close at a time, and one SQLite
 * query per close per series was a tenth of a backtest. Live, the store holds nothing past now, so this reads what a
 * single query would.
 */
const READ_AHEAD = 256;

interface CacheEntry {
  readonly symbol: string;
  /** Closed candles, oldest first: the tail of the series as of `asOf`. */
  candles: Candle[];
  /** The ClosedSeries lineage of these candles, and the row of candles[0] in it. */
  lineage: number;
  base: number;
  /** True when `candles` reaches back to the start of the stored history. */
  complete: boolean;
  asOf: number;
  version: number;
  sourceInterval: Interval | undefined;
  /** The largest count asked for this series since it was loaded. */
  maxCount: number;
  /** The last answer of closed(): `sliceCount` candles of `sliceOf` when it held `sliceLength`. */
  slice?: readonly Candle[];
  sliceOf?: readonly Candle[];
  sliceLength?: number;
  sliceCount?: number;
}

/**
 * A MarketView over the candle store. Intervals that are not stored are aggregated from a stored finer one.
 * Each series keeps a small in-memory tail, so stepping a replay one candle at a time reads only the new candles.
 */
export class StoreMarketView implements MarketView {
  readonly clock: Clock;
  readonly reader: SeriesReader;
  readonly #extra: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #live = new Map<string, Candle>();
  /** Stream updates received per symbol (revision()). */
  readonly #liveUpdates = new Map<string, number>();
  /** Read-ahead blocks of stored series for #storedRange, by symbol|interval. */
  readonly #blocks = new Map<string, { from: number; to: number; version: number; candles: Candle[] }>();

  constructor(opts: StoreMarketViewOptions) {
    this.clock = opts.clock;
    this.reader = new SeriesReader(opts.store, { exchange: opts.exchange, market: opts.market });
    this.#extra = opts.cacheExtra ?? 500;
  }

  now(): number {
    return this.clock.now();
  }

  closed(symbol: string, interval: Interval, count: number): readonly Candle[] {
    return this.closedSeries(symbol, interval, count).candles;
  }

  closedSeries(symbol: string, interval: Interval, count: number): ClosedSeries {
    if (!Number.isInteger(count) || count < 0)
      throw new UsageError(`closed(): count must be a whole number >= 0, got ${count}.`);
    if (count === 0) return { candles: [], lineage: 0, firstRow: 0 };
    const now = this.clock.now();
    const k = `${symbol}|${interval}`;
    const src = this.reader.source(symbol, interval, now);
    const version = src ? this.reader.store.version(this.reader.key(symbol, src.interval)) : 0;
    let e = this.#cache.get(k);
    // A close stored by a stream costs an append, not a reload of the tail (about 6 ms per symbol per close with
    // the default reads): the store says what was written since the tail's version.
    if (e !== undefined && e.version !== version && src !== undefined && e.sourceInterval === src.interval) {
      this.#catchUp(e, interval, version);
    }
    if (!e || e.version !== version || e.sourceInterval !== src?.interval || now < e.asOf || e.candles.length === 0) {
      const previous = e;
      // As long as before: a reader asking for fewer candles must not shrink what the others keep.
      const keepCount = Math.max(count, previous?.maxCount ?? 0);
      // Live, every close written to the store changes its version and reloads the tail; when the candles handed out
      // did not change, the lineage goes on, so the analysis extends its series instead of starting again.
      e = this.#load(symbol, interval, keepCount, now, version, src?.interval, previous);
      this.#cache.set(k, e);
    } else if (now > e.asOf) {
      this.#extend(e, symbol, interval, now);
    }
    if (e.candles.length < count && !e.complete) {
      e = this.#load(symbol, interval, count, now, version, src?.interval, e);
      this.#cache.set(k, e);
    }
    // Trimmed only once it holds TRIM_SLACK candles more than it keeps: the tail grows by a candle per close, and
    // copying it on every close cost more than the reads. The tail is private (callers get copies), so it is
    // extended in place.
    // Kept for the largest count asked of this series: several readers (the analysis, the paper desk) ask for
    // different counts, and trimming to the smaller one made the larger one reload from the store each time.
    if (count > e.maxCount) e.maxCount = count;
    const keep = e.maxCount + this.#extra;
    if (e.candles.length > keep + TRIM_SLACK) {
      e.base += e.candles.length - keep;
      e.candles = e.candles.slice(-keep);
      e.complete = false;
    }
    // The same array while the tail has not changed (candles are only ever appended to it, or it is replaced): a 4h
    // or 1d series is asked for at every hourly step and changes at every fourth or 24th.
    if (e.sliceOf !== e.candles || e.sliceLength !== e.candles.length || e.sliceCount !== count) {
      e.slice = e.candles.slice(-count);
      e.sliceOf = e.candles;
      e.sliceLength = e.candles.length;
      e.sliceCount = count;
    }
    const candles = e.slice!;
    return { candles, lineage: e.lineage, firstRow: e.base + e.candles.length - candles.length };
  }

  /**
   * Brings `e` to `version` by the writes the store remembers since its version, when the outcome is exactly the
   * tail a reload would give (see appendWritten, derivedUnchanged); otherwise leaves it behind, to be reloaded.
   */
  #catchUp(e: CacheEntry, interval: Interval, version: number): void {
    const source = e.sourceInterval!;
    const writes = this.reader.store.writesSince(this.reader.key(e.symbol, source), e.version);
    if (writes === undefined) return;
    for (const w of writes) {
      if (!(interval === source ? appendWritten(e, w) : derivedUnchanged(e, interval, w))) return;
    }
    e.version = version;
  }

  /**
   * Built from what the answers depend on: which series of the symbol are stored, each one's write version and its
   * last candle closed by now on the interval's grid (a close off the grid cannot happen), and the stream updates
   * of its forming candles. Aggregated and forming candles are built from the stored series, so they are covered.
   */
  revision(symbol: string): string {
    const now = this.clock.now();
    let token = String(this.#liveUpdates.get(symbol) ?? 0);
    for (const s of this.reader.stored(symbol)) {
      const version = this.reader.store.version(this.reader.key(symbol, s.interval));
      token += `|${s.interval}:${version}:${lastClosedOpenTime(s.interval, now)}`;
    }
    return token;
  }

  forming(symbol: string, interval: Interval): Candle | undefined {
    const now = this.clock.now();
    const live = this.#live.get(`${symbol}|${interval}`);
    if (live && live.openTime <= now && now <= live.closeTime) return live;
    return this.reader.forming(symbol, interval, now, this.#fineRange);
  }

  /**
   * The finer candles a forming candle is built from, from the cached tail when it holds them (it usually does: the
   * analysis has just read the same series), else from the store. The tail is used only when it is current — built
   * at this very instant, from the stored series itself, with no write since — and reaches back to `from`; it then
   * holds exactly the stored candles closed by now from its first one on, so the answer is the store's.
   */
  readonly #fineRange: FineRange = (symbol, interval, from, to) => {
    const e = this.#cache.get(`${symbol}|${interval}`);
    const first = e?.candles[0];
    if (
      e === undefined ||
      first === undefined ||
      e.asOf !== this.clock.now() ||
      e.sourceInterval !== interval ||
      (first.openTime > from && !e.complete) ||
      e.version !== this.reader.store.version(this.reader.key(symbol, interval))
    ) {
      return this.#storedRange(symbol, interval, from, to);
    }
    return openTimeSlice(e.candles, from, to);
  };

  /**
   * Live mode: the latest update of a forming candle from a stream. It is shown by `forming()` while it contains
   * now(); closed candles go to the store, not here.
   */
  updateForming(symbol: string, interval: Interval, candle: Candle): void {
    if (candle.closed) return;
    if (
      candle.openTime !== alignDown(interval, candle.openTime) ||
      candle.closeTime !== closeTimeOf(interval, candle.openTime)
    ) {
      throw new UsageError(`updateForming(): the candle is not a ${interval} candle.`);
    }
    this.#live.set(`${symbol}|${interval}`, candle);
    this.#liveUpdates.set(symbol, (this.#liveUpdates.get(symbol) ?? 0) + 1);
  }

  /**
   * store.range(), answered from a block of stored candles read ahead when the block covers [from, to] and the
   * series has not been written since: building a forming or aggregated candle from a finer series that the
   * analysis does not read itself (5m under a 15m cycle) asked SQLite for a few candles at every step of a replay.
   * The answer is exactly what store.range() returns.
   */
  #storedRange(symbol: string, interval: Interval, from: number, to: number): Candle[] {
    const key = this.reader.key(symbol, interval);
    const version = this.reader.store.version(key);
    const k = `${symbol}|${interval}`;
    let b = this.#blocks.get(k);
    // Live, every close stored changes the version: the block is brought forward by the writes the store remembers,
    // as the tails are, instead of being read again (three queries per symbol per close with the default reads).
    if (b !== undefined && b.version !== version) {
      const block = b;
      const writes = this.reader.store.writesSince(key, block.version);
      if (writes?.every((w) => mergeWritten(block, w))) block.version = version;
    }
    if (b === undefined || b.version !== version || from < b.from || to > b.to) {
      if (interval === "1M") return this.reader.store.range(key, from, to);
      const end = Math.max(to, from + READ_AHEAD * intervalMs(interval));
      b = { from, to: end, version, candles: this.reader.store.range(key, from, end) };
      this.#blocks.set(k, b);
    }
    return openTimeSlice(b.candles, from, to);
  }

  #load(
    symbol: string,
    interval: Interval,
    count: number,
    now: number,
    version: number,
    sourceInterval: Interval | undefined,
    previous: CacheEntry | undefined,
  ): CacheEntry {
    const want = count + Math.min(this.#extra, count);
    const candles = this.reader.lastClosed(symbol, interval, want, now);
    const { lineage, base } = continueLineage(candles, previous);
    return {
      symbol,
      candles,
      lineage,
      base,
      complete: candles.length < want,
      asOf: now,
      version,
      sourceInterval,
      maxCount: count,
    };
  }

  /** Appends candles closed between the cached instant and `now`. */
  #extend(e: CacheEntry, symbol: string, interval: Interval, now: number): void {
    const last = e.candles[e.candles.length - 1] as Candle;
    // No query while the next candle cannot have closed yet (the common case when stepping by a finer interval).
    if (now <= closeTimeOf(interval, nextOpenTime(interval, last.openTime))) {
      e.asOf = now;
      return;
    }
    const from = nextOpenTime(interval, last.openTime);
    // A stored series is read from the view's read-ahead block; an aggregated one is built from the finer tail cached
    // here when it is current (see #fineRange).
    const more =
      e.sourceInterval === interval
        ? this.#storedRange(symbol, interval, from, lastClosedOpenTime(interval, now))
        : this.reader.closedRange(symbol, interval, from, now, now, this.#fineRange);
    for (const c of more) e.candles.push(c);
    e.asOf = now;
  }
}
