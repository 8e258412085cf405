/**
 * Market-data benchmark (issue 2): what a 300-symbol cold start and the steady state after it cost in Binance
 * request weight and time, measured end to end — the real BinanceExchange adapter (weight budget, default 10 %
 * safety margin, no cap) talking HTTP and WebSocket to the project's fake Binance on 127.0.0.1, which enforces
 * Binance's real limits (futures 2400, spot 6000 weight per UTC clock minute) and charges Binance's weights.
 *
 * 1. Cold start, the fake's clock running in real time from 2026-01-10T00:00Z so weight windows are real minutes:
 *    markets + 24 h tickers + `lookback` closed candles of every interval for every symbol into a fresh SQLite candle
 *    store, with the cheapest download/derive split (planWarmup) carried out by syncCandles, groups in parallel.
 * 2. Steady state: a new adapter whose clock is the fake's, now running `speed`× faster, subscribes kline streams for
 *    every symbol × interval; the fake is ticked every `tickMs` real ms and the universe's 24 h tickers are refreshed
 *    every 5 simulated minutes, as the live system will. REST weight per simulated minute, stream traffic.
 * 3. Reconnects with back-fill (fake.dropConnections()) at real speed: once just after an ordinary 15m close, once
 *    just after 2027-02-01T00:00Z, when every one of the seven intervals closes a candle at the same instant.
 *
 * The fake runs in this process: CPU figures include the server's share.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle } from "../src/core/candle.js";
import type { Clock } from "../src/core/clock.js";
import { alignDown, type Interval, MINUTE } from "../src/core/interval.js";
import { BinanceExchange } from "../src/exchange/binance/binance-exchange.js";
import { cheapestKlinePage, ENDPOINTS } from "../src/exchange/binance/endpoints.js";
import type { MarketType, StreamKey, StreamStatus, Subscription } from "../src/exchange/exchange.js";
import { realSleep, type Sleep } from "../src/core/sleep.js";
import { binanceCapabilities } from "../src/exchange/binance/endpoints.js";
import { CandleStore } from "../src/market/candle-store.js";
import { type SyncReport, syncCandles } from "../src/market/sync.js";
import { selectUniverse } from "../src/market/universe.js";
import { planWarmup, type WarmupGroup, type WarmupPlan, warmupSync } from "../src/market/warmup-plan.js";
import {
  acceleratedClock,
  type FakeBinance,
  type FakeRequest,
  startFakeBinance,
  syntheticMarketData,
} from "../src/sim/fake-binance/index.js";
import { openDatabase } from "../src/storage/database.js";

export const COLD_START_AT = Date.UTC(2026, 0, 10);
/** Monday, the 1st of a month and a 3d open (floor(t / 1d) % 3 == 0): 15m, 1h, 4h, 1d, 3d, 1w and 1M all close. */
export const ALL_CLOSE_AT = Date.UTC(2027, 1, 1);
const DEFAULT_INTERVALS: readonly Interval[] = ["1M", "1w", "3d", "1d", "4h", "1h", "15m"];

export interface MarketDataBenchOptions {
  readonly markets?: readonly MarketType[];
  readonly symbols?: number;
  /** Closed candles per interval (the default sr_detector.lookback, 100). */
  readonly lookback?: number;
  readonly intervals?: readonly Interval[];
  /** Simulated minutes of steady state measured. */
  readonly steadyMinutes?: number;
  /** How much faster than real time the fake's clock runs in the steady state. */
  readonly speed?: number;
  /** Real milliseconds between two fake.tick() calls. */
  readonly tickMs?: number;
  /** Skip the reconnect measurements. */
  readonly skipReconnects?: boolean;
  readonly progress?: (line: string) => void;
}

export interface WindowUse {
  /** Server minute (ISO) and the weight the fake charged in it. */
  readonly minute: string;
  readonly weight: number;
  readonly requests: number;
}

