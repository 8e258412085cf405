import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer, type WebSocket as ServerSocket } from "ws";
import type { Candle } from "../../src/core/candle.js";
import { HOUR } from "../../src/core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import { combinedStreamUrl, klineStreamName } from "../../src/exchange/binance/kline-streams.js";
import type { StreamKey, StreamStatus, Subscription } from "../../src/exchange/exchange.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { type Harness, harness, NOW } from "./fake-setup.js";

let h: Harness | undefined;
let sub: Subscription | undefined;
afterEach(async () => {
  await sub?.close();
  sub = undefined;
  await h?.close();
  h = undefined;
});

async function waitFor(what: string, cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function recorder() {
  const candles: { key: StreamKey; c: Candle }[] = [];
  const statuses: StreamStatus[] = [];
  return {
    candles,
    statuses,
    handlers: {
      onCandle: (key: StreamKey, c: Candle) => candles.push({ key, c }),
      onStatus: (s: StreamStatus) => statuses.push(s),
    },
    closedOf: (symbol: string) => candles.filter((e) => e.key.symbol === symbol && e.c.closed).map((e) => e.c),
    count: (kind: StreamStatus["kind"]) => statuses.filter((s) => s.kind === kind).length,
  };
}

const spot1h = (symbol: string) => readKlineFile(join(BUNDLED_CANDLES_DIR, "binance-spot", `${symbol}-1h.csv.gz`));
const hourAt = (h0: number, i: number) => h0 + i * HOUR;

describe("Binance kline streams against the fake server", () => {
  it("names streams in lower case but keeps the interval's case (1M is not 1m)", () => {
    expect(klineStreamName({ symbol: "BTCUSDT", interval: "1M" })).toBe("btcusdt@kline_1M");
    expect(klineStreamName({ symbol: "BTCUSDT", interval: "1m" })).toBe("btcusdt@kline_1m");
    expect(combinedStreamUrl("wss://fstream.binance.com/market/", ["a@kline_1h", "b@kline_4h"])).toBe(
      "wss://fstream.binance.com/market/stream?streams=a@kline_1h/b@kline_4h",
    );
  });

  it("delivers live candles, the closed ones exactly as the exchange recorded them", async () => {
    h = await harness("spot");
    const r = recorder();
    sub = h.ex.subscribeCandles(
      [
        { symbol: "BTCUSDT", interval: "1h" },
        { symbol: "ETHUSDT", interval: "1h" },
      ],
      r.handlers,
    );
    await waitFor("connection", () => r.count("connected") === 1);
    expect(r.statuses[0]).toEqual({ kind: "connected", streams: 2, connection: 0 });
    h.clock.advance(2 * HOUR); // 14:30
    h.fake.tick();
    await waitFor("candles", () => r.candles.length >= 6);
    const h0 = Date.UTC(2024, 5, 15, 12);
    for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
      const mine = r.candles.filter((e) => e.key.symbol === symbol).map((e) => e.c);
      expect(mine.map((c) => [c.openTime, c.closed])).toEqual([
        [hourAt(h0, 0), true],
        [hourAt(h0, 1), true],
        [hourAt(h0, 2), false],
      ]);
      const want = spot1h(symbol).filter((c) => c.openTime >= h0 && c.openTime < hourAt(h0, 2));
      expect(r.closedOf(symbol)).toEqual(want);
    }
  });

  it("reconnects after a drop and back-fills, in order and once each, the candles that closed meanwhile", async () => {
    h = await harness("futures", { stream: { reconnectBaseMs: 20, reconnectMaxMs: 50 } });
    const r = recorder();
    const key = { symbol: "FILUSDT", interval: "1h" } as const;
    sub = h.ex.subscribeCandles([key], r.handlers);
    await waitFor("connection", () => r.count("connected") === 1);
    h.clock.advance(HOUR); // 13:30
    h.fake.tick();
    await waitFor("live candles", () => r.candles.length >= 2);
    const requestsBefore = h.fake.requests.length;

    h.fake.dropConnections();
    h.clock.advance(3 * HOUR); // 16:30: 13:00, 14:00 and 15:00 close while we are away
    await waitFor("reconnect", () => r.count("connected") === 2);
    await waitFor("back-fill", () => r.count("backfilled") === 1);
    expect(r.statuses.find((s) => s.kind === "disconnected")).toMatchObject({ connection: 0 });
    expect(r.statuses.find((s) => s.kind === "backfilled")).toEqual({ kind: "backfilled", key, candles: 3 });
    // The back-fill went over REST, through the adapter's budget.
    const backfill = h.fake.requests.slice(requestsBefore).filter((q) => q.path === "/fapi/v1/klines");
    expect(backfill.length).toBeGreaterThan(0);

    h.clock.advance(HOUR); // 17:30
    h.fake.tick();
    await waitFor("live again", () => r.closedOf("FILUSDT").length >= 5);
    const h0 = Date.UTC(2024, 5, 15, 12);
    const closed = r.closedOf("FILUSDT");
    expect(closed.map((c) => c.openTime)).toEqual([0, 1, 2, 3, 4].map((i) => hourAt(h0, i)));
    const rest = await h.ex.candles({ symbol: "FILUSDT", interval: "1h", startTime: h0, endTime: hourAt(h0, 4) });
    expect(closed).toEqual(rest);
    // Live updates resumed after the back-filled candles, never before.
    const lastBackfilled = r.candles.findIndex((e) => e.c.closed && e.c.openTime === hourAt(h0, 3));
    const firstLiveAfter = r.candles.findIndex((e, i) => i > lastBackfilled && e.c.openTime === hourAt(h0, 4));
    expect(firstLiveAfter).toBeGreaterThan(lastBackfilled);
    expect(h.logger.entries.some((e) => /stream disconnected; reconnecting/.test(e.message))).toBe(true);
  });

  it("reconnects at once on a serverShutdown notice", async () => {
    h = await harness("spot", { stream: { reconnectBaseMs: 5_000, reconnectMaxMs: 10_000 } });
    const r = recorder();
    sub = h.ex.subscribeCandles([{ symbol: "BTCUSDT", interval: "1h" }], r.handlers);
    await waitFor("connection", () => r.count("connected") === 1);
    h.fake.dropConnections({ shutdownNotice: true });
    // A drop would wait up to 5 s here; the announced shutdown reconnects without delay.
    await waitFor("reconnect", () => r.count("connected") === 2, 3000);
    expect(r.statuses.find((s) => s.kind === "disconnected")).toMatchObject({ retryInMs: 0 });
    expect(h.logger.entries.some((e) => /server announced a shutdown/.test(e.message))).toBe(true);
  });

  it("reconnects proactively before the connection's maximum lifetime", async () => {
    h = await harness("spot", { stream: { maxLifetimeMs: 100, reconnectBaseMs: 5_000, reconnectMaxMs: 10_000 } });
    const r = recorder();
    sub = h.ex.subscribeCandles([{ symbol: "BTCUSDT", interval: "1h" }], r.handlers);
    await waitFor("two lifetimes", () => r.count("connected") >= 2, 3000);
    expect(r.statuses.find((s) => s.kind === "disconnected")).toMatchObject({ retryInMs: 0 });
    expect(h.logger.entries.some((e) => /maximum lifetime; reconnecting/.test(e.message))).toBe(true);
  });

  it("declares a silent connection stale, replaces it, and still catches up", async () => {
    h = await harness("spot", { stream: { staleAfterMs: 150, reconnectBaseMs: 10, reconnectMaxMs: 20 } });
    const r = recorder();
    sub = h.ex.subscribeCandles([{ symbol: "ETHUSDT", interval: "1h" }], r.handlers);
    await waitFor("connection", () => r.count("connected") === 1);
    // No tick: the server sends nothing.
    await waitFor("stale", () => r.count("stale") >= 1);
    const stale = r.statuses.find((s) => s.kind === "stale")!;
    expect(stale).toMatchObject({ kind: "stale", connection: 0 });
    // Stale once silent for more than 150 ms, reported in whole milliseconds (150.3 ms is 150).
    expect((stale as { silentForMs: number }).silentForMs).toBeGreaterThanOrEqual(150);
    await waitFor("reconnect", () => r.count("connected") >= 2);
    h.clock.advance(HOUR);
    h.fake.tick();
    await waitFor("candle", () => r.closedOf("ETHUSDT").length === 1);
    expect(r.closedOf("ETHUSDT")[0]!.openTime).toBe(Date.UTC(2024, 5, 15, 12));
    expect(h.logger.entries.some((e) => e.level === "warn" && /went silent/.test(e.message))).toBe(true);
  });

  it("spreads streams over connections within the per-connection limit", async () => {
    h = await harness("spot", { stream: { maxStreamsPerConnection: 2 } });
    const r = recorder();
    const keys: StreamKey[] = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"].map((symbol) => ({
      symbol,
      interval: "1d", // SOL, BNB and XRP have hourly data only from 2025 in the bundle
    }));
    sub = h.ex.subscribeCandles([...keys, keys[0]!], r.handlers); // a duplicate is subscribed once
    await waitFor("connections", () => r.count("connected") === 3);
    expect(h.fake.connections()).toBe(3);
    const connected = r.statuses.filter((s) => s.kind === "connected") as { streams: number; connection: number }[];
    expect(connected.map((s) => [s.connection, s.streams]).sort()).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
    ]);
    h.clock.advance(24 * HOUR);
    h.fake.tick();
    await waitFor("one closed candle per stream", () => r.candles.filter((e) => e.c.closed).length === 5);
    expect(new Set(r.candles.map((e) => e.key.symbol)).size).toBe(5);
  });

  it("closes cleanly: sockets gone, no more candles, no timers left behind", async () => {
    const timers = () => process.getActiveResourcesInfo().filter((t) => t === "Timeout").length;
    h = await harness("spot", { stream: { staleAfterMs: 60_000 } });
    const before = timers();
    const r = recorder();
    const s = h.ex.subscribeCandles([{ symbol: "BTCUSDT", interval: "1h" }], r.handlers);
    await waitFor("connection", () => r.count("connected") === 1);
    expect(timers()).toBeGreaterThan(before);
    await s.close();
    await waitFor("server sees the close", () => h!.fake.connections() === 0);
    h.clock.advance(HOUR);
    h.fake.tick();
    await new Promise((res) => setTimeout(res, 30));
    expect(r.candles).toEqual([]);
    expect(r.count("disconnected")).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
    // Closing the exchange closes subscriptions that are still open.
    const r2 = recorder();
    h.ex.subscribeCandles([{ symbol: "ETHUSDT", interval: "1h" }], r2.handlers);
    await waitFor("connection", () => r2.count("connected") === 1);
    await h.ex.close();
    await waitFor("server sees the close", () => h!.fake.connections() === 0);
    expect(timers()).toBeLessThanOrEqual(before);
  });

  it("back-fills when a live update skips candles whose close it never saw, and ignores unusable messages", async () => {
    // A hand-driven stream server (REST stays the fake's), to send exactly the messages this case needs.
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    const sockets: ServerSocket[] = [];
    wss.on("connection", (ws) => sockets.push(ws));
    try {
      const port = (wss.address() as { port: number }).port;
      h = await harness("spot", { wsUrl: `ws://127.0.0.1:${port}` });
      const data = spot1h("BTCUSDT");
      const h0 = Date.UTC(2024, 5, 15, 12);
      const at = (t: number) => data.find((c) => c.openTime === t)!;
      const send = (c: Candle, closed: boolean, patch: Record<string, unknown> = {}) => {
        const k = {
          t: c.openTime,
          T: c.closeTime,
          s: "BTCUSDT",
          i: "1h",
          o: String(c.open),
          h: String(c.high),
          l: String(c.low),
          c: String(c.close),
          v: String(c.volume),
          n: c.trades,
          x: closed,
          q: String(c.quoteVolume),
          V: String(c.takerBuyBase),
          Q: String(c.takerBuyQuote),
          B: "0",
          ...patch,
        };
        sockets[0]!.send(
          JSON.stringify({ stream: "btcusdt@kline_1h", data: { e: "kline", E: c.openTime, s: "BTCUSDT", k } }),
        );
      };
      const r = recorder();
      sub = h.ex.subscribeCandles([{ symbol: "BTCUSDT", interval: "1h" }], r.handlers);
      await waitFor("connection", () => sockets.length === 1 && r.count("connected") === 1);
      send(at(h0), false);
      await waitFor("forming candle", () => r.candles.length === 1);

      send(at(h0), false, { c: "NaN" });
      sockets[0]!.send("not json");
      await waitFor("errors reported", () => r.count("error") === 2);

      h.clock.set(h0 + 2 * HOUR + 30 * 60_000);
      send(at(h0 + 2 * HOUR), false); // 12:00 and 13:00 closed without a final update reaching us
      await waitFor("back-fill and the held update", () => r.candles.length === 4);
      expect(r.candles.map((e) => [new Date(e.c.openTime).toISOString().slice(11, 16), e.c.closed])).toEqual([
        ["12:00", false],
        ["12:00", true],
        ["13:00", true],
        ["14:00", false],
      ]);
      expect(r.closedOf("BTCUSDT")).toEqual([at(h0), at(h0 + HOUR)]);
      expect(r.statuses.find((x) => x.kind === "backfilled")).toMatchObject({ candles: 2 });
      expect(r.statuses.filter((x) => x.kind === "error").map((x) => (x as { message: string }).message)).toEqual([
        expect.stringMatching(/k\.c \(close\) is "NaN"/),
        expect.stringMatching(/not JSON/),
      ]);
      // A late final update of an already back-filled candle is dropped, not delivered twice.
      send(at(h0 + HOUR), true);
      send(at(h0 + 2 * HOUR), false);
      await waitFor("next update", () => r.candles.length === 5);
      expect(r.candles[4]!.c.openTime).toBe(h0 + 2 * HOUR);
    } finally {
      await sub?.close();
      sub = undefined;
      for (const ws of sockets) ws.terminate();
      await new Promise((res) => wss.close(res));
    }
  });

  it("rejects intervals the market does not stream", async () => {
    h = await harness("futures");
    expect(() => h!.ex.subscribeCandles([{ symbol: "FILUSDT", interval: "1s" }], { onCandle() {} })).toThrow(
      /1s is not streamed by Binance futures/,
    );
    expect(NOW).toBeGreaterThan(0);
  });
});
