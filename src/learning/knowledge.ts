/**
 * The learning agent's knowledge base (the content of agent_knowledge.json): per knowledge area, what the closed
 * trades of a period say, every statement carrying its evidence — how many trades, how many won, the win rate with
 * its 95 % Wilson interval, the mean R and the period. Below minTrades the rate is null and the entry says "not
 * enough trades (n of min)": a knowledge base that states 100 % from 3 trades teaches the wrong lesson. Pure; plain
 * JSON out (finite numbers, null where not available, times in epoch ms).
 *
 * Where the entries come from:
 * - Setup categories (breakouts, reversals, RSI state, zone timeframe, confluence): the trades' SetupContext.
 * - Price levels (swept levels, high/low-volume nodes, the POC, 1d/4h/confluence zones): the latest analyses, passed
 *   in `extra`, one SymbolObservations per symbol. A trade is "at" a level when it is on that symbol and its entry
 *   price is within `levelTolerance` (default 1.5 %, synthesis' zone_tolerance) of the level (of a band's nearer
 *   edge). Levels persist, which is what makes this meaningful, but a level found today may not have been visible
 *   when an older trade was taken; only sweeps carry a time, and only trades entered after the sweep count for them.
 * - Every agent's evidence as the signal recorded it (`agents`, and the order flow area): one entry per value of each
 *   categorical reading, e.g. order flow's bias "buying" or momentum's MACD cross on 1h "bullish". Numbers are not
 *   bucketed here. Trades whose signals predate agents' evidence count in no such entry.
 * - OBV and consolidations are not recorded per signal, so those sections stay empty with a note rather than guess.
 *
 * `observations` (per area and in total) = the entries whose evidence reached minTrades, i.e. that state a rate.
 */
import type { LiquiditySweep } from "../agents/liquidity-sweeps.js";
import { AGENTS } from "../agents/registry.js";
import type { SymbolAnalysis, ZoneSummary } from "../agents/symbol-analysis.js";
import type { VolumeNode } from "../agents/volume-profile.js";
import { UsageError } from "../core/errors.js";
import { formatPrice } from "../signals/evidence-format.js";
import { checkTrades, DEFAULT_MIN_TRADES, tradesInPeriod } from "./metrics.js";
import type { TradeSetup } from "./setup-context.js";
import { mean, noNegativeZero, wilson } from "./stats.js";

/** Epoch ms, inclusive: trades that exited within it are the evidence. */
export interface KnowledgePeriod {
  readonly from: number;
  readonly to: number;
}

export interface Evidence {
  readonly n: number;
  readonly wins: number;
  /** wins / n; null below minTrades (as low, high and expectancy_r). */
  readonly rate: number | null;
  readonly low: number | null;
  readonly high: number | null;
  readonly expectancy_r: number | null;
  readonly period: KnowledgePeriod;
}

/** A price level an entry is about. */
export interface KnowledgeLevel {
  readonly symbol: string;
  readonly price: number;
  readonly low: number;
  readonly high: number;
}

export interface KnowledgeEntry {
  readonly key: string;
  readonly description: string;
  /** = evidence.rate, under the name agent_knowledge.json uses. */
  readonly success_rate: number | null;
  readonly evidence: Evidence;
  /** "not enough trades (n of min)" below minTrades, else null. */
  readonly note: string | null;
  readonly level?: KnowledgeLevel;
}

export interface EmptySection {
  readonly entries: readonly KnowledgeEntry[];
  readonly note: string;
}

