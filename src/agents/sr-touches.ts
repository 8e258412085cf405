/**
 * Touch counting for support/resistance zones, one timeframe at a time.
 *
 * A candle touches a zone (band [L, H], centre c, clustering tolerance τ) when it
 * - is a swing pivot whose level belongs to the zone, or
 * - wick-tests it: its lower wick reached into the band and its body stayed above it
 *   (H − τ·c ≤ low ≤ H and min(open, close) > H), or mirrored for the upper wick
 *   (L ≤ high ≤ L + τ·c and max(open, close) < L).
 * The depth limit (the wick's extreme lies where it would still have clustered with the zone's levels) keeps one long
 * wick slicing through several zones from "testing" every one of them; a wick that turned inside or just beyond the
 * band did test it. A candle counts at most once per zone, however many of these hold.
 *
 * Zones are disjoint and sorted, so each candle finds its candidates by binary search: O(n log Z + touches).
 * A zone's count, first and last touch depend only on its own band and the pivots assigned to it: a search stops
 * only where no further zone could qualify either (the bands are sorted), so counting any subset of the zones gives
 * each of them the same result. The detector relies on this to count all bands once and reuse counts per zone.
 */
import type { Candle } from "../core/candle.js";
import { candleColumns } from "../indicators/columns.js";

/**
 * Numbers by position, typed or plain. The detector keeps its per-analysis arrays plain: at a few dozen entries a
 * typed array costs ten times as much to allocate (its storage lives outside the JS heap).
 */
export type Numbers = Float64Array | Int32Array | number[];

export interface ZoneBands {
  /** Ascending, disjoint: high[k] < low[k + 1]. */
  readonly low: ArrayLike<number>;
  readonly high: ArrayLike<number>;
  /** Within [low, high]. */
  readonly centre: ArrayLike<number>;
}

export interface TouchTally {
  /** Touches per zone for the timeframe being counted (the caller passes a fresh slice per timeframe). */
  readonly counts: Numbers;
  /** Earliest / latest open time of a touching candle, per zone, across all timeframes counted so far. */
  readonly first: Numbers;
  readonly last: Numbers;
}

/** The candle fields touch counting reads, as columns of equal length (oldest first). */
export interface TouchColumns {
  readonly openTime: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/** First k with high[k] ≥ x (Z when none). */
function firstHighAtLeast(high: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = high.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (high[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Last k with low[k] ≤ x (−1 when none). */
function lastLowAtMost(low: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = low.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (low[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * Adds one timeframe's touches to `tally`. `pivotIndex`/`pivotZone` list the window's pivots (candle index, zone
 * index or −1 for a pivot whose zone was dropped), ordered by candle index. `seen` is scratch of length ≥ Z.
 * The candles may be given as columns (what the detector keeps per window), which is the faster form.
 */
export function tallyTouches(
  candles: readonly Candle[] | TouchColumns,
  pivotIndex: ArrayLike<number>,
  pivotZone: ArrayLike<number>,
  bands: ZoneBands,
  tolerance: number,
  tally: TouchTally,
  seen: Numbers,
): void {
  const cols = Array.isArray(candles) ? touchColumns(candles as readonly Candle[]) : (candles as TouchColumns);
  const { low: zLow, high: zHigh, centre: zCentre } = bands;
  const zones = zLow.length;
  if (zones === 0) return;
  for (let z = 0; z < zones; z++) seen[z] = -1;
  const { counts, first, last } = tally;
  const touch = (z: number, i: number, t: number): void => {
    if (seen[z] === i) return;
    seen[z] = i;
    counts[z]!++;
    if (t < first[z]!) first[z] = t;
    if (t > last[z]!) last[z] = t;
  };
  const { openTime, open, high, low, close } = cols;
  let p = 0;
  const np = pivotIndex.length;
  const n = openTime.length;
  for (let i = 0; i < n; i++) {
    const t = openTime[i]!;
    while (p < np && pivotIndex[p]! < i) p++;
    while (p < np && pivotIndex[p] === i) {
      const z = pivotZone[p]!;
      if (z >= 0) touch(z, i, t);
      p++;
    }
    const o = open[i]!;
    const c = close[i]!;
    const lo = low[i]!;
    const hi = high[i]!;
    const bodyLow = o < c ? o : c;
    const bodyHigh = o < c ? c : o;
    if (lo < bodyLow) {
      for (let z = firstHighAtLeast(zHigh, lo); z < zones; z++) {
        if (zHigh[z]! >= bodyLow || zLow[z]! * (1 - tolerance) > lo) break;
        if (zHigh[z]! - tolerance * zCentre[z]! <= lo) touch(z, i, t);
      }
    }
    if (hi > bodyHigh) {
      for (let z = lastLowAtMost(zLow, hi); z >= 0; z--) {
        if (zLow[z]! <= bodyHigh || zHigh[z]! * (1 + tolerance) < hi) break;
        if (zLow[z]! + tolerance * zCentre[z]! >= hi) touch(z, i, t);
      }
    }
  }
}

/** The columns of `candles` that touch counting reads (a subset of candleColumns, which builds them). */
export function touchColumns(candles: readonly Candle[]): TouchColumns {
  return candleColumns(candles);
}
