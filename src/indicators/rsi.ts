/**
 * Relative Strength Index with Wilder's smoothing, TA-Lib's default convention (TA_RSI, ta_RSI.c):
 * the first average gain/loss is the simple average of the first `period` changes; later ones are Wilder-smoothed;
 * RSI = 100 · avgGain / (avgGain + avgLoss).
 * First valid index: period (the first change needs two values).
 *
 * One deliberate difference: when the window has neither gains nor losses (a flat market, e.g. an exchange halt) the
 * ratio is 0/0. TA-Lib answers 0 — and does so whenever avgGain + avgLoss < 1e-8 in absolute terms, which on a
 * micro-priced coin is a normal window — and trading-signals answers 100. Either would read as an extreme
 * (oversold/overbought) signal; here it is 50, neutral, and only for an exact 0/0.
 */
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkOut, checkInteger, type Series, toFloat64 } from "./validate.js";
import { wilderNext } from "./wilder.js";

export function rsiLookback(period: number): number {
  checkInteger("rsi", "period", period, 2);
  return period;
}

export function rsiFromAverages(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  return total === 0 ? 50 : 100 * (avgGain / total);
}

/**
 * The one implementation of RSI: its state and its step. The batch form, the streaming class and the analysis's
 * column streams all run it; it checks nothing (each caller checks its inputs once, where they enter).
 */
export class RsiKernel {
  /** Inputs taken. */
  count = 0;
  #prev = 0;
  #gain = 0;
  #loss = 0;
  readonly #saved = new Float64Array(4);

  constructor(readonly period: number) {
    rsiLookback(period);
  }

  /** Takes the next close; the RSI after it, NaN during the warm-up (the first `period` inputs). */
  next(x: number): number {
    const p = this.period;
    const d = x - this.#prev;
    this.#prev = x;
    const index = this.count++;
    if (index === 0) return Number.NaN;
    if (index <= p) {
      // Seed: plain sums of the first `period` changes, then their averages.
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      if (index < p) return Number.NaN;
      this.#gain /= p;
      this.#loss /= p;
    } else {
      this.#gain = wilderNext(this.#gain, d > 0 ? d : 0, p);
      this.#loss = wilderNext(this.#loss, d < 0 ? -d : 0, p);
    }
    return rsiFromAverages(this.#gain, this.#loss);
  }

  /** Remembers the state, for one `restore` (the streaming contract's replace). */
  save(): void {
    const s = this.#saved;
    s[0] = this.count;
    s[1] = this.#prev;
    s[2] = this.#gain;
    s[3] = this.#loss;
  }

  restore(): void {
    const s = this.#saved;
    this.count = s[0]!;
    this.#prev = s[1]!;
    this.#gain = s[2]!;
    this.#loss = s[3]!;
  }
}

export function rsi(values: Series, period: number, out?: Float64Array): Float64Array {
  rsiLookback(period);
  const x = toFloat64(values, "rsi", "values");
  const n = x.length;
  checkOut("rsi", out, n);
  const into = out ?? new Float64Array(n);
  const k = new RsiKernel(period);
  for (let i = 0; i < n; i++) into[i] = k.next(x[i]!);
  return into;
}

export class RSI extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #k: RsiKernel;

  constructor(period: number) {
    super();
    this.requiredInputs = rsiLookback(period) + 1;
    this.#k = new RsiKernel(period);
  }

  protected check(x: number): void {
    checkFinite("RSI", "input", x);
  }

  protected save(): void {
    this.#k.save();
  }

  protected restore(): void {
    this.#k.restore();
  }

  protected step(x: number): number | undefined {
    const v = this.#k.next(x);
    return this.#k.count < this.requiredInputs ? undefined : v;
  }
}
