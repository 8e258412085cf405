/**
 * Signal synthesis v2: one SymbolAnalysis (plus, later, the learning agent's insight) → a trade Signal, or the reason
 * there is none. Pure: the same inputs always give the same result. Weights and thresholds: synthesis-options.ts.
 *
 * Rules:
 * 1. Directional components, each a signed value (LONG positive) times its weight (evidence-score.ts):
 *    - S/R: the price is "at" a zone when within max(zone_atr_distance × ATR, zone_tolerance × price) of its band.
 *      At a support zone: +score/100 (the strongest such zone); at a resistance zone: −score/100. Both can apply.
 *    - Momentum: oversold RSI +, overbought −, each momentum_parts.rsi × breadth, where breadth is 0.75 for one
 *      timeframe rising linearly to 1 when every analysed momentum timeframe agrees; plus MACD crosses no older than
 *      macd_cross_max_bars (momentum_parts.macd_cross × share of timeframes, bullish +, bearish −) and RSI
 *      divergences (momentum_parts.divergence × share of timeframes).
 *    - Price action: the strongest bullish breakout +value, the strongest bearish breakdown −value, value = 0.5 +
 *      0.5 × the agent's strength (a breakout is evidence in itself, so any counts at least half); on the latest
 *      candle at full value, up to breakout_max_bars candles old fading linearly.
 * 2. Direction = the sign of the sum of the directional components; zero (nothing, or a perfect standoff) → none.
 * 3. Score for that direction = that sum seen from the direction, i.e. Σ aligned contributions − Σ opposing ones:
 *    evidence pointing the other way lowers it.
 * 4. Volume (direction-blind) adds weights.volume × volumeScore / 10, only once a direction exists and its score is
 *    positive — it amplifies, it never picks or flips the direction.
 * 5. Evidence score = (directional + volume) / reach, where reach is the most that evidence could score: the sum of
 *    the price action, momentum, volume and S/R weights (0.8 with the default weights). Normalising here makes 1 mean
 *    "everything agrees" whatever the weights, and keeps a threshold meaning the same before and after learning.
 * 6. Learning adds its confidenceAdjustment, clamped to ±weights.learning (0 with no insight), then the result is
 *    multiplied by contextMultiplier (1 with no insight). The direction is already fixed, so neither can flip it.
 *    Confidence = clamp(that, 0, 1); `score` is the value before clamping. Below min_confidence → no signal.
 * 7. Trade levels (trade-levels.ts): stop beyond the justifying zone with an ATR buffer, rejected beyond
 *    max_stop_pct; T1 at reward_risk; T2, T3 at the next zones or further R multiples. ATR = the base interval's.
 * 8. positionSizePct: at_min_confidence % at min_confidence, rising linearly to max_pct at full_confidence, clamped
 *    to [min_pct, max_pct] and rounded to 0.1 (learning will scale it later).
 * 9. Rationale: the supporting evidence, strongest first, joined by " | ", then any opposing evidence ("Against: …").
 *    id = `${symbol}-${direction}-${time}`: the same analysis always gives the same id.
 */
import { memoByObject } from "../core/memo-by-object.js";
import { assertJsonSafe } from "../agents/json-safe.js";
import { type SymbolAnalysis, type ZoneSummary, zoneSummary } from "../agents/symbol-analysis.js";
import { UsageError } from "../core/errors.js";
import type { Interval } from "../core/interval.js";
import { directionalEvidence } from "./evidence-score.js";
import { type LearningInsight, MAX_CONTEXT_MULTIPLIER } from "./learning-insight.js";
import type { Direction, EvidenceItem, Signal } from "./signal.js";
import {
  DEFAULT_SYNTHESIS_OPTIONS,
  resolveSynthesisOptions,
  type SynthesisOptions,
  type SynthesisOptionsInput,
} from "./synthesis-options.js";
import { tradeLevels } from "./trade-levels.js";

export { SignalCooldown } from "./cooldown.js";
export type { LearningInsight } from "./learning-insight.js";
export {
  DEFAULT_SYNTHESIS_OPTIONS,
  resolveSynthesisOptions,
  type SynthesisOptions,
  type SynthesisOptionsInput,
} from "./synthesis-options.js";

