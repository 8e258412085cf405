/**
 * Analysis benchmark (issue 3): one full pass of every agent (analyzeSymbol: price action, momentum, volume spike,
 * order flow, volume profile, S/R zones, indicator snapshots) over 300 symbols × 8 intervals × 1000 closed candles,
 * on one core, and what one new closed candle costs.
 *
 * The candles are the fake Binance's synthetic market (deterministic), generated once into memory. Passes:
 * - pure analysis: a MarketView over in-memory arrays, so nothing but the analysis is timed;
 * - with reads: a StoreMarketView over a temporary SQLite candle store filled once with the same candles, first with
 *   a cold view cache (every series read from SQLite), then again warm.
 * Two configurations: the defaults with 5m added to the reported timeframes (so all 8 intervals are read: 500
 * candles for the indicator timeframes, 100 for the S/R timeframes), and everything at 1000 candles.
 * New candle: the streaming indicators (RSI, EMA, MACD, ATR, OBV) per update on one series, and analyzeSymbol after
 * the next hour's candles arrive: in memory the view hands out the same candle objects, so series, indicators (carried
 * forward from their anchors) and S/R pivots are extended; after a write to SQLite the view reloads the changed
 * tails, keeping the unchanged candles as the same objects, so the series are extended there too.
 * Each pass figure is the best of a few runs (the least disturbed by other work on the machine); new-candle figures
 * are the median of the timed steps.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeSymbol, screenSymbol, type SymbolAnalysisOptions } from "../src/agents/symbol-analysis.js";
import type { Candle } from "../src/core/candle.js";
import type { Interval } from "../src/core/interval.js";
import { HOUR } from "../src/core/interval.js";
import { ATR, EMA, MACD, OBV, RSI } from "../src/indicators/index.js";
import { CandleStore } from "../src/market/candle-store.js";
import { blockOf, type CandleBlock } from "../src/indicators/candle-block.js";
import {
  type ClosedSeries,
  closedRows,
  type MarketView,
  newLineage,
  StoreMarketView,
} from "../src/market/market-view.js";
import { firstOpenTime } from "../src/market/warmup-plan.js";
import { syntheticMarketData } from "../src/sim/fake-binance/index.js";
import { NO_INSIGHT } from "../src/signals/learning-insight.js";
import { screenedOut } from "../src/signals/screen.js";
import { DEFAULT_SYNTHESIS_OPTIONS } from "../src/signals/synthesis.js";
import { openDatabase } from "../src/storage/database.js";
import { bestOf } from "./timing.js";

export const ANALYSIS_INTERVALS: readonly Interval[] = ["5m", "15m", "1h", "4h", "1d", "3d", "1w", "1M"];
const NOW = Date.UTC(2026, 0, 10);
/**
 * New-candle figures step the clock this many hours past NOW, one hour at a time; the first WARM_STEPS are untimed
 * (the JIT compiles the incremental path, the series move from the pass's windows to the steps'), and the median of
 * the rest is reported.
 */
const STEPS = 12;
const WARM_STEPS = 4;
const END = NOW + STEPS * HOUR;

export interface AnalysisBenchOptions {
  readonly symbols?: number;
  readonly candles?: number;
  /** Timed runs per figure; the best is kept. */
  readonly repeats?: number;
  /** Profile one pure pass with the inspector and report where the time goes. */
  readonly profile?: boolean;
  readonly progress?: (line: string) => void;
}

export interface AnalysisPass {
  readonly name: string;
  readonly config: string;
  readonly totalMs: number;
  readonly cpuMs: number;
  readonly usPerSymbol: number;
}

export interface AnalysisBenchResult {
  readonly symbols: number;
  readonly intervals: readonly Interval[];
  readonly candlesPerSeries: number;
  readonly generateMs: number;
  readonly storeFillMs: number;
  readonly passes: readonly AnalysisPass[];
  /** `queriesPerSymbol`: the candle queries the store answered per symbol per step, where the store is read. */
  readonly newCandle: readonly { name: string; us: number; queriesPerSymbol?: number }[];
  /** Self time of the hottest functions during one pure pass (default configuration). */
  readonly profile: readonly { name: string; pct: number }[];
}

