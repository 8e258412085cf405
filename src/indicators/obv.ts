/**
 * On-Balance Volume, TA-Lib's convention (TA_OBV, ta_OBV.c): OBV[0] = volume[0]; then volume is added on an up close,
 * subtracted on a down close, and nothing happens on an unchanged close.
 * First valid index: 0.
 *
 * Libraries that start from 0 (trading-signals, Tulip) differ by the constant volume[0]; only OBV's changes carry
 * meaning, so either is fine, but the absolute level is not comparable across start dates.
 */
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkOut, checkSameLength, warmupArray, type Series, toFloat64 } from "./validate.js";

export interface CloseVolume {
  readonly close: number;
  readonly volume: number;
}

export function obvLookback(): number {
  return 0;
}

export function obv(close: Series, volume: Series, out?: Float64Array): Float64Array {
  const n = checkSameLength("obv", { close, volume });
  const c = toFloat64(close, "obv", "close");
  const v = toFloat64(volume, "obv", "volume");
  checkOut("obv", out, n);
  const into = warmupArray(n, 0, out);
  if (n === 0) return into;
  let acc = v[0]!;
  into[0] = acc;
  for (let i = 1; i < n; i++) {
    if (c[i]! > c[i - 1]!) acc += v[i]!;
    else if (c[i]! < c[i - 1]!) acc -= v[i]!;
    into[i] = acc;
  }
  return into;
}

export class OBV extends StreamingBase<CloseVolume, number> {
  readonly requiredInputs = obvLookback() + 1;
  #prevClose = 0;
  #acc = 0;
  #savedPrevClose = 0;
  #savedAcc = 0;

  protected check(bar: CloseVolume): void {
    checkFinite("OBV", "close", bar.close);
    checkFinite("OBV", "volume", bar.volume);
  }

  protected save(): void {
    this.#savedPrevClose = this.#prevClose;
    this.#savedAcc = this.#acc;
  }

  protected restore(): void {
    this.#prevClose = this.#savedPrevClose;
    this.#acc = this.#savedAcc;
  }

  protected step(bar: CloseVolume, index: number): number {
    if (index === 0) this.#acc = bar.volume;
    else if (bar.close > this.#prevClose) this.#acc += bar.volume;
    else if (bar.close < this.#prevClose) this.#acc -= bar.volume;
    this.#prevClose = bar.close;
    return this.#acc;
  }
}