export interface ColdStartResult {
  readonly symbols: number;
  readonly intervals: readonly Interval[];
  readonly lookback: number;
  readonly plan: {
    readonly groups: readonly string[];
    readonly weightPerSymbol: number;
    readonly requestsPerSymbol: number;
    readonly directWeightPerSymbol: number;
    /** The plan chosen when requests are priced with sync-plan.ts's klineRequestWeight (documented bands). */
    readonly bySyncPlanTable: { readonly groups: readonly string[]; readonly weightPerSymbol: number };
  };
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Weight and requests as the fake Binance charged them. */
  readonly weight: number;
  readonly requests: number;
  readonly weightByEndpoint: Readonly<Record<string, { requests: number; weight: number }>>;
  /** What the adapter's budget counted (must be >= the server's count). */
  readonly clientWeight: number;
  readonly candlesFetched: number;
  readonly candlesDerived: number;
  readonly candlesStored: number;
  readonly rateLimited: number;
  readonly windows: readonly WindowUse[];
  readonly limit: number;
  readonly usable: number;
  readonly theoreticalMin: {
    readonly formula: string;
    readonly windowsNeeded: number;
    readonly lastWindowWeight: number;
    readonly sendRateWeightPerSec: number;
    readonly ms: number;
  };
}

export interface SteadyStateResult {
  readonly speed: number;
  readonly tickMs: number;
  readonly streams: number;
  readonly connections: number;
  readonly serverConnections: number;
  readonly simulatedMinutes: number;
  readonly realMs: number;
  readonly cpuMs: number;
  readonly restWeight: number;
  readonly restWeightPerMinute: number;
  readonly restRequestsByEndpoint: Readonly<Record<string, { requests: number; weight: number }>>;
  readonly wsUpdates: number;
  readonly wsUpdatesPerRealSecond: number;
  readonly closedCandles: number;
  readonly backfills: number;
  readonly tickerRefreshes: number;
  /** The live adapter's start-up requests (clock sync, exchangeInfo), before the measured stretch. */
  readonly subscribeWeight: number;
}

export interface ReconnectResult {
  readonly label: string;
  /** The instant the candles closed (the connections were dropped 1 s later). */
  readonly closeAt: string;
  readonly intervalsClosing: readonly Interval[];
  readonly streamsBackfilled: number;
  readonly candlesBackfilled: number;
  readonly klineRequests: number;
  readonly klineWeight: number;
  readonly otherWeight: number;
  readonly maxWindowWeight: number;
  /** Real ms from the drop until every stream was back-filled. */
  readonly recoverMs: number;
  readonly reconnects: number;
}

export interface MarketDataMarketResult {
  readonly market: MarketType;
  readonly coldStart: ColdStartResult;
  readonly steadyState: SteadyStateResult;
  readonly reconnects: readonly ReconnectResult[];
  /** Plan-only figures for longer look-backs (no run): weight per symbol, total and the minimum time. */
  readonly whatIf: readonly {
    lookback: string;
    /** With syncCandles' default page size (what a cold start sends today). */
    weightPerSymbol: number;
    /** With the adapter's cheapest page (499 rows on futures, the same as syncCandles' default now). */
    weightPerSymbolWithAdapterPageSize: number;
    total: number;
    minMinutes: number;
  }[];
}

export interface MarketDataBenchResult {
  readonly markets: readonly MarketDataMarketResult[];
}

/** The fake's clock: real time first, then faster, and able to jump ahead; never backwards. */
class PhasedClock implements Clock {
  #clock: Clock;
  #speed: number;
  constructor(start: number) {
    this.#clock = acceleratedClock(start, 1);
    this.#speed = 1;
  }
  now(): number {
    return this.#clock.now();
  }
  get speed(): number {
    return this.#speed;
  }
  setSpeed(speed: number): void {
    this.#clock = acceleratedClock(this.now(), speed);
    this.#speed = speed;
  }
  jumpTo(t: number): void {
    if (t < this.now()) throw new RangeError("PhasedClock cannot go back");
    this.#clock = acceleratedClock(t, this.#speed);
  }
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds; throws after `timeoutMs` real ms (a benchmark must not hang). */
async function until(cond: () => boolean, what: string, timeoutMs = 120_000, everyMs = 20): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`market-data bench: timed out waiting for ${what}`);
    await pause(everyMs);
  }
}