/** Closed candles from arrays generated up to END; `t` decides what has closed. */
class MemoryView implements MarketView {
  t = NOW;
  constructor(private readonly data: ReadonlyMap<string, readonly Candle[]>) {}
  now(): number {
    return this.t;
  }
  readonly #lineages = new Map<string, number>();
  readonly #blocks = new Map<string, CandleBlock>();
  closed(symbol: string, interval: Interval, count: number): readonly Candle[] {
    return this.closedSeries(symbol, interval, count).candles;
  }
  /** The arrays never change: one lineage per series, rows are array indexes. */
  closedSeries(symbol: string, interval: Interval, count: number): ClosedSeries {
    const key = `${symbol}|${interval}`;
    const a = this.data.get(key) ?? [];
    let lineage = this.#lineages.get(key);
    if (lineage === undefined) {
      lineage = newLineage();
      this.#lineages.set(key, lineage);
    }
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid]!.closeTime < this.t) lo = mid + 1;
      else hi = mid;
    }
    const firstRow = Math.max(0, lo - count);
    let block = this.#blocks.get(key);
    if (block === undefined) {
      block = blockOf(a);
      this.#blocks.set(key, block);
    }
    return closedRows(block, firstRow, lo - firstRow, lineage, firstRow);
  }
  forming(): Candle | undefined {
    return undefined;
  }
}

const CONFIGS: readonly { name: string; options: Partial<SymbolAnalysisOptions> }[] = [
  {
    name: "default (indicators on 500, S/R lookback 100)",
    options: { timeframes: ["5m", "15m", "1h", "4h", "1d"] },
  },
  {
    name: "all 1000 candles",
    options: { timeframes: ["5m", "15m", "1h", "4h", "1d"], candles: 1000, srDetector: { lookback: 1000 } },
  },
];

async function profilePass(run: () => void): Promise<{ name: string; pct: number }[]> {
  const session = new Session();
  session.connect();
  try {
    await session.post("Profiler.enable");
    await session.post("Profiler.setSamplingInterval", { interval: 100 });
    await session.post("Profiler.start");
    run();
    const { profile } = await session.post("Profiler.stop");
    const self = new Map<string, number>();
    const nodes = profile.nodes;
    const byId = new Map(nodes.map((n) => [n.id, n]));
    const counts = new Map<number, number>();
    for (const id of profile.samples ?? []) counts.set(id, (counts.get(id) ?? 0) + 1);
    let total = 0;
    for (const [id, n] of counts) {
      const node = byId.get(id)!;
      const f = node.callFrame;
      const file = f.url ? f.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/") : "";
      // Line numbers are of tsx's transformed code, so only the function and its file are named.
      const name = `${f.functionName || "(anonymous)"}${file ? ` ${file}` : ""}`;
      self.set(name, (self.get(name) ?? 0) + n);
      total += n;
    }
    return [...self.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, n]) => ({ name, pct: (n / total) * 100 }));
  } finally {
    session.disconnect();
  }
}

function median(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 === 1 ? a[m]! : (a[m - 1]! + a[m]!) / 2;
}

