/**
 * Swing pivots (fractal highs/lows) with explicit confirmation, so that no consumer can look ahead.
 *
 * Bar i is a pivot HIGH when
 *   high[i] > high[j] for every j in i−left .. i−1   (strictly above the bars before it) and
 *   high[i] ≥ high[j] for every j in i+1 .. i+right  (not exceeded by the bars after it);
 * a pivot LOW mirrors this with low and <, ≤. Both need the full window, so the first `left` bars and the last `right`
 * bars are never pivots, and one bar can be both (an outside bar).
 *
 * Ties: in a run of equal highs (a flat top, or a double top within the window) only the FIRST bar is the pivot — the
 * later ones are not strictly above it — so each level is reported once, at the time it was first reached.
 *
 * Confirmation: whether bar i is a pivot is known only once bar i + right has closed. Every pivot carries that
 * `confirmIndex` (and, from candles, `confirmedAt` = that candle's close time + 1, the first instant it is final); a
 * consumer standing at bar T may use exactly the pivots with confirmIndex ≤ T (at time t: confirmedAt ≤ t). The
 * pivots found on data[0..T] are exactly those, whatever comes later.
 *
 * Streaming update/replace is O(left + right).
 */
import type { Candle } from "../core/candle.js";
import { StreamingBase } from "./streaming.js";
import { checkFinite, checkInteger, checkSameLength, type Series, toFloat64 } from "./validate.js";

export type PivotKind = "high" | "low";

export interface SwingPivot {
  readonly kind: PivotKind;
  /** The bar holding the extreme. */
  readonly index: number;
  /** high[index] for a pivot high, low[index] for a pivot low. */
  readonly price: number;
  /** index + right: the bar whose close confirms the pivot. */
  readonly confirmIndex: number;
}

export interface TimedSwingPivot extends SwingPivot {
  /** Open time of the pivot bar. */
  readonly openTime: number;
  /** Close time of the confirming candle + 1 ms: the pivot may be used from this instant on. */
  readonly confirmedAt: number;
}

export interface SwingPivotOptions {
  /** Bars before the pivot that it must exceed. */
  readonly left: number;
  /** Bars after the pivot that must not exceed it; also the confirmation delay. */
  readonly right: number;
}

export type PivotCandle = Pick<Candle, "high" | "low" | "openTime" | "closeTime">;

function checkOptions(opts: SwingPivotOptions): void {
  checkInteger("swingPivots", "left", opts.left, 1);
  checkInteger("swingPivots", "right", opts.right, 0);
}

/** Bars needed before the first pivot can be confirmed. */
export function swingPivotsLookback(opts: SwingPivotOptions): number {
  checkOptions(opts);
  return opts.left + opts.right;
}

/** Whether v[at] is a pivot high within v[at−left .. at+right] (all of which must exist). */
function isPivotHigh(v: Float64Array, at: number, left: number, right: number): boolean {
  const p = v[at]!;
  for (let j = at - left; j < at; j++) if (!(p > v[j]!)) return false;
  for (let j = at + 1; j <= at + right; j++) if (!(p >= v[j]!)) return false;
  return true;
}

function isPivotLow(v: Float64Array, at: number, left: number, right: number): boolean {
  const p = v[at]!;
  for (let j = at - left; j < at; j++) if (!(p < v[j]!)) return false;
  for (let j = at + 1; j <= at + right; j++) if (!(p <= v[j]!)) return false;
  return true;
}

/** All pivots, ordered by confirmation (and so by bar); a high before a low on the same bar. */
export function swingPivots(high: Series, low: Series, opts: SwingPivotOptions): SwingPivot[] {
  checkOptions(opts);
  const n = checkSameLength("swingPivots", { high, low });
  const h = toFloat64(high, "swingPivots", "high");
  const l = toFloat64(low, "swingPivots", "low");
  const { left, right } = opts;
  const out: SwingPivot[] = [];
  for (let c = left + right; c < n; c++) {
    const i = c - right;
    if (isPivotHigh(h, i, left, right)) out.push({ kind: "high", index: i, price: h[i]!, confirmIndex: c });
    if (isPivotLow(l, i, left, right)) out.push({ kind: "low", index: i, price: l[i]!, confirmIndex: c });
  }
  return out;
}

