/**
 * The offline demo: the live system's own orchestrator on real recorded Binance candles.
 *
 * The project's fake Binance server serves the bundled candles on 127.0.0.1 under a simulated clock. Everything
 * else is production code, unchanged: the Binance adapter and its weight budget, the history sync into the SQLite
 * candle store, the kline streams (with a forced disconnect the client must survive by reconnecting and
 * back-filling), the agents, signal synthesis, the cards and the scheduled reports. The driver below only moves the
 * clock: one simulated quarter hour per step, waiting for the streams to deliver each closed candle, then lets the
 * orchestrator run whatever is due — exactly what real timers do in `cma run`.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as yieldToLoop } from "node:timers/promises";
import { SimulatedClock } from "../core/clock.js";
import type { Config } from "./config.js";
import { DAY, MINUTE } from "../core/interval.js";
import type { Logger } from "../core/log.js";
import { createExchange } from "../exchange/create-exchange.js";
import { DEMO_RUN, PaperTradeStore } from "../learning/paper-trade-store.js";
import { readKlineFile } from "../market/binance-csv.js";
import { BUNDLED_CANDLES_DIR } from "../core/paths.js";
import { type BacktestResult, runBacktest } from "./backtest.js";
import type { PaperTrade } from "../learning/paper-trade.js";
import { CandleStore } from "../market/candle-store.js";
import type { Signal } from "../signals/signal.js";
import { startFakeBinance } from "../sim/fake-binance/index.js";
import { writeJsonAtomic } from "../storage/atomic-write.js";
import { openDatabase } from "../storage/database.js";
import { renderBanner } from "../ui/banner.js";
import { type Colors, noColors } from "../ui/colors.js";
import { formatInt, formatNumber, formatPercent, formatPrice, formatUtc } from "../ui/format.js";
import { renderSignalCard } from "../ui/signal-card.js";
import { paperBrokerOptionsFromConfig } from "./agent-options.js";
import type { Orchestrator, OrchestratorEvent } from "./orchestrator/orchestrator.js";
import { paperSummary } from "./paper-trading.js";
import { composeSystem } from "./system.js";

export interface DemoOptions {
  /** The configuration (agents, synthesis, data_dir, output_dir); the demo fixes the exchange and the universe. */
  readonly config: Config;
  readonly write: (text: string) => void;
  readonly colors?: Colors;
  /** The simulated moment the demo starts at; default 2026-01-14 00:00 UTC (inside the bundled 5m data). */
  readonly start?: number;
  /** Simulated days replayed (default 10). */
  readonly days?: number;
  /** Simulated time between reports (default one day; the live default of 5 minutes would write 3,456 files). */
  readonly reportEveryMs?: number;
  /**
   * Days of history before `start` backtested to seed the paper trades the learning agent starts from (default 90;
   * 0: start with none).
   */
  readonly seedDays?: number;
  /** Drop every connection half-way (default true). */
  readonly dropConnection?: boolean;
  readonly version?: string;
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

export interface DemoReport {
  readonly startedAt: string;
  readonly endedAt: string;
  readonly exchange: string;
  readonly symbols: readonly string[];
  readonly history: { requests: number; weight: number; candlesFetched: number; candlesDerived: number };
  readonly live: { cycles: number; closedCandles: number; reconnects: number; backfilled: number };
  readonly weight: { spent: number; requests: number; limitPerMinute: number };
  readonly reports: { written: number; folder: string };
  readonly signals: readonly Signal[];
  /** Every paper trade of the replay, closed (those still open at the end are closed at the last price). */
  readonly paperTrades: readonly PaperTrade[];
  /** Trades from the backtest that seeded the history before the replay (in the demo's database, run "demo"). */
  readonly seededTrades: number;
  readonly wallSeconds: number;
}

