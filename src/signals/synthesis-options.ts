/**
 * Every weight and threshold of signal synthesis, with documented defaults. The rules that use them are described in
 * synthesis.ts. An option out of range is the caller's (or the config's) mistake: a UsageError naming the option.
 */
import { UsageError } from "../core/errors.js";
import { HOUR } from "../core/interval.js";
import type { EvidenceItem } from "./signal.js";

export type Component = EvidenceItem["component"];

export interface SynthesisWeights {
  readonly price_action: number;
  readonly momentum: number;
  readonly volume: number;
  readonly sr: number;
  /** The cap of the learning term: its confidenceAdjustment is clamped to ±this. */
  readonly learning: number;
}

/** How the momentum component's value in [-1, 1] is split between its parts (must sum to 1). */
export interface MomentumParts {
  /** RSI oversold/overbought across the momentum timeframes. */
  readonly rsi: number;
  /** MACD crosses within `macd_cross_max_bars`. */
  readonly macd_cross: number;
  /** RSI divergences (as reported by the momentum agent: confirmed and recent). */
  readonly divergence: number;
}

export interface PositionSizing {
  /** Size (% of normal) at exactly min_confidence. */
  readonly at_min_confidence: number;
  /** Confidence at and above which the size is `max_pct`. */
  readonly full_confidence: number;
  readonly min_pct: number;
  readonly max_pct: number;
}

export interface SynthesisOptions {
  readonly weights: SynthesisWeights;
  /** Signals whose confidence is below this are not emitted (default 0.55). */
  readonly min_confidence: number;
  /** T1 at this multiple of the risk (default 2.0, i.e. 1:2). */
  readonly reward_risk: number;
  /** Largest allowed stop distance, percent of the entry (default 5). A wider stop rejects the signal. */
  readonly max_stop_pct: number;
  /** The stop sits this many base-interval ATRs beyond the justifying zone (default 0.5). */
  readonly stop_atr_buffer: number;
  /** The same symbol and direction is not re-announced within this many ms (default 4 h). */
  readonly cooldown_ms: number;
  /**
   * "At a zone": the price is within max(zone_atr_distance × ATR, zone_tolerance × price) of the zone's band
   * (defaults 1 ATR and 1.5 %, the S/R detector's confluence tolerance).
   */
  readonly zone_atr_distance: number;
  readonly zone_tolerance: number;
  readonly momentum_parts: MomentumParts;
  /** A MACD cross counts while it is at most this many candles old (default 3). */
  readonly macd_cross_max_bars: number;
  /**
   * A breakout counts on the latest closed candle at full value (0.5 + 0.5 × strength), and up to this many candles
   * later (default 3) fading linearly: value × (1 − barsAgo / (breakout_max_bars + 1)).
   */
  readonly breakout_max_bars: number;
  readonly position: PositionSizing;
}

export type SynthesisOptionsInput = {
  readonly [K in keyof Omit<SynthesisOptions, "weights" | "momentum_parts" | "position">]?: SynthesisOptions[K];
} & {
  readonly weights?: Partial<SynthesisWeights>;
  readonly momentum_parts?: Partial<MomentumParts>;
  readonly position?: Partial<PositionSizing>;
};

export const DEFAULT_SYNTHESIS_OPTIONS: SynthesisOptions = {
  weights: { price_action: 0.2, momentum: 0.2, volume: 0.15, sr: 0.25, learning: 0.2 },
  min_confidence: 0.55,
  reward_risk: 2,
  max_stop_pct: 5,
  stop_atr_buffer: 0.5,
  cooldown_ms: 4 * HOUR,
  zone_atr_distance: 1,
  zone_tolerance: 0.015,
  momentum_parts: { rsi: 0.8, macd_cross: 0.1, divergence: 0.1 },
  macd_cross_max_bars: 3,
  breakout_max_bars: 3,
  position: { at_min_confidence: 50, full_confidence: 0.8, min_pct: 25, max_pct: 100 },
};

const WHAT = "signal synthesis";

function finite(name: string, v: unknown, min: number, max = Number.POSITIVE_INFINITY, minOpen = false): void {
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || (minOpen && v === min) || v > max) {
    const range = max === Number.POSITIVE_INFINITY ? `${minOpen ? ">" : "≥"} ${min}` : `between ${min} and ${max}`;
    throw new UsageError(`${WHAT}: option ${name} must be a finite number ${range}, got ${String(v)}.`);
  }
}

/** Defaults overlaid with `given` (nested groups merged per key), validated. */
export function resolveSynthesisOptions(given: SynthesisOptionsInput = {}): SynthesisOptions {
  const d = DEFAULT_SYNTHESIS_OPTIONS;
  const pick = <K extends keyof SynthesisOptions>(k: K): SynthesisOptions[K] =>
    (given[k as keyof SynthesisOptionsInput] as SynthesisOptions[K] | undefined) ?? d[k];
  const o: SynthesisOptions = {
    weights: { ...d.weights, ...stripUndefined(given.weights) },
    min_confidence: pick("min_confidence"),
    reward_risk: pick("reward_risk"),
    max_stop_pct: pick("max_stop_pct"),
    stop_atr_buffer: pick("stop_atr_buffer"),
    cooldown_ms: pick("cooldown_ms"),
    zone_atr_distance: pick("zone_atr_distance"),
    zone_tolerance: pick("zone_tolerance"),
    momentum_parts: { ...d.momentum_parts, ...stripUndefined(given.momentum_parts) },
    macd_cross_max_bars: pick("macd_cross_max_bars"),
    breakout_max_bars: pick("breakout_max_bars"),
    position: { ...d.position, ...stripUndefined(given.position) },
  };
  for (const [k, v] of Object.entries(o.weights)) finite(`weights.${k}`, v, 0, 1);
  finite("min_confidence", o.min_confidence, 0, 1);
  finite("reward_risk", o.reward_risk, 0, Number.POSITIVE_INFINITY, true);
  finite("max_stop_pct", o.max_stop_pct, 0, 100, true);
  finite("stop_atr_buffer", o.stop_atr_buffer, 0);
  finite("cooldown_ms", o.cooldown_ms, 0);
  finite("zone_atr_distance", o.zone_atr_distance, 0);
  finite("zone_tolerance", o.zone_tolerance, 0, 1);
  for (const [k, v] of Object.entries(o.momentum_parts)) finite(`momentum_parts.${k}`, v, 0, 1);
  const parts = o.momentum_parts.rsi + o.momentum_parts.macd_cross + o.momentum_parts.divergence;
  if (Math.abs(parts - 1) > 1e-9) {
    throw new UsageError(`${WHAT}: momentum_parts must sum to 1 (rsi + macd_cross + divergence), got ${parts}.`);
  }
  for (const k of ["macd_cross_max_bars", "breakout_max_bars"] as const) {
    if (!Number.isInteger(o[k]) || o[k] < 0) {
      throw new UsageError(`${WHAT}: option ${k} must be a whole number ≥ 0, got ${String(o[k])}.`);
    }
  }
  finite("position.min_pct", o.position.min_pct, 0, 100);
  finite("position.max_pct", o.position.max_pct, o.position.min_pct, 1000);
  finite("position.at_min_confidence", o.position.at_min_confidence, 0, 1000);
  finite("position.full_confidence", o.position.full_confidence, 0, 1);
  return o;
}

function stripUndefined<T extends object>(v: T | undefined): Partial<T> {
  if (!v) return {};
  return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined)) as Partial<T>;
}
