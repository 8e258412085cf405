/**
 * The Binance adapter (spot `/api/v3`, USDⓈ-M futures `/fapi/v1`): public market data only, no keys.
 *
 * Everything goes through one rate-safe client per host (weight budget, retries, 429 pause, 418 latch). On first
 * use it reads the weight limit from `exchangeInfo.rateLimits` and syncs an OffsetClock from `/time`, so "now" and
 * which candle is closed come from the exchange, not from this machine's clock; the clock re-syncs every
 * `clockSyncIntervalMs`.
 *
 * An IP ban (418) is never waited out silently: it is logged at error level and every request fails with
 * IpBannedError until the ban ends, because bans last from 2 minutes to 3 days and the user must know.
 */
import type { Candle } from "../../core/candle.js";
import { type Clock, OffsetClock, systemClock } from "../../core/clock.js";
import { BadResponseError, ExchangeUnavailableError, UsageError } from "../../core/errors.js";
import { isInterval } from "../../core/interval.js";
import { type Logger, silentLogger } from "../../core/log.js";
import type {
  CandleQuery,
  CandleStreamHandlers,
  Exchange,
  ExchangeCapabilities,
  Market,
  MarketType,
  StreamKey,
  Subscription,
  Ticker24h,
  WeightUsage,
} from "../exchange.js";
import { sharedAttemptLimiter } from "../http/attempt-limiter.js";
import type { BackoffOptions } from "../http/backoff.js";
import { type Lease, leaseShared } from "../http/host-registry.js";
import { RateSafeClient } from "../http/rate-safe-client.js";
import type { Sleep } from "../../core/sleep.js";
import { WeightBudget } from "../http/weight-budget.js";
import { fetchCandlePages, validateCandleQuery } from "./candle-pages.js";
import { binanceCapabilities, cheapestKlinePage, type EndpointId, type EndpointParams, endpoint } from "./endpoints.js";
import { KlineSubscription } from "./kline-streams.js";
import { type ExchangeInfo, parseExchangeInfo, parseKlines, parseServerTime, parseTickers24h } from "./parse.js";
import { binanceResponsePolicy } from "./response-policy.js";

export interface BinanceOptions {
  market: MarketType;
  /** Default https://api.binance.com (spot) / https://fapi.binance.com (futures). */
  restUrl?: string;
  /** Default wss://stream.binance.com:9443 (spot) / wss://fstream.binance.com/market (futures). */
  wsUrl?: string;
  /** Fallback until exchangeInfo rateLimits is read (6000 spot / 2400 futures). */
  weightLimitPerMinute?: number;
  /**
   * A ceiling this program allows itself (config `exchange.rate_limit_per_minute`): the budget is the lower of it and
   * the exchange's own limit, so other programs on the same IP keep the rest.
   */
  maxWeightPerMinute?: number;
  /** Fraction of the limit never used (default 0.1). */
  safetyMargin?: number;
  /** The local clock the server offset is applied to (default: the system clock). */
  clock?: Clock;
  sleep?: Sleep;
  random?: () => number;
  logger?: Logger;
  /** Retries after 5xx, timeouts and dropped connections (default 4). */
  maxRetries?: number;
  requestTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  stream?: {
    /** Silence after which a connection counts as stale and is replaced (default 30 000 ms). */
    staleAfterMs?: number;
    reconnectBaseMs?: number;
    reconnectMaxMs?: number;
    /** Default 200 (Binance allows 1024). */
    maxStreamsPerConnection?: number;
    /** Reconnect before Binance's 24 h cut (default 23.5 h). */
    maxLifetimeMs?: number;
    handshakeTimeoutMs?: number;
  };
  /** How often the server clock offset is re-measured (default 15 min). */
  clockSyncIntervalMs?: number;
  /** How long markets from exchangeInfo are reused (default 10 min). */
  exchangeInfoTtlMs?: number;
  /**
   * How far our clock may be from the server's (default 1000 ms): a clock sync with a worse round trip does not
   * replace a better one, and requests this close to a weight-window boundary count in both windows (capped at 10 s).
   */
  clockToleranceMs?: number;
}

