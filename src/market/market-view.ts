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
import { blockOf, CandleBlock } from "../indicators/candle-block.js";
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
 * Closed candles with where they sit in a view's series: rows [firstRow, firstRow + length) of `lineage`, held as
 * columns in rows [row, row + length) of `block` (the view's series state; never written again). Within a lineage a
 * row always holds the same candle: a series grows only at its end (the next closes) and loses rows only at its
 * start (trimming), and when the store changes a candle the view has handed out, or the series has to reach further
 * back than before, it starts a new lineage. So two answers of one lineage hold the same candles on their common
 * rows, and an answer with the lineage, first row and length of an earlier one holds exactly its candles. Lineages
 * are unique within the process.
 */
export interface ClosedSeries {
  readonly block: CandleBlock;
  readonly row: number;
  readonly length: number;
  readonly lineage: number;
  readonly firstRow: number;
  /** The candles as objects, made from the block on first use. */
  readonly candles: readonly Candle[];
}

class ClosedRows implements ClosedSeries {
  #candles: readonly Candle[] | undefined;
  constructor(
    readonly block: CandleBlock,
    readonly row: number,
    readonly length: number,
    readonly lineage: number,
    readonly firstRow: number,
    candles?: readonly Candle[],
  ) {
    this.#candles = candles;
  }
  get candles(): readonly Candle[] {
    this.#candles ??= this.block.candles(this.row, this.row + this.length);
    return this.#candles;
  }
}

/** Rows of a block as a ClosedSeries (for MarketView implementations; `candles` when they are at hand already). */
export function closedRows(
  block: CandleBlock,
  row: number,
  length: number,
  lineage: number,
  firstRow: number,
  candles?: readonly Candle[],
): ClosedSeries {
  return new ClosedRows(block, row, length, lineage, firstRow, candles);
}

const NO_CANDLES = new CandleBlock(0);

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
 * Whether `fresh`, a tail read again from the store, goes on from `old`, the state it replaces: when it starts at or
 * after `old`'s first candle, holds every candle of `old` from there on with the same values in the same order and
 * goes on from its end. Returns the row of `old`'s block where `fresh` starts, or −1 (a candle the view handed out
 * has changed or gone, or `fresh` reaches further back, to rows an earlier answer may have held differently).
 */
function continuesAt(fresh: readonly Candle[], old: SeriesState | undefined): number {
  const head = fresh[0];
  if (old === undefined || head === undefined || old.block.used === old.start) return -1;
  const { block } = old;
  const j = block.lowerBound(head.openTime, old.start, block.used);
  const common = block.used - j;
  if (j === block.used || block.cols.openTime[j] !== head.openTime || fresh.length < common) return -1;
  for (let k = 0; k < common; k++) if (!block.holds(j + k, fresh[k]!)) return -1;
  return j;
}

/**
 * Applies a write of exchange-reported candles to the tail of the stored series written, when the outcome is the
 * tail a reload would give (the same lineage): the written candles after the tail's last that have closed by the
 * tail's instant are appended (the ones after it are read by #extend when the clock gets there), and one within the
 * tail must equal the candle there. Returns false when the tail cannot be brought forward (a changed or inserted
 * candle in it, candles written as derived, which never replace reported ones, or repeated open times).
 */
function appendWritten(e: SeriesState, w: CandleWrite, keep: number, growth: number): boolean {
  if (w.derivedFrom !== undefined) return false;
  const { block, start } = e;
  const end = block.used;
  if (end === start) return false;
  const first = block.cols.openTime[start]!;
  const last = block.cols.openTime[end - 1]!;
  const written = w.candles;
  let i = 0;
  for (; i < written.length && written[i]!.openTime <= last; i++) {
    const c = written[i]!;
    if (i > 0 && c.openTime === written[i - 1]!.openTime) return false;
    if (c.openTime < first) continue;
    // Written candles are closed (the store refuses others).
    const at = block.lowerBound(c.openTime, start, end);
    if (at === end || !block.holds(at, c)) return false;
  }
  const from = i;
  let prev = last;
  for (; i < written.length && written[i]!.closeTime < e.asOf; i++) {
    if (written[i]!.openTime === prev) return false;
    prev = written[i]!.openTime;
  }
  // Anything before the tail's first candle is outside it, but the tail no longer reaches back to the series' start.
  if (written.length > 0 && written[0]!.openTime < first) e.complete = false;
  pushCandles(e, written, from, i, keep, growth);
  return true;
}

