/**
 * Everything the agents know about one symbol at the view's current time, as one plain JSON object: what
 * `cma analyze --json` prints and what synthesis reads. Each interval is read from the view once and its indicators
 * are computed once, then shared by every agent.
 *
 * Shape (SymbolAnalysis):
 * - `symbol`; `time` = view.now() (epoch ms); `baseInterval`, the timeframe price action and volume analyse.
 * - `price`: the latest price the view knows — the close of the forming candle of the finest analysed interval that
 *   has one (`priceSource: "forming"`; built only from candles closed by now), else the close of the most recently
 *   closed candle of any analysed interval (`"closed"`). Zones are typed support/resistance against it. Breakouts,
 *   RSI and the rest use closed candles only.
 * - `timeframes`: per interval (options.timeframes plus the base), for the latest closed candle: `openTime`,
 *   `close`, `rsi`, `macd` {line, signal, histogram}, `atr`, `obv`. The agents see the last `candles` closed candles
 *   (default 500); the indicators of the base, reported and momentum timeframes start at an anchor 0–127 candles
 *   before that window (indicators/streams.ts) and are carried forward candle by candle between analyses of one view
 *   instead of recomputed — at least 500 candles either way, enough for Wilder's and the EMAs' seeds to have decayed
 *   below 1e-15, so they equal full-history values to rounding. The anchor depends only on the candles' times, so a
 *   view walked through time and a new view agree exactly (when the store holds fewer than ANCHOR_SPAN candles
 *   before the window, the anchor is the first stored one). OBV runs over the window: its level is relative to the
 *   window's first candle; only its trend matters.
 * - `missing`: what was left out for lack of history, with counts: `part` "timeframes" (an interval with fewer than
 *   the indicators' warm-up) or "zones" (an S/R timeframe without enough candles for one pivot). A symbol missing
 *   only some timeframes is analysed on the rest; too few candles on the BASE interval throws InsufficientDataError.
 * - `evidence`: each agent's output as a few named facts (AgentEvidence), by agent name; signals record it.
 * - then the fields each registered agent publishes (registry.ts), in registry order:
 *   - `zones`: the S/R detector's zones, highest score first, each { low, high, price, type, touches, timeframes,
 *     score }; `nearestSupport` / `nearestResistance` the closest of each type (sr-detector.ts);
 *   - `priceAction`, `momentum`, `volume` (price-action.ts, momentum.ts, volume-spike.ts); price action watches
 *     the S/R zones for breakouts, so it runs after the detector;
 *   - `orderFlow` (order-flow.ts) and `volumeProfile` (volume-profile.ts; summarised to `poc`, `valueAreaLow`,
 *     `valueAreaHigh`, nodes and sweeps — null prices with a reason when unavailable);
 *   - and whatever an added agent publishes.
 * The per-timeframe table uses momentum's RSI and MACD periods and price action's ATR period.
 * The result is checked before it is returned: no NaN, Infinity or undefined anywhere (a DataError otherwise).
 */
import type { EpochMs, Price, SymbolName } from "../core/units.js";
import { UsageError } from "../core/errors.js";
import { memoByObject } from "../core/memo-by-object.js";
import { type Interval, intervalMs, isInterval } from "../core/interval.js";
import type { MarketView } from "../market/market-view.js";
import type { AgentContext, AgentEvidence, AnalysisSettings, AnyAgent, MissingPart } from "./agent.js";
import { checkWhole } from "./agent-options.js";
import { type CandleSeries, insufficientHistory } from "./candle-series.js";
import { ANCHOR_SPAN } from "../indicators/streams.js";
import { assertJsonSafe } from "./json-safe.js";
import { type MomentumOptions, type MomentumOutput, momentumMinCandles, resolveMomentumOptions } from "./momentum.js";
import type { OrderFlowOptions, OrderFlowOutput } from "./order-flow.js";
import { type PriceActionOptions, type PriceActionOutput, resolvePriceActionOptions } from "./price-action.js";
import { AGENTS } from "./registry.js";
import { seriesCacheOf, unknownLineage } from "./series-cache.js";
import type { SrDetectorOptionsInput, SrOutput } from "./sr-detector.js";
import type { VolumeProfileOptions, VolumeProfileOutput } from "./volume-profile.js";
import type { VolumeSpikeOptions, VolumeSpikeOutput } from "./volume-spike.js";

