/**
 * Argument checks shared by every indicator. Bad parameters are the caller's mistake (UsageError); a non-finite value
 * in the data is a data problem (DataError). Both are thrown before any state changes, so a streaming indicator that
 * rejected an input is still exactly where it was.
 */
import { DataError, UsageError } from "../core/errors.js";

/** A numeric series: a Float64Array (fastest) or a plain array. */
export type Series = ArrayLike<number>;

export function checkInteger(indicator: string, name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`${indicator}: ${name} must be an integer ≥ ${min}, got ${String(value)}`, {
      hint: `Pass a whole number of candles, at least ${min}.`,
    });
  }
}

function notFinite(indicator: string, name: string, index: number, value: unknown): DataError {
  return new DataError(`${indicator}: ${name}[${index}] is ${String(value)}; indicators need finite numbers`, {
    hint: "Drop or repair the bad value before computing indicators (candles read with readKlineFile are already checked).",
  });
}

/**
 * Returns the series as a Float64Array (the same object when it already is one), throwing on the first non-finite
 * value. One representation keeps every batch loop monomorphic, which is most of their speed.
 */
export function toFloat64(values: Series, indicator: string, name: string): Float64Array {
  const n = values.length;
  if (values instanceof Float64Array) {
    for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) throw notFinite(indicator, name, i, values[i]);
    return values;
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw notFinite(indicator, name, i, v);
    out[i] = v;
  }
  return out;
}

export function checkSameLength(indicator: string, series: Record<string, Series>): number {
  const entries = Object.entries(series);
  const n = entries[0]?.[1].length ?? 0;
  for (const [, s] of entries) {
    if (s.length !== n) {
      const desc = entries.map(([k, v]) => `${k}: ${v.length}`).join(", ");
      throw new UsageError(`${indicator}: input series differ in length (${desc})`, {
        hint: "Pass columns of the same candles, e.g. from candleColumns(candles).",
      });
    }
  }
  return n;
}

/** For streaming inputs: one number, checked where it enters. */
export function checkFinite(indicator: string, name: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new DataError(`${indicator}: ${name} is ${String(value)}; indicators need finite numbers`, {
      hint: "Drop or repair the bad value; the indicator's state is unchanged.",
    });
  }
}

/**
 * An output whose first `lookback` entries are NaN ("no value yet"); the caller writes every later one. A loop over
 * the warm-up only: TypedArray.fill(NaN) over the whole array costs more than most indicators themselves.
 * `into`: write into this array (checked by checkOut) instead of allocating one.
 */
export function warmupArray(n: number, lookback: number, into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(n);
  const end = Math.min(n, lookback);
  for (let i = 0; i < end; i++) out[i] = Number.NaN;
  return out;
}

/**
 * Checks an indicator's optional output array: none, or one of exactly `n` entries. Callers that compute many series
 * of one length (CandleSeries) hand in slices of one buffer, because allocating typed arrays this size one by one is
 * a large part of the cost of the indicators themselves.
 */
export function checkOut(indicator: string, out: Float64Array | undefined, n: number): void {
  if (out !== undefined && out.length !== n) {
    throw new UsageError(`${indicator}: the output array holds ${out.length} values, the input ${n}`, {
      hint: "Pass an output of the input's length, or none.",
    });
  }
}
