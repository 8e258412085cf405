/**
 * `cma candles SYMBOL`: the latest candles straight from the exchange, closed ones plus the one still forming.
 */
import type { Candle } from "../../core/candle.js";
import { parseInterval } from "../../core/interval.js";
import { formatNumber, formatPrice, formatUtc, priceDecimals } from "../../ui/format.js";
import { renderTable } from "../../ui/table.js";
import { parseIntArg, parseSymbol } from "../args.js";
import type { CommandRegistration } from "../program.js";

interface CandlesOptions {
  interval: string;
  limit: string;
  json?: boolean;
}

export const MAX_CANDLES = 5000;

/** The last `limit` closed candles, then the forming one if the exchange sent it. */
export function latestWithForming(candles: readonly Candle[], limit: number): Candle[] {
  const closed = candles.filter((c) => c.closed).slice(-limit);
  const forming = candles.filter((c) => !c.closed).slice(-1);
  return [...closed, ...forming];
}

export function candleJson(c: Candle) {
  return {
    openTime: c.openTime,
    time: new Date(c.openTime).toISOString(),
    closeTime: c.closeTime,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    quoteVolume: c.quoteVolume,
    trades: c.trades,
    takerBuyBase: c.takerBuyBase,
    takerBuyQuote: c.takerBuyQuote,
    closed: c.closed,
  };
}

export const candlesCommand: CommandRegistration = {
  register(program, bind) {
    program
      .command("candles")
      .description("show the latest candles of a symbol from the exchange (closed ones and the forming one)")
      .argument("<symbol>", "exchange symbol, e.g. BTCUSDT")
      .option("-i, --interval <interval>", "candle interval: 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M", "4h")
      .option("-n, --limit <n>", `closed candles to show, 1 to ${MAX_CANDLES}`, "50")
      .option("--json", "print a JSON array instead of a table")
      .action(
        bind<CandlesOptions>(async (ctx, opts, [rawSymbol]) => {
          const symbol = parseSymbol(rawSymbol ?? "");
          const interval = parseInterval(opts.interval);
          const limit = parseIntArg("--limit", opts.limit, 1, MAX_CANDLES);
          const exchange = ctx.exchange();
          // One more than asked: if the exchange's last candle is the forming one, `limit` closed ones remain.
          const rows = latestWithForming(await exchange.candles({ symbol, interval, limit: limit + 1 }), limit);
          if (opts.json) {
            ctx.json(rows.map(candleJson));
            return 0;
          }
          const c = ctx.colors;
          const minPrice = Math.min(...rows.map((r) => r.low).filter((p) => p > 0));
          const decimals = priceDecimals(minPrice);
          const tick = 10 ** -decimals;
          const maxVol = Math.max(0, ...rows.map((r) => r.volume));
          const volDecimals = maxVol >= 1000 ? 0 : maxVol >= 1 ? 2 : 4;
          ctx.out(
            renderTable(
              ["time (UTC)", "open", "high", "low", "close", "volume", "closed"],
              rows.map((r) => [
                formatUtc(r.openTime),
                formatPrice(r.open, tick),
                formatPrice(r.high, tick),
                formatPrice(r.low, tick),
                r.close >= r.open ? c.green(formatPrice(r.close, tick)) : c.red(formatPrice(r.close, tick)),
                formatNumber(r.volume, volDecimals),
                r.closed ? "yes" : c.yellow("forming"),
              ]),
              { colors: c, maxWidth: ctx.io.stdout.columns },
            ),
          );
          const closedCount = rows.filter((r) => r.closed).length;
          ctx.note(
            ctx.errColors.dim(
              `${exchange.id} ${exchange.market} ${symbol} ${interval}: ${closedCount} closed candle${closedCount === 1 ? "" : "s"}` +
                (rows.length > closedCount ? " and the forming one" : ""),
            ),
          );
          return 0;
        }),
      );
  },
};
