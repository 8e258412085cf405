/**
 * The worker thread of the optimisation pool: opens the candle database read-only (a better-sqlite3 handle belongs to
 * the thread that opened it) and runs one TrialTask per message, answering with the run or the error.
 */
import { parentPort, workerData } from "node:worker_threads";
import { describeError } from "../../core/errors.js";
import { CandleStore } from "../../market/candle-store.js";
import { openDatabase } from "../../storage/database.js";
import type { WorkerReply, WorkerRequest, WorkerSetup } from "./pool.js";
import { runTrialTask } from "./trial.js";

const port = parentPort;
if (!port) throw new Error("trial-worker.ts runs as a worker thread of the optimisation pool only.");
const setup = workerData as WorkerSetup;
let store: CandleStore | undefined;

port.on("message", (msg: WorkerRequest) => {
  const reply = (r: WorkerReply) => port.postMessage(r);
  void (async () => {
    try {
      store ??= new CandleStore(openDatabase(setup.dbPath, { readonly: true }));
      reply({ id: msg.id, outcome: { ok: true, run: await runTrialTask(store, msg.task) } });
    } catch (e) {
      reply({ id: msg.id, outcome: { ok: false, error: describeError(e).message } });
    }
  })();
});
