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
import { checkFinite, checkOut, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";
import { wilderNext } from "./wilder.js";

export function rsiLookback(period: number): number {
  checkInteger("rsi", "period", period, 2);
  return period;
}

export function rsiFromAverages(avgGain: number, avgLoss: number): number {
  const total = avgGain + avgLoss;
  return total === 0 ? 50 : 100 * (avgGain / total);
}

export function rsi(values: Series, period: number, out?: Float64Array): Float64Array {
  rsiLookback(period);
  const x = toFloat64(values, "rsi", "values");
  const n = x.length;
  checkOut("rsi", out, n);
  const into = warmupArray(n, period, out);
  if (n <= period) return into;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const d = x[i]! - x[i - 1]!;
    if (d < 0) loss -= d;
    else gain += d;
  }
  gain /= period;
  loss /= period;
  into[period] = rsiFromAverages(gain, loss);
  for (let i = period + 1; i < n; i++) {
    const d = x[i]! - x[i - 1]!;
    gain = wilderNext(gain, d > 0 ? d : 0, period);
    loss = wilderNext(loss, d < 0 ? -d : 0, period);
    into[i] = rsiFromAverages(gain, loss);
  }
  return into;
}

export class RSI extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  #prev = 0;
  #gain = 0;
  #loss = 0;
  #savedPrev = 0;
  #savedGain = 0;
  #savedLoss = 0;

  constructor(period: number) {
    super();
    this.requiredInputs = rsiLookback(period) + 1;
    this.#period = period;
  }

  protected check(x: number): void {
    checkFinite("RSI", "input", x);
  }

  protected save(): void {
    this.#savedPrev = this.#prev;
    this.#savedGain = this.#gain;
    this.#savedLoss = this.#loss;
  }

  protected restore(): void {
    this.#prev = this.#savedPrev;
    this.#gain = this.#savedGain;
    this.#loss = this.#savedLoss;
  }

  protected step(x: number, index: number): number | undefined {
    const p = this.#period;
    const d = x - this.#prev;
    this.#prev = x;
    if (index === 0) return undefined;
    if (index <= p) {
      // Seed: plain sums of the first `period` changes, as in the batch loop.
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      if (index < p) return undefined;
      this.#gain /= p;
      this.#loss /= p;
    } else {
      this.#gain = wilderNext(this.#gain, d > 0 ? d : 0, p);
      this.#loss = wilderNext(this.#loss, d < 0 ? -d : 0, p);
    }
    return rsiFromAverages(this.#gain, this.#loss);
  }
}