export type { MissingPart } from "./agent.js";
export { type ZoneSummary, zoneSummary } from "./sr-detector.js";
export type { VolumeProfileSummary } from "./volume-profile.js";

export interface SymbolAnalysisOptions {
  /** The timeframe of price action and volume (default 1h). */
  readonly baseInterval: Interval;
  /** Timeframes reported in `timeframes` (default 15m, 1h, 4h, 1d). */
  readonly timeframes: readonly Interval[];
  /** Closed candles read per timeframe for the indicators (default 500). */
  readonly candles: number;
  readonly priceAction: Partial<PriceActionOptions>;
  readonly momentum: Partial<MomentumOptions>;
  readonly volume: Partial<VolumeSpikeOptions>;
  readonly srDetector: SrDetectorOptionsInput;
  readonly orderFlow: Partial<OrderFlowOptions>;
  readonly volumeProfile: Partial<VolumeProfileOptions>;
  /** The agents to run (default: the registry's); an added agent's options go under its `optionsKey`. */
  readonly agents?: readonly AnyAgent[] | undefined;
  /** Options of added agents, by their `optionsKey`. */
  readonly [optionsKey: string]: unknown;
}

export const DEFAULT_SYMBOL_ANALYSIS_OPTIONS: SymbolAnalysisOptions = {
  baseInterval: "1h",
  timeframes: ["15m", "1h", "4h", "1d"],
  candles: 500,
  priceAction: {},
  momentum: {},
  volume: {},
  srDetector: {},
  orderFlow: {},
  volumeProfile: {},
};

export interface TimeframeSnapshot {
  /** Open time and close of the latest closed candle. */
  readonly openTime: EpochMs;
  readonly close: Price;
  readonly rsi: number;
  readonly macd: { readonly line: number; readonly signal: number; readonly histogram: number };
  readonly atr: number;
  readonly obv: number;
}

/** The fields every analysis has, whichever agents ran. */
export interface AnalysisBase {
  readonly symbol: SymbolName;
  readonly time: EpochMs;
  readonly baseInterval: Interval;
  readonly price: Price;
  readonly priceSource: "forming" | "closed";
  readonly timeframes: Readonly<Partial<Record<Interval, TimeframeSnapshot>>>;
  readonly missing: readonly MissingPart[];
  /** Each agent's evidence (its definition's `evidence`), by agent name, in registry order. */
  readonly evidence: Readonly<Record<string, AgentEvidence>>;
}

/** The analysis with the built-in agents' fields (an added agent's fields are there too, untyped). */
export interface SymbolAnalysis
  extends AnalysisBase,
    SrOutput,
    PriceActionOutput,
    MomentumOutput,
    VolumeSpikeOutput,
    OrderFlowOutput,
    VolumeProfileOutput {}

/** Milliseconds each agent took, summed over the analyses that were given this sink. */
export type AgentTimings = Map<string, number>;

interface PlannedAgent {
  readonly agent: AnyAgent;
  readonly options: unknown;
}