export type SynthesisResult =
  | {
      readonly signal: Signal;
      /** The confidence before clamping to [0, 1] (rule 6; can exceed 1). */
      readonly score: number;
    }
  | {
      readonly signal: null;
      /** Why nothing was emitted, in words a trader understands. */
      readonly reason: string;
      /** The confidence before clamping (rule 6; 0 when there was no direction). */
      readonly score: number;
      /** The confidence it amounts to (rule 6); 0 when there was no direction or a reason before scoring. */
      readonly confidence: number;
      readonly direction: Direction | null;
    };

/** Resolved options by the options object given (the orchestrator passes the same object every time). */
const resolvedFor = memoByObject(resolveSynthesisOptions);

export function synthesizeSignal(
  analysis: SymbolAnalysis,
  options: SynthesisOptionsInput = DEFAULT_SYNTHESIS_OPTIONS,
  learning?: LearningInsight | null,
): SynthesisResult {
  const o = resolvedFor(options);
  checkInputs(analysis, learning);
  const atr = analysis.timeframes[analysis.baseInterval]?.atr ?? analysis.priceAction.volatility.atr;

  const ev = directionalEvidence(analysis, atr, o);
  if (ev.net === 0) {
    const reason =
      ev.items.length === 0
        ? "no directional evidence (no S/R zone at the price, no RSI extreme, no breakout)"
        : "conflicting evidence: bullish and bearish evidence cancel out";
    return { signal: null, reason, score: 0, confidence: 0, direction: null };
  }
  const direction: Direction = ev.net > 0 ? "LONG" : "SHORT";
  const s = direction === "LONG" ? 1 : -1;
  const directional = s * ev.net;

  const v = analysis.volume;
  const volume = o.weights.volume * (Math.min(10, Math.max(0, v.volumeScore)) / 10);
  const adjust = learning
    ? Math.min(o.weights.learning, Math.max(-o.weights.learning, learning.confidenceAdjustment))
    : 0;
  const multiplier = learning ? learning.contextMultiplier : 1;
  const w = o.weights;
  const reach = w.price_action + w.momentum + w.volume + w.sr;
  const evidence = reach > 0 ? (directional + volume) / reach : 0;
  const score = (evidence + adjust) * multiplier;
  const confidence = Math.min(1, Math.max(0, score));
  if (confidence < o.min_confidence) {
    return {
      signal: null,
      reason: `${direction} confidence ${confidence.toFixed(2)} is below min_confidence ${o.min_confidence}`,
      score,
      confidence,
      direction,
    };
  }

  const levels = tradeLevels(
    {
      direction,
      entry: analysis.price,
      atr,
      atZone: direction === "LONG" ? ev.atSupport : ev.atResistance,
      zones: analysis.zones,
    },
    o,
  );
  if (levels.levels === null) return { signal: null, reason: levels.reason, score, confidence, direction };
  const l = levels.levels;

  const items: EvidenceItem[] = ev.items.map((i) => ({
    component: i.component,
    label: i.label(),
    contribution: noNegZero(s * i.value),
  }));
  if (volume > 0) items.push({ component: "volume", label: volumeLabel(analysis), contribution: volume });
  if (learning) {
    items.push({
      component: "learning",
      label: `${Math.round(learning.winRate * 100)}% win rate in ${learning.n} similar trades`,
      contribution: adjust,
    });
  }
  const breakout = direction === "LONG" ? ev.breakoutUp : ev.breakoutDown;
  const signal: Signal = {
    id: `${analysis.symbol}-${direction}-${analysis.time}`,
    symbol: analysis.symbol,
    direction,
    time: analysis.time,
    entry: analysis.price,
    stop: l.stop,
    targets: l.targets,
    riskReward: l.riskReward,
    confidence,
    positionSizePct: positionSize(confidence, o),
    rationale: rationale(items),
    evidence: {
      items,
      components: {
        price_action: noNegZero(s * ev.components.price_action),
        momentum: noNegZero(s * ev.components.momentum),
        sr: noNegZero(s * ev.components.sr),
        volume,
        learning: adjust,
      },
      zones: uniqueZones([l.stopZone, ...l.targetZones]).map(zoneSummary),
      rsi: rsiReadings(analysis),
      rsiExtremeOn: direction === "LONG" ? [...analysis.momentum.oversoldOn] : [...analysis.momentum.overboughtOn],
      volumeRatio: v.ratio,
      volumeZScore: v.zScore,
      volumeTrend: v.trend,
      breakoutPct: breakout && breakout.strength > 0 ? noNegZero(breakout.pct) : null,
      agents: analysis.evidence ?? {},
      learning: learning ? { winRate: learning.winRate, n: learning.n, low: learning.low, high: learning.high } : null,
    },
  };
  assertJsonSafe(signal, `The ${direction} signal for ${analysis.symbol}`);
  return { signal, score };
}

