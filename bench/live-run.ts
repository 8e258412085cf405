/**
 * Live-run memory benchmark (issue 9's target: `cma run` on 300 symbols stays under 300 MB RSS and flat): the real
 * `cma run` command in a child process of its own, so its memory is all that is measured, on 300 synthetic futures
 * symbols served by the fake Binance in this process over HTTP and WebSocket. Both run on one clock going `speed`×
 * faster than real time (the child's timers shortened to match), so hours of a live run pass in minutes: the cold
 * start (universe, history of every interval, first analysis of every symbol), then every candle close with its
 * cycle, paper trading, the learning agent's updates and reports every 5 simulated minutes, across a UTC midnight
 * (1d closes, and the week's on that Monday). The universe is re-chosen a day after the start: outside the stretch.
 *
 * The child samples process.memoryUsage() once a real second, and the heap right after a full collection every fifth
 * sample: RSS is what the target names; the collected heap is what the system really keeps, so a slope in it is a
 * leak and not garbage yet to be collected. The cold start's weight limits pass `speed`× faster too: this bench
 * measures memory, not the cold start's time (bench/market-data.ts does, at real speed).
 */
import { execFileSync, fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HOUR } from "../src/core/interval.js";
import { acceleratedClock, startFakeBinance, syntheticMarketData } from "../src/sim/fake-binance/index.js";

/** What bench/live-run-child.mjs is given (as JSON in argv[2]). */
interface ChildSpec {
  readonly dir: string;
  readonly restUrl: string;
  readonly wsUrl: string;
  readonly market: "spot" | "futures";
  readonly symbols: number;
  /** The parent's clock: simulated `at` when the wall clock read `wallAt`, running `speed`× faster. */
  readonly at: number;
  readonly wallAt: number;
  readonly speed: number;
  /** Simulated time at which the child stops itself (moved by a `{ stopAt }` message). */
  readonly stopAt: number;
  readonly sampleMs: number;
}

export interface MemorySample {
  readonly kind: "sample";
  /** Simulated time of the sample. */
  readonly at: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  /** The JS heap V8 has reserved (used or not): RSS outside it is the program, buffers and native memory. */
  readonly heapTotalMb: number;
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  /** Heap in use right after a full collection (every fifth sample): what the run really keeps. */
  readonly heapAfterGcMb: number | null;
}

/** What bench/live-run-child.mjs reports. */
type ChildMessage =
  | MemorySample
  | { readonly kind: "baseline"; readonly rssMb: number; readonly heapUsedMb: number }
  | { readonly kind: "started"; readonly at: number }
  | { readonly kind: "cycle"; readonly at: number; readonly line: string }
  | { readonly kind: "done"; readonly exitCode: number; readonly cards: number; readonly stderrTail: string };

/**
 * 22:00 UTC on Sunday 2026-01-11: two hours before a midnight that closes a 1d and a 1w candle, so that the steps
 * memory takes at the first closes of every interval fall in the first half of the default stretch.
 */
export const LIVE_RUN_AT = Date.UTC(2026, 0, 11, 22);

export interface LiveRunBenchOptions {
  readonly symbols?: number;
  /** Simulated hours measured after the system has started. */
  readonly hours?: number;
  readonly speed?: number;
  /** Real ms between two pushes of stream updates by the fake. */
  readonly tickMs?: number;
  readonly progress?: (line: string) => void;
}

export interface LiveRunBenchResult {
  readonly symbols: number;
  readonly market: "futures";
  readonly speed: number;
  readonly from: string;
  /** Simulated time at which the banner was printed (universe synced, first cycle done). */
  readonly startedAt: string;
  readonly simulatedHours: number;
  readonly realSeconds: number;
  readonly cycles: number;
  readonly signals: number;
  readonly exitCode: number;
  /** The child after importing the program, before running anything. */
  readonly baseline: { readonly rssMb: number; readonly heapUsedMb: number };
  readonly rss: MemoryFigures;
  readonly heapAfterGc: MemoryFigures;
  readonly heapReserved: MemoryFigures;
  /** Typed arrays' memory (the candle columns and indicator streams), outside the JS heap. */
  readonly arrayBuffers: MemoryFigures;
  readonly samples: readonly MemorySample[];
}

export interface MemoryFigures {
  /** At the first sample after the start. */
  readonly startedMb: number;
  readonly peakMb: number;
  readonly endMb: number;
  /**
   * Least-squares slope over the second half of the stretch, in MB per simulated hour: memory grows in steps while
   * each interval's first closes after the start pass (the 1d and 1w ones at midnight), then should stay level.
   */
  readonly slopeMbPerHour: number;
}

const HERE = dirname(fileURLToPath(import.meta.url));

