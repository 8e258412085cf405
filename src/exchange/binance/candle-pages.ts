/**
 * Turns one candle query into as many kline requests as it takes, since one request returns at most 1000 (spot) /
 * 1500 (futures) rows. Exchange-neutral: the page fetcher and the page size come from the adapter.
 *
 * - startTime given: forward from startTime, each page starting after the last candle of the previous one, until
 *   endTime (default: now) or `limit` candles;
 * - no startTime: backward from endTime (default: now), the most recent `limit` candles (default 500, like Binance).
 * Each request asks for no more rows than can exist in what is left of the range, so the small last page is cheap
 * on futures (weight by limit). Pages are joined oldest first with duplicates (same open time) dropped.
 */
import type { Candle } from "../../core/candle.js";
import { BadResponseError, UsageError } from "../../core/errors.js";
import { countCandles, type Interval, nextOpenTime } from "../../core/interval.js";
import type { CandleQuery } from "../exchange.js";

export interface PageRequest {
  readonly startTime?: number;
  readonly endTime: number;
  readonly limit: number;
}

export type FetchPage = (req: PageRequest) => Promise<Candle[]>;

export const DEFAULT_CANDLE_LIMIT = 500;

function checkTime(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) {
    throw new UsageError(`candles: ${name} must be epoch milliseconds (a non-negative integer), got ${v}`);
  }
}

export function validateCandleQuery(q: CandleQuery): void {
  if (typeof q.symbol !== "string" || q.symbol.trim() === "") throw new UsageError("candles: symbol is empty");
  checkTime("startTime", q.startTime);
  checkTime("endTime", q.endTime);
  if (q.limit !== undefined && (!Number.isSafeInteger(q.limit) || q.limit < 0)) {
    throw new UsageError(`candles: limit must be a non-negative integer, got ${q.limit}`);
  }
}

export async function fetchCandlePages(
  q: CandleQuery,
  opts: { pageSize: number; serverNow: number; fetchPage: FetchPage; describe: string },
): Promise<Candle[]> {
  validateCandleQuery(q);
  const end = q.endTime ?? opts.serverNow;
  if (q.startTime !== undefined)
    return forward(q.interval, q.startTime, end, q.limit ?? Number.POSITIVE_INFINITY, opts);
  return backward(end, q.limit ?? DEFAULT_CANDLE_LIMIT, opts);
}

async function forward(
  interval: Interval,
  start: number,
  end: number,
  cap: number,
  opts: { pageSize: number; fetchPage: FetchPage; describe: string },
): Promise<Candle[]> {
  const out: Candle[] = [];
  let cursor = start;
  while (out.length < cap && cursor <= end) {
    const possible = countCandles(interval, cursor, end + 1);
    const limit = Math.min(opts.pageSize, cap - out.length, Math.max(1, possible));
    const page = await opts.fetchPage({ startTime: cursor, endTime: end, limit });
    const lastOut = out.length > 0 ? out[out.length - 1]!.openTime : Number.NEGATIVE_INFINITY;
    for (const c of page) {
      if (c.openTime >= cursor && c.openTime <= end && c.openTime > lastOut && out.length < cap) out.push(c);
    }
    if (page.length < limit) break;
    const last = page[page.length - 1]!.openTime;
    const next = nextOpenTime(interval, last);
    if (next <= cursor) {
      throw new BadResponseError(`${opts.describe}: paging made no progress at ${new Date(cursor).toISOString()}`);
    }
    cursor = next;
  }
  return out;
}

async function backward(
  end: number,
  want: number,
  opts: { pageSize: number; fetchPage: FetchPage; describe: string },
): Promise<Candle[]> {
  const pages: Candle[][] = [];
  let remaining = want;
  let cursorEnd = end;
  while (remaining > 0) {
    const limit = Math.min(opts.pageSize, remaining);
    const raw = await opts.fetchPage({ endTime: cursorEnd, limit });
    const page = raw.filter((c) => c.openTime <= cursorEnd).slice(-remaining);
    if (page.length === 0) break;
    pages.unshift(page);
    remaining -= page.length;
    if (raw.length < limit) break;
    // The filter above guarantees progress: every kept candle opens at or before cursorEnd.
    cursorEnd = page[0]!.openTime - 1;
  }
  const out: Candle[] = [];
  for (const page of pages) {
    for (const c of page) {
      if (out.length === 0 || c.openTime > out[out.length - 1]!.openTime) out.push(c);
    }
  }
  return out;
}