interface Resolved {
  readonly settings: AnalysisSettings;
  readonly timeframes: readonly Interval[];
  /** In the order they run: the registry's, each after the agents it names in `after`. */
  readonly agents: readonly PlannedAgent[];
  /** The order their fields appear in the analysis: the registry's. */
  readonly published: readonly AnyAgent[];
  readonly rsiPeriod: number;
  readonly macd: { readonly fast: number; readonly slow: number; readonly signal: number };
  readonly atrPeriod: number;
  /** Closed candles a `timeframes` entry needs (the indicators' warm-up). */
  readonly snapshotNeed: number;
  /** Intervals without which there is no analysis, with the candles needed and who needs them. */
  readonly required: readonly { readonly interval: Interval; readonly candles: number; readonly what: string }[];
  /** Every interval read, with how many candles. */
  readonly reads: ReadonlyMap<Interval, number>;
  /** The intervals whose indicators are read: read from their anchor. */
  readonly indicatorIntervals: ReadonlySet<Interval>;
}

const WHAT = "symbol analysis";

/** The fields of AnalysisBase: no agent may publish them. */
const BASE_FIELDS = ["symbol", "time", "baseInterval", "price", "priceSource", "timeframes", "missing", "evidence"];

function optionsOf(given: Partial<SymbolAnalysisOptions>, key: string): unknown {
  return (given as Record<string, unknown>)[key];
}

/** The registry's order, except that an agent runs after those it names in `after` (which must be registered). */
function runOrder(agents: readonly AnyAgent[]): AnyAgent[] {
  const out: AnyAgent[] = [];
  const placing = new Set<AnyAgent>();
  const place = (a: AnyAgent) => {
    if (out.includes(a)) return;
    if (placing.has(a)) throw new UsageError(`${WHAT}: agents ${a.name} and its "after" agents wait for each other.`);
    placing.add(a);
    for (const d of a.after ?? []) {
      if (!agents.includes(d)) {
        throw new UsageError(`${WHAT}: agent ${a.name} runs after ${d.name}, which is not registered.`);
      }
      place(d);
    }
    out.push(a);
  };
  for (const a of agents) place(a);
  return out;
}

function resolve(given: Partial<SymbolAnalysisOptions> = {}): Resolved {
  const baseInterval = given.baseInterval ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.baseInterval;
  const timeframes = given.timeframes ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.timeframes;
  const candles = given.candles ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.candles;
  for (const tf of [baseInterval, ...timeframes]) {
    if (typeof tf !== "string" || !isInterval(tf)) throw new UsageError(`${WHAT}: "${String(tf)}" is not an interval.`);
  }
  const settings: AnalysisSettings = { baseInterval, candles };
  const registered = given.agents ?? AGENTS;
  const owner = new Map<string, string>(BASE_FIELDS.map((f) => [f, "the analysis itself"]));
  for (const a of registered) {
    for (const f of a.publishes) {
      const other = owner.get(f);
      if (other) throw new UsageError(`${WHAT}: agent ${a.name} publishes "${f}", which ${other} publishes already.`);
      owner.set(f, `agent ${a.name}`);
    }
  }
  const agents = runOrder(registered).map((agent) => ({
    agent,
    options: agent.resolve(optionsOf(given, agent.optionsKey) as never),
  }));
  for (const { agent } of agents) {
    // A screen must not wait for an output that screening does not make (see AgentDefinition.screen).
    for (const d of agent.after ?? []) {
      if (agent.screen === "full" && d.screen !== "full") {
        throw new UsageError(
          `${WHAT}: agent ${agent.name} is screened in full but runs after ${d.name}, which is not.`,
        );
      }
      if (typeof agent.screen === "function" && d.screen === undefined) {
        throw new UsageError(`${WHAT}: agent ${agent.name} has a screen but runs after ${d.name}, which has none.`);
      }
    }
  }
  const momentum = resolveMomentumOptions(given.momentum);
  const priceAction = resolvePriceActionOptions(given.priceAction);
  const snapshotNeed = Math.max(momentumMinCandles(momentum), priceAction.atrPeriod + 1);

  const required: { interval: Interval; candles: number; what: string }[] = [];
  const reads = new Map<Interval, number>();
  const indicatorIntervals = new Set<Interval>([baseInterval, ...timeframes]);
  const want = (tf: Interval, n: number) => reads.set(tf, Math.max(reads.get(tf) ?? 0, n));
  for (const tf of [baseInterval, ...timeframes]) want(tf, candles);
  for (const { agent, options } of agents) {
    for (const r of agent.reads(options, settings)) {
      want(r.interval, r.candles);
      if (r.indicators) indicatorIntervals.add(r.interval);
    }
    const need = agent.requires?.(options, settings);
    if (!need) continue;
    const same = required.find((r) => r.interval === need.interval);
    if (same) {
      same.candles = Math.max(same.candles, need.candles);
      same.what = `${same.what} and ${need.what}`;
    } else required.push({ ...need });
  }
  const most = Math.max(snapshotNeed, ...required.map((r) => r.candles));
  checkWhole(WHAT, "candles", candles, most);
  return {
    settings,
    timeframes: [...new Set([...timeframes, baseInterval])].sort((a, b) => intervalMs(a) - intervalMs(b)),
    agents,
    published: registered,
    rsiPeriod: momentum.rsiPeriod,
    macd: { fast: momentum.macdFast, slow: momentum.macdSlow, signal: momentum.macdSignal },
    atrPeriod: priceAction.atrPeriod,
    snapshotNeed,
    required: required.map((r) => ({ ...r, what: `the ${r.what} analysis` })),
    reads,
    indicatorIntervals,
  };
}

