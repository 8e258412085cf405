/**
 * The configured universe (universe.* settings applied to the exchange's markets and 24 h tickers), shared by the
 * commands that default to "everything cma watches".
 */
import type { Config } from "../core/config.js";
import type { Market, Ticker24h } from "../exchange/exchange.js";
import { selectUniverse, type UniverseEntry, type UniverseFilter } from "../market/universe.js";
import type { CommandContext } from "./context.js";

export function universeFilter(config: Config): UniverseFilter {
  const u = config.universe;
  return {
    quoteAsset: u.quote_asset,
    minQuoteVolume24h: u.min_quote_volume_24h,
    include: [...u.include],
    exclude: [...u.exclude],
    maxSymbols: u.max_symbols,
  };
}

export interface UniverseRow {
  readonly market: Market;
  readonly ticker: Ticker24h;
  readonly entry: UniverseEntry;
}

export async function loadUniverse(ctx: CommandContext): Promise<UniverseRow[]> {
  const exchange = ctx.exchange();
  const [markets, tickers] = await Promise.all([exchange.markets(), exchange.tickers24h()]);
  const bySymbol = new Map(markets.map((m) => [m.symbol, m]));
  const tickerBySymbol = new Map(tickers.map((t) => [t.symbol, t]));
  return selectUniverse(markets, tickers, universeFilter(ctx.config)).flatMap((entry) => {
    const market = bySymbol.get(entry.symbol);
    const ticker = tickerBySymbol.get(entry.symbol);
    return market && ticker ? [{ market, ticker, entry }] : [];
  });
}

export async function universeSymbols(ctx: CommandContext): Promise<string[]> {
  return (await loadUniverse(ctx)).map((r) => r.market.symbol);
}
