/**
 * The analysis behind `cma analyze` and `cma levels`: live (sync what is missing, then analyse at the exchange's
 * time) or, with `--at`, from the candle store alone at a past instant.
 */
import { existsSync } from "node:fs";
import { type SymbolAnalysis, analyzeSymbol } from "../agents/symbol-analysis.js";
import {
  type AnalysisContext,
  historyEndsEarly,
  liveAnalysisContext,
  storedAnalysisContext,
} from "../app/analysis-context.js";
import { InsufficientDataError } from "../core/errors.js";
import { formatDuration, formatInt, formatUtc, plural } from "../ui/format.js";
import { parseDateArg } from "./args.js";
import { type CommandContext, candleDbPath } from "./context.js";

export const AT_OPTION_HELP =
  "analyse at a past time (YYYY-MM-DD or ISO time, UTC) from the local candle store only: no network, nothing later is seen";

export interface PreparedAnalysis {
  readonly context: AnalysisContext;
  readonly analysis: SymbolAnalysis;
  /** "binance spot" */
  readonly market: string;
}

export async function prepareAnalysis(
  ctx: CommandContext,
  symbol: string,
  at: string | undefined,
): Promise<PreparedAnalysis> {
  const context = at === undefined ? await live(ctx, symbol) : stored(ctx, symbol, parseDateArg("--at", at));
  let analysis: SymbolAnalysis;
  try {
    analysis = analyzeSymbol(context.view, symbol, context.options);
  } catch (e) {
    // Live, the store has just been given everything the exchange has: downloading more cannot help.
    if (at !== undefined || !(e instanceof InsufficientDataError)) throw e;
    throw new InsufficientDataError(e.message, {
      hint:
        `${ctx.config.exchange.name} ${ctx.market} has no earlier ${symbol} candles: a new listing needs time, ` +
        "or set price_action.interval to a shorter interval, which has more candles.",
      cause: e,
    });
  }
  const base = context.options.baseInterval;
  const end = historyEndsEarly(context, symbol, base);
  if (end !== undefined) {
    ctx.note(
      ctx.errColors.yellow(
        `warning: ${symbol}'s latest ${base} candle closed ${formatUtc(end)} UTC, ${formatDuration(context.time - end)} ` +
          `before the analysis time${at === undefined ? " (is the market halted or delisted?)" : " (the store has nothing later)"}`,
      ),
    );
  }
  return { context, analysis, market: `${ctx.config.exchange.name} ${ctx.market}` };
}

async function live(ctx: CommandContext, symbol: string): Promise<AnalysisContext> {
  const context = await liveAnalysisContext({
    exchange: ctx.exchange(),
    store: ctx.candleStore(),
    symbol,
    config: ctx.config,
    agents: ctx.agents,
    signal: ctx.signal,
    logger: ctx.logger,
  });
  const h = context.history;
  if (h && h.requests > 0) {
    ctx.note(
      ctx.errColors.dim(
        `${symbol}: ${plural(h.fetched, "candle")} fetched, ${formatInt(h.derived)} derived ` +
          `(${plural(h.requests, "request")}, weight ${formatInt(h.weight)})`,
      ),
    );
  }
  return context;
}

function stored(ctx: CommandContext, symbol: string, at: number): AnalysisContext {
  const path = candleDbPath(ctx.config);
  if (!existsSync(path)) {
    throw new InsufficientDataError(`--at analyses stored candles only, and there is no candle store at ${path}.`, {
      hint: `Run "cma analyze ${symbol}" once without --at, or "cma download", to fill it.`,
    });
  }
  const context = storedAnalysisContext({
    store: ctx.candleStore({ readonly: true }),
    exchange: ctx.config.exchange.name,
    market: ctx.market,
    config: ctx.config,
    agents: ctx.agents,
    at,
  });
  if (context.view.reader.stored(symbol).length === 0) {
    const others = context.view.reader.symbols();
    throw new InsufficientDataError(
      `The candle store has no ${ctx.config.exchange.name} ${ctx.market} candles of ${symbol}.`,
      {
        hint:
          (others.length ? `It has ${others.slice(0, 10).join(", ")}${others.length > 10 ? ", …" : ""}. ` : "") +
          `Run "cma analyze ${symbol}" without --at to fetch its history` +
          (ctx.market === "futures" ? " (or pass --spot for spot candles)." : " (or pass --futures for futures)."),
      },
    );
  }
  return context;
}
