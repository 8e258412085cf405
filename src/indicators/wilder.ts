/**
 * Wilder's smoothing (RSI, ATR): avg = (avg · (period − 1) + x) / period, i.e. an EMA with k = 1 / period.
 * Written in TA-Lib's operation order (multiply, add, divide) so results match it to the last bit.
 */
export function wilderNext(prev: number, x: number, period: number): number {
  return (prev * (period - 1) + x) / period;
}
