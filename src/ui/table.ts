/**
 * Plain aligned tables for the terminal. Widths are display widths (string-width), so emoji, CJK symbols and
 * coloured cells line up; numeric columns are right-aligned so digits line up by place.
 */
import stringWidth from "string-width";
import { type Colors, noColors, stripAnsi } from "./colors.js";

export type Align = "left" | "right";
export type Cell = string | number | null | undefined;

export interface TableColumn {
  readonly header: string;
  /** Default: right when every non-empty cell looks like a number ("1,234.5", "-2.1%", "$3", "1.2B"). */
  readonly align?: Align;
}

export interface TableOptions {
  readonly colors?: Colors;
  /** Spaces between columns. Default 2. */
  readonly gap?: number;
  /** Total width to fit in (e.g. the terminal's columns); wide left-aligned columns are cut with "…". */
  readonly maxWidth?: number | undefined;
  /** Draw a rule under the header. Default true. */
  readonly rule?: boolean;
}

const NUMERIC = /^[+\-−]?[$€]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?\s?[%KMBTx]?$/;
const EMPTY = new Set(["", "-", "—", "n/a"]);

function cellText(c: Cell): string {
  if (c === null || c === undefined) return "";
  return (typeof c === "number" ? (Number.isFinite(c) ? String(c) : "-") : c).replace(/[\r\n\t]+/g, " ");
}

function looksNumeric(s: string): boolean {
  const plain = stripAnsi(s).trim();
  return plain !== "" && /\d/.test(plain) && NUMERIC.test(plain);
}

/** Pads to a display width; ANSI colour codes take no room. */
export function padTo(s: string, width: number, align: Align = "left"): string {
  const room = Math.max(0, width - stringWidth(s));
  return align === "right" ? " ".repeat(room) + s : s + " ".repeat(room);
}

/** Cuts to at most `width` display columns, ending with "…" when something was cut. Colour is dropped if cut. */
export function truncateTo(s: string, width: number): string {
  if (stringWidth(s) <= width) return s;
  if (width <= 0) return "";
  const plain = stripAnsi(s);
  let out = "";
  let used = 0;
  for (const { segment } of new Intl.Segmenter("en", { granularity: "grapheme" }).segment(plain)) {
    const w = stringWidth(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return `${out}…`;
}

export function renderTable(
  columns: readonly (string | TableColumn)[],
  rows: readonly (readonly Cell[])[],
  opts: TableOptions = {},
): string {
  const colors = opts.colors ?? noColors;
  const gap = " ".repeat(opts.gap ?? 2);
  const cols = columns.map((c) => (typeof c === "string" ? { header: c } : c));
  const text = rows.map((r) => cols.map((_, i) => cellText(r[i])));
  const align: Align[] = cols.map((c, i) => {
    if (c.align) return c.align;
    const values = text.map((r) => r[i] as string).filter((v) => !EMPTY.has(stripAnsi(v).trim()));
    return values.length > 0 && values.every(looksNumeric) ? "right" : "left";
  });
  const widths = cols.map((c, i) => Math.max(stringWidth(c.header), ...text.map((r) => stringWidth(r[i] as string))));

  if (opts.maxWidth !== undefined) fitWidths(widths, align, gap.length, opts.maxWidth);

  const line = (cells: readonly string[], style?: (s: string) => string) =>
    cells
      .map((c, i) => {
        const w = widths[i] as number;
        const fitted = truncateTo(c, w);
        const padded = padTo(fitted, w, align[i]);
        return style ? style(padded) : padded;
      })
      .join(gap)
      .trimEnd();

  const out = [
    line(
      cols.map((c) => c.header),
      colors.bold,
    ),
  ];
  if (opts.rule ?? true) out.push(colors.dim(widths.map((w) => "─".repeat(w)).join(gap)));
  for (const r of text) out.push(line(r));
  return `${out.join("\n")}\n`;
}

/** Shrinks the widest left-aligned (text) columns until the table fits; numbers are never cut. */
function fitWidths(widths: number[], align: readonly Align[], gap: number, maxWidth: number): void {
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, widths.length - 1);
  const MIN = 6;
  while (total() > maxWidth) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (align[i] === "left" && w > MIN && (widest < 0 || w > (widths[widest] as number))) widest = i;
    });
    if (widest < 0) return;
    widths[widest] = Math.max(MIN, (widths[widest] as number) - (total() - maxWidth));
  }
}
