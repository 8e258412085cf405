/**
 * Simple moving average: the mean of the last `period` values.
 * First valid index: period − 1 (TA-Lib's TA_SMA lookback).
 *
 * TA-Lib keeps a plain running sum; this one is compensated and self-healing (see WindowSum), so it agrees with TA-Lib
 * to rounding and with the exact mean of the window to about one rounding, however long the series.
 */
import { WindowSum } from "./compensated-sum.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkOut, checkInteger, type Series, toFloat64 } from "./validate.js";

export function smaLookback(period: number): number {
  checkInteger("sma", "period", period, 1);
  return period - 1;
}

/**
 * The one implementation of the SMA: its window, its sum and its step. The batch form, the streaming class and the
 * analysis's column streams all run it; it checks nothing (each caller checks its inputs where they enter).
 */
export class SmaKernel {
  /** Inputs taken. */
  count = 0;
  readonly #window: Float64Array;
  /** The window in bar order, for rebuilding the sum. */
  readonly #ordered: Float64Array;
  #head = 0;
  readonly #sum = new WindowSum();
  #evicted = 0;
  readonly #saved = new Float64Array(5);

  constructor(readonly period: number) {
    smaLookback(period);
    this.#window = new Float64Array(period);
    this.#ordered = new Float64Array(period);
  }

  /** Takes the next value; the mean of the last `period` after it, NaN during the warm-up (`period` − 1 inputs). */
  next(x: number): number {
    const p = this.period;
    const index = this.count++;
    this.#evicted = this.#window[this.#head]!;
    this.#window[this.#head] = x;
    this.#head = this.#head + 1 === p ? 0 : this.#head + 1;
    this.#sum.add(x);
    if (index >= p) this.#sum.add(-this.#evicted);
    if (index < p - 1) return Number.NaN;
    if (this.#sum.stale) {
      for (let k = 0, j = this.#head; k < p; k++, j = j + 1 === p ? 0 : j + 1) this.#ordered[k] = this.#window[j]!;
      this.#sum.rebuild(this.#ordered, 0, p);
    }
    return this.#sum.value / p;
  }

  /**
   * Remembers the state, for one `restore` (the streaming contract's replace): O(1), because the one window slot
   * the next input overwrites is put back from the value it evicted.
   */
  save(): void {
    const s = this.#saved;
    s[0] = this.count;
    s[1] = this.#head;
    s[2] = this.#sum.s;
    s[3] = this.#sum.c;
    s[4] = this.#sum.churn;
  }

  restore(): void {
    const s = this.#saved;
    this.count = s[0]!;
    this.#head = s[1]!;
    this.#window[this.#head] = this.#evicted;
    this.#sum.s = s[2]!;
    this.#sum.c = s[3]!;
    this.#sum.churn = s[4]!;
  }
}

export function sma(values: Series, period: number, out?: Float64Array): Float64Array {
  smaLookback(period);
  const x = toFloat64(values, "sma", "values");
  const n = x.length;
  checkOut("sma", out, n);
  const into = out ?? new Float64Array(n);
  const k = new SmaKernel(period);
  for (let i = 0; i < n; i++) into[i] = k.next(x[i]!);
  return into;
}

export class SMA extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #k: SmaKernel;

  constructor(period: number) {
    super();
    this.requiredInputs = smaLookback(period) + 1;
    this.#k = new SmaKernel(period);
  }

  protected check(x: number): void {
    checkFinite("SMA", "input", x);
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
