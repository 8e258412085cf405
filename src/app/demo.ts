/**
 * The offline demo: the real market-data pipeline on real recorded Binance candles.
 *
 * The project's own fake Binance server serves the bundled candles on 127.0.0.1 under a simulated clock; everything
 * else is the production code, unchanged: the Binance adapter with its weight budget, the history sync into the
 * SQLite candle store, the market view, the indicators, and live WebSocket kline streams, including a forced
 * disconnect that the client must survive by reconnecting and back-filling what it missed. The simulated clock runs
 * fast so that two days of market pass in well under a minute.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Candle } from "../core/candle.js";
import { SimulatedClock } from "../core/clock.js";
import { HOUR, type Interval, MINUTE } from "../core/interval.js";
import type { Logger } from "../core/log.js";
import { BinanceExchange } from "../exchange/binance/binance-exchange.js";
import type { StreamKey, StreamStatus } from "../exchange/exchange.js";
import { analyzeSymbol, type SymbolAnalysis, type SymbolAnalysisOptions } from "../agents/symbol-analysis.js";
import { CandleStore } from "../market/candle-store.js";
import { describeGap } from "../market/gaps.js";
import { StoreMarketView } from "../market/market-view.js";
import { type SyncReport, syncCandles } from "../market/sync.js";
import { selectUniverse } from "../market/universe.js";
import { startFakeBinance } from "../sim/fake-binance/index.js";
import { openDatabase } from "../storage/database.js";
import { writeJsonAtomic } from "../storage/atomic-write.js";
import { type Colors, noColors } from "../ui/colors.js";
import { formatCompact, formatInt, formatPercent, formatPrice, formatUtc } from "../ui/format.js";
import { renderTable } from "../ui/table.js";

export interface DemoOptions {
  /** Where the demo's own candle database goes (it is recreated on every run). */
  readonly dataDir: string;
  /** Where the demo writes its report. */
  readonly outputDir: string;
  readonly write: (text: string) => void;
  readonly colors?: Colors;
  /** The simulated moment the demo starts at; default 2026-01-20 00:00 UTC (inside the bundled 5m data). */
  readonly start?: number;
  /** Simulated hours of live streaming (default 48). */
  readonly liveHours?: number;
  /** Wall-clock milliseconds per simulated 15 minutes (default 120). */
  readonly stepMs?: number;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
  /** The agents' settings (from the configuration); default the built-in defaults. */
  readonly analysis?: Partial<SymbolAnalysisOptions>;
}

export interface DemoReport {
  readonly startedAt: string;
  readonly endedAt: string;
  readonly exchange: string;
  readonly symbols: string[];
  readonly history: { requests: number; weight: number; candlesFetched: number; candlesDerived: number };
  readonly gaps: string[];
  readonly live: { closedCandles: number; reconnects: number; backfilled: number };
  readonly weight: { spent: number; requests: number; limitPerMinute: number };
  readonly snapshot: SnapshotRow[];
}

interface SnapshotRow {
  symbol: string;
  price: number;
  change24hPct: number | null;
  rsi: Partial<Record<Interval, number>>;
  momentum: string;
  volumeScore: number;
  nearestSupport: ZoneBrief | null;
  nearestResistance: ZoneBrief | null;
  zones: number;
}

interface ZoneBrief {
  price: number;
  low: number;
  high: number;
  timeframes: Interval[];
  touches: number;
  score: number;
}

const SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
const HTF: Interval[] = ["1M", "1w", "3d", "1d"];
const LTF: Interval[] = ["4h", "1h"];
/** The bundled 5m files (which the 15m candles come from) cover BTC and ETH only. */
const FIFTEEN_MIN_SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const DEFAULT_START = Date.parse("2026-01-20T00:00:00Z");
const STEP = 15 * MINUTE;

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const c = opts.colors ?? noColors;
  const out = (s = "") => opts.write(`${s}\n`);
  const start = opts.start ?? DEFAULT_START;
  const liveHours = opts.liveHours ?? 48;
  const stepMs = opts.stepMs ?? 120;
  const rule = "=".repeat(80);

  const clock = new SimulatedClock(start);
  const fake = await startFakeBinance({ clock });
  const dbDir = join(opts.dataDir, "demo");
  rmSync(dbDir, { recursive: true, force: true });
  const db = openDatabase(join(dbDir, "candles.db"));
  const store = new CandleStore(db);
  // The adapter's own clock is the machine's; it learns the (simulated) exchange time from /time like it would live.
  const exchange = new BinanceExchange({
    market: "spot",
    restUrl: fake.restUrl,
    wsUrl: fake.wsUrl,
    clockSyncIntervalMs: 1000,
    clockToleranceMs: Number.MAX_SAFE_INTEGER,
    ...(opts.logger ? { logger: opts.logger } : {}),
    stream: { staleAfterMs: 10_000, reconnectBaseMs: 100, reconnectMaxMs: 1000 },
  });

  try {
    out(c.bold(rule));
    out(c.bold("🚀 CRYPTO MARKET AGENTS — offline demo on real recorded Binance candles"));
    out(rule);
    out(`📡 Fake Binance spot exchange on ${fake.restUrl} (the project's own, serving bundled real candles)`);
    out(`🕒 Simulated exchange time starts at ${formatUtc(start)} UTC`);

    // 1. The universe: markets and 24h tickers, filtered as the live system would.
    const [markets, tickers] = await Promise.all([exchange.markets(), exchange.tickers24h()]);
    const universe = selectUniverse(markets, tickers, {
      quoteAsset: "USDT",
      minQuoteVolume: 0,
      include: [],
      exclude: [],
      maxSymbols: 50,
    }).filter((u) => SYMBOLS.includes(u.symbol));
    out(`✅ Connected: ${markets.length} USDT markets trading, ${universe.length} in the universe`);
    out();
    out(
      renderTable(
        ["symbol", "price", "24h change", "24h volume (USDT)"],
        universe.map((u) => [
          u.symbol,
          formatPrice(u.ticker?.lastPrice ?? Number.NaN),
          colorPct(c, u.ticker?.priceChangePercent ?? 0),
          formatCompact(u.quoteVolume),
        ]),
        { colors: c },
      ),
    );

    // 2. History: higher timeframes from 2019, intraday for the last 60 days; only 1d, 1h and 15m are downloaded,
    //    the rest is derived exactly from them at no request weight.
    out();
    out(c.bold("📥 Downloading history into the local candle database (only what is missing)"));
    const htf = await syncCandles(
      exchange,
      store,
      { symbols: SYMBOLS, intervals: HTF, from: Date.parse("2019-01-01T00:00:00Z") },
      opts.signal ? { signal: opts.signal } : {},
    );
    const ltf = await syncCandles(
      exchange,
      store,
      { symbols: SYMBOLS, intervals: LTF, from: start - 60 * 24 * HOUR },
      opts.signal ? { signal: opts.signal } : {},
    );
    const m15 = await syncCandles(
      exchange,
      store,
      { symbols: FIFTEEN_MIN_SYMBOLS, intervals: ["15m"], from: start - 14 * 24 * HOUR },
      opts.signal ? { signal: opts.signal } : {},
    );
    const reports = [htf, ltf, m15];
    const history = summarise(reports);
    out(
      `   ${formatInt(history.candlesFetched)} candles fetched in ${history.requests} requests (weight ${history.weight}), ` +
        `${formatInt(history.candlesDerived)} derived at no cost (${derivedList(reports)})`,
    );
    const missing = reports.flatMap((r) => r.series).filter((s) => s.fetched + s.derived + s.alreadyPresent === 0);
    if (missing.length) {
      out(`   no history on this exchange for: ${missing.map((s) => `${s.symbol} ${s.interval}`).join(", ")}`);
    }
    const gaps = reports
      .flatMap((r) => r.series)
      .flatMap((s) => s.gaps.map((g) => `${s.symbol} ${s.interval}: ${describeGap(g)}`));
    for (const g of gaps.slice(0, 5)) out(`   ⚠️  gap: ${g}`);
    if (gaps.length > 5) out(`   … and ${gaps.length - 5} more gaps`);

    // 3. What the analysis agents see now: closed candles only, through the market view.
    const view = new StoreMarketView({ store, clock, exchange: "binance", market: "spot" });
    const snapshot = SYMBOLS.map((s) => snapshotOf(analyzeSymbol(view, s, opts.analysis)));
    out();
    out(c.bold(`📊 What the agents see at ${formatUtc(clock.now())} UTC (closed candles only)`));
    out(
      renderTable(
        ["symbol", "price", "24h", "RSI 15m", "RSI 1h", "RSI 4h", "vol score", "nearest support", "nearest resistance"],
        snapshot.map((r) => [
          r.symbol,
          formatPrice(r.price),
          r.change24hPct === null ? "–" : colorPct(c, r.change24hPct),
          fmtRsi(c, r.rsi["15m"]),
          fmtRsi(c, r.rsi["1h"]),
          fmtRsi(c, r.rsi["4h"]),
          r.volumeScore.toFixed(1),
          fmtZone(c.green, r.nearestSupport),
          fmtZone(c.red, r.nearestResistance),
        ]),
        { colors: c },
      ),
    );
    out(
      c.dim(
        "   zones: centre price, timeframes the level appears on, confluence score 0–100 (cma levels SYMBOL lists all)",
      ),
    );

    // 4. Live: WebSocket kline streams while the exchange's clock runs; half-way the connection is dropped.
    out();
    out(c.bold(`📡 Live: streaming 1h and 15m klines for ${SYMBOLS.length} symbols (${liveHours} simulated hours)`));
    const live = await streamLive({ exchange, fake, clock, store, liveHours, stepMs, out, c, signal: opts.signal });

    const usage = exchange.weightUsage();
    const end = clock.now();
    out();
    out(c.bold(rule));
    out(
      `✅ Demo finished at ${formatUtc(end)} UTC: ${live.closedCandles} live candles closed, ` +
        `${live.reconnects} reconnect(s), ${live.backfilled} candle(s) back-filled over REST`,
    );
    out(
      `⚖️  Request weight spent: ${usage.spent} in ${usage.requests} requests ` +
        `(Binance spot allows ${usage.limit} per minute; nothing was ever rate-limited)`,
    );
    out(`💾 Candle database: ${join(dbDir, "candles.db")}`);
    const report: DemoReport = {
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(end).toISOString(),
      exchange: "binance spot (fake, bundled real candles)",
      symbols: SYMBOLS,
      history,
      gaps,
      live,
      weight: { spent: usage.spent, requests: usage.requests, limitPerMinute: usage.limit },
      snapshot,
    };
    const reportFile = join(opts.outputDir, "demo_report.json");
    writeJsonAtomic(reportFile, report);
    out(`📝 Report: ${reportFile}`);
    out(
      c.dim(
        "Next in this project: signals fired live as cards (synthesis and cards exist), paper trading, the learning agent.",
      ),
    );
    out(c.bold(rule));
    return report;
  } finally {
    await exchange.close();
    db.close();
    await fake.close();
  }
}

