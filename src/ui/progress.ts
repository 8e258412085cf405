/**
 * Progress for long jobs, on stderr. On a terminal: one line redrawn in place with bar, percent, rate and ETA.
 * Elsewhere (pipes, log files, CI): a plain line every `intervalMs`, so logs stay readable and small.
 */
import { type Clock, systemClock } from "../core/clock.js";
import { type Colors, noColors, type OutStream } from "./colors.js";
import { formatDuration, formatInt } from "./format.js";
import { truncateTo } from "./table.js";

export interface ProgressOptions {
  readonly stream: OutStream;
  /** 0 when not known yet: the bar then shows the count and rate only. */
  readonly total: number;
  /** Shown first, e.g. "download". */
  readonly label?: string;
  /** What is counted, e.g. "candles". */
  readonly unit?: string;
  /** Default: stream.isTTY. */
  readonly tty?: boolean;
  readonly clock?: Clock;
  /** Non-terminal output: at most one line per this many ms. Default 10 s. */
  readonly intervalMs?: number;
  /** Terminal output: at most one redraw per this many ms. Default 100 ms. */
  readonly redrawMs?: number;
  /** Bar width in cells. Default 24. */
  readonly barWidth?: number;
  readonly colors?: Colors;
}

export class ProgressBar {
  readonly #o: ProgressOptions;
  readonly #tty: boolean;
  readonly #clock: Clock;
  readonly #start: number;
  #total: number;
  #done = 0;
  #detail = "";
  #lastDraw = -Infinity;
  #drawn = false;
  #finished = false;

  constructor(opts: ProgressOptions) {
    this.#o = opts;
    this.#tty = opts.tty ?? opts.stream.isTTY === true;
    this.#clock = opts.clock ?? systemClock;
    this.#start = this.#clock.now();
    this.#total = Math.max(0, opts.total);
  }

  get done(): number {
    return this.#done;
  }

  get total(): number {
    return this.#total;
  }

  setTotal(total: number): void {
    this.#total = Math.max(0, total);
  }

  /** Sets the amount done (clamped to [0, total]) and an optional short detail, e.g. the current symbol. */
  update(done: number, detail?: string): void {
    if (this.#finished) return;
    this.#done = Math.min(Math.max(0, Number.isFinite(done) ? done : 0), this.#total || Infinity);
    if (detail !== undefined) this.#detail = detail;
    const now = this.#clock.now();
    const every = this.#tty ? (this.#o.redrawMs ?? 100) : (this.#o.intervalMs ?? 10_000);
    if (now - this.#lastDraw < every) return;
    this.#lastDraw = now;
    this.#draw(false);
  }

  increment(by = 1, detail?: string): void {
    this.update(this.#done + by, detail);
  }

  /** Final state; on a terminal the line is completed with a newline. `message` replaces the detail. */
  finish(message?: string): void {
    if (this.#finished) return;
    if (message !== undefined) this.#detail = message;
    this.#draw(true);
    this.#finished = true;
  }

  /** The status text without bar or escape codes (what non-terminal output prints). */
  statusText(now: number = this.#clock.now()): string {
    const elapsed = now - this.#start;
    // Under a second of history says nothing about the rate (one fast first step would promise millions per second).
    const rate = elapsed >= 1000 ? (this.#done / elapsed) * 1000 : 0;
    const left = this.#total - this.#done;
    const unit = this.#o.unit ? ` ${this.#o.unit}` : "";
    if (this.#total <= 0) {
      const parts = [`${formatInt(this.#done)}${unit}`];
      if (rate > 0) parts.push(`${formatInt(rate)}/s`);
      return parts.join(" · ");
    }
    const parts = [`${percent(this.#done, this.#total)}`, `${formatInt(this.#done)}/${formatInt(this.#total)}${unit}`];
    if (rate > 0) parts.push(`${formatInt(rate)}/s`);
    if (left > 0) parts.push(rate > 0 ? `ETA ${formatDuration((left / rate) * 1000)}` : "ETA --");
    else parts.push(`in ${formatDuration(elapsed)}`);
    return parts.join(" · ");
  }

  #draw(final: boolean): void {
    const c = this.#o.colors ?? noColors;
    const label = this.#o.label ? `${this.#o.label} ` : "";
    const detail = this.#detail ? `  ${this.#detail}` : "";
    if (!this.#tty) {
      this.#o.stream.write(`${label}${this.statusText()}${detail}\n`);
      return;
    }
    const width = this.#o.barWidth ?? 24;
    const full = Math.round(Math.min(1, this.#done / this.#total) * width);
    const bar = this.#total > 0 ? `${c.cyan("█".repeat(full))}${c.dim("░".repeat(width - full))} ` : "";
    let line = `${c.bold(label)}${bar}${this.statusText()}${c.dim(detail)}`;
    const cols = this.#o.stream.columns;
    // A line longer than the terminal wraps, and \r then only rewinds the last row: cut it instead.
    if (cols && cols > 10) line = truncateTo(line, cols - 1);
    this.#o.stream.write(`\r\u001b[2K${line}${final ? "\n" : ""}`);
    this.#drawn = true;
  }

  /** Clears the in-place line so other output can be printed; the next update redraws it. */
  clear(): void {
    if (this.#tty && this.#drawn && !this.#finished) {
      this.#o.stream.write("\r\u001b[2K");
      this.#lastDraw = -Infinity;
    }
  }
}

function percent(done: number, total: number): string {
  return `${Math.floor((done / total) * 100)}%`;
}
