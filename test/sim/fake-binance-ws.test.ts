import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { DAY, HOUR, MINUTE } from "../../src/core/interval.js";
import { eventually, type Harness, NOW, startHarness, T } from "./fake-binance-helpers.js";

interface KlinePayload {
  e: string;
  E: number;
  s: string;
  k: { t: number; T: number; s: string; i: string; o: string; c: string; h: string; l: string; v: string; x: boolean };
}
type Combined = { stream: string; data: KlinePayload };

/** A real `ws` client that records everything it receives. */
class Client {
  readonly messages: unknown[] = [];
  readonly pings: Buffer[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => {
      this.messages.push(JSON.parse(d.toString()));
      this.#wake();
    });
    ws.on("ping", (p) => {
      this.pings.push(p);
      this.#wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#wake();
      }),
    );
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  static open(url: string, opts: WebSocket.ClientOptions = {}): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, opts);
      const c = new Client(ws);
      ws.once("open", () => resolve(c));
      ws.once("error", reject);
    });
  }

  async until(done: () => boolean): Promise<void> {
    while (!done()) await new Promise<void>((r) => this.#waiters.push(r));
  }

  async count(n: number): Promise<unknown[]> {
    await this.until(() => this.messages.length >= n || this.ws.readyState === WebSocket.CLOSED);
    return this.messages.slice(0, n);
  }

  /** Sends a control request and waits for the reply with its id; everything pushed before it has arrived too. */
  async call(method: string, params?: unknown[], id = Math.floor(Math.random() * 1e9)): Promise<unknown> {
    this.ws.send(JSON.stringify(params === undefined ? { method, id } : { method, params, id }));
    let reply: unknown;
    await this.until(() => {
      reply = this.messages.find((m) => (m as { id?: unknown }).id === id);
      return reply !== undefined;
    });
    return reply;
  }

  klines(): KlinePayload[] {
    return this.messages.map((m) => ((m as Combined).data ?? m) as KlinePayload).filter((m) => m.e === "kline");
  }
}

let h: Harness | undefined;
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await h?.fake.close();
  h = undefined;
});

async function setup(opts: Parameters<typeof startHarness>[0] = {}): Promise<Harness> {
  h = await startHarness(opts);
  return h;
}
async function connect(url: string, opts?: WebSocket.ClientOptions): Promise<Client> {
  const c = await Client.open(url, opts);
  clients.push(c);
  return c;
}