export const DEMO_SYMBOLS: readonly string[] = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"];
const DEFAULT_START = Date.parse("2026-01-14T00:00:00Z");
const STEP = 15 * MINUTE;
/** How long a step waits for the streams before letting the orchestrator fetch what is missing over REST. */
const STREAM_WAIT_MS = 3000;

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const wallStart = performance.now();
  const c = opts.colors ?? noColors;
  const out = (s = "") => opts.write(`${s}\n`);
  const start = opts.start ?? DEFAULT_START;
  const days = opts.days ?? 10;
  // Reports once a simulated day and learning updates every six hours: the live defaults (5 minutes each) would
  // write thousands of files in ten simulated days.
  const config: Config = {
    ...opts.config,
    report_interval: Math.round((opts.reportEveryMs ?? DAY) / 1000),
    learning_agent: { ...opts.config.learning_agent, update_interval: 6 * 3600 },
  };

  const clock = new SimulatedClock(start);
  const fake = await startFakeBinance({ clock });
  const dbDir = join(config.data_dir, "demo");
  rmSync(dbDir, { recursive: true, force: true });
  const db = openDatabase(join(dbDir, "candles.db"));
  const store = new CandleStore(db);
  // The adapter's clock is the simulated one: its weight windows and its idea of which candle has closed move with
  // the replayed market (the fake server counts weight per simulated minute too). Liveness timeouts stay on real time.
  const exchange = createExchange({
    name: "binance",
    market: "spot",
    clock,
    restUrl: fake.restUrl,
    wsUrl: fake.wsUrl,
    // The adapter's clock is the simulated one, so its offset is 0; re-measuring it often would only cost weight.
    clockSyncIntervalMs: 10 * 60_000,
    clockToleranceMs: Number.MAX_SAFE_INTEGER,
    ...(opts.logger ? { logger: opts.logger } : {}),
    stream: { staleAfterMs: 10_000, reconnectBaseMs: 100, reconnectMaxMs: 1000 },
  });

  const signals: Signal[] = [];
  const live = { cycles: 0, closedCandles: 0, reconnects: 0, backfilled: 0 };
  let connectedOnce = false;
  let reportsWritten = 0;
  const showCard = (s: Signal) => {
    signals.push(s);
    out(renderSignalCard(s, { index: signals.length, colors: c }));
  };
  const onEvent = (e: OrchestratorEvent) => {
    if (e.kind === "cycle") live.cycles++;
    else if (e.kind === "report" && e.files) reportsWritten++;
    else if (e.kind === "stream") {
      const s = e.status;
      if (s.kind === "connected") {
        if (connectedOnce) {
          live.reconnects++;
          out(c.yellow(`   🔌 stream reconnected (${s.streams} streams)`));
        }
        connectedOnce = true;
      } else if (s.kind === "disconnected") {
        out(c.yellow(`   🔌 stream disconnected (${s.reason}); reconnecting in ${s.retryInMs} ms`));
      } else if (s.kind === "backfilled") {
        live.backfilled += s.candles;
        if (s.candles > 0) {
          out(c.yellow(`   ↩️  back-filled ${s.candles} ${s.key.symbol} ${s.key.interval} candle(s) over REST`));
        }
      }
    }
  };
  out(c.dim(`Offline demo: the project's fake Binance spot exchange on ${fake.restUrl} serves real recorded`));
  out(c.dim(`candles; simulated exchange time starts at ${formatUtc(start)} UTC and runs ${days} days, fast.`));
  const seedDays = opts.seedDays ?? 90;
  let seeded: BacktestResult | undefined;
  if (seedDays > 0) {
    out(
      c.dim(
        `Seeding the paper-trade history: a backtest of the ${seedDays} days before, on the same pipeline ` +
          "(momentum on 1h and 4h: the bundled history has no 15m candles before November 2025)…",
      ),
    );
    seeded = await seedHistory(config, start, seedDays, dbDir);
    new PaperTradeStore(db).saveMany(
      DEMO_RUN,
      seeded.trades.map((trade) => ({ trade })),
    );
  }
  const trades = { opened: 0 };
  const { orchestrator, savedPaper, learning } = composeSystem({
    mode: "replay",
    exchange,
    store,
    clock,
    config,
    marketData: "sync-and-stream",
    symbols: DEMO_SYMBOLS,
    paper: {
      kind: "saved",
      db,
      run: DEMO_RUN,
      onOpen: (t) => {
        trades.opened++;
        out(c.cyan(`   📝 paper trade opened: ${tradeLine(t)}`));
      },
      onClose: (t) => out(closedLine(t, c)),
    },
    learning: { exportDir: dbDir },
    reports: true,
    onSignal: showCard,
    onEvent,
    logger: opts.logger,
  });
  // The spec above asks for both, so both are there; the check only tells the type checker.
  if (!savedPaper || !learning) throw new Error("the demo's system was composed without paper trading or learning");
  const paper = savedPaper;
  const agent = learning;
  try {
    out(c.dim("Syncing the history the agents read into a fresh SQLite candle database (only what is missing)…"));
    const info = await orchestrator.start(opts.signal);
    const w = exchange.weightUsage();
    out(
      renderBanner(
        {
          version: opts.version ?? "0.1.0",
          exchange: info.exchange,
          market: "spot",
          endpointNote: "local fake exchange, bundled real candles",
          weightLimitPerMinute: w.limit,
          agents: info.agents,
          paper: paperSummary(paper.store, DEMO_RUN, config),
          symbols: info.symbols.length,
          quoteAsset: "USDT",
          withZones: info.withZones,
          knowledgeObservations: agent.lastUpdate?.knowledgeObservations ?? null,
          reportEveryMs: orchestrator.reportMs,
          outputDir: config.output_dir,
        },
        c,
      ),
    );
    const h = info.warmup;
    out(
      `📥 History: ${formatInt(h.fetched)} candles fetched in ${h.requests} requests (weight ${h.weight}), ` +
        `${formatInt(h.derived)} derived from them at no cost`,
    );
    out();
    for (const { signal } of info.firstSignals) showCard(signal);

    const steps = Math.round((days * DAY) / STEP);
    const dropAt = opts.dropConnection === false ? -1 : Math.floor(steps / 2);
    let lastDay = Math.floor(start / DAY);
    for (let i = 0; i < steps && !opts.signal?.aborted; i++) {
      if (i === dropAt) {
        out(c.yellow("   ✂️  the exchange drops every connection (as Binance does on maintenance)…"));
        const before = live.reconnects;
        fake.dropConnections({ shutdownNotice: true });
        // The market moves on while the client is away: two hours of candles close unseen, to be back-filled.
        for (let j = 0; j < 8; j++) clock.advance(STEP);
        i += 8;
        await waitFor(() => live.reconnects > before, STREAM_WAIT_MS * 3);
      }
      clock.advance(STEP);
      fake.tick();
      await waitFor(() => orchestrator.caughtUp(), STREAM_WAIT_MS);
      await orchestrator.runDue(opts.signal);
      const day = Math.floor(clock.now() / DAY);
      if (day !== lastDay) {
        lastDay = day;
        out(dayLine(orchestrator, clock.now(), c));
      }
    }
    const stillOpen = orchestrator.desk?.closeAll("end_of_data") ?? [];
    const final = agent.update(clock.now(), orchestrator.latestAnalyses);
    await orchestrator.stop();
    orchestrator.report();
    live.closedCandles = orchestrator.streamedCandles;
    const closedTrades = orchestrator.desk?.closedTrades() ?? [];

    const usage = exchange.weightUsage();
    const end = clock.now();
    const wallSeconds = Math.round((performance.now() - wallStart) / 100) / 10;
    const rule = "=".repeat(80);
    out();
    out(c.bold(rule));
    out(
      `✅ Replayed ${formatUtc(start)} → ${formatUtc(end)} UTC in ${wallSeconds} s: ${live.cycles} analysis cycles, ` +
        `${signals.length} signal(s)`,
    );
    out(
      `📡 ${formatInt(live.closedCandles)} closed candles streamed; ${live.reconnects} reconnect(s), ` +
        `${live.backfilled} candle(s) back-filled over REST`,
    );
    const perMinute = usage.spent / Math.max(1, (end - start) / MINUTE);
    out(
      `⚖️  Request weight: ${formatInt(usage.spent)} in ${formatInt(usage.requests)} requests over ${days} simulated ` +
        `days, ${perMinute.toFixed(2)} per minute (budget ${formatInt(usage.limit)} per minute; never rate-limited)`,
    );
    out(paperSummaryLine(closedTrades, stillOpen.length, c));
    out(
      `🎓 Learning agent: ${final.knowledgeObservations} knowledge observations, hypotheses ` +
        `${final.hypotheses.testing} testing / ${final.hypotheses.confirmed} confirmed / ${final.hypotheses.rejected} rejected` +
        (final.metrics.enough
          ? ""
          : ` (statistics need ${config.learning_agent.min_trades_before_learning} closed trades)`),
    );
    out(`🗂️  Exports: ${final.files.map((f) => f.split(/[\\/]/).pop()).join(", ")} in ${dbDir}`);
    out(`📝 ${reportsWritten} reports in ${config.output_dir} (latest_report.json, latest_report.txt, reports/)`);
    const report: DemoReport = {
      startedAt: new Date(start).toISOString(),
      endedAt: new Date(end).toISOString(),
      exchange: "binance spot (fake, bundled real candles)",
      symbols: [...DEMO_SYMBOLS],
      history: {
        requests: h.requests,
        weight: h.weight,
        candlesFetched: h.fetched,
        candlesDerived: h.derived,
      },
      live,
      weight: { spent: usage.spent, requests: usage.requests, limitPerMinute: usage.limit },
      reports: { written: reportsWritten, folder: config.output_dir },
      signals,
      paperTrades: closedTrades,
      seededTrades: seeded?.trades.length ?? 0,
      wallSeconds,
    };
    const file = join(config.output_dir, "demo_report.json");
    writeJsonAtomic(file, report);
    out(`📄 Demo summary: ${file}`);
    out(c.bold(rule));
    return report;
  } finally {
    await orchestrator.stop();
    await exchange.close();
    db.close();
    await fake.close();
  }
}

