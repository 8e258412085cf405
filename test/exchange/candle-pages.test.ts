import { describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { UsageError } from "../../src/core/errors.js";
import { closeTimeOf, type Interval, nextOpenTime } from "../../src/core/interval.js";
import { fetchCandlePages, type PageRequest } from "../../src/exchange/binance/candle-pages.js";

const H = 3_600_000;
const t0 = Date.UTC(2024, 0, 1);

function series(interval: Interval, from: number, count: number, skip: Set<number> = new Set()): Candle[] {
  const out: Candle[] = [];
  for (let t = from, i = 0; i < count; i++, t = nextOpenTime(interval, t)) {
    if (skip.has(i)) continue;
    out.push({
      openTime: t,
      closeTime: closeTimeOf(interval, t),
      open: i,
      high: i + 1,
      low: i,
      close: i,
      volume: 1,
      quoteVolume: 0,
      trades: 0,
      takerBuyBase: 0,
      takerBuyQuote: 0,
      closed: true,
    });
  }
  return out;
}

/** Binance's kline range semantics over an in-memory series; records every request. */
function server(all: Candle[]) {
  const calls: PageRequest[] = [];
  const fetchPage = async (p: PageRequest) => {
    calls.push(p);
    const inRange = all.filter(
      (c) => (p.startTime === undefined || c.openTime >= p.startTime) && c.openTime <= p.endTime,
    );
    return p.startTime !== undefined ? inRange.slice(0, p.limit) : inRange.slice(-p.limit);
  };
  return { calls, fetchPage };
}

const run = (
  all: Candle[],
  q: Parameters<typeof fetchCandlePages>[0],
  pageSize: number,
  serverNow = Number.MAX_SAFE_INTEGER,
) => {
  const s = server(all);
  return fetchCandlePages(q, { pageSize, serverNow, fetchPage: s.fetchPage, describe: "test" }).then((r) => ({
    r,
    calls: s.calls,
  }));
};

describe("fetchCandlePages", () => {
  it("pages forward from startTime, asking each time for no more than can exist", async () => {
    const all = series("1h", t0, 2300);
    const { r, calls } = await run(all, { symbol: "X", interval: "1h", startTime: t0, endTime: t0 + 2299 * H }, 1000);
    expect(r).toEqual(all);
    expect(calls.map((c) => c.limit)).toEqual([1000, 1000, 300]);
    expect(calls[1]!.startTime).toBe(t0 + 1000 * H);
  });

  it("stops at `limit` candles and at the end of data", async () => {
    const all = series("1h", t0, 700);
    const a = await run(all, { symbol: "X", interval: "1h", startTime: t0, limit: 650 }, 500);
    expect(a.r).toEqual(all.slice(0, 650));
    expect(a.calls.map((c) => c.limit)).toEqual([500, 150]);
    const b = await run(all, { symbol: "X", interval: "1h", startTime: t0 }, 500, t0 + 699 * H + 10);
    expect(b.r).toEqual(all);
    expect(b.calls.map((c) => c.limit)).toEqual([500, 200]);
  });

  it("with only a limit returns the most recent candles, paging backwards", async () => {
    const all = series("1h", t0, 3000);
    const { r, calls } = await run(all, { symbol: "X", interval: "1h", limit: 1200 }, 500);
    expect(r).toEqual(all.slice(-1200));
    expect(calls.map((c) => c.limit)).toEqual([500, 500, 200]);
    expect(calls.every((c) => c.startTime === undefined)).toBe(true);
    expect(calls[1]!.endTime).toBe(all[2500]!.openTime - 1);
  });

  it("returns what exists when asked for more than was ever listed, and [] for limit 0", async () => {
    const all = series("1d", t0, 30);
    expect((await run(all, { symbol: "X", interval: "1d", limit: 1000 }, 1000)).r).toEqual(all);
    expect((await run(all, { symbol: "X", interval: "1d", limit: 0 }, 1000)).r).toEqual([]);
    expect((await run(all, { symbol: "X", interval: "1d", startTime: t0 - 50 * 86_400_000 }, 1000)).r).toEqual(all);
  });

  it("keeps going over gaps (halts) inside a full page", async () => {
    const all = series("1h", t0, 1200, new Set([5, 6, 999, 1000]));
    const { r } = await run(all, { symbol: "X", interval: "1h", startTime: t0, endTime: t0 + 1199 * H }, 500);
    expect(r).toEqual(all);
  });

  it("drops candles outside the requested range", async () => {
    const all = series("1h", t0, 30);
    const calls: PageRequest[] = [];
    // A misbehaving server that ignores endTime.
    const fetchPage = async (p: PageRequest) => {
      calls.push(p);
      return all.filter((c) => c.openTime >= (p.startTime ?? t0)).slice(0, p.limit + 3);
    };
    const r = await fetchCandlePages(
      { symbol: "X", interval: "1h", startTime: t0, endTime: t0 + 14 * H },
      { pageSize: 10, serverNow: 0, fetchPage, describe: "t" },
    );
    expect(r).toEqual(all.slice(0, 15));
    expect(calls.map((c) => c.limit)).toEqual([10, 2]);
    expect(calls[1]!.startTime).toBe(t0 + 13 * H);
  });

  it("fails instead of looping forever when the server ignores startTime", async () => {
    const all = series("1h", t0, 30);
    const fetchPage = async (p: PageRequest) => all.slice(0, p.limit);
    await expect(
      fetchCandlePages(
        { symbol: "X", interval: "1h", startTime: t0 + 10 * H, endTime: t0 + 29 * H },
        { pageSize: 10, serverNow: 0, fetchPage, describe: "klines X 1h" },
      ),
    ).rejects.toThrow(/klines X 1h: paging made no progress/);
  });

  it("validates the query", async () => {
    const s = server([]);
    const opts = { pageSize: 10, serverNow: 0, fetchPage: s.fetchPage, describe: "t" };
    await expect(fetchCandlePages({ symbol: "", interval: "1h" }, opts)).rejects.toBeInstanceOf(UsageError);
    await expect(fetchCandlePages({ symbol: "X", interval: "1h", limit: -1 }, opts)).rejects.toThrow(/limit/);
    await expect(fetchCandlePages({ symbol: "X", interval: "1h", startTime: 1.5 }, opts)).rejects.toThrow(/startTime/);
  });
});
