/**
 * Finds holes in a candle series: candles the exchange never produced (exchange outages, delistings, holes in dump
 * files) and flat zero-volume candles, which Binance emits while trading is halted. Gaps are only reported; nothing
 * is ever filled in, since an invented candle would look like real price history to every agent.
 */
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { countCandles, type Interval, nextOpenTime } from "../core/interval.js";
import { previousOpenTime } from "./ranges.js";

export interface Gap {
  /** Open time of the first missing (or halted) candle. */
  readonly from: number;
  /** Open time of the last missing (or halted) candle. */
  readonly to: number;
  /** How many candles are missing (or halted). */
  readonly missing: number;
  /** "missing": no candle at all; "halt": candles exist but have zero volume (trading was halted). */
  readonly kind: "missing" | "halt";
}

/**
 * Gaps between the first and the last candle of `candles` (sorted by open time, no duplicates). Before the first
 * and after the last candle nothing is reported: that is where the data begins and ends, not a hole in it.
 */
export function findGaps(candles: readonly Pick<Candle, "openTime" | "volume">[], interval: Interval): Gap[] {
  const gaps: Gap[] = [];
  let haltFrom: number | undefined;
  let haltTo = 0;
  let haltCount = 0;
  const closeHalt = () => {
    if (haltFrom !== undefined) gaps.push({ from: haltFrom, to: haltTo, missing: haltCount, kind: "halt" });
    haltFrom = undefined;
    haltCount = 0;
  };
  let prev: number | undefined;
  for (const c of candles) {
    if (prev !== undefined) {
      if (c.openTime <= prev) {
        throw new UsageError(
          `findGaps needs candles sorted by open time without duplicates; ${new Date(c.openTime).toISOString()} follows ${new Date(prev).toISOString()}.`,
        );
      }
      const expected = nextOpenTime(interval, prev);
      if (c.openTime !== expected) {
        closeHalt();
        gaps.push({
          from: expected,
          to: previousOpenTime(interval, c.openTime),
          missing: countCandles(interval, expected, c.openTime),
          kind: "missing",
        });
      }
    }
    if (c.volume === 0) {
      if (haltFrom === undefined || haltTo !== previousOpenTime(interval, c.openTime)) {
        closeHalt();
        haltFrom = c.openTime;
      }
      haltTo = c.openTime;
      haltCount++;
    } else {
      closeHalt();
    }
    prev = c.openTime;
  }
  closeHalt();
  return gaps;
}
