/**
 * What `cma run` and `cma scan` both start from: the symbols asked for (or the configured universe), the exchange
 * client, the candle store and the exchange's clock.
 */
import type { OffsetClock } from "../core/clock.js";
import type { Exchange } from "../exchange/exchange.js";
import type { CandleStore } from "../market/candle-store.js";
import { exchangeClock } from "../app/orchestrator/index.js";
import { parseSymbols } from "./args.js";
import type { CommandContext } from "./context.js";

export interface LiveSetup {
  readonly symbols: string[] | undefined;
  readonly exchange: Exchange;
  readonly store: CandleStore;
  readonly clock: OffsetClock;
}

export async function liveSetup(ctx: CommandContext, rawSymbols: string | undefined): Promise<LiveSetup> {
  const symbols = rawSymbols ? parseSymbols("--symbols", rawSymbols) : undefined;
  const exchange = ctx.exchange();
  const store = ctx.candleStore();
  const clock = await exchangeClock(exchange);
  return { symbols, exchange, store, clock };
}
