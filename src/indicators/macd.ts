/**
 * MACD, TA-Lib's default convention (TA_MACD, ta_MACD.c in TA-Lib/ta-lib, TA_COMPATIBILITY_DEFAULT branch):
 * - both price EMAs are seeded with a simple average whose windows END ON THE SAME BAR, slow − 1: the slow EMA's seed
 *   is the mean of bars 0..slow−1, the fast EMA's the mean of bars slow−fast..slow−1 (for 12/26: bars 14..25), so the
 *   MACD line starts at bar 25 rather than pairing an EMA12 that started at bar 11 with an EMA26;
 * - MACD line = fast EMA − slow EMA; signal = EMA(signal period) of the MACD line, seeded with the simple average of
 *   its first `signal` values; histogram = MACD − signal;
 * - all three outputs start at the same bar (TA-Lib writes none of them earlier).
 * First valid index: (slow − 1) + (signal − 1), i.e. 33 for 12/26/9.
 *
 * Unlike TA-Lib, fast ≥ slow is an error rather than silently swapped.
 */
import { emaAlpha, emaNext } from "./ema.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, type Series, toFloat64 } from "./validate.js";
import { UsageError } from "../core/errors.js";

export interface MacdOptions {
  readonly fast?: number;
  readonly slow?: number;
  readonly signal?: number;
}

export interface MacdValue {
  readonly macd: number;
  readonly signal: number;
  readonly histogram: number;
}

export interface MacdSeries {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

function resolve(opts: MacdOptions): { fast: number; slow: number; signal: number } {
  const fast = opts.fast ?? 12;
  const slow = opts.slow ?? 26;
  const signal = opts.signal ?? 9;
  checkInteger("macd", "fast", fast, 2);
  checkInteger("macd", "slow", slow, 2);
  checkInteger("macd", "signal", signal, 1);
  if (fast >= slow) {
    throw new UsageError(`macd: fast period (${fast}) must be shorter than slow period (${slow})`, {
      hint: "The usual setting is fast 12, slow 26, signal 9.",
    });
  }
  return { fast, slow, signal };
}

export function macdLookback(opts: MacdOptions = {}): number {
  const { slow, signal } = resolve(opts);
  return slow - 1 + (signal - 1);
}

/**
 * The one implementation of MACD: its state and its step. The batch form, the streaming class and the analysis's
 * column streams all run it; it checks nothing (each caller checks its inputs where they enter). After each `next`
 * that returns true, `line`, `signal` and `histogram` hold the values at that input.
 */
export class MacdKernel {
  /** Inputs taken. */
  count = 0;
  line = Number.NaN;
  signal = Number.NaN;
  histogram = Number.NaN;
  readonly fast: number;
  readonly slow: number;
  readonly signalPeriod: number;
  readonly lookback: number;
  readonly #fk: number;
  readonly #sk: number;
  readonly #gk: number;
  // Before the seeds are complete #f and #s hold running sums, #sig the sum of MACD values.
  #f = 0;
  #s = 0;
  #sig = 0;
  readonly #saved = new Float64Array(4);

  constructor(opts: MacdOptions = {}) {
    const { fast, slow, signal } = resolve(opts);
    this.fast = fast;
    this.slow = slow;
    this.signalPeriod = signal;
    this.lookback = slow - 1 + (signal - 1);
    this.#fk = emaAlpha(fast);
    this.#sk = emaAlpha(slow);
    this.#gk = emaAlpha(signal);
  }

  /** Takes the next close; true when the three outputs are valid at it (from input `lookback` on). */
  next(x: number): boolean {
    const fast = this.fast;
    const slow = this.slow;
    const index = this.count++;
    let m: number;
    if (index < slow) {
      this.#s += x;
      if (index >= slow - fast) this.#f += x;
      if (index < slow - 1) return this.#warming();
      this.#f /= fast;
      this.#s /= slow;
      m = this.#f - this.#s;
    } else {
      this.#f = emaNext(this.#f, x, this.#fk);
      this.#s = emaNext(this.#s, x, this.#sk);
      m = this.#f - this.#s;
    }
    if (index < this.lookback) {
      this.#sig += m;
      return this.#warming();
    }
    if (index === this.lookback) this.#sig = (this.#sig + m) / this.signalPeriod;
    else this.#sig = emaNext(this.#sig, m, this.#gk);
    this.line = m;
    this.signal = this.#sig;
    this.histogram = m - this.#sig;
    return true;
  }

  #warming(): false {
    this.line = Number.NaN;
    this.signal = Number.NaN;
    this.histogram = Number.NaN;
    return false;
  }

  /** Remembers the state, for one `restore` (the streaming contract's replace). */
  save(): void {
    const s = this.#saved;
    s[0] = this.count;
    s[1] = this.#f;
    s[2] = this.#s;
    s[3] = this.#sig;
  }

  restore(): void {
    const s = this.#saved;
    this.count = s[0]!;
    this.#f = s[1]!;
    this.#s = s[2]!;
    this.#sig = s[3]!;
  }
}

export function macd(values: Series, opts: MacdOptions = {}): MacdSeries {
  const k = new MacdKernel(opts);
  const x = toFloat64(values, "macd", "values");
  const n = x.length;
  // One allocation for the three outputs (typed arrays this size are costly to allocate).
  const all = new Float64Array(3 * n);
  const out = { macd: all.subarray(0, n), signal: all.subarray(n, 2 * n), histogram: all.subarray(2 * n) };
  for (let i = 0; i < n; i++) {
    k.next(x[i]!);
    out.macd[i] = k.line;
    out.signal[i] = k.signal;
    out.histogram[i] = k.histogram;
  }
  return out;
}

export class MACD extends StreamingBase<number, MacdValue> {
  readonly requiredInputs: number;
  readonly #k: MacdKernel;

  constructor(opts: MacdOptions = {}) {
    super();
    this.#k = new MacdKernel(opts);
    this.requiredInputs = this.#k.lookback + 1;
  }

  protected check(x: number): void {
    checkFinite("MACD", "input", x);
  }

  protected save(): void {
    this.#k.save();
  }

  protected restore(): void {
    this.#k.restore();
  }

  protected step(x: number): MacdValue | undefined {
    const k = this.#k;
    return k.next(x) ? { macd: k.line, signal: k.signal, histogram: k.histogram } : undefined;
  }
}
