import { describe, expect, it } from "vitest";
import { parseDateArg, parseIntArg, parseIntervals, parseSymbols } from "../../src/cli/args.js";
import { UsageError } from "../../src/core/errors.js";

function message(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("parseDateArg", () => {
  it("reads dates as UTC midnight and ISO times with or without an offset", () => {
    expect(parseDateArg("--from", "2024-01-01")).toBe(Date.UTC(2024, 0, 1));
    expect(parseDateArg("--from", "2024-01-01T12:30")).toBe(Date.UTC(2024, 0, 1, 12, 30));
    expect(parseDateArg("--from", "2024-01-01 12:30:15Z")).toBe(Date.UTC(2024, 0, 1, 12, 30, 15));
    expect(parseDateArg("--from", "2024-01-01T12:30:00.250+02:00")).toBe(Date.UTC(2024, 0, 1, 10, 30, 0, 250));
    expect(parseDateArg("--from", "2024-01-01T00:00-0530")).toBe(Date.UTC(2024, 0, 1, 5, 30));
  });

  it("a date-only --to means the end of that day", () => {
    expect(parseDateArg("--to", "2024-01-31", { endOfDay: true })).toBe(Date.UTC(2024, 1, 1) - 1);
    expect(parseDateArg("--to", "2024-01-31T06:00Z", { endOfDay: true })).toBe(Date.UTC(2024, 0, 31, 6));
  });

  it("rejects what is not a real date, naming the flag and the value", () => {
    for (const bad of ["2024-13-01", "2024-02-30", "2023-02-29", "yesterday", "2024/01/01", "2024-01-01T25:00", ""]) {
      expect(message(() => parseDateArg("--from", bad))).toBe(
        `--from ${bad} is not a date; use YYYY-MM-DD or an ISO time`,
      );
    }
    expect(parseDateArg("--from", "2024-02-29")).toBe(Date.UTC(2024, 1, 29));
  });
});

describe("lists and numbers", () => {
  it("symbols are upper-cased, trimmed and de-duplicated; slashes are rejected", () => {
    expect(parseSymbols("--symbols", "btcusdt, ETHUSDT,,BTCUSDT")).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect(message(() => parseSymbols("--symbols", "BTC/USDT"))).toBe(
      '--symbols: "BTC/USDT" is not a symbol; use exchange symbols like BTCUSDT (no slash or dash)',
    );
    expect(message(() => parseSymbols("--symbols", " , "))).toBe(
      "--symbols is empty; list symbols like BTCUSDT,ETHUSDT",
    );
  });

  it("intervals use parseInterval's message", () => {
    expect(parseIntervals("--intervals", "1h,4h,1d")).toEqual(["1h", "4h", "1d"]);
    expect(message(() => parseIntervals("--intervals", "1h,4H"))).toMatch(
      /^Unsupported interval "4H" \(did you mean 4h\?\)\. Valid intervals: 1s, 1m/,
    );
  });

  it("whole numbers in a range", () => {
    expect(parseIntArg("--limit", "50", 1, 5000)).toBe(50);
    expect(message(() => parseIntArg("--limit", "0", 1, 5000))).toBe(
      "--limit 0 is not valid; use a whole number from 1 to 5000",
    );
    expect(message(() => parseIntArg("--limit", "2.5"))).toBe(
      "--limit 2.5 is not valid; use a whole number at least 1",
    );
    expect(message(() => parseIntArg("--limit", "ten"))).toBe(
      "--limit ten is not valid; use a whole number at least 1",
    );
  });
});
