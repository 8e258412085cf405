/**
 * Builds and stores a coarser series from a finer stored one, exactly, wherever the finer series is known to be
 * complete. A coarse candle is only written when every fine candle of its period is known (stored, or known not to
 * exist on the exchange, as during a halt); a period at the edge of the data is left missing instead of guessed.
 */
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { alignDown, closeTimeOf, divides, type Interval, intervalMs, nextOpenTime } from "../core/interval.js";
import type { CandleStore } from "./candle-store.js";
import { alignUp, type OpenTimeRange, previousOpenTime, subtractRanges } from "./ranges.js";
import { resample } from "./resample.js";
import type { SeriesKey } from "./series.js";

export interface DeriveResult {
  /** Coarse candles added or changed. */
  readonly derived: number;
  /** Open-time ranges of the coarse interval now known complete. */
  readonly covered: OpenTimeRange[];
}

/** At most this many fine candles are held in memory at once. */
const BLOCK_FINE_CANDLES = 100_000;

/**
 * Derives `to` candles from stored `from` candles for open times in [range.from, range.to], skipping periods the
 * coarse series already has complete. Each block is written in one transaction together with its coverage.
 */
export function deriveStored(
  store: CandleStore,
  base: Omit<SeriesKey, "interval">,
  from: Interval,
  to: Interval,
  range: OpenTimeRange,
): DeriveResult {
  if (from === to || !divides(from, to))
    throw new UsageError(`Cannot derive ${to} candles exactly from ${from} candles.`);
  const fineKey: SeriesKey = { ...base, interval: from };
  const coarseKey: SeriesKey = { ...base, interval: to };
  const target = { from: alignDown(to, range.from), to: alignDown(to, range.to) };
  const missing = subtractRanges(target, store.completeRanges(coarseKey, target.from, target.to), to);
  let derived = 0;
  const covered: OpenTimeRange[] = [];
  for (const m of missing) {
    // Fine ranges known complete that overlap the fine slots of [m.from, m.to].
    const fineEnd = previousOpenTime(from, nextOpenTime(to, m.to));
    for (const fr of store.completeRanges(fineKey, m.from, fineEnd)) {
      // Coarse buckets whose every fine slot lies inside fr.
      let first = Math.max(alignUp(to, fr.from), m.from);
      for (;;) {
        if (first > m.to) break;
        const lastSlot = previousOpenTime(from, nextOpenTime(to, first));
        if (lastSlot > fr.to) break;
        // Grow a block of consecutive buckets inside fr, bounded in size.
        let last = first;
        const maxSpan = BLOCK_FINE_CANDLES * (from === "1M" ? 31 * 86_400_000 : intervalMs(from));
        for (;;) {
          const next = nextOpenTime(to, last);
          if (next > m.to || previousOpenTime(from, nextOpenTime(to, next)) > fr.to || next - first > maxSpan) break;
          last = next;
        }
        const fine = store.range(fineKey, first, previousOpenTime(from, nextOpenTime(to, last)));
        const coarse: Candle[] = resample(fine, from, to, { allowGaps: true, includeForming: true })
          .filter((c) => c.openTime >= first && c.openTime <= last)
          .map((c) => ({ ...c, closeTime: closeTimeOf(to, c.openTime), closed: true }));
        const block = { from: first, to: last };
        derived += store.upsert(coarseKey, coarse, { derivedFrom: from, coverage: block });
        covered.push(block);
        first = nextOpenTime(to, last);
      }
    }
  }
  return { derived, covered };
}
