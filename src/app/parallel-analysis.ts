/**
 * The symbol analyses of a backtest, computed ahead on worker threads (analysis-worker.ts), one share of the symbols
 * per thread. The main thread still runs the whole pipeline in time order: it takes each symbol's analysis from here
 * instead of computing it, then synthesises, asks the learning agent, applies the cooldown and trades on paper as a
 * single thread would. That part couples the symbols (the learning agent learns from every symbol's trades), so it
 * stays on one thread; the analyses do not (each reads only its own symbol's stored candles up to the time), so they
 * spread. The merge is deterministic because nothing is merged: the main thread asks for exactly the analysis it
 * would have computed, and when a worker has none for that symbol and time (it failed, or the schedule differs) the
 * pass computes it itself.
 */
import type { Worker } from "node:worker_threads";
import type { ExchangeId, MarketType } from "../exchange/exchange.js";
import type { Config } from "./config.js";
import type { AnalysisSource, PrecomputedAnalysis } from "./orchestrator/index.js";
import { startWorkerModule } from "./worker-thread.js";

/** workerData of an analysis worker. */
export interface AnalysisWorkerSetup {
  /** The candle database file, opened read-only by the worker. */
  readonly dbPath: string;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  /** The run's configuration; the agents' options come from it as on the main thread. */
  readonly config: Config;
  /** This worker's symbols, in the order the main thread analyses them. */
  readonly symbols: readonly string[];
  /** Every analysis time of the replay, ascending. */
  readonly times: readonly number[];
  /** Times whose whole analyses the main thread needs (the learning agent reads them), even those unable to signal. */
  readonly fullAt: readonly number[];
  /** Analyses the worker may be ahead of what the main thread has taken. */
  readonly window: number;
  /**
   * Screen first (the exact pre-filter): an analysis that cannot signal even without a learning insight goes as its
   * evidence ceilings, which the main thread judges with the learning agent's ceiling at that time.
   */
  readonly prefilter: boolean;
}

export interface WorkerItem {
  readonly symbol: string;
  readonly time: number;
  readonly result: PrecomputedAnalysis;
}

export type FromAnalysisWorker =
  | { readonly kind: "batch"; readonly items: readonly WorkerItem[] }
  | { readonly kind: "done" }
  | { readonly kind: "failed"; readonly error: string };

/** Taken analyses handed back as credit. */
export interface ToAnalysisWorker {
  readonly consumed: number;
}

export interface ParallelAnalysesOptions {
  readonly dbPath: string;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly config: Config;
  readonly symbols: readonly string[];
  readonly times: readonly number[];
  readonly fullAt: readonly number[];
  /** See AnalysisWorkerSetup.prefilter. */
  readonly prefilter: boolean;
  /** Threads in all, this one included (at most one per symbol): this one analyses a share of the symbols too. */
  readonly threads: number;
}

export interface ParallelAnalysesStats {
  /** Threads in all: the main thread and the workers. */
  readonly threads: number;
  /** Analyses the main thread took from the workers (whole, or as unable to signal). */
  readonly fromWorkers: number;
  /** Of those, the ones that came as unable to signal. */
  readonly unableToSignal: number;
  /**
   * Of those, the ones that came as screens (evidence ceilings): left out when the learning agent's ceiling rules
   * them out then, else analysed on the main thread.
   */
  readonly screened: number;
  /** Analyses of the workers' symbols it had to compute itself (a worker failed, or had none for that time). */
  readonly computedHere: number;
  /** Why a worker stopped early, if one did. */
  readonly failures: readonly string[];
}

interface Queue {
  items: (WorkerItem | undefined)[];
  head: number;
}

interface Lane {
  readonly worker: Worker;
  readonly queues: Map<string, Queue>;
  readonly window: number;
  finished: boolean;
  /** The latest time asked for: anything older will never be taken. */
  floor: number;
  /** Taken (or dropped) since the last credit message. */
  owed: number;
  waiters: (() => void)[];
}

/** The thread that analyses the `index`-th symbol of `threads`: 0 is the main thread. */
export function threadOf(index: number, threads: number): number {
  return (index + 1) % threads;
}

export class ParallelAnalyses implements AnalysisSource {
  readonly #lanes: Lane[] = [];
  readonly #laneOf = new Map<string, Lane>();
  readonly #failures: string[] = [];
  readonly #threads: number;
  #fromWorkers = 0;
  #unable = 0;
  #screened = 0;
  #computedHere = 0;