function summarise(reports: SyncReport[]): DemoReport["history"] {
  let candlesFetched = 0;
  let candlesDerived = 0;
  for (const r of reports) {
    for (const s of r.series) {
      candlesFetched += s.fetched;
      candlesDerived += s.derived;
    }
  }
  return {
    requests: reports.reduce((a, r) => a + r.requests, 0),
    weight: reports.reduce((a, r) => a + r.weight, 0),
    candlesFetched,
    candlesDerived,
  };
}

function derivedList(reports: SyncReport[]): string {
  const pairs = new Set<string>();
  for (const r of reports) for (const d of r.plan.derive) pairs.add(`${d.interval} from ${d.from}`);
  return [...pairs].join(", ");
}

function snapshotOf(a: SymbolAnalysis): SnapshotRow {
  const rsi: Partial<Record<Interval, number>> = {};
  for (const [iv, tf] of Object.entries(a.momentum.timeframes)) {
    if (tf) rsi[iv as Interval] = round(tf.rsi, 2);
  }
  const brief = (z: SymbolAnalysis["nearestSupport"]): ZoneBrief | null =>
    z === null
      ? null
      : { price: z.price, low: z.low, high: z.high, timeframes: [...z.timeframes], touches: z.touches, score: z.score };
  const change = a.priceAction.changes["24h"]?.percent ?? null;
  return {
    symbol: a.symbol,
    price: a.price,
    change24hPct: change === null ? null : round(change, 3),
    rsi,
    momentum: a.momentum.status,
    volumeScore: a.volume.volumeScore,
    nearestSupport: brief(a.nearestSupport),
    nearestResistance: brief(a.nearestResistance),
    zones: a.zones.length,
  };
}

function fmtZone(color: (s: string) => string, z: ZoneBrief | null): string {
  if (z === null) return "–";
  return `${color(formatPrice(z.price))} ${z.timeframes.join("/")} (${Math.round(z.score)})`;
}

interface LiveArgs {
  exchange: BinanceExchange;
  fake: Awaited<ReturnType<typeof startFakeBinance>>;
  clock: SimulatedClock;
  store: CandleStore;
  liveHours: number;
  stepMs: number;
  out: (s?: string) => void;
  c: Colors;
  signal: AbortSignal | undefined;
}