/**
 * Appends candles[from, to) to the state's tail: in place when its block has room, else in a new block holding the
 * last `keep` candles of the tail and room for `growth` more (the old block stays as it is for the series still
 * viewing it).
 */
function pushCandles(
  e: SeriesState,
  candles: readonly Candle[],
  from: number,
  to: number,
  keep: number,
  growth: number,
): void {
  const added = to - from;
  if (added <= 0) return;
  if (e.block.room < added) {
    const length = e.block.used - e.start;
    const kept = Math.min(length, keep);
    if (kept < length) {
      e.base += length - kept;
      e.complete = false;
    }
    e.block = CandleBlock.carry(e.block, e.block.used - kept, kept, Math.max(keep, kept + added) + growth);
    e.start = 0;
  }
  const block = e.block;
  if (to === candles.length) block.append(candles, from);
  else block.append(candles.slice(from, to));
}

/**
 * Whether a tail aggregated from the written series is unchanged by the write: when every written candle falls in a
 * period of `interval` that had not closed by the tail's instant, and the write recorded no coverage (which decides
 * whether a period with missing fine candles is built). A period that had closed is changed by the write even when
 * it lies after the tail's last candle: one with fine candles missing is left out until a write completes it.
 */
function derivedUnchanged(e: SeriesState, interval: Interval, w: CandleWrite): boolean {
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
    if (candles[lo]?.openTime === c.openTime) candles[lo] = c;
    else candles.splice(lo, 0, c);
  }
  return true;
}

/** Candles a tail may hold beyond what it keeps before it is trimmed (trimming moves its start; nothing is copied). */
const TRIM_SLACK = 64;

/**
 * Candles read per query from a stored (not aggregated) series by #storedRange — when a tail steps forward, and for
 * the finer candles behind forming and aggregated ones: a replay walks history one close at a time, and one SQLite
 * query per close per series was a tenth of a backtest. Live, the store holds nothing past now, so this reads what a
 * single query would.
 */
const READ_AHEAD = 256;

/**
 * The view's state of one (symbol, interval): the tail of the series as of `asOf`, closed candles oldest first, in
 * rows [start, block.used) of its block. A block is written only at its end, so the rows handed out stay as they are.
 */
interface SeriesState {
  readonly symbol: string;
  block: CandleBlock;
  start: number;
  /** The ClosedSeries lineage of these candles, and the lineage row of the tail's first candle. */
  readonly lineage: number;
  base: number;
  /** True when the tail reaches back to the start of the stored history. */
  complete: boolean;
  asOf: number;
  version: number;
  sourceInterval: Interval | undefined;
  /** The largest count asked for this series since it was loaded. */
  maxCount: number;
  /** The last answer of closedSeries(), handed out again while the tail has not changed. */
  answer?: ClosedSeries;
}

/**
 * A MarketView over the candle store. Intervals that are not stored are aggregated from a stored finer one.
 * Each series keeps a small in-memory tail, so stepping a replay one candle at a time reads only the new candles.
 */
export class StoreMarketView implements MarketView {
  readonly clock: Clock;
  readonly reader: SeriesReader;
  readonly #extra: number;
  readonly #growth: number;
  readonly #cache = new Map<string, SeriesState>();
  readonly #live = new Map<string, Candle>();
  /** Stream updates received per symbol (revision()). */
  readonly #liveUpdates = new Map<string, number>();
  /** Read-ahead blocks of stored series for #storedRange, by symbol|interval. */
  readonly #blocks = new Map<string, { from: number; to: number; version: number; candles: Candle[] }>();

