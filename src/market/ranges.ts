/**
 * Inclusive ranges of candle open times, [from, to], both aligned to the series' interval. Used to work out which
 * parts of a requested period a store already holds and which still have to be fetched.
 */
import { alignDown, type Interval, nextOpenTime } from "../core/interval.js";

export interface OpenTimeRange {
  readonly from: number;
  readonly to: number;
}

/** Sorts and joins overlapping or back-to-back ranges (b's first candle directly follows a's last). */
export function mergeRanges(ranges: readonly OpenTimeRange[], interval: Interval): OpenTimeRange[] {
  const sorted = ranges.filter((r) => r.to >= r.from).sort((a, b) => a.from - b.from);
  const out: { from: number; to: number }[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.from <= nextOpenTime(interval, last.to)) {
      if (r.to > last.to) last.to = r.to;
    } else {
      out.push({ from: r.from, to: r.to });
    }
  }
  return out;
}

/** The parts of `target` that no range in `covered` (merged or not) contains, as aligned ranges. */
export function subtractRanges(
  target: OpenTimeRange,
  covered: readonly OpenTimeRange[],
  interval: Interval,
): OpenTimeRange[] {
  const out: OpenTimeRange[] = [];
  let cursor = target.from;
  for (const c of mergeRanges(covered, interval)) {
    if (c.to < cursor) continue;
    if (c.from > target.to) break;
    if (c.from > cursor) out.push({ from: cursor, to: previousOpenTime(interval, c.from) });
    cursor = nextOpenTime(interval, c.to);
    if (cursor > target.to) return out;
  }
  if (cursor <= target.to) out.push({ from: cursor, to: target.to });
  return out;
}

/** The open time of the candle before the one opening at aligned `openTime`. */
export function previousOpenTime(interval: Interval, openTime: number): number {
  return alignDown(interval, openTime - 1);
}

/** The open time of the first candle opening at or after `t`. */
export function alignUp(interval: Interval, t: number): number {
  const down = alignDown(interval, t);
  return down === t ? t : nextOpenTime(interval, down);
}

/** The open time of the last candle closed at instant `now` (its close time is before `now`). */
export function lastClosedOpenTime(interval: Interval, now: number): number {
  return previousOpenTime(interval, alignDown(interval, now));
}
