/**
 * What a number (or a symbol string) measures, in its type, so that an epoch time cannot be passed where a price is
 * expected, nor a price where a quantity is: `const stop: Price = candle.openTime` does not compile.
 *
 * These are "flavoured" rather than strictly branded types (the brand is optional): a plain number literal, a value
 * parsed from JSON or the result of arithmetic is accepted as any of them, and each of them is a plain number
 * wherever a number is asked for. What does not compile is mixing two different units. A strict brand would make
 * every literal in tests and fixtures need a cast and every `a - b` need a wrapper, for no more safety at the
 * boundaries, which is where these types are used: Candle, Signal, PaperTrade and the Exchange interface.
 * test/core/units.test.ts holds the compile-time checks (`@ts-expect-error` lines that `npm run typecheck` verifies).
 */
declare const unit: unique symbol;

/** `T` tagged as measuring `Name`; see the module comment. */
export type Flavor<T, Name extends string> = T & { readonly [unit]?: Name };

/** A moment: milliseconds since 1970-01-01T00:00:00Z (UTC). */
export type EpochMs = Flavor<number, "EpochMs">;
/** A price in the quote asset (USDT per unit of the base asset). */
export type Price = Flavor<number, "Price">;
/** An amount of the base asset (BTC for BTCUSDT): volumes, order quantities. */
export type Quantity = Flavor<number, "Quantity">;
/** An amount of the quote asset (USDT): quote volumes, notional values, P&L, fees. */
export type QuoteAmount = Flavor<number, "QuoteAmount">;
/** An exchange's symbol, e.g. "BTCUSDT". */
export type SymbolName = Flavor<string, "SymbolName">;
