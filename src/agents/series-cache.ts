/**
 * CandleSeries kept from one analysis to the next, per market view and series. The view says where the candles it
 * hands out sit in its series (MarketView.closedSeries: a lineage and rows, see ClosedSeries in market-view.ts), and
 * that alone decides reuse:
 * - the same lineage, first row and length: the same candles, so the same series, with every indicator already
 *   computed on it (a 4h or 1d series changes once every 4 or 24 hourly cycles);
 * - the same lineage, moved on: the new series continues the old from the row where it starts (shared columns,
 *   indicator streams carried forward), reading only the candles after the old one's end;
 * - another lineage, or a view that cannot say: a new series.
 */
import type { Candle } from "../core/candle.js";
import type { ClosedSeries } from "../market/market-view.js";
import { CandleSeries, type SeriesContinuation } from "./candle-series.js";

interface Cached {
  readonly series: CandleSeries;
  readonly lineage: number;
  readonly firstRow: number;
}

export class SeriesCache {
  readonly #byKey = new Map<string, Cached>();

  /** The series of `closed` (lineage 0: unknown, never reused), cached under `key`. */
  series(key: string, closed: ClosedSeries, label: string): CandleSeries {
    const prev = this.#byKey.get(key);
    const { candles, lineage, firstRow } = closed;
    if (prev !== undefined && lineage !== 0 && prev.lineage === lineage) {
      if (prev.firstRow === firstRow && prev.series.length === candles.length) return prev.series;
    }
    const s = new CandleSeries(candles, label, continuation(prev, closed));
    this.#byKey.set(key, { series: s, lineage, firstRow });
    return s;
  }
}

/** How `closed` continues the cached series: from the row where it starts, if that is within it. */
function continuation(prev: Cached | undefined, closed: ClosedSeries): SeriesContinuation | undefined {
  if (prev === undefined || closed.lineage === 0 || prev.lineage !== closed.lineage) return undefined;
  const from = closed.firstRow - prev.firstRow;
  if (from < 0 || from >= prev.series.length) return undefined;
  return { series: prev.series, from };
}

/** What a view without closedSeries answers: its candles, in no known lineage. */
export function unknownLineage(candles: readonly Candle[]): ClosedSeries {
  return { candles, lineage: 0, firstRow: 0 };
}

const byOwner = new WeakMap<object, SeriesCache>();

/** The cache belonging to `owner` (a market view): it lives as long as the view and is dropped with it. */
export function seriesCacheOf(owner: object): SeriesCache {
  let c = byOwner.get(owner);
  if (c === undefined) {
    c = new SeriesCache();
    byOwner.set(owner, c);
  }
  return c;
}
