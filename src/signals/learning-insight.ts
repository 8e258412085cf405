/**
 * What the learning agent hands synthesis about a setup. Defined here (the signals layer) because the learning
 * layer comes after it and must produce this shape; without an insight synthesis is called with null.
 */
export interface LearningInsight {
  /** Added to the score, clamped to ±weights.learning. */
  readonly confidenceAdjustment: number;
  /** The score is multiplied by this, in [0, MAX_CONTEXT_MULTIPLIER]; 1 = neutral. */
  readonly contextMultiplier: number;
  /** Win rate (0–1) of similar past trades, their count, and its confidence interval. */
  readonly winRate: number;
  readonly n: number;
  readonly low: number;
  readonly high: number;
}

/**
 * The most an insight may multiply a score by. Bounded so that "no insight can make this a signal" is decidable
 * without one (cannotSignal in synthesis.ts), which is what lets a backtest skip work for such analyses.
 */
export const MAX_CONTEXT_MULTIPLIER = 1.5;

/**
 * The most any insight the learning agent could give right now adds (adjust, clamped as synthesis clamps it) and
 * multiplies by, over every setup of one direction, the neutral "no insight" (0 and 1) included. For the exact
 * pre-filter (screen.ts): with these, an analysis whose evidence cannot reach min_confidence cannot with its insight.
 */
export interface InsightCeiling {
  readonly adjust: number;
  readonly multiplier: number;
}

export const NO_INSIGHT: InsightCeiling = { adjust: 0, multiplier: 1 };
