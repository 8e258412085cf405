/**
 * Keeps the candle store current for the watched symbols, spending as little request weight as possible:
 * 1. warm-up: per symbol, the history the analysis reads (only what is missing; coarse intervals derived from finer
 *    ones at no weight — the same plan as `cma analyze`), a few symbols at a time, paced by the weight budget;
 * 2. streams: WebSocket klines for the downloaded intervals (no request weight); closed candles go to the store,
 *    forming ones to the market view (the live price);
 * 3. catch-up before every analysis: the same sync again, which finds nothing to fetch when the streams delivered
 *    everything, derives the coarse candles that just closed, and fetches over REST what a stream missed.
 * A symbol whose sync fails is reported and skipped for that cycle; the others go on.
 */
import type { Interval } from "../../core/interval.js";
import type { Logger } from "../../core/log.js";
import type { Exchange, StreamStatus, Subscription } from "../../exchange/exchange.js";
import type { CandleStore } from "../../market/candle-store.js";
import type { StoreMarketView } from "../../market/market-view.js";
import { lastClosedOpenTime } from "../../market/ranges.js";
import { planAnalysisHistory, syncAnalysisHistory, type WarmupGroup } from "../analysis-history.js";
import { messageOf } from "./agent-status.js";

const RETRY_FAILED_AFTER_MS = 60 * 60_000;

export interface FeedFailure {
  readonly symbol: string;
  readonly error: string;
}

export interface FeedPass {
  readonly requests: number;
  readonly weight: number;
  readonly fetched: number;
  readonly derived: number;
  readonly failures: readonly FeedFailure[];
}

export interface MarketFeedOptions {
  readonly exchange: Exchange;
  readonly store: CandleStore;
  readonly view: StoreMarketView;
  /** Interval → closed candles the analysis reads (symbolAnalysisReads). */
  readonly reads: ReadonlyMap<Interval, number>;
  readonly baseInterval: Interval;
  /** Symbols synced side by side (the weight budget paces them anyway). Default 4. */
  readonly concurrency?: number;
  readonly logger?: Logger | undefined;
  readonly onStatus?: ((status: StreamStatus) => void) | undefined;
}

export class MarketFeed {
  readonly #o: MarketFeedOptions;
  #groups: readonly WarmupGroup[] | undefined;
  #sub: Subscription | undefined;
  /** Per stream key, the open time of the latest closed candle received. */
  readonly #latest = new Map<string, number>();
  /** Symbols whose last sync failed: not asked again before the time stored here (with the error to report). */
  readonly #resting = new Map<string, { until: number; error: string }>();
  #closedCandles = 0;

  constructor(o: MarketFeedOptions) {
    this.#o = o;
  }