function tradeLine(t: PaperTrade): string {
  return (
    `${t.symbol} ${t.direction} ${formatNumber(t.qty, 6)} @ ${formatPrice(t.entryPrice)} ` +
    `(${formatUtc(t.entryTime)} UTC), stop ${formatPrice(t.initialStop)}, T1 ${formatPrice(t.targets[0])}`
  );
}

function closedLine(t: PaperTrade, c: Colors): string {
  const color = t.outcome === "WIN" ? c.green : t.outcome === "LOSS" ? c.red : c.yellow;
  const r = `${t.rMultiple >= 0 ? "+" : ""}${t.rMultiple.toFixed(2)}R`;
  return color(
    `   ${t.outcome === "WIN" ? "✅" : t.outcome === "LOSS" ? "❌" : "➖"} paper trade closed: ${t.symbol} ${t.direction} ` +
      `${t.outcome} ${r}, net ${formatSigned(t.pnl)} USDT after ${formatNumber(t.fees, 2)} fees ` +
      `(${t.targetsHit} target(s) hit, exit: ${t.exitReason ?? "?"})`,
  );
}

function paperSummaryLine(closed: readonly PaperTrade[], endOfData: number, c: Colors): string {
  const wins = closed.filter((t) => t.outcome === "WIN").length;
  const losses = closed.filter((t) => t.outcome === "LOSS").length;
  const be = closed.length - wins - losses;
  const net = closed.reduce((a, t) => a + t.pnl, 0);
  const sumR = closed.reduce((a, t) => a + t.rMultiple, 0);
  const pnl = net >= 0 ? c.green(formatSigned(net)) : c.red(formatSigned(net));
  return (
    `💼 Paper trading: ${closed.length} trade(s) — ${wins} won, ${losses} lost, ${be} break-even` +
    `${endOfData ? ` (${endOfData} closed at the end of the replay)` : ""}; net ${pnl} USDT, ` +
    `${sumR >= 0 ? "+" : ""}${sumR.toFixed(2)}R in total, fees and slippage included`
  );
}

