import { describe, expect, it } from "vitest";
import { exitCodeFor, reportError } from "../../src/cli/report-error.js";
import { ConfigError, DataError, NetworkError, UnknownSymbolError, UsageError } from "../../src/core/errors.js";
import { noColors } from "../../src/ui/colors.js";

function capture(err: unknown, verbose = false): { text: string; code: number } {
  const chunks: string[] = [];
  const code = reportError(err, { write: (s: string) => chunks.push(s) }, noColors, verbose);
  return { text: chunks.join(""), code };
}

describe("reportError", () => {
  it("prints a known error as error/hint lines without a stack", () => {
    const { text, code } = capture(new DataError("candles.db is damaged", { hint: "restore it from a backup" }));
    expect(text).toBe("error: candles.db is damaged\nhint: restore it from a backup\n");
    expect(code).toBe(1);
  });

  it("with --verbose adds the stack and the cause chain", () => {
    const cause = new Error("ECONNREFUSED 127.0.0.1:9");
    const { text } = capture(new NetworkError("cannot reach Binance", { cause }), true);
    expect(text.startsWith("error: cannot reach Binance\n")).toBe(true);
    expect(text).toContain("caused by: Error: ECONNREFUSED 127.0.0.1:9\n");
    expect(text).toMatch(/\n\s+at /);
  });

  it("marks anything that is not a CmaError as a bug and shows its stack", () => {
    const { text, code } = capture(new TypeError("x is undefined"));
    expect(text.split("\n")[0]).toBe("error: TypeError: x is undefined");
    expect(text).toContain("this is a bug");
    expect(text).toMatch(/\n\s+at /);
    expect(code).toBe(1);
  });
});

describe("exit codes", () => {
  it("2 for input to correct, 1 for run-time failures", () => {
    expect(exitCodeFor(new UsageError("x"))).toBe(2);
    expect(exitCodeFor(new ConfigError(["a: b"], "cma.yaml"))).toBe(2);
    expect(exitCodeFor(new UnknownSymbolError("Unknown symbol X", 400, -1121, "Invalid symbol."))).toBe(2);
    expect(exitCodeFor(new NetworkError("down"))).toBe(1);
    expect(exitCodeFor(new Error("bug"))).toBe(1);
  });
});
