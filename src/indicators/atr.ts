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
import { checkFinite, checkOut, checkInteger, checkSameLength, type Series, toFloat64 } from "./validate.js";
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

/**
 * The one implementation of the ATR: its state and its step. The batch form, the streaming class and the analysis's
 * column streams all run it; it checks nothing (each caller checks its inputs where they enter).
 */
export class AtrKernel {
  /** Bars taken. */
  count = 0;
  #prevClose = 0;
  // The running sum of the seed's true ranges until it is complete, the ATR after.
  #a = 0;
  readonly #saved = new Float64Array(3);

  constructor(readonly period: number) {
    atrLookback(period);
  }

  /** Takes the next bar; the ATR after it, NaN during the warm-up (the first `period` bars). */
  next(high: number, low: number, close: number): number {
    const p = this.period;
    const prevClose = this.#prevClose;
    this.#prevClose = close;
    const index = this.count++;
    if (index === 0) return Number.NaN;
    const tr = trueRangeOf(high, low, prevClose);
    if (index <= p) {
      this.#a += tr;
      if (index < p) return Number.NaN;
      this.#a /= p;
      return this.#a;
    }
    this.#a = wilderNext(this.#a, tr, p);
    return this.#a;
  }

  /** Remembers the state, for one `restore` (the streaming contract's replace). */
  save(): void {
    const s = this.#saved;
    s[0] = this.count;
    s[1] = this.#prevClose;
    s[2] = this.#a;
  }

  restore(): void {
    const s = this.#saved;
    this.count = s[0]!;
    this.#prevClose = s[1]!;
    this.#a = s[2]!;
  }
}

export function atr(high: Series, low: Series, close: Series, period: number, out?: Float64Array): Float64Array {
  atrLookback(period);
  const n = checkSameLength("atr", { high, low, close });
  const h = toFloat64(high, "atr", "high");
  const l = toFloat64(low, "atr", "low");
  const c = toFloat64(close, "atr", "close");
  checkOut("atr", out, n);
  const into = out ?? new Float64Array(n);
  const k = new AtrKernel(period);
  for (let i = 0; i < n; i++) into[i] = k.next(h[i]!, l[i]!, c[i]!);
  return into;
}

export class ATR extends StreamingBase<HighLowClose, number> {
  readonly requiredInputs: number;
  readonly #k: AtrKernel;

  constructor(period: number) {
    super();
    this.requiredInputs = atrLookback(period) + 1;
    this.#k = new AtrKernel(period);
  }

  protected check(bar: HighLowClose): void {
    checkFinite("ATR", "high", bar.high);
    checkFinite("ATR", "low", bar.low);
    checkFinite("ATR", "close", bar.close);
  }

  protected save(): void {
    this.#k.save();
  }

  protected restore(): void {
    this.#k.restore();
  }

  protected step(bar: HighLowClose): number | undefined {
    const v = this.#k.next(bar.high, bar.low, bar.close);
    return this.#k.count < this.requiredInputs ? undefined : v;
  }
}
