/**
 * CandleSeries kept from one analysis to the next, per market view and series. The view says where the candles it
 * hands out sit in its series state (MarketView.closedSeries: a lineage and rows, held as columns in the state's
 * block; see ClosedSeries in market-view.ts), and that alone decides reuse:
 * - the same lineage, first row and length: the same candles, so the same series, with every indicator and derived
 *   value already computed on it (a 4h or 1d series changes once every 4 or 24 hourly cycles);
 * - otherwise a new series viewing the block's rows as they are: no candle is read or copied, and the indicator
 *   streams the block carries go on from where the last analysis left them;
 * - a view that cannot say (lineage 0): a new series built from its candles.
 */
import type { Candle } from "../core/candle.js";
import { blockOf } from "../indicators/candle-block.js";
import type { ClosedSeries } from "../market/market-view.js";
import { CandleSeries } from "./candle-series.js";

interface Cached {
  readonly series: CandleSeries;
  readonly lineage: number;
  readonly firstRow: number;
}

export class SeriesCache {
  readonly #byKey = new Map<string, Cached>();

  /** The series of `closed`, cached under `key`. */
  series(key: string, closed: ClosedSeries, label: string): CandleSeries {
    const { lineage, firstRow } = closed;
    if (lineage === 0) return new CandleSeries(closed.candles, label);
    const prev = this.#byKey.get(key);
    if (prev !== undefined && prev.lineage === lineage && prev.firstRow === firstRow) {
      if (prev.series.length === closed.length) return prev.series;
    }
    const s = new CandleSeries(closed, label);
    this.#byKey.set(key, { series: s, lineage, firstRow });
    return s;
  }
}

/** The block of an answer in no known lineage: never read (its series is made from the candles). */
const NO_BLOCK = blockOf([]);

/** What a view without closedSeries answers: its candles, in no known lineage (checked when a series is made). */
export function unknownLineage(candles: readonly Candle[]): ClosedSeries {
  return {
    block: NO_BLOCK,
    row: 0,
    length: candles.length,
    lineage: 0,
    firstRow: 0,
    candles,
  };
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
