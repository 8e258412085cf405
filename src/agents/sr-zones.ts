/**
 * Clustering of price levels into zones.
 *
 * Levels are sorted by price and swept upward: the current zone takes the next level while the zone stays within
 * the tolerance of its own midpoint, (high − low) ≤ tolerance · (high + low) / 2; otherwise the level starts a new
 * zone. Why this rule:
 * - the result depends only on the multiset of prices, never on the order levels arrive in (which timeframe was
 *   scanned first, which pivot came first), so the same market always gives the same zones;
 * - every zone satisfies the width bound by construction (no chaining: a run of levels each 1 % apart does not
 *   become one 10 %-wide "zone", as single-linkage clustering would make it);
 * - each level belongs to exactly one zone, and zones are disjoint and come out sorted, which the touch counting
 *   relies on to find a candle's zones by binary search;
 * - O(n log n) for the sort, O(n) for the sweep.
 * The tolerance is relative to the zone's own price, so it means the same at 49 000 as at 95 000.
 */

/**
 * Start indices of the zones in `sorted` (prices ascending): zone k holds sorted[starts[k] .. starts[k+1] − 1].
 * Empty input → no zones.
 */
export function clusterSortedLevels(sorted: ArrayLike<number>, tolerance: number): number[] {
  const starts: number[] = [];
  const n = sorted.length;
  if (n === 0) return starts;
  starts.push(0);
  let low = sorted[0]!;
  for (let i = 1; i < n; i++) {
    const p = sorted[i]!;
    if (p - low > (tolerance * (p + low)) / 2) {
      starts.push(i);
      low = p;
    }
  }
  return starts;
}
