/**
 * Spot REST routes (/api/v3) with the weights of the current spot docs (since 2023-08-25: klines 2, exchangeInfo 20,
 * ticker/24hr 2/40/80, depth by limit). Spot is strict: upper-case symbols only and no unknown parameters.
 */
import { MINUTE } from "../../core/interval.js";
import { apiErrors } from "./api-error.js";
import { rateLimits, spotSymbol } from "./exchange-info.js";
import {
  bookTop,
  depthLevels,
  formatFor,
  listedSymbols,
  orderBook,
  spotTicker24h,
  windowStats,
} from "./market-stats.js";
import { countSymbols, type Query } from "./query.js";
import { fixedWeight, klines, type Route, type RouteContext, type RouteTable, requireListed } from "./routes.js";

const KLINE_RULES = { maxLimit: 1000, strictSymbol: true, allow1s: true, acceptMicros: true } as const;
const SYMBOL_STATUSES = ["TRADING", "HALT", "BREAK"];

/** The symbols a ticker-style request is about: one (`symbol`), a list (`symbols`) or all of them. */
function selectSymbols(q: Query, ctx: RouteContext): { single: boolean; symbols: string[] } {
  const symbol = q.symbol("symbol", true, false);
  const list = q.symbolList("symbols");
  const status = q.get("symbolStatus");
  if (symbol !== undefined && list !== undefined) throw apiErrors.badCombination();
  if (status !== undefined && !SYMBOL_STATUSES.includes(status)) throw apiErrors.badSymbolStatus();
  // Every symbol served here is TRADING; asking for HALT/BREAK matches none of them.
  const statusMatches = status === undefined || status === "TRADING";
  if (symbol !== undefined) {
    requireListed(ctx, symbol);
    if (!statusMatches) throw apiErrors.statusMismatch();
    return { single: true, symbols: [symbol] };
  }
  if (list !== undefined) {
    for (const s of list) requireListed(ctx, s);
    return { single: false, symbols: statusMatches ? list : [] };
  }
  return { single: false, symbols: statusMatches ? listedSymbols(ctx.md, ctx.now) : [] };
}

/** ticker/24hr: 2 per symbol up to 20 symbols, 40 up to 100, 80 beyond or for all. */
function ticker24hWeight(q: Query): number {
  if (q.peek("symbol") !== undefined) return 2;
  const n = countSymbols(q.peek("symbols"));
  if (q.peek("symbols") === undefined || n > 100) return 80;
  return n <= 20 ? 2 : 40;
}

function depthWeight(q: Query): number {
  const raw = q.peek("limit");
  const limit = raw === undefined || !/^\d+$/.test(raw) ? 100 : Number(raw);
  if (limit <= 100) return 5;
  if (limit <= 500) return 25;
  if (limit <= 1000) return 50;
  return 250;
}

const singleOr = (one: number, many: number) => (q: Query) => (q.peek("symbol") !== undefined ? one : many);

function oneOrMany<T>(sel: { single: boolean; symbols: string[] }, build: (s: string) => T | undefined): T | T[] {
  const out: T[] = [];
  for (const s of sel.symbols) {
    const v = build(s);
    if (v !== undefined) out.push(v);
  }
  if (sel.single) {
    if (out[0] === undefined) throw apiErrors.badSymbol();
    return out[0];
  }
  return out;
}

const klineRoute: Route = { weight: fixedWeight(2), handle: (q, ctx) => klines(q, ctx, KLINE_RULES) };

