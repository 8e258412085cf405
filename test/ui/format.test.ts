import { describe, expect, it } from "vitest";
import {
  decimalsOf,
  formatCompact,
  formatDuration,
  formatInt,
  formatNumber,
  formatPercent,
  formatPrice,
  formatUtc,
  plural,
  priceDecimals,
} from "../../src/ui/format.js";

describe("numbers", () => {
  it("group thousands with commas, fixed decimals, and never print NaN", () => {
    expect(formatNumber(1234567.891)).toBe("1,234,567.89");
    expect(formatNumber(-0.5, 3)).toBe("-0.500");
    expect(formatInt(1234567.6)).toBe("1,234,568");
    expect(formatNumber(Number.NaN)).toBe("-");
    expect(formatInt(Number.POSITIVE_INFINITY)).toBe("-");
  });

  it("compact volumes", () => {
    expect(formatCompact(1_234_567_890)).toBe("1.23B");
    expect(formatCompact(456_700_000)).toBe("456.7M");
    expect(formatCompact(45_600)).toBe("45.60K");
    expect(formatCompact(999)).toBe("999");
    expect(formatCompact(2.5e12)).toBe("2.50T");
  });

  it("percent with sign", () => {
    expect(formatPercent(2.3456)).toBe("+2.35%");
    expect(formatPercent(-0.5)).toBe("-0.50%");
    expect(formatPercent(0)).toBe("0.00%");
    expect(formatPercent(1.5, { sign: false, decimals: 1 })).toBe("1.5%");
  });

  it("plural", () => {
    expect(plural(1, "candle")).toBe("1 candle");
    expect(plural(1200, "candle")).toBe("1,200 candles");
  });
});

describe("prices", () => {
  it("use the tick size's decimals when known", () => {
    expect(decimalsOf(0.01)).toBe(2);
    expect(decimalsOf(1e-8)).toBe(8);
    expect(decimalsOf(0.5)).toBe(1);
    expect(decimalsOf(10)).toBe(0);
    expect(decimalsOf(0.0001)).toBe(4);
    expect(formatPrice(67123.4, 0.01)).toBe("67,123.40");
    expect(formatPrice(0.1234, 0.0001)).toBe("0.1234");
  });

  it("otherwise show 5 significant digits, at least 2 decimals", () => {
    expect(formatPrice(67123.45)).toBe("67,123.45");
    expect(formatPrice(1.23456)).toBe("1.2346");
    expect(formatPrice(0.000012345)).toBe("0.000012345");
    expect(formatPrice(0)).toBe("0.00");
    expect(priceDecimals(0.98)).toBe(5);
    expect(priceDecimals(45230.5)).toBe(2);
  });
});

describe("time", () => {
  it("UTC timestamps", () => {
    expect(formatUtc(Date.UTC(2024, 0, 31, 16, 0))).toBe("2024-01-31 16:00");
    expect(formatUtc(Date.UTC(2024, 0, 31, 16, 0, 5))).toBe("2024-01-31 16:00:05");
    expect(formatUtc(Date.UTC(2024, 0, 31), { dateOnly: true })).toBe("2024-01-31");
    expect(formatUtc(0, { seconds: true })).toBe("1970-01-01 00:00:00");
  });

  it("durations", () => {
    expect(formatDuration(45_000)).toBe("45s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatDuration(2 * 3600_000 + 7 * 60_000)).toBe("2h 07m");
    expect(formatDuration(3 * 86_400_000 + 4 * 3600_000)).toBe("3d 04h");
    expect(formatDuration(-1)).toBe("-");
  });
});
