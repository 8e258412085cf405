import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/core/clock.js";
import { IpBannedError, UsageError } from "../../src/core/errors.js";
import type { Reservation } from "../../src/exchange/http/weight-budget.js";
import { WeightBudget } from "../../src/exchange/http/weight-budget.js";

const MIN = 60_000;
/** A minute boundary far from the epoch, like real time. */
const T0 = 1_700_000_040_000;

function setup(limit = 100, opts: { margin?: number; tolerance?: number } = {}) {
  const clock = new SimulatedClock(T0 + 5_000);
  const slept: number[] = [];
  // Waiting moves simulated time: nothing in these tests waits for real.
  const sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance(ms);
  };
  const budget = new WeightBudget({
    limit,
    safetyMargin: opts.margin ?? 0.1,
    clockToleranceMs: opts.tolerance ?? 1000,
    clock,
    sleep,
  });
  return { clock, budget, slept };
}

describe("WeightBudget", () => {
  it("admits up to limit × (1 − margin) in a window and queues the rest until the window has surely reset", async () => {
    const { clock, budget } = setup(100);
    expect(budget.usable).toBe(90);
    const rs: Reservation[] = [];
    for (let i = 0; i < 9; i++) rs.push(await budget.acquire(10));
    for (const r of rs) budget.settle(r);
    expect(budget.usage().used).toBe(90);
    const start = clock.now();
    const r = await budget.acquire(10);
    // Next minute boundary plus the clock tolerance: the reset instant itself is never trusted.
    expect(r.reservedAt).toBe(T0 + MIN + 1000);
    expect(clock.now() - start).toBe(MIN + 1000 - 5000);
    budget.settle(r);
    expect(budget.usage().used).toBe(10);
  });

  it("serves waiters in FIFO order: a big request is not starved by small ones behind it", async () => {
    const { budget } = setup(100);
    const first = await budget.acquire(80);
    budget.settle(first);
    const order: string[] = [];
    const big = budget.acquire(50).then((r) => order.push(`big@${r.reservedAt}`));
    const small = budget.acquire(5).then((r) => order.push(`small@${r.reservedAt}`));
    await Promise.all([big, small]);
    expect(order).toEqual([`big@${T0 + MIN + 1000}`, `small@${T0 + MIN + 1000}`]);
  });

  it("charges a request sent near a boundary to both windows it might land in", async () => {
    const { clock, budget } = setup(100, { tolerance: 1000 });
    clock.set(T0 + MIN - 500); // 0.5 s before the boundary: the server may already be in the next minute
    const r = await budget.acquire(30);
    budget.settle(r);
    expect(budget.usedAt(T0 + MIN - 1)).toBe(30);
    expect(budget.usedAt(T0 + MIN)).toBe(30);
  });

  it("charges a request still in flight when a new window starts to that window too", async () => {
    const { clock, budget } = setup(100);
    const slow = await budget.acquire(40);
    clock.set(T0 + MIN + 10_000); // it has not answered yet
    expect(budget.usage().used).toBe(40);
    const other = await budget.acquire(50);
    budget.settle(other);
    budget.settle(slow);
    expect(budget.usage().used).toBe(90);
  });

  it("lowers its count to what the server's headers prove, and no further", async () => {
    const { budget } = setup(100);
    // Our table counts 10 per request where the server charges 4 (the weight table keeps the higher of two sources).
    const a = await budget.acquire(10);
    const b = await budget.acquire(10);
    expect(budget.usage().used).toBe(20);
    budget.settle(a, 4);
    // b is still in flight: it may have arrived after a, so it still counts in full.
    expect(budget.usage().used).toBe(14);
    budget.settle(b, 8);
    expect(budget.usage().used).toBe(8);
    // A reply that arrived first but is read last (a's count, 4, came after b's) proves nothing new.
    const c = await budget.acquire(10);
    const d = await budget.acquire(10);
    budget.settle(d, 16);
    budget.settle(c, 12);
    expect(budget.usage().used).toBe(16);
    // Headers that contradict the counter's growth (a request sent after a count of 16 answered with 3) are not
    // trusted to lower anything: back to our own count plus what the server reported beyond it.
    const e = await budget.acquire(10);
    budget.settle(e, 3);
    expect(budget.usage().used).toBe(50);
  });

  it("corrects upwards from the server's used-weight header", async () => {
    const { budget } = setup(100);
    const a = await budget.acquire(5);
    budget.settle(a, 70); // another program on this IP used 65
    expect(budget.usage().used).toBe(70);
    const b = await budget.acquire(5);
    budget.settle(b, 3); // a lower server count does not lower ours
    expect(budget.usage().used).toBe(75);
    const c = await budget.acquire(15);
    expect(c.reservedAt).toBe(T0 + 5_000);
    budget.settle(c);
    // 90 used: the next request has to wait for the next window.
    const d = await budget.acquire(1);
    expect(d.reservedAt).toBe(T0 + MIN + 1000);
  });

  it("ignores a header when the request straddled a window boundary (its window is ambiguous)", async () => {
    const { clock, budget } = setup(100);
    clock.set(T0 + MIN - 200);
    const r = await budget.acquire(5);
    clock.set(T0 + MIN + 300);
    budget.settle(r, 85);
    expect(budget.usedAt(T0 + MIN + 300)).toBe(5);
  });

  it("a straddling request's header still proves that it is counted, in whichever window it landed", async () => {
    const { clock, budget } = setup(100);
    clock.set(T0 + MIN - 200);
    const r = await budget.acquire(10);
    clock.set(T0 + MIN + 300);
    expect(budget.usedAt(T0 + MIN - 100)).toBe(10);
    expect(budget.usedAt(T0 + MIN + 300)).toBe(10);
    // The server says 4 where it landed: at most 4 in either window.
    budget.settle(r, 4);
    expect(budget.usedAt(T0 + MIN - 100)).toBe(4);
    expect(budget.usedAt(T0 + MIN + 300)).toBe(4);
  });

  it("pauses every request until a 429's Retry-After, then lets one probe go before the rest", async () => {
    const { clock, budget } = setup(1000);
    budget.pauseUntil(T0 + 12_000);
    const a = budget.acquire(1);
    const b = budget.acquire(1);
    let bReserved = false;
    void b.then(() => {
      bReserved = true;
    });
    const ra = await a;
    expect(ra.reservedAt).toBeGreaterThanOrEqual(T0 + 12_000);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(bReserved).toBe(false); // waiting for the probe's answer
    budget.settle(ra);
    const rb = await b;
    expect(rb.reservedAt).toBeGreaterThanOrEqual(T0 + 12_000);
    expect(clock.now()).toBeLessThan(T0 + 13_000);
  });

  it("re-arms the probe when the probe itself is rate limited again", async () => {
    const { budget } = setup(1000);
    budget.pauseUntil(T0 + 10_000);
    const probe = await budget.acquire(1);
    const next = budget.acquire(1);
    budget.settle(probe);
    budget.pauseUntil(T0 + 30_000); // the probe got another 429
    const r = await next;
    expect(r.reservedAt).toBeGreaterThanOrEqual(T0 + 30_000);
  });

  it("latches on a ban: waiting and new requests fail with IpBannedError until it ends, then it is lifted", async () => {
    const { clock, budget } = setup(100);
    const r = await budget.acquire(80);
    budget.settle(r);
    const waiting = budget.acquire(20); // queued behind the full window
    budget.banUntil(T0 + 5 * MIN);
    await expect(waiting).rejects.toBeInstanceOf(IpBannedError);
    const err = await budget.acquire(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IpBannedError);
    expect((err as IpBannedError).bannedUntil).toBe(T0 + 5 * MIN);
    expect((err as IpBannedError).message).toMatch(/banned this IP until .*2023/);
    clock.set(T0 + 5 * MIN);
    const after = await budget.acquire(1);
    expect(after.reservedAt).toBe(T0 + 5 * MIN);
  });

  it("raises its limit when told the exchange's real one and rejects requests that can never fit", async () => {
    const { budget } = setup(100);
    await expect(budget.acquire(95)).rejects.toBeInstanceOf(UsageError);
    budget.setLimit(6000);
    expect(budget.usable).toBe(5400);
    const r = await budget.acquire(95);
    expect(r.weight).toBe(95);
  });

  it("close() rejects queued requests and refuses new ones", async () => {
    const clock = new SimulatedClock(T0);
    // A sleep that never ends: only close() can release the waiter.
    const budget = new WeightBudget({ limit: 10, clock, sleep: () => new Promise(() => {}) });
    await budget.acquire(9);
    const waiting = budget.acquire(9);
    budget.close();
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(budget.acquire(1)).rejects.toThrow(/closed/);
  });

  it("never lets reserved weight in any window exceed the usable budget, whatever the concurrency", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 30, max: 400 }),
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 20 }), hold: fc.nat(5_000), gap: fc.nat(3_000) }), {
          minLength: 1,
          maxLength: 120,
        }),
        async (limit, reqs) => {
          const { clock, budget } = setup(limit);
          // Server-side view: weight per window of the instant each request is admitted (= sent).
          const perWindow = new Map<number, number>();
          await Promise.all(
            reqs.map(async (q, i) => {
              await Promise.resolve();
              if (i % 3 === 0) clock.advance(q.gap);
              const r = await budget.acquire(q.weight);
              const w = Math.floor(r.reservedAt / MIN);
              perWindow.set(w, (perWindow.get(w) ?? 0) + q.weight);
              clock.advance(q.hold % 50);
              budget.settle(r);
            }),
          );
          for (const used of perWindow.values()) expect(used).toBeLessThanOrEqual(budget.usable);
        },
      ),
      { numRuns: 60 },
    );
  });
});
