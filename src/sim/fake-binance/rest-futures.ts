/**
 * USDⓈ-M futures REST routes (/fapi/v1, /fapi/v2/ticker/price). Weights follow the futures docs where measurements
 * agree and the measurements where they do not: klines without `limit` return 500 rows but cost 5 (an explicit
 * limit=500 costs 2); depth without `limit` costs 1. Futures accepts lower-case symbols and ignores unknown parameters.
 */
import { apiErrors } from "./api-error.js";
import { futuresAssets, futuresSymbol, rateLimits } from "./exchange-info.js";
import {
  bookTop,
  depthLevels,
  formatFor,
  futuresTicker24h,
  listedSymbols,
  orderBook,
  windowStats,
} from "./market-stats.js";
import type { Query } from "./query.js";
import { fixedWeight, klines, type Route, type RouteContext, type RouteTable, requireListed } from "./routes.js";

const KLINE_RULES = { maxLimit: 1500, strictSymbol: false, allow1s: false, acceptMicros: false } as const;
const DAY_MS = 86_400_000;

/** Futures kline weight by limit; the bands are inclusive at the top (100 → 1, 500 → 2, 1000 → 5, more → 10). */
export function futuresKlineWeight(rawLimit: string | undefined): number {
  if (rawLimit === undefined) return 5;
  const limit = /^\d+$/.test(rawLimit) ? Number(rawLimit) : 500;
  if (limit <= 100) return 1;
  if (limit <= 500) return 2;
  if (limit <= 1000) return 5;
  return 10;
}

const DEPTH_WEIGHTS: Readonly<Record<string, number>> = { 5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20 };

function depthWeight(q: Query): number {
  const raw = q.peek("limit");
  return raw === undefined ? 1 : (DEPTH_WEIGHTS[raw] ?? 1);
}

const singleOr = (one: number, many: number) => (q: Query) => (q.peek("symbol") !== undefined ? one : many);

/** One symbol (object reply) or every listed one (array reply). */
function forSymbols<T>(q: Query, ctx: RouteContext, build: (s: string) => T | undefined): T | T[] {
  const symbol = q.symbol("symbol", false, false);
  if (symbol !== undefined) {
    requireListed(ctx, symbol);
    const v = build(symbol);
    if (v === undefined) throw apiErrors.badSymbol();
    return v;
  }
  const out: T[] = [];
  for (const s of listedSymbols(ctx.md, ctx.now)) {
    const v = build(s);
    if (v !== undefined) out.push(v);
  }
  return out;
}

const priceTicker: Route = {
  weight: singleOr(1, 2),
  handle: (q, ctx) =>
    forSymbols(q, ctx, (s) => {
      const stats = windowStats(ctx.md, s, ctx.now - 1, ctx.now);
      return stats && { symbol: s, price: formatFor("futures", ctx.md, s).price(stats.close), time: ctx.now };
    }),
};

export const futuresRoutes: RouteTable = {
  "/fapi/v1/ping": { weight: fixedWeight(1), handle: () => ({}) },
  "/fapi/v1/time": { weight: fixedWeight(1), handle: (_q, ctx) => ({ serverTime: ctx.now }) },
  "/fapi/v1/exchangeInfo": {
    weight: fixedWeight(1),
    handle: (_q, ctx) => ({
      timezone: "UTC",
      serverTime: ctx.now,
      futuresType: "U_MARGINED",
      rateLimits: rateLimits("futures", ctx.weightLimit),
      exchangeFilters: [],
      assets: futuresAssets(),
      symbols: listedSymbols(ctx.md, ctx.now).map((s) => futuresSymbol(ctx.md, s, ctx.now)),
    }),
  },
  "/fapi/v1/klines": {
    weight: (q) => futuresKlineWeight(q.peek("limit")),
    handle: (q, ctx) => klines(q, ctx, KLINE_RULES),
  },
  "/fapi/v1/ticker/24hr": {
    weight: singleOr(1, 40),
    handle: (q, ctx) =>
      forSymbols(q, ctx, (s) => {
        const stats = windowStats(ctx.md, s, ctx.now - DAY_MS, ctx.now);
        return stats && futuresTicker24h(s, stats, formatFor("futures", ctx.md, s), ctx.now);
      }),
  },
  "/fapi/v1/ticker/price": priceTicker,
  "/fapi/v2/ticker/price": priceTicker,
  "/fapi/v1/ticker/bookTicker": {
    weight: singleOr(2, 5),
    handle: (q, ctx) =>
      forSymbols(q, ctx, (s) => {
        const book = orderBook(ctx.md, s, ctx.now, 1);
        return (
          book && {
            ...bookTop(s, book, formatFor("futures", ctx.md, s)),
            time: ctx.now,
            lastUpdateId: book.lastUpdateId,
          }
        );
      }),
  },
  "/fapi/v1/depth": {
    weight: depthWeight,
    handle(q, ctx) {
      const symbol = q.symbol("symbol", false, true) as string;
      const raw = q.get("limit");
      if (raw !== undefined && !(raw in DEPTH_WEIGHTS)) throw apiErrors.badDepthLimit(raw);
      requireListed(ctx, symbol);
      const book = orderBook(ctx.md, symbol, ctx.now, raw === undefined ? 500 : Number(raw));
      if (!book) throw apiErrors.badSymbol();
      const f = formatFor("futures", ctx.md, symbol);
      return {
        lastUpdateId: book.lastUpdateId,
        E: ctx.now,
        T: ctx.now,
        bids: depthLevels(book.bids, f),
        asks: depthLevels(book.asks, f),
      };
    },
  },
};
