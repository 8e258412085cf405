/**
 * Binance market streams over WebSocket: spot at /ws/<name> and /stream?streams=a/b, futures under /market/….
 * Kline events are pushed when the server is told to tick (the clock is simulated), protocol details as documented
 * and observed: live SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS/SET_PROPERTY/GET_PROPERTY, server pings with a pong
 * deadline, a cap on streams per connection (error, then close 1008) and on incoming messages per second, lower-case
 * stream names (an upper-case name is acknowledged and delivers nothing), and a `serverShutdown` notice.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import type { Clock } from "../../core/clock.js";
import { alignDown, type Interval, intervalMs, isInterval } from "../../core/interval.js";
import type { MarketType } from "../../exchange/exchange.js";
import type { FakeMarketData } from "./market-data.js";
import { formatFor, isListed } from "./market-stats.js";
import { klineEvent } from "./wire-format.js";

export interface StreamOptions {
  /** Server ping period; default 20 s (spot's) or 3 min (futures'). */
  readonly pingIntervalMs?: number;
  /** Close a connection whose pong is this late; default 1 min (spot) or 10 min (futures). */
  readonly pongTimeoutMs?: number;
  /** Default 1024, as on both markets. */
  readonly maxStreamsPerConnection?: number;
  /** Incoming messages allowed per (real) second before a disconnect; default 5 spot, 10 futures; 0 = no limit. */
  readonly maxMessagesPerSecond?: number;
}

const DEFAULTS: Record<MarketType, Required<StreamOptions>> = {
  spot: { pingIntervalMs: 20_000, pongTimeoutMs: 60_000, maxStreamsPerConnection: 1024, maxMessagesPerSecond: 5 },
  futures: { pingIntervalMs: 180_000, pongTimeoutMs: 600_000, maxStreamsPerConnection: 1024, maxMessagesPerSecond: 10 },
};

/** A jump of the simulated clock could close thousands of candles; Binance never replays history on a stream. */
const MAX_CLOSED_PER_TICK = 1000;
const STREAM_NAME = /^([a-z0-9_]+)@kline_([0-9]+[smhdwM])$/;
const METHODS = "`SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`, `GET_PROPERTY`";

interface Subscription {
  /** Set only for streams this server feeds (a listed symbol's lower-case kline stream). */
  readonly kline?: { readonly symbol: string; readonly interval: Interval };
  /** Server time up to which this stream has been delivered. */
  since: number;
}

interface Connection {
  readonly ws: WebSocket;
  readonly market: MarketType;
  readonly opts: Required<StreamOptions>;
  combined: boolean;
  readonly subs: Map<string, Subscription>;
  pingTimer: NodeJS.Timeout | undefined;
  pongTimer: NodeJS.Timeout | undefined;
  readonly recent: number[];
}

function route(url: string): { market: MarketType; combined: boolean; streams: string[] } | undefined {
  const u = new URL(url, "http://localhost");
  const prefix = u.pathname.startsWith("/market/") ? "/market" : "";
  const market: MarketType = prefix ? "futures" : "spot";
  const path = u.pathname.slice(prefix.length);
  if (path === "/stream" || path === "/stream/") {
    const streams = (u.searchParams.get("streams") ?? "").split("/").filter((s) => s !== "");
    return { market, combined: true, streams };
  }
  if (path === "/ws" || path === "/ws/") return { market, combined: false, streams: [] };
  if (path.startsWith("/ws/")) {
    return { market, combined: false, streams: decodeURIComponent(path.slice(4)).split("/").filter(Boolean) };
  }
  return undefined;
}

export class StreamServer {
  readonly #wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  readonly #conns = new Set<Connection>();

  constructor(
    private readonly clock: Clock,
    private readonly data: (market: MarketType) => FakeMarketData,
    private readonly options: StreamOptions = {},
  ) {}