/**
 * The closed candles analyzeSymbol reads per interval with these options (the largest count where several parts
 * read one interval): what a store must hold for a full analysis. Validates the options like analyzeSymbol.
 */
export function symbolAnalysisReads(options?: Partial<SymbolAnalysisOptions>): ReadonlyMap<Interval, number> {
  return new Map(resolvedFor(options).reads);
}

/** The agents an analysis with these options runs, in registry order. */
export function analysisAgents(options?: Partial<SymbolAnalysisOptions>): readonly AnyAgent[] {
  return resolvedFor(options).published;
}

/**
 * Analyses `symbol` as of view.now(). Throws InsufficientDataError when an interval an agent cannot do without has
 * too little history (naming the interval, the candles there are and the candles needed); other timeframes that
 * lack history are listed in `missing`. With `timings`, adds each agent's time to it.
 */
export function analyzeSymbol(
  view: MarketView,
  symbol: string,
  options?: Partial<SymbolAnalysisOptions>,
  timings?: AgentTimings,
): SymbolAnalysis {
  return analyzeResolved(view, symbol, resolvedFor(options), timings);
}

/**
 * Resolved options by the options object given: the orchestrator passes the same object on every cycle, and
 * resolving (defaults, validation, the read plan) each time cost as much as a small agent. Options are read-only.
 */
const resolvedByOptions = memoByObject((options: Partial<SymbolAnalysisOptions>) => resolve(options));
const DEFAULTS: Partial<SymbolAnalysisOptions> = {};

function resolvedFor(options: Partial<SymbolAnalysisOptions> | undefined): Resolved {
  return resolvedByOptions(options ?? DEFAULTS);
}

/** What both an analysis and a screen start from: the windows read, the history checked, the latest price. */
interface Prepared {
  readonly now: number;
  /** The windows read, by interval. */
  readonly windows: ReadonlyMap<Interval, CandleSeries>;
  readonly series: (tf: Interval) => CandleSeries;
  readonly price: number;
  readonly priceSource: "forming" | "closed";
}

