/**
 * The symbols a command working on stored history (backtest, optimize) runs on: the ones named, or every symbol the
 * local database holds for the configured exchange and market; a name without stored candles is a usage error that
 * says how to get them.
 */
import { UsageError } from "../core/errors.js";
import { SeriesReader } from "../market/series-reader.js";
import { parseSymbols } from "./args.js";
import type { CommandContext } from "./context.js";

export function storedSymbols(ctx: CommandContext, raw: string | undefined, purpose: string): string[] {
  const store = ctx.candleStore({ readonly: true });
  const reader = new SeriesReader(store, { exchange: ctx.config.exchange.name, market: ctx.market });
  const stored = reader.symbols();
  const symbols = raw ? parseSymbols("--symbols", raw) : stored;
  const missing = symbols.filter((s) => !stored.includes(s));
  if (symbols.length === 0 || missing.length > 0) {
    throw new UsageError(
      symbols.length === 0
        ? `The local database has no ${ctx.config.exchange.name} ${ctx.market} candles to ${purpose} on.`
        : `No ${ctx.market} candles stored for ${missing.join(", ")}.`,
      {
        hint:
          "Download history first, e.g. `cma download --symbols BTCUSDT --intervals 1h,1d --from 2024-01-01`, " +
          "or import Binance dump files with `cma import`.",
      },
    );
  }
  return symbols;
}
