/**
 * Which intervals a sync downloads and which it derives, and what a kline request costs.
 *
 * Request weight is what gets an IP banned, so an interval that can be aggregated exactly from one that is downloaded
 * anyway is derived instead (zero weight): 2h/4h/6h/8h/12h from 1h, 15m/30m from 5m, 3d/1w/1M from 1d. Nothing
 * is downloaded only to derive something else: a coarse interval costs fewer requests than the finer one it could be
 * built from. Daily candles are always downloaded when asked for: they are cheap (1/24 of the 1h rows), are the base
 * of 3d/1w/1M, and so stay the exchange's own values even where finer data has holes. What a request costs is the
 * exchange's to say (`Exchange.capabilities.klines`).
 */
import { UsageError } from "../core/errors.js";
import { divides, INTERVALS, type Interval, intervalMs, isInterval } from "../core/interval.js";

export interface SyncPlan {
  /** Fetched from the exchange, finest first. */
  readonly download: Interval[];
  /** Aggregated from `from`, which is in `download`. */
  readonly derive: { readonly interval: Interval; readonly from: Interval }[];
}

export interface SyncPlanOptions {
  /** Intervals downloaded whenever requested, never derived. Default ["1d"]. */
  readonly alwaysDownload?: readonly Interval[];
  /** Intervals never derived and never used as a source (e.g. to force Binance's own 4h). Default none. */
  readonly neverDerive?: readonly Interval[];
}

const ORDER = (i: Interval) => (i === "1M" ? Number.MAX_SAFE_INTEGER : intervalMs(i));

export function planSync(intervals: readonly Interval[], opts: SyncPlanOptions = {}): SyncPlan {
  for (const i of intervals) {
    if (!isInterval(i))
      throw new UsageError(`Unsupported interval "${String(i)}". Valid intervals: ${INTERVALS.join(", ")}.`);
  }
  const always = new Set<Interval>(opts.alwaysDownload ?? ["1d"]);
  const never = new Set<Interval>(opts.neverDerive ?? []);
  const wanted = [...new Set(intervals)].sort((a, b) => ORDER(a) - ORDER(b));
  const download: Interval[] = [];
  const derive: { interval: Interval; from: Interval }[] = [];
  for (const x of wanted) {
    let source: Interval | undefined;
    if (!always.has(x) && !never.has(x)) {
      // The coarsest downloaded divisor: exact either way, and it reads the fewest rows. Deriving only from
      // downloaded series keeps every derived candle one step from the exchange's own.
      for (const y of download) {
        if (!never.has(y) && divides(y, x) && (source === undefined || ORDER(y) > ORDER(source))) source = y;
      }
    }
    if (source === undefined) download.push(x);
    else derive.push({ interval: x, from: source });
  }
  return { download, derive };
}