export interface AgentKnowledge {
  readonly period: KnowledgePeriod;
  readonly min_trades: number;
  /** Entries with a stated rate, over all areas. */
  readonly observations: number;
  readonly overall: Evidence;
  readonly order_flow: { readonly observations: number } & EmptySection;
  readonly price_action: {
    readonly observations: number;
    readonly breakouts: readonly KnowledgeEntry[];
    readonly reversals: readonly KnowledgeEntry[];
    readonly consolidations: EmptySection;
  };
  readonly liquidity: {
    readonly observations: number;
    readonly swept_levels: readonly KnowledgeEntry[];
    readonly high_liquidity_zones: readonly KnowledgeEntry[];
    readonly thin_zones: readonly KnowledgeEntry[];
  };
  readonly indicators: {
    readonly observations: number;
    readonly rsi: {
      readonly optimal_settings: {
        /** Key of the entry with the highest lower bound among those with a rate; null when none has one. */
        readonly best: string | null;
        readonly entries: readonly KnowledgeEntry[];
        readonly note: string;
      };
      /** RSI-extreme contexts whose whole interval lies below the overall win rate. */
      readonly failure_modes: readonly KnowledgeEntry[];
    };
    readonly momentum: readonly KnowledgeEntry[];
    readonly obv: EmptySection;
    readonly macd: EmptySection;
  };
  readonly support_resistance: {
    readonly observations: number;
    readonly daily_levels: readonly KnowledgeEntry[];
    readonly h4_levels: readonly KnowledgeEntry[];
    /** Zones on ≥ 2 timeframes. */
    readonly confluence_zones: readonly KnowledgeEntry[];
  };
  readonly poc: { readonly observations: number; readonly trading_rules: readonly KnowledgeEntry[] };
  /**
   * Per analysis agent (the registry's, then any other a signal recorded), what its evidence at the signal says about
   * the outcome: one entry per value of each of its categorical readings (a state, a direction, a flag). Order flow
   * has its own area above and is not repeated here.
   */
  readonly agents: Readonly<Record<string, AgentSection>>;
}

export interface AgentSection {
  readonly title: string;
  readonly observations: number;
  readonly entries: readonly KnowledgeEntry[];
}

/** What the latest analysis of one symbol saw (observationsOf(analysis) builds it). */
export interface SymbolObservations {
  readonly symbol: string;
  readonly zones?: readonly ZoneSummary[];
  readonly sweeps?: readonly LiquiditySweep[];
  readonly highVolumeNodes?: readonly VolumeNode[];
  readonly lowVolumeNodes?: readonly VolumeNode[];
  readonly poc?: number | null;
}

export interface KnowledgeExtras {
  readonly symbols?: readonly SymbolObservations[];
}

export interface KnowledgeOptions {
  readonly period: KnowledgePeriod;
  /** Default 20 (learning_agent.min_trades_before_learning). */
  readonly minTrades?: number;
  /** Fraction of the price within which an entry is "at" a level (default 0.015). */
  readonly levelTolerance?: number;
}

export const DEFAULT_LEVEL_TOLERANCE = 0.015;

/** The levels of one analysis, for buildKnowledge's `extra`. */
export function observationsOf(a: SymbolAnalysis): SymbolObservations {
  return {
    symbol: a.symbol,
    zones: a.zones,
    sweeps: a.volumeProfile.sweeps,
    highVolumeNodes: a.volumeProfile.highVolumeNodes,
    lowVolumeNodes: a.volumeProfile.lowVolumeNodes,
    poc: a.volumeProfile.poc,
  };
}

type Pred = (t: TradeSetup) => boolean;

