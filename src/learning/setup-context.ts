/**
 * The setup behind a signal, reduced to the few categorical properties the learning agent groups trades by (signal
 * type, zone timeframe, at a zone or not, volume, RSI state, agreeing agents), and the closed paper trade as a
 * TradeContext carrying them. Pure; everything is read from the Signal the trade was opened for.
 *
 * Rules (all from `signal.evidence`):
 * - atZone: the S/R component is > 0, i.e. the price was at a zone on the trade's side (support for a LONG).
 * - breakout: `breakoutPct` is not null, i.e. synthesis counted a breakout in the trade's direction.
 * - signalType: breakout and at a zone → "breakout_at_zone"; breakout only → "breakout"; at a zone only →
 *   "reversal_at_zone" (a bounce off support or rejection at resistance); neither → "momentum" (the direction came
 *   from RSI extremes, MACD crosses or divergences alone).
 * - zoneTimeframe: the coarsest timeframe of `evidence.zones[0]`, the zone the stop is built on (synthesis always
 *   puts it first; a signal has one even when the price is not at it). Coarsest = longest interval, so
 *   1M > 1w > 3d > 1d > 4h > 1h. Null when the signal cites no zone or the zone lists no timeframe.
 * - zoneTimeframeCount: how many timeframes that zone appears on (0 without one); ≥ 2 is a confluence zone.
 * - volumeConfirmed: `volumeZScore` ≥ 2, the volume agent's own spike threshold (spikeZ). Chosen over "the volume
 *   component ≥ half its weight" because the signal does not record the weight it was scored with, so that rule
 *   would silently change meaning when the config does; a null z-score (flat baseline) is not a confirmation.
 * - rsiState: some timeframe's RSI was at the extreme that supports the direction (`rsiExtremeOn`, oversold for a
 *   LONG, overbought for a SHORT) → that state, else "neutral".
 * - agents: the components that contributed > 0 for the direction, in the fixed order price_action, momentum,
 *   volume, sr (the learning term is the agent itself, not evidence about the setup).
 */
import type { AgentEvidence } from "../agents/agent.js";
import { UsageError } from "../core/errors.js";
import { type Interval, intervalMs, isInterval } from "../core/interval.js";
import type { Direction, Signal } from "../signals/signal.js";
import type { TradeContext } from "./breakdowns.js";
import type { PaperTrade } from "./paper-trade.js";
import { toTradeResult } from "./paper-trade-store.js";

export const SIGNAL_TYPES = ["breakout", "reversal_at_zone", "breakout_at_zone", "momentum"] as const;
export type SignalType = (typeof SIGNAL_TYPES)[number];

/** The agents whose evidence can agree with a signal. */
export type SetupAgent = "price_action" | "momentum" | "volume" | "sr";

export type RsiState = "oversold" | "overbought" | "neutral";

export interface SetupContext {
  readonly signalType: SignalType;
  /** Coarsest timeframe of the zone the trade is built on; null without one. */
  readonly zoneTimeframe: Interval | null;
  /** Timeframes that zone appears on (0 without one). */
  readonly zoneTimeframeCount: number;
  readonly atZone: boolean;
  readonly volumeConfirmed: boolean;
  readonly rsiState: RsiState;
  readonly agents: readonly SetupAgent[];
}

/** A closed trade with its setup, its direction and its entry price: what the learning modules consume. */
export type TradeSetup = TradeContext &
  SetupContext & {
    readonly direction: Direction;
    /** Entry fill price (lets knowledge.ts relate trades to price levels). */
    readonly entryPrice: number;
    /** What every agent saw at the signal, by agent name; absent for signals recorded before agents' evidence was. */
    readonly agentEvidence?: Readonly<Record<string, AgentEvidence>>;
  };

/** A volume z-score at or above this confirms the move (the volume agent's default spikeZ). */
export const VOLUME_CONFIRM_Z = 2;

const AGENT_ORDER: readonly SetupAgent[] = ["price_action", "momentum", "volume", "sr"];

/** The setup of `signal`; see the module comment for each rule. */
export function setupContext(signal: Signal): SetupContext {
  const ev = signal?.evidence;
  if (!ev || typeof ev !== "object" || !ev.components) {
    throw new UsageError(`setupContext: signal ${String(signal?.id)} has no evidence; pass a Signal from synthesis.`);
  }
  const c = ev.components;
  const atZone = c.sr > 0;
  const breakout = ev.breakoutPct !== null && ev.breakoutPct !== undefined;
  const signalType: SignalType = breakout
    ? atZone
      ? "breakout_at_zone"
      : "breakout"
    : atZone
      ? "reversal_at_zone"
      : "momentum";
  const zone = ev.zones[0];
  const timeframes = (zone?.timeframes ?? []).filter((tf): tf is Interval => typeof tf === "string" && isInterval(tf));
  const zoneTimeframe = coarsest(timeframes);
  const z = ev.volumeZScore;
  return {
    signalType,
    zoneTimeframe,
    zoneTimeframeCount: new Set(timeframes).size,
    atZone,
    volumeConfirmed: typeof z === "number" && z >= VOLUME_CONFIRM_Z,
    rsiState: ev.rsiExtremeOn.length === 0 ? "neutral" : signal.direction === "LONG" ? "oversold" : "overbought",
    agents: AGENT_ORDER.filter((a) => c[a] > 0),
  };
}

/** The longest of `timeframes` (1M > 1w > 3d > 1d > 4h > 1h …), null for none. */
export function coarsest(timeframes: readonly Interval[]): Interval | null {
  let best: Interval | null = null;
  for (const tf of timeframes) if (best === null || intervalMs(tf) > intervalMs(best)) best = tf;
  return best;
}

/**
 * A CLOSED paper trade as the learning modules see it: the metrics fields (riskReward is the signal's planned T1
 * reward:risk), the setup of the signal that opened it, its direction and entry price. Throws UsageError for an
 * open trade, whose outcome is not known yet.
 */
export function tradeContext(trade: PaperTrade): TradeSetup {
  return {
    ...toTradeResult(trade),
    direction: trade.direction,
    entryPrice: trade.entryPrice,
    ...setupContext(trade.signalData),
    agentEvidence: trade.signalData.evidence.agents ?? {},
  };
}
