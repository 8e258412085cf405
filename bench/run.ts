/**
 * Benchmark runner: `npm run bench` runs every suite, `npm run bench -- market-data analysis` the named ones.
 * Each suite prints a compact summary and writes bench/results/<suite>.json with the machine it ran on (Node, CPU,
 * cores, memory, load average before and after, date, git commit), so numbers from different runs can be compared
 * knowing what else was going on. `--quick` shrinks every suite to a smoke run (its JSON is marked quick).
 */
import { execFileSync } from "node:child_process";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../src/storage/atomic-write.js";
import { type Cell, renderTable } from "../src/ui/table.js";
import { type AnalysisBenchResult, benchAnalysis } from "./analysis.js";
import { type BacktestBenchResult, benchBacktest } from "./backtest.js";
import { benchIndicators, type IndicatorBenchResult } from "./indicators.js";
import { benchLiveRun, type LiveRunBenchResult } from "./live-run.js";
import { benchMarketData, type MarketDataBenchResult } from "./market-data.js";

const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), "results");

interface Suite {
  readonly description: string;
  run(quick: boolean): Promise<{ data: unknown; summary: string }>;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";
const table = (headers: string[], rows: Cell[][]) => renderTable(headers, rows);

const SUITES: Record<string, Suite> = {
  "market-data": {
    description: "300-symbol cold start, steady state with streams, reconnects (fake Binance, real limits)",
    async run(quick) {
      const data = await benchMarketData(quick ? { symbols: 20, steadyMinutes: 10, progress } : { progress });
      return { data, summary: marketDataSummary(data) };
    },
  },
  analysis: {
    description: "one analysis pass over 300 symbols × 8 intervals × 1000 candles; cost of one new candle",
    async run(quick) {
      const data = await benchAnalysis(quick ? { symbols: 10, progress } : { progress });
      return { data, summary: analysisSummary(data) };
    },
  },
  backtest: {
    description:
      "the full backtest pipeline (orchestrator, agents, synthesis, paper desk) on bundled candles, on one thread (with and without the exact pre-filter) and spread over one per core",
    async run(quick) {
      const data = await benchBacktest(quick ? { months: 1, rounds: 1 } : {});
      return { data, summary: backtestSummary(data) };
    },
  },
  "live-run": {
    description:
      "`cma run` (compiled, in a child process) on 300 futures symbols for 6 simulated hours at 60×: RSS and the heap kept",
    async run(quick) {
      const data = await benchLiveRun(quick ? { symbols: 20, hours: 1, progress } : { progress });
      return { data, summary: liveRunSummary(data) };
    },
  },
  indicators: {
    description: "batch and streaming indicator throughput",
    async run(quick) {
      const data = benchIndicators(quick ? { values: 100_000, repeats: 2 } : {});
      return { data, summary: indicatorSummary(data) };
    },
  },
};

function backtestSummary(r: BacktestBenchResult): string {
  return r.scenarios
    .map((x) =>
      table(
        [x.name, "value"],
        [
          ["symbols × period", `${x.symbols.length} × ${x.from.slice(0, 10)} … ${x.to.slice(0, 10)}`],
          ["cycles / analyses", `${fmt(x.cycles)} (${x.cycleInterval}) / ${fmt(x.analyses)}`],
          [`${x.dataInterval} candles replayed`, fmt(x.candlesProcessed)],
          ["signals / paper trades", `${fmt(x.signals)} / ${fmt(x.trades)}`],
          ["analyses left out by the pre-filter", fmt(x.screenedOut)],
          ["threads / digest of signals and trades", `${x.threads} / ${x.digest}`],
          [
            "wall time (median round; every round)",
            `${fmt(x.wallMs / 1000, 2)} s; ${(x.roundsWallMs ?? [x.wallMs]).map((ms) => fmt(ms / 1000, 2)).join(", ")} s`,
          ],
          [`${x.dataInterval} candles per second`, fmt(x.candlesPerSecond)],
          ["symbol analyses per second", fmt(x.analysesPerSecond)],
          ["peak heap over the baseline", `${fmt(x.peakHeapMb)} MB`],
        ],
      ),
    )
    .join("\n");
}

function liveRunSummary(r: LiveRunBenchResult): string {
  const mem = (m: LiveRunBenchResult["rss"]) => [
    `${fmt(m.startedMb)} MB`,
    `${fmt(m.peakMb)} MB`,
    `${fmt(m.endMb)} MB`,
    `${m.slopeMbPerHour >= 0 ? "+" : ""}${fmt(m.slopeMbPerHour, 1)} MB/h`,
  ];
  return [
    `cma run on ${r.symbols} ${r.market} symbols from ${r.from.slice(0, 16)}Z, ${r.speed}× real time: started at ` +
      `${r.startedAt.slice(11, 16)} UTC, then ${r.simulatedHours} simulated hours (${fmt(r.realSeconds)} s real in all); ` +
      `${r.cycles} cycles, ${r.signals} signal(s), exit ${r.exitCode}`,
    table(
      ["memory", "after start", "peak", "end", "slope over the second half"],
      [
        ["RSS", ...mem(r.rss)],
        ["heap kept (after a full GC)", ...mem(r.heapAfterGc)],
        ["heap reserved by V8", ...mem(r.heapReserved)],
        ["typed arrays (outside the heap)", ...mem(r.arrayBuffers)],
      ],
    ),
    `program loaded, before running: RSS ${fmt(r.baseline.rssMb)} MB, heap ${fmt(r.baseline.heapUsedMb)} MB`,
  ].join("\n");
}

function marketDataSummary(r: MarketDataBenchResult): string {
  const out: string[] = [];
  for (const m of r.markets) {
    const cs = m.coldStart;
    out.push(
      `${m.market}: cold start of ${cs.symbols} symbols × ${cs.intervals.length} intervals (${cs.intervals.join(", ")}), ${cs.lookback} candles each`,
    );
    out.push(`  plan per symbol: ${cs.plan.groups.join("; ")}`);
    out.push(
      `  = weight ${cs.plan.weightPerSymbol}/symbol (direct downloads: ${cs.plan.directWeightPerSymbol}; with sync-plan.ts's documented bands the plan would be ${cs.plan.bySyncPlanTable.groups.join("; ")} = ${cs.plan.bySyncPlanTable.weightPerSymbol})`,
    );
    const ep = Object.entries(cs.weightByEndpoint)
      .map(([p, e]) => `${p} ${e.requests}×=${e.weight}`)
      .join(", ");
    out.push(
      table(
        ["cold start", "value"],
        [
          ["total weight (charged by the fake)", fmt(cs.weight)],
          ["requests", fmt(cs.requests)],
          [
            "candles fetched / derived / in store",
            `${fmt(cs.candlesFetched)} / ${fmt(cs.candlesDerived)} / ${fmt(cs.candlesStored)}`,
          ],
          ["wall time", `${fmt(cs.wallMs / 1000, 2)} s (CPU ${fmt(cs.cpuMs / 1000, 2)} s incl. the in-process fake)`],
          [`limit / usable per minute`, `${cs.limit} / ${cs.usable}`],
          ["weight per minute window", cs.windows.map((w) => `${w.minute.slice(11)}: ${w.weight}`).join(", ")],
          [
            "theoretical minimum",
            `${fmt(cs.theoreticalMin.ms / 1000, 2)} s (${cs.theoreticalMin.windowsNeeded} window(s), last ${cs.theoreticalMin.lastWindowWeight} weight at ${fmt(cs.theoreticalMin.sendRateWeightPerSec)} weight/s)`,
          ],
          ["429/418 answers", cs.rateLimited],
        ],
      ),
    );
    out.push(`  by endpoint: ${ep}`);
    out.push(`  ${cs.theoreticalMin.formula}`);
    const ss = m.steadyState;
    out.push(
      table(
        ["steady state", "value"],
        [
          ["streams / connections", `${ss.streams} / ${ss.connections} (server sees ${ss.serverConnections})`],
          [
            "stretch",
            `${ss.simulatedMinutes} simulated min at ${ss.speed}× (${fmt(ss.realMs / 1000, 1)} s real), tick every ${ss.tickMs} ms real`,
          ],
          [
            "REST weight per simulated minute",
            `${fmt(ss.restWeightPerMinute, 2)} (${ss.restWeight} in total, ${ss.tickerRefreshes} ticker refreshes)`,
          ],
          [
            "REST by endpoint",
            Object.entries(ss.restRequestsByEndpoint)
              .map(([p, e]) => `${p} ${e.requests}×=${e.weight}`)
              .join(", "),
          ],
          ["WS kline updates received", `${fmt(ss.wsUpdates)} (${fmt(ss.wsUpdatesPerRealSecond)}/s real)`],
          ["closed candles received", fmt(ss.closedCandles)],
          ["back-fills during the stretch", ss.backfills],
          [
            "CPU during the stretch",
            `${fmt(ss.cpuMs / 1000, 1)} s (${fmt((ss.cpuMs / ss.realMs) * 100)} % of one core, incl. the fake)`,
          ],
          ["live adapter start-up weight", ss.subscribeWeight],
        ],
      ),
    );
    if (m.reconnects.length > 0) {
      out.push(
        table(
          [
            "reconnect with back-fill",
            "closing",
            "streams",
            "kline req",
            "kline weight",
            "other",
            "max/minute",
            "recover",
          ],
          m.reconnects.map((x) => [
            x.label,
            x.intervalsClosing.join(","),
            x.streamsBackfilled,
            x.klineRequests,
            x.klineWeight,
            x.otherWeight,
            x.maxWindowWeight,
            `${fmt(x.recoverMs / 1000, 2)} s`,
          ]),
        ),
      );
    }
    out.push(
      table(
        ["what if (plan only)", "weight/symbol", "total", "min time", "w/symbol at the adapter's page size"],
        m.whatIf.map((w) => [
          w.lookback,
          w.weightPerSymbol,
          fmt(w.total),
          `${fmt(w.minMinutes, 2)} min`,
          w.weightPerSymbolWithAdapterPageSize,
        ]),
      ),
    );
    out.push("");
  }
  return out.join("\n");
}

function analysisSummary(r: AnalysisBenchResult): string {
  const out: string[] = [];
  out.push(
    `data: ${r.symbols} symbols × ${r.intervals.length} intervals (${r.intervals.join(", ")}) × ${r.candlesPerSeries} candles (generated in ${fmt(r.generateMs / 1000, 1)} s; SQLite fill ${fmt(r.storeFillMs / 1000, 1)} s)`,
  );
  out.push(
    table(
      ["full pass (one core)", "config", "total ms", "µs/symbol"],
      r.passes.map((p) => [p.name, p.config, fmt(p.totalMs), fmt(p.usPerSymbol)]),
    ),
  );
  out.push(
    table(
      ["one new closed candle", "µs", "store queries"],
      r.newCandle.map((x) => [
        x.name,
        fmt(x.us, 2),
        x.queriesPerSymbol === undefined ? "" : fmt(x.queriesPerSymbol, 1),
      ]),
    ),
  );
  if (r.profile.length > 0) {
    out.push(
      table(
        ["where a pass spends its time (self)", "%"],
        r.profile.map((p) => [p.name, fmt(p.pct, 1)]),
      ),
    );
  }
  return out.join("\n");
}

function indicatorSummary(rows: IndicatorBenchResult[]): string {
  return table(
    ["indicator", "values", "ms", "cpu ms", "M values/s"],
    rows.map((r) => [r.name, fmt(r.values), fmt(r.ms, 1), fmt(r.cpuMs, 1), fmt(r.valuesPerSecond / 1e6, 1)]),
  );
}

function gitCommit(): { commit: string | null; dirty: boolean | null } {
  try {
    const commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8" }).trim() !== "";
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

function machine() {
  const c = cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: c[0]?.model ?? "unknown",
    cores: c.length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    ...gitCommit(),
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes("--quick");
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !(n in SUITES));
  if (unknown.length > 0) {
    process.stderr.write(
      `Unknown benchmark suite(s): ${unknown.join(", ")}. Suites: ${Object.keys(SUITES).join(", ")}.\nUsage: npm run bench [-- <suite>... [--quick]]\n`,
    );
    process.exitCode = 2;
    return;
  }
  const chosen = names.length > 0 ? names : Object.keys(SUITES);
  const info = machine();
  process.stdout.write(
    `${info.cpuModel}, ${info.cores} cores, ${info.memoryGb} GB, Node ${info.node}, commit ${info.commit?.slice(0, 10) ?? "?"}${info.dirty ? " (uncommitted changes)" : ""}\n`,
  );
  for (const name of chosen) {
    const suite = SUITES[name]!;
    const before = loadavg();
    process.stdout.write(`\n== ${name}: ${suite.description}${quick ? " (quick)" : ""}\n`);
    const started = new Date();
    const t0 = performance.now();
    const { data, summary } = await suite.run(quick);
    const durationMs = performance.now() - t0;
    const after = loadavg();
    process.stdout.write(`${summary}\n`);
    process.stdout.write(
      `load average (1/5/15 min) before ${before.map((x) => x.toFixed(2)).join("/")}, after ${after.map((x) => x.toFixed(2)).join("/")}; suite took ${fmt(durationMs / 1000, 1)} s\n`,
    );
    const file = join(RESULTS_DIR, `${name}${quick ? ".quick" : ""}.json`);
    writeJsonAtomic(file, {
      suite: name,
      quick,
      date: started.toISOString(),
      durationMs,
      machine: { ...info, loadAverageBefore: before, loadAverageAfter: after },
      results: data,
    });
    process.stdout.write(`saved ${file}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
