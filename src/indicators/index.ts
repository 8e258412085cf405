/**
 * Technical indicators. The moving averages and oscillators the agents carry forward (SMA, EMA, RSI, ATR, MACD) are
 * each ONE implementation, a kernel (`new RsiKernel(14).next(x)`: the state and its step, no checks, no allocation),
 * run by both public forms:
 * - batch: `rsi(close, 14)` → Float64Array aligned to the input, NaN before the first valid index
 *   (= `rsiLookback(14)`, equal to TA-Lib's lookback);
 * - streaming: `new RSI(14)` with update/replace (see StreamingIndicator), which checks each input and remembers the
 *   kernel's state before it for replace.
 * The analysis feeds the kernels straight from its candle columns (streams.ts, over a CandleBlock). The others have a
 * batch function and a streaming class kept equal by the shared contract test. Conventions follow TA-Lib's defaults;
 * each module documents its own and any deliberate difference.
 */
export type { StreamingIndicator } from "./streaming.js";
export type { Series } from "./validate.js";
export { type CandleColumns, candleColumns } from "./columns.js";
export { SMA, SmaKernel, sma, smaLookback } from "./sma.js";
export { EMA, EmaKernel, ema, emaAlpha, emaLookback } from "./ema.js";
export { RSI, RsiKernel, rsi, rsiLookback } from "./rsi.js";
export { ATR, AtrKernel, atr, atrLookback, type HighLowClose, trueRange } from "./atr.js";
export { MACD, MacdKernel, macd, macdLookback, type MacdOptions, type MacdSeries, type MacdValue } from "./macd.js";
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
