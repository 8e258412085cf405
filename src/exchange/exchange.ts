/**
 * The one interface every exchange adapter implements, live (REST + WebSocket) or replayed (from the candle store
 * under a simulated clock). Agents, backtests, the demo and the tests cannot tell them apart.
 * Public market data only: no API keys.
 */
import type { Candle } from "../core/candle.js";
import type { Clock } from "../core/clock.js";
import type { Interval } from "../core/interval.js";
import type { EpochMs, Price, Quantity, QuoteAmount, SymbolName } from "../core/units.js";

export type ExchangeId = "binance" | "bybit" | "coinbase";
export type MarketType = "spot" | "futures";

export interface Market {
  readonly symbol: SymbolName;
  readonly baseAsset: string;
  readonly quoteAsset: string;
  /** Exchange status as sent, e.g. TRADING. */
  readonly status: string;
  readonly type: MarketType;
  /** Futures only, e.g. PERPETUAL. */
  readonly contractType?: string;
  readonly tickSize: Price;
  readonly stepSize: Quantity;
  readonly minQty: Quantity;
  /** Minimum order value in quote asset (NOTIONAL/MIN_NOTIONAL filter); 0 when absent. */
  readonly minNotional: QuoteAmount;
  /** Listing time where the exchange says it (futures `onboardDate`). */
  readonly listedAt?: EpochMs;
}

export interface Ticker24h {
  readonly symbol: SymbolName;
  readonly lastPrice: Price;
  readonly priceChangePercent: number;
  readonly openPrice: Price;
  readonly highPrice: Price;
  readonly lowPrice: Price;
  /** Base-asset volume over the rolling 24 h. */
  readonly volume: Quantity;
  /** Quote-asset volume over the rolling 24 h: the liquidity measure. */
  readonly quoteVolume: QuoteAmount;
  readonly openTime: EpochMs;
  readonly closeTime: EpochMs;
  readonly trades: number;
}

export interface CandleQuery {
  readonly symbol: SymbolName;
  readonly interval: Interval;
  /** Inclusive: the first candle's open time is at or after this. */
  readonly startTime?: EpochMs;
  /** Inclusive on open time, like Binance: a candle opening at or before this is included. */
  readonly endTime?: EpochMs;
  /**
   * Maximum number of candles. Without startTime: the most recent `limit` candles (up to endTime or now).
   * Adapters page past the exchange's per-request maximum themselves.
   */
  readonly limit?: number;
}

export interface StreamKey {
  readonly symbol: SymbolName;
  readonly interval: Interval;
}

export type StreamStatus =
  | { readonly kind: "connected"; readonly streams: number; readonly connection: number }
  | { readonly kind: "disconnected"; readonly reason: string; readonly connection: number; readonly retryInMs: number }
  | { readonly kind: "stale"; readonly connection: number; readonly silentForMs: number }
  | { readonly kind: "backfilled"; readonly key: StreamKey; readonly candles: number }
  | { readonly kind: "error"; readonly message: string };

export interface CandleStreamHandlers {
  /** Every update of a candle; `candle.closed` is true for its final update. Back-filled candles arrive closed. */
  onCandle(key: StreamKey, candle: Candle): void;
  onStatus?(status: StreamStatus): void;
}

export interface Subscription {
  close(): Promise<void>;
}

export interface WeightUsage {
  /** Weight used in the current window as the client counts it (corrected by the server's headers). */
  readonly used: number;
  readonly limit: number;
  /** Total weight spent by this client since it started. */
  readonly spent: number;
  readonly requests: number;
}

/**
 * How an exchange pages klines, declared by its adapter so that market data (sync plans, cold-start planning) asks
 * instead of naming an exchange.
 */
export interface KlinePaging {
  /** The largest `limit` one kline request accepts. */
  readonly maxLimit: number;
  /** The page size with the most candles per unit of weight (ties: the larger page, fewer round trips). */
  readonly bestPageSize: number;
  /** The documented request weight of one kline request returning up to `limit` rows. */
  weight(limit: number): number;
}

/** What an exchange declares about itself; what future adapters (Bybit, Coinbase) fill in for theirs. */
export interface ExchangeCapabilities {
  readonly klines: KlinePaging;
}

export interface Exchange {
  readonly id: ExchangeId;
  readonly market: MarketType;
  readonly capabilities: ExchangeCapabilities;
  /**
   * The exchange's time as this client knows it (the adapter's clock, corrected by its time measurements; in a
   * replay, the simulated clock). A live run schedules on it and the adapter's rate-limit windows live on it.
   */
  readonly clock: Clock;
  /** Tradeable USDT-quoted markets (perpetuals on futures), with their filters. */
  markets(): Promise<Market[]>;
  /** The exchange's time in epoch ms: it, not the local clock, decides which candles are closed. */
  serverTime(): Promise<EpochMs>;
  /** Candles oldest first; the still-forming last candle, if included, has `closed: false`. */
  candles(query: CandleQuery): Promise<Candle[]>;
  tickers24h(): Promise<Ticker24h[]>;
  subscribeCandles(keys: readonly StreamKey[], handlers: CandleStreamHandlers): Subscription;
  weightUsage(): WeightUsage;
  close(): Promise<void>;
}
