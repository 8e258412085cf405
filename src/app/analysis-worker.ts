/**
 * A worker thread of a parallel backtest: analyses its share of the symbols at every analysis time of the replay and
 * sends the analyses to the main thread, which does the rest (synthesis with the learning agent's insight, the
 * cooldown, the paper desk) in the order a single thread would. An analysis reads only the symbol's stored candles
 * up to the time, so it is the same here as on the main thread, bit for bit (test/app/parallel-backtest.test.ts).
 *
 * Copying an analysis to the main thread costs about a third of computing it, so most are not copied: one that no
 * learning insight can turn into a signal (cannotSignal) goes as its synthesis without learning, which is all the
 * main thread would make of it. Whole analyses go too at the times the learning agent reads the latest ones. With the
 * pre-filter, most are not even made: one whose screen shows it cannot signal without an insight goes as its evidence
 * ceilings, and the main thread, which knows what the learning agent could add at that time, leaves it out or
 * analyses it itself.
 *
 * It runs at most `window` analyses ahead of what the main thread has taken, so a slow main thread never makes it
 * pile up analyses in memory.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type AgentTimings, analysisAgents } from "../agents/symbol-analysis.js";
import { SimulatedClock } from "../core/clock.js";
import { CandleStore } from "../market/candle-store.js";
import { StoreMarketView } from "../market/market-view.js";
import { openDatabase } from "../storage/database.js";
import { NO_INSIGHT } from "../signals/learning-insight.js";
import { cannotReach, type EvidenceCeilings } from "../signals/screen.js";
import { cannotSignal, synthesizeSignal } from "../signals/synthesis.js";
import { agentOptionsFromConfig, synthesisOptionsFromConfig } from "./agent-options.js";
import {
  type AnalysisMemory,
  messageOf,
  rememberedAnalysis,
  rememberedScreen,
  unavailableParts,
} from "./orchestrator/index.js";
import type { AnalysisWorkerSetup, FromAnalysisWorker, ToAnalysisWorker, WorkerItem } from "./parallel-analysis.js";

const port = parentPort;
if (!port) throw new Error("analysis-worker.ts runs as a worker thread of a parallel backtest only.");
const setup = workerData as AnalysisWorkerSetup;
const send = (m: FromAnalysisWorker) => port.postMessage(m);

let credit = setup.window;
let wake: (() => void) | null = null;
port.on("message", (m: ToAnalysisWorker) => {
  credit += m.consumed;
  wake?.();
});

/** Analyses per message: few enough that the main thread never waits long for the first, many enough to be cheap. */
const BATCH = 32;

async function main(): Promise<void> {
  const store = new CandleStore(openDatabase(setup.dbPath, { readonly: true }));
  const clock = new SimulatedClock(setup.times[0] ?? 0);
  const view = new StoreMarketView({ store, clock, exchange: setup.exchange, market: setup.market });
  const options = agentOptionsFromConfig(setup.config);
  const agents = analysisAgents(options);
  const synthesis = synthesisOptionsFromConfig(setup.config);
  const full = new Set(setup.fullAt);
  const memory: AnalysisMemory = new Map();
  /**
   * The screen's evidence ceilings when the analysis cannot signal even without an insight (the main thread's
   * ceiling is never below that one), else null: the whole analysis is made and sent as before.
   */
  const screened = (
    v: StoreMarketView,
    symbol: string,
    time: number,
    m: AnalysisMemory,
    timings: AgentTimings,
  ): EvidenceCeilings | null => {
    if (!setup.prefilter || full.has(time)) return null;
    const ceilings = rememberedScreen(v, symbol, options, synthesis, m, timings);
    return ceilings !== null && cannotReach(ceilings, synthesis, () => NO_INSIGHT) ? ceilings : null;
  };
  let batch: WorkerItem[] = [];
  const flush = () => {
    if (batch.length > 0) send({ kind: "batch", items: batch });
    batch = [];
  };
  try {
    for (const time of setup.times) {
      clock.set(time);
      for (const symbol of setup.symbols) {
        while (credit <= 0) {
          flush();
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = null;
        }
        const timings: AgentTimings = new Map();
        try {
          const ceilings = screened(view, symbol, time, memory, timings);
          if (ceilings !== null) {
            batch.push({ symbol, time, result: { screened: ceilings, agentMs: Object.fromEntries(timings) } });
            credit--;
            if (batch.length >= BATCH) flush();
            continue;
          }
          const analysis = rememberedAnalysis(view, symbol, options, memory, timings);
          const agentMs = Object.fromEntries(timings);
          const r = full.has(time) ? null : synthesizeSignal(analysis, synthesis, null);
          if (r !== null && r.signal === null && cannotSignal(r, synthesis)) {
            const unavailable = unavailableParts(analysis, agents);
            const noSignal = { reason: r.reason, confidence: r.confidence, direction: r.direction, unavailable };
            batch.push({ symbol, time, result: { cannotSignal: noSignal, agentMs } });
          } else {
            batch.push({ symbol, time, result: { analysis, agentMs } });
          }
        } catch (e) {
          memory.delete(symbol);
          batch.push({ symbol, time, result: { error: messageOf(e) } });
        }
        credit--;
        if (batch.length >= BATCH) flush();
      }
    }
    flush();
    send({ kind: "done" });
  } finally {
    store.db.close();
  }
}

main().catch((e: unknown) => {
  send({ kind: "failed", error: messageOf(e) });
});
