/**
 * Live candles over Binance's combined kline streams (its spot API docs, web-socket-streams.md; the USDⓈ-M futures
 * websocket-market-streams pages), with the guarantees a scanner needs:
 *
 * - Streams are split over connections of at most `maxStreamsPerConnection` (Binance allows 1024; a smaller default
 *   keeps URLs short and a drop cheap), and connection attempts pass a per-host limiter (300 per 5 min per IP).
 * - Every disconnect is followed by a reconnect with exponential backoff and full jitter; proactive reconnects
 *   (serverShutdown notice, `maxLifetimeMs` before Binance's 24 h cut) go at once.
 * - No silent gaps: per stream, `settledBefore` is the open time before which every candle has been delivered closed
 *   (or does not exist). Whenever a candle at or after it may have closed unseen — after a reconnect, or when a
 *   live update skips ahead — the missing candles are fetched over REST (through the same weight budget) and
 *   delivered closed, in order, while that stream's live updates are held back; then live updates resume with
 *   anything already delivered dropped (dedupe by open time).
 * - No silent stale data: a connection silent for `staleAfterMs` (kline streams push every 2 s on spot, 250 ms on
 *   futures) is reported "stale", terminated and reconnected.
 * - close() stops every timer and socket.
 *
 * Liveness and reconnect delays run on real (monotonic) time: they concern real sockets, not the market clock.
 */
import WebSocket from "ws";
import type { Candle } from "../../core/candle.js";
import type { Clock } from "../../core/clock.js";
import { alignDown, closeTimeOf, nextOpenTime } from "../../core/interval.js";
import { ExchangeApiError } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import type { CandleStreamHandlers, MarketType, StreamKey, StreamStatus, Subscription } from "../exchange.js";
import type { AttemptLimiter } from "../http/attempt-limiter.js";
import { fullJitterDelay } from "../http/backoff.js";
import { asObject } from "../http/json-shape.js";
import { realSleep } from "../../core/sleep.js";
import { parseStreamKline } from "./parse.js";

/** Binance's hard cap on streams per connection. */
export const MAX_STREAMS_PER_CONNECTION = 1024;

export interface KlineStreamOptions {
  readonly market: MarketType;
  /** Spot `wss://stream.binance.com:9443`; futures `wss://fstream.binance.com/market`. `/stream?streams=` is appended. */
  readonly wsUrl: string;
  /** The exchange's clock: decides which candles have closed. */
  readonly clock: Clock;
  readonly logger: Logger;
  readonly random: () => number;
  readonly staleAfterMs: number;
  readonly reconnectBaseMs: number;
  readonly reconnectMaxMs: number;
  readonly maxStreamsPerConnection: number;
  readonly maxLifetimeMs: number;
  readonly handshakeTimeoutMs: number;
  /** How many streams back-fill at once per connection. */
  readonly backfillConcurrency: number;
  readonly attempts: AttemptLimiter;
  /** REST candles of `key` opening at or after `startTime`, up to now (closed ones flagged). */
  readonly backfill: (key: StreamKey, startTime: number) => Promise<Candle[]>;
}

/** `btcusdt@kline_1h`: Binance wants lower-case symbols, but the interval keeps its case (1M is a month, 1m a minute). */
export function klineStreamName(key: StreamKey): string {
  return `${key.symbol.toLowerCase()}@kline_${key.interval}`;
}

export function combinedStreamUrl(wsUrl: string, names: readonly string[]): string {
  return `${wsUrl.replace(/\/+$/, "")}/stream?streams=${names.join("/")}`;
}

interface KeyState {
  readonly key: StreamKey;
  readonly name: string;
  /** Every candle opening before this has been delivered closed, or does not exist. */
  settledBefore: number;
  queued: boolean;
  filling: boolean;
  /** Live updates held back while this stream back-fills. */
  buffer: Candle[];
}

/** Shared by the connections of one subscription. */
interface SubscriptionContext {
  readonly opts: KlineStreamOptions;
  readonly handlers: CandleStreamHandlers;
  readonly label: string;
  readonly signal: AbortSignal;
  emitStatus(s: StreamStatus): void;
  emitCandle(key: StreamKey, c: Candle): void;
}

const monotonic = () => performance.now();

