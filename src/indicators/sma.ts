/**
 * Simple moving average: the mean of the last `period` values.
 * First valid index: period − 1 (TA-Lib's TA_SMA lookback).
 *
 * TA-Lib keeps a plain running sum; this one is compensated (see CompensatedSum), so it agrees with TA-Lib to rounding
 * and with the exact mean of the window to about one rounding, however long the series.
 */
import { CompensatedSum } from "./compensated-sum.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, nanArray, type Series, toFloat64 } from "./validate.js";

export function smaLookback(period: number): number {
  checkInteger("sma", "period", period, 1);
  return period - 1;
}

export function sma(values: Series, period: number): Float64Array {
  smaLookback(period);
  const x = toFloat64(values, "sma", "values");
  const n = x.length;
  const out = nanArray(n);
  const sum = new CompensatedSum();
  for (let i = 0; i < n; i++) {
    sum.add(x[i]!);
    if (i >= period) sum.add(-x[i - period]!);
    if (i >= period - 1) out[i] = sum.value / period;
  }
  return out;
}

export class SMA extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  readonly #window: Float64Array;
  #head = 0;
  readonly #sum = new CompensatedSum();
  #evicted = 0;
  #savedHead = 0;
  #savedS = 0;
  #savedC = 0;

  constructor(period: number) {
    super();
    this.requiredInputs = smaLookback(period) + 1;
    this.#period = period;
    this.#window = new Float64Array(period);
  }

  protected check(x: number): void {
    checkFinite("SMA", "input", x);
  }

  protected save(): void {
    this.#savedHead = this.#head;
    this.#savedS = this.#sum.s;
    this.#savedC = this.#sum.c;
  }

  protected restore(): void {
    this.#window[this.#savedHead] = this.#evicted;
    this.#head = this.#savedHead;
    this.#sum.s = this.#savedS;
    this.#sum.c = this.#savedC;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    this.#evicted = this.#window[this.#head]!;
    this.#window[this.#head] = x;
    this.#head = this.#head + 1 === p ? 0 : this.#head + 1;
    this.#sum.add(x);
    if (index >= p) this.#sum.add(-this.#evicted);
    return index >= p - 1 ? this.#sum.value / p : undefined;
  }
}
