/**
 * Entry, stop and targets of a trade built on an S/R zone (LONG described; SHORT is the mirror image):
 * - entry = the analysed price.
 * - stop = the low of the justifying support zone − stop_atr_buffer × ATR. The justifying zone is the support the
 *   price is at; if there is none, the nearest support below. No support at all → no trade.
 * - risk = entry − stop. A stop farther than max_stop_pct of the entry rejects the trade: the stop is never moved
 *   closer than the zone (that would put it inside the noise the zone is defending) nor wider than the maximum.
 * - T1 = entry + reward_risk × risk. T2 = the low edge of the nearest zone whose low is above T1 (the price tends to
 *   stall just before a zone), else T1 + one R; T3 likewise above T2, else T2 + one R. So T1 < T2 < T3 always.
 * - riskReward = (T1 − entry) / risk.
 */
import type { ZoneSummary } from "../agents/symbol-analysis.js";
import type { Direction } from "./signal.js";
import type { SynthesisOptions } from "./synthesis-options.js";

export interface TradeLevels {
  readonly stop: number;
  readonly targets: readonly [number, number, number];
  readonly riskReward: number;
  /** |entry − stop| / entry, percent. */
  readonly stopPct: number;
  readonly stopZone: ZoneSummary;
  /** The zones T2/T3 were placed at (empty when they are R multiples). */
  readonly targetZones: readonly ZoneSummary[];
}

export type TradeLevelsResult = { readonly levels: TradeLevels } | { readonly levels: null; readonly reason: string };

export interface TradeLevelsInput {
  readonly direction: Direction;
  readonly entry: number;
  /** Base-interval ATR. */
  readonly atr: number;
  /** The zone the price is at, on the trade's side (support for LONG), if any. */
  readonly atZone: ZoneSummary | null;
  readonly zones: readonly ZoneSummary[];
}

/** The zone the stop goes beyond: the one at the price, else the nearest of the right type on the stop side. */
export function stopZoneFor(input: TradeLevelsInput): ZoneSummary | null {
  if (input.atZone) return input.atZone;
  const long = input.direction === "LONG";
  let best: ZoneSummary | null = null;
  for (const z of input.zones) {
    if (z.type !== (long ? "support" : "resistance")) continue;
    if (long ? z.price > input.entry : z.price < input.entry) continue;
    if (best === null || (long ? z.price > best.price : z.price < best.price)) best = z;
  }
  return best;
}

export function tradeLevels(
  input: TradeLevelsInput,
  o: Pick<SynthesisOptions, "reward_risk" | "max_stop_pct" | "stop_atr_buffer">,
): TradeLevelsResult {
  const { direction, entry, atr } = input;
  const long = direction === "LONG";
  const s = long ? 1 : -1;
  const zone = stopZoneFor(input);
  if (!zone) {
    return { levels: null, reason: `no ${long ? "support" : "resistance"} zone to place the stop beyond` };
  }
  const stop = long ? zone.low - o.stop_atr_buffer * atr : zone.high + o.stop_atr_buffer * atr;
  const risk = s * (entry - stop);
  if (!(risk > 0) || !(stop > 0)) {
    return { levels: null, reason: `no room for a stop: ${long ? "support" : "resistance"} zone and entry coincide` };
  }
  const stopPct = (risk / entry) * 100;
  if (stopPct > o.max_stop_pct) {
    return {
      levels: null,
      reason: `stop ${stopPct.toFixed(2)}% away (beyond the ${zone.type} zone at ${zone.low}–${zone.high}) exceeds max_stop_pct ${o.max_stop_pct}%`,
    };
  }
  const t1 = entry + s * o.reward_risk * risk;
  // Zones beyond a target, nearest first, by the edge the price meets first.
  const edge = (z: ZoneSummary) => (long ? z.low : z.high);
  const ahead = input.zones.filter((z) => s * (edge(z) - t1) > 0).sort((a, b) => s * (edge(a) - edge(b)));
  const targetZones: ZoneSummary[] = [];
  const next = (after: number): number => {
    const z = ahead.find((c) => s * (edge(c) - after) > 0);
    if (z) {
      targetZones.push(z);
      return edge(z);
    }
    return after + s * risk;
  };
  const t2 = next(t1);
  const t3 = next(t2);
  if (!(t3 > 0)) {
    return { levels: null, reason: `targets would fall to or below zero (risk ${stopPct.toFixed(2)}% of entry)` };
  }
  return {
    levels: {
      stop,
      targets: [t1, t2, t3],
      riskReward: long ? (t1 - entry) / (entry - stop) : (entry - t1) / (stop - entry),
      stopPct,
      stopZone: zone,
      targetZones,
    },
  };
}