function prepare(view: MarketView, symbol: string, o: Resolved): Prepared {
  const now = view.now();
  const cache = seriesCacheOf(view);
  // Series with indicators are read ANCHOR_SPAN candles further back, so their indicators can start at the anchor
  // before the window and be carried forward from one analysis to the next (indicators/streams.ts); the agents see
  // the window, exactly the candles they read before.
  const windows = new Map<Interval, CandleSeries>();
  for (const [tf, count] of o.reads) {
    const key = `${symbol}|${tf}`;
    const label = `${symbol} ${tf}`;
    const read = (n: number) => view.closedSeries?.(symbol, tf, n) ?? unknownLineage(view.closed(symbol, tf, n));
    if (o.indicatorIntervals.has(tf)) {
      const full = cache.series(key, read(count + ANCHOR_SPAN), label);
      windows.set(tf, full.indicatorWindow(count, tf));
    } else {
      windows.set(tf, cache.series(key, read(count), label));
    }
  }
  for (const r of o.required) {
    const have = windows.get(r.interval)!.length;
    if (have < r.candles) throw insufficientHistory(r.what, symbol, r.interval, have, r.candles, now);
  }
  const series = (tf: Interval): CandleSeries => {
    const s = windows.get(tf);
    if (s === undefined) throw new UsageError(`${WHAT}: an agent read ${tf}, which it did not declare in its reads.`);
    return s;
  };
  const { price, priceSource } = latestPrice(view, symbol, windows);
  return { now, windows, series, price, priceSource };
}

function analyzeResolved(view: MarketView, symbol: string, o: Resolved, timings?: AgentTimings): SymbolAnalysis {
  const prepared = prepare(view, symbol, o);
  const { now, windows, series, price, priceSource } = prepared;

  const missing: MissingPart[] = [];
  const timeframes: Partial<Record<Interval, TimeframeSnapshot>> = {};
  for (const tf of o.timeframes) {
    const have = windows.get(tf)!.length;
    if (have < o.snapshotNeed) {
      missing.push({
        part: "timeframes",
        interval: tf,
        candles: have,
        needed: o.snapshotNeed,
        reason: `${have} closed ${tf} candles, the indicators need ${o.snapshotNeed}`,
      });
      continue;
    }
    timeframes[tf] = snapshot(series(tf), o);
  }

  const outputs = new Map<AnyAgent, object>();
  const context = agentContext(symbol, prepared, o, outputs, null, (part) => missing.push(part));
  for (const { agent, options } of o.agents) {
    const t0 = timings ? performance.now() : 0;
    outputs.set(agent, agent.analyze(context, options));
    if (timings) addTime(timings, agent.name, t0);
  }
  const evidence: Record<string, AgentEvidence> = {};
  for (const agent of o.published) if (agent.evidence) evidence[agent.name] = agent.evidence(outputs.get(agent));
  const analysis: Record<string, unknown> = {
    symbol,
    time: now,
    baseInterval: o.settings.baseInterval,
    price,
    priceSource,
    timeframes,
    missing,
    evidence,
  };
  for (const agent of o.published) Object.assign(analysis, outputs.get(agent));
  return checked(analysis as unknown as SymbolAnalysis);
}

/**
 * The cheap part of an analysis, for the exact pre-filter (src/signals/screen.ts): the agents whose `screen` is
 * "full", as they are, and the screens of those that have one, by agent name. It reads the same windows and fails
 * on too little history exactly as analyzeSymbol does. Not checked for JSON safety: it never leaves the process.
 */
export interface SymbolScreen {
  readonly symbol: string;
  readonly time: number;
  readonly price: number;
  /** The outputs of the agents screened in full (their fields, as on the analysis). */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** The screens of the agents that have a screen function, by agent name. */
  readonly screens: ReadonlyMap<string, object>;
}

export function screenSymbol(
  view: MarketView,
  symbol: string,
  options?: Partial<SymbolAnalysisOptions>,
  timings?: AgentTimings,
): SymbolScreen {
  const o = resolvedFor(options);
  const prepared = prepare(view, symbol, o);
  const outputs = new Map<AnyAgent, object>();
  const screens = new Map<AnyAgent, object>();
  // What is missing is reported by the analysis, if one is made.
  const context = agentContext(symbol, prepared, o, outputs, screens, () => {});
  for (const { agent, options: agentOptions } of o.agents) {
    const screen = agent.screen;
    if (screen === undefined) continue;
    const t0 = timings ? performance.now() : 0;
    if (screen === "full") outputs.set(agent, agent.analyze(context, agentOptions));
    else screens.set(agent, screen(context, agentOptions));
    if (timings) addTime(timings, agent.name, t0);
  }
  const fields: Record<string, unknown> = {};
  for (const agent of o.published) if (outputs.has(agent)) Object.assign(fields, outputs.get(agent));
  const byName = new Map<string, object>();
  for (const [agent, sc] of screens) byName.set(agent.name, sc);
  return { symbol, time: prepared.now, price: prepared.price, outputs: fields, screens: byName };
}