describe("kline streams", () => {
  it("combined spot stream: forming candle on tick, then every closed candle in order, matching REST", async () => {
    const { fake, clock, get } = await setup();
    const c = await connect(`${fake.wsUrl}/stream?streams=btcusdt@kline_1h/ethusdt@kline_1h`);
    fake.tick();
    const first = (await c.count(2)) as Combined[];
    expect(first.map((m) => m.stream).sort()).toEqual(["btcusdt@kline_1h", "ethusdt@kline_1h"]);
    for (const m of first) {
      expect(m.data).toMatchObject({ e: "kline", E: NOW, k: { t: T("2026-02-01T13:00:00Z"), i: "1h", x: false } });
    }
    clock.advance(3 * HOUR);
    fake.tick();
    const all = (await c.count(10)) as Combined[];
    const btc = all
      .slice(2)
      .filter((m) => m.stream === "btcusdt@kline_1h")
      .map((m) => m.data.k);
    expect(btc.map((k) => [new Date(k.t).toISOString().slice(11, 13), k.x])).toEqual([
      ["13", true],
      ["14", true],
      ["15", true],
      ["16", false],
    ]);
    const rest = (await get(`/api/v3/klines?symbol=BTCUSDT&interval=1h&startTime=${T("2026-02-01T13:00:00Z")}`))
      .body as (string | number)[][];
    expect(rest).toHaveLength(4);
    btc.forEach((k, i) => {
      const row = rest[i] as (string | number)[];
      expect([k.t, k.o, k.h, k.l, k.c, k.v, k.T]).toEqual([row[0], row[1], row[2], row[3], row[4], row[5], row[6]]);
    });
  });

  it("raw stream: the exact Binance payload, unwrapped", async () => {
    const { fake } = await setup();
    const c = await connect(`${fake.wsUrl}/ws/btcusdt@kline_5m`);
    fake.tick();
    const [m] = (await c.count(1)) as KlinePayload[];
    expect(Object.keys(m as object)).toEqual(["e", "E", "s", "k"]);
    expect(Object.keys((m as KlinePayload).k)).toEqual([
      "t",
      "T",
      "s",
      "i",
      "f",
      "L",
      "o",
      "c",
      "h",
      "l",
      "v",
      "n",
      "x",
      "q",
      "V",
      "Q",
      "B",
    ]);
    expect(m).toMatchObject({
      e: "kline",
      s: "BTCUSDT",
      k: { t: T("2026-02-01T13:35:00Z"), T: T("2026-02-01T13:40:00Z") - 1, s: "BTCUSDT", i: "5m", x: false, B: "0" },
    });
    expect((m as KlinePayload).k.o).toMatch(/^\d+\.\d{8}$/);
  });

  it("futures under /market: lower-case names stream, upper-case names are acknowledged and stay silent", async () => {
    const { fake, clock } = await setup();
    const c = await connect(`${fake.wsUrl}/market/stream?streams=algousdt@kline_15m`);
    expect(await c.call("SUBSCRIBE", ["FILUSDT@kline_15m"], 1)).toEqual({ result: null, id: 1 });
    clock.advance(15 * MINUTE);
    fake.tick();
    expect(await c.call("LIST_SUBSCRIPTIONS", undefined, 2)).toEqual({
      result: ["algousdt@kline_15m", "FILUSDT@kline_15m"],
      id: 2,
    });
    const k = c.klines();
    expect(k.map((x) => [x.s, x.k.x])).toEqual([
      ["ALGOUSDT", true],
      ["ALGOUSDT", false],
    ]);
    expect(k[0]?.k.o).toMatch(/^\d+\.\d{4}$/);
    const raw = await connect(`${fake.wsUrl}/market/ws/filusdt@kline_1h`);
    fake.tick();
    expect(((await raw.count(1))[0] as KlinePayload).s).toBe("FILUSDT");
  });

  it("caps a huge clock jump at the most recent 1000 closed candles", async () => {
    const { fake, clock } = await setup();
    const c = await connect(`${fake.wsUrl}/ws/btcusdt@kline_5m`);
    clock.advance(5 * DAY);
    fake.tick();
    const k = (await c.count(1001)) as KlinePayload[];
    const forming = T("2026-02-06T13:35:00Z");
    expect(k.slice(0, 1000).every((m) => m.k.x)).toBe(true);
    expect(k[1000]?.k).toMatchObject({ x: false, t: forming });
    expect(k[999]?.k.t).toBe(forming - 5 * MINUTE);
    expect(k[0]?.k.t).toBe(forming - 1000 * 5 * MINUTE);
  });
});

