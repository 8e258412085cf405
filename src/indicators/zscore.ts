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
 * Sums of x and x² are compensated running sums (O(1) per value); an exactly constant window is detected from the
 * run of equal values rather than from a variance that rounding may leave a hair above zero.
 */
import { CompensatedSum } from "./compensated-sum.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, nanArray, type Series, toFloat64 } from "./validate.js";

export function zScoreLookback(period: number): number {
  checkInteger("zScore", "period", period, 2);
  return period - 1;
}

function zOf(x: number, sum: number, sumSq: number, period: number, constant: boolean): number {
  if (constant) return 0;
  const mean = sum / period;
  const variance = (sumSq - sum * mean) / period;
  // Only cancellation in a near-constant window can leave this at or below 0; there is no spread to measure.
  if (!(variance > 0)) return 0;
  return (x - mean) / Math.sqrt(variance);
}

export function zScore(values: Series, period: number): Float64Array {
  zScoreLookback(period);
  const x = toFloat64(values, "zScore", "values");
  const n = x.length;
  const out = nanArray(n);
  const sum = new CompensatedSum();
  const sumSq = new CompensatedSum();
  let run = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    run = i > 0 && v === x[i - 1] ? run + 1 : 1;
    sum.add(v);
    sumSq.add(v * v);
    if (i >= period) {
      const old = x[i - period]!;
      sum.add(-old);
      sumSq.add(-(old * old));
    }
    if (i >= period - 1) out[i] = zOf(v, sum.value, sumSq.value, period, run >= period);
  }
  return out;
}

export class ZScore extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  readonly #window: Float64Array;
  #head = 0;
  readonly #sum = new CompensatedSum();
  readonly #sumSq = new CompensatedSum();
  #run = 0;
  #last = 0;
  #evicted = 0;
  readonly #saved = new Float64Array(7);

  constructor(period: number) {
    super();
    this.requiredInputs = zScoreLookback(period) + 1;
    this.#period = period;
    this.#window = new Float64Array(period);
  }

  protected check(x: number): void {
    checkFinite("ZScore", "input", x);
  }

  protected save(): void {
    const s = this.#saved;
    s[0] = this.#head;
    s[1] = this.#sum.s;
    s[2] = this.#sum.c;
    s[3] = this.#sumSq.s;
    s[4] = this.#sumSq.c;
    s[5] = this.#run;
    s[6] = this.#last;
  }

  protected restore(): void {
    const s = this.#saved;
    this.#head = s[0]!;
    this.#window[this.#head] = this.#evicted;
    this.#sum.s = s[1]!;
    this.#sum.c = s[2]!;
    this.#sumSq.s = s[3]!;
    this.#sumSq.c = s[4]!;
    this.#run = s[5]!;
    this.#last = s[6]!;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    this.#run = index > 0 && x === this.#last ? this.#run + 1 : 1;
    this.#last = x;
    this.#evicted = this.#window[this.#head]!;
    this.#window[this.#head] = x;
    this.#head = this.#head + 1 === p ? 0 : this.#head + 1;
    this.#sum.add(x);
    this.#sumSq.add(x * x);
    if (index >= p) {
      const old = this.#evicted;
      this.#sum.add(-old);
      this.#sumSq.add(-(old * old));
    }
    return index >= p - 1 ? zOf(x, this.#sum.value, this.#sumSq.value, p, this.#run >= p) : undefined;
  }
}
