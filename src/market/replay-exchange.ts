/**
 * An Exchange served from the candle store under a clock: backtests, the demo and tests run the same code as live
 * trading against it. From the outside it behaves like the live adapter (same query semantics, a forming last
 * candle, Binance-like errors) with one guarantee the live one gets for free: nothing after `clock.now()` is ever
 * visible. Streams are driven explicitly: `advanceTo(t)` / `step()` move the clock and deliver every candle update
 * in between, in time order across all subscribed streams.
 *
 * Synthetic parts (documented, deterministic): market filters (tick and step size inferred from the decimals of
 * recent prices and volumes, no minimum notional), tickers (from the last 24 h of the finest stored interval;
 * quote volume estimated as volume x typical price where the data has none). Request weight is never spent.
 */
import { windowTotals } from "./window-stats.js";
import type { Candle } from "../core/candle.js";
import type { Clock } from "../core/clock.js";
import { DataError, UnknownSymbolError, UsageError } from "../core/errors.js";
import { alignDown, DAY, type Interval, intervalMs, isInterval, nextOpenTime } from "../core/interval.js";
import type {
  CandleQuery,
  CandleStreamHandlers,
  Exchange,
  ExchangeCapabilities,
  ExchangeId,
  Market,
  MarketType,
  StreamKey,
  Subscription,
  Ticker24h,
  WeightUsage,
} from "../exchange/exchange.js";
import { exchangeCapabilities } from "../exchange/create-exchange.js";
import type { CandleStore } from "./candle-store.js";
import { SeriesReader } from "./series-reader.js";

export interface ReplayExchangeOptions {
  readonly store: CandleStore;
  readonly clock: Clock;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
}

const QUOTE = "USDT";
const DEFAULT_LIMIT = 500;
/** Events generated per stream per window: bounds memory and store reads per step. */
const WINDOW_EVENTS = 512;

interface StreamEvent {
  readonly time: number;
  readonly candle: Candle;
}

interface Stream {
  readonly key: StreamKey;
  readonly sub: ReplaySubscription;
  /** Events up to and including this time have been generated. */
  generatedTo: number;
  buffer: StreamEvent[];
  /** Index of the next event in `buffer`. */
  next: number;
}

interface ReplaySubscription extends Subscription {
  readonly handlers: CandleStreamHandlers;
  open: boolean;
}

type SettableClock = Clock & { set(t: number): void };

interface Visibility {
  readonly interval: Interval;
  readonly first: number;
  readonly trading: boolean;
}

export class ReplayExchange implements Exchange {
  readonly id: ExchangeId;
  readonly market: MarketType;
  readonly capabilities: ExchangeCapabilities;
  readonly clock: Clock;
  readonly reader: SeriesReader;
  #streams: Stream[] = [];
  #closed = false;

  constructor(opts: ReplayExchangeOptions) {
    this.id = opts.exchange;
    this.market = opts.market;
    this.capabilities = exchangeCapabilities(opts.exchange, opts.market);
    this.clock = opts.clock;
    this.reader = new SeriesReader(opts.store, { exchange: opts.exchange, market: opts.market });
  }

  // ---------------------------------------------------------------- REST-like reads

  async serverTime(): Promise<number> {
    this.#open();
    return this.clock.now();
  }

  async markets(): Promise<Market[]> {
    this.#open();
    const now = this.clock.now();
    const out: Market[] = [];
    for (const symbol of this.reader.symbols()) {
      if (!symbol.endsWith(QUOTE) || symbol.length === QUOTE.length) continue;
      const visible = this.#visible(symbol, now);
      if (!visible) continue;
      const sample = this.reader.lastClosed(symbol, visible.interval, 100, now);
      const m: Market = {
        symbol,
        baseAsset: symbol.slice(0, -QUOTE.length),
        quoteAsset: QUOTE,
        status: visible.trading ? "TRADING" : "BREAK",
        type: this.market,
        tickSize: pow10(-maxDecimals(sample.flatMap((c) => [c.open, c.high, c.low, c.close]))),
        stepSize: pow10(-Math.min(8, maxDecimals(sample.map((c) => c.volume)))),
        minQty: pow10(-Math.min(8, maxDecimals(sample.map((c) => c.volume)))),
        minNotional: 0,
        ...(this.market === "futures" ? { contractType: "PERPETUAL", listedAt: visible.first } : {}),
      };
      out.push(m);
    }
    return out;
  }