/**
 * The context the agents run in: the prepared windows, and the outputs of the agents run before. While screening
 * (`screens` given), the outputs are those of the agents screened in full, and screenOf reads the others' screens.
 */
function agentContext(
  symbol: string,
  p: Prepared,
  o: Resolved,
  outputs: ReadonlyMap<AnyAgent, object>,
  screens: ReadonlyMap<AnyAgent, object> | null,
  missing: (part: MissingPart) => void,
): AgentContext {
  return {
    symbol,
    now: p.now,
    price: p.price,
    settings: o.settings,
    series: p.series,
    outputOf<O extends object>(agent: AnyAgent): O {
      const out = outputs.get(agent);
      if (out !== undefined) return out as O;
      throw new UsageError(
        screens === null
          ? `${WHAT}: an agent read ${agent.name}'s output before it ran.`
          : `${WHAT}: ${agent.name}'s output was read while screening.`,
      );
    },
    screenOf<S extends object>(agent: AnyAgent): S {
      if (screens === null) throw new UsageError(`${WHAT}: ${agent.name}'s screen was read outside screening.`);
      const out = screens.get(agent);
      if (out === undefined) throw new UsageError(`${WHAT}: ${agent.name} has no screen, or it has not run yet.`);
      return out as S;
    },
    missing,
  };
}

/** Adds the time since `t0` to `name`'s. */
function addTime(timings: AgentTimings, name: string, t0: number): void {
  timings.set(name, (timings.get(name) ?? 0) + performance.now() - t0);
}

function checked(a: SymbolAnalysis): SymbolAnalysis {
  assertJsonSafe(a, () => `The analysis of ${a.symbol} at ${new Date(a.time).toISOString()}`);
  return a;
}

/** See the module comment: the forming close of the finest interval that has one, else the latest close. */
function latestPrice(
  view: MarketView,
  symbol: string,
  windows: ReadonlyMap<Interval, CandleSeries>,
): { price: number; priceSource: "forming" | "closed" } {
  const finestFirst = [...windows.keys()].sort((a, b) => intervalMs(a) - intervalMs(b));
  for (const tf of finestFirst) {
    const f = view.forming(symbol, tf);
    if (f) return { price: f.close, priceSource: "forming" };
  }
  let latestClose = Number.NEGATIVE_INFINITY;
  let latestPrice = 0;
  for (const tf of finestFirst) {
    const w = windows.get(tf)!;
    const last = w.length - 1;
    if (last >= 0 && w.closeTime[last]! > latestClose) {
      latestClose = w.closeTime[last]!;
      latestPrice = w.close[last]!;
    }
  }
  if (latestClose === Number.NEGATIVE_INFINITY) {
    throw insufficientHistory("the analysis", symbol, finestFirst[0]!, 0, 1, view.now());
  }
  return { price: latestPrice, priceSource: "closed" };
}

function snapshot(s: CandleSeries, o: Resolved): TimeframeSnapshot {
  const last = s.length - 1;
  const m = s.macd(o.macd.fast, o.macd.slow, o.macd.signal);
  return {
    openTime: s.openTime[last]!,
    close: s.close[last]!,
    rsi: s.rsi(o.rsiPeriod)[last]!,
    macd: { line: m.macd[last]!, signal: m.signal[last]!, histogram: m.histogram[last]! },
    atr: s.atr(o.atrPeriod)[last]!,
    obv: s.obvLatest().obv,
  };
}
