import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { HOUR, MINUTE } from "../../src/core/interval.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { syntheticMarketData } from "../../src/sim/fake-binance/index.js";
import { type Harness, NOW, type Reply, startHarness, T } from "./fake-binance-helpers.js";

type Row = [number, string, string, string, string, string, number, string, number, string, string, string];

const csv = (market: string, file: string) => readKlineFile(join(BUNDLED_CANDLES_DIR, `binance-${market}`, file));
const rows = (r: Reply) => r.body as Row[];
const weightOf = (r: Reply) => Number(r.headers.get("x-mbx-used-weight-1m"));

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.fake.close());
beforeEach(() => h.fake.reset());

/** Weight a single request costs, read from the header of a fresh window. */
async function cost(path: string): Promise<{ weight: number; reply: Reply }> {
  h.fake.reset();
  const reply = await h.get(path);
  return { weight: weightOf(reply), reply };
}

describe("klines", () => {
  it("serves the recorded candles in Binance's wire format (spot: 8-decimal strings)", async () => {
    const start = T("2024-05-01T00:00:00Z");
    const r = await h.get(`/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${start}&limit=48`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    const want = csv("spot", "BTCUSDT-1h.csv.gz")
      .filter((c) => c.openTime >= start)
      .slice(0, 48);
    expect(rows(r)).toHaveLength(48);
    rows(r).forEach((row, i) => {
      const c = want[i];
      expect(row).toHaveLength(12);
      expect(typeof row[0]).toBe("number");
      expect(typeof row[6]).toBe("number");
      expect(typeof row[8]).toBe("number");
      for (const k of [1, 2, 3, 4, 5, 7, 9, 10]) expect(row[k]).toMatch(/^\d+\.\d{8}$/);
      expect(row[11]).toBe("0");
      expect([row[0], Number(row[1]), Number(row[2]), Number(row[3]), Number(row[4]), Number(row[5]), row[6]]).toEqual([
        c?.openTime,
        c?.open,
        c?.high,
        c?.low,
        c?.close,
        c?.volume,
        c?.closeTime,
      ]);
      expect(row[6]).toBe(row[0] + HOUR - 1);
    });
  });

  it("prints futures candles at the contract's own precision and accepts lower-case symbols", async () => {
    const start = T("2026-02-01T00:00:00Z");
    const r = await h.get(`/fapi/v1/klines?symbol=algousdt&interval=15m&startTime=${start}&limit=10`);
    expect(r.status).toBe(200);
    const want = csv("futures", "ALGOUSDT-15m.csv.gz").filter((c) => c.openTime >= start);
    rows(r).forEach((row, i) => {
      const c = want[i];
      expect(row[1]).toMatch(/^\d+\.\d{4}$/);
      expect(row[5]).toMatch(/^\d+\.\d$/);
      expect(row[7]).toMatch(/^\d+\.\d{5}$/);
      expect([Number(row[1]), Number(row[4]), Number(row[5]), Number(row[7]), row[8], Number(row[9])]).toEqual([
        c?.open,
        c?.close,
        c?.volume,
        c?.quoteVolume,
        c?.trades,
        c?.takerBuyBase,
      ]);
    });
  });

  it("ends with the forming candle (closeTime >= server time), 500 rows by default, none after now", async () => {
    const time = (await h.get("/api/v3/time")).body as { serverTime: number };
    expect(time.serverTime).toBe(NOW);
    const r = await h.get("/api/v3/klines?symbol=ETHUSDT&interval=1h");
    const list = rows(r);
    expect(list).toHaveLength(500);
    const last = list.at(-1) as Row;
    expect(last[0]).toBe(T("2026-02-01T13:00:00Z"));
    expect(last[6]).toBeGreaterThanOrEqual(time.serverTime);
    expect(list.slice(0, -1).every((row) => row[6] < time.serverTime)).toBe(true);
    const later = rows(await h.get(`/api/v3/klines?symbol=ETHUSDT&interval=1h&startTime=${NOW + HOUR}`));
    expect(later).toEqual([]);
  });

  it("follows Binance's startTime/endTime/limit semantics on open times", async () => {
    const base = "/api/v3/klines?symbol=BTCUSDT&interval=1h";
    const start = T("2024-01-10T05:30:00Z");
    const fromStart = rows(await h.get(`${base}&startTime=${start}&limit=3`));
    expect(fromStart.map((r) => r[0])).toEqual([
      T("2024-01-10T06:00:00Z"),
      T("2024-01-10T07:00:00Z"),
      T("2024-01-10T08:00:00Z"),
    ]);
    const end = T("2024-01-10T05:30:00Z");
    const toEnd = rows(await h.get(`${base}&endTime=${end}&limit=3`));
    expect(toEnd.map((r) => r[0])).toEqual([
      T("2024-01-10T03:00:00Z"),
      T("2024-01-10T04:00:00Z"),
      T("2024-01-10T05:00:00Z"),
    ]);
    const both = rows(
      await h.get(`${base}&startTime=${T("2024-01-10T00:00:00Z")}&endTime=${T("2024-01-10T02:00:00Z")}&limit=1000`),
    );
    expect(both.map((r) => r[0])).toEqual([
      T("2024-01-10T00:00:00Z"),
      T("2024-01-10T01:00:00Z"),
      T("2024-01-10T02:00:00Z"),
    ]);
    const capped = rows(
      await h.get(`${base}&startTime=${T("2024-01-10T00:00:00Z")}&endTime=${T("2024-01-12T00:00:00Z")}&limit=5`),
    );
    expect(capped).toHaveLength(5);
    expect(capped[0]?.[0]).toBe(T("2024-01-10T00:00:00Z"));
    // Spot accepts microsecond timestamps.
    const micros = rows(await h.get(`${base}&startTime=${start * 1000}&limit=1`));
    expect(micros[0]?.[0]).toBe(T("2024-01-10T06:00:00Z"));
    const reversed = await h.get(`${base}&startTime=${T("2024-01-10T02:00:00Z")}&endTime=${T("2024-01-10T00:00:00Z")}`);
    expect(reversed.status).toBe(400);
    expect(reversed.body).toEqual({ code: -1023, msg: "Start time is greater than end time." });
  });

  it("derives intervals that have no file (weekly opens on Monday, monthly on the 1st)", async () => {
    const weeks = rows(await h.get("/api/v3/klines?symbol=SOLUSDT&interval=1w&limit=20"));
    expect(weeks).toHaveLength(20);
    for (const w of weeks) expect(new Date(w[0]).getUTCDay()).toBe(1);
    const months = rows(await h.get("/api/v3/klines?symbol=SOLUSDT&interval=1M&limit=3"));
    expect(months.map((m) => new Date(m[0]).toISOString().slice(0, 10))).toEqual([
      "2025-12-01",
      "2026-01-01",
      "2026-02-01",
    ]);
    expect(months[1]?.[6]).toBe(T("2026-02-01T00:00:00Z") - 1);
  });

  it.each([
    ["/api/v3/klines?symbol=BTCUSDT&interval=1H", -1120, "Invalid interval."],
    ["/fapi/v1/klines?symbol=ALGOUSDT&interval=1s", -1120, "Invalid interval."],
    ["/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1001", -1130, "Data sent for parameter 'limit' is not valid."],
    ["/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=0", -1130, "Data sent for parameter 'limit' is not valid."],
    ["/fapi/v1/klines?symbol=ALGOUSDT&interval=1h&limit=1501", -1130, "Data sent for parameter 'limit' is not valid."],
    [
      "/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=-5",
      -1100,
      "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'.",
    ],
    [
      "/api/v3/klines?symbol=btcusdt&interval=1h",
      -1100,
      "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'.",
    ],
    ["/api/v3/klines?interval=1h", -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."],
    [
      "/api/v3/klines?symbol=BTCUSDT",
      -1102,
      "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.",
    ],
    ["/api/v3/klines?symbol=DOGEUSDT&interval=1h", -1121, "Invalid symbol."],
    ["/fapi/v1/klines?symbol=BTCUSDT&interval=1h", -1121, "Invalid symbol."],
    [
      "/api/v3/klines?symbol=BTCUSDT&interval=1h&foo=1",
      -1104,
      "Not all sent parameters were read; read '2' parameter(s) but was sent '3'.",
    ],
    ["/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=5&limit=6", -1101, "Duplicate values for a parameter detected."],
  ])("rejects %s with %i (and still charges weight)", async (path, code, msg) => {
    const { reply, weight } = await cost(path);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code, msg });
    expect(weight).toBeGreaterThan(0);
    expect(h.fake.requests.at(-1)).toMatchObject({ status: 400, weight });
  });

  it("charges futures klines by limit band (no limit: 500 rows for 5)", async () => {
    const expected: [string, number][] = [
      ["", 5],
      ["&limit=1", 1],
      ["&limit=100", 1],
      ["&limit=101", 2],
      ["&limit=500", 2],
      ["&limit=501", 5],
      ["&limit=1000", 5],
      ["&limit=1001", 10],
      ["&limit=1500", 10],
      ["&limit=1501", 10],
    ];
    for (const [q, w] of expected) {
      const { weight, reply } = await cost(`/fapi/v1/klines?symbol=FILUSDT&interval=1h${q}`);
      expect([q, weight]).toEqual([q, w]);
      expect(reply.headers.get("x-mbx-used-weight")).toBeNull(); // futures sends only the -1M header
    }
    const { reply } = await cost("/fapi/v1/klines?symbol=FILUSDT&interval=1h");
    expect(rows(reply)).toHaveLength(500);
  });

  it("charges spot klines 2 regardless of limit, in both weight headers", async () => {
    for (const limit of [1, 500, 1000]) {
      const { weight, reply } = await cost(`/api/v3/klines?symbol=BTCUSDT&interval=1d&limit=${limit}`);
      expect(weight).toBe(2);
      expect(reply.headers.get("x-mbx-used-weight")).toBe("2");
      expect(rows(reply)).toHaveLength(limit);
    }
  });
});

