/**
 * The one scheduler every run's services share: order when tasks fall due together, the next turn decided before a
 * task runs, replays driven by a simulated clock, live waits on real timers that end when the run is aborted.
 */
import { describe, expect, it } from "vitest";
import { Scheduler } from "../../src/app/orchestrator/scheduler.js";
import { type Clock, OffsetClock, SimulatedClock } from "../../src/core/clock.js";
import { realSleep, type Sleep } from "../../src/core/sleep.js";

const every = (ms: number) => (t: number) => t + ms;

describe("Scheduler", () => {
  it("runs the tasks due together in the order they were added, each on its own interval", async () => {
    const clock = new SimulatedClock(0);
    const s = new Scheduler(clock);
    const log: string[] = [];
    s.add({ name: "b", next: every(20), run: (t) => void log.push(`b@${t}`) }, 20);
    s.add({ name: "a", next: every(10), run: (t) => void log.push(`a@${t}`) }, 10);
    await s.replayUntil(clock, 40);
    expect(log).toEqual(["a@10", "b@20", "a@20", "a@30", "b@40", "a@40"]);
    expect(s.nextDue()).toBe(50);
    expect(() => s.add({ name: "a", next: every(1), run: () => {} }, 0)).toThrow(/already has a task named a/);
  });

  it("decides a task's next turn before running it, so one that throws is still due again", async () => {
    const clock = new SimulatedClock(0);
    const s = new Scheduler(clock);
    s.add(
      {
        name: "failing",
        next: every(5),
        run: () => {
          throw new Error("boom");
        },
      },
      0,
    );
    await expect(s.runDue()).rejects.toThrow("boom");
    expect(s.nextDue()).toBe(5);
  });

  it("runs nothing more once the run is aborted", async () => {
    const clock = new SimulatedClock(0);
    const s = new Scheduler(clock);
    const stop = new AbortController();
    const ran: string[] = [];
    const first = () => {
      ran.push("first");
      stop.abort();
    };
    s.add({ name: "first", next: every(1), run: first }, 0);
    s.add({ name: "second", next: every(1), run: () => void ran.push("second") }, 0);
    await s.runDue(stop.signal);
    expect(ran).toEqual(["first"]);
  });

  it("replays only the clock it schedules on", async () => {
    const s = new Scheduler(new SimulatedClock(0));
    await expect(s.replayUntil(new SimulatedClock(0), 10)).rejects.toThrow(/scheduler's own clock/);
  });

  it("live: waits on real time for each due task, reports a task's error and goes on, stops on abort", async () => {
    const clock = new OffsetClock();
    const s = new Scheduler(clock);
    const stop = new AbortController();
    const errors: unknown[] = [];
    let runs = 0;
    const start = clock.now();
    s.add(
      {
        name: "tick",
        next: every(20),
        run: () => {
          runs++;
          if (runs === 1) throw new Error("first run fails");
          if (runs === 3) stop.abort();
        },
      },
      start + 20,
    );
    await s.runLive(stop.signal, (e) => errors.push(e));
    expect(runs).toBe(3);
    expect(errors.map((e) => (e as Error).message)).toEqual(["first run fails"]);
    expect(clock.now() - start).toBeGreaterThanOrEqual(55);
  });

  it("live: waits on the timer it is given, in the clock's milliseconds (a clock running 600× faster)", async () => {
    const speed = 600;
    const wall0 = Date.now();
    const start = 1_000 * 60_000;
    const clock: Clock = { now: () => Math.floor(start + (Date.now() - wall0) * speed) };
    const asked: number[] = [];
    const sleep: Sleep = (ms, signal) => {
      asked.push(ms);
      return realSleep(ms / speed, signal);
    };
    const s = new Scheduler(clock);
    const stop = new AbortController();
    const ran: number[] = [];
    s.add(
      {
        name: "every-minute",
        next: every(60_000),
        run: (t) => {
          ran.push(t);
          if (ran.length === 3) stop.abort();
        },
      },
      start + 60_000,
    );
    await s.runLive(
      stop.signal,
      (e) => {
        throw e;
      },
      sleep,
    );
    expect(ran).toHaveLength(3);
    // Each run at or just after its due minute, on the fast clock; the waits asked add up to about three minutes of
    // the clock (in real ms they would be 300; a busy machine's pauses between waits count 600× on this clock). A
    // timer may fire up to a real millisecond early (600 ms here), and the rest is then asked for again.
    for (const [i, t] of ran.entries()) expect(t).toBeGreaterThanOrEqual(start + (i + 1) * 60_000);
    expect(asked.every((ms) => ms > 0 && ms <= 60_000)).toBe(true);
    const total = asked.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(90_000);
    expect(total).toBeLessThanOrEqual(180_000 + 3 * 2 * speed);
  });
});
