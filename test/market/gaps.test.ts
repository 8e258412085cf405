import { describe, expect, it } from "vitest";
import type { Candle } from "../../src/core/candle.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY, HOUR } from "../../src/core/interval.js";
import { findGaps } from "../../src/market/gaps.js";
import { at, bundled, key, tempStore } from "./helpers.js";

describe("findGaps", () => {
  it("finds the 2023-03-24 spot halt in BTCUSDT 1h: a flat zero-volume 12:00 candle, then no 13:00 candle", () => {
    const gaps = findGaps(bundled("spot", "BTCUSDT", "1h"), "1h");
    expect(gaps).toEqual([
      { from: at("2023-03-24T12:00:00Z"), to: at("2023-03-24T12:00:00Z"), missing: 1, kind: "halt" },
      { from: at("2023-03-24T13:00:00Z"), to: at("2023-03-24T13:00:00Z"), missing: 1, kind: "missing" },
    ]);
  });

  it("finds no gaps in the 4h, 1d and 5m files", () => {
    expect(findGaps(bundled("spot", "BTCUSDT", "4h"), "4h")).toEqual([]);
    expect(findGaps(bundled("spot", "BTCUSDT", "1d"), "1d")).toEqual([]);
    expect(findGaps(bundled("spot", "ETHUSDT", "5m"), "5m")).toEqual([]);
  });

  it("reports the month-long holes between the ALGOUSDT futures segments", () => {
    const expected = [
      ["2023-03-01", "2024-02-01"],
      ["2024-03-01", "2024-09-01"],
      ["2024-10-01", "2025-02-01"],
      ["2025-03-01", "2026-02-01"],
    ];
    for (const [interval, ms] of [
      ["1h", HOUR],
      ["15m", 15 * 60_000],
    ] as const) {
      const gaps = findGaps(bundled("futures", "ALGOUSDT", interval), interval);
      expect(gaps.map((g) => [g.kind, g.from, g.to + ms, g.missing])).toEqual(
        expected.map(([a, b]) => [
          "missing",
          at(`${a}T00:00:00Z`),
          at(`${b}T00:00:00Z`),
          (at(`${b}T00:00:00Z`) - at(`${a}T00:00:00Z`)) / ms,
        ]),
      );
    }
  });

  it("groups consecutive halted candles and separates halts from holes", () => {
    const base = bundled("futures", "FILUSDT", "1h");
    // The FIL dump has a flat zero-volume hour on 2024-10-28 20:00 (a known dump defect).
    expect(findGaps(base, "1h").filter((g) => g.kind === "halt")).toEqual([
      { from: at("2024-10-28T20:00:00Z"), to: at("2024-10-28T20:00:00Z"), missing: 1, kind: "halt" },
    ]);
    const c = (i: number, volume: number): Candle => ({ ...(base[i] as Candle), volume });
    const gaps = findGaps([c(0, 1), c(1, 0), c(2, 0), c(4, 0), c(5, 2)], "1h");
    expect(gaps.map((g) => [g.kind, g.missing])).toEqual([
      ["halt", 2],
      ["missing", 1],
      ["halt", 1],
    ]);
  });

  it("counts calendar months for 1M and rejects unsorted input", () => {
    const m = (iso: string) => ({ openTime: at(iso), volume: 1 });
    expect(findGaps([m("2024-01-01T00:00:00Z"), m("2024-04-01T00:00:00Z")], "1M")).toEqual([
      { from: at("2024-02-01T00:00:00Z"), to: at("2024-03-01T00:00:00Z"), missing: 2, kind: "missing" },
    ]);
    expect(() => findGaps([m("2024-04-01T00:00:00Z"), m("2024-01-01T00:00:00Z")], "1M")).toThrow(UsageError);
    expect(findGaps([], "1d")).toEqual([]);
    expect(
      findGaps(
        [
          { openTime: 0, volume: 1 },
          { openTime: 3 * DAY, volume: 1 },
        ],
        "1d",
      )[0]?.missing,
    ).toBe(2);
  });

  it("gives the same answer from the store, within a chosen period", () => {
    const t = tempStore();
    try {
      const k = key("ALGOUSDT", "1h", "futures");
      t.store.upsert(k, bundled("futures", "ALGOUSDT", "1h"));
      expect(t.store.gaps(k)).toEqual(findGaps(bundled("futures", "ALGOUSDT", "1h"), "1h"));
      expect(t.store.gaps(k, at("2024-02-01T00:00:00Z"), at("2024-10-31T00:00:00Z"))).toHaveLength(1);
    } finally {
      t.close();
    }
  });
});