/** See the module comment. */
export function buildKnowledge(
  trades: readonly TradeSetup[],
  extra: KnowledgeExtras,
  opts: KnowledgeOptions,
): AgentKnowledge {
  checkTrades(trades);
  const o = resolve(opts);
  const selected = tradesInPeriod(trades, o.period.from, o.period.to);
  for (const t of selected) checkSetup(t);
  const symbols = checkExtras(extra);
  const evidence = (ts: readonly TradeSetup[]) => evidenceOf(ts, o.minTrades, o.period);
  const entry = (key: string, description: string, pred: Pred, level?: KnowledgeLevel): KnowledgeEntry => {
    const ev = evidence(selected.filter(pred));
    return {
      key,
      description,
      success_rate: ev.rate,
      evidence: ev,
      note: ev.rate === null ? `not enough trades (${ev.n} of ${o.minTrades})` : null,
      ...(level ? { level } : {}),
    };
  };
  const overall = evidence(selected);
  const near = (symbol: string, low: number, high: number): Pred => {
    const tol = o.levelTolerance * ((low + high) / 2);
    return (t) => t.symbol === symbol && t.entryPrice >= low - tol && t.entryPrice <= high + tol;
  };
  const levelEntry = (kind: string, s: string, lv: { price: number; low: number; high: number }, extraPred?: Pred) =>
    entry(
      `${s}:${kind}@${lv.price}`,
      `${s} entries within ${o.levelTolerance * 100}% of the ${kind} at ${range(lv)}`,
      extraPred ? and(near(s, lv.low, lv.high), extraPred) : near(s, lv.low, lv.high),
      { symbol: s, price: lv.price, low: lv.low, high: lv.high },
    );

  const isBreakout: Pred = (t) => t.signalType === "breakout" || t.signalType === "breakout_at_zone";
  const isReversal: Pred = (t) => t.signalType === "reversal_at_zone";
  const breakouts = [
    entry("breakout", "Breakouts away from any zone", (t) => t.signalType === "breakout"),
    entry("breakout_at_zone", "Breakouts at a support/resistance zone", (t) => t.signalType === "breakout_at_zone"),
    entry(
      "breakout_volume_confirmed",
      "Breakouts with volume confirmation (z ≥ 2)",
      and(isBreakout, (t) => t.volumeConfirmed),
    ),
    entry(
      "breakout_unconfirmed",
      "Breakouts without volume confirmation",
      and(isBreakout, (t) => !t.volumeConfirmed),
    ),
  ];
  const reversals = [
    entry("reversal_at_zone", "Reversals at a zone (no breakout)", isReversal),
    entry(
      "reversal_long_at_support",
      "LONG reversals at support",
      and(isReversal, (t) => t.direction === "LONG"),
    ),
    entry(
      "reversal_short_at_resistance",
      "SHORT reversals at resistance",
      and(isReversal, (t) => t.direction === "SHORT"),
    ),
    entry(
      "reversal_rsi_extreme",
      "Reversals with RSI at an extreme",
      and(isReversal, (t) => t.rsiState !== "neutral"),
    ),
    entry(
      "reversal_rsi_neutral",
      "Reversals with neutral RSI",
      and(isReversal, (t) => t.rsiState === "neutral"),
    ),
  ];

  const sweeps: KnowledgeEntry[] = [];
  const hvn: KnowledgeEntry[] = [];
  const lvn: KnowledgeEntry[] = [];
  const daily: KnowledgeEntry[] = [
    entry("zone_1d", "Trades built on a zone whose coarsest timeframe is 1d", (t) => t.zoneTimeframe === "1d"),
  ];
  const h4: KnowledgeEntry[] = [
    entry("zone_4h", "Trades built on a zone whose coarsest timeframe is 4h", (t) => t.zoneTimeframe === "4h"),
  ];
  const confluence: KnowledgeEntry[] = [
    entry("confluence", "Trades built on a zone found on ≥ 2 timeframes", (t) => t.zoneTimeframeCount >= 2),
    entry("single_timeframe", "Trades built on a zone found on one timeframe", (t) => t.zoneTimeframeCount === 1),
  ];
  const pocRules: KnowledgeEntry[] = [];
  const nearPoc: Pred[] = [];
  const withPoc = new Set<string>();
  for (const s of symbols) {
    for (const w of s.sweeps ?? []) {
      const lv = { price: w.level, low: w.level, high: w.level };
      sweeps.push(levelEntry(`swept ${w.side}`, s.symbol, lv, (t) => t.entryTime >= w.sweptAt));
    }
    for (const v of s.highVolumeNodes ?? []) hvn.push(levelEntry("high-volume node", s.symbol, v));
    for (const v of s.lowVolumeNodes ?? []) lvn.push(levelEntry("low-volume node", s.symbol, v));
    for (const z of s.zones ?? []) {
      const tfs = new Set(z.timeframes);
      const kind = `${[...tfs].join("+")} ${z.type} zone`;
      if (tfs.has("1d")) daily.push(levelEntry(kind, s.symbol, z));
      if (tfs.has("4h")) h4.push(levelEntry(kind, s.symbol, z));
      if (tfs.size >= 2) confluence.push(levelEntry(kind, s.symbol, z));
    }
    if (typeof s.poc === "number") {
      const lv = { price: s.poc, low: s.poc, high: s.poc };
      pocRules.push(levelEntry("POC", s.symbol, lv));
      nearPoc.push(near(s.symbol, s.poc, s.poc));
      withPoc.add(s.symbol);
    }
  }
  if (withPoc.size > 0) {
    const atPoc: Pred = (t) => nearPoc.some((p) => p(t));
    pocRules.unshift(
      entry("near_poc", `Entries within ${o.levelTolerance * 100}% of their symbol's POC`, atPoc),
      entry(
        "away_from_poc",
        `Entries farther than ${o.levelTolerance * 100}% from their symbol's POC`,
        (t) => withPoc.has(t.symbol) && !atPoc(t),
      ),
    );
  }

  const rsiEntries = [
    entry("long_oversold", "LONG with RSI oversold on some timeframe", (t) => t.rsiState === "oversold"),
    entry("short_overbought", "SHORT with RSI overbought on some timeframe", (t) => t.rsiState === "overbought"),
    entry("rsi_neutral", "RSI at no extreme", (t) => t.rsiState === "neutral"),
  ];
  const failureModes = failureCandidates(entry).filter(
    (e) => e.evidence.high !== null && overall.rate !== null && e.evidence.high < overall.rate,
  );
  const momentum = [
    entry("momentum_agreed", "The momentum component (RSI, MACD cross, divergence) agreed", (t) =>
      t.agents.includes("momentum"),
    ),
    entry("momentum_silent", "The momentum component did not agree", (t) => !t.agents.includes("momentum")),
  ];

  const count = (...lists: (readonly KnowledgeEntry[])[]) => lists.flat().filter((e) => e.success_rate !== null).length;
  const notRecorded = (what: string) => `Signals do not record ${what} yet, so no trade evidence exists for it.`;
  const price_action = {
    observations: count(breakouts, reversals),
    breakouts,
    reversals,
    consolidations: { entries: [], note: notRecorded("consolidations (range-bound entries)") },
  };
  const liquidity = {
    observations: count(sweeps, hvn, lvn),
    swept_levels: sweeps,
    high_liquidity_zones: hvn,
    thin_zones: lvn,
  };
  const indicators = {
    observations: count(rsiEntries, failureModes, momentum),
    rsi: {
      optimal_settings: {
        best: best(rsiEntries),
        entries: rsiEntries,
        note: "One RSI setting is traded; entries compare trades taken at RSI extremes with the rest.",
      },
      failure_modes: failureModes,
    },
    momentum,
    obv: { entries: [], note: notRecorded("OBV") },
    macd: { entries: [], note: notRecorded("MACD separately (it is part of the momentum component)") },
  };
  const support_resistance = {
    observations: count(daily, h4, confluence),
    daily_levels: daily,
    h4_levels: h4,
    confluence_zones: confluence,
  };
  const poc = { observations: count(pocRules), trading_rules: pocRules };
  const agentEntries = (name: string, title: string) => {
    const readings = new Map<string, Set<string>>();
    for (const t of selected) {
      for (const [k, v] of Object.entries(t.agentEvidence?.[name] ?? {})) {
        if (typeof v !== "string" && typeof v !== "boolean") continue;
        const values = readings.get(k) ?? new Set<string>();
        readings.set(k, values);
        values.add(String(v));
      }
    }
    const out: KnowledgeEntry[] = [];
    for (const k of [...readings.keys()].sort()) {
      for (const v of [...readings.get(k)!].sort()) {
        out.push(
          entry(`${name}.${k}=${v}`, `${title}: ${k.replaceAll("_", " ")} ${v}`, (t) => {
            const got = t.agentEvidence?.[name]?.[k];
            return got !== undefined && got !== null && String(got) === v;
          }),
        );
      }
    }
    return out;
  };
  const titleOf = (name: string) => AGENTS.find((a) => a.name === name)?.title ?? name;
  const agentNames = [...AGENTS.map((a) => a.name)];
  for (const t of selected)
    for (const n of Object.keys(t.agentEvidence ?? {})) if (!agentNames.includes(n)) agentNames.push(n);
  const agents: Record<string, AgentSection> = {};
  for (const name of agentNames) {
    if (name === "order-flow") continue;
    const entries = agentEntries(name, titleOf(name));
    if (entries.length > 0) agents[name] = { title: titleOf(name), observations: count(entries), entries };
  }
  const flowEntries = agentEntries("order-flow", titleOf("order-flow"));
  const order_flow =
    flowEntries.length > 0
      ? { observations: count(flowEntries), entries: flowEntries, note: "" }
      : {
          observations: 0,
          entries: [],
          note:
            "No trade's signal recorded an order flow reading: signals from before agents' evidence was recorded, or " +
            "candles without the taker buy/sell split (such as spot dump files).",
        };
  return {
    period: o.period,
    min_trades: o.minTrades,
    observations:
      order_flow.observations +
      price_action.observations +
      liquidity.observations +
      indicators.observations +
      support_resistance.observations +
      poc.observations +
      Object.values(agents).reduce((a, s) => a + s.observations, 0),
    overall,
    order_flow,
    price_action,
    liquidity,
    indicators,
    support_resistance,
    poc,
    agents,
  };
}

