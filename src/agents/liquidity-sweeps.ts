/**
 * Swept levels: a swing high (low) that a later candle's wick pierced while the candle closed back at or below
 * (above) it — the stops resting beyond the level were taken and price was rejected ("liquidity sweep", "stop hunt").
 * A candle that pierces a level and closes beyond it breaks it instead. Either way the level is then spent and no
 * longer watched; a level only becomes watchable once its pivot is confirmed (no lookahead).
 *
 * Levels still watched always form a monotone stack — unswept highs get lower the more recent they are, since a
 * later, higher swing high would have pierced the earlier ones — so each candle only looks at the top of the stack
 * and every level is pushed and popped once: O(n). The pivots are found in the same pass (the definition of
 * indicators/swing-pivots.ts, checked against it by the tests) and the stacks hold bar indices, so a call allocates
 * only the sweeps it returns.
 */
import { swingPivots, swingPivotsLookback } from "../indicators/index.js";

export interface LiquiditySweep {
  /** "high": buy-side liquidity above a swing high was taken; "low": sell-side below a swing low. */
  readonly side: "high" | "low";
  readonly level: number;
  /** Open time of the swing candle that made the level. */
  readonly levelTime: number;
  /** Open time of the candle that swept it. */
  readonly sweptAt: number;
  /** That candle's high (side "high") or low (side "low"). */
  readonly extreme: number;
  readonly close: number;
  /** How far the wick went beyond the level, in percent of the level. */
  readonly depthPct: number;
}

export interface SweepColumns {
  readonly openTime: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

// Level stacks reused across calls (single-threaded, and nothing below calls out while they are in use).
const HIGHS: number[] = [];
const LOWS: number[] = [];

/** Sweeps over bars [from, to) of the columns, in the order they happened (a candle sweeping both sides: highs first). */
export function liquiditySweeps(
  cols: SweepColumns,
  from: number,
  to: number,
  pivot: { readonly left: number; readonly right: number },
): LiquiditySweep[] {
  const out: LiquiditySweep[] = [];
  if (to - from < pivot.left + pivot.right + 1) return out;
  swingPivotsLookback(pivot); // validates left and right as swingPivots does
  const { left, right } = pivot;
  const { openTime, high, low, close } = cols;
  // Bar indices (absolute) of the levels still watched; the price is high[k] or low[k].
  let nHighs = 0;
  let nLows = 0;
  for (let i = from; i < to; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = close[i]!;
    const t = openTime[i]!;
    if (!(Number.isFinite(h) && Number.isFinite(l))) {
      // swingPivots rejects such bars; it throws the same error it always did (naming the first bad value).
      swingPivots(high.subarray(from, to), low.subarray(from, to), pivot);
    }
    while (nHighs > 0 && high[HIGHS[nHighs - 1]!]! < h) {
      const k = HIGHS[--nHighs]!;
      const level = high[k]!;
      if (c <= level) out.push(sweep("high", level, openTime[k]!, t, h, c));
    }
    while (nLows > 0 && low[LOWS[nLows - 1]!]! > l) {
      const k = LOWS[--nLows]!;
      const level = low[k]!;
      if (c >= level) out.push(sweep("low", level, openTime[k]!, t, l, c));
    }
    // The bar `right` back is a pivot once this candle has closed; it is watched from the next candle on.
    const p = i - right;
    if (p - left >= from) {
      if (isPivotHigh(high, p, left, right)) HIGHS[nHighs++] = p;
      if (isPivotLow(low, p, left, right)) LOWS[nLows++] = p;
    }
  }
  return out;
}

/** high[at] above the `left` bars before it and not below any of the `right` bars after it (swing-pivots.ts). */
function isPivotHigh(v: Float64Array, at: number, left: number, right: number): boolean {
  const x = v[at]!;
  for (let j = at - left; j < at; j++) if (!(x > v[j]!)) return false;
  for (let j = at + 1; j <= at + right; j++) if (!(x >= v[j]!)) return false;
  return true;
}

/** low[at] below the `left` bars before it and not above any of the `right` bars after it (swing-pivots.ts). */
function isPivotLow(v: Float64Array, at: number, left: number, right: number): boolean {
  const x = v[at]!;
  for (let j = at - left; j < at; j++) if (!(x < v[j]!)) return false;
  for (let j = at + 1; j <= at + right; j++) if (!(x <= v[j]!)) return false;
  return true;
}

function sweep(
  side: "high" | "low",
  level: number,
  levelTime: number,
  sweptAt: number,
  extreme: number,
  close: number,
): LiquiditySweep {
  return {
    side,
    level,
    levelTime,
    sweptAt,
    extreme,
    close,
    depthPct: level > 0 ? (Math.abs(extreme - level) / level) * 100 : 0,
  };
}
