/**
 * Closed candles in SQLite, one compact WITHOUT ROWID table keyed by (series, open time). Writes are upserts in one
 * transaction per call; reads are range scans of the primary key with prepared statements returning raw rows.
 * A forming candle is never stored: only finished candles are facts.
 */
import type Database from "better-sqlite3";
import { assertValidCandle, type Candle } from "../core/candle.js";
import { DataError, UsageError } from "../core/errors.js";
import { alignDown, closeTimeOf, type Interval, intervalMs, isAligned, isInterval } from "../core/interval.js";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";
import { databaseError } from "../storage/database.js";
import { findGaps, type Gap } from "./gaps.js";
import { mergeRanges, type OpenTimeRange } from "./ranges.js";
import { type SeriesKey, seriesId, seriesLabel } from "./series.js";

export interface SeriesCoverage {
  readonly first: number;
  readonly last: number;
  readonly count: number;
}

export type SeriesInfo = SeriesKey & SeriesCoverage;

export interface UpsertOptions {
  /** The finer interval these candles were aggregated from; omitted for candles as the exchange reported them. */
  readonly derivedFrom?: Interval;
  /**
   * An open-time range for which these candles are everything the exchange has (a fetched page, a dated dump file).
   * Recorded in the same transaction, so a sync that is interrupted never believes it holds more than it does.
   */
  readonly coverage?: OpenTimeRange;
}

/**
 * One committed upsert that changed a series, as writesSince() gives it: the candles it was given (sorted by open
 * time; rows equal to stored ones were left as they were, which leaves the same values), how they were given, and
 * the series' version before and after.
 */
export interface CandleWrite {
  readonly candles: readonly Candle[];
  readonly derivedFrom: Interval | undefined;
  /** True when the write recorded coverage (which changes how coarser intervals are built from this one). */
  readonly coverage: boolean;
  readonly previousVersion: number;
  readonly version: number;
}

/**
 * Writes remembered per series for writesSince(), and the most candles they may hold together. Live, a write is a
 * stream's close (one candle) or a back-fill after a reconnect (a few), and readers catch up at the next cycle; the
 * remembered candles are objects (about 260 bytes each), so a cold start's small pages kept per series for nothing
 * were 13 MB over 300 symbols at 64 candles a series.
 */
const WRITE_LOG_LENGTH = 8;
const WRITE_LOG_CANDLES = 16;

/** A candle that cannot be stored (invalid numbers, wrong interval): the data's fault, not the database's. */
export class CandleValidationError extends DataError {}

type Row = [number, number, number, number, number, number, number, number, number, number];

const COLUMNS = "open_time, open, high, low, close, volume, quote_volume, trades, taker_buy_base, taker_buy_quote";
const MAX_TIME = 8.64e15;