/** RSI-extreme trades split by zone and volume: the contexts a failure mode is looked for in. */
function failureCandidates(entry: (key: string, description: string, pred: Pred) => KnowledgeEntry): KnowledgeEntry[] {
  const out: KnowledgeEntry[] = [];
  for (const atZone of [true, false]) {
    for (const vol of [true, false]) {
      out.push(
        entry(
          `rsi_extreme_${atZone ? "at_zone" : "away"}_${vol ? "volume" : "no_volume"}`,
          `RSI extreme ${atZone ? "at a zone" : "away from zones"}, ${vol ? "with" : "without"} volume confirmation`,
          (t) => t.rsiState !== "neutral" && t.atZone === atZone && t.volumeConfirmed === vol,
        ),
      );
    }
  }
  return out;
}

function best(entries: readonly KnowledgeEntry[]): string | null {
  let top: KnowledgeEntry | null = null;
  for (const e of entries) {
    if (e.evidence.low === null) continue;
    if (top === null || e.evidence.low > top.evidence.low!) top = e;
  }
  return top?.key ?? null;
}

function evidenceOf(trades: readonly TradeSetup[], minTrades: number, period: KnowledgePeriod): Evidence {
  const n = trades.length;
  const wins = trades.filter((t) => t.outcome === "WIN").length;
  if (n < minTrades) return { n, wins, rate: null, low: null, high: null, expectancy_r: null, period };
  const { low, high } = wilson(wins, n);
  return {
    n,
    wins,
    rate: wins / n,
    low,
    high,
    expectancy_r: noNegativeZero(mean(trades.map((t) => t.rMultiple))!),
    period,
  };
}

