/**
 * Swept levels: a swing high (low) that a later candle's wick pierced while the candle closed back at or below
 * (above) it — the stops resting beyond the level were taken and price was rejected ("liquidity sweep", "stop hunt").
 * A candle that pierces a level and closes beyond it breaks it instead. Either way the level is then spent and no
 * longer watched; a level only becomes watchable once its pivot is confirmed (no lookahead).
 *
 * Levels still watched always form a monotone stack — unswept highs get lower the more recent they are, since a
 * later, higher swing high would have pierced the earlier ones — so each candle only looks at the top of the stack
 * and every level is pushed and popped once: O(n) after the pivots.
 */
import { type SwingPivot, swingPivots } from "../indicators/index.js";

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

/** Sweeps over bars [from, to) of the columns, in the order they happened (a candle sweeping both sides: highs first). */
export function liquiditySweeps(
  cols: SweepColumns,
  from: number,
  to: number,
  pivot: { readonly left: number; readonly right: number },
): LiquiditySweep[] {
  const out: LiquiditySweep[] = [];
  if (to - from < pivot.left + pivot.right + 1) return out;
  const high = cols.high.subarray(from, to);
  const low = cols.low.subarray(from, to);
  const pivots = swingPivots(high, low, pivot);
  const highs: SwingPivot[] = [];
  const lows: SwingPivot[] = [];
  let p = 0;
  for (let i = 0; i < to - from; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = cols.close[from + i]!;
    const t = cols.openTime[from + i]!;
    while (highs.length > 0 && highs[highs.length - 1]!.price < h) {
      const lv = highs.pop()!;
      if (c <= lv.price) out.push(sweep("high", lv, cols.openTime[from + lv.index]!, t, h, c));
    }
    while (lows.length > 0 && lows[lows.length - 1]!.price > l) {
      const lv = lows.pop()!;
      if (c >= lv.price) out.push(sweep("low", lv, cols.openTime[from + lv.index]!, t, l, c));
    }
    // Pivots confirmed by this candle's close are watched from the next candle on.
    while (p < pivots.length && pivots[p]!.confirmIndex === i) {
      const pv = pivots[p++]!;
      (pv.kind === "high" ? highs : lows).push(pv);
    }
  }
  return out;
}

function sweep(
  side: "high" | "low",
  lv: SwingPivot,
  levelTime: number,
  sweptAt: number,
  extreme: number,
  close: number,
): LiquiditySweep {
  return {
    side,
    level: lv.price,
    levelTime,
    sweptAt,
    extreme,
    close,
    depthPct: lv.price > 0 ? (Math.abs(extreme - lv.price) / lv.price) * 100 : 0,
  };
}
