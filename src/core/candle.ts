/**
 * A candle (kline) as the whole system sees it: numbers, never strings, never NaN, each typed with its unit
 * (units.ts). Times are epoch milliseconds UTC. `closeTime` is `openTime + duration - 1`, as on Binance.
 */
import type { EpochMs, Price, Quantity, QuoteAmount } from "./units.js";

export interface Candle {
  readonly openTime: EpochMs;
  readonly closeTime: EpochMs;
  readonly open: Price;
  readonly high: Price;
  readonly low: Price;
  readonly close: Price;
  /** Base-asset volume. */
  readonly volume: Quantity;
  /** Quote-asset volume; 0 where the source did not record it. */
  readonly quoteVolume: QuoteAmount;
  /** Number of trades; 0 where the source did not record it. */
  readonly trades: number;
  /** Taker buy base-asset volume; 0 where the source did not record it. */
  readonly takerBuyBase: Quantity;
  /** Taker buy quote-asset volume; 0 where the source did not record it. */
  readonly takerBuyQuote: QuoteAmount;
  /**
   * False for the still-forming last candle (its close time is at or after the exchange's "now").
   * Analysis never treats an unclosed candle as final.
   */
  readonly closed: boolean;
}

/** The numeric fields of a Candle, in the order a Candle is built (the order JSON shows them in). */
export const CANDLE_FIELDS = [
  "openTime",
  "closeTime",
  "open",
  "high",
  "low",
  "close",
  "volume",
  "quoteVolume",
  "trades",
  "takerBuyBase",
  "takerBuyQuote",
] as const;

export type CandleField = (typeof CANDLE_FIELDS)[number];

/** Throws a descriptive error unless every numeric field is finite and the OHLC relation holds. */
export function assertValidCandle(c: Candle, where: string): void {
  for (const f of CANDLE_FIELDS) {
    const v = c[f];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new TypeError(`${where}: candle field ${f} is ${String(v)}, expected a finite number`);
    }
  }
  if (c.volume < 0 || c.quoteVolume < 0 || c.trades < 0) {
    throw new TypeError(`${where}: candle at ${new Date(c.openTime).toISOString()} has a negative volume`);
  }
  // A tolerance is not needed: Binance's high/low are the max/min of the trades, which include open and close.
  if (c.high < c.low || c.high < Math.max(c.open, c.close) || c.low > Math.min(c.open, c.close)) {
    throw new TypeError(
      `${where}: candle at ${new Date(c.openTime).toISOString()} has inconsistent prices (o=${c.open} h=${c.high} l=${c.low} c=${c.close})`,
    );
  }
}

/** True where the source recorded taker volumes (Binance's own API does; some dumps do not). */
export function hasTakerVolume(c: Candle): boolean {
  return c.trades > 0 || c.takerBuyBase > 0 || c.quoteVolume > 0;
}
