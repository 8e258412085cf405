/**
 * A trade signal: what synthesis emits, what the card shows, what the paper broker will trade.
 * Plain JSON data (no NaN; null where a value is not available).
 */
import type { Interval } from "../core/interval.js";
import type { EpochMs, Price, SymbolName } from "../core/units.js";
import type { AgentEvidence } from "../agents/agent.js";
import type { ZoneSummary } from "../agents/symbol-analysis.js";

export type Direction = "LONG" | "SHORT";

/** A support/resistance zone as cited by a signal: the same summary `cma analyze` reports. */
export type SignalZone = ZoneSummary;

/** One piece of evidence and what it contributed to the score (positive: for the direction; negative: against). */
export interface EvidenceItem {
  /** "price_action" | "momentum" | "volume" | "sr" | "learning" */
  readonly component: "price_action" | "momentum" | "volume" | "sr" | "learning";
  readonly label: string;
  readonly contribution: number;
}

export interface SignalEvidence {
  readonly items: readonly EvidenceItem[];
  /** The weighted components before the learning multiplier, each in [-weight, +weight]. */
  readonly components: Readonly<Record<EvidenceItem["component"], number>>;
  /** The zones the trade is built on: the one justifying entry/stop, and those used for targets. */
  readonly zones: readonly SignalZone[];
  readonly rsi: Readonly<Partial<Record<Interval, number>>>;
  /** Intervals whose RSI is oversold (LONG) or overbought (SHORT). */
  readonly rsiExtremeOn: readonly Interval[];
  readonly volumeRatio: number | null;
  readonly volumeZScore: number | null;
  readonly volumeTrend: "INCREASING" | "DECREASING" | "STABLE" | null;
  readonly breakoutPct: number | null;
  /**
   * What every agent saw, by agent name (the analysis's `evidence`), scored by synthesis or not: what the knowledge
   * base relates outcomes to. Absent on signals recorded before agents' evidence was.
   */
  readonly agents?: Readonly<Record<string, AgentEvidence>>;
  /** Null until the learning agent exists; the card then says so. */
  readonly learning: {
    readonly winRate: number;
    readonly n: number;
    readonly low: number;
    readonly high: number;
  } | null;
}

export interface Signal {
  readonly id: string;
  readonly symbol: SymbolName;
  readonly direction: Direction;
  /** Epoch ms of the analysis that produced it. */
  readonly time: EpochMs;
  readonly entry: Price;
  readonly stop: Price;
  /** T1, T2, T3 in the trade's direction. */
  readonly targets: readonly [Price, Price, Price];
  /** Reward:risk of T1 (reward / risk, e.g. 2 for 1:2). */
  readonly riskReward: number;
  /** 0..1 */
  readonly confidence: number;
  /** Percent of a normal position, e.g. 100. */
  readonly positionSizePct: number;
  readonly rationale: string;
  readonly evidence: SignalEvidence;
}