export class CandleStore {
  readonly db: Database.Database;
  readonly #ids = new Map<string, number>();
  // The same ids by key object: readers that keep their key objects (SeriesReader) skip building the string key.
  #idsByKey = new WeakMap<SeriesKey, number>();
  readonly #versions = new Map<number, number>();
  /** The last few small writes per series id, oldest first (writesSince). */
  readonly #log = new Map<number, CandleWrite[]>();
  #reads = 0;
  readonly #stmt: {
    findSeries: Database.Statement<[string, string, string, string], number>;
    addSeries: Database.Statement<[string, string, string, string], number>;
    upsert: Database.Statement<unknown[]>;
    countRange: Database.Statement<[number, number, number], number>;
    bumpSeries: Database.Statement<[{ added: number; min: number; max: number; id: number }]>;
    range: Database.Statement<[number, number, number], Row>;
    latest: Database.Statement<[number, number, number], Row>;
    activity: Database.Statement<[number, number, number], [number, number]>;
    openTimes: Database.Statement<[number, number, number], number>;
    coverage: Database.Statement<[number], [number, number]>;
    delCoverage: Database.Statement<[number]>;
    addCoverage: Database.Statement<[number, number, number]>;
    source: Database.Statement<[number, number, number], string | null>;
  };

  constructor(db: Database.Database) {
    this.db = db;
    const has = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'candles'").get();
    if (!has) {
      throw new UsageError(`The database ${db.name} has no candle tables; open it with openDatabase() first.`);
    }
    this.#stmt = {
      findSeries: db
        .prepare<[string, string, string, string], number>(
          "SELECT id FROM candle_series WHERE exchange = ? AND market = ? AND symbol = ? AND interval = ?",
        )
        .pluck(),
      addSeries: db
        .prepare<[string, string, string, string], number>(
          "INSERT INTO candle_series (exchange, market, symbol, interval) VALUES (?, ?, ?, ?) RETURNING id",
        )
        .pluck(),
      // Only a real change counts as a write, and a derived candle never replaces one the exchange reported.
      upsert: db.prepare(
        `INSERT INTO candles (series_id, ${COLUMNS}, derived_from) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (series_id, open_time) DO UPDATE SET
           open = excluded.open, high = excluded.high, low = excluded.low, close = excluded.close,
           volume = excluded.volume, quote_volume = excluded.quote_volume, trades = excluded.trades,
           taker_buy_base = excluded.taker_buy_base, taker_buy_quote = excluded.taker_buy_quote,
           derived_from = excluded.derived_from
         WHERE (candles.derived_from IS NOT NULL OR excluded.derived_from IS NULL)
           AND (candles.open IS NOT excluded.open OR candles.high IS NOT excluded.high OR candles.low IS NOT excluded.low
             OR candles.close IS NOT excluded.close OR candles.volume IS NOT excluded.volume
             OR candles.quote_volume IS NOT excluded.quote_volume OR candles.trades IS NOT excluded.trades
             OR candles.taker_buy_base IS NOT excluded.taker_buy_base
             OR candles.taker_buy_quote IS NOT excluded.taker_buy_quote
             OR candles.derived_from IS NOT excluded.derived_from)`,
      ),
      countRange: db
        .prepare<[number, number, number], number>(
          "SELECT count(*) FROM candles WHERE series_id = ? AND open_time BETWEEN ? AND ?",
        )
        .pluck(),
      bumpSeries: db.prepare<[{ added: number; min: number; max: number; id: number }]>(
        `UPDATE candle_series SET candles = candles + @added,
           first_open = min(coalesce(first_open, @min), @min), last_open = max(coalesce(last_open, @max), @max)
         WHERE id = @id`,
      ),
      range: db
        .prepare<[number, number, number], Row>(
          `SELECT ${COLUMNS} FROM candles WHERE series_id = ? AND open_time BETWEEN ? AND ? ORDER BY open_time`,
        )
        .raw(),
      latest: db
        .prepare<[number, number, number], Row>(
          `SELECT ${COLUMNS} FROM candles WHERE series_id = ? AND open_time < ? ORDER BY open_time DESC LIMIT ?`,
        )
        .raw(),
      activity: db
        .prepare<[number, number, number], [number, number]>(
          "SELECT open_time, volume FROM candles WHERE series_id = ? AND open_time BETWEEN ? AND ? ORDER BY open_time",
        )
        .raw(),
      openTimes: db
        .prepare<[number, number, number], number>(
          "SELECT open_time FROM candles WHERE series_id = ? AND open_time BETWEEN ? AND ? ORDER BY open_time",
        )
        .pluck(),
      coverage: db
        .prepare<[number], [number, number]>(
          "SELECT from_open, to_open FROM candle_coverage WHERE series_id = ? ORDER BY from_open",
        )
        .raw(),
      delCoverage: db.prepare<[number]>("DELETE FROM candle_coverage WHERE series_id = ?"),
      addCoverage: db.prepare<[number, number, number]>(
        "INSERT INTO candle_coverage (series_id, from_open, to_open) VALUES (?, ?, ?)",
      ),
      source: db
        .prepare<[number, number, number], string | null>(
          "SELECT derived_from FROM candles WHERE series_id = ? AND open_time BETWEEN ? AND ? ORDER BY open_time",
        )
        .pluck(),
    };
  }

  #id(key: SeriesKey, create: true): number;
  #id(key: SeriesKey, create: false): number | undefined;
  #id(key: SeriesKey, create: boolean): number | undefined {
    const byKey = this.#idsByKey.get(key);
    if (byKey !== undefined) return byKey;
    const k = seriesId(key);
    const cached = this.#ids.get(k);
    if (cached !== undefined) {
      this.#idsByKey.set(key, cached);
      return cached;
    }
    let id = this.#stmt.findSeries.get(key.exchange, key.market, key.symbol, key.interval);
    if (id === undefined && create) {
      checkKey(key);
      id = this.#stmt.addSeries.get(key.exchange, key.market, key.symbol, key.interval);
    }
    if (id !== undefined) {
      this.#ids.set(k, id);
      this.#idsByKey.set(key, id);
    }
    return id;
  }

  /** `doing` is a function for reads, so the message is only built when something went wrong. */
  #guard<T>(doing: string | (() => string), fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      // A rolled-back transaction may have taken a newly created series row with it.
      this.#ids.clear();
      this.#idsByKey = new WeakMap();
      if (e instanceof DataError || e instanceof UsageError) throw e;
      throw databaseError(this.db.name, e, typeof doing === "string" ? doing : doing());
    }
  }

  /**
   * Inserts or updates closed candles (any order) in one transaction. Returns how many rows were added or changed;
   * candles identical to stored ones count as already present. A forming candle is refused.
   */
  upsert(key: SeriesKey, candles: readonly Candle[], opts: UpsertOptions = {}): number {
    const label = seriesLabel(key);
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const c of candles) {
      if (!c.closed) {
        throw new UsageError(
          `Refusing to store the forming ${label} candle of ${new Date(c.openTime).toISOString()}: only closed candles are stored.`,
        );
      }
      validateCandle(key, c, label);
      if (c.openTime < min) min = c.openTime;
      if (c.openTime > max) max = c.openTime;
    }
    const derived = opts.derivedFrom ?? null;
    const cov = opts.coverage;
    if (cov) checkRange(key, cov, label);
    if (candles.length === 0 && !cov) return 0;
    const previousVersion = this.version(key);
    const written = this.#guard(`storing ${label} candles`, () =>
      this.db.transaction(() => {
        const id = this.#id(key, true);
        let written = 0;
        if (candles.length > 0) {
          const before = this.#stmt.countRange.get(id, min, max) as number;
          for (const c of candles) {
            written += this.#stmt.upsert.run(
              id,
              c.openTime,
              c.open,
              c.high,
              c.low,
              c.close,
              c.volume,
              c.quoteVolume,
              c.trades,
              c.takerBuyBase,
              c.takerBuyQuote,
              derived,
            ).changes;
          }
          const added = (this.#stmt.countRange.get(id, min, max) as number) - before;
          this.#stmt.bumpSeries.run({ added, min, max, id });
        }
        if (cov) this.#addCoverage(id, key.interval, cov);
        if (written > 0 || cov) this.#versions.set(id, (this.#versions.get(id) ?? 0) + 1);
        return written;
      })(),
    );
    const version = this.version(key);
    if (version !== previousVersion) this.#remember(key, candles, opts, previousVersion, version);
    return written;
  }

  /**
   * The writes that took `key` from version `since` to its current one, oldest first: what lets a reader that keeps
   * a series in memory (StoreMarketView's tails) bring it forward by the written candles instead of reading it
   * again. Undefined when they are not all known — a write of more than a page of candles, one made inside an outer
   * transaction (which may still be rolled back), or one too long ago — and the reader has to read the series.
   */
  writesSince(key: SeriesKey, since: number): readonly CandleWrite[] | undefined {
    const id = this.#id(key, false);
    const version = id === undefined ? 0 : (this.#versions.get(id) ?? 0);
    if (since === version) return [];
    const log = id === undefined ? undefined : this.#log.get(id);
    const from = log?.findIndex((w) => w.previousVersion === since) ?? -1;
    if (log === undefined || from < 0) return undefined;
    const out = log.slice(from);
    for (let i = 1; i < out.length; i++) if (out[i]!.previousVersion !== out[i - 1]!.version) return undefined;
    return out.at(-1)!.version === version ? out : undefined;
  }

  #remember(key: SeriesKey, candles: readonly Candle[], opts: UpsertOptions, previousVersion: number, version: number) {
    const id = this.#id(key, false);
    if (id === undefined) return;
    let log = this.#log.get(id);
    if (this.db.inTransaction || candles.length > WRITE_LOG_CANDLES) {
      // A write that is not remembered breaks the chain: what was remembered before it can no longer be used.
      this.#log.delete(id);
      return;
    }
    if (log === undefined) {
      log = [];
      this.#log.set(id, log);
    }
    const sorted = isSorted(candles) ? [...candles] : [...candles].sort((a, b) => a.openTime - b.openTime);
    log.push({
      candles: sorted,
      derivedFrom: opts.derivedFrom,
      coverage: opts.coverage !== undefined,
      previousVersion,
      version,
    });
    let held = 0;
    for (const w of log) held += w.candles.length;
    while (log.length > WRITE_LOG_LENGTH || held > WRITE_LOG_CANDLES) held -= log.shift()!.candles.length;
  }

  /** Candle queries (range and latest) this store object has answered: what caches above it save, made visible. */
  get reads(): number {
    return this.#reads;
  }

  /** Candles with open time in [from, to] (both inclusive), oldest first. */
  range(key: SeriesKey, from = 0, to = MAX_TIME): Candle[] {
    const id = this.#id(key, false);
    if (id === undefined) return [];
    const rows = this.#guard(
      () => `reading ${seriesLabel(key)}`,
      () => this.#stmt.range.all(id, from, to),
    );
    this.#reads++;
    return toCandles(rows, key.interval);
  }

  /**
   * The last `count` candles closed at instant `asOf` (close time before `asOf`), oldest first: the no-lookahead
   * read. Without `asOf`, the last `count` stored candles.
   */
  latest(key: SeriesKey, count: number, asOf = MAX_TIME): Candle[] {
    if (!Number.isInteger(count) || count < 0)
      throw new UsageError(`latest(): count must be a whole number >= 0, got ${count}.`);
    const id = this.#id(key, false);
    if (id === undefined || count === 0) return [];
    // A candle has closed at asOf exactly when it opened before the candle that contains asOf.
    const bound = asOf >= MAX_TIME ? MAX_TIME : alignDown(key.interval, asOf);
    const rows = this.#guard(
      () => `reading ${seriesLabel(key)}`,
      () => this.#stmt.latest.all(id, bound, count),
    );
    this.#reads++;
    rows.reverse();
    return toCandles(rows, key.interval);
  }

  /** First and last open time and number of stored candles, or undefined when nothing is stored. */
  coverage(key: SeriesKey): SeriesCoverage | undefined {
    const id = this.#id(key, false);
    if (id === undefined) return undefined;
    const row = this.db
      .prepare<[number], { first_open: number | null; last_open: number | null; candles: number }>(
        "SELECT first_open, last_open, candles FROM candle_series WHERE id = ?",
      )
      .get(id);
    if (!row || row.first_open === null || row.last_open === null || row.candles === 0) return undefined;
    return { first: row.first_open, last: row.last_open, count: row.candles };
  }

  /** Every non-empty stored series matching `filter`, sorted by exchange, market, symbol and interval length. */
  series(filter: Partial<SeriesKey> = {}): SeriesInfo[] {
    const rows = this.db
      .prepare<
        [],
        {
          exchange: string;
          market: string;
          symbol: string;
          interval: string;
          first_open: number;
          last_open: number;
          candles: number;
        }
      >(
        "SELECT exchange, market, symbol, interval, first_open, last_open, candles FROM candle_series WHERE candles > 0",
      )
      .all();
    const out: SeriesInfo[] = [];
    for (const r of rows) {
      if (filter.exchange !== undefined && r.exchange !== filter.exchange) continue;
      if (filter.market !== undefined && r.market !== filter.market) continue;
      if (filter.symbol !== undefined && r.symbol !== filter.symbol) continue;
      if (filter.interval !== undefined && r.interval !== filter.interval) continue;
      if (!isInterval(r.interval)) continue;
      out.push({
        exchange: r.exchange as ExchangeId,
        market: r.market as MarketType,
        symbol: r.symbol,
        interval: r.interval,
        first: r.first_open,
        last: r.last_open,
        count: r.candles,
      });
    }
    out.sort(
      (a, b) =>
        a.exchange.localeCompare(b.exchange) ||
        a.market.localeCompare(b.market) ||
        a.symbol.localeCompare(b.symbol) ||
        intervalMs(a.interval) - intervalMs(b.interval),
    );
    return out;
  }

  /** Gaps (missing and halted candles) between the first and last stored candle within [from, to]. */
  gaps(key: SeriesKey, from = 0, to = MAX_TIME): Gap[] {
    const id = this.#id(key, false);
    if (id === undefined) return [];
    const rows = this.#stmt.activity.all(id, from, to);
    return findGaps(
      rows.map(([openTime, volume]) => ({ openTime, volume })),
      key.interval,
    );
  }

  /** How many candles are stored with open time in [from, to]. */
  count(key: SeriesKey, from = 0, to = MAX_TIME): number {
    const id = this.#id(key, false);
    if (id === undefined) return 0;
    return this.#stmt.countRange.get(id, from, to) as number;
  }

  /** For each stored candle in [from, to]: NULL when reported by the exchange, else the interval it was derived from. */
  sources(key: SeriesKey, from = 0, to = MAX_TIME): (Interval | null)[] {
    const id = this.#id(key, false);
    if (id === undefined) return [];
    return this.#stmt.source.all(id, from, to) as (Interval | null)[];
  }

  /**
   * The open-time ranges within [from, to] known to be complete: ranges recorded as fetched in full, plus every run
   * of back-to-back stored candles (nothing can be missing between two adjacent candles). Sorted and merged.
   */
  completeRanges(key: SeriesKey, from = 0, to = MAX_TIME): OpenTimeRange[] {
    const id = this.#id(key, false);
    if (id === undefined) return [];
    const ranges: OpenTimeRange[] = this.#stmt.coverage.all(id).map(([a, b]) => ({ from: a, to: b }));
    const times = this.#stmt.openTimes.all(id, from, to);
    let runStart: number | undefined;
    let prev = 0;
    for (const t of times) {
      if (runStart === undefined) runStart = t;
      else if (closeTimeOf(key.interval, prev) + 1 !== t) {
        ranges.push({ from: runStart, to: prev });
        runStart = t;
      }
      prev = t;
    }
    if (runStart !== undefined) ranges.push({ from: runStart, to: prev });
    return mergeRanges(ranges, key.interval)
      .filter((r) => r.to >= from && r.from <= to)
      .map((r) => ({ from: Math.max(r.from, from), to: Math.min(r.to, to) }));
  }

  /** The ranges recorded as complete (fetched pages, dated dump files), without the runs of stored candles. */
  recordedCoverage(key: SeriesKey): OpenTimeRange[] {
    const id = this.#id(key, false);
    if (id === undefined) return [];
    return this.#stmt.coverage.all(id).map(([a, b]) => ({ from: a, to: b }));
  }

  /** Records that everything the exchange has with open time in `range` is stored (see UpsertOptions.coverage). */
  addCoverage(key: SeriesKey, range: OpenTimeRange): void {
    this.upsert(key, [], { coverage: range });
  }

  #addCoverage(id: number, interval: Interval, r: OpenTimeRange): void {
    const existing = this.#stmt.coverage.all(id).map(([a, b]) => ({ from: a, to: b }));
    const merged = mergeRanges([...existing, r], interval);
    this.#stmt.delCoverage.run(id);
    for (const m of merged) this.#stmt.addCoverage.run(id, m.from, m.to);
  }

  /**
   * Increases whenever this store object writes to the series. Caches built on the store compare versions to know
   * when to re-read (writes by other processes are not seen this way).
   */
  version(key: SeriesKey): number {
    const id = this.#id(key, false);
    return id === undefined ? 0 : (this.#versions.get(id) ?? 0);
  }
}

