/**
 * Reads candles of any interval for one exchange market as of an instant, from what the store holds: a stored
 * series directly, or a coarser interval aggregated on the fly from a stored finer one. Nothing that closes after
 * the instant is ever returned, and the forming candle is built only from finer candles closed by then.
 * Shared by the replay exchange and the market view, so both see exactly the same data.
 */
import type { Candle } from "../core/candle.js";
import { alignDown, closeTimeOf, divides, type Interval, intervalMs, nextOpenTime } from "../core/interval.js";
import type { MarketType, ExchangeId } from "../exchange/exchange.js";
import { aggregateCandles } from "./aggregate.js";
import type { CandleStore, SeriesInfo } from "./candle-store.js";
import { alignUp, lastClosedOpenTime, mergeRanges, type OpenTimeRange, previousOpenTime } from "./ranges.js";
import { resample } from "./resample.js";
import type { SeriesKey } from "./series.js";

export interface SeriesSource {
  /** The stored interval read. */
  readonly interval: Interval;
  /** True when the asked-for interval is aggregated from it. */
  readonly derived: boolean;
}

/**
 * The stored candles of a series with open time in [from, to], all closed: the store's range(), or a cache that
 * holds exactly what the store would return (StoreMarketView serves the forming candle's parts from its tail).
 */
export type FineRange = (symbol: string, interval: Interval, from: number, to: number) => Candle[];

/** A stored series exists as of `asOf` once its first candle has closed. */
function isVisible(s: SeriesInfo, asOf: number): boolean {
  return nextOpenTime(s.interval, s.first) <= asOf;
}

const ORDER = (i: Interval) => (i === "1M" ? 31 * 86_400_000 : intervalMs(i));

export class SeriesReader {
  readonly store: CandleStore;
  readonly base: { readonly exchange: ExchangeId; readonly market: MarketType };
  #series: Map<string, Map<Interval, SeriesInfo>> | undefined;
  /** Per symbol, its stored series finest first (what stored() copies); rebuilt by refresh(). */
  #sorted = new Map<string, readonly SeriesInfo[]>();
  /** Key objects per symbol and interval, reused so the store finds their ids without building strings. */
  readonly #keys = new Map<string, Map<Interval, SeriesKey>>();
  #coverage = new Map<SeriesKey, { version: number; ranges: readonly OpenTimeRange[] }>();

  constructor(store: CandleStore, base: { exchange: ExchangeId; market: MarketType }) {
    this.store = store;
    this.base = { exchange: base.exchange, market: base.market };
  }

  /** Re-reads the list of stored series (after a sync or import added some). */
  refresh(): void {
    const map = new Map<string, Map<Interval, SeriesInfo>>();
    for (const s of this.store.series(this.base)) {
      const m = map.get(s.symbol) ?? new Map<Interval, SeriesInfo>();
      m.set(s.interval, s);
      map.set(s.symbol, m);
    }
    this.#series = map;
    this.#sorted = new Map();
    this.#coverage = new Map();
  }

  #all(): Map<string, Map<Interval, SeriesInfo>> {
    if (!this.#series) this.refresh();
    return this.#series as Map<string, Map<Interval, SeriesInfo>>;
  }

  symbols(): string[] {
    return [...this.#all().keys()].sort();
  }

  /** The stored series of a symbol (refreshing once if the symbol is unknown). */
  stored(symbol: string): SeriesInfo[] {
    return [...this.#storedSorted(symbol)];
  }

  /** stored() without the copy, for the reads below that run on every analysis. */
  #storedSorted(symbol: string): readonly SeriesInfo[] {
    const cached = this.#sorted.get(symbol);
    if (cached) return cached;
    let m = this.#all().get(symbol);
    if (!m) {
      this.refresh();
      m = this.#all().get(symbol);
    }
    const sorted = m ? [...m.values()].sort((a, b) => ORDER(a.interval) - ORDER(b.interval)) : [];
    // An unknown symbol is not remembered: it may be stored by the next refresh.
    if (m) this.#sorted.set(symbol, sorted);
    return sorted;
  }

  key(symbol: string, interval: Interval): SeriesKey {
    let bySymbol = this.#keys.get(symbol);
    if (!bySymbol) {
      bySymbol = new Map();
      this.#keys.set(symbol, bySymbol);
    }
    let k = bySymbol.get(interval);
    if (!k) {
      k = Object.freeze({ ...this.base, symbol, interval });
      bySymbol.set(interval, k);
    }
    return k;
  }

  /**
   * The stored series of a symbol that have a candle closed by `asOf`. A series that only begins later does not
   * exist yet as far as `asOf` is concerned (its mere presence would reveal the future).
   */
  visible(symbol: string, asOf: number): SeriesInfo[] {
    return this.#storedSorted(symbol).filter((s) => isVisible(s, asOf));
  }

  /**
   * Where candles of `interval` come from as of `asOf`: the stored series itself, else the coarsest stored exact
   * divisor.
   */
  source(symbol: string, interval: Interval, asOf: number): SeriesSource | undefined {
    let best: Interval | undefined;
    for (const s of this.#storedSorted(symbol)) {
      if (!isVisible(s, asOf)) continue;
      if (s.interval === interval) return { interval, derived: false };
      if (divides(s.interval, interval)) best = s.interval;
    }
    return best === undefined ? undefined : { interval: best, derived: true };
  }

  /** Visible stored intervals finer than `interval` that nest inside each other and it, coarsest first (1d, 1h, 5m). */
  formingLevels(symbol: string, interval: Interval, asOf: number): Interval[] {
    const stored = this.#storedSorted(symbol);
    const chain: Interval[] = [];
    for (let k = stored.length - 1; k >= 0; k--) {
      const s = stored[k]!;
      const i = s.interval;
      if (i === interval || !divides(i, interval) || !isVisible(s, asOf)) continue;
      const last = chain[chain.length - 1];
      if (last === undefined || divides(i, last)) chain.push(i);
    }
    return chain;
  }

  /**
   * Closed candles (close time before `asOf`) with open time in [from, to], oldest first. `read` supplies the stored
   * candles an aggregated interval is built from (default: the store).
   */
  closedRange(
    symbol: string,
    interval: Interval,
    from: number,
    to: number,
    asOf: number,
    read: FineRange = this.#range,
  ): Candle[] {
    const src = this.source(symbol, interval, asOf);
    if (!src) return [];
    const lo = alignUp(interval, Math.max(0, from));
    const hi = Math.min(alignDown(interval, to), lastClosedOpenTime(interval, asOf));
    if (lo > hi) return [];
    if (!src.derived) return this.store.range(this.key(symbol, interval), lo, hi);
    return this.#derive(symbol, src.interval, interval, lo, hi, read);
  }

  /** The last `count` candles closed by `asOf`, oldest first. */
  lastClosed(symbol: string, interval: Interval, count: number, asOf: number): Candle[] {
    const src = this.source(symbol, interval, asOf);
    if (!src || count <= 0) return [];
    if (!src.derived) return this.store.latest(this.key(symbol, interval), count, asOf);
    const info = this.stored(symbol).find((s) => s.interval === src.interval) as SeriesInfo;
    const hi = lastClosedOpenTime(interval, asOf);
    // Widen the window until it holds `count` candles or reaches the start of the data.
    for (let k = count + 1; ; k *= 2) {
      const lo = stepBack(interval, hi, k);
      const got = this.#derive(
        symbol,
        src.interval,
        interval,
        Math.max(lo, alignDown(interval, info.first)),
        hi,
        this.#range,
      );
      if (got.length >= count || lo <= info.first) return got.slice(-count);
    }
  }