const and =
  (a: Pred, b: Pred): Pred =>
  (t) =>
    a(t) && b(t);

function range(lv: { price: number; low: number; high: number }): string {
  return lv.low === lv.high ? formatPrice(lv.price) : `${formatPrice(lv.low)}–${formatPrice(lv.high)}`;
}

interface Resolved {
  readonly period: KnowledgePeriod;
  readonly minTrades: number;
  readonly levelTolerance: number;
}

function resolve(opts: KnowledgeOptions): Resolved {
  const p = opts?.period;
  if (
    !p ||
    typeof p.from !== "number" ||
    typeof p.to !== "number" ||
    !Number.isFinite(p.from) ||
    !Number.isFinite(p.to)
  ) {
    throw new UsageError("buildKnowledge: period must be { from, to } in epoch ms.");
  }
  if (p.to < p.from)
    throw new UsageError(`buildKnowledge: period.to (${p.to}) is before period.from (${p.from}); swap them.`);
  const minTrades = opts.minTrades ?? DEFAULT_MIN_TRADES;
  if (!Number.isInteger(minTrades) || minTrades < 1) {
    throw new UsageError(`buildKnowledge: minTrades must be a whole number ≥ 1, got ${String(minTrades)}.`);
  }
  const levelTolerance = opts.levelTolerance ?? DEFAULT_LEVEL_TOLERANCE;
  if (typeof levelTolerance !== "number" || !(levelTolerance >= 0 && levelTolerance < 1)) {
    throw new UsageError(
      `buildKnowledge: levelTolerance must be a fraction from 0 to below 1, got ${String(levelTolerance)}.`,
    );
  }
  return { period: { from: p.from, to: p.to }, minTrades, levelTolerance };
}