describe("exchangeInfo", () => {
  it("spot: weight 20, realistic symbol objects and the configured limits", async () => {
    const { weight, reply } = await cost("/api/v3/exchangeInfo");
    expect(weight).toBe(20);
    const info = reply.body as {
      timezone: string;
      serverTime: number;
      rateLimits: { rateLimitType: string; interval: string; intervalNum: number; limit: number }[];
      symbols: {
        symbol: string;
        status: string;
        baseAsset: string;
        quoteAsset: string;
        filters: Record<string, unknown>[];
      }[];
    };
    expect(info.timezone).toBe("UTC");
    expect(info.serverTime).toBe(NOW);
    expect(info.rateLimits).toContainEqual({
      rateLimitType: "REQUEST_WEIGHT",
      interval: "MINUTE",
      intervalNum: 1,
      limit: 6000,
    });
    expect(info.rateLimits.some((l) => l.rateLimitType === "RAW_REQUESTS")).toBe(true);
    expect(info.symbols.map((s) => s.symbol).sort()).toEqual(["BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"]);
    const btc = info.symbols.find((s) => s.symbol === "BTCUSDT");
    expect(btc).toMatchObject({ status: "TRADING", baseAsset: "BTC", quoteAsset: "USDT" });
    const filter = (t: string) => btc?.filters.find((f) => f.filterType === t) as Record<string, string>;
    expect(filter("PRICE_FILTER").tickSize).toBe("0.01000000");
    expect(filter("PRICE_FILTER").minPrice).toMatch(/^\d+\.\d{8}$/);
    expect(filter("LOT_SIZE").stepSize).toMatch(/^0\.0+10*$/);
    expect(filter("NOTIONAL").minNotional).toBe("5.00000000");
  });

  it("spot: symbol / symbols parameters and unknown symbols", async () => {
    const one = (await h.get("/api/v3/exchangeInfo?symbol=ETHUSDT")).body as { symbols: { symbol: string }[] };
    expect(one.symbols.map((s) => s.symbol)).toEqual(["ETHUSDT"]);
    const list = await h.get(`/api/v3/exchangeInfo?symbols=${encodeURIComponent('["ETHUSDT","SOLUSDT"]')}`);
    expect((list.body as { symbols: { symbol: string }[] }).symbols.map((s) => s.symbol)).toEqual([
      "ETHUSDT",
      "SOLUSDT",
    ]);
    const bad = await h.get("/api/v3/exchangeInfo?symbol=NOPEUSDT");
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: -1121, msg: "Invalid symbol." });
    const spaced = await h.get(`/api/v3/exchangeInfo?symbols=${encodeURIComponent('["ETHUSDT", "SOLUSDT"]')}`);
    expect((spaced.body as { code: number }).code).toBe(-1100);
  });

  it("futures: weight 1, perpetual contracts with onboardDate and MIN_NOTIONAL", async () => {
    const { weight, reply } = await cost("/fapi/v1/exchangeInfo");
    expect(weight).toBe(1);
    const info = reply.body as {
      futuresType: string;
      rateLimits: { rateLimitType: string; limit: number }[];
      symbols: Record<string, unknown>[];
    };
    expect(info.futuresType).toBe("U_MARGINED");
    expect(info.rateLimits.find((l) => l.rateLimitType === "REQUEST_WEIGHT")?.limit).toBe(2400);
    const algo = info.symbols.find((s) => s.symbol === "ALGOUSDT") as Record<string, unknown> & {
      filters: Record<string, string>[];
    };
    expect(algo).toMatchObject({
      contractType: "PERPETUAL",
      status: "TRADING",
      quoteAsset: "USDT",
      onboardDate: T("2023-02-01T00:00:00Z"),
      pricePrecision: 4,
      quantityPrecision: 1,
    });
    expect(algo.filters.find((f) => f.filterType === "MIN_NOTIONAL")?.notional).toBe("5");
    expect(algo.filters.find((f) => f.filterType === "PRICE_FILTER")?.tickSize).toBe("0.0001");
    expect(algo.filters.find((f) => f.filterType === "LOT_SIZE")?.stepSize).toBe("0.1");
  });

  it("lists only symbols that exist at the server's now", async () => {
    const early = await startHarness({ now: T("2019-01-01T00:00:00Z") });
    try {
      const info = (await early.get("/api/v3/exchangeInfo")).body as { symbols: { symbol: string }[] };
      expect(info.symbols.map((s) => s.symbol)).toEqual(["BTCUSDT"]);
      expect((await early.get("/api/v3/klines?symbol=ETHUSDT&interval=1d")).body).toEqual({
        code: -1121,
        msg: "Invalid symbol.",
      });
    } finally {
      await early.fake.close();
    }
  });
});

