/**
 * Binance kline intervals and their alignment.
 * Fixed-length intervals are aligned to the Unix epoch (so 3d buckets start where floor(t / 1d) % 3 == 0);
 * 1w opens Monday 00:00 UTC; 1M opens on the 1st of each calendar month, 00:00 UTC.
 */
import { UsageError } from "./errors.js";

export const INTERVALS = [
  "1s",
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
  "1M",
] as const;

export type Interval = (typeof INTERVALS)[number];

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
export const WEEK = 7 * DAY;
/** 1970-01-01 was a Thursday; the first Monday 00:00 UTC is four days later. */
const WEEK_ANCHOR = 4 * DAY;

const FIXED_MS: Record<Exclude<Interval, "1M">, number> = {
  "1s": 1000,
  "1m": MINUTE,
  "3m": 3 * MINUTE,
  "5m": 5 * MINUTE,
  "15m": 15 * MINUTE,
  "30m": 30 * MINUTE,
  "1h": HOUR,
  "2h": 2 * HOUR,
  "4h": 4 * HOUR,
  "6h": 6 * HOUR,
  "8h": 8 * HOUR,
  "12h": 12 * HOUR,
  "1d": DAY,
  "3d": 3 * DAY,
  "1w": WEEK,
};

export function isInterval(s: string): s is Interval {
  return (INTERVALS as readonly string[]).includes(s);
}

/** Parses an interval as a user typed it; the error lists the valid ones (Binance's names are case-sensitive). */
export function parseInterval(s: string): Interval {
  if (isInterval(s)) return s;
  const hint =
    s === "1mo" || s === "1mon"
      ? " (monthly is written 1M)"
      : isInterval(s.toLowerCase())
        ? ` (did you mean ${s.toLowerCase()}?)`
        : "";
  throw new UsageError(`Unsupported interval "${s}"${hint}. Valid intervals: ${INTERVALS.join(", ")}.`);
}

/** Nominal length in ms; for 1M the length of the month starting at `openTime` (defaults to 31 days). */
export function intervalMs(interval: Interval, openTime?: number): number {
  if (interval !== "1M") return FIXED_MS[interval];
  if (openTime === undefined) return 31 * DAY;
  return nextOpenTime("1M", openTime) - openTime;
}

/** The open time of the candle of `interval` that contains instant `t`. */
export function alignDown(interval: Interval, t: number): number {
  if (interval === "1M") {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
  if (interval === "1w") return Math.floor((t - WEEK_ANCHOR) / WEEK) * WEEK + WEEK_ANCHOR;
  const ms = FIXED_MS[interval];
  return Math.floor(t / ms) * ms;
}

/** The open time of the candle after the one opening at `openTime` (which must be aligned). */
export function nextOpenTime(interval: Interval, openTime: number): number {
  if (interval === "1M") {
    const d = new Date(openTime);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return openTime + FIXED_MS[interval];
}

/** Binance's close time: the last millisecond inside the candle. */
export function closeTimeOf(interval: Interval, openTime: number): number {
  return nextOpenTime(interval, openTime) - 1;
}

export function isAligned(interval: Interval, t: number): boolean {
  return alignDown(interval, t) === t;
}

/** Number of candles whose open time lies in [start, end). */
export function countCandles(interval: Interval, start: number, end: number): number {
  if (end <= start) return 0;
  if (interval !== "1M") {
    const ms = FIXED_MS[interval];
    const first = alignDown(interval, start) === start ? start : nextOpenTime(interval, alignDown(interval, start));
    return first >= end ? 0 : Math.ceil((end - first) / ms);
  }
  let n = 0;
  for (
    let t = alignDown("1M", start) < start ? nextOpenTime("1M", alignDown("1M", start)) : start;
    t < end;
    t = nextOpenTime("1M", t)
  )
    n++;
  return n;
}

/** True if candles of `coarse` are exact unions of candles of `fine` (so `coarse` can be derived from `fine`). */
export function divides(fine: Interval, coarse: Interval): boolean {
  if (fine === coarse) return true;
  if (coarse === "1M") return fine !== "1w" && intervalMs(fine) <= DAY && DAY % intervalMs(fine) === 0;
  if (fine === "1M") return false;
  const f = FIXED_MS[fine];
  const c = FIXED_MS[coarse];
  if (c <= f || c % f !== 0) return false;
  // Weekly buckets start on Monday, which is not a multiple of 3d from the epoch.
  if (coarse === "1w") return DAY % f === 0;
  return true;
}
