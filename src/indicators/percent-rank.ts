/**
 * Percent rank (used for volume): the share of the previous `period` values that are STRICTLY below the current one,
 * in percent — TA-Lib's TA_PERCENTRANK (ta_PERCENTRANK.c; its goldens come from ta4j's PercentRankIndicator):
 *   rank[i] = (count of j in [i − period, i) with x[j] < x[i]) / period · 100     (divided first, then scaled)
 * First valid index: period.
 *
 * Ties: equal values are not below, so a value equal to everything before it (a flat run of zero volumes) ranks 0,
 * and 100 means higher than every one of the last `period` values. TradingView's ta.percentrank counts ≤ instead
 * and answers 100 for a flat run.
 *
 * Exact ranks need the whole window: update is O(period), a scan of a ring buffer (for the usual period ≤ 500 that is
 * cheaper than keeping a sorted structure).
 */
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, warmupArray, type Series, toFloat64 } from "./validate.js";

export function percentRankLookback(period: number): number {
  checkInteger("percentRank", "period", period, 2);
  return period;
}

export function percentRank(values: Series, period: number): Float64Array {
  percentRankLookback(period);
  const x = toFloat64(values, "percentRank", "values");
  const n = x.length;
  const out = warmupArray(n, period);
  for (let i = period; i < n; i++) {
    const v = x[i]!;
    let below = 0;
    for (let j = i - period; j < i; j++) if (x[j]! < v) below++;
    out[i] = (below / period) * 100;
  }
  return out;
}

export class PercentRank extends StreamingBase<number, number> {
  readonly requiredInputs: number;
  readonly #period: number;
  /** The previous `period` values and the current one. */
  readonly #window: Float64Array;
  #head = 0;
  #savedHead = 0;

  constructor(period: number) {
    super();
    this.requiredInputs = percentRankLookback(period) + 1;
    this.#period = period;
    this.#window = new Float64Array(period + 1);
  }

  protected check(x: number): void {
    checkFinite("PercentRank", "input", x);
  }

  protected save(): void {
    this.#savedHead = this.#head;
  }

  // The slot the last step wrote held a value that has left the window for good, so nothing else needs restoring.
  protected restore(): void {
    this.#head = this.#savedHead;
  }

  protected step(x: number, index: number): number | undefined {
    const w = this.#window;
    const at = this.#head;
    w[at] = x;
    this.#head = at + 1 === w.length ? 0 : at + 1;
    if (index < this.#period) return undefined;
    let below = 0;
    for (let j = 0; j < w.length; j++) if (j !== at && w[j]! < x) below++;
    return (below / this.#period) * 100;
  }
}