const routes: Record<string, Route> = {
  "/api/v3/ping": { weight: fixedWeight(1), handle: () => ({}) },
  "/api/v3/time": { weight: fixedWeight(1), handle: (_q, ctx) => ({ serverTime: ctx.now }) },
  "/api/v3/exchangeInfo": {
    weight: fixedWeight(20),
    handle(q, ctx) {
      const symbol = q.symbol("symbol", true, false);
      const list = q.symbolList("symbols");
      const status = q.get("symbolStatus");
      const permissions = q.get("permissions");
      q.get("showPermissionSets");
      if (symbol !== undefined && list !== undefined) throw apiErrors.badCombination();
      if ((status !== undefined || permissions !== undefined) && (symbol !== undefined || list !== undefined)) {
        throw apiErrors.badCombination();
      }
      if (status !== undefined && !SYMBOL_STATUSES.includes(status)) throw apiErrors.badSymbolStatus();
      let symbols: string[];
      if (symbol !== undefined) symbols = [symbol];
      else if (list !== undefined) symbols = list;
      else symbols = status === undefined || status === "TRADING" ? listedSymbols(ctx.md, ctx.now) : [];
      for (const s of symbols) requireListed(ctx, s);
      return {
        timezone: "UTC",
        serverTime: ctx.now,
        rateLimits: rateLimits("spot", ctx.weightLimit),
        exchangeFilters: [],
        symbols: symbols.map((s) => spotSymbol(ctx.md, s, ctx.now)),
      };
    },
  },
  "/api/v3/klines": klineRoute,
  "/api/v3/uiKlines": klineRoute,
  "/api/v3/ticker/24hr": {
    weight: ticker24hWeight,
    handle(q, ctx) {
      const type = q.get("type") ?? "FULL";
      if (type !== "FULL" && type !== "MINI") throw apiErrors.badTickerType();
      const sel = selectSymbols(q, ctx);
      return oneOrMany(sel, (s) => {
        const stats = windowStats(ctx.md, s, ctx.now - 24 * 60 * MINUTE, ctx.now);
        if (!stats) return undefined;
        const book = type === "FULL" ? orderBook(ctx.md, s, ctx.now, 1) : undefined;
        return spotTicker24h(s, stats, formatFor("spot", ctx.md, s), book, ctx.now, type);
      });
    },
  },
  "/api/v3/ticker/price": {
    weight: singleOr(2, 4),
    handle(q, ctx) {
      return oneOrMany(selectSymbols(q, ctx), (s) => {
        const stats = windowStats(ctx.md, s, ctx.now - 1, ctx.now);
        return stats && { symbol: s, price: formatFor("spot", ctx.md, s).price(stats.close) };
      });
    },
  },
  "/api/v3/ticker/bookTicker": {
    weight: singleOr(2, 4),
    handle(q, ctx) {
      return oneOrMany(selectSymbols(q, ctx), (s) => {
        const book = orderBook(ctx.md, s, ctx.now, 1);
        return book && bookTop(s, book, formatFor("spot", ctx.md, s));
      });
    },
  },
  "/api/v3/avgPrice": {
    weight: fixedWeight(2),
    handle(q, ctx) {
      const symbol = q.symbol("symbol", true, true) as string;
      requireListed(ctx, symbol);
      const stats = windowStats(ctx.md, symbol, ctx.now - 5 * MINUTE, ctx.now);
      if (!stats) throw apiErrors.badSymbol();
      const avg = stats.volume > 0 ? stats.quoteVolume / stats.volume : stats.close;
      return { mins: 5, price: formatFor("spot", ctx.md, symbol).price(avg), closeTime: ctx.now };
    },
  },
  "/api/v3/depth": {
    weight: depthWeight,
    handle(q, ctx) {
      const symbol = q.symbol("symbol", true, true) as string;
      const limit = q.int("limit") ?? 100;
      q.get("symbolStatus");
      if (limit < 1) throw apiErrors.invalidParam("limit");
      requireListed(ctx, symbol);
      const book = orderBook(ctx.md, symbol, ctx.now, Math.min(limit, 5000));
      if (!book) throw apiErrors.badSymbol();
      const f = formatFor("spot", ctx.md, symbol);
      return { lastUpdateId: book.lastUpdateId, bids: depthLevels(book.bids, f), asks: depthLevels(book.asks, f) };
    },
  },
};

/** Spot answers -1104 when a request carries parameters the endpoint does not read. */
export const spotRoutes: RouteTable = Object.fromEntries(
  Object.entries(routes).map(([path, r]) => [
    path,
    {
      weight: r.weight,
      handle(q: Query, ctx: RouteContext) {
        const body = r.handle(q, ctx);
        q.assertAllRead();
        return body;
      },
    },
  ]),
);
