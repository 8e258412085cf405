import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  BadResponseError,
  ExchangeUnavailableError,
  InvalidIntervalError,
  NetworkError,
  UnknownSymbolError,
  UsageError,
} from "../../src/core/errors.js";
import { alignDown, DAY, HOUR, nextOpenTime, WEEK } from "../../src/core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { endpoint } from "../../src/exchange/binance/endpoints.js";
import { createExchange } from "../../src/exchange/create-exchange.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { futuresKlineWeight } from "../../src/sim/fake-binance/index.js";
import { type Harness, harness, hits, NOW } from "./fake-setup.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const file = (market: string, name: string) => readKlineFile(join(BUNDLED_CANDLES_DIR, `binance-${market}`, name));

describe("Binance adapter REST against the fake server", () => {
  it("syncs its clock from /time and reads the weight limit from exchangeInfo on first use", async () => {
    h = await harness("futures", { weightLimitPerMinute: 2400 }, { weightLimit: { futures: 1200 } });
    expect(h.ex.budget.limit).toBe(2400);
    await h.ex.candles({ symbol: "ALGOUSDT", interval: "1h", limit: 2 });
    expect(h.fake.requests.map((r) => r.path)).toEqual(["/fapi/v1/time", "/fapi/v1/exchangeInfo", "/fapi/v1/klines"]);
    expect(h.ex.budget.limit).toBe(1200);
    expect(h.ex.clock.now()).toBe(NOW);
    expect(await h.ex.serverTime()).toBe(NOW);
    // Every request carries an explicit limit (futures charges 5 without one).
    expect(h.fake.requests.find((r) => r.path === "/fapi/v1/klines")!.query.limit).toBe("2");
  });

  it("lists USDT markets with parsed filters", async () => {
    h = await harness("futures");
    const fut = await h.ex.markets();
    expect(fut.map((m) => m.symbol).sort()).toEqual(["ALGOUSDT", "FILUSDT"]);
    for (const m of fut) {
      expect(m).toMatchObject({ type: "futures", contractType: "PERPETUAL", quoteAsset: "USDT", status: "TRADING" });
      expect(m.tickSize).toBeGreaterThan(0);
      expect(m.stepSize).toBeGreaterThan(0);
      expect(m.minNotional).toBeGreaterThan(0);
    }
    await h.close();
    h = await harness("spot");
    const spot = await h.ex.markets();
    expect(spot.map((m) => m.symbol)).toContain("BTCUSDT");
    expect(spot.every((m) => m.quoteAsset === "USDT" && m.type === "spot" && m.tickSize > 0)).toBe(true);
    // Cached: a second call within the TTL costs nothing.
    const before = h.fake.requests.length;
    await h.ex.markets();
    expect(h.fake.requests.length).toBe(before);
  });

  it("pages spot candles across many requests and returns exactly the bundled data", async () => {
    h = await harness("spot");
    const all = file("spot", "BTCUSDT-1h.csv.gz");
    const from = Date.UTC(2023, 0, 1);
    const to = Date.UTC(2023, 5, 1);
    const got = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", startTime: from, endTime: to });
    const want = all.filter((c) => c.openTime >= from && c.openTime <= to);
    expect(got.length).toBe(want.length);
    expect(got).toEqual(want);
    expect(hits(h.fake, "/api/v3/klines")).toBe(Math.ceil(countHours(from, to) / 1000));
    // Ascending, no duplicates; the only hole is the real 2023-03-24 13:00 exchange halt.
    const holes: number[] = [];
    for (let i = 1; i < got.length; i++) {
      const expected = nextOpenTime("1h", got[i - 1]!.openTime);
      if (got[i]!.openTime !== expected) holes.push(expected);
    }
    expect(holes).toEqual([Date.UTC(2023, 2, 24, 13)]);
  });

  it("pages futures candles at 499 per request (weight 2 each) and matches the bundled data", async () => {
    h = await harness("futures");
    await h.ex.serverTime();
    await h.ex.markets();
    h.fake.reset();
    const all = file("futures", "FILUSDT-1h.csv.gz");
    const from = Date.UTC(2023, 1, 1);
    const got = await h.ex.candles({ symbol: "FILUSDT", interval: "1h", startTime: from, limit: 1300 });
    expect(got).toEqual(all.filter((c) => c.openTime >= from).slice(0, 1300));
    const limits = h.fake.requests.map((r) => r.query.limit);
    expect(limits.slice(0, 2)).toEqual(["499", "499"]);
    expect(h.fake.totalWeight("futures")).toBe(h.fake.requests.reduce((s, r) => s + r.weight, 0));
    expect(h.fake.totalWeight("futures")).toBe(2 * h.fake.requests.length);
  });

  it("never counts a futures kline request as cheaper than the server charges it", async () => {
    const differs: number[] = [];
    for (let limit = 1; limit <= 1500; limit++) {
      const ours = endpoint("futures", "klines").weight({ limit });
      const server = futuresKlineWeight(String(limit));
      expect(ours).toBeGreaterThanOrEqual(server);
      if (ours !== server) differs.push(limit);
    }
    // Only the two band edges where Binance's docs and its observed behaviour disagree.
    expect(differs).toEqual([100, 500]);
    expect(endpoint("futures", "klines").weight({})).toBe(futuresKlineWeight(undefined));
    h = await harness("futures");
    await h.ex.markets();
    h.fake.reset();
    const spentBefore = h.ex.weightUsage().spent;
    await h.ex.candles({ symbol: "FILUSDT", interval: "1h", limit: 99 }); // 1
    await h.ex.candles({ symbol: "FILUSDT", interval: "1h", limit: 101 }); // 2
    await h.ex.candles({ symbol: "FILUSDT", interval: "1h", limit: 800 }); // 499 + 301 → 2 + 2
    expect(h.fake.totalWeight("futures")).toBe(1 + 2 + 4);
    expect(h.ex.weightUsage().spent - spentBefore).toBe(7);
    expect(h.ex.weightUsage().requests).toBe(2 + 4);
  });

  it("returns the most recent candles with the forming one flagged closed: false", async () => {
    h = await harness("spot");
    const cs = await h.ex.candles({ symbol: "ETHUSDT", interval: "1h", limit: 5 });
    expect(cs).toHaveLength(5);
    expect(cs.map((c) => c.closed)).toEqual([true, true, true, true, false]);
    expect(cs[4]!.openTime).toBe(alignDown("1h", NOW));
    expect(cs[4]!.closeTime).toBeGreaterThanOrEqual(NOW);
    const days = await h.ex.candles({ symbol: "ETHUSDT", interval: "1d", endTime: NOW - 2 * DAY, limit: 3 });
    expect(days.every((c) => c.closed)).toBe(true);
    expect(days[2]!.openTime).toBe(alignDown("1d", NOW - 2 * DAY));
  });

  it("aligns 1w on Mondays, 1M on the 1st and 3d on the epoch grid", async () => {
    h = await harness("spot");
    const weeks = await h.ex.candles({ symbol: "BTCUSDT", interval: "1w", limit: 12 });
    expect(weeks).toHaveLength(12);
    for (let i = 0; i < weeks.length; i++) {
      expect(new Date(weeks[i]!.openTime).getUTCDay()).toBe(1);
      if (i > 0) expect(weeks[i]!.openTime - weeks[i - 1]!.openTime).toBe(WEEK);
    }
    const months = await h.ex.candles({
      symbol: "BTCUSDT",
      interval: "1M",
      startTime: Date.UTC(2023, 0, 1),
      limit: 14,
    });
    expect(months.map((c) => new Date(c.openTime).toISOString().slice(0, 10))).toEqual(
      Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2023, i, 1)).toISOString().slice(0, 10)),
    );
    expect(months[1]!.closeTime).toBe(Date.UTC(2023, 2, 1) - 1); // February 2023 has 28 days
    const threeDays = await h.ex.candles({ symbol: "BTCUSDT", interval: "3d", limit: 20 });
    for (const c of threeDays) expect(Math.floor(c.openTime / DAY) % 3).toBe(0);
    expect(threeDays.at(-1)!.closed).toBe(false);
  });

  it("gets 24 h tickers", async () => {
    h = await harness("spot");
    const ts = await h.ex.tickers24h();
    expect(ts.map((t) => t.symbol)).toContain("BTCUSDT");
    for (const t of ts) {
      for (const v of [t.lastPrice, t.openPrice, t.highPrice, t.lowPrice, t.volume, t.quoteVolume]) {
        expect(Number.isFinite(v)).toBe(true);
      }
      expect(t.highPrice).toBeGreaterThanOrEqual(t.lowPrice);
    }
    const spotTicker = h.fake.requests.find((r) => r.path === "/api/v3/ticker/24hr")!;
    expect(spotTicker.weight).toBe(80);
  });

  it("maps -1121 to UnknownSymbolError without retrying", async () => {
    h = await harness("futures");
    const err = await h.ex.candles({ symbol: "FOOUSDT", interval: "1h", limit: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownSymbolError);
    expect((err as UnknownSymbolError).message).toMatch(/^Unknown symbol FOOUSDT on Binance futures/);
    expect((err as UnknownSymbolError).hint).toMatch(/cma markets/);
    expect(hits(h.fake, "/fapi/v1/klines")).toBe(1);
  });

  it("maps -1120 (futures has no 1s) to InvalidIntervalError", async () => {
    h = await harness("futures");
    await expect(h.ex.candles({ symbol: "FILUSDT", interval: "1s", limit: 10 })).rejects.toBeInstanceOf(
      InvalidIntervalError,
    );
    expect(hits(h.fake, "/fapi/v1/klines")).toBe(1);
  });

  it("retries 5xx with full-jitter backoff, then gives up with ExchangeUnavailableError", async () => {
    h = await harness("spot", { maxRetries: 3 });
    await h.ex.markets();
    h.fake.inject({ kind: "status", status: 503, path: "/api/v3/klines", times: 2 });
    const ok = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 3 });
    expect(ok).toHaveLength(3);
    expect(hits(h.fake, "/api/v3/klines")).toBe(3);
    // random() = 0.5 → half of min(max, base · 2^attempt)
    expect(h.slept).toEqual([50, 100]);
    expect(h.logger.entries.filter((e) => e.level === "warn" && /retrying/.test(e.message))).toHaveLength(2);

    h.slept.length = 0;
    h.fake.inject({ kind: "status", status: 500, path: "/api/v3/klines", times: 10 });
    const err = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect((err as ExchangeUnavailableError).status).toBe(500);
    expect((err as ExchangeUnavailableError).attempts).toBe(4);
    expect(h.slept).toEqual([50, 100, 200]);
  });

  it("retries dropped connections and reports NetworkError causes after the cap", async () => {
    h = await harness("spot", { maxRetries: 2 });
    await h.ex.markets();
    h.fake.inject({ kind: "drop", path: "/api/v3/klines", times: 2 });
    expect(await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })).toHaveLength(2);
    h.fake.inject({ kind: "drop", path: "/api/v3/klines", times: 3 });
    const err = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect((err as ExchangeUnavailableError).status).toBeUndefined();
    expect((err as ExchangeUnavailableError).attempts).toBe(3);
    expect((err as Error).cause).toBeInstanceOf(NetworkError);
  });

  it("times out a stalled request and retries it", async () => {
    h = await harness("spot", { requestTimeoutMs: 150, maxRetries: 1 });
    await h.ex.markets();
    h.fake.inject({ kind: "delay", ms: 600, path: "/api/v3/klines" });
    expect(await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })).toHaveLength(2);
    h.fake.inject({ kind: "delay", ms: 600, path: "/api/v3/klines", times: 2 });
    const err = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExchangeUnavailableError);
    expect((err as Error).message).toMatch(/timed out after 150 ms/);
  });

  it("turns HTML pages and truncated JSON into BadResponseError after a bounded number of retries", async () => {
    h = await harness("spot");
    await h.ex.markets();
    h.fake.reset();
    h.fake.inject({ kind: "html", status: 200, path: "/api/v3/klines" });
    expect(await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 })).toHaveLength(2);
    h.fake.inject({ kind: "html", status: 200, path: "/api/v3/klines", times: 3 });
    const html = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(BadResponseError);
    expect((html as Error).message).toMatch(/Binance spot GET \/api\/v3\/klines returned an HTML page/);
    h.fake.inject({ kind: "truncated", path: "/api/v3/klines", times: 3 });
    const cut = await h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 2 }).catch((e: unknown) => e);
    expect(cut).toBeInstanceOf(BadResponseError);
    expect((cut as Error).message).toMatch(/truncated or invalid JSON/);
    expect(hits(h.fake, "/api/v3/klines")).toBe(2 + 3 + 3);
  });

  it("rejects NaN prices and wrong shapes at once, naming the endpoint and the field", async () => {
    h = await harness("futures");
    await h.ex.markets();
    h.fake.reset();
    h.fake.inject({ kind: "nan", path: "/fapi/v1/klines" });
    const nan = await h.ex.candles({ symbol: "FILUSDT", interval: "1h", limit: 5 }).catch((e: unknown) => e);
    expect(nan).toBeInstanceOf(BadResponseError);
    expect((nan as Error).message).toMatch(
      /Binance futures GET \/fapi\/v1\/klines returned an unusable response: row \d+ \w+ is "NaN"/,
    );
    h.fake.inject({ kind: "wrong-shape", path: "/fapi/v1/ticker/24hr" });
    await expect(h.ex.tickers24h()).rejects.toBeInstanceOf(BadResponseError);
    h.fake.inject({ kind: "nan", value: "abc", path: "/fapi/v1/ticker/24hr" });
    await expect(h.ex.tickers24h()).rejects.toThrow(/"abc", expected a decimal number/);
    expect(h.fake.requests.length).toBe(3);
  });

  it("createExchange builds Binance and refuses exchanges not supported yet", async () => {
    h = await harness("spot");
    await h.ex.close(); // its budget would otherwise be shared with the one below
    const ex = createExchange({
      name: "binance",
      market: "spot",
      restUrl: h.fake.restUrl,
      clock: h.clock,
      clockToleranceMs: Number.MAX_SAFE_INTEGER, // "accept any clock sync" must not break the budget
    });
    expect(ex.id).toBe("binance");
    expect(await ex.serverTime()).toBe(NOW);
    expect(await ex.candles({ symbol: "BTCUSDT", interval: "1d", limit: 2 })).toHaveLength(2);
    await ex.close();
    expect(() => createExchange({ name: "bybit", market: "spot" })).toThrow(UsageError);
    expect(() => createExchange({ name: "coinbase", market: "spot" })).toThrow(/not supported yet; supported: binance/);
  });

  it("refuses calls after close()", async () => {
    h = await harness("spot");
    await h.ex.close();
    await expect(h.ex.candles({ symbol: "BTCUSDT", interval: "1h", limit: 1 })).rejects.toThrow(/closed/);
  });
});

function countHours(from: number, to: number): number {
  return Math.floor((to - from) / HOUR) + 1;
}