export async function benchAnalysis(opts: AnalysisBenchOptions = {}): Promise<AnalysisBenchResult> {
  const nSymbols = opts.symbols ?? 300;
  const perSeries = opts.candles ?? 1000;
  const repeats = opts.repeats ?? 3;
  const say = (s: string) => opts.progress?.(`[analysis] ${s}`);

  // ---- data ----
  say(`generating ${nSymbols} × ${ANALYSIS_INTERVALS.length} × ${perSeries} candles`);
  const g0 = performance.now();
  // Early start: 1000 monthly candles reach back to 1942.
  const md = syntheticMarketData({ symbols: nSymbols, start: Date.UTC(1930, 0, 1) });
  const symbols = md.symbols();
  const data = new Map<string, Candle[]>();
  for (const s of symbols) {
    for (const i of ANALYSIS_INTERVALS) {
      const from = firstOpenTime(i, perSeries, NOW);
      const cs = md.candles(s, i, from, END - 1, Number.MAX_SAFE_INTEGER, END).filter((c) => c.closed);
      data.set(`${s}|${i}`, cs);
    }
  }
  const generateMs = performance.now() - g0;

  const passes: AnalysisPass[] = [];
  const pass = (
    name: string,
    config: string,
    view: () => MarketView,
    o: Partial<SymbolAnalysisOptions>,
    n = repeats,
  ) => {
    // One untimed pass first: the JIT compiles the agents, and the figures are of the steady state.
    const v0 = view();
    for (const s of symbols) analyzeSymbol(v0, s, o);
    const t = bestOf(n, () => {
      const v = view();
      for (const s of symbols) analyzeSymbol(v, s, o);
    });
    const p = { name, config, totalMs: t.ms, cpuMs: t.cpuMs, usPerSymbol: (t.ms * 1000) / symbols.length };
    passes.push(p);
    say(`${name}, ${config}: ${Math.round(t.ms)} ms`);
    return p;
  };

  // ---- pure analysis ----
  const mem = new MemoryView(data);
  for (const c of CONFIGS) pass("pure analysis (in-memory view)", c.name, () => mem, c.options);

  // ---- with reads from SQLite ----
  const dir = mkdtempSync(join(tmpdir(), "cma-bench-analysis-"));
  const db = openDatabase(join(dir, "bench.db"));
  let storeFillMs = 0;
  const newCandle: { name: string; us: number; queriesPerSymbol?: number }[] = [];
  try {
    const store = new CandleStore(db);
    say("filling the SQLite store");
    const f0 = performance.now();
    for (const [k, cs] of data) {
      const [symbol, interval] = k.split("|") as [string, Interval];
      store.upsert(
        { exchange: "binance", market: "futures", symbol, interval },
        cs.filter((c) => c.closeTime < NOW),
      );
    }
    storeFillMs = performance.now() - f0;
    let t = NOW;
    const clock = { now: () => t };
    const storeView = () => new StoreMarketView({ store, clock, exchange: "binance", market: "futures" });
    for (const c of CONFIGS) {
      pass("with reads (SQLite, cold view cache)", c.name, storeView, c.options);
      const warm = storeView();
      for (const s of symbols) analyzeSymbol(warm, s, c.options);
      pass("with reads (SQLite, warm view cache)", c.name, () => warm, c.options);
    }

    // ---- one new closed candle ----
    say("one new candle");
    newCandle.push(...streamingUpdates(data.get(`${symbols[0]}|1h`)!));
    const spec = CONFIGS[0]!.options;
    // In memory: the next hour's 5m, 15m and 1h candles become visible; analyzeSymbol extends what it kept.
    const memSteps: number[] = [];
    for (let k = 1; k <= STEPS; k++) {
      mem.t = NOW + k * HOUR;
      const t0 = performance.now();
      for (const s of symbols) analyzeSymbol(mem, s, spec);
      if (k > WARM_STEPS) memSteps.push(performance.now() - t0);
    }
    mem.t = NOW;
    newCandle.push({
      name: "analyzeSymbol after the next 1h close (in memory; incremental), per symbol",
      us: (median(memSteps) * 1000) / symbols.length,
    });
    // The same steps again for the backtests' exact pre-filter: the screen alone (what an analysis that cannot
    // signal costs) and with its ceiling worked out.
    const screening = new MemoryView(data);
    for (const s of symbols) screenSymbol(screening, s, spec);
    const screenSteps: number[] = [];
    for (let k = 1; k <= STEPS; k++) {
      screening.t = NOW + k * HOUR;
      const t0 = performance.now();
      for (const s of symbols) {
        screenedOut(screenSymbol(screening, s, spec), DEFAULT_SYNTHESIS_OPTIONS, () => NO_INSIGHT);
      }
      if (k > WARM_STEPS) screenSteps.push(performance.now() - t0);
    }
    newCandle.push({
      name: "screenSymbol and its ceiling after the next 1h close (in memory; the pre-filter), per symbol",
      us: (median(screenSteps) * 1000) / symbols.length,
    });
    // Store: the next hour's candles are written, the clock moves, and the warm view answers, twice over the same
    // hours: first written one upsert per series, as a stream stores its closes: the store remembers those writes
    // (CandleStore.writesSince) and the view appends them to its tails; then inside one transaction, as a caller
    // that may still roll back, whose writes are not remembered, so the view finds the versions changed and
    // reloads those tails from SQLite (the unchanged
    // candles stay the same objects, so the analysis still extends its series). The second run writes the same
    // hours again with one more trade in each candle, so that they count as writes.
    for (const fed of [true, false]) {
      t = NOW;
      const view = storeView();
      for (const s of symbols) analyzeSymbol(view, s, spec);
      const writeSteps: number[] = [];
      const reSteps: number[] = [];
      const reads0 = store.reads;
      for (let k = 1; k <= STEPS; k++) {
        const lo = NOW + (k - 1) * HOUR;
        const hi = NOW + k * HOUR;
        const w0 = performance.now();
        const writeHour = () => {
          for (const s of symbols) {
            for (const i of ANALYSIS_INTERVALS) {
              const fresh = data.get(`${s}|${i}`)!.filter((c) => c.closeTime >= lo && c.closeTime < hi);
              const key = { exchange: "binance", market: "futures", symbol: s, interval: i } as const;
              if (fresh.length > 0) store.upsert(key, fed ? fresh : fresh.map((c) => ({ ...c, trades: c.trades + 1 })));
            }
          }
        };
        if (fed) writeHour();
        else db.transaction(writeHour)();
        if (k > WARM_STEPS) writeSteps.push(performance.now() - w0);
        t = hi;
        const a0 = performance.now();
        for (const s of symbols) analyzeSymbol(view, s, spec);
        if (k > WARM_STEPS) reSteps.push(performance.now() - a0);
      }
      const how = fed ? "one upsert per series; the view told" : "in one transaction; the view not told";
      newCandle.push({
        name: `storing the next hour's 5m/15m/1h candles (SQLite, ${how}), per symbol`,
        us: (median(writeSteps) * 1000) / symbols.length,
      });
      newCandle.push({
        name: fed
          ? "analyzeSymbol after the next 1h close (SQLite view fed the written candles), per symbol"
          : "analyzeSymbol after the next 1h close (SQLite view after a write it was not told of; tails reloaded), per symbol",
        us: (median(reSteps) * 1000) / symbols.length,
      });
      newCandle.at(-1)!.queriesPerSymbol = (store.reads - reads0) / STEPS / symbols.length;
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }

  const profile = opts.profile === false ? [] : await profileOnce(symbols, mem, CONFIGS[0]!.options);
  return {
    symbols: symbols.length,
    intervals: ANALYSIS_INTERVALS,
    candlesPerSeries: perSeries,
    generateMs,
    storeFillMs,
    passes,
    newCandle,
    profile,
  };
}

function profileOnce(symbols: readonly string[], mem: MemoryView, o: Partial<SymbolAnalysisOptions>) {
  mem.t = NOW;
  return profilePass(() => {
    for (const s of symbols) analyzeSymbol(mem, s, o);
  });
}

/** µs per update of each streaming indicator, and of all five together, on one 1h series (warm, then timed). */
function streamingUpdates(series: readonly Candle[]): { name: string; us: number }[] {
  const warm = series.slice(0, 500);
  const feed = series.slice(500);
  const make = () => ({ rsi: new RSI(14), ema: new EMA(20), macd: new MACD(), atr: new ATR(14), obv: new OBV() });
  const rounds = 200; // the timed part replays the feed this many times on fresh, warmed indicators
  const measure = (step: (ind: ReturnType<typeof make>, c: Candle) => void): number => {
    const sets = Array.from({ length: rounds }, () => {
      const ind = make();
      for (const c of warm) step(ind, c);
      return ind;
    });
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      for (const ind of sets) for (const c of feed) step(ind, c);
      best = Math.min(best, performance.now() - t0);
      // Later repeats continue the same series with the same candles again: still one O(1) step per update.
    }
    return (best * 1000) / (rounds * feed.length);
  };
  return [
    { name: "RSI(14) update", us: measure((i, c) => i.rsi.update(c.close)) },
    { name: "EMA(20) update", us: measure((i, c) => i.ema.update(c.close)) },
    { name: "MACD(12,26,9) update", us: measure((i, c) => i.macd.update(c.close)) },
    { name: "ATR(14) update", us: measure((i, c) => i.atr.update(c)) },
    { name: "OBV update", us: measure((i, c) => i.obv.update(c)) },
    {
      name: "all five for one new candle",
      us: measure((i, c) => {
        i.rsi.update(c.close);
        i.ema.update(c.close);
        i.macd.update(c.close);
        i.atr.update(c);
        i.obv.update(c);
      }),
    },
  ];
}
