/**
 * What a REST route is: the parameters it reads, its weight (computed from the raw query before validation, since a
 * rejected request still costs weight), and a handler that returns the JSON body or throws a BinanceApiError.
 * Plus the kline handler both markets share.
 */
import { isInterval } from "../../core/interval.js";
import type { MarketType } from "../../exchange/exchange.js";
import { apiErrors } from "./api-error.js";
import { type FakeMarketData, latestCandles } from "./market-data.js";
import { formatFor, isListed } from "./market-stats.js";
import type { Query } from "./query.js";
import { type KlineRow, klineRow } from "./wire-format.js";

export interface RouteContext {
  readonly market: MarketType;
  readonly md: FakeMarketData;
  /** Server time of this request. */
  readonly now: number;
  /** The REQUEST_WEIGHT limit this server enforces (shown in exchangeInfo). */
  readonly weightLimit: number;
}

export interface Route {
  weight(q: Query): number;
  handle(q: Query, ctx: RouteContext): unknown;
}

export type RouteTable = Readonly<Record<string, Route>>;

export const fixedWeight =
  (w: number) =>
  (_q: Query): number =>
    w;

/** Throws -1121 unless the symbol is listed at the request's server time. */
export function requireListed(ctx: RouteContext, symbol: string): void {
  if (!isListed(ctx.md, symbol, ctx.now)) throw apiErrors.badSymbol();
}

export interface KlineRules {
  readonly maxLimit: number;
  /** Spot requires upper case; futures upper-cases what it gets. */
  readonly strictSymbol: boolean;
  readonly allow1s: boolean;
  readonly acceptMicros: boolean;
}

/** Parses `timeZone` (spot); only UTC buckets are served by this fake. */
function checkTimeZone(q: Query): void {
  const tz = q.get("timeZone");
  if (tz === undefined) return;
  const m = /^([+-])?(\d{1,2})(?::(\d{2}))?$/.exec(tz);
  if (!m || Number(m[2]) !== 0 || (m[3] !== undefined && Number(m[3]) !== 0)) {
    throw apiErrors.invalidParam("timeZone");
  }
}

/**
 * GET klines with Binance's time-range semantics: startTime → oldest from there; endTime only or neither → the most
 * recent up to endTime/now; both → from startTime but none opening after endTime. Never a candle opening after now;
 * the one containing now is the forming candle (its closeTime is in the future).
 */
export function klines(q: Query, ctx: RouteContext, rules: KlineRules): KlineRow[] {
  const symbol = q.symbol("symbol", rules.strictSymbol, true) as string;
  const interval = q.required("interval");
  const limit = q.int("limit") ?? 500;
  const start = q.time("startTime", rules.acceptMicros);
  const end = q.time("endTime", rules.acceptMicros);
  if (ctx.market === "spot") checkTimeZone(q);
  if (!isInterval(interval) || (interval === "1s" && !rules.allow1s)) throw apiErrors.badInterval();
  if (limit < 1 || limit > rules.maxLimit) throw apiErrors.invalidParam("limit");
  if (start !== undefined && end !== undefined && start > end) throw apiErrors.startAfterEnd();
  requireListed(ctx, symbol);
  const candles =
    start !== undefined
      ? ctx.md.candles(symbol, interval, start, end ?? ctx.now, limit, ctx.now)
      : latestCandles(ctx.md, symbol, interval, end ?? ctx.now, limit, ctx.now);
  const f = formatFor(ctx.market, ctx.md, symbol);
  return candles.map((c) => klineRow(c, f));
}