function byEndpoint(reqs: readonly FakeRequest[]): Record<string, { requests: number; weight: number }> {
  const out: Record<string, { requests: number; weight: number }> = {};
  for (const r of reqs) {
    const e = out[r.path] ?? { requests: 0, weight: 0 };
    out[r.path] = e;
    e.requests++;
    e.weight += r.weight;
  }
  return out;
}

function windowsOf(reqs: readonly FakeRequest[]): WindowUse[] {
  const m = new Map<number, { weight: number; requests: number }>();
  for (const r of reqs) {
    const w = Math.floor(r.at / MINUTE);
    const e = m.get(w) ?? { weight: 0, requests: 0 };
    e.weight += r.weight;
    e.requests++;
    m.set(w, e);
  }
  return [...m.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([w, e]) => ({ minute: new Date(w * MINUTE).toISOString().slice(0, 16), ...e }));
}

function adapterKlineWeight(market: MarketType): (limit: number) => number {
  return (limit) => ENDPOINTS[market].klines.weight({ limit });
}

function planFor(market: MarketType, intervals: readonly Interval[], lookback: number, now: number): WarmupPlan {
  const lb = Object.fromEntries(intervals.map((i) => [i, lookback])) as Partial<Record<Interval, number>>;
  return planWarmup({
    lookback: lb,
    paging: binanceCapabilities(market).klines,
    now,
    requestWeight: adapterKlineWeight(market),
  });
}

/**
 * Minimum time to spend `weight` when `usable` may be spent per clock minute, starting at a minute's beginning:
 * full windows take a minute each; the last one takes as long as sending its weight at `rate` (weight/s).
 */
function minTimeMs(weight: number, usable: number, rate: number): { windows: number; last: number; ms: number } {
  const windows = Math.max(1, Math.ceil(weight / usable));
  const last = weight - (windows - 1) * usable;
  return { windows, last, ms: (windows - 1) * MINUTE + (rate > 0 ? (last / rate) * 1000 : 0) };
}

function describeGroup(g: WarmupGroup): string {
  return `${g.download}${g.derive.length ? `→${g.derive.join(",")}` : ""} (${g.rows} rows, ${g.requests} req, w${g.weight})`;
}

function wsUrlFor(fake: FakeBinance, market: MarketType): string {
  return market === "spot" ? fake.wsUrl : `${fake.wsUrl}/market`;
}

