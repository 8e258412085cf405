/**
 * The system's one scheduler: named tasks, each due at a time on the run's clock, run in the order they were added
 * when several fall due together (the analysis cycle before the learning update before the report, so a report
 * describes the cycle it follows). Live, real timers wait on the clock for the next due time (`runLive`); a replay
 * moves a simulated clock from one due time to the next (`replayUntil`). The tasks cannot tell the two apart.
 */
import type { Clock, SimulatedClock } from "../../core/clock.js";
import type { Sleep } from "../../core/sleep.js";

export interface ScheduledTask {
  readonly name: string;
  /**
   * Runs the task at `now`. `next` is the time it is due again, decided before it runs, so a task that is slow or
   * throws still has its next turn.
   */
  run(now: number, signal: AbortSignal | undefined): void | Promise<void>;
  /** When the task is due again after running at `now` (Infinity: never). */
  next(now: number): number;
}

/** A task in the scheduler, with its due time. */
interface Entry {
  readonly task: ScheduledTask;
  due: number;
}

export class Scheduler {
  readonly #entries: Entry[] = [];
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Adds `task`, first due at `due`; tasks due together run in the order added. */
  add(task: ScheduledTask, due: number): void {
    if (this.#entries.some((e) => e.task.name === task.name)) {
      throw new Error(`the scheduler already has a task named ${task.name}`);
    }
    this.#entries.push({ task, due });
  }

  /** The next time any task is due (Infinity when none is). */
  nextDue(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const e of this.#entries) if (e.due < next) next = e.due;
    return next;
  }

  /** Runs every task due at the clock's now, in order; an aborted signal runs nothing more. */
  async runDue(signal?: AbortSignal): Promise<void> {
    const now = this.#clock.now();
    for (const e of this.#entries) {
      if (signal?.aborted) return;
      if (now < e.due) continue;
      e.due = e.task.next(now);
      await e.task.run(now, signal);
    }
  }

  /**
   * Replays: moves `clock` (the scheduler's own) from one due time to the next up to `to`, running what is due at
   * each, as real timers do live, without the waiting. `onStep` sees the simulated time after each step.
   */
  async replayUntil(
    clock: SimulatedClock,
    to: number,
    signal?: AbortSignal,
    onStep?: (time: number) => void,
  ): Promise<void> {
    if ((clock as Clock) !== this.#clock) throw new Error("replayUntil must move the scheduler's own clock");
    while (!signal?.aborted && this.nextDue() <= to) {
      clock.set(this.nextDue());
      await this.runDue(signal);
      onStep?.(clock.now());
    }
  }

  /**
   * Live: waits on the clock for each due time until `signal` aborts. Waits are at most a minute, so a clock that
   * is re-synced to the exchange (or a due time moved meanwhile) is honoured within a minute. A task that throws is
   * reported to `onError` and the loop goes on: a bug in one task must not end a live run. `wait` is the machine's
   * timer, in the clock's milliseconds (a bench running the clock faster passes a shorter one).
   */
  async runLive(signal: AbortSignal, onError: (error: unknown) => void, wait: Sleep = sleep): Promise<void> {
    while (!signal.aborted) {
      const ms = this.nextDue() - this.#clock.now();
      if (ms > 0) await wait(Math.min(ms, 60_000), signal).catch(() => undefined); // only an abort rejects
      if (signal.aborted) break;
      try {
        await this.runDue(signal);
      } catch (e) {
        onError(e);
      }
    }
  }
}

/** A timer that ends early, resolving, when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