  /**
   * The candle of `interval` containing `now`, aggregated from finer stored candles closed by `now` (whole days,
   * then hours, then minutes, as stored); undefined when no finer candle of the period has closed yet.
   */
  forming(symbol: string, interval: Interval, now: number, read: FineRange = this.#range): Candle | undefined {
    const levels = this.formingLevels(symbol, interval, now);
    if (levels.length === 0) return undefined;
    const bucket = alignDown(interval, now);
    const end = nextOpenTime(interval, bucket);
    const parts: Candle[] = [];
    let cursor = bucket;
    for (const level of levels) {
      const hi = Math.min(lastClosedOpenTime(level, now), previousOpenTime(level, end));
      if (cursor > hi) continue;
      const got = read(symbol, level, cursor, hi);
      const last = got[got.length - 1];
      if (!last) continue;
      for (const c of got) parts.push(c);
      cursor = nextOpenTime(level, last.openTime);
    }
    return aggregateCandles(parts, bucket, closeTimeOf(interval, bucket), false);
  }

  /**
   * The store's recorded coverage of a series, re-read only when this store object has written to the series since
   * (writes record coverage in the same transaction and bump the version) or after refresh().
   */
  #recordedCoverage(key: SeriesKey): readonly OpenTimeRange[] {
    const version = this.store.version(key);
    const cached = this.#coverage.get(key);
    if (cached !== undefined && cached.version === version) return cached.ranges;
    const ranges = this.store.recordedCoverage(key);
    this.#coverage.set(key, { version, ranges });
    return ranges;
  }

  readonly #range: FineRange = (symbol, interval, from, to) => this.store.range(this.key(symbol, interval), from, to);

  /**
   * Coarse candles with open time in [lo, hi] from `fine`. A period with missing fine candles is only emitted where
   * the store records the fine range as complete (the exchange had no more candles, as in a halt); otherwise it is
   * left out rather than built from partial data.
   */
  #derive(symbol: string, fine: Interval, coarse: Interval, lo: number, hi: number, read: FineRange): Candle[] {
    const fineKey = this.key(symbol, fine);
    const fineTo = previousOpenTime(fine, nextOpenTime(coarse, hi));
    const rows = read(symbol, fine, lo, fineTo);
    if (rows.length === 0) return [];
    const runs: OpenTimeRange[] = this.#recordedCoverage(fineKey).filter((r) => r.to >= lo && r.from <= fineTo);
    let runStart = (rows[0] as Candle).openTime;
    for (let i = 1; i < rows.length; i++) {
      const prev = rows[i - 1] as Candle;
      const cur = rows[i] as Candle;
      if (prev.closeTime + 1 !== cur.openTime) {
        runs.push({ from: runStart, to: prev.openTime });
        runStart = cur.openTime;
      }
    }
    runs.push({ from: runStart, to: (rows[rows.length - 1] as Candle).openTime });
    const complete = mergeRanges(runs, fine);
    const out: Candle[] = [];
    let r = 0;
    for (const c of resample(rows, fine, coarse, { allowGaps: true, includeForming: true })) {
      if (c.openTime < lo || c.openTime > hi) continue;
      const lastSlot = previousOpenTime(fine, nextOpenTime(coarse, c.openTime));
      while (r < complete.length && (complete[r] as OpenTimeRange).to < lastSlot) r++;
      const range = complete[r];
      if (range && range.from <= c.openTime) out.push(c.closed ? c : { ...c, closed: true });
    }
    return out;
  }
}

/** The open time `k - 1` candles before aligned `openTime`. */
function stepBack(interval: Interval, openTime: number, k: number): number {
  if (interval === "1M") {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - (k - 1), 1);
  }
  return openTime - (k - 1) * intervalMs(interval);
}
