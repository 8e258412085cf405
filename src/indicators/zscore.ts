/**
 * Rolling z-score (used for volume): how many standard deviations the current value lies from the mean of the last
 * `period` values, the current one included:
 *   z = (x − SMA(x, period)) / STDDEV(x, period)
 * with the POPULATION standard deviation (divide by period), i.e. exactly TA-Lib's TA_SMA and TA_STDDEV(nbDev = 1),
 * Tulip's `stddev` and TradingView's ta.stdev (biased). pandas' rolling().std() and pandas-ta's zscore divide by
 * period − 1 instead, giving values smaller by √((period − 1) / period).
 * First valid index: period − 1.
 *
 * Because the current value is in its own window, |z| ≤ √(period − 1) (Samuelson's inequality): with period 20 a
 * volume spike reads at most 4.36.
 * A window whose values are all equal (a halted market's zero volumes) has no spread; its z-score is 0.
 *
 * O(1) per value in practice: the window's first two moments are kept as compensated running sums of (x − k), where
 * the shift k is the window mean at the last rebuild. They are rebuilt exactly from the window (two passes, O(period))
 * when a large value has left it (see WindowSum.stale) or when the mean has drifted more than 100 standard
 * deviations from k, the two situations in which rounding could otherwise show. An exactly constant window is
 * recognised from the run of equal values, not from a variance that rounding may leave a hair above zero.
 */
import { CompensatedSum, WindowSum } from "./compensated-sum.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";

export function zScoreLookback(period: number): number {
  checkInteger("zScore", "period", period, 2);
  return period - 1;
}

/** The state both forms step through identically. */
class Moments {
  /** Shift: the window mean at the last rebuild. */
  k = 0;
  /** Σ (x − k) and Σ (x − k)² over the window. */
  readonly s = new WindowSum();
  readonly q = new WindowSum();
  /** Length of the run of equal values ending at the newest one. */
  run = 0;
  last = 0;

  constructor(readonly period: number) {}

  push(x: number, index: number): void {
    this.run = index > 0 && x === this.last ? this.run + 1 : 1;
    this.last = x;
    const d = x - this.k;
    this.s.add(d);
    this.q.add(d * d);
  }

  pop(y: number): void {
    const d = y - this.k;
    this.s.add(-d);
    this.q.add(-(d * d));
  }

  get needsRebuild(): boolean {
    if (this.run >= this.period) return false;
    const d = this.s.value / this.period;
    const variance = this.q.value / this.period - d * d;
    return this.q.stale || !(d * d <= 16 * variance);
  }

  /** Recomputes the moments of values[from..from+period), oldest first, around their mean. */
  rebuild(values: ArrayLike<number>, from: number): void {
    const to = from + this.period;
    const sum = new CompensatedSum();
    for (let j = from; j < to; j++) sum.add(values[j]!);
    this.k = sum.value / this.period;
    this.s.s = this.s.c = this.s.churn = 0;
    this.q.s = this.q.c = this.q.churn = 0;
    for (let j = from; j < to; j++) {
      const d = values[j]! - this.k;
      this.s.add(d);
      this.q.add(d * d);
    }
  }

  z(x: number): number {
    if (this.run >= this.period) return 0;
    const d = this.s.value / this.period;
    const variance = this.q.value / this.period - d * d;
    if (!(variance > 0)) return 0;
    return (x - this.k - d) / Math.sqrt(variance);
  }
}

export function zScore(values: Series, period: number): Float64Array {
  zScoreLookback(period);
  const x = toFloat64(values, "zScore", "values");
  const n = x.length;
  const out = warmupArray(n, period - 1);
  const m = new Moments(period);
  for (let i = 0; i < n; i++) {
    m.push(x[i]!, i);
    if (i >= period) m.pop(x[i - period]!);
    if (i < period - 1) continue;
    if (i === period - 1 || m.needsRebuild) m.rebuild(x, i - period + 1);
    out[i] = m.z(x[i]!);
  }
  return out;
}

export class ZScore extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  readonly #window: Float64Array;
  readonly #ordered: Float64Array;
  #head = 0;
  readonly #m: Moments;
  #evicted = 0;
  readonly #saved = new Float64Array(10);

  constructor(period: number) {
    super();
    this.requiredInputs = zScoreLookback(period) + 1;
    this.#period = period;
    this.#window = new Float64Array(period);
    this.#ordered = new Float64Array(period);
    this.#m = new Moments(period);
  }

  protected check(x: number): void {
    checkFinite("ZScore", "input", x);
  }

  protected save(): void {
    const v = this.#saved;
    const m = this.#m;
    v[0] = this.#head;
    v[1] = m.k;
    v[2] = m.s.s;
    v[3] = m.s.c;
    v[4] = m.s.churn;
    v[5] = m.q.s;
    v[6] = m.q.c;
    v[7] = m.q.churn;
    v[8] = m.run;
    v[9] = m.last;
  }

  protected restore(): void {
    const v = this.#saved;
    const m = this.#m;
    this.#head = v[0]!;
    this.#window[this.#head] = this.#evicted;
    m.k = v[1]!;
    m.s.s = v[2]!;
    m.s.c = v[3]!;
    m.s.churn = v[4]!;
    m.q.s = v[5]!;
    m.q.c = v[6]!;
    m.q.churn = v[7]!;
    m.run = v[8]!;
    m.last = v[9]!;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    const m = this.#m;
    this.#evicted = this.#window[this.#head]!;
    this.#window[this.#head] = x;
    this.#head = this.#head + 1 === p ? 0 : this.#head + 1;
    m.push(x, index);
    if (index >= p) m.pop(this.#evicted);
    if (index < p - 1) return undefined;
    if (index === p - 1 || m.needsRebuild) {
      for (let k = 0, j = this.#head; k < p; k++, j = j + 1 === p ? 0 : j + 1) this.#ordered[k] = this.#window[j]!;
      m.rebuild(this.#ordered, 0);
    }
    return m.z(x);
  }
}
