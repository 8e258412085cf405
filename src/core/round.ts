/** `value` rounded to `decimals` places: for figures shown to people and grouped on, not for further arithmetic. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  // + 0: no −0 (it prints as 0 but is not equal to 0 after a JSON round trip).
  return Math.round(value * f) / f + 0;
}