  constructor(opts: StoreMarketViewOptions) {
    this.clock = opts.clock;
    this.reader = new SeriesReader(opts.store, { exchange: opts.exchange, market: opts.market });
    this.#extra = opts.cacheExtra ?? 500;
    // Room a new block leaves for the closes after it. Live (no extra) a block moves every eight closes, a copy of
    // a few hundred rows, and 300 symbols' tails then hold little room they do not use; a replay appends a candle a
    // step, and copying its tails (and their indicator streams) every 64 steps was 2 % of a backtest.
    this.#growth = 8 + (this.#extra >> 1);
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
    if (count === 0) return closedRows(NO_CANDLES, 0, 0, 0, 0, []);
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
    // An empty tail is read again (the next call may find candles closed since), unless nothing is stored to build
    // the interval from: then the answer stays empty until a source appears.
    const empty = e !== undefined && e.block.used === e.start && src !== undefined;
    if (!e || e.version !== version || e.sourceInterval !== src?.interval || now < e.asOf || empty) {
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
    if (e.block.used - e.start < count && !e.complete) {
      e = this.#load(symbol, interval, count, now, version, src?.interval, e);
      this.#cache.set(k, e);
    }
    // Kept for the largest count asked of this series: several readers (the analysis, the paper desk) ask for
    // different counts, and trimming to the smaller one made the larger one reload from the store each time.
    if (count > e.maxCount) e.maxCount = count;
    const keep = e.maxCount + this.#extra;
    // Trimmed only once it holds TRIM_SLACK candles more than it keeps, so a reader asking for a few more candles
    // than before does not reload at once. Trimming moves the tail's start; the rows stay in the block until it is
    // full and the kept ones move to a new one.
    const length = e.block.used - e.start;
    if (length > keep + TRIM_SLACK) {
      e.start += length - keep;
      e.base += length - keep;
      e.complete = false;
    }
    // The same answer while the tail has not changed: a 4h or 1d series is asked for at every hourly step and
    // changes at every fourth or 24th.
    const n = Math.min(count, e.block.used - e.start);
    const row = e.block.used - n;
    const last = e.answer;
    if (last === undefined || last.block !== e.block || last.row !== row || last.length !== n) {
      e.answer = closedRows(e.block, row, n, e.lineage, e.base + (row - e.start));
    }
    return e.answer!;
  }

  /**
   * Brings `e` to `version` by the writes the store remembers since its version, when the outcome is exactly the
   * tail a reload would give (see appendWritten, derivedUnchanged); otherwise leaves it behind, to be reloaded.
   */
  #catchUp(e: SeriesState, interval: Interval, version: number): void {
    const source = e.sourceInterval!;
    const writes = this.reader.store.writesSince(this.reader.key(e.symbol, source), e.version);
    if (writes === undefined) return;
    const keep = e.maxCount + this.#extra;
    for (const w of writes) {
      if (!(interval === source ? appendWritten(e, w, keep, this.#growth) : derivedUnchanged(e, interval, w))) return;
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
    if (
      e === undefined ||
      e.block.used === e.start ||
      e.asOf !== this.clock.now() ||
      e.sourceInterval !== interval ||
      (e.block.cols.openTime[e.start]! > from && !e.complete) ||
      e.version !== this.reader.store.version(this.reader.key(symbol, interval))
    ) {
      return this.#storedRange(symbol, interval, from, to);
    }
    const { block } = e;
    const lo = block.lowerBound(from, e.start, block.used);
    const hi = block.lowerBound(to + 1, lo, block.used);
    return block.candles(lo, hi);
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
    previous: SeriesState | undefined,
  ): SeriesState {
    const want = count + Math.min(this.#extra, count);
    const candles = this.reader.lastClosed(symbol, interval, want, now);
    const complete = candles.length < want;
    const at = continuesAt(candles, previous);
    if (previous === undefined || at < 0) {
      return {
        symbol,
        block: blockOf(candles, this.#growth),
        start: 0,
        lineage: newLineage(),
        base: 0,
        complete,
        asOf: now,
        version,
        sourceInterval,
        maxCount: count,
      };
    }
    // The lineage goes on: the candles the state holds from `at` on are the fresh ones; the rest are appended.
    const e = previous;
    e.base += at - e.start;
    e.start = at;
    const common = e.block.used - at;
    e.complete = complete;
    e.asOf = now;
    e.version = version;
    e.sourceInterval = sourceInterval;
    e.maxCount = count;
    pushCandles(e, candles, common, candles.length, count + this.#extra, this.#growth);
    return e;
  }

  /** Appends candles closed between the cached instant and `now`. */
  #extend(e: SeriesState, symbol: string, interval: Interval, now: number): void {
    const last = e.block.cols.openTime[e.block.used - 1]!;
    // No query while the next candle cannot have closed yet (the common case when stepping by a finer interval).
    if (now <= closeTimeOf(interval, nextOpenTime(interval, last))) {
      e.asOf = now;
      return;
    }
    const from = nextOpenTime(interval, last);
    // A stored series is read from the view's read-ahead block; an aggregated one is built from the finer tail cached
    // here when it is current (see #fineRange).
    const more =
      e.sourceInterval === interval
        ? this.#storedRange(symbol, interval, from, lastClosedOpenTime(interval, now))
        : this.reader.closedRange(symbol, interval, from, now, now, this.#fineRange);
    pushCandles(e, more, 0, more.length, e.maxCount + this.#extra, this.#growth);
    e.asOf = now;
  }
}
