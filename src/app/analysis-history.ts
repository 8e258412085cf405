/**
 * Brings the candle store up to what one analysis reads, fetching only what is missing.
 *
 * The analysis reads very different spans per interval (500 × 15m is five days, 100 × 1M is eight years), so one
 * sync with one start would fetch years of 15m candles. planWarmup (src/market/warmup-plan.ts) picks, per interval,
 * whether to fetch it or derive it from a finer one fetched anyway, for the least request weight; each of its groups
 * is one sync. Every span asks for 10 % (+2) more candles than are read: room for exchange halts and gaps, so a gap
 * does not leave the analysis short, and an analysis a little earlier (`--at`) finds its candles too.
 */
import { UsageError } from "../core/errors.js";
import type { Interval } from "../core/interval.js";
import type { Logger } from "../core/log.js";
import type { Exchange } from "../exchange/exchange.js";
import type { CandleStore } from "../market/candle-store.js";
import { lastClosedOpenTime } from "../market/ranges.js";
import { syncCandles } from "../market/sync.js";
import { planWarmup, type WarmupGroup, warmupSync } from "../market/warmup-plan.js";

export type { WarmupGroup } from "../market/warmup-plan.js";

export interface HistoryFailure {
  readonly interval: Interval;
  readonly error: string;
}

export interface AnalysisHistoryReport {
  readonly groups: readonly WarmupGroup[];
  /** Candles received from the exchange / derived from them, over all groups. */
  readonly fetched: number;
  readonly derived: number;
  readonly requests: number;
  readonly weight: number;
  /** Series the exchange refused (unknown symbol, interval it does not offer). */
  readonly failures: readonly HistoryFailure[];
  readonly aborted: boolean;
}

/** Candles asked for beyond those read. */
export function historyMargin(candles: number): number {
  return Math.ceil(candles * 0.1) + 2;
}

/**
 * The syncs that give every interval of `reads` (interval → closed candles read) its candles, with margin, as of
 * `now`, cheapest for `exchange`'s price list. `first`, when given, moves its group to the front (its failure, e.g.
 * an unknown symbol, then stops the rest before they spend anything).
 */
export function planAnalysisHistory(
  reads: ReadonlyMap<Interval, number>,
  now: number,
  exchange: Pick<Exchange, "id" | "market" | "capabilities">,
  first?: Interval,
): WarmupGroup[] {
  const lookback: Partial<Record<Interval, number>> = {};
  for (const [interval, n] of reads) lookback[interval] = n + historyMargin(n);
  const groups = [...planWarmup({ lookback, now, paging: exchange.capabilities.klines }).groups];
  if (first !== undefined) {
    const i = groups.findIndex((g) => g.download === first || g.derive.includes(first));
    if (i > 0) groups.unshift(...groups.splice(i, 1));
  }
  return groups;
}

export interface SyncAnalysisHistoryOptions {
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger | undefined;
}

/**
 * Runs the plan's syncs for `symbol` up to `now`: the first group alone (a refused symbol stops there, having cost
 * one request), then the others side by side (the exchange client's weight budget paces them). Refused series are
 * reported in `failures`, not thrown; network and rate-limit errors are thrown once every sync has stopped.
 */
export async function syncAnalysisHistory(
  exchange: Exchange,
  store: CandleStore,
  symbol: string,
  groups: readonly WarmupGroup[],
  now: number,
  opts: SyncAnalysisHistoryOptions = {},
): Promise<AnalysisHistoryReport> {
  if (groups.length === 0) throw new UsageError("Nothing to sync: the analysis reads no intervals.");
  const totals = { fetched: 0, derived: 0 };
  // Measured here, not summed from the reports: syncs side by side would each count the others' requests too.
  const before = exchange.weightUsage();
  const failures: HistoryFailure[] = [];
  let aborted = false;
  const syncOne = async (g: WarmupGroup) => {
    const { request, options } = warmupSync(g, [symbol]);
    const r = await syncCandles(
      exchange,
      store,
      // Up to the last candle closed by `now`, not `now` itself: the candle containing `now` is never stored, so
      // asking for it would make every repeated run spend a time request to find out it has nothing to fetch.
      { ...request, to: lastClosedOpenTime(g.download, now) },
      {
        ...options,
        // `now` is the caller's exchange-synced time: no time request per symbol and group.
        now,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.logger ? { logger: opts.logger } : {}),
      },
    );
    for (const s of r.series) {
      totals.fetched += s.fetched;
      totals.derived += s.derived;
      if (s.error !== undefined) failures.push({ interval: s.interval, error: s.error });
    }
    aborted ||= r.aborted;
  };
  await syncOne(groups[0]!);
  if (failures.length === 0 && !aborted) {
    const results = await Promise.allSettled(groups.slice(1).map(syncOne));
    const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (rejected) throw rejected.reason;
  }
  const after = exchange.weightUsage();
  return {
    groups,
    ...totals,
    requests: after.requests - before.requests,
    weight: after.spent - before.spent,
    failures,
    aborted,
  };
}