function checkKey(key: SeriesKey): void {
  if (!isInterval(key.interval)) throw new UsageError(`Unknown interval "${String(key.interval)}".`);
  if (!/^[A-Z0-9][A-Z0-9_\-.]*$/.test(key.symbol)) {
    throw new UsageError(`Invalid symbol "${key.symbol}": expected upper-case letters and digits like BTCUSDT.`);
  }
}

function checkRange(key: SeriesKey, r: OpenTimeRange, label: string): void {
  if (!Number.isFinite(r.from) || !Number.isFinite(r.to) || r.to < r.from) {
    throw new UsageError(`Invalid coverage range for ${label}: ${r.from}..${r.to}.`);
  }
  if (!isAligned(key.interval, r.from) || !isAligned(key.interval, r.to)) {
    throw new UsageError(`Coverage range for ${label} must start and end on ${key.interval} open times.`);
  }
}

function validateCandle(key: SeriesKey, c: Candle, label: string): void {
  try {
    assertValidCandle(c, label);
  } catch (e) {
    throw new CandleValidationError((e as Error).message, {
      hint: "The source sent an invalid candle; nothing of the batch was stored.",
    });
  }
  if (!isAligned(key.interval, c.openTime)) {
    throw new CandleValidationError(
      `${label}: candle open time ${new Date(c.openTime).toISOString()} is not a ${key.interval} boundary.`,
      { hint: "Candles of another interval were passed for this series; nothing was stored." },
    );
  }
  if (c.closeTime !== closeTimeOf(key.interval, c.openTime)) {
    throw new CandleValidationError(
      `${label}: candle of ${new Date(c.openTime).toISOString()} closes at ${new Date(c.closeTime).toISOString()}, not at the end of its ${key.interval} period.`,
      { hint: "Candles of another interval were passed for this series; nothing was stored." },
    );
  }
}

function isSorted(candles: readonly Candle[]): boolean {
  for (let i = 1; i < candles.length; i++) if (candles[i]!.openTime < candles[i - 1]!.openTime) return false;
  return true;
}

function toCandles(rows: readonly Row[], interval: Interval): Candle[] {
  const out = new Array<Candle>(rows.length);
  const fixed = interval === "1M" ? 0 : intervalMs(interval);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i] as Row;
    const openTime = r[0];
    out[i] = {
      openTime,
      closeTime: fixed ? openTime + fixed - 1 : closeTimeOf(interval, openTime),
      open: r[1],
      high: r[2],
      low: r[3],
      close: r[4],
      volume: r[5],
      quoteVolume: r[6],
      trades: r[7],
      takerBuyBase: r[8],
      takerBuyQuote: r[9],
      closed: true,
    };
  }
  return out;
}