async function benchMarket(market: MarketType, o: Required<MarketDataBenchOptions>): Promise<MarketDataMarketResult> {
  const say = (s: string) => o.progress(`[market-data ${market}] ${s}`);
  const clock = new PhasedClock(COLD_START_AT);
  // Listed since 2015, so even 100 monthly candles exist.
  const md = syntheticMarketData({ symbols: o.symbols, seed: market === "spot" ? 1 : 2, start: Date.UTC(2015, 0, 1) });
  const fake = await startFakeBinance({ clock, spot: md, futures: md });
  const dir = mkdtempSync(join(tmpdir(), "cma-bench-"));
  const db = openDatabase(join(dir, "bench.db"));
  const store = new CandleStore(db);
  try {
    const { result: coldStart, symbols } = await runColdStart(market, fake, store, o, say);
    const { steadyState, reconnects } = await runLive(market, fake, clock, store, symbols, o, say);
    const rate = coldStart.theoreticalMin.sendRateWeightPerSec;
    const whatIf = [
      {
        label: "analysis reads: 500 on 15m/1h/4h/1d, 100 on 3d/1w/1M",
        lb: { "15m": 500, "1h": 500, "4h": 500, "1d": 500, "3d": 100, "1w": 100, "1M": 100 },
      },
      {
        label: "1000 on 15m/1h/4h/1d, 100 on 3d/1w/1M",
        lb: { "15m": 1000, "1h": 1000, "4h": 1000, "1d": 1000, "3d": 100, "1w": 100, "1M": 100 },
      },
    ].map(({ label, lb }) => {
      const plan = (pageSize?: number) =>
        planWarmup({
          lookback: lb as Partial<Record<Interval, number>>,
          paging: binanceCapabilities(market).klines,
          now: COLD_START_AT,
          requestWeight: adapterKlineWeight(market),
          ...(pageSize !== undefined ? { pageSize } : {}),
        });
      const p = plan();
      // syncCandles pages by bestKlinePageSize, which is the adapter's cheapestKlinePage (one weight table): kept as
      // a separate column so a future divergence between the two shows up here.
      const adapterPages = plan(cheapestKlinePage(market));
      const overhead = coldStart.weight - coldStart.plan.weightPerSymbol * o.symbols;
      const total = p.weight * o.symbols + overhead;
      return {
        lookback: label,
        weightPerSymbol: p.weight,
        weightPerSymbolWithAdapterPageSize: adapterPages.weight,
        total,
        minMinutes: minTimeMs(total, coldStart.usable, rate).ms / MINUTE,
      };
    });
    return { market, coldStart, steadyState, reconnects, whatIf };
  } finally {
    await fake.close();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runColdStart(
  market: MarketType,
  fake: FakeBinance,
  store: CandleStore,
  o: Required<MarketDataBenchOptions>,
  say: (s: string) => void,
): Promise<{ result: ColdStartResult; symbols: string[] }> {
  // The machine's clock, real sleeps, default margin, no cap: exactly how the live adapter is built.
  const ex = new BinanceExchange({ market, restUrl: fake.restUrl, wsUrl: wsUrlFor(fake, market) });
  try {
    say("cold start: markets, 24h tickers, history");
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const markets = await ex.markets();
    const tickers = await ex.tickers24h();
    const symbols = selectUniverse(markets, tickers).map((e) => e.symbol);
    const plan = planFor(market, o.intervals, o.lookback, ex.clock.now());
    const reports: SyncReport[] = await Promise.all(
      plan.groups.map((g) => {
        const { request, options } = warmupSync(g, symbols);
        return syncCandles(ex, store, request, options);
      }),
    );
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const reqs = [...fake.requests];
    const weight = reqs.reduce((s, r) => s + r.weight, 0);
    const usable = ex.budget.usable;
    const windows = windowsOf(reqs);
    // Send rate: weight per second while nothing waited for the budget, i.e. across the first window's requests.
    const firstWindow = reqs.filter((r) => Math.floor(r.at / MINUTE) === Math.floor((reqs[0]?.at ?? 0) / MINUTE));
    const span = ((firstWindow.at(-1)?.at ?? 0) - (firstWindow[0]?.at ?? 0)) / 1000;
    const rate = span > 0 ? firstWindow.reduce((s, r) => s + r.weight, 0) / span : 0;
    const min = minTimeMs(weight, usable, rate);
    const series = reports.flatMap((r) => r.series);
    // What planWarmup would choose pricing requests with sync-plan.ts's klineRequestWeight (the documented bands,
    // which make 100 futures rows cost 2) instead of the adapter's table (100 rows cost 1).
    const syncPlanTable = planWarmup({
      lookback: Object.fromEntries(o.intervals.map((i) => [i, o.lookback])) as Partial<Record<Interval, number>>,
      paging: binanceCapabilities(market).klines,
      now: ex.clock.now(),
    });
    const result: ColdStartResult = {
      symbols: symbols.length,
      intervals: o.intervals,
      lookback: o.lookback,
      plan: {
        groups: plan.groups.map(describeGroup),
        weightPerSymbol: plan.weight,
        requestsPerSymbol: plan.requests,
        directWeightPerSymbol: plan.directWeight,
        bySyncPlanTable: {
          groups: syncPlanTable.groups.map(describeGroup),
          weightPerSymbol: syncPlanTable.weight,
        },
      },
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      weight,
      requests: reqs.length,
      weightByEndpoint: byEndpoint(reqs),
      clientWeight: ex.weightUsage().spent,
      candlesFetched: series.reduce((s, x) => s + x.fetched, 0),
      candlesDerived: series.reduce((s, x) => s + x.derived, 0),
      candlesStored: store.db.prepare("SELECT count(*) FROM candles").pluck().get() as number,
      rateLimited: reqs.filter((r) => r.status === 429 || r.status === 418).length,
      windows,
      limit: ex.budget.limit,
      usable,
      theoreticalMin: {
        formula:
          "T_min = (ceil(W / U) - 1) × 60 s + W_last / r, U = floor(limit × (1 - margin)), W_last = W - (ceil(W / U) - 1) × U, r = send rate measured over the first window's requests (weight/s), starting at a minute's beginning",
        windowsNeeded: min.windows,
        lastWindowWeight: min.last,
        sendRateWeightPerSec: rate,
        ms: min.ms,
      },
    };
    say(`cold start done: ${result.weight} weight, ${result.requests} requests, ${Math.round(wallMs)} ms`);
    return { result, symbols };
  } finally {
    // Releases this host's shared budget, so the live adapter below builds its own on the accelerated clock.
    await ex.close();
  }
}

async function runLive(
  market: MarketType,
  fake: FakeBinance,
  clock: PhasedClock,
  store: CandleStore,
  symbols: readonly string[],
  o: Required<MarketDataBenchOptions>,
  say: (s: string) => void,
): Promise<{ steadyState: SteadyStateResult; reconnects: ReconnectResult[] }> {
  clock.setSpeed(o.speed);
  // The adapter's local clock IS the fake's, so the offset is ~0 and its weight windows are simulated minutes; its
  // waits are scaled the same way.
  const sleep: Sleep = (ms, signal) => realSleep(ms / clock.speed, signal);
  const ex = new BinanceExchange({ market, restUrl: fake.restUrl, wsUrl: wsUrlFor(fake, market), clock, sleep });
  const keys: StreamKey[] = symbols.flatMap((symbol) => o.intervals.map((interval) => ({ symbol, interval })));
  const c = { updates: 0, closed: 0, connected: 0, disconnected: 0, backfilled: 0, backfilledCandles: 0, stale: 0 };
  const errors: string[] = [];
  const onStatus = (s: StreamStatus) => {
    if (s.kind === "connected") c.connected++;
    else if (s.kind === "disconnected") c.disconnected++;
    else if (s.kind === "backfilled") {
      c.backfilled++;
      c.backfilledCandles += s.candles;
    } else if (s.kind === "stale") c.stale++;
    else if (s.kind === "error") errors.push(s.message);
  };
  const onCandle = (k: StreamKey, candle: Candle) => {
    c.updates++;
    if (candle.closed) {
      c.closed++;
      store.upsert({ exchange: "binance", market, symbol: k.symbol, interval: k.interval }, [candle]);
    }
  };
  let ticker: ReturnType<typeof setInterval> | undefined;
  const startTicking = () => {
    ticker ??= setInterval(() => fake.tick(), o.tickMs);
  };
  const stopTicking = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  let sub: Subscription | undefined;
  const subscribe = async (): Promise<number> => {
    const before = c.connected;
    sub = ex.subscribeCandles(keys, { onCandle, onStatus });
    const n = (sub as unknown as { connections: number }).connections;
    await until(() => c.connected - before >= n, "the stream connections");
    return n;
  };

  try {
    // ---- steady state ----
    const connections = await subscribe();
    startTicking();
    await until(() => ex.weightUsage().spent > 0, "the adapter's first clock sync");
    await pause(200);
    // The adapter's first use: /time and exchangeInfo.
    const subscribeWeight = ex.weightUsage().spent;
    say(`steady state: ${keys.length} streams on ${connections} connections, clock ${o.speed}×`);
    const m0 = clock.now();
    const m1 = m0 + o.steadyMinutes * MINUTE;
    const w0 = ex.weightUsage().spent;
    const r0 = fake.requests.length;
    const u0 = { ...c };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let refreshes = 0;
    while (clock.now() < m1) {
      if (clock.now() >= m0 + refreshes * 5 * MINUTE) {
        refreshes++;
        const tickers = await ex.tickers24h();
        selectUniverse(await ex.markets(), tickers); // what the live universe refresh does with them
      }
      await pause(20);
    }
    const realMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const restWeight = ex.weightUsage().spent - w0;
    const steadyReqs = fake.requests.slice(r0);
    const steadyState: SteadyStateResult = {
      speed: o.speed,
      tickMs: o.tickMs,
      streams: keys.length,
      connections,
      serverConnections: fake.connections(),
      simulatedMinutes: o.steadyMinutes,
      realMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      restWeight,
      restWeightPerMinute: restWeight / o.steadyMinutes,
      restRequestsByEndpoint: byEndpoint(steadyReqs),
      wsUpdates: c.updates - u0.updates,
      wsUpdatesPerRealSecond: ((c.updates - u0.updates) / realMs) * 1000,
      closedCandles: c.closed - u0.closed,
      backfills: c.backfilled - u0.backfilled,
      tickerRefreshes: refreshes,
      subscribeWeight,
    };
    say(`steady state: ${restWeight} weight in ${o.steadyMinutes} simulated minutes`);
    if (o.skipReconnects) return { steadyState, reconnects: [] };

    // ---- reconnects, at real speed ----
    clock.setSpeed(1);
    const reconnects: ReconnectResult[] = [];
    const reconnect = async (label: string, closeAt: number): Promise<ReconnectResult> => {
      const closing = o.intervals.filter((i) => alignDown(i, closeAt) === closeAt);
      await until(() => clock.now() >= closeAt - 2000, "the moment before the close", 60_000);
      stopTicking(); // the final updates of the closing candles are never sent
      await until(() => clock.now() >= closeAt + 1000, "the close", 60_000);
      const before = { ...c };
      const r0 = fake.requests.length;
      const t0 = performance.now();
      fake.dropConnections();
      startTicking();
      const expected = closing.length * symbols.length;
      await until(() => c.backfilled - before.backfilled >= expected, `${expected} back-fills`);
      await until(() => c.connected - before.connected >= connections, "the reconnections");
      const recoverMs = performance.now() - t0;
      await pause(500); // anything still in flight
      const reqs = fake.requests.slice(r0);
      const kl = reqs.filter((r) => r.path.endsWith("/klines"));
      const klineWeight = kl.reduce((s, r) => s + r.weight, 0);
      const r: ReconnectResult = {
        label,
        closeAt: new Date(closeAt).toISOString(),
        intervalsClosing: closing,
        streamsBackfilled: c.backfilled - before.backfilled,
        candlesBackfilled: c.backfilledCandles - before.backfilledCandles,
        klineRequests: kl.length,
        klineWeight,
        otherWeight: reqs.reduce((s, x) => s + x.weight, 0) - klineWeight,
        maxWindowWeight: Math.max(0, ...windowsOf(reqs).map((w) => w.weight)),
        recoverMs,
        reconnects: c.connected - before.connected,
      };
      say(`reconnect (${label}): ${r.klineRequests} kline requests, weight ${r.klineWeight}`);
      return r;
    };

    // The next 15m close that is not also an hour's. Jumping to just before it is harmless: candles that close on
    // the way are delivered by the next tick like any other.
    let b = alignDown("15m", clock.now()) + 15 * MINUTE;
    if (alignDown("1h", b) === b) b += 15 * MINUTE;
    if (b - 5000 > clock.now()) clock.jumpTo(b - 5000);
    reconnects.push(await reconnect("after a 15m close", b));

    // The worst case: every interval closes at once. Jump there with the streams closed, then resubscribe.
    stopTicking();
    await sub?.close();
    clock.jumpTo(ALL_CLOSE_AT - 15_000);
    await subscribe();
    startTicking();
    reconnects.push(await reconnect("after all 7 intervals close (2027-02-01 00:00 UTC)", ALL_CLOSE_AT));
    if (errors.length > 0) say(`stream errors: ${errors.slice(0, 3).join(" | ")}`);
    return { steadyState, reconnects };
  } finally {
    stopTicking();
    await sub?.close();
    await ex.close();
  }
}

export async function benchMarketData(opts: MarketDataBenchOptions = {}): Promise<MarketDataBenchResult> {
  const o: Required<MarketDataBenchOptions> = {
    markets: opts.markets ?? ["futures", "spot"],
    symbols: opts.symbols ?? 300,
    lookback: opts.lookback ?? 100,
    intervals: opts.intervals ?? DEFAULT_INTERVALS,
    steadyMinutes: opts.steadyMinutes ?? 60,
    speed: opts.speed ?? 30,
    tickMs: opts.tickMs ?? 500,
    skipReconnects: opts.skipReconnects ?? false,
    progress: opts.progress ?? (() => {}),
  };
  const markets: MarketDataMarketResult[] = [];
  for (const m of o.markets) markets.push(await benchMarket(m, o));
  return { markets };
}