  constructor(o: ParallelAnalysesOptions) {
    const n = Math.max(1, Math.min(o.threads, o.symbols.length));
    // Round robin keeps each worker's symbols in the main thread's order, so it produces them in the order asked.
    // Share 0 stays here, and is the smallest one when they cannot be equal: this thread does the rest of the work.
    const shares: string[][] = Array.from({ length: n }, () => []);
    for (const [i, s] of o.symbols.entries()) shares[threadOf(i, n)]!.push(s);
    this.#threads = n;
    for (const symbols of shares.slice(1)) {
      const window = Math.max(512, 8 * symbols.length);
      const setup: AnalysisWorkerSetup = {
        dbPath: o.dbPath,
        exchange: o.exchange,
        market: o.market,
        config: o.config,
        symbols,
        times: o.times,
        fullAt: o.fullAt,
        window,
        prefilter: o.prefilter,
      };
      const lane: Lane = {
        worker: startWorkerModule("analysis-worker", setup),
        queues: new Map(symbols.map((s) => [s, { items: [], head: 0 }])),
        window,
        finished: false,
        floor: Number.NEGATIVE_INFINITY,
        owed: 0,
        waiters: [],
      };
      this.#listen(lane);
      this.#lanes.push(lane);
      for (const s of symbols) this.#laneOf.set(s, lane);
    }
  }

  get stats(): ParallelAnalysesStats {
    return {
      threads: this.#threads,
      fromWorkers: this.#fromWorkers,
      unableToSignal: this.#unable,
      screened: this.#screened,
      computedHere: this.#computedHere,
      failures: [...this.#failures],
    };
  }

  async take(symbol: string, time: number): Promise<PrecomputedAnalysis | undefined> {
    const lane = this.#laneOf.get(symbol);
    const q = lane?.queues.get(symbol);
    if (!lane || !q) return undefined; // this thread's share
    if (time > lane.floor) {
      lane.floor = time;
      for (const other of lane.queues.values()) this.#dropBefore(lane, other, time);
    }
    for (;;) {
      this.#dropBefore(lane, q, time);
      const item = q.items[q.head];
      if (item !== undefined) {
        if (item.time !== time) return this.#miss();
        q.items[q.head++] = undefined;
        this.#credit(lane, 1);
        if (q.head > 1024 && q.head * 2 > q.items.length) {
          q.items = q.items.slice(q.head);
          q.head = 0;
        }
        this.#fromWorkers++;
        if ("cannotSignal" in item.result) this.#unable++;
        if ("screened" in item.result) this.#screened++;
        return item.result;
      }
      if (lane.finished) return this.#miss();
      await new Promise<void>((resolve) => lane.waiters.push(resolve));
    }
  }

  /** Stops every worker (at the end of the run, or when it is aborted). */
  async close(): Promise<void> {
    await Promise.all(
      this.#lanes.map(async (lane) => {
        lane.finished = true;
        this.#wake(lane);
        await lane.worker.terminate();
      }),
    );
  }

  #miss(): undefined {
    this.#computedHere++;
    return undefined;
  }

  #dropBefore(lane: Lane, q: Queue, time: number): void {
    let dropped = 0;
    while (q.head < q.items.length && q.items[q.head]!.time < time) {
      q.items[q.head++] = undefined;
      dropped++;
    }
    if (dropped > 0) this.#credit(lane, dropped);
  }

  #credit(lane: Lane, n: number): void {
    lane.owed += n;
    if (lane.owed * 4 >= lane.window) {
      const m: ToAnalysisWorker = { consumed: lane.owed };
      lane.worker.postMessage(m);
      lane.owed = 0;
    }
  }

  #wake(lane: Lane): void {
    const waiters = lane.waiters;
    lane.waiters = [];
    for (const w of waiters) w();
  }

  #listen(lane: Lane): void {
    const stop = (why: string | null) => {
      if (lane.finished) return;
      lane.finished = true;
      if (why !== null) this.#failures.push(why);
      this.#wake(lane);
    };
    lane.worker.on("message", (m: FromAnalysisWorker) => {
      if (m.kind === "batch") {
        for (const item of m.items) lane.queues.get(item.symbol)?.items.push(item);
        this.#wake(lane);
      } else if (m.kind === "done") {
        stop(null);
      } else {
        stop(`an analysis worker failed: ${m.error}`);
      }
    });
    lane.worker.on("error", (e) => stop(`an analysis worker failed: ${e instanceof Error ? e.message : String(e)}`));
    lane.worker.on("exit", (code) => stop(code === 0 ? null : `an analysis worker exited with code ${code}`));
  }
}
