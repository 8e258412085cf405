/**
 * Throughput of the full backtest pipeline (orchestrator, all agents, synthesis, paper desk) on the bundled real
 * candles, on one core: stored candles replayed per second and symbol analyses per second (one full analysis — six
 * agents over four to six timeframes — per symbol per cycle). Peers publish tens of thousands of 1m candles per
 * second for event-driven engines whose strategies update a few indicators per candle.
 *
 * The hourly scenario runs three times: on one thread, on one thread without the exact pre-filter (every analysis
 * made, as before it existed), and with its analyses spread over one thread per core (at least two;
 * worker threads started from the sources here, through tsx, which costs each about half a second more than the
 * compiled build `cma backtest` runs). All must give the same digest.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { runBacktest } from "../src/app/backtest.js";
import { defaultConfig } from "../src/app/config.js";
import { defaultWorkerCount } from "../src/app/optimize/index.js";
import { intervalMs } from "../src/core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../src/core/paths.js";
import { readKlineFile } from "../src/market/binance-csv.js";
import { CandleStore } from "../src/market/candle-store.js";
import { openDatabase } from "../src/storage/database.js";

export interface BacktestScenarioResult {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly from: string;
  readonly to: string;
  /** The stored interval replayed (what "candles" counts). */
  readonly dataInterval: string;
  readonly cycleInterval: string;
  readonly cycles: number;
  /** Analyses run: one per symbol per cycle. */
  readonly analyses: number;
  /** Stored candles of `dataInterval` the replay went through: symbols × (to − from) ÷ interval. */
  readonly candlesProcessed: number;
  readonly signals: number;
  readonly trades: number;
  /** Threads that analysed the symbols (the main thread and its workers). */
  readonly threads: number;
  /** Analyses the exact pre-filter left out (they could not signal); 0 when it was off. */
  readonly screenedOut: number;
  /** SHA-256 of every signal and trade (16 hex digits): equal across thread counts, or the merge is wrong. */
  readonly digest: string;
  readonly wallMs: number;
  readonly candlesPerSecond: number;
  readonly analysesPerSecond: number;
  /** Peak JS heap in use during the run (sampled every 50 cycles) above what was in use before it, after a GC. */
  readonly peakHeapMb: number;
  /** Wall time of each round, in the order run; `wallMs` and the rates are the median round's. */
  readonly roundsWallMs?: readonly number[];
}

export interface BacktestBenchResult {
  readonly scenarios: readonly BacktestScenarioResult[];
}

interface Scenario {
  readonly name: string;
  readonly symbols: readonly string[];
  readonly files: readonly ("5m" | "1h" | "4h" | "1d")[];
  readonly dataInterval: "5m" | "1h";
  readonly from: string;
  readonly days: number;
  readonly momentum: readonly ("15m" | "1h" | "4h")[];
  readonly threads: number;
  /** Run with the exact pre-filter (the default); false: every analysis made, to show what it saves. */
  readonly prefilter: boolean;
}

/**
 * - hourly: five symbols, six months of 1h candles, cycles every hour (momentum on 1h and 4h);
 * - 15m on 5m data: BTC and ETH, whose 5m candles are bundled, the default 15m cycle (momentum on 15m, 1h, 4h): every
 *   analysis sees the three 5m candles since the last one through the 15m series built from them.
 */
function scenarios(months: number): Scenario[] {
  const hourly: Scenario = {
    name: "hourly cycles, 1h data",
    symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT"],
    files: ["1h", "1d"],
    dataInterval: "1h",
    from: "2025-03-01T00:00:00Z",
    days: months * 30,
    momentum: ["1h", "4h"],
    threads: 1,
    prefilter: true,
  };
  const threads = Math.max(2, defaultWorkerCount());
  return [
    hourly,
    { ...hourly, name: "hourly cycles, 1h data, no pre-filter", prefilter: false },
    { ...hourly, name: `hourly cycles, 1h data, ${threads} threads`, threads },
    {
      name: "15m cycles, 5m data",
      symbols: ["BTCUSDT", "ETHUSDT"],
      files: ["5m", "1h", "4h", "1d"],
      dataInterval: "5m",
      from: "2025-12-01T00:00:00Z",
      days: Math.min(80, months * 15),
      momentum: ["15m", "1h", "4h"],
      threads: 1,
      prefilter: true,
    },
  ];
}