describe("tickers and depth", () => {
  it("ticker/24hr: rolling stats up to now as strings, last price = the forming candle's close", async () => {
    const { weight, reply } = await cost("/api/v3/ticker/24hr?symbol=BTCUSDT");
    expect(weight).toBe(2);
    const t = reply.body as Record<string, string | number>;
    expect(Object.keys(t)).toEqual([
      "symbol",
      "priceChange",
      "priceChangePercent",
      "weightedAvgPrice",
      "prevClosePrice",
      "lastPrice",
      "lastQty",
      "bidPrice",
      "bidQty",
      "askPrice",
      "askQty",
      "openPrice",
      "highPrice",
      "lowPrice",
      "volume",
      "quoteVolume",
      "openTime",
      "closeTime",
      "firstId",
      "lastId",
      "count",
    ]);
    expect(t.openTime).toBe(NOW - 24 * HOUR);
    expect(t.closeTime).toBe(NOW);
    const forming = rows(await h.get("/api/v3/klines?symbol=BTCUSDT&interval=1h&limit=1"))[0] as Row;
    expect(t.lastPrice).toBe(forming[4]);
    expect(Number(t.highPrice)).toBeGreaterThanOrEqual(Number(forming[2]));
    expect(Number(t.highPrice)).toBeGreaterThanOrEqual(Number(t.lowPrice));
    expect(Number(t.volume)).toBeGreaterThan(0);
    expect(Number(t.quoteVolume)).toBeGreaterThan(Number(t.volume) * Number(t.lowPrice) * 0.99);
    expect(Number(t.priceChange)).toBeCloseTo(Number(t.lastPrice) - Number(t.openPrice), 6);
    expect(Number(t.askPrice)).toBeGreaterThan(Number(t.bidPrice));
  });

  it("ticker/24hr weights: 2 per symbol list up to 20, 40 up to 100, 80 for all", async () => {
    const all = await cost("/api/v3/ticker/24hr");
    expect(all.weight).toBe(80);
    expect((all.reply.body as unknown[]).length).toBe(5);
    const two = await cost(`/api/v3/ticker/24hr?symbols=${encodeURIComponent('["BTCUSDT","ETHUSDT"]')}`);
    expect(two.weight).toBe(2);
    expect((two.reply.body as { symbol: string }[]).map((x) => x.symbol)).toEqual(["BTCUSDT", "ETHUSDT"]);
    const names = Array.from({ length: 21 }, (_, i) => `X${i}USDT`);
    const many = await cost(`/api/v3/ticker/24hr?symbols=${encodeURIComponent(JSON.stringify(names))}`);
    expect(many.weight).toBe(40);
    expect(many.reply.body).toEqual({ code: -1121, msg: "Invalid symbol." });
    const mini = await cost("/api/v3/ticker/24hr?symbol=ETHUSDT&type=MINI");
    expect(Object.keys(mini.reply.body as object)).not.toContain("bidPrice");
  });

  it("futures ticker/24hr: weight 1 with symbol, 40 without; lower-case symbols answered upper-case", async () => {
    const one = await cost("/fapi/v1/ticker/24hr?symbol=filusdt");
    expect(one.weight).toBe(1);
    const t = one.reply.body as Record<string, unknown>;
    expect(t.symbol).toBe("FILUSDT");
    expect(t).not.toHaveProperty("bidPrice");
    expect(t.lastPrice).toMatch(/^\d+\.\d{3}$/);
    expect(Number(t.count)).toBeGreaterThan(0);
    const all = await cost("/fapi/v1/ticker/24hr");
    expect(all.weight).toBe(40);
    expect((all.reply.body as unknown[]).length).toBe(2);
  });

  it("price and book tickers with their weights", async () => {
    expect((await cost("/api/v3/ticker/price?symbol=BTCUSDT")).weight).toBe(2);
    expect((await cost("/api/v3/ticker/price")).weight).toBe(4);
    expect((await cost("/api/v3/ticker/bookTicker?symbol=BTCUSDT")).weight).toBe(2);
    expect((await cost("/fapi/v1/ticker/price?symbol=ALGOUSDT")).weight).toBe(1);
    expect((await cost("/fapi/v2/ticker/price")).weight).toBe(2);
    expect((await cost("/fapi/v1/ticker/bookTicker")).weight).toBe(5);
    const price = (await h.get("/fapi/v2/ticker/price?symbol=ALGOUSDT")).body as Record<string, unknown>;
    expect(price).toEqual({ symbol: "ALGOUSDT", price: expect.stringMatching(/^\d+\.\d{4}$/), time: NOW });
    const book = (await h.get("/api/v3/ticker/bookTicker?symbol=ETHUSDT")).body as Record<string, string>;
    expect(Object.keys(book)).toEqual(["symbol", "bidPrice", "bidQty", "askPrice", "askQty"]);
    const depth = (await h.get("/api/v3/depth?symbol=ETHUSDT&limit=5")).body as { bids: string[][] };
    expect(depth.bids[0]).toEqual([book.bidPrice, book.bidQty]);
  });

  it("depth: a book around the last price, weighted by limit", async () => {
    const spotWeights: [number, number][] = [
      [5, 5],
      [100, 5],
      [101, 25],
      [500, 25],
      [1000, 50],
      [5000, 250],
    ];
    for (const [limit, w] of spotWeights) {
      const { weight, reply } = await cost(`/api/v3/depth?symbol=BTCUSDT&limit=${limit}`);
      expect([limit, weight]).toEqual([limit, w]);
      const d = reply.body as { lastUpdateId: number; bids: string[][]; asks: string[][] };
      expect(d.bids).toHaveLength(limit);
      expect(Number(d.bids[0]?.[0])).toBeLessThan(Number(d.asks[0]?.[0]));
      expect(Number(d.bids[1]?.[0])).toBeLessThan(Number(d.bids[0]?.[0]));
    }
    const fut = await cost("/fapi/v1/depth?symbol=ALGOUSDT&limit=100");
    expect(fut.weight).toBe(5);
    expect(fut.reply.body).toMatchObject({ E: NOW, T: NOW });
    expect((await cost("/fapi/v1/depth?symbol=ALGOUSDT")).weight).toBe(1);
    const bad = await cost("/fapi/v1/depth?symbol=ALGOUSDT&limit=7");
    expect(bad.reply.body).toEqual({ code: -4021, msg: "7 is not valid depth limit" });
    expect(bad.weight).toBe(1);
  });
});