class StreamConnection {
  readonly #ctx: SubscriptionContext;
  readonly #index: number;
  readonly #states: KeyState[];
  readonly #byName = new Map<string, KeyState>();
  readonly #url: string;
  #ws: WebSocket | undefined;
  #generation = 0;
  #failures = 0;
  #gotData = false;
  #reconnectNow = false;
  #closing = false;
  #lastMessageAt = 0;
  #staleTimer: ReturnType<typeof setInterval> | undefined;
  #lifetimeTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #fillQueue: KeyState[] = [];
  #activeFills = 0;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  constructor(ctx: SubscriptionContext, index: number, states: KeyState[]) {
    this.#ctx = ctx;
    this.#index = index;
    this.#states = states;
    for (const s of states) this.#byName.set(s.name, s);
    this.#url = combinedStreamUrl(
      ctx.opts.wsUrl,
      states.map((s) => s.name),
    );
  }

  start(): void {
    void this.#connect();
  }

  async #connect(): Promise<void> {
    if (this.#closing) return;
    try {
      await this.#ctx.opts.attempts.acquire(this.#ctx.signal);
    } catch {
      return; // closed while waiting for an attempt slot
    }
    if (this.#closing) return;
    const gen = ++this.#generation;
    this.#gotData = false;
    let lastError = "";
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#url, { handshakeTimeout: this.#ctx.opts.handshakeTimeoutMs });
    } catch (err) {
      // Only a malformed URL gets here; retrying cannot fix it.
      const message = `${this.#ctx.label} stream cannot connect to ${this.#url}: ${(err as Error).message}`;
      this.#ctx.opts.logger.log("error", message, { connection: this.#index });
      this.#ctx.emitStatus({ kind: "error", message });
      return;
    }
    this.#ws = ws;
    ws.on("open", () => {
      if (gen === this.#generation) this.#onOpen();
    });
    ws.on("message", (data: WebSocket.RawData) => {
      if (gen === this.#generation) this.#onMessage(data);
    });
    ws.on("error", (err: Error) => {
      lastError = err.message;
    });
    ws.on("close", (code: number, reason: Buffer) => {
      if (gen !== this.#generation) return;
      const why = reason.toString() || lastError || `closed with code ${code}`;
      this.#onClose(why);
    });
  }

  #onOpen(): void {
    const { opts } = this.#ctx;
    this.#lastMessageAt = monotonic();
    this.#ctx.emitStatus({ kind: "connected", streams: this.#states.length, connection: this.#index });
    opts.logger.log("info", `${this.#ctx.label} stream connected`, {
      connection: this.#index,
      streams: this.#states.length,
    });
    const period = Math.max(10, Math.min(1000, Math.floor(opts.staleAfterMs / 4)));
    this.#staleTimer = setInterval(() => this.#checkStale(), period);
    this.#lifetimeTimer = setTimeout(() => {
      opts.logger.log("info", `${this.#ctx.label} stream reached its maximum lifetime; reconnecting`, {
        connection: this.#index,
        maxLifetimeMs: opts.maxLifetimeMs,
      });
      this.#restart(true);
    }, opts.maxLifetimeMs);
    // Anything that may have closed while we were not connected.
    const now = opts.clock.now();
    for (const s of this.#states) if (closeTimeOf(s.key.interval, s.settledBefore) < now) this.#requestFill(s);
  }

  #checkStale(): void {
    const silent = monotonic() - this.#lastMessageAt;
    if (silent <= this.#ctx.opts.staleAfterMs) return;
    const silentForMs = Math.round(silent);
    this.#ctx.emitStatus({ kind: "stale", connection: this.#index, silentForMs });
    this.#ctx.opts.logger.log("warn", `${this.#ctx.label} stream went silent; reconnecting`, {
      connection: this.#index,
      silentForMs,
    });
    this.#restart(false);
  }

  /** Drops the socket; `onClose` reconnects (at once if `immediate`). */
  #restart(immediate: boolean): void {
    this.#reconnectNow = immediate;
    this.#clearConnectionTimers();
    this.#ws?.terminate();
  }

  #onMessage(data: WebSocket.RawData): void {
    this.#lastMessageAt = monotonic();
    if (!this.#gotData) {
      this.#gotData = true;
      this.#failures = 0; // the connection works: the next drop starts the backoff afresh
    }
    let msg: unknown;
    try {
      msg = JSON.parse(data.toString());
    } catch {
      this.#warnBadMessage("not JSON");
      return;
    }
    if (msg === null || typeof msg !== "object") return;
    const wrapped = msg as { stream?: unknown; data?: unknown };
    const payload = (wrapped.data ?? msg) as { e?: unknown; s?: unknown; k?: unknown };
    if (payload === null || typeof payload !== "object") return;
    if (payload.e === "serverShutdown") {
      this.#ctx.opts.logger.log("info", `${this.#ctx.label} stream: server announced a shutdown; reconnecting now`, {
        connection: this.#index,
      });
      this.#restart(true);
      return;
    }
    if (payload.e !== "kline") return; // subscription acks and other events
    let state = typeof wrapped.stream === "string" ? this.#byName.get(wrapped.stream) : undefined;
    if (!state && typeof payload.s === "string") {
      const k = payload.k as { i?: unknown } | undefined;
      state = this.#byName.get(`${payload.s.toLowerCase()}@kline_${String(k?.i)}`);
    }
    if (!state) return;
    let candle: Candle;
    try {
      candle = parseStreamKline(asObject(payload.k, "k"), state.key.interval);
    } catch (err) {
      this.#warnBadMessage(`${state.name}: ${(err as Error).message}`);
      return;
    }
    this.#accept(state, candle);
  }

  #warnBadMessage(detail: string): void {
    const message = `${this.#ctx.label} stream sent an unusable message (${detail}); ignored`;
    this.#ctx.opts.logger.log("warn", message, { connection: this.#index });
    this.#ctx.emitStatus({ kind: "error", message });
  }

  #accept(s: KeyState, c: Candle): void {
    if (s.queued || s.filling) {
      s.buffer.push(c);
      return;
    }
    this.#deliverLive(s, c);
  }

  #deliverLive(s: KeyState, c: Candle): void {
    if (c.openTime < s.settledBefore) return; // already delivered closed
    if (c.openTime > s.settledBefore) {
      // The candle at settledBefore (and maybe more) closed without us seeing its final update.
      s.buffer.push(c);
      this.#requestFill(s);
      return;
    }
    this.#ctx.emitCandle(s.key, c);
    if (c.closed) s.settledBefore = nextOpenTime(s.key.interval, c.openTime);
  }

  #requestFill(s: KeyState): void {
    if (s.queued || s.filling || this.#closing) return;
    s.queued = true;
    this.#fillQueue.push(s);
    this.#pumpFills();
  }

  #pumpFills(): void {
    while (!this.#closing && this.#activeFills < this.#ctx.opts.backfillConcurrency && this.#fillQueue.length > 0) {
      const s = this.#fillQueue.shift()!;
      s.queued = false;
      s.filling = true;
      this.#activeFills++;
      void this.#fill(s).finally(() => {
        this.#activeFills--;
        s.filling = false;
        if (!this.#closing) this.#flush(s);
        this.#pumpFills();
      });
    }
  }

  async #fill(s: KeyState): Promise<void> {
    const { opts } = this.#ctx;
    for (let attempt = 0; !this.#closing; attempt++) {
      const from = s.settledBefore;
      const startedAt = opts.clock.now();
      try {
        const candles = await opts.backfill(s.key, from);
        if (this.#closing) return;
        let n = 0;
        for (const c of candles) {
          if (!c.closed || c.openTime < s.settledBefore) continue;
          this.#ctx.emitCandle(s.key, c);
          s.settledBefore = nextOpenTime(s.key.interval, c.openTime);
          n++;
        }
        // The REST answer came after `startedAt`, so every candle opening before the one forming then is final:
        // delivered just now, or absent (a trading halt) and never coming.
        s.settledBefore = Math.max(s.settledBefore, alignDown(s.key.interval, startedAt));
        this.#ctx.emitStatus({ kind: "backfilled", key: s.key, candles: n });
        opts.logger.log(n > 0 ? "info" : "debug", `${this.#ctx.label} stream back-filled ${s.name}`, {
          candles: n,
          from: new Date(from).toISOString(),
        });
        return;
      } catch (err) {
        if (this.#closing) return;
        if (err instanceof ExchangeApiError) {
          // A 4xx (unknown symbol, bad interval) fails the same way every time: report the gap, do not hammer.
          const message = `${this.#ctx.label} stream cannot back-fill ${s.name}: ${err.message}`;
          opts.logger.log("error", message, { from: new Date(from).toISOString() });
          this.#ctx.emitStatus({ kind: "error", message });
          return;
        }
        const delay = fullJitterDelay(
          attempt,
          { baseMs: opts.reconnectBaseMs, maxMs: opts.reconnectMaxMs },
          opts.random,
        );
        const message = `${this.#ctx.label} stream back-fill of ${s.name} failed: ${(err as Error).message}`;
        opts.logger.log("warn", message, { retryInMs: delay });
        this.#ctx.emitStatus({ kind: "error", message });
        try {
          await realSleep(delay, this.#ctx.signal);
        } catch {
          return;
        }
      }
    }
  }

  #flush(s: KeyState): void {
    const held = s.buffer.splice(0);
    for (let i = 0; i < held.length; i++) {
      if (s.queued || s.filling) {
        // A new gap showed up: keep the rest, in order, behind the candle that revealed it.
        s.buffer.push(...held.slice(i));
        return;
      }
      this.#deliverLive(s, held[i]!);
    }
  }

  #onClose(reason: string): void {
    this.#clearConnectionTimers();
    this.#ws = undefined;
    if (this.#closing) {
      this.#resolveClosed?.();
      return;
    }
    const { opts } = this.#ctx;
    const immediate = this.#reconnectNow;
    this.#reconnectNow = false;
    const retryInMs = immediate
      ? 0
      : fullJitterDelay(this.#failures++, { baseMs: opts.reconnectBaseMs, maxMs: opts.reconnectMaxMs }, opts.random);
    this.#ctx.emitStatus({ kind: "disconnected", reason, connection: this.#index, retryInMs });
    opts.logger.log(immediate ? "info" : "warn", `${this.#ctx.label} stream disconnected; reconnecting`, {
      connection: this.#index,
      reason,
      retryInMs,
    });
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      void this.#connect();
    }, retryInMs);
  }

  #clearConnectionTimers(): void {
    if (this.#staleTimer) clearInterval(this.#staleTimer);
    if (this.#lifetimeTimer) clearTimeout(this.#lifetimeTimer);
    this.#staleTimer = undefined;
    this.#lifetimeTimer = undefined;
  }

  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closing = true;
    this.#clearConnectionTimers();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#fillQueue = [];
    const ws = this.#ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) {
      this.#closed = Promise.resolve();
      return this.#closed;
    }
    this.#closed = new Promise<void>((resolve) => {
      const force = setTimeout(() => ws.terminate(), 1000);
      this.#resolveClosed = () => {
        clearTimeout(force);
        resolve();
      };
    });
    if (ws.readyState === WebSocket.OPEN) ws.close(1000, "client closing");
    else ws.terminate();
    return this.#closed;
  }
}

