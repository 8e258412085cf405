/**
 * The configured universe (universe.* settings applied to the exchange's markets and 24 h tickers), shared by the
 * commands that default to "everything cma watches".
 */
import type { Config } from "../app/config.js";
import { selectUniverse, type UniverseEntry, type UniverseFilter } from "../market/universe.js";
import type { CommandContext } from "./context.js";

export function universeFilter(config: Config): UniverseFilter {
  const u = config.universe;
  return {
    quoteAsset: u.quote_asset,
    minQuoteVolume: u.min_quote_volume_24h,
    include: u.include,
    exclude: u.exclude,
    maxSymbols: u.max_symbols,
  };
}

/** Most liquid first. Costs one exchangeInfo and one all-symbol 24 h ticker request. */
export async function loadUniverse(ctx: CommandContext): Promise<UniverseEntry[]> {
  const exchange = ctx.exchange();
  const [markets, tickers] = await Promise.all([exchange.markets(), exchange.tickers24h()]);
  return selectUniverse(markets, tickers, universeFilter(ctx.config));
}

export async function universeSymbols(ctx: CommandContext): Promise<string[]> {
  return (await loadUniverse(ctx)).map((e) => e.symbol);
}
