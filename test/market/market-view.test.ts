import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY, HOUR, type Interval, MINUTE } from "../../src/core/interval.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { resample } from "../../src/market/resample.js";
import { at, bundled, key, type TempStore, tempStore } from "./helpers.js";

describe("StoreMarketView", () => {
  let t: TempStore;
  const h1 = bundled("spot", "BTCUSDT", "1h");
  const m5 = bundled("spot", "BTCUSDT", "5m");
  beforeEach(() => {
    t = tempStore();
    t.store.upsert(key("BTCUSDT", "1h"), h1);
    t.store.upsert(key("BTCUSDT", "5m"), m5);
  });
  afterEach(() => t.close());

  const view = (clock: SimulatedClock) =>
    new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot", cacheExtra: 50 });

  it("returns the last closed candles as of now and never one still open", () => {
    const clock = new SimulatedClock(at("2025-12-10T10:37:00Z"));
    const v = view(clock);
    const got = v.closed("BTCUSDT", "1h", 5);
    expect(got).toEqual(h1.filter((c) => c.closeTime < clock.now()).slice(-5));
    expect(v.now()).toBe(clock.now());
    expect(v.closed("BTCUSDT", "1h", 0)).toEqual([]);
    expect(() => v.closed("BTCUSDT", "1h", -1)).toThrow(UsageError);
    expect(v.closed("DOGEUSDT", "1h", 5)).toEqual([]);
    expect(v.forming("DOGEUSDT", "1h")).toBeUndefined();
  });

  it("keeps one empty answer for an interval nothing stored can build, until something can", () => {
    // Only 1h is stored for ETH: its 15m cannot be built. The analysis asks for it at every step of a replay (its
    // snapshot table), and a new empty lineage at each step made a new series every time.
    const start = Math.floor(m5[2000]!.openTime / HOUR) * HOUR;
    const eth = bundled("spot", "ETHUSDT", "1h").filter((c) => c.openTime >= start - 300 * HOUR);
    t.store.upsert(key("ETHUSDT", "1h"), eth.slice(0, 400));
    const clock = new SimulatedClock(start);
    const v = view(clock);
    const first = v.closedSeries("ETHUSDT", "15m", 50);
    expect(first.length).toBe(0);
    for (let i = 1; i < 10; i++) {
      clock.set(start + i * HOUR);
      const again = v.closedSeries("ETHUSDT", "15m", 50);
      expect(again.length).toBe(0);
      expect(again.lineage).toBe(first.lineage);
    }
    // Once 5m candles are stored (and the reader told, as a sync tells it), 15m is built from them.
    const from = clock.now() - 10 * 15 * MINUTE;
    const fine = m5.filter((c) => c.openTime >= from && c.closeTime < clock.now());
    expect(fine.length).toBe(30);
    t.store.upsert(key("ETHUSDT", "5m"), fine);
    v.reader.refresh();
    const built = v.closed("ETHUSDT", "15m", 50);
    expect(built.length).toBe(10);
    expect(built.at(-1)!.close).toBe(fine.at(-1)!.close);
  });

  it("holds each series once, as columns, that answers view in place while the tail grows into new blocks", () => {
    const k = key("SOLUSDT", "1h");
    const sol = bundled("spot", "SOLUSDT", "1h");
    t.store.upsert(k, sol.slice(0, 2000));
    const clock = new SimulatedClock(sol[1000]!.openTime);
    const v = view(clock); // keeps 50 candles beyond the count asked for
    const first = v.closedSeries("SOLUSDT", "1h", 300);
    const firstCandles = first.block.candles(first.row, first.row + first.length);
    const blocks = new Set([first.block]);
    for (let i = 1001; i < 1400; i++) {
      clock.set(sol[i]!.openTime);
      const r = v.closedSeries("SOLUSDT", "1h", 300);
      blocks.add(r.block);
      // The answer's rows are the candles, and its lineage goes on (one row further each hour).
      expect(r.block.candles(r.row, r.row + r.length)).toStrictEqual(sol.slice(i - 300, i));
      expect(r.lineage).toBe(first.lineage);
      expect(r.firstRow).toBe(first.firstRow + (i - 1000));
    }
    // The tail moved to new blocks as it grew (one per eight closes or more, not one per close), and the first
    // answer's rows are as they were.
    expect(blocks.size).toBeGreaterThan(1);
    expect(blocks.size).toBeLessThanOrEqual(400 / 8);
    expect(first.block.candles(first.row, first.row + first.length)).toStrictEqual(firstCandles);
    expect(firstCandles).toStrictEqual(sol.slice(700, 1000));
  });

  it("stays correct while the clock steps by 5 minutes across hours, with its cache", () => {
    const clock = new SimulatedClock(at("2025-12-01T00:00:00Z"));
    const v = view(clock);
    const h1Near = h1.filter(
      (c) => c.openTime >= at("2025-11-20T00:00:00Z") && c.openTime < at("2025-12-03T00:00:00Z"),
    );
    const m5Near = m5.filter(
      (c) => c.openTime >= at("2025-11-30T00:00:00Z") && c.openTime < at("2025-12-03T00:00:00Z"),
    );
    for (let i = 0; i < 400; i++) {
      clock.advance(5 * MINUTE);
      const now = clock.now();
      const closed = v.closed("BTCUSDT", "1h", 30);
      expect(closed).toEqual(h1Near.filter((c) => c.closeTime < now).slice(-30));
      const f = v.forming("BTCUSDT", "1h");
      const parts = m5Near.filter((c) => c.openTime >= Math.floor(now / HOUR) * HOUR && c.closeTime < now);
      if (parts.length === 0) expect(f).toBeUndefined();
      else {
        expect(f?.closed).toBe(false);
        expect(f?.close).toBe(parts.at(-1)!.close);
        expect(f?.open).toBe(parts[0]!.open);
      }
    }
    // Asking for more than is cached re-reads further back.
    expect(v.closed("BTCUSDT", "1h", 300)).toEqual(h1.filter((c) => c.closeTime < clock.now()).slice(-300));
  });

  it("builds intervals that are not stored from finer ones (4h, 15m)", () => {
    const clock = new SimulatedClock(at("2025-12-10T10:37:00Z"));
    const v = view(clock);
    const h4 = bundled("spot", "BTCUSDT", "4h");
    const got = v.closed("BTCUSDT", "4h", 20);
    const want = h4.filter((c) => c.closeTime < clock.now()).slice(-20);
    const prices = (c: Candle) => [c.openTime, c.closeTime, c.open, c.high, c.low, c.close, c.closed];
    expect(got.map(prices)).toEqual(want.map(prices));
    for (const [i, c] of got.entries()) expect(c.volume).toBeCloseTo(want[i]!.volume, 6);
    const m15 = resample(m5, "5m", "15m").filter((c) => c.closeTime < clock.now());
    expect(v.closed("BTCUSDT", "15m", 10)).toEqual(m15.slice(-10));
    expect(v.forming("BTCUSDT", "4h")?.openTime).toBe(at("2025-12-10T08:00:00Z"));
  });

  it("steps a stored series forward from its read-ahead buffer: across refills and the 2023 exchange halt", () => {
    // The view reads 256 candles ahead per query when a stored series steps forward; 700 hourly steps refill the
    // buffer twice, and the halt on 2023-03-24 (no 13:00 candle) lies on the way.
    const start = at("2023-03-10T00:00:00Z");
    const clock = new SimulatedClock(start);
    const v = view(clock);
    const near = h1.filter((c) => c.openTime >= start - 100 * HOUR && c.openTime < start + 800 * HOUR);
    let previous = v.closed("BTCUSDT", "1h", 40);
    for (let i = 0; i < 700; i++) {
      clock.advance(i % 3 === 0 ? 20 * MINUTE : HOUR);
      const now = clock.now();
      const got = v.closed("BTCUSDT", "1h", 40);
      expect(got).toEqual(near.filter((c) => c.closeTime < now).slice(-40));
      // The same array while nothing new closed, a new one when something did.
      if (got.at(-1) === previous.at(-1)) expect(got).toBe(previous);
      else expect(got).not.toBe(previous);
      previous = got;
    }
    expect(previous.at(-1)!.openTime).toBeGreaterThan(at("2023-03-25T00:00:00Z"));
  });

  it("sees candles written to the store after it cached a series", () => {
    const k = key("ETHUSDT", "1h");
    const eth = bundled("spot", "ETHUSDT", "1h");
    t.store.upsert(k, eth.slice(0, 100));
    const clock = new SimulatedClock(eth[200]!.openTime);
    const v = view(clock);
    expect(v.closed("ETHUSDT", "1h", 3).at(-1)).toEqual(eth[99]);
    // A stream stores the next closed candle: the view shows it at once, in the same lineage one row on (the series
    // cache relies on it to extend the analysis), the unchanged candles the same rows of the same block.
    const first = v.closedSeries("ETHUSDT", "1h", 50);
    t.store.upsert(k, [eth[100]!]);
    const next = v.closedSeries("ETHUSDT", "1h", 50);
    expect(next.candles.at(-1)).toEqual(eth[100]);
    expect(next.lineage).toBe(first.lineage);
    expect(next.firstRow).toBe(first.firstRow + 1);
    for (let i = 0; i < 49; i++) expect(next.candles[i]).toStrictEqual(first.candles[i + 1]);
    expect(next.block).toBe(first.block);
    expect(next.row).toBe(first.row + 1);
    // A live sync stores more: the view shows them at once, still in the same lineage.
    t.store.upsert(k, eth.slice(101, 200));
    const synced = v.closedSeries("ETHUSDT", "1h", 3);
    expect(synced.candles.at(-1)).toEqual(eth[199]);
    expect(synced.lineage).toBe(first.lineage);
    expect(synced.firstRow).toBe(first.firstRow + 50 + 97);
    // A correction of an older candle (re-imported data) replaces the cached one and starts a new lineage: a row
    // of the old one never holds another candle.
    const before198 = v.closedSeries("ETHUSDT", "1h", 3);
    const fixed: Candle = { ...(eth[198] as Candle), volume: eth[198]!.volume + 1 };
    t.store.upsert(k, [fixed]);
    const after198 = v.closedSeries("ETHUSDT", "1h", 3);
    expect(after198.candles[1]).toEqual(fixed);
    expect(after198.candles[0]).toEqual(before198.candles[0]);
    expect(after198.lineage).not.toBe(before198.lineage);
    // The plain answer is the same candles.
    expect(v.closed("ETHUSDT", "1h", 3)).toEqual(after198.candles);
  });

  it("appends the candles a stream stores without reading them back; reloads after writes the store did not remember", () => {
    const k = key("ETHUSDT", "1h");
    const eth = bundled("spot", "ETHUSDT", "1h");
    t.store.upsert(k, eth.slice(0, 300));
    // The clock passes a close before the stream delivers the candle, as it does live.
    const clock = new SimulatedClock(eth[300]!.closeTime + 1);
    const v = view(clock);
    const first = v.closedSeries("ETHUSDT", "1h", 100);
    expect(v.closed("ETHUSDT", "4h", 20)).toEqual(view(new SimulatedClock(clock.now())).closed("ETHUSDT", "4h", 20));
    const reads = t.store.reads;
    t.store.upsert(k, [eth[300]!]);
    const next = v.closedSeries("ETHUSDT", "1h", 100);
    const fourHours = v.closed("ETHUSDT", "4h", 20);
    expect(t.store.reads).toBe(reads);
    expect(next.candles.at(-1)).toEqual(eth[300]);
    expect(next.candles.at(-1)).not.toBe(eth[300]); // the view's own copy, like a candle read from the store
    expect(next.lineage).toBe(first.lineage);
    expect(next.firstRow).toBe(first.firstRow + 1);
    const fresh = view(new SimulatedClock(clock.now()));
    expect(next.candles).toEqual(fresh.closed("ETHUSDT", "1h", 100));
    expect(fourHours).toEqual(fresh.closed("ETHUSDT", "4h", 20));
    // Rewriting candles the tail holds with the same values changes nothing; a write inside a transaction (which may
    // still be rolled back) is not remembered by the store, so the view reads the series again, in the same lineage.
    const readsBefore = t.store.reads; // the fresh view read from the same store
    t.store.upsert(k, eth.slice(290, 301));
    v.closedSeries("ETHUSDT", "1h", 100);
    expect(t.store.reads).toBe(readsBefore);
    clock.set(eth[302]!.closeTime + 1);
    t.store.db.transaction(() => t.store.upsert(k, eth.slice(301, 303)))();
    const reloaded = v.closedSeries("ETHUSDT", "1h", 100);
    expect(t.store.reads).toBeGreaterThan(readsBefore);
    expect(reloaded.candles.slice(-2)).toEqual(eth.slice(301, 303));
    expect(reloaded.lineage).toBe(first.lineage);
    // A candle written for a later instant than the view's is read when the clock gets there.
    t.store.upsert(k, [eth[303]!]);
    expect(v.closed("ETHUSDT", "1h", 1)).toEqual([eth[302]]);
    clock.set(eth[303]!.closeTime + 1);
    expect(v.closed("ETHUSDT", "1h", 1)).toEqual([eth[303]]);
    // The other order: the close is stored first and the clock passes it after. The read-ahead block the tail steps
    // forward from is brought forward by the same write, so that reads nothing either.
    const readsLive = t.store.reads;
    for (const i of [304, 305]) {
      t.store.upsert(k, [eth[i]!]);
      clock.set(eth[i]!.closeTime + 1);
      expect(v.closed("ETHUSDT", "1h", 2)).toEqual(eth.slice(i - 1, i + 1));
    }
    expect(t.store.reads).toBe(readsLive);
  });

  it("builds a period that a remembered write completes, though it lies after the aggregated tail's last candle", () => {
    // Found by the property below (seed 1125311225): a day with hours missing is left out of the 1d tail, and the
    // write that brings its last hours is after the tail's last candle, yet changes what the tail must hold.
    const k = key("DAYUSDT", "1h");
    const eth = bundled("spot", "ETHUSDT", "1h");
    const d = eth.findIndex(
      (c, i) => i >= 48 && c.openTime % DAY === 0 && eth[i + 30]!.openTime === c.openTime + 30 * HOUR,
    );
    t.store.upsert(k, eth.slice(0, d + 20)); // 20 of the day's 24 hours
    const clock = new SimulatedClock(eth[d + 30]!.closeTime + 1); // the day has closed
    const v = view(clock);
    expect(v.closed("DAYUSDT", "1d", 1).map((c) => c.openTime)).toEqual([eth[d]!.openTime - DAY]);
    t.store.upsert(k, eth.slice(d + 20, d + 31)); // small enough for the store to remember
    const after = v.closed("DAYUSDT", "1d", 1);
    expect(after.map((c) => c.openTime)).toEqual([eth[d]!.openTime]);
    expect(after).toEqual(view(new SimulatedClock(clock.now())).closed("DAYUSDT", "1d", 1));
  });

  it("answers like a fresh view however writes and reads interleave", () => {
    // Live, streams store closes one by one, syncs store pages (some inside a transaction), and a re-import may
    // correct an old candle; the tails the view keeps forward must always be what a fresh view reads.
    const k1 = key("LIVEUSDT", "1h");
    const k5 = key("LIVEUSDT", "5m");
    const h = h1.filter((c) => c.openTime >= at("2025-10-01T00:00:00Z"));
    const m = m5.filter((c) => c.openTime >= at("2025-11-01T00:00:00Z"));
    const intervals: Interval[] = ["5m", "15m", "1h", "4h", "1d"];
    const step = fc.record({
      advanceHours: fc.integer({ min: 0, max: 30 }),
      // How the next candles get stored: one upsert per candle, one for all, inside a transaction, or not yet.
      write: fc.constantFrom("each", "batch", "transaction", "none"),
      lag: fc.integer({ min: 0, max: 3 }),
      correct: fc.option(fc.integer({ min: 1, max: 400 }), { nil: undefined }),
      reads: fc.array(fc.record({ interval: fc.constantFrom(...intervals), count: fc.integer({ min: 1, max: 300 }) }), {
        minLength: 1,
        maxLength: 5,
      }),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 20 }), (steps) => {
        const local = tempStore();
        try {
          const store = local.store;
          let now = at("2025-11-20T00:00:00Z");
          const upto = (c: readonly Candle[], asOf: number) => c.filter((x) => x.closeTime < asOf);
          store.upsert(k1, upto(h, now));
          store.upsert(
            k5,
            upto(m, now).filter((x) => x.openTime >= at("2025-11-01T00:00:00Z")),
          );
          const clock = new SimulatedClock(now);
          const walked = new StoreMarketView({ store, clock, exchange: "binance", market: "spot", cacheExtra: 50 });
          for (const s of steps) {
            now += s.advanceHours * HOUR;
            clock.set(now);
            // Everything closed up to `lag` hours ago, as a stream or sync that is behind the clock.
            const due = now - s.lag * HOUR;
            const news = [k1, k5].map((kk) => {
              const all = kk === k1 ? h : m;
              return { kk, candles: all.filter((x) => x.closeTime < due && x.closeTime >= due - 40 * HOUR) };
            });
            const write = () => {
              for (const { kk, candles } of news) {
                if (s.write === "each") for (const c of candles) store.upsert(kk, [c]);
                else store.upsert(kk, candles);
              }
            };
            if (s.write === "transaction") store.db.transaction(write)();
            else if (s.write !== "none") write();
            if (s.correct !== undefined) {
              const old = upto(h, now).at(-s.correct);
              if (old) store.upsert(k1, [{ ...old, volume: old.volume * 1.5 + 1 }]);
            }
            const fresh = new StoreMarketView({
              store,
              clock: new SimulatedClock(now),
              exchange: "binance",
              market: "spot",
            });
            for (const r of s.reads) {
              expect(walked.closed("LIVEUSDT", r.interval, r.count)).toEqual(
                fresh.closed("LIVEUSDT", r.interval, r.count),
              );
            }
            expect(walked.forming("LIVEUSDT", "1h")).toEqual(fresh.forming("LIVEUSDT", "1h"));
          }
        } finally {
          local.close();
        }
      }),
      { numRuns: 25 },
    );
  }, 120_000);

  it("keeps rows stable within a lineage along a replay, whatever each reader asks for", () => {
    const k = key("SOLUSDT", "1h");
    const sol = bundled("spot", "SOLUSDT", "1h");
    t.store.upsert(k, sol.slice(0, 3000));
    const clock = new SimulatedClock(sol[1000]!.openTime);
    const v = view(clock);
    const seen = new Map<string, Candle>();
    let lineages = 0;
    let last = -1;
    for (let i = 1000; i < 2200; i += 7) {
      clock.set(sol[i]!.openTime);
      for (const count of [1, 24, 300, 700]) {
        const r = v.closedSeries("SOLUSDT", "1h", count);
        expect(r.candles).toEqual(sol.slice(Math.max(0, i - count), i));
        if (r.lineage !== last && i > 1000) lineages++;
        last = r.lineage;
        r.candles.forEach((c, j) => {
          const at = `${r.lineage}:${r.firstRow + j}`;
          const before = seen.get(at);
          if (before !== undefined) expect(c).toStrictEqual(before);
          // The columns a series views hold the same candle.
          expect(r.block.candle(r.row + j)).toStrictEqual(c);
          seen.set(at, c);
        });
      }
    }
    // At the first instant each longer read reaches further back than the tail held, which starts a lineage (rows
    // before the tail's first are not known to be unchanged); from then on the series stays in one.
    expect(lineages).toBe(0);
    expect(seen.size).toBeGreaterThan(1500);
  });

  it("shows a streamed forming candle while it contains now, then falls back to the store", () => {
    const clock = new SimulatedClock(at("2024-06-15T12:30:00Z")); // before the 5m data: nothing finer than 1h
    const v = view(clock);
    expect(v.forming("BTCUSDT", "1h")).toBeUndefined();
    const live: Candle = { ...(h1.find((c) => c.openTime === at("2024-06-15T12:00:00Z")) as Candle), closed: false };
    v.updateForming("BTCUSDT", "1h", live);
    expect(v.forming("BTCUSDT", "1h")).toBe(live);
    clock.set(at("2024-06-15T13:00:00Z"));
    expect(v.forming("BTCUSDT", "1h")).toBeUndefined();
    expect(() =>
      v.updateForming("BTCUSDT", "4h", { ...live, openTime: live.openTime + HOUR, closeTime: live.closeTime + HOUR }),
    ).toThrow(UsageError);
  });

  it("answers from its caches exactly what a fresh view reads from the store, at every instant of a walk", () => {
    // The caches (tails per series, aggregated intervals extended from them, forming candles built from the cached
    // finer tail) must be invisible: a view that has walked forward answers like a new one created at that instant.
    t.store.upsert(key("BTCUSDT", "1d"), bundled("spot", "BTCUSDT", "1d"));
    const intervals: Interval[] = ["5m", "15m", "1h", "4h", "1d", "3d", "1w", "1M"];
    const read = fc.record({
      interval: fc.constantFrom(...intervals),
      count: fc.integer({ min: 1, max: 240 }),
    });
    const step = fc.record({
      // From a minute to two days, sometimes landing exactly on a boundary (as a replay does).
      advance: fc.oneof(
        fc.integer({ min: MINUTE, max: 2 * DAY }),
        fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR),
      ),
      reads: fc.array(read, { minLength: 1, maxLength: 6 }),
      forming: fc.subarray(intervals),
    });
    fc.assert(
      fc.property(
        // Starts inside the 5m data (2025-11-01 … 2026-02-19), so the forming candles have every level to use.
        fc.integer({ min: at("2025-11-03T00:00:00Z") / MINUTE, max: at("2026-01-20T00:00:00Z") / MINUTE }),
        fc.array(step, { minLength: 1, maxLength: 25 }),
        (startMinute, steps) => {
          const clock = new SimulatedClock(startMinute * MINUTE);
          const walked = view(clock);
          for (const s of steps) {
            clock.advance(s.advance);
            const fresh = view(new SimulatedClock(clock.now()));
            for (const r of s.reads) {
              expect(walked.closed("BTCUSDT", r.interval, r.count)).toEqual(
                fresh.closed("BTCUSDT", r.interval, r.count),
              );
            }
            for (const i of s.forming) expect(walked.forming("BTCUSDT", i)).toEqual(fresh.forming("BTCUSDT", i));
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 60_000);
});