/** swingPivots on candles, with the times a consumer needs to respect confirmation. */
export function swingPivotsOfCandles(candles: readonly PivotCandle[], opts: SwingPivotOptions): TimedSwingPivot[] {
  const high = new Float64Array(candles.length);
  const low = new Float64Array(candles.length);
  candles.forEach((c, i) => {
    high[i] = c.high;
    low[i] = c.low;
  });
  return swingPivots(high, low, opts).map((p) => ({
    ...p,
    openTime: candles[p.index]!.openTime,
    confirmedAt: candles[p.confirmIndex]!.closeTime + 1,
  }));
}

/**
 * Streaming form: each update returns the pivots its candle confirms (usually none; undefined during warm-up).
 * Fed the still-forming candle through replace, it previews pivots that the final candle may not confirm.
 */
export class SwingPivots extends StreamingBase<PivotCandle, readonly TimedSwingPivot[]> {
  readonly requiredInputs: number;
  readonly #left: number;
  readonly #right: number;
  readonly #size: number;
  readonly #high: Float64Array;
  readonly #low: Float64Array;
  readonly #openTime: Float64Array;
  /** The ring buffers copied into bar order, so the same tests as the batch form apply. */
  readonly #scratchHigh: Float64Array;
  readonly #scratchLow: Float64Array;
  #head = 0;
  #savedHead = 0;

  constructor(opts: SwingPivotOptions) {
    super();
    this.requiredInputs = swingPivotsLookback(opts) + 1;
    this.#left = opts.left;
    this.#right = opts.right;
    this.#size = opts.left + opts.right + 1;
    this.#high = new Float64Array(this.#size);
    this.#low = new Float64Array(this.#size);
    this.#openTime = new Float64Array(this.#size);
    this.#scratchHigh = new Float64Array(this.#size);
    this.#scratchLow = new Float64Array(this.#size);
  }

  protected check(c: PivotCandle): void {
    checkFinite("SwingPivots", "high", c.high);
    checkFinite("SwingPivots", "low", c.low);
    checkFinite("SwingPivots", "openTime", c.openTime);
    checkFinite("SwingPivots", "closeTime", c.closeTime);
  }

  protected save(): void {
    this.#savedHead = this.#head;
  }

  // The slot the last step overwrote held a bar that no future window includes.
  protected restore(): void {
    this.#head = this.#savedHead;
  }

  protected step(c: PivotCandle, index: number): readonly TimedSwingPivot[] | undefined {
    const size = this.#size;
    const at = this.#head;
    this.#high[at] = c.high;
    this.#low[at] = c.low;
    this.#openTime[at] = c.openTime;
    this.#head = at + 1 === size ? 0 : at + 1;
    if (index < size - 1) return undefined;
    // After the write, the oldest bar sits at #head.
    for (let k = 0, j = this.#head; k < size; k++, j = j + 1 === size ? 0 : j + 1) {
      this.#scratchHigh[k] = this.#high[j]!;
      this.#scratchLow[k] = this.#low[j]!;
    }
    const left = this.#left;
    const right = this.#right;
    const pivotIndex = index - right;
    const ring = (this.#head + left) % size;
    const common = {
      index: pivotIndex,
      confirmIndex: index,
      openTime: this.#openTime[ring]!,
      confirmedAt: c.closeTime + 1,
    };
    const out: TimedSwingPivot[] = [];
    if (isPivotHigh(this.#scratchHigh, left, left, right))
      out.push({ kind: "high", price: this.#scratchHigh[left]!, ...common });
    if (isPivotLow(this.#scratchLow, left, left, right))
      out.push({ kind: "low", price: this.#scratchLow[left]!, ...common });
    return out;
  }
}
