/**
 * Brings the candle store up to date for a set of symbols and intervals, spending as little request weight as
 * possible: only what the store does not already hold is fetched, coarse intervals are derived from finer downloaded
 * ones (zero weight), and pages are sized for the most candles per unit of weight. Every page is stored, together
 * with the range it proves complete, in one transaction as it arrives, so an interrupted sync resumes where it
 * stopped. The exchange's server time decides which candles are closed; a forming candle is never stored.
 */
import type { Candle } from "../core/candle.js";
import { InvalidIntervalError, UnknownSymbolError, UsageError } from "../core/errors.js";
import { alignDown, countCandles, type Interval, nextOpenTime } from "../core/interval.js";
import { type Logger, silentLogger } from "../core/log.js";
import type { Exchange } from "../exchange/exchange.js";
import type { CandleStore } from "./candle-store.js";
import { deriveStored } from "./derive.js";
import type { Gap } from "./gaps.js";
import { lastClosedOpenTime, type OpenTimeRange, subtractRanges } from "./ranges.js";
import type { SeriesKey } from "./series.js";
import { planSync, type SyncPlan, type SyncPlanOptions } from "./sync-plan.js";

export interface SyncRequest {
  readonly symbols: readonly string[];
  readonly intervals: readonly Interval[];
  /** Start instant (epoch ms): the candle containing it is the first one wanted. */
  readonly from: number;
  /** End instant; default the exchange's current time. Only candles closed by then are stored. */
  readonly to?: number;
}

export interface SyncProgress {
  readonly phase: "download" | "derive" | "done";
  /** Candle slots settled so far / in total (slots the exchange turns out to have no candle for count as settled). */
  readonly done: number;
  readonly total: number;
  readonly requests: number;
  /** Request weight spent so far, as the exchange client counts it. */
  readonly weight: number;
  readonly symbol?: string;
  readonly interval?: Interval;
}

export interface SyncOptions extends SyncPlanOptions {
  /** Kline requests in flight at once (default 4). The exchange client's weight budget still paces them. */
  readonly concurrency?: number;
  /** Rows per kline request; default the cheapest per candle (spot 1000, futures 499). */
  readonly pageSize?: number;
  readonly onProgress?: (p: SyncProgress) => void;
  /** Stops after the pages in flight are stored; the report then has `aborted: true`. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /**
   * The exchange's time as the caller's exchange-synced clock gives it. Given, the sync asks the exchange for none:
   * a cold start of hundreds of symbols syncs its clock once, not once per symbol and interval group (on Binance a
   * quarter of a cold start's requests were /time). Absent, the sync asks once if it has anything to fetch.
   */
  readonly now?: number;
}

export interface SeriesSyncReport {
  readonly symbol: string;
  readonly interval: Interval;
  /** Set for a derived interval: the interval it was aggregated from. */
  readonly derivedFrom?: Interval;
  /** Candles received from the exchange and stored (new or changed). */
  fetched: number;
  /** Candles aggregated and stored (new or changed). */
  derived: number;
  /** Candles of the requested period the store held before this sync. */
  alreadyPresent: number;
  /** Kline requests sent for this series. */
  requests: number;
  /** Their weight by the exchange's published prices (the report's total is measured). */
  weight: number;
  /** Holes and halts in the stored series within the requested period after the sync. */
  gaps: Gap[];
  /** The error that stopped this series (unknown symbol, unsupported interval); the others went on. */
  error?: string;
}

export interface SyncReport {
  readonly from: number;
  /** The end of the period: as requested, else the exchange's time at the start. */
  readonly to: number;
  /** The exchange's time when the sync started; undefined when nothing had to be asked. */
  readonly serverTime: number | undefined;
  readonly plan: SyncPlan;
  readonly series: SeriesSyncReport[];
  /** Requests and weight actually spent, from the exchange client's counters (includes the time request). */
  readonly requests: number;
  readonly weight: number;
  readonly aborted: boolean;
}

interface Task {
  readonly series: SeriesState;
  readonly from: number;
  readonly to: number;
}

interface SeriesState {
  readonly key: SeriesKey;
  readonly report: SeriesSyncReport;
  target: OpenTimeRange;
  failed: boolean;
}

const SYMBOL_RE = /^[A-Z0-9][A-Z0-9_\-.]{0,49}$/;

