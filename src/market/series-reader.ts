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

const ORDER = (i: Interval) => (i === "1M" ? 31 * 86_400_000 : intervalMs(i));

export class SeriesReader {
  readonly store: CandleStore;
  readonly base: { readonly exchange: ExchangeId; readonly market: MarketType };
  #series: Map<string, Map<Interval, SeriesInfo>> | undefined;

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
    let m = this.#all().get(symbol);
    if (!m) {
      this.refresh();
      m = this.#all().get(symbol);
    }
    return m ? [...m.values()].sort((a, b) => ORDER(a.interval) - ORDER(b.interval)) : [];
  }

  key(symbol: string, interval: Interval): SeriesKey {
    return { ...this.base, symbol, interval };
  }

  /**
   * The stored series of a symbol that have a candle closed by `asOf`. A series that only begins later does not
   * exist yet as far as `asOf` is concerned (its mere presence would reveal the future).
   */
  visible(symbol: string, asOf: number): SeriesInfo[] {
    return this.stored(symbol).filter((s) => nextOpenTime(s.interval, s.first) <= asOf);
  }

  /**
   * Where candles of `interval` come from as of `asOf`: the stored series itself, else the coarsest stored exact
   * divisor.
   */
  source(symbol: string, interval: Interval, asOf: number): SeriesSource | undefined {
    const stored = this.visible(symbol, asOf);
    if (stored.some((s) => s.interval === interval)) return { interval, derived: false };
    let best: Interval | undefined;
    for (const s of stored) if (divides(s.interval, interval) && s.interval !== interval) best = s.interval;
    return best === undefined ? undefined : { interval: best, derived: true };
  }

  /** Visible stored intervals finer than `interval` that nest inside each other and it, coarsest first (1d, 1h, 5m). */
  formingLevels(symbol: string, interval: Interval, asOf: number): Interval[] {
    const finer = this.visible(symbol, asOf)
      .map((s) => s.interval)
      .filter((i) => i !== interval && divides(i, interval))
      .reverse();
    const chain: Interval[] = [];
    for (const i of finer) {
      const last = chain[chain.length - 1];
      if (last === undefined || divides(i, last)) chain.push(i);
    }
    return chain;
  }

  /** Closed candles (close time before `asOf`) with open time in [from, to], oldest first. */
  closedRange(symbol: string, interval: Interval, from: number, to: number, asOf: number): Candle[] {
    const src = this.source(symbol, interval, asOf);
    if (!src) return [];
    const lo = alignUp(interval, Math.max(0, from));
    const hi = Math.min(alignDown(interval, to), lastClosedOpenTime(interval, asOf));
    if (lo > hi) return [];
    if (!src.derived) return this.store.range(this.key(symbol, interval), lo, hi);
    return this.#derive(symbol, src.interval, interval, lo, hi);
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
      const got = this.#derive(symbol, src.interval, interval, Math.max(lo, alignDown(interval, info.first)), hi);
      if (got.length >= count || lo <= info.first) return got.slice(-count);
    }
  }

  /**
   * The candle of `interval` containing `now`, aggregated from finer stored candles closed by `now` (whole days,
   * then hours, then minutes, as stored); undefined when no finer candle of the period has closed yet.
   */
  forming(symbol: string, interval: Interval, now: number): Candle | undefined {
    const levels = this.formingLevels(symbol, interval, now);
    if (levels.length === 0) return undefined;
    const bucket = alignDown(interval, now);
    const end = nextOpenTime(interval, bucket);
    const parts: Candle[] = [];
    let cursor = bucket;
    for (const level of levels) {
      const hi = Math.min(lastClosedOpenTime(level, now), previousOpenTime(level, end));
      if (cursor > hi) continue;
      const got = this.store.range(this.key(symbol, level), cursor, hi);
      const last = got[got.length - 1];
      if (!last) continue;
      for (const c of got) parts.push(c);
      cursor = nextOpenTime(level, last.openTime);
    }
    return aggregateCandles(parts, bucket, closeTimeOf(interval, bucket), false);
  }

  /**
   * Coarse candles with open time in [lo, hi] from `fine`. A period with missing fine candles is only emitted where
   * the store records the fine range as complete (the exchange had no more candles, as in a halt); otherwise it is
   * left out rather than built from partial data.
   */
  #derive(symbol: string, fine: Interval, coarse: Interval, lo: number, hi: number): Candle[] {
    const fineKey = this.key(symbol, fine);
    const fineTo = previousOpenTime(fine, nextOpenTime(coarse, hi));
    const rows = this.store.range(fineKey, lo, fineTo);
    if (rows.length === 0) return [];
    const runs: OpenTimeRange[] = this.store.recordedCoverage(fineKey).filter((r) => r.to >= lo && r.from <= fineTo);
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
