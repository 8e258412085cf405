/**
 * Simple moving average: the mean of the last `period` values.
 * First valid index: period − 1 (TA-Lib's TA_SMA lookback).
 *
 * TA-Lib keeps a plain running sum; this one is compensated and self-healing (see WindowSum), so it agrees with TA-Lib
 * to rounding and with the exact mean of the window to about one rounding, however long the series.
 */
import { WindowSum } from "./compensated-sum.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkOut, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";

export function smaLookback(period: number): number {
  checkInteger("sma", "period", period, 1);
  return period - 1;
}

export function sma(values: Series, period: number, out?: Float64Array): Float64Array {
  smaLookback(period);
  const x = toFloat64(values, "sma", "values");
  const n = x.length;
  checkOut("sma", out, n);
  const into = warmupArray(n, period - 1, out);
  const sum = new WindowSum();
  for (let i = 0; i < n; i++) {
    sum.add(x[i]!);
    if (i >= period) sum.add(-x[i - period]!);
    if (i < period - 1) continue;
    if (sum.stale) sum.rebuild(x, i - period + 1, i + 1);
    into[i] = sum.value / period;
  }
  return into;
}

export class SMA extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  readonly #window: Float64Array;
  /** The window in bar order, for rebuilding the sum. */
  readonly #ordered: Float64Array;
  #head = 0;
  readonly #sum = new WindowSum();
  #evicted = 0;
  readonly #saved = new Float64Array(4);

  constructor(period: number) {
    super();
    this.requiredInputs = smaLookback(period) + 1;
    this.#period = period;
    this.#window = new Float64Array(period);
    this.#ordered = new Float64Array(period);
  }

  protected check(x: number): void {
    checkFinite("SMA", "input", x);
  }

  protected save(): void {
    const saved = this.#saved;
    saved[0] = this.#head;
    saved[1] = this.#sum.s;
    saved[2] = this.#sum.c;
    saved[3] = this.#sum.churn;
  }

  protected restore(): void {
    const saved = this.#saved;
    this.#head = saved[0]!;
    this.#window[this.#head] = this.#evicted;
    this.#sum.s = saved[1]!;
    this.#sum.c = saved[2]!;
    this.#sum.churn = saved[3]!;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    this.#evicted = this.#window[this.#head]!;
    this.#window[this.#head] = x;
    this.#head = this.#head + 1 === p ? 0 : this.#head + 1;
    this.#sum.add(x);
    if (index >= p) this.#sum.add(-this.#evicted);
    if (index < p - 1) return undefined;
    if (this.#sum.stale) {
      for (let k = 0, j = this.#head; k < p; k++, j = j + 1 === p ? 0 : j + 1) this.#ordered[k] = this.#window[j]!;
      this.#sum.rebuild(this.#ordered, 0, p);
    }
    return this.#sum.value / p;
  }
}
