/**
 * Exponential moving average, TA-Lib's default convention (TA_EMA, TA_COMPATIBILITY_DEFAULT):
 * k = 2 / (period + 1); seeded with the simple average of the first `period` values (summed from 0 in input order);
 * then ema = (x − ema) · k + ema.
 * First valid index: period − 1.
 *
 * Libraries that seed with the first value instead (trading-signals, Tulip, MetaStock) converge to this one: the seed
 * difference decays by a factor (period − 1) / (period + 1) per value.
 */
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkOut, checkInteger, type Series, toFloat64 } from "./validate.js";

export function emaLookback(period: number): number {
  checkInteger("ema", "period", period, 1);
  return period - 1;
}

export function emaAlpha(period: number): number {
  return 2 / (period + 1);
}

/** One EMA step, in TA-Lib's operation order. */
export function emaNext(prev: number, x: number, k: number): number {
  return (x - prev) * k + prev;
}

/**
 * The one implementation of the EMA: its state and its step. The batch form, the streaming class, MACD's signal line
 * and the analysis's column streams all run it; it checks nothing (each caller checks its inputs where they enter).
 */
export class EmaKernel {
  /** Inputs taken. */
  count = 0;
  readonly #k: number;
  // The running sum of the seed until it is complete, the EMA after.
  #v = 0;
  readonly #saved = new Float64Array(2);

  constructor(readonly period: number) {
    emaLookback(period);
    this.#k = emaAlpha(period);
  }

  /** Takes the next value; the EMA after it, NaN during the warm-up (the first `period` − 1 inputs). */
  next(x: number): number {
    const p = this.period;
    const index = this.count++;
    if (index < p) {
      this.#v += x;
      if (index < p - 1) return Number.NaN;
      this.#v /= p;
      return this.#v;
    }
    this.#v = emaNext(this.#v, x, this.#k);
    return this.#v;
  }

  /** Remembers the state, for one `restore` (the streaming contract's replace). */
  save(): void {
    this.#saved[0] = this.count;
    this.#saved[1] = this.#v;
  }

  restore(): void {
    this.count = this.#saved[0]!;
    this.#v = this.#saved[1]!;
  }
}

export function ema(values: Series, period: number, out?: Float64Array): Float64Array {
  emaLookback(period);
  const x = toFloat64(values, "ema", "values");
  const n = x.length;
  checkOut("ema", out, n);
  const into = out ?? new Float64Array(n);
  const k = new EmaKernel(period);
  for (let i = 0; i < n; i++) into[i] = k.next(x[i]!);
  return into;
}

export class EMA extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #k: EmaKernel;

  constructor(period: number) {
    super();
    this.requiredInputs = emaLookback(period) + 1;
    this.#k = new EmaKernel(period);
  }

  protected check(x: number): void {
    checkFinite("EMA", "input", x);
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
