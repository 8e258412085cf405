/**
 * The slice of a candle series an analysis at instant `now` may see: the last `count` candles that had closed by then.
 * Agents take whole arrays (a replay may hand them the future); cutting them here, by close time, is what makes a
 * result for time T the same whether or not candles after T exist.
 */
import type { Candle } from "../core/candle.js";

/**
 * The last `count` candles with closeTime < now that are marked closed, oldest first. `candles` must be sorted by
 * open time. A trailing still-forming candle (closed: false) is skipped even if its close time has passed: its values
 * are not final. O(log n) to find the cut, plus the copy of at most `count` references.
 */
export function closedWindow<T extends Pick<Candle, "closeTime" | "closed">>(
  candles: readonly T[],
  now: number,
  count: number,
): T[] {
  // First index whose candle has not closed by `now` (closeTime + 1 is the first instant it is final).
  let lo = 0;
  let hi = candles.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (candles[mid]!.closeTime < now) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end > 0 && !candles[end - 1]!.closed) end--;
  return candles.slice(Math.max(0, end - count), end);
}
