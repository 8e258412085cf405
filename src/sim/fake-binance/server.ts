/**
 * The project's own fake Binance: one loopback HTTP server answering spot (/api/v3) and USDⓈ-M futures
 * (/fapi/v1, /fapi/v2) REST like the real hosts do — weights, headers, 429/418, error bodies, wire formats — plus the
 * market WebSocket streams on the same port. Tests, the demo and the benchmarks use it instead of the exchange.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Clock } from "../../core/clock.js";
import { UsageError } from "../../core/errors.js";
import type { MarketType } from "../../exchange/exchange.js";
import { BinanceApiError, bannedMessage, defaultErrorBody, tooMuchWeightMessage } from "./api-error.js";
import { bundledMarketData } from "./bundled-data.js";
import { corruptPrice, type Fault, FaultQueue, htmlPage, truncateJson, wrongShape } from "./faults.js";
import type { FakeMarketData } from "./market-data.js";
import { Query } from "./query.js";
import { futuresRoutes } from "./rest-futures.js";
import { spotRoutes } from "./rest-spot.js";
import type { RouteTable } from "./routes.js";
import { type StreamOptions, StreamServer } from "./ws-streams.js";
import { WeightLimiter } from "./weights.js";

export type { Fault } from "./faults.js";

export interface FakeBinanceOptions {
  /** Server "now": /time, the forming candle, what exists, weight windows. */
  clock: Clock;
  /** Default: the bundled real candles of that market. */
  spot?: FakeMarketData;
  futures?: FakeMarketData;
  /** Per minute; defaults 6000 (spot) / 2400 (futures). */
  weightLimit?: { spot?: number; futures?: number };
  /** Requests sent while 429-limited (each answered 429) before the next one is banned with 418 (default 3). */
  requestsBefore418?: number;
  /** Length of an automated ban, the 418's Retry-After (default 120). */
  banSeconds?: number;
  ws?: StreamOptions;
  port?: number;
  host?: "127.0.0.1";
}

export interface FakeRequest {
  readonly market: MarketType;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Weight charged (0 for banned, unknown or proxy-failed requests). */
  readonly weight: number;
  /** HTTP status sent; 0 when the connection was dropped without an answer. */
  readonly status: number;
  /** Server time when it arrived. */
  readonly at: number;
}

