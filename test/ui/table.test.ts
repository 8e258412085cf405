import stringWidth from "string-width";
import { describe, expect, it } from "vitest";
import { createColors, stripAnsi } from "../../src/ui/colors.js";
import { padTo, renderTable, truncateTo } from "../../src/ui/table.js";

const lines = (s: string) => s.replace(/\n$/, "").split("\n");

describe("renderTable", () => {
  it("aligns text left and numbers right (headers too), with a rule under the header", () => {
    const out = renderTable(
      ["symbol", "volume", "change"],
      [
        ["BTCUSDT", "1,234,567.50", "+2.31%"],
        ["ETHUSDT", "89.10", "-0.50%"],
      ],
    );
    expect(lines(out)).toEqual([
      "symbol         volume  change",
      "───────  ────────────  ──────",
      "BTCUSDT  1,234,567.50  +2.31%",
      "ETHUSDT         89.10  -0.50%",
    ]);
  });

  it("measures display width, so emoji and CJK cells line up", () => {
    const out = renderTable(
      ["name", "n"],
      [
        ["🚀 rocket", 1],
        ["比特币", 22],
        ["plain", 333],
      ],
    );
    const ls = lines(out);
    expect(ls).toEqual(["name         n", "─────────  ───", "🚀 rocket    1", "比特币      22", "plain      333"]);
    // Every row ends at the same terminal column.
    expect(ls.map((l) => stringWidth(l))).toEqual([14, 14, 14, 14, 14]);
  });

  it("ignores colour codes when measuring and keeps them in the output", () => {
    const c = createColors(true);
    const out = renderTable(
      ["a", "b"],
      [
        [c.green("up"), c.red("1.5")],
        ["down", "22.25"],
      ],
      { colors: c },
    );
    const plain = lines(stripAnsi(out));
    expect(plain).toEqual(["a         b", "────  ─────", "up      1.5", "down  22.25"]);
    expect(out).toContain("\u001b[32mup\u001b[39m");
  });

  it("treats '-' as an empty numeric cell and honours an explicit alignment", () => {
    const out = renderTable(
      [{ header: "id", align: "left" }, "price"],
      [
        [1, "-"],
        [100, "3.5"],
      ],
    );
    expect(lines(out)).toEqual(["id   price", "───  ─────", "1        -", "100    3.5"]);
  });

  it("cuts wide text columns to fit a width, never numbers", () => {
    const out = renderTable(["description", "qty"], [["a very long description of a market", "12,345"]], {
      maxWidth: 24,
    });
    const ls = lines(out);
    expect(ls.every((l) => stringWidth(l) <= 24)).toBe(true);
    expect(ls[2]).toBe("a very long des…  12,345");
  });

  it("shows missing cells as empty and non-finite numbers as -", () => {
    expect(lines(renderTable(["a", "b"], [[undefined, Number.NaN]]))).toEqual(["a  b", "─  ─", "   -"]);
  });
});

describe("padTo / truncateTo", () => {
  it("pad by display width", () => {
    expect(padTo("日本", 6)).toBe("日本  ");
    expect(padTo("ab", 4, "right")).toBe("  ab");
  });
  it("truncate by display width without splitting a wide character", () => {
    expect(truncateTo("日本語テキスト", 7)).toBe("日本語…");
    expect(stringWidth(truncateTo("日本語テキスト", 7))).toBe(7);
    expect(truncateTo("short", 10)).toBe("short");
  });
});
