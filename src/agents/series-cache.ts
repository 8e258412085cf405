/**
 * CandleSeries kept from one analysis to the next, per market view and series. While the view hands out the same
 * candles (the same objects: its tail cache returns them until the next close of the interval) the series is reused
 * with every indicator already computed on it — a 4h or 1d series changes once every 4 or 24 hourly cycles. When
 * the window has moved on, the new series copies the columns of the candles both share and reads only the new ones;
 * its indicators are computed afresh, because they depend on where the window starts.
 *
 * Entries are matched by the candles passed in, never by time, so a cached series is exactly the series those
 * candles make: nothing an analysis was not given can leak into it.
 */
import type { Candle } from "../core/candle.js";
import { CandleSeries } from "./candle-series.js";

export class SeriesCache {
  readonly #byKey = new Map<string, CandleSeries>();

  /** The series of `candles`, reused when the last one cached under `key` holds exactly these candles. */
  series(key: string, candles: readonly Candle[], label: string): CandleSeries {
    const prev = this.#byKey.get(key);
    if (prev !== undefined && sameCandles(prev.candles, candles)) return prev;
    const s = new CandleSeries(candles, label, prev);
    this.#byKey.set(key, s);
    return s;
  }
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

/** Same length and the same candle objects in the same order (candles are immutable, so the same values). */
function sameCandles(a: readonly Candle[], b: readonly Candle[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = a.length - 1; i >= 0; i--) if (a[i] !== b[i]) return false;
  return true;
}