describe("routing and the request log", () => {
  it("answers unknown paths with a proxy's 404 HTML page, free of weight", async () => {
    const r = await h.get("/api/v3/nonexistent");
    expect(r.status).toBe(404);
    expect(r.headers.get("content-type")).toMatch(/text\/html/);
    expect(r.text).toContain("<html>");
    expect(h.fake.usedWeight("spot")).toBe(0);
  });

  it("logs every request with market, path, query, weight, status and server time", async () => {
    const own = await startHarness();
    try {
      await own.get("/api/v3/ping");
      await own.get("/fapi/v1/klines?symbol=ALGOUSDT&interval=1h&limit=2");
      own.clock.advance(MINUTE);
      await own.get("/fapi/v1/klines?symbol=NOPE&interval=1h");
      checkLog(own);
    } finally {
      await own.fake.close();
    }
  });
});

function checkLog(h: Harness): void {
  expect(h.fake.requests).toEqual([
    { market: "spot", path: "/api/v3/ping", query: {}, weight: 1, status: 200, at: NOW },
    {
      market: "futures",
      path: "/fapi/v1/klines",
      query: { symbol: "ALGOUSDT", interval: "1h", limit: "2" },
      weight: 1,
      status: 200,
      at: NOW,
    },
    {
      market: "futures",
      path: "/fapi/v1/klines",
      query: { symbol: "NOPE", interval: "1h" },
      weight: 5,
      status: 400,
      at: NOW + MINUTE,
    },
  ]);
  expect(h.fake.totalWeight("futures")).toBe(6);
  expect(h.fake.usedWeight("futures")).toBe(5);
  expect(h.fake.usedWeight("spot")).toBe(0);
}