async function streamLive(a: LiveArgs): Promise<DemoReport["live"]> {
  const { exchange, fake, clock, store, out, c } = a;
  const keys: StreamKey[] = [
    ...SYMBOLS.map((symbol) => ({ symbol, interval: "1h" as Interval })),
    ...FIFTEEN_MIN_SYMBOLS.map((symbol) => ({ symbol, interval: "15m" as Interval })),
  ];
  let closedCandles = 0;
  let reconnects = 0;
  let backfilled = 0;
  let connectedOnce = false;
  let resolveConnected: () => void = () => {};
  let connected = new Promise<void>((r) => {
    resolveConnected = r;
  });
  // Hourly closes per symbol, printed as one line per hour once every symbol's candle for that hour has arrived.
  const hourly = new Map<number, Map<string, Candle>>();
  const lastClose = new Map<string, number>();
  const printHour = (openTime: number, row: Map<string, Candle>) => {
    const cells = SYMBOLS.map((s) => {
      const k = row.get(s);
      if (!k) return `${s.replace("USDT", "")} –`;
      const prev = lastClose.get(s) ?? k.open;
      lastClose.set(s, k.close);
      return `${s.replace("USDT", "")} ${formatPrice(k.close)} ${colorPct(c, ((k.close - prev) / prev) * 100)}`;
    });
    out(`   ${formatUtc(openTime + HOUR)}  ${cells.join(c.dim(" │ "))}`);
  };

  const sub = exchange.subscribeCandles(keys, {
    onCandle(key, candle) {
      if (!candle.closed) return;
      closedCandles++;
      store.upsert({ exchange: "binance", market: "spot", symbol: key.symbol, interval: key.interval }, [candle]);
      if (key.interval !== "1h") return;
      let row = hourly.get(candle.openTime);
      if (!row) {
        row = new Map();
        hourly.set(candle.openTime, row);
      }
      row.set(key.symbol, candle);
      if (row.size === SYMBOLS.length) {
        hourly.delete(candle.openTime);
        printHour(candle.openTime, row);
      }
    },
    onStatus(s: StreamStatus) {
      if (s.kind === "connected") {
        if (connectedOnce) {
          reconnects++;
          out(c.yellow(`   🔌 stream reconnected (${s.streams} streams)`));
        }
        connectedOnce = true;
        resolveConnected();
      } else if (s.kind === "disconnected") {
        out(c.yellow(`   🔌 stream disconnected (${s.reason}); reconnecting in ${s.retryInMs} ms`));
      } else if (s.kind === "backfilled") {
        backfilled += s.candles;
        if (s.candles > 0)
          out(c.yellow(`   ↩️  back-filled ${s.candles} ${s.key.symbol} ${s.key.interval} candle(s) over REST`));
      } else if (s.kind === "stale") {
        out(c.yellow(`   ⏱️  stream silent for ${s.silentForMs} ms: replacing the connection`));
      }
    },
  });

  try {
    await connected;
    const steps = Math.round((a.liveHours * HOUR) / STEP);
    const dropAt = Math.floor(steps / 2);
    for (let i = 0; i < steps; i++) {
      if (a.signal?.aborted) break;
      if (i === dropAt) {
        out(c.yellow("   ✂️  the exchange drops every connection (as Binance does on maintenance)…"));
        connected = new Promise<void>((r) => {
          resolveConnected = r;
        });
        fake.dropConnections({ shutdownNotice: true });
        // The market moves on while we are away: two hours pass before the client is back.
        for (let j = 0; j < 8; j++) clock.advance(STEP);
        await connected;
        await sleep(a.stepMs * 3);
      }
      clock.advance(STEP);
      fake.tick();
      await sleep(a.stepMs);
    }
    await sleep(a.stepMs * 2);
  } finally {
    await sub.close();
  }
  // Hours whose candles were back-filled after the drop arrive out of the per-hour rhythm; show them too.
  for (const [t, row] of [...hourly.entries()].sort((x, y) => x[0] - y[0])) printHour(t, row);
  return { closedCandles, reconnects, backfilled };
}

function colorPct(c: Colors, pct: number): string {
  const s = formatPercent(pct, { sign: true });
  return pct > 0 ? c.green(s) : pct < 0 ? c.red(s) : s;
}

function fmtRsi(c: Colors, v: number | undefined): string {
  if (v === undefined) return "–";
  const s = v.toFixed(1);
  return v <= 30 ? c.green(`${s} oversold`) : v >= 70 ? c.red(`${s} overbought`) : s;
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