export const BINANCE_DEFAULTS = {
  restUrl: { spot: "https://api.binance.com", futures: "https://fapi.binance.com" },
  wsUrl: { spot: "wss://stream.binance.com:9443", futures: "wss://fstream.binance.com/market" },
  weightLimitPerMinute: { spot: 6000, futures: 2400 },
} as const;

/** Longest stretch at each end of a weight window during which a request counts against both neighbours. */
const MAX_WINDOW_GUARD_MS = 10_000;

/** Binance: 300 WebSocket connection attempts per 5 minutes per IP; we stay well under. */
const WS_ATTEMPTS = { max: 250, windowMs: 5 * 60_000 };

export class BinanceExchange implements Exchange {
  readonly id = "binance" as const;
  readonly market: MarketType;
  readonly capabilities: ExchangeCapabilities;
  /** The exchange's time as measured by /time: use it, not Date.now(), for "now". */
  readonly clock: OffsetClock;
  readonly #label: string;
  readonly #logger: Logger;
  readonly #local: Clock;
  readonly #host: Lease<{ clock: OffsetClock; budget: WeightBudget }>;
  readonly #http: RateSafeClient;
  readonly #subscriptions = new Set<KlineSubscription>();
  readonly #opts: BinanceOptions;
  #syncedAt: number | undefined;
  #clockUncertainty = 0;
  readonly #tolerance: number;
  #syncing: Promise<void> | undefined;
  #info: { info: ExchangeInfo; at: number } | undefined;
  #infoLoading: Promise<ExchangeInfo> | undefined;
  #limitsRead = false;
  #closed = false;

