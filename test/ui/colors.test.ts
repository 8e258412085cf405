import { describe, expect, it } from "vitest";
import { colorEnabled, createColors, stripAnsi } from "../../src/ui/colors.js";

const tty = { isTTY: true };
const pipe = { isTTY: false };

describe("colorEnabled", () => {
  it("is on for a terminal, off for a pipe", () => {
    expect(colorEnabled(tty, {})).toBe(true);
    expect(colorEnabled(pipe, {})).toBe(false);
  });
  it("is off under NO_COLOR (unless empty) and TERM=dumb", () => {
    expect(colorEnabled(tty, { NO_COLOR: "1" })).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: "" })).toBe(true);
    expect(colorEnabled(tty, { TERM: "dumb" })).toBe(false);
  });
  it("FORCE_COLOR turns it on even into a pipe; FORCE_COLOR=0 turns it off", () => {
    expect(colorEnabled(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: "" })).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: "0" })).toBe(false);
    expect(colorEnabled(tty, { FORCE_COLOR: "false" })).toBe(false);
  });
  it("CI alone does not turn colours on (unlike picocolors' default export)", () => {
    expect(colorEnabled(pipe, { CI: "true" })).toBe(false);
  });
});

describe("createColors", () => {
  it("wraps text in escape codes only when enabled", () => {
    expect(createColors(true).red("x")).toBe("\u001b[31mx\u001b[39m");
    expect(createColors(false).red("x")).toBe("x");
    expect(stripAnsi(createColors(true).bold(createColors(true).green("ok")))).toBe("ok");
  });
});