/** One `subscribeCandles` call: its streams spread over as many connections as needed. */
export class KlineSubscription implements Subscription {
  readonly #connections: StreamConnection[] = [];
  readonly #closeCtl = new AbortController();
  readonly #onClosed: () => void;
  #closed: Promise<void> | undefined;

  constructor(
    keys: readonly StreamKey[],
    handlers: CandleStreamHandlers,
    opts: KlineStreamOptions,
    onClosed: () => void,
  ) {
    this.#onClosed = onClosed;
    const label = `Binance ${opts.market}`;
    const logger = opts.logger;
    const ctx: SubscriptionContext = {
      opts,
      handlers,
      label,
      signal: this.#closeCtl.signal,
      emitStatus: (s) => {
        if (this.#closed) return;
        try {
          handlers.onStatus?.(s);
        } catch (err) {
          logger.log("error", `${label} stream: the onStatus handler threw`, { error: (err as Error).message });
        }
      },
      emitCandle: (key, c) => {
        if (this.#closed) return;
        try {
          handlers.onCandle(key, c);
        } catch (err) {
          logger.log("error", `${label} stream: the onCandle handler threw`, {
            error: (err as Error).message,
            symbol: key.symbol,
            interval: key.interval,
          });
        }
      },
    };
    const origin = opts.clock.now();
    const seen = new Set<string>();
    const states: KeyState[] = [];
    for (const key of keys) {
      const name = klineStreamName(key);
      if (seen.has(name)) continue;
      seen.add(name);
      states.push({
        key: { symbol: key.symbol, interval: key.interval },
        name,
        settledBefore: alignDown(key.interval, origin),
        queued: false,
        filling: false,
        buffer: [],
      });
    }
    const per = Math.max(1, Math.min(MAX_STREAMS_PER_CONNECTION, Math.floor(opts.maxStreamsPerConnection)));
    for (let i = 0; i * per < states.length; i++) {
      this.#connections.push(new StreamConnection(ctx, i, states.slice(i * per, (i + 1) * per)));
    }
    for (const c of this.#connections) c.start();
  }

  get connections(): number {
    return this.#connections.length;
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closeCtl.abort(new Error("subscription closed"));
      this.#closed = Promise.all(this.#connections.map((c) => c.close())).then(() => this.#onClosed());
    }
    return this.#closed;
  }
}