  async candles(q: CandleQuery): Promise<Candle[]> {
    this.#open();
    const now = this.clock.now();
    if (!isInterval(q.interval)) {
      throw new UsageError(`Unsupported interval "${String(q.interval)}".`);
    }
    const limit = q.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`limit must be a whole number >= 1, got ${limit}.`);
    this.#known(q.symbol, now);
    const src = this.reader.source(q.symbol, q.interval, now);
    if (!src) {
      throw new DataError(
        `No stored ${q.interval} candles for ${q.symbol} (nor a finer interval to build them from).`,
        {
          hint: `Sync or import ${q.symbol} ${q.interval} candles (or a finer interval) before replaying it.`,
        },
      );
    }
    const end = Math.min(q.endTime ?? now, now);
    if (q.startTime !== undefined && q.startTime > end) return [];
    const forming = this.reader.forming(q.symbol, q.interval, now);
    const withForming = forming !== undefined && forming.openTime <= end && forming.openTime >= (q.startTime ?? 0);
    if (q.startTime !== undefined) {
      const closed = this.reader.closedRange(q.symbol, q.interval, q.startTime, end, now);
      const out = closed.slice(0, limit);
      if (withForming && out.length < limit) out.push(forming);
      return out;
    }
    // Most recent `limit` up to `end`; a closed candle must also have closed by now.
    const asOf = Math.min(now, nextOpenTime(q.interval, alignDown(q.interval, end)));
    const closed = this.reader.lastClosed(q.symbol, q.interval, withForming ? limit - 1 : limit, asOf);
    return withForming ? [...closed, forming] : closed;
  }

  async tickers24h(): Promise<Ticker24h[]> {
    this.#open();
    const now = this.clock.now();
    const out: Ticker24h[] = [];
    for (const symbol of this.reader.symbols()) {
      if (!symbol.endsWith(QUOTE) || !this.#visible(symbol, now)) continue;
      const t = this.#ticker(symbol, now);
      if (t) out.push(t);
    }
    return out;
  }

  weightUsage(): WeightUsage {
    return { used: 0, limit: 0, spent: 0, requests: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const s of this.#streams) s.sub.open = false;
    this.#streams = [];
  }

  // ---------------------------------------------------------------- streams

  /**
   * Delivers, as the clock is advanced with `advanceTo`/`step`, every closed candle of the keys and (where finer
   * candles are stored) a forming update whenever a finer candle closes. Updates start after the current time.
   */
  subscribeCandles(keys: readonly StreamKey[], handlers: CandleStreamHandlers): Subscription {
    this.#open();
    const now = this.clock.now();
    const sub: ReplaySubscription = {
      handlers,
      open: true,
      close: async () => {
        sub.open = false;
        this.#streams = this.#streams.filter((s) => s.sub !== sub);
      },
    };
    for (const key of keys) {
      if (!isInterval(key.interval)) throw new UsageError(`Unsupported interval "${String(key.interval)}".`);
      this.#streams.push({
        key: { symbol: key.symbol, interval: key.interval },
        sub,
        generatedTo: now,
        buffer: [],
        next: 0,
      });
    }
    handlers.onStatus?.({ kind: "connected", streams: keys.length, connection: 1 });
    return sub;
  }

  /**
   * Moves the clock forward to `t`, delivering every stream update up to `t` in time order (the clock reads each
   * update's time while its handlers run, so what they query is what was known then).
   */
  advanceTo(t: number): void {
    this.#open();
    const clock = this.#settable();
    if (t < clock.now()) throw new UsageError(`Cannot move the replay back from ${clock.now()} to ${t}.`);
    for (;;) {
      const next = this.#nextEventTime(t);
      if (next === undefined) break;
      clock.set(next);
      for (const s of [...this.#streams]) {
        if (!s.sub.open) continue;
        const ev = s.buffer[s.next];
        if (ev && ev.time === next) {
          s.next++;
          s.sub.handlers.onCandle(s.key, ev.candle);
        }
      }
    }
    clock.set(t);
  }

  /** Advances to the next stream update (delivering it); returns its time, or undefined when the data has ended. */
  step(): number | undefined {
    const next = this.#nextEventTime(Number.POSITIVE_INFINITY);
    if (next === undefined) return undefined;
    this.advanceTo(next);
    return next;
  }

  /** The earliest pending update at or before `limit` across all streams. */
  #nextEventTime(limit: number): number | undefined {
    let best: number | undefined;
    for (const s of this.#streams) {
      if (!s.sub.open) continue;
      const t = this.#peek(s, best === undefined ? limit : Math.min(best, limit));
      if (t !== undefined && (best === undefined || t < best)) best = t;
    }
    return best;
  }

  #peek(s: Stream, limit: number): number | undefined {
    for (;;) {
      const ev = s.buffer[s.next];
      if (ev) return ev.time <= limit ? ev.time : undefined;
      const dataEnd = this.#dataEnd(s.key.symbol);
      if (s.generatedTo >= limit || s.generatedTo >= dataEnd) return undefined;
      this.#generate(s, Math.min(limit, dataEnd));
    }
  }

  /** The time after which no stored candle of the symbol closes. */
  #dataEnd(symbol: string): number {
    let end = Number.NEGATIVE_INFINITY;
    for (const s of this.reader.stored(symbol)) end = Math.max(end, nextOpenTime(s.interval, s.last));
    return end;
  }

  /**
   * Fills the stream's buffer with the events in (generatedTo, min(generatedTo + window, limit)]. The window is cut
   * where another stored series of the symbol becomes visible, so every event is computed from exactly the series
   * visible at its own time, whatever the window size.
   */
  #generate(s: Stream, limit: number): void {
    const { symbol, interval } = s.key;
    const all = this.reader.formingLevels(symbol, interval, Number.POSITIVE_INFINITY);
    const finest = all[all.length - 1] ?? interval;
    const span = WINDOW_EVENTS * (finest === "1M" ? 31 * DAY : intervalMs(finest));
    const a0 = s.generatedTo;
    const b0 = Math.min(limit, a0 + span);
    const cuts = this.reader
      .stored(symbol)
      .map((x) => nextOpenTime(x.interval, x.first))
      .filter((v) => v > a0 && v < b0);
    const bounds = [...new Set([a0, ...cuts, b0])].sort((x, y) => x - y);
    const events: StreamEvent[] = [];
    for (let i = 1; i < bounds.length; i++) {
      const a = bounds[i - 1] as number;
      const b = bounds[i] as number;
      // Closed candles of the stream's interval whose close (close time + 1) falls in (a, b].
      for (const c of this.reader.closedRange(symbol, interval, alignDown(interval, a), b, b)) {
        const time = c.closeTime + 1;
        if (time > a && time <= b) events.push({ time, candle: c });
      }
      // Forming updates whenever a finer candle closes inside a period of the stream's interval.
      const times = new Set<number>();
      for (const level of this.reader.formingLevels(symbol, interval, b)) {
        for (const c of this.reader.closedRange(symbol, level, alignDown(level, a), b, b)) {
          const time = c.closeTime + 1;
          if (time > a && time <= b && alignDown(interval, time) !== time) times.add(time);
        }
      }
      for (const time of times) {
        const f = this.reader.forming(symbol, interval, time);
        if (f) events.push({ time, candle: f });
      }
    }
    events.sort((x, y) => x.time - y.time);
    s.buffer = events;
    s.next = 0;
    s.generatedTo = b0;
  }

  // ---------------------------------------------------------------- helpers

  #open(): void {
    if (this.#closed) throw new UsageError("This replay exchange has been closed.");
  }

  #settable(): SettableClock {
    const c = this.clock as Partial<SettableClock>;
    if (typeof c.set !== "function") {
      throw new UsageError("Driving a replay needs a clock that can be set (e.g. SimulatedClock).");
    }
    return this.clock as SettableClock;
  }

  /**
   * What `now` shows of a symbol: the finest stored interval with a candle closed by then, the first open time, and
   * whether it still trades (some series' last closed candle is at most two of its periods old). Only candles
   * closed by `now` are consulted, so a later listing or delisting cannot show through.
   */
  #visible(symbol: string, now: number): Visibility | undefined {
    let interval: Interval | undefined;
    let first = Number.POSITIVE_INFINITY;
    let trading = false;
    for (const s of this.reader.stored(symbol)) {
      if (nextOpenTime(s.interval, s.first) > now) continue;
      interval ??= s.interval;
      first = Math.min(first, s.first);
      const last = this.reader.lastClosed(symbol, s.interval, 1, now)[0];
      if (last && last.closeTime >= now - 2 * (s.interval === "1M" ? 31 * DAY : intervalMs(s.interval))) trading = true;
    }
    return interval === undefined ? undefined : { interval, first, trading };
  }

  #known(symbol: string, now: number): Visibility {
    const v = this.#visible(symbol, now);
    if (!v) {
      throw new UnknownSymbolError(
        `Unknown symbol ${symbol} on ${this.id} ${this.market} (replay)`,
        400,
        -1121,
        "Invalid symbol.",
        {
          hint: "The replay only knows symbols with stored candles that have closed by the replay's current time.",
          request: { exchange: this.id, method: "GET", path: "replay" },
        },
      );
    }
    return v;
  }

  #ticker(symbol: string, now: number): Ticker24h | undefined {
    const finest = this.reader.visible(symbol, now).find((s) => intervalMs(s.interval) <= DAY);
    if (!finest) return undefined;
    const window = this.reader.closedRange(symbol, finest.interval, now - DAY, now, now);
    const first = window[0];
    const last = window[window.length - 1];
    if (!first || !last) return undefined;
    const { high, low, volume, quoteVolume, trades } = windowTotals(window);
    const change = first.open === 0 ? 0 : ((last.close - first.open) / first.open) * 100;
    return {
      symbol,
      lastPrice: last.close,
      priceChangePercent: Math.round(change * 1000) / 1000,
      openPrice: first.open,
      highPrice: high,
      lowPrice: low,
      volume,
      quoteVolume,
      openTime: first.openTime,
      closeTime: last.closeTime,
      trades,
    };
  }
}

function decimals(x: number): number {
  if (!Number.isFinite(x) || Number.isInteger(x)) return 0;
  const s = String(x);
  const e = s.indexOf("e-");
  if (e >= 0) {
    const mant = s.slice(0, e);
    const dot = mant.indexOf(".");
    return Number(s.slice(e + 2)) + (dot >= 0 ? mant.length - dot - 1 : 0);
  }
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

function maxDecimals(xs: readonly number[]): number {
  let d = 0;
  for (const x of xs) d = Math.max(d, decimals(x));
  return Math.min(d, 12);
}

/** 10^e without binary noise (10 ** -5 is 0.000009999999999999999). */
function pow10(e: number): number {
  return Number(`1e${e}`);
}