async function runScenario(sc: Scenario): Promise<BacktestScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), "cma-bench-bt-"));
  try {
    const db = openDatabase(join(dir, "candles.db"));
    const store = new CandleStore(db);
    for (const s of sc.symbols) {
      for (const tf of sc.files) {
        const file = join(BUNDLED_CANDLES_DIR, "binance-spot", `${s}-${tf}.csv.gz`);
        store.upsert({ exchange: "binance", market: "spot", symbol: s, interval: tf }, readKlineFile(file));
      }
    }
    const base = defaultConfig(dir);
    const config = { ...base, momentum: { ...base.momentum, timeframes: [...sc.momentum] } };
    const from = Date.parse(sc.from);
    const to = from + sc.days * 86_400_000;
    // The other suites of `npm run bench` run in this process: measure from a collected heap.
    collectGarbage();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let steps = 0;
    const r = await runBacktest({
      store,
      exchange: "binance",
      market: "spot",
      config,
      symbols: sc.symbols,
      from,
      to,
      broker: { taker_fee: 0.001 },
      workers: sc.threads,
      prefilter: sc.prefilter,
      onProgress: () => {
        if (++steps % 50 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
      },
    });
    db.close();
    const analyses = r.cycles * sc.symbols.length;
    const candles = Math.round(((to - from) / intervalMs(sc.dataInterval)) * sc.symbols.length);
    return {
      name: sc.name,
      symbols: sc.symbols,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      dataInterval: sc.dataInterval,
      cycleInterval: sc.momentum[0]!,
      cycles: r.cycles,
      analyses,
      candlesProcessed: candles,
      signals: r.signals.length,
      trades: r.trades.length,
      threads: r.parallel?.threads ?? 1,
      screenedOut: r.screenedOut,
      digest: createHash("sha256")
        .update(JSON.stringify({ signals: r.signals, trades: r.trades }))
        .digest("hex")
        .slice(0, 16),
      wallMs: r.wallMs,
      candlesPerSecond: Math.round(candles / (r.wallMs / 1000)),
      analysesPerSecond: Math.round(analyses / (r.wallMs / 1000)),
      peakHeapMb: Math.round((peak - baseline) / 1e6),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A full garbage collection (the flag is set once; the function comes from a fresh context that sees it). */
function collectGarbage(): void {
  setFlagsFromString("--expose-gc");
  (runInNewContext("gc") as () => void)();
}

/**
 * Every scenario `rounds` times, round after round (so that a scenario and the one it is compared with see the same
 * machine, warm-up and neighbours), each reported at its median wall time with every round's time beside it. On
 * the shared 2-core machines the project is built on, one run of a scenario varies by ±30 %.
 */
export async function benchBacktest(opts: { months?: number; rounds?: number } = {}): Promise<BacktestBenchResult> {
  const list = scenarios(opts.months ?? 6);
  const runs: BacktestScenarioResult[][] = list.map(() => []);
  for (let r = 0; r < (opts.rounds ?? 3); r++) {
    for (const [i, sc] of list.entries()) runs[i]!.push(await runScenario(sc));
  }
  return {
    scenarios: runs.map((rs) => {
      const digests = new Set(rs.map((x) => x.digest));
      if (digests.size > 1) throw new Error(`${rs[0]!.name}: the rounds disagree (${[...digests].join(", ")})`);
      const byWall = [...rs].sort((a, b) => a.wallMs - b.wallMs);
      const mid = byWall[Math.floor((byWall.length - 1) / 2)]!;
      return { ...mid, roundsWallMs: rs.map((x) => x.wallMs), peakHeapMb: Math.max(...rs.map((x) => x.peakHeapMb)) };
    }),
  };
}
