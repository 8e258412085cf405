/**
 * What `cma run` and `cma scan` both start from: the symbols asked for (or the configured universe), the exchange
 * client, the candle store and the exchange's clock.
 */
import type { Clock } from "../core/clock.js";
import type { Exchange } from "../exchange/exchange.js";
import type { CandleStore } from "../market/candle-store.js";
import { parseSymbols } from "./args.js";
import type { CommandContext } from "./context.js";

export interface LiveSetup {
  readonly symbols: string[] | undefined;
  readonly exchange: Exchange;
  readonly store: CandleStore;
  /** The adapter's own exchange-synced clock: one clock for the schedule, the sync and the rate limits. */
  readonly clock: Clock;
}

export async function liveSetup(ctx: CommandContext, rawSymbols: string | undefined): Promise<LiveSetup> {
  const symbols = rawSymbols ? parseSymbols("--symbols", rawSymbols) : undefined;
  const exchange = ctx.exchange();
  const store = ctx.candleStore();
  // The exchange decides which candle has closed: measure its clock before the first "now" is read.
  await exchange.serverTime();
  return { symbols, exchange, store, clock: exchange.clock };
}
