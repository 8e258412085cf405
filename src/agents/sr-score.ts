/**
 * The confluence score of a support/resistance zone, 0–100:
 *
 *   score = P_t · t / (t + t½)                      touches: t = touches of the zone (all timeframes)
 *         + P_w · min(1, W / W_all)                 timeframes: W = Σ weights of the timeframes whose pivots form
 *                                                   the zone, W_all = Σ weights of every configured timeframe
 *         + P_d · 1 / (1 + d / d½)                  proximity: d = |centre − price| / price
 *
 * with points P_t + P_w + P_d = 100 (defaults 35 / 40 / 25) and half-saturation constants t½ = 3 touches and
 * d½ = 5 % (at which their factors are ½). Why this shape:
 * - each factor lies in [0, 1] and is monotone, so the score is bounded by 100, never decreases with more touches or
 *   more timeframe weight, and never increases with distance;
 * - touches saturate (the 12th touch adds less than the 2nd: a level tested a dozen times is not 6× stronger than one
 *   tested twice, and old chop near a level should not swamp everything else);
 * - the timeframe term is linear in the share of all configured weight present, so a zone seen on 1M + 1w + 3d
 *   (24 of 34) outranks one seen on 1d + 4h + 1h (10 of 34), and W_all is fixed by the configuration — a new listing
 *   with no monthly history cannot reach the weight term's maximum, which is honest;
 * - proximity decays hyperbolically: a zone 5 % away keeps half its proximity points, one 45 % away a tenth, so far
 *   HTF levels still rank when they are strong.
 */

export interface SrScoring {
  /** Points for touches (default 35). The three point values must sum to 100. */
  readonly touch_points: number;
  /** Points for timeframe weight (default 40). */
  readonly timeframe_points: number;
  /** Points for proximity to the current price (default 25). */
  readonly distance_points: number;
  /** Touches at which the touch factor is ½ (default 3). */
  readonly touches_half: number;
  /** Relative distance from the price at which the proximity factor is ½ (default 0.05 = 5 %). */
  readonly distance_half: number;
}

export const DEFAULT_SR_SCORING: SrScoring = {
  touch_points: 35,
  timeframe_points: 40,
  distance_points: 25,
  touches_half: 3,
  distance_half: 0.05,
};

/**
 * The score defined above. `touches`, `timeframeWeight` and `distance` are clamped at 0 and `timeframeWeight` at
 * `totalWeight`, so any finite input gives a number in [0, 100].
 */
export function confluenceScore(
  touches: number,
  timeframeWeight: number,
  totalWeight: number,
  distance: number,
  s: SrScoring = DEFAULT_SR_SCORING,
): number {
  const t = touches > 0 ? touches : 0;
  const w = totalWeight > 0 ? Math.min(1, Math.max(0, timeframeWeight) / totalWeight) : 0;
  const d = distance > 0 ? distance : 0;
  const score =
    s.touch_points * (t / (t + s.touches_half)) +
    s.timeframe_points * w +
    s.distance_points / (1 + d / s.distance_half);
  // Rounding in the last place can leave the sum a hair above 100 when every factor is 1.
  return score > 100 ? 100 : score;
}