  /** The intervals downloaded from the exchange (the rest is derived from them). */
  downloadIntervals(now: number): Interval[] {
    return [...new Set(this.#plan(now).map((g) => g.download))];
  }

  #plan(now: number): readonly WarmupGroup[] {
    this.#groups ??= planAnalysisHistory(this.#o.reads, now, this.#o.exchange, this.#o.baseInterval);
    return this.#groups;
  }

  /** Syncs every symbol up to `now` (warm-up and catch-up are the same operation: only what is missing). */
  async sync(symbols: readonly string[], now: number, signal?: AbortSignal): Promise<FeedPass> {
    const groups = this.#plan(now);
    const totals = { requests: 0, weight: 0, fetched: 0, derived: 0 };
    const failures: FeedFailure[] = [];
    const before = this.#o.exchange.weightUsage();
    await mapLimit(symbols, this.#o.concurrency ?? 4, async (symbol) => {
      if (signal?.aborted) return;
      const rest = this.#resting.get(symbol);
      if (rest && now < rest.until) {
        failures.push({ symbol, error: rest.error });
        return;
      }
      this.#resting.delete(symbol);
      const fail = (error: string) => {
        failures.push({ symbol, error });
        // A refused or broken symbol is asked again in an hour, not on every candle: each try costs weight.
        this.#resting.set(symbol, { until: now + RETRY_FAILED_AFTER_MS, error });
      };
      try {
        const r = await syncAnalysisHistory(this.#o.exchange, this.#o.store, symbol, groups, now, {
          signal,
          logger: this.#o.logger,
        });
        totals.fetched += r.fetched;
        totals.derived += r.derived;
        const f = r.failures[0];
        if (f && r.fetched + r.derived === 0 && !this.#hasCandles(symbol)) fail(`${f.interval}: ${f.error}`);
        else if (f) failures.push({ symbol, error: `${f.interval}: ${f.error}` });
      } catch (e) {
        if (signal?.aborted) return;
        // A symbol with history keeps being caught up every cycle (the error may be a passing network fault); one
        // that never had any (unknown, delisted, refused) rests for an hour.
        if (this.#hasCandles(symbol)) failures.push({ symbol, error: messageOf(e) });
        else fail(messageOf(e));
      }
    });
    const after = this.#o.exchange.weightUsage();
    totals.requests = after.requests - before.requests;
    totals.weight = after.spent - before.spent;
    // The sync may have added series (a first download, a derived interval): the view must see them.
    this.#o.view.reader.refresh();
    for (const symbol of symbols) {
      for (const interval of this.downloadIntervals(now)) {
        const k = `${symbol}|${interval}`;
        const last = this.#o.store.latest(
          { exchange: this.#o.exchange.id, market: this.#o.exchange.market, symbol, interval },
          1,
        )[0];
        if (last) this.#latest.set(k, Math.max(this.#latest.get(k) ?? 0, last.openTime));
      }
    }
    return { ...totals, failures };
  }

  /**
   * Starts the kline streams for the downloaded intervals of `symbols`. Asks the exchange's time first: the stream
   * client counts candles as delivered from the exchange's "now", which a sync may not have measured yet.
   */
  async startStreams(symbols: readonly string[], now: number): Promise<void> {
    if (this.#sub) return;
    const { exchange, store, view } = this.#o;
    await exchange.serverTime();
    if (this.#sub) return;
    const keys = symbols.flatMap((symbol) => this.downloadIntervals(now).map((interval) => ({ symbol, interval })));
    this.#sub = exchange.subscribeCandles(keys, {
      onCandle: (key, candle) => {
        if (!candle.closed) {
          view.updateForming(key.symbol, key.interval, candle);
          return;
        }
        try {
          store.upsert({ exchange: exchange.id, market: exchange.market, ...key }, [candle]);
          this.#closedCandles++;
          const k = `${key.symbol}|${key.interval}`;
          this.#latest.set(k, Math.max(this.#latest.get(k) ?? 0, candle.openTime));
        } catch (e) {
          this.#o.logger?.log("warn", "a streamed candle was not stored", {
            symbol: key.symbol,
            interval: key.interval,
            error: messageOf(e),
          });
        }
      },
      onStatus: (s) => this.#o.onStatus?.(s),
    });
  }

  #hasCandles(symbol: string): boolean {
    return this.#o.view.reader.stored(symbol).length > 0;
  }

  get streaming(): boolean {
    return this.#sub !== undefined;
  }

  get closedCandlesStreamed(): number {
    return this.#closedCandles;
  }

  /**
   * True when every stream has delivered the last candle closed by `now` (replays drive the clock and wait for this
   * before analysing, so the analysis sees streamed candles instead of fetching them). Series the exchange has no
   * candles for (a symbol listed later, an interval the recorded data lacks) are not waited for.
   */
  caughtUp(symbols: readonly string[], now: number): boolean {
    for (const interval of this.downloadIntervals(now)) {
      const want = lastClosedOpenTime(interval, now);
      for (const symbol of symbols) {
        const have = this.#latest.get(`${symbol}|${interval}`);
        if (have !== undefined && have < want) return false;
      }
    }
    return true;
  }

  async close(): Promise<void> {
    const sub = this.#sub;
    this.#sub = undefined;
    await sub?.close();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, in order of start. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