function checkSetup(t: TradeSetup): void {
  const bad = (field: string, want: string, got: unknown) =>
    new UsageError(
      `buildKnowledge: trade "${t.id}": ${field} must be ${want}, got ${String(got)}; use tradeContext().`,
    );
  if (typeof t.entryPrice !== "number" || !Number.isFinite(t.entryPrice))
    throw bad("entryPrice", "a finite number", t.entryPrice);
  if (t.direction !== "LONG" && t.direction !== "SHORT") throw bad("direction", "LONG or SHORT", t.direction);
  if (!Number.isInteger(t.zoneTimeframeCount) || t.zoneTimeframeCount < 0) {
    throw bad("zoneTimeframeCount", "a whole number ≥ 0", t.zoneTimeframeCount);
  }
  if (!Array.isArray(t.agents)) throw bad("agents", "an array", t.agents);
}

function checkExtras(extra: KnowledgeExtras): readonly SymbolObservations[] {
  const symbols = extra?.symbols ?? [];
  if (!Array.isArray(symbols)) throw new UsageError("buildKnowledge: extra.symbols must be an array of observations.");
  const finite = (x: unknown) => typeof x === "number" && Number.isFinite(x);
  for (const s of symbols) {
    const where = `buildKnowledge: extra for ${String(s?.symbol)}`;
    if (typeof s?.symbol !== "string")
      throw new UsageError("buildKnowledge: every extra.symbols entry needs a symbol.");
    for (const lv of [...(s.zones ?? []), ...(s.highVolumeNodes ?? []), ...(s.lowVolumeNodes ?? [])]) {
      if (!finite(lv.price) || !finite(lv.low) || !finite(lv.high) || lv.low > lv.high) {
        throw new UsageError(`${where}: a level has a bad band (${lv.low}–${lv.high} @ ${lv.price}).`);
      }
    }
    for (const w of s.sweeps ?? []) {
      if (!finite(w.level) || !finite(w.sweptAt))
        throw new UsageError(`${where}: a sweep has a non-finite level or time.`);
    }
    if (s.poc !== undefined && s.poc !== null && !finite(s.poc)) {
      throw new UsageError(`${where}: poc must be a finite price or null, got ${String(s.poc)}.`);
    }
  }
  return symbols;
}
