/**
 * True range and Average True Range (Wilder), TA-Lib's convention (TA_ATR, ta_ATR.c):
 * TR = max(high − low, |prevClose − high|, |prevClose − low|); the first ATR is the simple average of the first
 * `period` true ranges that HAVE a previous close (bars 1..period), later ones are Wilder-smoothed.
 * First valid index: period.
 *
 * `trueRange` reports high − low for the first bar (no previous close exists), as trading-signals and Tulip do; TA-Lib
 * leaves that bar undefined, and ATR does not use it, so ATR matches TA-Lib exactly. Libraries that do include it in
 * the seed (trading-signals, Tulip: first ATR at period − 1) converge to this ATR by a factor (period − 1) / period per
 * bar.
 */
import { StreamingBase } from "./streaming.js";
import {
  checkFinite,
  checkOut,
  checkInteger,
  checkSameLength,
  warmupArray,
  type Series,
  toFloat64,
} from "./validate.js";
import { wilderNext } from "./wilder.js";

export interface HighLowClose {
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

export function atrLookback(period: number): number {
  checkInteger("atr", "period", period, 1);
  return period;
}

/** One bar's true range, in TA-Lib's comparison order. */
export function trueRangeOf(high: number, low: number, prevClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(prevClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(prevClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

export function trueRange(high: Series, low: Series, close: Series): Float64Array {
  const n = checkSameLength("trueRange", { high, low, close });
  const h = toFloat64(high, "trueRange", "high");
  const l = toFloat64(low, "trueRange", "low");
  const c = toFloat64(close, "trueRange", "close");
  const out = new Float64Array(n);
  if (n > 0) out[0] = h[0]! - l[0]!;
  for (let i = 1; i < n; i++) out[i] = trueRangeOf(h[i]!, l[i]!, c[i - 1]!);
  return out;
}

export function atr(high: Series, low: Series, close: Series, period: number, out?: Float64Array): Float64Array {
  atrLookback(period);
  const n = checkSameLength("atr", { high, low, close });
  const h = toFloat64(high, "atr", "high");
  const l = toFloat64(low, "atr", "low");
  const c = toFloat64(close, "atr", "close");
  checkOut("atr", out, n);
  const into = warmupArray(n, period, out);
  if (n <= period) return into;
  let sum = 0;
  for (let i = 1; i <= period; i++) sum += trueRangeOf(h[i]!, l[i]!, c[i - 1]!);
  let a = sum / period;
  into[period] = a;
  for (let i = period + 1; i < n; i++) {
    a = wilderNext(a, trueRangeOf(h[i]!, l[i]!, c[i - 1]!), period);
    into[i] = a;
  }
  return into;
}

export class ATR extends StreamingBase<HighLowClose, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  #prevClose = 0;
  #a = 0;
  #savedPrevClose = 0;
  #savedA = 0;

  constructor(period: number) {
    super();
    this.requiredInputs = atrLookback(period) + 1;
    this.#period = period;
  }

  protected check(bar: HighLowClose): void {
    checkFinite("ATR", "high", bar.high);
    checkFinite("ATR", "low", bar.low);
    checkFinite("ATR", "close", bar.close);
  }

  protected save(): void {
    this.#savedPrevClose = this.#prevClose;
    this.#savedA = this.#a;
  }

  protected restore(): void {
    this.#prevClose = this.#savedPrevClose;
    this.#a = this.#savedA;
  }

  protected step(bar: HighLowClose, index: number): number | undefined {
    const p = this.#period;
    const prevClose = this.#prevClose;
    this.#prevClose = bar.close;
    if (index === 0) return undefined;
    const tr = trueRangeOf(bar.high, bar.low, prevClose);
    if (index <= p) {
      // Seed: the sum of the first `period` true ranges is kept in the same slot until it is averaged.
      this.#a += tr;
      if (index < p) return undefined;
      this.#a /= p;
      return this.#a;
    }
    this.#a = wilderNext(this.#a, tr, p);
    return this.#a;
  }
}
