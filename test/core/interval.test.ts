import { describe, expect, it } from "vitest";
import { alignDown, closeTimeOf, countCandles, divides, nextOpenTime, parseInterval } from "../../src/core/interval.js";

const T = (s: string) => Date.parse(s);

describe("interval alignment", () => {
  it("aligns 3d to Binance's epoch-based buckets (1499990400000 is a 3d open)", () => {
    expect(alignDown("3d", 1499990400000)).toBe(1499990400000);
    expect(alignDown("3d", 1499990400000 + 3 * 86400000 - 1)).toBe(1499990400000);
    expect(alignDown("3d", 1499990400000 + 3 * 86400000)).toBe(1499990400000 + 3 * 86400000);
  });
  it("opens weeks on Monday 00:00 UTC", () => {
    // 2024-01-03 is a Wednesday; that week opened Monday 2024-01-01.
    expect(alignDown("1w", T("2024-01-03T15:00:00Z"))).toBe(T("2024-01-01T00:00:00Z"));
    expect(new Date(alignDown("1w", T("2026-06-07T23:59:59Z"))).getUTCDay()).toBe(1);
  });
  it("opens months on the 1st and knows their lengths", () => {
    expect(alignDown("1M", T("2024-02-29T12:00:00Z"))).toBe(T("2024-02-01T00:00:00Z"));
    expect(nextOpenTime("1M", T("2024-12-01T00:00:00Z"))).toBe(T("2025-01-01T00:00:00Z"));
    expect(closeTimeOf("1M", T("2024-02-01T00:00:00Z"))).toBe(T("2024-03-01T00:00:00Z") - 1);
  });
  it("counts candles in a half-open range", () => {
    expect(countCandles("1h", T("2024-01-01T00:00:00Z"), T("2024-01-02T00:00:00Z"))).toBe(24);
    expect(countCandles("1h", T("2024-01-01T00:30:00Z"), T("2024-01-01T03:00:00Z"))).toBe(2);
    expect(countCandles("1M", T("2024-01-01T00:00:00Z"), T("2025-01-01T00:00:00Z"))).toBe(12);
  });
  it("knows which intervals derive exactly from which", () => {
    expect(divides("1h", "4h")).toBe(true);
    expect(divides("1d", "1w")).toBe(true);
    expect(divides("1d", "1M")).toBe(true);
    expect(divides("1d", "3d")).toBe(true);
    expect(divides("3d", "1w")).toBe(false);
    expect(divides("1w", "1M")).toBe(false);
    expect(divides("4h", "1h")).toBe(false);
  });
  it("rejects unknown intervals with the valid list", () => {
    expect(() => parseInterval("1mo")).toThrow(/monthly is written 1M/);
    expect(() => parseInterval("7m")).toThrow(/Valid intervals: 1s, 1m/);
    expect(parseInterval("4h")).toBe("4h");
  });
});
