/**
 * `cma markets`: the universe cma watches: the configured filters applied to the exchange's markets, most
 * liquid first, with 24 h quote volume, last price and 24 h change.
 */
import { formatCompact, formatNumber, formatPercent, formatPrice } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import { parseIntArg } from "../args.js";
import type { CommandRegistration } from "../program.js";
import { loadUniverse } from "../universe.js";

interface MarketsOptions {
  limit?: string;
  json?: boolean;
}

export const marketsCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("markets")
      .description("list the symbols the configured universe selects, most liquid first")
      .option("-n, --limit <n>", "show at most this many")
      .option("--json", "print a JSON array instead of a table")
      .action(
        bind<MarketsOptions>(async (ctx, opts) => {
          const limit = opts.limit === undefined ? undefined : parseIntArg("--limit", opts.limit, 1);
          const all = await loadUniverse(ctx);
          const rows = limit === undefined ? all : all.slice(0, limit);
          if (opts.json) {
            ctx.json(
              rows.map((r) => ({
                symbol: r.symbol,
                baseAsset: r.market.baseAsset,
                quoteAsset: r.market.quoteAsset,
                quoteVolume24h: r.quoteVolume,
                lastPrice: r.ticker?.lastPrice ?? null,
                priceChangePercent24h: r.ticker?.priceChangePercent ?? null,
                tickSize: r.market.tickSize,
                reason: r.reason,
              })),
            );
            return 0;
          }
          const c = ctx.colors;
          const quote = ctx.config.universe.quote_asset;
          ctx.out(
            renderTable(
              ["#", "symbol", `24h volume (${quote})`, "last price", "24h change"],
              rows.map((r, i) => {
                const change = r.ticker?.priceChangePercent;
                return [
                  String(i + 1),
                  r.reason === "included" ? `${r.symbol} ${c.dim("(included)")}` : r.symbol,
                  r.quoteVolume >= 1e6 ? formatCompact(r.quoteVolume) : formatNumber(r.quoteVolume, 0),
                  r.ticker ? formatPrice(r.ticker.lastPrice, r.market.tickSize) : "-",
                  change === undefined
                    ? "-"
                    : change >= 0
                      ? c.green(formatPercent(change))
                      : c.red(formatPercent(change)),
                ];
              }),
              { colors: c, maxWidth: ctx.io.stdout.columns },
            ),
          );
          const ex = ctx.exchange();
          ctx.note(
            ctx.errColors.dim(
              `${rows.length} of ${all.length} symbols in the universe (${ex.id} ${ex.market}, ${quote}, ` +
                `24h volume ≥ ${formatCompact(ctx.config.universe.min_quote_volume_24h)}, at most ${ctx.config.universe.max_symbols})`,
            ),
          );
          return 0;
        }),
      );
  },
};
