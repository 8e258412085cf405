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
import { checkFinite, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";
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

export function macd(values: Series, opts: MacdOptions = {}): MacdSeries {
  const { fast, slow, signal } = resolve(opts);
  const x = toFloat64(values, "macd", "values");
  const n = x.length;
  const lookback = slow - 1 + (signal - 1);
  // One allocation for the three outputs (typed arrays this size are costly to allocate), each warmed up alike.
  const all = warmupArray(3 * n, 0);
  const out = { macd: all.subarray(0, n), signal: all.subarray(n, 2 * n), histogram: all.subarray(2 * n) };
  for (let i = 0; i < Math.min(n, lookback); i++) {
    out.macd[i] = Number.NaN;
    out.signal[i] = Number.NaN;
    out.histogram[i] = Number.NaN;
  }
  if (n <= lookback) return out;
  const fk = emaAlpha(fast);
  const sk = emaAlpha(slow);
  const gk = emaAlpha(signal);
  let slowSum = 0;
  let fastSum = 0;
  for (let i = 0; i < slow; i++) {
    slowSum += x[i]!;
    if (i >= slow - fast) fastSum += x[i]!;
  }
  let f = fastSum / fast;
  let s = slowSum / slow;
  let m = f - s;
  let sig = m;
  for (let i = slow; i <= lookback; i++) {
    f = emaNext(f, x[i]!, fk);
    s = emaNext(s, x[i]!, sk);
    m = f - s;
    sig += m;
  }
  sig /= signal;
  out.macd[lookback] = m;
  out.signal[lookback] = sig;
  out.histogram[lookback] = m - sig;
  for (let i = lookback + 1; i < n; i++) {
    f = emaNext(f, x[i]!, fk);
    s = emaNext(s, x[i]!, sk);
    m = f - s;
    sig = emaNext(sig, m, gk);
    out.macd[i] = m;
    out.signal[i] = sig;
    out.histogram[i] = m - sig;
  }
  return out;
}

export class MACD extends StreamingBase<number, MacdValue> {
  readonly requiredInputs: number;
  readonly #fast: number;
  readonly #slow: number;
  readonly #signal: number;
  readonly #k: { fast: number; slow: number; signal: number };
  // Before the seeds are complete #f and #s hold running sums, #sig the sum of MACD values.
  #f = 0;
  #s = 0;
  #sig = 0;
  #savedF = 0;
  #savedS = 0;
  #savedSig = 0;

  constructor(opts: MacdOptions = {}) {
    super();
    const { fast, slow, signal } = resolve(opts);
    this.#fast = fast;
    this.#slow = slow;
    this.#signal = signal;
    this.#k = { fast: emaAlpha(fast), slow: emaAlpha(slow), signal: emaAlpha(signal) };
    this.requiredInputs = slow - 1 + (signal - 1) + 1;
  }

  protected check(x: number): void {
    checkFinite("MACD", "input", x);
  }

  protected save(): void {
    this.#savedF = this.#f;
    this.#savedS = this.#s;
    this.#savedSig = this.#sig;
  }

  protected restore(): void {
    this.#f = this.#savedF;
    this.#s = this.#savedS;
    this.#sig = this.#savedSig;
  }

  protected step(x: number, index: number): MacdValue | undefined {
    const fast = this.#fast;
    const slow = this.#slow;
    const lookback = this.requiredInputs - 1;
    let m: number;
    if (index < slow) {
      this.#s += x;
      if (index >= slow - fast) this.#f += x;
      if (index < slow - 1) return undefined;
      this.#f /= fast;
      this.#s /= slow;
      m = this.#f - this.#s;
    } else {
      this.#f = emaNext(this.#f, x, this.#k.fast);
      this.#s = emaNext(this.#s, x, this.#k.slow);
      m = this.#f - this.#s;
    }
    if (index < lookback) {
      this.#sig += m;
      return undefined;
    }
    if (index === lookback) this.#sig = (this.#sig + m) / this.#signal;
    else this.#sig = emaNext(this.#sig, m, this.#k.signal);
    return { macd: m, signal: this.#sig, histogram: m - this.#sig };
  }
}