export async function syncCandles(
  exchange: Exchange,
  store: CandleStore,
  req: SyncRequest,
  opts: SyncOptions = {},
): Promise<SyncReport> {
  const log = opts.logger ?? silentLogger;
  validate(req);
  const concurrency = opts.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new UsageError(`concurrency must be a whole number >= 1, got ${concurrency}.`);
  }
  const paging = exchange.capabilities.klines;
  const maxLimit = paging.maxLimit;
  const pageSize = opts.pageSize ?? paging.bestPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > maxLimit) {
    throw new UsageError(
      `pageSize must be a whole number from 1 to ${maxLimit} on ${exchange.id} ${exchange.market}, got ${pageSize}.`,
    );
  }
  const plan = planSync(req.intervals, opts);
  const symbols = [...new Set(req.symbols)];
  const base = { exchange: exchange.id, market: exchange.market };
  const startUsage = exchange.weightUsage();
  const usage = () => {
    const u = exchange.weightUsage();
    return { requests: u.requests - startUsage.requests, weight: u.spent - startUsage.spent };
  };

  const downloads: SeriesState[] = [];
  for (const symbol of symbols) {
    for (const interval of plan.download) {
      const key: SeriesKey = { ...base, symbol, interval };
      downloads.push({
        key,
        report: newReport(symbol, interval),
        target: targetRange(interval, req.from, req.to),
        failed: false,
      });
    }
  }
  const derivations: { state: SeriesState; from: Interval }[] = [];
  for (const symbol of symbols) {
    for (const d of plan.derive) {
      const key: SeriesKey = { ...base, symbol, interval: d.interval };
      const report = { ...newReport(symbol, d.interval), derivedFrom: d.from };
      derivations.push({
        state: { key, report, target: targetRange(d.interval, req.from, req.to), failed: false },
        from: d.from,
      });
    }
  }

  // Ask for the time only if something may have to be fetched: a repeated sync of a past period costs nothing.
  let serverTime: number | undefined;
  const needsFetch = downloads.some((s) => missingOf(store, s).length > 0);
  if (needsFetch && !opts.signal?.aborted) {
    serverTime = opts.now ?? (await exchange.serverTime());
    for (const s of [...downloads, ...derivations.map((d) => d.state)]) {
      s.target = { from: s.target.from, to: Math.min(s.target.to, lastClosedOpenTime(s.key.interval, serverTime)) };
    }
  }
  for (const s of [...downloads, ...derivations.map((d) => d.state)]) {
    s.report.alreadyPresent = s.target.to >= s.target.from ? store.count(s.key, s.target.from, s.target.to) : 0;
  }

  // ---- download ----
  const queue: Task[] = [];
  let total = 0;
  if (serverTime !== undefined) {
    for (const s of downloads) {
      for (const m of missingOf(store, s)) {
        queue.push({ series: s, from: m.from, to: m.to });
        total += countCandles(s.key.interval, m.from, nextOpenTime(s.key.interval, m.to));
      }
    }
  }
  let done = 0;
  const progress = (phase: SyncProgress["phase"], s?: SeriesState) => {
    if (!opts.onProgress) return;
    const u = usage();
    opts.onProgress({
      phase,
      done,
      total,
      requests: u.requests,
      weight: u.weight,
      ...(s ? { symbol: s.key.symbol, interval: s.key.interval } : {}),
    });
  };
  log.log("info", "sync: planned", {
    symbols: symbols.length,
    download: plan.download.join(","),
    derive: plan.derive.map((d) => `${d.interval}<-${d.from}`).join(","),
    pages: queue.length,
    candles: total,
  });

  const fetchPage = async (t: Task): Promise<void> => {
    const s = t.series;
    const { interval, symbol } = s.key;
    // A short last page asks for no more rows than can exist, which is cheaper on futures (weight by limit).
    const limit = Math.min(pageSize, countCandles(interval, t.from, nextOpenTime(interval, t.to)));
    let rows: Candle[];
    try {
      rows = await exchange.candles({ symbol, interval, startTime: t.from, endTime: t.to, limit });
    } finally {
      s.report.requests++;
      s.report.weight += exchange.capabilities.klines.weight(limit);
    }
    const now = serverTime as number;
    const closed = rows.filter((c) => c.closed && c.closeTime < now && c.openTime >= t.from && c.openTime <= t.to);
    // A full page may have stopped before t.to: it proves completeness only up to its last candle.
    const full = rows.length >= limit && closed.length > 0;
    const lastOpen = full ? (closed[closed.length - 1] as Candle).openTime : t.to;
    const covered = { from: t.from, to: lastOpen };
    s.report.fetched += store.upsert(s.key, closed, { coverage: covered });
    done += countCandles(interval, covered.from, nextOpenTime(interval, covered.to));
    if (full && lastOpen < t.to) {
      // The rest of this range is now known to be dense, so it can be cut into exact pages fetched in parallel.
      for (let start = nextOpenTime(interval, lastOpen); start <= t.to; ) {
        let end = start;
        for (let i = 1; i < pageSize && end < t.to; i++) end = nextOpenTime(interval, end);
        queue.push({ series: s, from: start, to: Math.min(end, t.to) });
        start = nextOpenTime(interval, end);
      }
    }
    log.log("debug", "sync: page", { symbol, interval, from: t.from, to: covered.to, rows: closed.length });
    progress("download", s);
  };

  let fatal: unknown;
  let inFlight = 0;
  let waiting: (() => void)[] = [];
  const wakeAll = () => {
    const w = waiting;
    waiting = [];
    for (const f of w) f();
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      if (fatal !== undefined || opts.signal?.aborted) return;
      const t = queue.shift();
      if (!t) {
        if (inFlight === 0) return;
        // Pages in flight may queue more pages (the rest of a range); wait for one to finish.
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      if (t.series.failed) continue;
      inFlight++;
      try {
        await fetchPage(t);
      } catch (e) {
        if (e instanceof UnknownSymbolError || e instanceof InvalidIntervalError) {
          t.series.failed = true;
          t.series.report.error = e.message;
          log.log("warn", "sync: series skipped", {
            symbol: t.series.key.symbol,
            interval: t.series.key.interval,
            error: e.message,
          });
        } else if (fatal === undefined) {
          fatal = e;
        }
      } finally {
        inFlight--;
        wakeAll();
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  if (fatal !== undefined) {
    log.log("warn", "sync: stopped by an error; pages already stored are kept and the next sync resumes", {
      error: fatal instanceof Error ? fatal.message : String(fatal),
    });
    throw fatal;
  }
  const aborted = Boolean(opts.signal?.aborted) && (queue.length > 0 || (needsFetch && serverTime === undefined));

  // ---- derive ----
  if (!aborted) {
    for (const d of derivations) {
      const s = d.state;
      if (s.target.to < s.target.from) continue;
      const source = downloads.find((x) => x.key.symbol === s.key.symbol && x.key.interval === d.from);
      const sourceState =
        source ??
        derivations.find((x) => x.state.key.symbol === s.key.symbol && x.state.key.interval === d.from)?.state;
      if (sourceState?.failed) {
        s.failed = true;
        s.report.error = `not derived: ${d.from} could not be fetched`;
        continue;
      }
      const r = deriveStored(store, { ...base, symbol: s.key.symbol }, d.from, s.key.interval, s.target);
      s.report.derived += r.derived;
      progress("derive", s);
    }
  }

  const all = [...downloads, ...derivations.map((d) => d.state)];
  for (const s of all) {
    if (s.target.to >= s.target.from) s.report.gaps = store.gaps(s.key, s.target.from, s.target.to);
  }
  progress("done");
  const u = usage();
  log.log("info", "sync: done", {
    fetched: all.reduce((n, s) => n + s.report.fetched, 0),
    derived: all.reduce((n, s) => n + s.report.derived, 0),
    requests: u.requests,
    weight: u.weight,
    aborted,
  });
  return {
    from: req.from,
    to: req.to ?? serverTime ?? req.from,
    serverTime,
    plan,
    series: all.map((s) => s.report),
    requests: u.requests,
    weight: u.weight,
    aborted,
  };
}

function newReport(symbol: string, interval: Interval): SeriesSyncReport {
  return { symbol, interval, fetched: 0, derived: 0, alreadyPresent: 0, requests: 0, weight: 0, gaps: [] };
}

/** Open times of the candles wanted: the candle containing `from` up to the one containing `to`. */
function targetRange(interval: Interval, from: number, to: number | undefined): OpenTimeRange {
  return { from: alignDown(interval, from), to: to === undefined ? Number.MAX_SAFE_INTEGER : alignDown(interval, to) };
}

function missingOf(store: CandleStore, s: SeriesState): OpenTimeRange[] {
  if (s.target.to < s.target.from) return [];
  return subtractRanges(s.target, store.completeRanges(s.key, s.target.from, s.target.to), s.key.interval);
}

function validate(req: SyncRequest): void {
  if (req.symbols.length === 0) throw new UsageError("Nothing to sync: no symbols given.");
  if (req.intervals.length === 0) throw new UsageError("Nothing to sync: no intervals given.");
  for (const s of req.symbols) {
    if (!SYMBOL_RE.test(s)) {
      throw new UsageError(`Invalid symbol "${s}": Binance symbols are upper-case letters and digits, like BTCUSDT.`);
    }
  }
  if (!Number.isFinite(req.from) || req.from < 0)
    throw new UsageError(`Invalid sync start ${req.from}: expected epoch milliseconds.`);
  if (req.to !== undefined && (!Number.isFinite(req.to) || req.to < req.from)) {
    throw new UsageError(`Invalid sync end ${req.to}: expected epoch milliseconds at or after the start.`);
  }
}