  /** Takes over an HTTP upgrade; answers 404 for paths that are not stream endpoints. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const r = route(req.url ?? "/");
    if (!r) {
      socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#open(ws, r.market, r.combined, r.streams));
  }

  #open(ws: WebSocket, market: MarketType, combined: boolean, streams: string[]): void {
    const opts = { ...DEFAULTS[market], ...definedOnly(this.options) };
    const conn: Connection = {
      ws,
      market,
      opts,
      combined,
      subs: new Map(),
      recent: [],
      pingTimer: undefined,
      pongTimer: undefined,
    };
    this.#conns.add(conn);
    ws.on("close", () => this.#forget(conn));
    ws.on("error", () => ws.terminate());
    ws.on("pong", () => {
      clearTimeout(conn.pongTimer);
      conn.pongTimer = undefined;
    });
    ws.on("message", (data, isBinary) => this.#onMessage(conn, isBinary ? "" : data.toString()));
    conn.pingTimer = setInterval(() => this.#ping(conn), opts.pingIntervalMs);
    conn.pingTimer.unref();
    if (streams.length > opts.maxStreamsPerConnection) {
      ws.close(1008, "Too many streams");
      return;
    }
    for (const s of streams) this.#subscribe(conn, s);
  }

  #forget(conn: Connection): void {
    clearInterval(conn.pingTimer);
    clearTimeout(conn.pongTimer);
    this.#conns.delete(conn);
  }

  #ping(conn: Connection): void {
    if (conn.ws.readyState !== conn.ws.OPEN) return;
    conn.ws.ping(Buffer.from(String(this.clock.now())));
    if (!conn.pongTimer) {
      conn.pongTimer = setTimeout(() => conn.ws.terminate(), conn.opts.pongTimeoutMs);
      conn.pongTimer.unref();
    }
  }

  #subscribe(conn: Connection, name: string): void {
    if (conn.subs.has(name)) return;
    const m = STREAM_NAME.exec(name);
    let kline: Subscription["kline"];
    if (m) {
      const symbol = (m[1] as string).toUpperCase();
      const interval = m[2] as string;
      const valid = isInterval(interval) && !(conn.market === "futures" && interval === "1s");
      if (valid && isListed(this.data(conn.market), symbol, this.clock.now())) kline = { symbol, interval };
    }
    conn.subs.set(name, kline ? { kline, since: this.clock.now() } : { since: this.clock.now() });
  }

  #send(conn: Connection, msg: unknown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  #error(conn: Connection, code: number, msg: string, id: unknown): void {
    this.#send(conn, { error: { code, msg }, id: id ?? null });
  }

  #onMessage(conn: Connection, text: string): void {
    const t = performance.now();
    const limit = conn.opts.maxMessagesPerSecond;
    if (limit > 0) {
      while (conn.recent.length > 0 && (conn.recent[0] as number) <= t - 1000) conn.recent.shift();
      conn.recent.push(t);
      if (conn.recent.length > limit) {
        conn.ws.close(1008, "Too many requests");
        return;
      }
    }
    let req: { method?: unknown; params?: unknown; id?: unknown };
    try {
      req = JSON.parse(text) as typeof req;
    } catch {
      this.#error(conn, 3, "Invalid JSON: expected value at line 1 column 1", null);
      return;
    }
    if (req === null || typeof req !== "object" || Array.isArray(req)) {
      this.#error(conn, 2, "Invalid request: expected an object", null);
      return;
    }
    const id = req.id;
    if (!(id === null || typeof id === "string" || (typeof id === "number" && Number.isInteger(id) && id >= 0))) {
      this.#error(conn, 2, "Invalid request: request ID must be an unsigned integer", null);
      return;
    }
    const params = Array.isArray(req.params) ? (req.params as unknown[]) : [];
    switch (req.method) {
      case "SUBSCRIBE": {
        if (!params.every((p) => typeof p === "string")) {
          this.#error(conn, 2, "Invalid request: params must be an array of strings", id);
          return;
        }
        const added = (params as string[]).filter((p) => !conn.subs.has(p));
        if (conn.subs.size + new Set(added).size > conn.opts.maxStreamsPerConnection) {
          this.#error(conn, 4, "Too many subscriptions", id);
          conn.ws.close(1008, "Too many subscriptions");
          return;
        }
        for (const p of added) this.#subscribe(conn, p);
        this.#send(conn, { result: null, id });
        return;
      }
      case "UNSUBSCRIBE":
        for (const p of params) if (typeof p === "string") conn.subs.delete(p);
        this.#send(conn, { result: null, id });
        return;
      case "LIST_SUBSCRIPTIONS":
        this.#send(conn, { result: [...conn.subs.keys()], id });
        return;
      case "SET_PROPERTY":
      case "GET_PROPERTY": {
        const [name, value] = params;
        if (typeof name !== "string") {
          this.#error(conn, 2, "Invalid request: property name must be a string", id);
        } else if (name !== "combined") {
          this.#error(conn, 0, "Unknown property", id);
        } else if (req.method === "GET_PROPERTY") {
          this.#send(conn, { result: conn.combined, id });
        } else if (typeof value !== "boolean") {
          this.#error(conn, 1, "Invalid value type: expected Boolean", id);
        } else {
          conn.combined = value;
          this.#send(conn, { result: null, id });
        }
        return;
      }
      default:
        this.#error(
          conn,
          2,
          typeof req.method === "string"
            ? `Invalid request: unknown variant \`${req.method}\`, expected one of ${METHODS} at line 1 column 28`
            : "Invalid request: missing field `method` at line 1 column 1",
          id,
        );
    }
  }

  /**
   * For every fed subscription: the final update (x: true) of each candle that closed since the previous tick, in
   * time order, then the current forming candle (x: false).
   */
  tick(): void {
    const now = this.clock.now();
    for (const conn of this.#conns) {
      if (conn.ws.readyState !== conn.ws.OPEN) continue;
      const md = this.data(conn.market);
      for (const [name, sub] of conn.subs) {
        if (!sub.kline) continue;
        const { symbol, interval } = sub.kline;
        const earliest = alignDown(interval, now - MAX_CLOSED_PER_TICK * intervalMs(interval));
        const from = Math.max(alignDown(interval, sub.since), earliest);
        const candles = md.candles(symbol, interval, from, now, Number.MAX_SAFE_INTEGER, now);
        const f = formatFor(conn.market, md, symbol);
        for (const c of candles) {
          if (c.closed && c.closeTime < sub.since) continue;
          const event = klineEvent(symbol, interval, c, f, now);
          this.#send(conn, conn.combined ? { stream: name, data: event } : event);
        }
        sub.since = now;
      }
    }
  }

  /** Terminates every connection, optionally after a `serverShutdown` event (the notice Binance sends first). */
  dropConnections(opts: { shutdownNotice?: boolean } = {}): void {
    const event = JSON.stringify({ e: "serverShutdown", E: this.clock.now() });
    for (const conn of this.#conns) {
      if (opts.shutdownNotice && conn.ws.readyState === conn.ws.OPEN) {
        conn.ws.send(event, () => conn.ws.terminate());
      } else {
        conn.ws.terminate();
      }
    }
  }

  connections(): number {
    return this.#conns.size;
  }

  close(): Promise<void> {
    for (const conn of this.#conns) {
      conn.ws.terminate();
      this.#forget(conn);
    }
    return new Promise((resolve) => this.#wss.close(() => resolve()));
  }
}

function definedOnly(o: StreamOptions): Partial<Required<StreamOptions>> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