describe("a synthetic universe for benchmarks", () => {
  it("serves 320 symbols through every endpoint a scanner uses", async () => {
    const own = await startHarness({
      spot: syntheticMarketData({ symbols: 320 }),
      futures: syntheticMarketData({ symbols: 320, seed: 2 }),
    });
    try {
      const info = (await own.get("/fapi/v1/exchangeInfo")).body as { symbols: { symbol: string }[] };
      expect(info.symbols).toHaveLength(320);
      const tickers = (await own.get("/fapi/v1/ticker/24hr")).body as { symbol: string; quoteVolume: string }[];
      expect(tickers).toHaveLength(320);
      expect(tickers.every((t) => Number(t.quoteVolume) > 0)).toBe(true);
      const k = (await own.get("/fapi/v1/klines?symbol=SYN300USDT&interval=4h&limit=1500")).body as Row[];
      expect(k).toHaveLength(1500);
      expect(k.at(-1)?.[6]).toBeGreaterThanOrEqual(NOW);
      expect(k.every((row, i) => i === 0 || row[1] === (k[i - 1] as Row)[4])).toBe(true);
      const spot = (await own.get("/api/v3/klines?symbol=SYN001USDT&interval=1d&limit=3")).body as Row[];
      expect(spot[0]?.[1]).toMatch(/^\d+\.\d{8}$/);
    } finally {
      await own.fake.close();
    }
  });
});