export interface FakeBinance {
  /** http://127.0.0.1:PORT (spot under /api/v3, futures under /fapi/v1 and /fapi/v2). */
  readonly restUrl: string;
  /** ws://127.0.0.1:PORT (spot: /stream?streams=…, /ws/<name>; futures: /market/stream?streams=…, /market/ws/<name>). */
  readonly wsUrl: string;
  readonly requests: readonly FakeRequest[];
  usedWeight(market: MarketType): number;
  totalWeight(market: MarketType): number;
  inject(fault: Fault): void;
  /** Push WS kline updates for everything between the last tick and clock.now(). */
  tick(): void;
  dropConnections(opts?: { shutdownNotice?: boolean }): void;
  connections(): number;
  /** Clear weight counters, bans, faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}

const JSON_TYPE = "application/json;charset=UTF-8";

function marketOf(path: string): MarketType {
  return path.startsWith("/fapi/") ? "futures" : "spot";
}

function positiveInt(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < 0)
    throw new UsageError(`startFakeBinance: ${name} must be a non-negative integer, got ${v}`);
  return v;
}

export async function startFakeBinance(opts: FakeBinanceOptions): Promise<FakeBinance> {
  const clock = opts.clock;
  const data: Record<MarketType, FakeMarketData> = {
    spot: opts.spot ?? bundledMarketData("spot"),
    futures: opts.futures ?? bundledMarketData("futures"),
  };
  const weightLimits: Record<MarketType, number> = {
    spot: positiveInt("weightLimit.spot", opts.weightLimit?.spot, 6000),
    futures: positiveInt("weightLimit.futures", opts.weightLimit?.futures, 2400),
  };
  const requestsBefore418 = positiveInt("requestsBefore418", opts.requestsBefore418, 3);
  const banSeconds = positiveInt("banSeconds", opts.banSeconds, 120);
  const limiters: Record<MarketType, WeightLimiter> = {
    spot: new WeightLimiter({ limit: weightLimits.spot, requestsBefore418, banSeconds }),
    futures: new WeightLimiter({ limit: weightLimits.futures, requestsBefore418, banSeconds }),
  };
  const routes: Record<MarketType, RouteTable> = { spot: spotRoutes, futures: futuresRoutes };
  const faults = new FaultQueue();
  const requests: FakeRequest[] = [];
  const streams = new StreamServer(clock, (m) => data[m], opts.ws);

  const weightHeaders = (market: MarketType, now: number): Record<string, string> => {
    const used = String(limiters[market].used(now));
    return market === "spot"
      ? { "X-MBX-USED-WEIGHT-1M": used, "X-MBX-USED-WEIGHT": used }
      : { "X-MBX-USED-WEIGHT-1M": used };
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const market = marketOf(path);
    const q = new Query(url.searchParams);
    const arrived = clock.now();
    const log = (status: number, weight: number) =>
      requests.push({ market, path, query: q.toRecord(), weight, status, at: arrived });
    const send = (status: number, body: string, headers: Record<string, string>, weight: number) => {
      log(status, weight);
      res.writeHead(status, headers);
      res.end(body);
    };
    const sendJson = (status: number, body: unknown, weight: number, extra: Record<string, string> = {}) =>
      send(
        status,
        JSON.stringify(body),
        { "Content-Type": JSON_TYPE, ...weightHeaders(market, clock.now()), ...extra },
        weight,
      );

    let fault = faults.take(market, path);
    if (fault?.kind === "delay") {
      await new Promise((r) => setTimeout(r, fault?.kind === "delay" ? fault.ms : 0));
      fault = undefined;
    }
    if (fault?.kind === "drop") {
      log(0, 0);
      req.socket.destroy();
      return;
    }
    if (fault?.kind === "html") {
      send(fault.status ?? 502, htmlPage(fault.status ?? 502), { "Content-Type": "text/html" }, 0);
      return;
    }
    const route = routes[market][path];
    if (!route || (req.method !== "GET" && req.method !== "HEAD")) {
      send(404, htmlPage(404), { "Content-Type": "text/html" }, 0);
      return;
    }
    const now = clock.now();
    const limiter = limiters[market];
    const weight = route.weight(q);
    if (fault?.kind === "429") {
      const retry = fault.retryAfterSec ?? limiter.secondsToWindowEnd(now);
      sendJson(429, { code: -1003, msg: tooMuchWeightMessage(market, weightLimits[market]) }, 0, {
        "Retry-After": String(retry),
      });
      return;
    }
    if (fault?.kind === "418") limiter.ban(now, fault.retryAfterSec ?? banSeconds);
    if (fault?.kind === "status") {
      const body = { ...defaultErrorBody(fault.status), ...(fault.code !== undefined ? { code: fault.code } : {}) };
      if (fault.msg !== undefined) body.msg = fault.msg;
      // A 4xx was processed (and charged) by Binance; a 5xx may not have been.
      const charged = fault.status < 500 ? weight : 0;
      limiter.charge(charged, now);
      sendJson(fault.status, body, charged);
      return;
    }
    const admission = limiter.admit(weight, now);
    if (admission.kind === "418") {
      sendJson(418, { code: -1003, msg: bannedMessage(market, admission.bannedUntil) }, 0, {
        "Retry-After": String(admission.retryAfterSec),
      });
      return;
    }
    if (admission.kind === "429") {
      sendJson(429, { code: -1003, msg: tooMuchWeightMessage(market, weightLimits[market]) }, weight, {
        "Retry-After": String(admission.retryAfterSec),
      });
      return;
    }
    let body: unknown;
    try {
      if (q.hasDuplicates) throw new BinanceApiError(400, -1101, "Duplicate values for a parameter detected.");
      body = route.handle(q, { market, md: data[market], now, weightLimit: weightLimits[market] });
    } catch (e) {
      if (e instanceof BinanceApiError) {
        sendJson(e.status, e.body(), weight);
        return;
      }
      sendJson(
        500,
        { code: -1000, msg: `An unknown error occurred while processing the request. (${(e as Error).message})` },
        weight,
      );
      return;
    }
    if (fault?.kind === "nan") body = corruptPrice(body, fault.value ?? "NaN");
    if (fault?.kind === "wrong-shape") body = wrongShape(body);
    let text = JSON.stringify(body);
    if (fault?.kind === "truncated") text = truncateJson(text);
    send(200, text, { "Content-Type": JSON_TYPE, ...weightHeaders(market, now) }, weight);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { "Content-Type": JSON_TYPE });
        res.end(JSON.stringify({ code: -1000, msg: String(e) }));
      }
    });
  });
  server.on("upgrade", (req, socket, head) => streams.handleUpgrade(req, socket, head));
  server.on("clientError", (_e, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;

  return {
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    requests,
    usedWeight: (market) => limiters[market].used(clock.now()),
    totalWeight: (market) => limiters[market].total,
    inject: (fault) => faults.add(fault),
    tick: () => streams.tick(),
    dropConnections: (o) => streams.dropConnections(o),
    connections: () => streams.connections(),
    reset() {
      limiters.spot.reset();
      limiters.futures.reset();
      faults.clear();
      requests.length = 0;
    },
    close() {
      closed ??= (async () => {
        await streams.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closed;
    },
  };
}
