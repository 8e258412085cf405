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
import { checkFinite, checkOut, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";

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

export function ema(values: Series, period: number, out?: Float64Array): Float64Array {
  emaLookback(period);
  const x = toFloat64(values, "ema", "values");
  const n = x.length;
  checkOut("ema", out, n);
  const into = warmupArray(n, period - 1, out);
  if (n < period) return into;
  const k = emaAlpha(period);
  let sum = 0;
  for (let i = 0; i < period; i++) sum += x[i]!;
  let v = sum / period;
  into[period - 1] = v;
  for (let i = period; i < n; i++) {
    v = emaNext(v, x[i]!, k);
    into[i] = v;
  }
  return into;
}

export class EMA extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  readonly #k: number;
  #sum = 0;
  #v = 0;
  #savedSum = 0;
  #savedV = 0;

  constructor(period: number) {
    super();
    this.requiredInputs = emaLookback(period) + 1;
    this.#period = period;
    this.#k = emaAlpha(period);
  }

  protected check(x: number): void {
    checkFinite("EMA", "input", x);
  }

  protected save(): void {
    this.#savedSum = this.#sum;
    this.#savedV = this.#v;
  }

  protected restore(): void {
    this.#sum = this.#savedSum;
    this.#v = this.#savedV;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    if (index < p) {
      this.#sum += x;
      if (index < p - 1) return undefined;
      this.#v = this.#sum / p;
      return this.#v;
    }
    this.#v = emaNext(this.#v, x, this.#k);
    return this.#v;
  }
}