  constructor(opts: BinanceOptions) {
    if (opts.market !== "spot" && opts.market !== "futures") {
      throw new UsageError(`Binance market must be "spot" or "futures", got ${JSON.stringify(opts.market)}`);
    }
    this.#opts = opts;
    this.market = opts.market;
    this.capabilities = binanceCapabilities(opts.market);
    this.#label = `Binance ${opts.market}`;
    this.#logger = opts.logger ?? silentLogger;
    this.#local = opts.clock ?? systemClock;
    this.#tolerance = opts.clockToleranceMs ?? 1000;
    const local = this.#local;
    const restUrl = (opts.restUrl ?? BINANCE_DEFAULTS.restUrl[opts.market]).replace(/\/+$/, "");
    this.#host = leaseShared(
      `binance|${opts.market}|${restUrl}`,
      () => {
        const clock = new OffsetClock(() => local.now());
        const budget = new WeightBudget({
          limit: this.#capped(opts.weightLimitPerMinute ?? BINANCE_DEFAULTS.weightLimitPerMinute[opts.market]),
          ...(opts.safetyMargin !== undefined ? { safetyMargin: opts.safetyMargin } : {}),
          // The window guard is capped: a huge tolerance (accept any clock sync) must not freeze the budget.
          clockToleranceMs: Math.min(this.#tolerance, MAX_WINDOW_GUARD_MS),
          clock,
          ...(opts.sleep ? { sleep: opts.sleep } : {}),
          logger: this.#logger,
          name: this.#label,
        });
        return { clock, budget };
      },
      (h) => h.budget.close(),
    );
    this.clock = this.#host.value.clock;
    this.#http = new RateSafeClient({
      baseUrl: restUrl,
      exchange: "binance",
      exchangeName: "Binance",
      label: this.#label,
      budget: this.#host.value.budget,
      policy: binanceResponsePolicy(opts.market),
      clock: this.clock,
      logger: this.#logger,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.random ? { random: opts.random } : {}),
      ...(opts.maxRetries !== undefined ? { maxRetries: opts.maxRetries } : {}),
      ...(opts.requestTimeoutMs !== undefined ? { requestTimeoutMs: opts.requestTimeoutMs } : {}),
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    });
  }

  /** The weight budget shared by every Binance adapter for this host in this process. */
  get budget(): WeightBudget {
    return this.#host.value.budget;
  }

  async serverTime(): Promise<number> {
    this.#assertOpen();
    const before = this.clock.offsetMs;
    const r = await this.#get("time", {}, parseServerTime);
    const uncertainty = (r.receivedAt - r.sentAt) / 2;
    // A slow round trip measures the offset badly; keep a good earlier measurement rather than replace it.
    if (this.#syncedAt === undefined || uncertainty <= this.#tolerance) {
      this.clock.sync(r.value, r.sentAt - before, r.receivedAt - before);
      this.#clockUncertainty = uncertainty;
      if (uncertainty > this.#tolerance) {
        this.#logger.log("warn", `${this.#label}: slow clock sync; which candles are closed may be off`, {
          roundTripMs: r.receivedAt - r.sentAt,
        });
      }
    } else {
      this.#logger.log("debug", `${this.#label}: clock sync skipped (slow round trip)`, {
        roundTripMs: r.receivedAt - r.sentAt,
      });
    }
    this.#syncedAt = this.#local.now();
    return r.value;
  }

  async markets(): Promise<Market[]> {
    await this.#prepare();
    const ttl = this.#opts.exchangeInfoTtlMs ?? 10 * 60_000;
    if (this.#info && this.clock.now() - this.#info.at < ttl) return [...this.#info.info.markets];
    return [...(await this.#loadExchangeInfo()).markets];
  }

  async candles(query: CandleQuery): Promise<Candle[]> {
    validateCandleQuery(query);
    if (!isInterval(query.interval)) {
      throw new UsageError(`candles: unsupported interval ${JSON.stringify(query.interval)}`);
    }
    await this.#prepare();
    const symbol = query.symbol.trim().toUpperCase();
    const { interval } = query;
    return fetchCandlePages(
      { ...query, symbol },
      {
        pageSize: cheapestKlinePage(this.market),
        serverNow: this.clock.now(),
        describe: `${this.#label} klines ${symbol} ${interval}`,
        fetchPage: async (p) => {
          const params = { symbol, interval, startTime: p.startTime, endTime: p.endTime, limit: p.limit };
          const r = await this.#get("klines", params, (body, meta) =>
            parseKlines(body, interval, meta.sentAt - this.#clockUncertainty),
          );
          return r.value;
        },
      },
    );
  }

  async tickers24h(): Promise<Ticker24h[]> {
    await this.#prepare();
    return (await this.#get("ticker24h", {}, parseTickers24h)).value;
  }

  subscribeCandles(keys: readonly StreamKey[], handlers: CandleStreamHandlers): Subscription {
    this.#assertOpen();
    for (const k of keys) {
      if (!isInterval(k.interval) || (this.market === "futures" && k.interval === "1s")) {
        throw new UsageError(`subscribeCandles: interval ${k.interval} is not streamed by Binance ${this.market}`);
      }
    }
    const o = this.#opts;
    const st = o.stream ?? {};
    const wsUrl = o.wsUrl ?? BINANCE_DEFAULTS.wsUrl[this.market];
    let host: string;
    try {
      host = new URL(wsUrl).host;
    } catch {
      throw new UsageError(`Binance ${this.market} wsUrl ${JSON.stringify(wsUrl)} is not a URL`, {
        hint: "It looks like wss://stream.binance.com:9443 (spot) or wss://fstream.binance.com/market (futures).",
      });
    }
    // "Now" for the streams (which candle is due, what to back-fill) should be the exchange's: sync early.
    if (this.#syncedAt === undefined) {
      this.#prepare().catch((err: unknown) =>
        this.#logger.log("warn", `${this.#label}: could not sync with the exchange yet`, {
          error: (err as Error).message,
        }),
      );
    }
    const sub: KlineSubscription = new KlineSubscription(
      keys,
      handlers,
      {
        market: this.market,
        wsUrl,
        clock: this.clock,
        logger: this.#logger,
        random: o.random ?? Math.random,
        staleAfterMs: st.staleAfterMs ?? 30_000,
        reconnectBaseMs: st.reconnectBaseMs ?? 1000,
        reconnectMaxMs: st.reconnectMaxMs ?? 60_000,
        maxStreamsPerConnection: st.maxStreamsPerConnection ?? 200,
        maxLifetimeMs: st.maxLifetimeMs ?? 23.5 * 3_600_000,
        handshakeTimeoutMs: st.handshakeTimeoutMs ?? 10_000,
        backfillConcurrency: 4,
        attempts: sharedAttemptLimiter(host, WS_ATTEMPTS.max, WS_ATTEMPTS.windowMs),
        backfill: (key, startTime) => this.candles({ symbol: key.symbol, interval: key.interval, startTime }),
      },
      () => this.#subscriptions.delete(sub),
    );
    this.#subscriptions.add(sub);
    return sub;
  }

  weightUsage(): WeightUsage {
    return this.#host.value.budget.usage();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subscriptions].map((s) => s.close()));
    this.#http.close();
    this.#host.release();
  }

  // ---------- internals ----------

  #assertOpen(): void {
    if (this.#closed) throw new UsageError(`${this.#label} adapter is closed`);
  }

  #get<T>(id: EndpointId, params: EndpointParams, parse: (body: unknown, meta: { sentAt: number }) => T) {
    const ep = endpoint(this.market, id);
    return this.#http.get({
      path: ep.path,
      query: params,
      weight: ep.weight(params),
      parse,
    });
  }

  /** First use: sync the clock and read the weight limit. Later: re-sync the clock when it is due. */
  async #prepare(): Promise<void> {
    this.#assertOpen();
    const every = this.#opts.clockSyncIntervalMs ?? 15 * 60_000;
    if (this.#syncedAt === undefined || this.#local.now() - this.#syncedAt >= every) {
      this.#syncing ??= this.serverTime().then(
        () => {
          this.#syncing = undefined;
        },
        (err: unknown) => {
          this.#syncing = undefined;
          throw err;
        },
      );
      await this.#syncing;
    }
    if (!this.#limitsRead) {
      try {
        await this.#loadExchangeInfo();
      } catch (err) {
        // The fallback limit is Binance's documented one: go on with it, and read the real one next time.
        if (!(err instanceof ExchangeUnavailableError || err instanceof BadResponseError)) throw err;
        this.#logger.log(
          "warn",
          `${this.#label}: could not read the weight limit from exchangeInfo; using the default`,
          {
            limit: this.#host.value.budget.limit,
            error: err.message,
          },
        );
      }
    }
  }

  #capped(limit: number): number {
    const cap = this.#opts.maxWeightPerMinute;
    return cap === undefined ? limit : Math.min(limit, cap);
  }

  #loadExchangeInfo(): Promise<ExchangeInfo> {
    this.#infoLoading ??= this.#get("exchangeInfo", {}, (body) => parseExchangeInfo(body, this.market))
      .then((r) => {
        const info = r.value;
        this.#info = { info, at: this.clock.now() };
        this.#limitsRead = true;
        const limit = info.weightLimitPerMinute === undefined ? undefined : this.#capped(info.weightLimitPerMinute);
        if (limit !== undefined && limit !== this.#host.value.budget.limit) {
          this.#logger.log("info", `${this.#label}: request-weight limit from exchangeInfo`, {
            exchange: info.weightLimitPerMinute,
            used: limit,
            was: this.#host.value.budget.limit,
          });
          this.#host.value.budget.setLimit(limit);
        }
        return info;
      })
      .finally(() => {
        this.#infoLoading = undefined;
      });
    return this.#infoLoading;
  }
}