describe("control messages", () => {
  it("SUBSCRIBE, LIST_SUBSCRIPTIONS, UNSUBSCRIBE with {result, id} replies", async () => {
    const { fake, clock } = await setup();
    const c = await connect(`${fake.wsUrl}/ws`);
    expect(await c.call("SUBSCRIBE", ["ethusdt@kline_5m", "solusdt@kline_1h"], 11)).toEqual({ result: null, id: 11 });
    expect(await c.call("LIST_SUBSCRIPTIONS", undefined, 12)).toEqual({
      result: ["ethusdt@kline_5m", "solusdt@kline_1h"],
      id: 12,
    });
    fake.tick();
    await c.count(4);
    expect(c.klines().map((k) => k.s)).toEqual(["ETHUSDT", "SOLUSDT"]);
    expect(await c.call("UNSUBSCRIBE", ["solusdt@kline_1h"], 13)).toEqual({ result: null, id: 13 });
    clock.advance(MINUTE);
    fake.tick();
    await c.call("LIST_SUBSCRIPTIONS", undefined, 14);
    expect(c.klines().map((k) => k.s)).toEqual(["ETHUSDT", "SOLUSDT", "ETHUSDT"]);
  });

  it("SET_PROPERTY combined wraps events; errors for bad JSON, methods and values", async () => {
    const { fake } = await setup();
    const c = await connect(`${fake.wsUrl}/ws/xrpusdt@kline_1d`);
    expect(await c.call("GET_PROPERTY", ["combined"], 1)).toEqual({ result: false, id: 1 });
    expect(await c.call("SET_PROPERTY", ["combined", true], 2)).toEqual({ result: null, id: 2 });
    fake.tick();
    await c.count(3);
    expect(c.messages[2]).toMatchObject({ stream: "xrpusdt@kline_1d", data: { s: "XRPUSDT" } });
    expect(await c.call("SET_PROPERTY", ["combined", "yes"], 3)).toEqual({
      error: { code: 1, msg: "Invalid value type: expected Boolean" },
      id: 3,
    });
    expect(await c.call("FROBNICATE", [], 4)).toMatchObject({ error: { code: 2 }, id: 4 });
    c.ws.send("{not json");
    await c.count(6);
    expect(c.messages[5]).toMatchObject({ error: { code: 3 }, id: null });
  });

  it("more streams than allowed: error, then close 1008", async () => {
    const { fake } = await setup({ ws: { maxStreamsPerConnection: 3 } });
    const c = await connect(`${fake.wsUrl}/stream?streams=btcusdt@kline_1m`);
    expect(await c.call("SUBSCRIBE", ["a@kline_1m", "b@kline_1m", "c@kline_1m"], 7)).toEqual({
      error: { code: 4, msg: "Too many subscriptions" },
      id: 7,
    });
    expect((await c.closed).code).toBe(1008);
  });

  it("too many incoming messages per second: close 1008", async () => {
    const { fake } = await setup();
    const c = await connect(`${fake.wsUrl}/ws`);
    for (let i = 0; i < 6; i++) c.ws.send(JSON.stringify({ method: "LIST_SUBSCRIPTIONS", id: i }));
    expect((await c.closed).code).toBe(1008);
  });

  it("unknown stream paths are refused with 404", async () => {
    const { fake } = await setup();
    await expect(Client.open(`${fake.wsUrl}/nope`)).rejects.toThrow(/404/);
  });
});

describe("connection health", () => {
  it("pings every interval and closes connections that do not answer in time", async () => {
    const { fake } = await setup({ ws: { pingIntervalMs: 15, pongTimeoutMs: 60 } });
    const good = await connect(`${fake.wsUrl}/ws/btcusdt@kline_1h`);
    const silent = await connect(`${fake.wsUrl}/ws/btcusdt@kline_1h`, { autoPong: false });
    expect(fake.connections()).toBe(2);
    expect((await silent.closed).code).toBe(1006);
    await good.until(() => good.pings.length >= 6);
    expect(good.ws.readyState).toBe(WebSocket.OPEN);
    await eventually(() => fake.connections() === 1, "one live connection");
  });

  it("dropConnections sends serverShutdown first when asked, then cuts every socket", async () => {
    const { fake } = await setup();
    const a = await connect(`${fake.wsUrl}/stream?streams=btcusdt@kline_1h`);
    const b = await connect(`${fake.wsUrl}/market/ws/algousdt@kline_1h`);
    fake.dropConnections({ shutdownNotice: true });
    expect((await a.closed).code).toBe(1006);
    expect((await b.closed).code).toBe(1006);
    expect(a.messages).toEqual([{ e: "serverShutdown", E: NOW }]);
    expect(b.messages).toEqual([{ e: "serverShutdown", E: NOW }]);
    const c = await connect(`${fake.wsUrl}/ws/btcusdt@kline_1h`);
    fake.dropConnections();
    expect((await c.closed).code).toBe(1006);
    expect(c.messages).toEqual([]);
    await eventually(() => fake.connections() === 0, "the server to forget closed connections");
  });
});