/** −0 prints as 0 but is not equal to it after a JSON round trip (it becomes 0): keep plain zeros. */
const noNegZero = (x: number) => x + 0;

function checkInputs(a: SymbolAnalysis, learning: LearningInsight | null | undefined): void {
  if (typeof a.price !== "number" || !Number.isFinite(a.price) || a.price <= 0) {
    throw new UsageError(`signal synthesis: the analysis of ${a.symbol} has no valid price (${String(a.price)}).`);
  }
  if (!learning) return;
  for (const k of ["confidenceAdjustment", "winRate", "n", "low", "high"] as const) {
    if (typeof learning[k] !== "number" || !Number.isFinite(learning[k])) {
      throw new UsageError(
        `signal synthesis: learning insight ${k} must be a finite number, got ${String(learning[k])}.`,
      );
    }
  }
  const m = learning.contextMultiplier;
  if (typeof m !== "number" || !Number.isFinite(m) || m < 0 || m > MAX_CONTEXT_MULTIPLIER) {
    throw new UsageError(
      `signal synthesis: learning contextMultiplier must be a finite number between 0 and ${MAX_CONTEXT_MULTIPLIER}, got ${String(m)}.`,
    );
  }
}

/**
 * True when no learning insight can turn this analysis into a signal: `withoutLearning` is its synthesis without
 * one, and even the largest adjustment (+weights.learning) and multiplier (MAX_CONTEXT_MULTIPLIER) leave the
 * confidence below min_confidence. Exact, not a heuristic: rule 6's operations, in its order, at their bounds (and
 * floating-point addition and multiplication are monotonic). With no direction, no insight is even asked for.
 */
export function cannotSignal(withoutLearning: SynthesisResult, options: SynthesisOptionsInput): boolean {
  if (withoutLearning.signal !== null) return false;
  if (withoutLearning.score === 0) return true;
  const o = resolvedFor(options);
  const best = Math.min(1, Math.max(0, (withoutLearning.score + o.weights.learning) * MAX_CONTEXT_MULTIPLIER));
  return best < o.min_confidence;
}

/** See rule 8. */
export function positionSize(confidence: number, o: SynthesisOptions): number {
  const p = o.position;
  const span = p.full_confidence - o.min_confidence;
  const raw =
    confidence >= p.full_confidence || span <= 0
      ? p.max_pct
      : p.at_min_confidence + ((p.max_pct - p.at_min_confidence) * (confidence - o.min_confidence)) / span;
  return Math.round(Math.min(p.max_pct, Math.max(p.min_pct, raw)) * 10) / 10;
}

function volumeLabel(a: SymbolAnalysis): string {
  const v = a.volume;
  if (v.spike && v.zScore !== null) return `Volume spike (z-score ${v.zScore.toFixed(1)})`;
  if (v.ratio !== null) return `Volume ${v.ratio.toFixed(1)}x average`;
  return `Volume score ${v.volumeScore.toFixed(1)}/10`;
}

function rationale(items: readonly EvidenceItem[]): string {
  const byStrength = (a: EvidenceItem, b: EvidenceItem) => Math.abs(b.contribution) - Math.abs(a.contribution);
  const pro = items.filter((i) => i.contribution > 0).sort(byStrength);
  const con = items.filter((i) => i.contribution < 0).sort(byStrength);
  const parts = pro.map((i) => i.label);
  if (con.length > 0) parts.push(`Against: ${con.map((i) => i.label).join(", ")}`);
  return parts.join(" | ");
}

function rsiReadings(a: SymbolAnalysis): Partial<Record<Interval, number>> {
  const out: Partial<Record<Interval, number>> = {};
  for (const [tf, snap] of Object.entries(a.timeframes) as [Interval, { rsi: number } | undefined][]) {
    if (snap) out[tf] = snap.rsi;
  }
  for (const [tf, f] of Object.entries(a.momentum.timeframes) as [Interval, { rsi: number } | undefined][]) {
    if (f) out[tf] = f.rsi;
  }
  return out;
}

function uniqueZones(zs: readonly ZoneSummary[]): ZoneSummary[] {
  const seen = new Set<string>();
  return zs.filter((z) => {
    const k = `${z.low}:${z.high}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