export async function benchLiveRun(opts: LiveRunBenchOptions = {}): Promise<LiveRunBenchResult> {
  const symbols = opts.symbols ?? 300;
  const hours = opts.hours ?? 6;
  const speed = opts.speed ?? 60;
  const tickMs = opts.tickMs ?? 500;
  const say = (s: string) => opts.progress?.(`[live-run] ${s}`);
  // The child runs the compiled program, as bin/cma does: compile the current sources first.
  execFileSync(
    process.execPath,
    [join(HERE, "..", "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
    {
      cwd: join(HERE, ".."),
      stdio: "inherit",
    },
  );
  const dir = mkdtempSync(join(tmpdir(), "cma-bench-live-"));
  const wallAt = Date.now();
  const clock = acceleratedClock(LIVE_RUN_AT, speed, Date.now);
  const fake = await startFakeBinance({ clock, futures: syntheticMarketData({ symbols, seed: 2 }) });
  const ticker = setInterval(() => fake.tick(), tickMs);
  const messages: ChildMessage[] = [];
  let startedAt: number | undefined;
  let lastSay = 0;
  try {
    const spec: ChildSpec = {
      dir,
      restUrl: fake.restUrl,
      wsUrl: `${fake.wsUrl}/market`,
      market: "futures",
      symbols,
      at: LIVE_RUN_AT,
      wallAt,
      speed,
      stopAt: Number.MAX_SAFE_INTEGER, // until the parent says when
      sampleMs: 1000,
    };
    const t0 = performance.now();
    const child = fork(join(HERE, "live-run-child.mjs"), [JSON.stringify(spec)], {
      execArgv: ["--expose-gc"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const done = new Promise<Extract<ChildMessage, { kind: "done" }>>((resolve, reject) => {
      child.on("message", (m: ChildMessage) => {
        messages.push(m);
        if (m.kind === "started") {
          startedAt = m.at;
          say(`started at ${new Date(m.at).toISOString()} (${((performance.now() - t0) / 1000).toFixed(0)} s real)`);
          // The child stops itself `hours` after its start; tell it when.
          child.send({ stopAt: m.at + hours * HOUR });
        } else if (m.kind === "sample" && performance.now() - lastSay > 30_000) {
          lastSay = performance.now();
          say(`${new Date(m.at).toISOString().slice(11, 16)} UTC: RSS ${m.rssMb.toFixed(0)} MB`);
        } else if (m.kind === "done") resolve(m);
      });
      child.on("exit", (code) => reject(new Error(`the measured cma run exited (${code}) before reporting`)));
    });
    const end = await done;
    const realSeconds = (performance.now() - t0) / 1000;
    if (startedAt === undefined || end.exitCode !== 0) {
      throw new Error(`cma run did not run to its stop (exit ${end.exitCode}): ${end.stderrTail.slice(-1500)}`);
    }
    const samples = messages.filter((m): m is MemorySample => m.kind === "sample");
    const baseline = messages.find((m) => m.kind === "baseline") as Extract<ChildMessage, { kind: "baseline" }>;
    const after = samples.filter((s) => s.at >= (startedAt as number));
    const settled = after.filter((s) => s.at >= (startedAt as number) + (hours / 2) * HOUR);
    const gcAfter = after.filter((s) => s.heapAfterGcMb !== null);
    const gcSettled = settled.filter((s) => s.heapAfterGcMb !== null);
    const figures = (all: MemorySample[], tail: MemorySample[], v: (s: MemorySample) => number): MemoryFigures => ({
      startedMb: round1(v(all[0] as MemorySample)),
      peakMb: round1(Math.max(...all.map(v))),
      endMb: round1(v(all[all.length - 1] as MemorySample)),
      slopeMbPerHour: round1(slope(tail.map((s) => [(s.at - (startedAt as number)) / HOUR, v(s)]))),
    });
    return {
      symbols,
      market: "futures",
      speed,
      from: new Date(LIVE_RUN_AT).toISOString(),
      startedAt: new Date(startedAt).toISOString(),
      simulatedHours: hours,
      realSeconds: Math.round(realSeconds),
      cycles: messages.filter((m) => m.kind === "cycle").length,
      signals: end.cards,
      exitCode: end.exitCode,
      baseline: { rssMb: round1(baseline.rssMb), heapUsedMb: round1(baseline.heapUsedMb) },
      rss: figures(after, settled, (s) => s.rssMb),
      heapAfterGc: figures(gcAfter, gcSettled, (s) => s.heapAfterGcMb as number),
      heapReserved: figures(after, settled, (s) => s.heapTotalMb),
      arrayBuffers: figures(after, settled, (s) => s.arrayBuffersMb),
      samples,
    };
  } finally {
    clearInterval(ticker);
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Least-squares slope of y over x (0 for fewer than two points). */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
