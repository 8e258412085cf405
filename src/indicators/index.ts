/**
 * Technical indicators, each in two forms sharing one definition of the maths:
 * - batch: `rsi(close, 14)` → Float64Array aligned to the input, NaN before the first valid index
 *   (= `rsiLookback(14)`, equal to TA-Lib's lookback);
 * - streaming: `new RSI(14)` with update/replace (see StreamingIndicator), bit-for-bit equal to the batch form.
 * Conventions follow TA-Lib's defaults; each module documents its own and any deliberate difference.
 */
export type { StreamingIndicator } from "./streaming.js";
export type { Series } from "./validate.js";
export { type CandleColumns, candleColumns } from "./columns.js";
export { SMA, sma, smaLookback } from "./sma.js";
export { EMA, ema, emaAlpha, emaLookback } from "./ema.js";
export { RSI, rsi, rsiLookback } from "./rsi.js";
export { ATR, atr, atrLookback, type HighLowClose, trueRange } from "./atr.js";
export { MACD, macd, macdLookback, type MacdOptions, type MacdSeries, type MacdValue } from "./macd.js";
export { type CloseVolume, OBV, obv, obvLookback } from "./obv.js";
export { ZScore, zScore, zScoreLookback } from "./zscore.js";
export { PercentRank, percentRank, percentRankLookback } from "./percent-rank.js";
export {
  type PivotCandle,
  type PivotKind,
  type SwingPivot,
  type SwingPivotOptions,
  SwingPivots,
  swingPivots,
  swingPivotsLookback,
  swingPivotsOfCandles,
  type TimedSwingPivot,
} from "./swing-pivots.js";
