import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { DataError, UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { at, bundled, key, type TempStore, tempStore } from "./helpers.js";

describe("CandleStore", () => {
  let t: TempStore;
  let store: CandleStore;
  const h1 = bundled("spot", "BTCUSDT", "1h");
  const fil = bundled("futures", "FILUSDT", "1h");
  const k = key("BTCUSDT", "1h");
  const kf = key("FILUSDT", "1h", "futures");

  beforeAll(() => {
    t = tempStore();
    store = t.store;
  });
  afterAll(() => t.close());

  it("stores and returns real candles exactly, every field", () => {
    expect(store.upsert(k, h1)).toBe(h1.length);
    expect(store.range(k)).toEqual(h1);
    // Futures files carry real taker columns; they round-trip too.
    expect(store.upsert(kf, fil)).toBe(fil.length);
    const back = store.range(kf);
    expect(back).toEqual(fil);
    expect(back.some((c) => c.takerBuyQuote > 0 && c.trades > 0)).toBe(true);
  });

  it("upserts idempotently and counts only real changes", () => {
    expect(store.upsert(k, h1)).toBe(0);
    const c = h1[500] as Candle;
    const changed = { ...c, close: c.close === c.high ? c.low : c.high };
    expect(store.upsert(k, [changed])).toBe(1);
    expect(store.range(k, c.openTime, c.openTime)).toEqual([changed]);
    expect(store.upsert(k, [c])).toBe(1);
    expect(store.coverage(k)).toEqual({ first: h1[0]!.openTime, last: h1.at(-1)!.openTime, count: h1.length });
    expect(store.count(k, h1[10]!.openTime, h1[19]!.openTime)).toBe(10);
  });

  it("reads ranges inclusive at both ends", () => {
    const from = h1[100]!.openTime;
    const to = h1[110]!.openTime;
    expect(store.range(k, from, to)).toEqual(h1.slice(100, 111));
    expect(store.range(key("NOPEUSDT", "1h"))).toEqual([]);
  });

  it("refuses forming, misaligned and invalid candles, storing nothing of the batch", () => {
    const k2 = key("ETHUSDT", "1h");
    const good = bundled("spot", "ETHUSDT", "1h").slice(0, 10);
    const forming = { ...(good[5] as Candle), closed: false };
    expect(() => store.upsert(k2, [...good.slice(0, 5), forming])).toThrow(UsageError);
    expect(() =>
      store.upsert(k2, [...good.slice(0, 5), { ...(good[5] as Candle), openTime: good[5]!.openTime + 1 }]),
    ).toThrow(/not a 1h boundary/);
    expect(() => store.upsert(k2, [{ ...(good[3] as Candle), high: Number.NaN }])).toThrow(DataError);
    // A 4h candle offered as 1h: aligned, but closes at the wrong time.
    const h4 = bundled("spot", "ETHUSDT", "4h")[0] as Candle;
    expect(() => store.upsert(k2, [h4])).toThrow(/not at the end of its 1h period/);
    expect(store.count(k2)).toBe(0);
    expect(store.coverage(k2)).toBeUndefined();
  });

  it("rolls the whole batch back when the database rejects a row mid-way", () => {
    const k3 = key("SOLUSDT", "1h");
    const sol = bundled("spot", "SOLUSDT", "1h").slice(0, 100);
    store.db.exec(
      "CREATE TEMP TRIGGER reject_one BEFORE INSERT ON candles WHEN NEW.open_time = " +
        sol[50]!.openTime +
        " BEGIN SELECT RAISE(ABORT, 'disk says no'); END",
    );
    try {
      expect(() => store.upsert(k3, sol)).toThrow(/disk says no/);
    } finally {
      store.db.exec("DROP TRIGGER reject_one");
    }
    expect(store.count(k3)).toBe(0);
    expect(store.upsert(k3, sol)).toBe(100);
  });

  it("latest(asOf) returns the last candles closed before asOf and never one closing at or after it", () => {
    const first = h1[0]!.openTime;
    const last = h1.at(-1)!.closeTime;
    fc.assert(
      fc.property(
        fc.integer({ min: first - 5 * HOUR, max: last + 5 * HOUR }),
        fc.integer({ min: 1, max: 300 }),
        (asOf, n) => {
          const got = store.latest(k, n, asOf);
          const expected = h1.filter((c) => c.closeTime < asOf).slice(-n);
          expect(got).toEqual(expected);
          for (const c of got) expect(c.closeTime).toBeLessThan(asOf);
        },
      ),
      { numRuns: 150 },
    );
    // At exactly a candle's close time it is still forming; one millisecond later it is closed.
    const c = h1[1000] as Candle;
    expect(store.latest(k, 1, c.closeTime)[0]!.openTime).toBe(h1[999]!.openTime);
    expect(store.latest(k, 1, c.closeTime + 1)[0]!.openTime).toBe(c.openTime);
    expect(store.latest(k, 3).map((x) => x.openTime)).toEqual(h1.slice(-3).map((x) => x.openTime));
    expect(store.latest(k, 0)).toEqual([]);
  });

  it("never lets a derived candle replace one the exchange reported, but lets a reported one replace a derived", () => {
    const k4 = key("BTCUSDT", "4h");
    const h4 = bundled("spot", "BTCUSDT", "4h").slice(0, 3);
    expect(store.upsert(k4, h4.slice(0, 2), { derivedFrom: "1h" })).toBe(2);
    expect(store.sources(k4)).toEqual(["1h", "1h"]);
    expect(store.upsert(k4, h4)).toBe(3);
    expect(store.sources(k4)).toEqual([null, null, null]);
    const fake = { ...(h4[0] as Candle), volume: 1 };
    expect(store.upsert(k4, [fake], { derivedFrom: "1h" })).toBe(0);
    expect(store.range(k4)).toEqual(h4);
  });

  it("lists series with their coverage and filters them", () => {
    const all = store.series();
    expect(all.map((s) => `${s.market} ${s.symbol} ${s.interval}`)).toEqual([
      "futures FILUSDT 1h",
      "spot BTCUSDT 1h",
      "spot BTCUSDT 4h",
      "spot SOLUSDT 1h",
    ]);
    expect(store.series({ market: "spot", symbol: "BTCUSDT" }).map((s) => s.interval)).toEqual(["1h", "4h"]);
    const btc = store.series({ symbol: "BTCUSDT", interval: "1h" })[0]!;
    expect(btc).toMatchObject({
      exchange: "binance",
      count: h1.length,
      first: h1[0]!.openTime,
      last: h1.at(-1)!.openTime,
    });
  });

  it("records complete ranges: recorded coverage merged with runs of adjacent candles", () => {
    const k5 = key("XRPUSDT", "1h");
    const xrp = bundled("spot", "XRPUSDT", "1h").slice(0, 48);
    store.upsert(k5, [...xrp.slice(0, 10), ...xrp.slice(20, 30)]);
    const t0 = xrp[0]!.openTime;
    expect(store.completeRanges(k5)).toEqual([
      { from: t0, to: t0 + 9 * HOUR },
      { from: t0 + 20 * HOUR, to: t0 + 29 * HOUR },
    ]);
    // The exchange confirmed it has nothing for hours 10..14 (say, a halt): those join the first run.
    store.addCoverage(k5, { from: t0 + 10 * HOUR, to: t0 + 14 * HOUR });
    expect(store.completeRanges(k5)).toEqual([
      { from: t0, to: t0 + 14 * HOUR },
      { from: t0 + 20 * HOUR, to: t0 + 29 * HOUR },
    ]);
    expect(store.completeRanges(k5, t0 + 5 * HOUR, t0 + 25 * HOUR)).toEqual([
      { from: t0 + 5 * HOUR, to: t0 + 14 * HOUR },
      { from: t0 + 20 * HOUR, to: t0 + 25 * HOUR },
    ]);
    expect(store.recordedCoverage(k5)).toEqual([{ from: t0 + 10 * HOUR, to: t0 + 14 * HOUR }]);
    expect(() => store.addCoverage(k5, { from: t0 + 1, to: t0 + HOUR })).toThrow(UsageError);
  });

  it("bumps a series version on every write, and only then", () => {
    const k6 = key("BNBUSDT", "1h");
    const bnb = bundled("spot", "BNBUSDT", "1h").slice(0, 5);
    expect(store.version(k6)).toBe(0);
    store.upsert(k6, bnb);
    const v = store.version(k6);
    expect(v).toBeGreaterThan(0);
    store.upsert(k6, bnb);
    expect(store.version(k6)).toBe(v);
    store.upsert(k6, [{ ...(bnb[0] as Candle), volume: bnb[0]!.volume + 1 }]);
    expect(store.version(k6)).toBe(v + 1);
  });

  it("rejects bad symbols and works on a second store object over the same database", () => {
    expect(() => store.upsert(key("btc/usdt", "1h"), h1.slice(0, 1))).toThrow(/Invalid symbol/);
    const other = new CandleStore(store.db);
    expect(other.latest(k, 2, at("2024-01-01T00:00:00Z")).map((c) => c.openTime)).toEqual([
      at("2023-12-31T22:00:00Z"),
      at("2023-12-31T23:00:00Z"),
    ]);
  });

  it("remembers its last small writes per series, in order, and forgets the chain at a write it cannot vouch for", () => {
    const kw = key("WRITEUSDT", "1h");
    const readsBefore = t.store.reads;
    const c = bundled("spot", "ETHUSDT", "1h").slice(0, 400);
    t.store.upsert(kw, c.slice(0, 300)); // more than a page: not remembered
    const v0 = t.store.version(kw);
    expect(t.store.writesSince(kw, v0)).toEqual([]);
    expect(t.store.writesSince(kw, v0 - 1)).toBeUndefined();
    // Given in any order, remembered sorted, with the versions they went between.
    t.store.upsert(kw, [c[301]!, c[300]!]);
    t.store.upsert(kw, c.slice(298, 300)); // the same values: no write, nothing remembered
    t.store.upsert(kw, [{ ...c[302]!, volume: 1 }], { derivedFrom: "5m" });
    const w = t.store.writesSince(kw, v0)!;
    expect(w.map((x) => x.candles.map((y) => y.openTime))).toEqual([
      [c[300]!.openTime, c[301]!.openTime],
      [c[302]!.openTime],
    ]);
    expect(w.map((x) => [x.previousVersion, x.version, x.derivedFrom ?? null])).toEqual([
      [v0, v0 + 1, null],
      [v0 + 1, v0 + 2, "5m"],
    ]);
    expect(t.store.writesSince(kw, v0 + 1)).toEqual(w.slice(1));
    // Inside a transaction (which may yet roll back) nothing is remembered, and the chain before it is forgotten.
    t.store.db.transaction(() => t.store.upsert(kw, [c[303]!]))();
    expect(t.store.writesSince(kw, v0)).toBeUndefined();
    const v1 = t.store.version(kw);
    for (let i = 304; i < 314; i++) t.store.upsert(kw, [c[i]!]);
    // Only the last eight are kept.
    expect(t.store.writesSince(kw, v1)).toBeUndefined();
    expect(t.store.writesSince(kw, v1 + 2)!.length).toBe(8);
    // And at most 16 candles together: a write of 12 is kept beside four writes of one, then forgotten.
    const v2 = t.store.version(kw);
    t.store.upsert(kw, c.slice(314, 326));
    for (let i = 326; i < 330; i++) t.store.upsert(kw, [c[i]!]);
    expect(t.store.writesSince(kw, v2)!.map((x) => x.candles.length)).toEqual([12, 1, 1, 1, 1]);
    t.store.upsert(kw, [c[330]!]);
    expect(t.store.writesSince(kw, v2)).toBeUndefined();
    expect(t.store.writesSince(kw, v2 + 1)!.map((x) => x.candles.length)).toEqual([1, 1, 1, 1, 1]);
    expect(t.store.reads).toBe(readsBefore); // remembering reads nothing back
  });
});