function formatSigned(n: number): string {
  return `${n >= 0 ? "+" : ""}${formatNumber(n, 2)}`;
}

/**
 * The bundled 1h and 1d candles before `start` in a store of their own, backtested over the `days` before `start`:
 * the paper-trade history the demo's learning agent starts from (the banner's "historical paper trades").
 */
async function seedHistory(config: Config, start: number, days: number, dir: string): Promise<BacktestResult> {
  const db = openDatabase(join(dir, "seed.db"));
  try {
    const store = new CandleStore(db);
    for (const symbol of DEMO_SYMBOLS) {
      for (const interval of ["1h", "1d"] as const) {
        const file = join(BUNDLED_CANDLES_DIR, "binance-spot", `${symbol}-${interval}.csv.gz`);
        const candles = readKlineFile(file).filter((c) => c.closeTime < start);
        store.upsert({ exchange: "binance", market: "spot", symbol, interval }, candles);
      }
    }
    const seedConfig: Config = { ...config, momentum: { ...config.momentum, timeframes: ["1h", "4h"] } };
    return await runBacktest({
      store,
      exchange: "binance",
      market: "spot",
      config: seedConfig,
      symbols: DEMO_SYMBOLS,
      from: start - days * DAY,
      to: start,
      broker: paperBrokerOptionsFromConfig(config, "spot"),
    });
  } finally {
    db.close();
  }
}

/** One line per simulated day: each symbol's price and its change over the day. */
function dayLine(o: Orchestrator, now: number, c: Colors): string {
  const cells = DEMO_SYMBOLS.map((s) => {
    const a = o.latestAnalyses.get(s);
    const ch = a?.priceAction.changes["24h"]?.percent ?? null;
    const name = s.replace("USDT", "");
    if (!a) return `${name} –`;
    const pct = ch === null ? "" : ` ${colorPct(c, ch)}`;
    return `${name} ${formatPrice(a.price)}${pct}`;
  });
  return c.dim(`── ${formatUtc(now, { dateOnly: true })} `) + cells.join(c.dim(" │ "));
}

function colorPct(c: Colors, pct: number): string {
  const s = formatPercent(pct, { sign: true });
  return pct > 0 ? c.green(s) : pct < 0 ? c.red(s) : s;
}

async function waitFor(ready: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!ready() && performance.now() < until) {
    await yieldToLoop();
    if (!ready()) await new Promise((r) => setTimeout(r, 1));
  }
}
