/**
 * Runs trial backtests in parallel on worker threads. Each worker opens the SQLite candle store read-only itself
 * (better-sqlite3 handles belong to the thread that opened them) and runs one task at a time; tasks wait in a FIFO
 * queue. A trial that throws reports its error and the worker goes on; a worker that dies fails only its own task
 * and is replaced. Aborting a task's signal rejects it and terminates the worker running it, so Ctrl-C stops the
 * CPU work at once rather than at the end of a backtest. The worker module is trial-worker (worker-thread.ts starts it).
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { CmaError, UsageError } from "../../core/errors.js";
import { startWorkerModule } from "../worker-thread.js";
import type { TrialOutcome, TrialRunner, TrialTask } from "./trial.js";

/** workerData of every worker. */
export interface WorkerSetup {
  /** The candle database file, opened read-only by the worker. */
  readonly dbPath: string;
}

export interface WorkerRequest {
  readonly id: number;
  readonly task: TrialTask;
}

export interface WorkerReply {
  readonly id: number;
  readonly outcome: TrialOutcome;
}

/** One worker per core: a backtest is CPU-bound and single-threaded. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

export interface WorkerPoolOptions {
  readonly dbPath: string;
  /** Worker threads at most (started when there is work for them). */
  readonly workers: number;
}

interface Job {
  readonly id: number;
  readonly task: TrialTask;
  readonly resolve: (o: TrialOutcome) => void;
  readonly reject: (e: unknown) => void;
  readonly cleanup: () => void;
}

interface Slot {
  readonly worker: Worker;
  job: Job | null;
}

function startWorker(setup: WorkerSetup): Worker {
  return startWorkerModule("optimize/trial-worker", setup);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("Aborted", "AbortError");
}

export class WorkerPool implements TrialRunner {
  readonly #setup: WorkerSetup;
  readonly #size: number;
  readonly #slots = new Set<Slot>();
  #queue: Job[] = [];
  readonly #watched = new Map<AbortSignal, { readonly set: Set<Job>; readonly onAbort: () => void }>();
  #nextId = 1;
  #closed = false;

  constructor(o: WorkerPoolOptions) {
    if (!Number.isInteger(o.workers) || o.workers < 1) {
      throw new UsageError(`--workers ${String(o.workers)} is not valid; use a whole number ≥ 1.`);
    }
    this.#setup = { dbPath: o.dbPath };
    this.#size = o.workers;
  }

  /** Worker threads currently running. */
  get threads(): number {
    return this.#slots.size;
  }

  run(task: TrialTask, signal?: AbortSignal): Promise<TrialOutcome> {
    return new Promise<TrialOutcome>((resolve, reject) => {
      if (this.#closed) {
        reject(new CmaError("The worker pool is closed."));
        return;
      }
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const job: Job = { id: this.#nextId++, task, resolve, reject, cleanup: () => this.#unwatch(signal, job) };
      this.#watch(signal, job);
      this.#queue.push(job);
      this.#pump();
    });
  }

  /**
   * One abort listener per signal, not per task: a walk-forward queues hundreds of tasks on the same signal, and
   * Node warns about more than ten listeners on one AbortSignal.
   */
  #watch(signal: AbortSignal | undefined, job: Job): void {
    if (!signal) return;
    let jobs = this.#watched.get(signal);
    if (!jobs) {
      const set = new Set<Job>();
      const onAbort = () => {
        for (const j of [...set]) this.#abort(j, abortReason(signal));
      };
      jobs = { set, onAbort };
      this.#watched.set(signal, jobs);
      signal.addEventListener("abort", onAbort, { once: true });
    }
    jobs.set.add(job);
  }

  #unwatch(signal: AbortSignal | undefined, job: Job): void {
    if (!signal) return;
    const jobs = this.#watched.get(signal);
    if (!jobs) return;
    jobs.set.delete(job);
    if (jobs.set.size === 0) {
      signal.removeEventListener("abort", jobs.onAbort);
      this.#watched.delete(signal);
    }
  }

  /** Rejects queued tasks and terminates every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    const queued = this.#queue;
    this.#queue = [];
    for (const job of queued) {
      job.cleanup();
      job.reject(new CmaError("The worker pool was closed before this trial ran."));
    }
    const running = [...this.#slots];
    this.#slots.clear();
    await Promise.all(
      running.map(async (slot) => {
        const job = slot.job;
        slot.job = null;
        if (job) {
          job.cleanup();
          job.reject(new CmaError("The worker pool was closed while this trial ran."));
        }
        await slot.worker.terminate();
      }),
    );
  }

  #pump(): void {
    while (this.#queue.length > 0) {
      let slot = [...this.#slots].find((s) => s.job === null);
      if (!slot) {
        if (this.#slots.size >= this.#size) return;
        slot = this.#spawn();
      }
      const job = this.#queue.shift() as Job;
      slot.job = job;
      const request: WorkerRequest = { id: job.id, task: job.task };
      slot.worker.postMessage(request);
    }
  }

  #spawn(): Slot {
    const worker = startWorker(this.#setup);
    const slot: Slot = { worker, job: null };
    this.#slots.add(slot);
    worker.on("message", (reply: WorkerReply) => {
      const job = slot.job;
      if (!job || job.id !== reply.id) return;
      slot.job = null;
      job.cleanup();
      job.resolve(reply.outcome);
      this.#pump();
    });
    const died = (why: string) => {
      if (!this.#slots.delete(slot)) return; // terminated on purpose
      const job = slot.job;
      slot.job = null;
      if (job) {
        job.cleanup();
        job.resolve({ ok: false, error: why });
      }
      void worker.terminate();
      this.#pump();
    };
    worker.on("error", (e) => died(`the worker thread failed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on("exit", (code) => died(`the worker thread exited with code ${code}`));
    return slot;
  }

  /** Takes `job` out of the queue, or stops the worker running it; rejects it with `reason`. */
  #abort(job: Job, reason: unknown): void {
    const queued = this.#queue.indexOf(job);
    if (queued >= 0) {
      this.#queue.splice(queued, 1);
      job.cleanup();
      job.reject(reason);
      return;
    }
    for (const slot of this.#slots) {
      if (slot.job !== job) continue;
      this.#slots.delete(slot);
      slot.job = null;
      void slot.worker.terminate();
      job.cleanup();
      job.reject(reason);
      this.#pump();
      return;
    }
  }
}
