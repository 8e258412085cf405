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
 *   before that window (indicator-streams.ts) and are carried forward candle by candle between analyses of one view
 *   instead of recomputed — at least 500 candles either way, enough for Wilder's and the EMAs' seeds to have decayed
 *   below 1e-15, so they equal full-history values to rounding. The anchor depends only on the candles' times, so a
 *   view walked through time and a new view agree exactly (when the store holds fewer than ANCHOR_SPAN candles
 *   before the window, the anchor is the first stored one). OBV runs over the window: its level is relative to the
 *   window's first candle; only its trend matters.
 * - `missing`: what was left out for lack of history, with counts: `part` "timeframes" (an interval with fewer than
 *   the indicators' warm-up) or "zones" (an S/R timeframe without enough candles for one pivot). A symbol missing
 *   only some timeframes is analysed on the rest; too few candles on the BASE interval throws InsufficientDataError.
 * - `priceAction`, `momentum`, `volume`: the agents' results (price-action.ts, momentum.ts, volume-spike.ts); price
 *   action watches the S/R zones below for breakouts.
 * - `orderFlow` (order-flow.ts) and `volumeProfile` (volume-profile.ts; summarised to `poc`, `valueAreaLow`,
 *   `valueAreaHigh`, nodes and sweeps — null prices with a reason when unavailable).
 * - `zones`: the S/R detector's zones, highest score first, each { low, high, price, type, touches, timeframes,
 *   score }; `nearestSupport` / `nearestResistance` the closest of each type.
 * The result is checked before it is returned: no NaN, Infinity or undefined anywhere (a DataError otherwise).
 */
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { memoByObject } from "../core/memo-by-object.js";
import { type Interval, intervalMs, isInterval } from "../core/interval.js";
import type { MarketView } from "../market/market-view.js";
import type { Agent } from "./agent.js";
import { checkWhole } from "./agent-options.js";
import { type CandleSeries, insufficientHistory } from "./candle-series.js";
import { ANCHOR_SPAN } from "./indicator-streams.js";
import { assertJsonSafe } from "./json-safe.js";
import {
  analyzeMomentum,
  type MomentumOptions,
  type MomentumResult,
  momentumMinCandles,
  resolveMomentumOptions,
} from "./momentum.js";
import {
  analyzeOrderFlow,
  type OrderFlowOptions,
  type OrderFlowResult,
  resolveOrderFlowOptions,
} from "./order-flow.js";
import {
  analyzePriceAction,
  type PriceActionOptions,
  type PriceActionResult,
  priceActionMinCandles,
  resolvePriceActionOptions,
} from "./price-action.js";
import { seriesCacheOf } from "./series-cache.js";
import {
  analyzeSupportResistance,
  resolveSrDetectorOptions,
  type SrDetectorOptionsInput,
  type SrZoneType,
} from "./sr-detector.js";
import {
  analyzeVolumeProfile,
  type LiquiditySweep,
  resolveVolumeProfileOptions,
  type VolumeNode,
  type VolumeProfileOptions,
} from "./volume-profile.js";
import {
  analyzeVolumeSpike,
  resolveVolumeSpikeOptions,
  type VolumeSpikeOptions,
  type VolumeSpikeResult,
  volumeSpikeMinCandles,
} from "./volume-spike.js";

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
  readonly openTime: number;
  readonly close: number;
  readonly rsi: number;
  readonly macd: { readonly line: number; readonly signal: number; readonly histogram: number };
  readonly atr: number;
  readonly obv: number;
}

export interface MissingPart {
  readonly part: "timeframes" | "zones";
  readonly interval: Interval;
  readonly candles: number;
  readonly needed: number;
  readonly reason: string;
}

export interface ZoneSummary {
  readonly low: number;
  readonly high: number;
  readonly price: number;
  readonly type: SrZoneType;
  readonly touches: number;
  readonly timeframes: readonly Interval[];
  readonly score: number;
}

export interface VolumeProfileSummary {
  readonly available: boolean;
  readonly reason: string | null;
  readonly candles: number;
  /** Price of the point of control (centre of its bin) and the volume in that bin. */
  readonly poc: number | null;
  readonly pocVolume: number | null;
  readonly valueAreaLow: number | null;
  readonly valueAreaHigh: number | null;
  readonly binSize: number | null;
  /** The last close against the value area. */
  readonly position: "above" | "inside" | "below" | null;
  readonly highVolumeNodes: readonly VolumeNode[];
  readonly lowVolumeNodes: readonly VolumeNode[];
  readonly sweeps: readonly LiquiditySweep[];
}

export interface SymbolAnalysis {
  readonly symbol: string;
  readonly time: number;
  readonly baseInterval: Interval;
  readonly price: number;
  readonly priceSource: "forming" | "closed";
  readonly timeframes: Readonly<Partial<Record<Interval, TimeframeSnapshot>>>;
  readonly missing: readonly MissingPart[];
  readonly priceAction: PriceActionResult;
  readonly momentum: MomentumResult;
  readonly volume: VolumeSpikeResult;
  readonly orderFlow: OrderFlowResult;
  readonly volumeProfile: VolumeProfileSummary;
  readonly zones: readonly ZoneSummary[];
  readonly nearestSupport: ZoneSummary | null;
  readonly nearestResistance: ZoneSummary | null;
}

interface Resolved {
  readonly baseInterval: Interval;
  readonly timeframes: readonly Interval[];
  readonly candles: number;
  readonly priceAction: PriceActionOptions;
  readonly momentum: MomentumOptions;
  readonly volume: VolumeSpikeOptions;
  readonly srDetector: ReturnType<typeof resolveSrDetectorOptions>;
  readonly orderFlow: OrderFlowOptions;
  readonly volumeProfile: VolumeProfileOptions;
  /** Closed candles needed on the base interval. */
  readonly baseNeed: number;
  /** Closed candles a `timeframes` entry needs (the indicators' warm-up). */
  readonly snapshotNeed: number;
  /** Every interval read, with how many candles. */
  readonly reads: ReadonlyMap<Interval, number>;
  /** The intervals whose indicators are read (base, reported and momentum timeframes): read from their anchor. */
  readonly indicatorIntervals: ReadonlySet<Interval>;
}

const WHAT = "symbol analysis";

function resolve(given: Partial<SymbolAnalysisOptions> = {}): Resolved {
  const baseInterval = given.baseInterval ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.baseInterval;
  const timeframes = given.timeframes ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.timeframes;
  const candles = given.candles ?? DEFAULT_SYMBOL_ANALYSIS_OPTIONS.candles;
  for (const tf of [baseInterval, ...timeframes]) {
    if (typeof tf !== "string" || !isInterval(tf)) throw new UsageError(`${WHAT}: "${String(tf)}" is not an interval.`);
  }
  const priceAction = resolvePriceActionOptions(given.priceAction);
  const momentum = resolveMomentumOptions(given.momentum);
  const volume = resolveVolumeSpikeOptions(given.volume);
  const srDetector = resolveSrDetectorOptions(given.srDetector);
  const orderFlow = resolveOrderFlowOptions(given.orderFlow);
  const volumeProfile = resolveVolumeProfileOptions(given.volumeProfile);
  const baseNeed = Math.max(priceActionMinCandles(priceAction), volumeSpikeMinCandles(volume));
  const snapshotNeed = Math.max(momentumMinCandles(momentum), priceAction.atrPeriod + 1);
  checkWhole(WHAT, "candles", candles, Math.max(baseNeed, snapshotNeed));

  const reads = new Map<Interval, number>();
  const want = (tf: Interval, n: number) => reads.set(tf, Math.max(reads.get(tf) ?? 0, n));
  for (const tf of [baseInterval, ...timeframes, ...momentum.timeframes]) want(tf, candles);
  for (const tf of srDetector.timeframes) want(tf, srDetector.lookback);
  want(orderFlow.interval, orderFlow.window);
  want(volumeProfile.interval, volumeProfile.window);
  return {
    baseInterval,
    timeframes: [...new Set([...timeframes, baseInterval])].sort((a, b) => intervalMs(a) - intervalMs(b)),
    candles,
    priceAction,
    momentum,
    volume,
    srDetector,
    orderFlow,
    volumeProfile,
    baseNeed,
    snapshotNeed,
    reads,
    indicatorIntervals: new Set([baseInterval, ...timeframes, ...momentum.timeframes]),
  };
}

/**
 * The closed candles analyzeSymbol reads per interval with these options (the largest count where several parts
 * read one interval): what a store must hold for a full analysis. Validates the options like analyzeSymbol.
 */
export function symbolAnalysisReads(options?: Partial<SymbolAnalysisOptions>): ReadonlyMap<Interval, number> {
  return new Map(resolve(options).reads);
}

/**
 * Analyses `symbol` as of view.now(). Throws InsufficientDataError when the base interval has too little history
 * (naming the interval, the candles there are and the candles needed); other timeframes that lack history are
 * listed in `missing`.
 */
export function analyzeSymbol(
  view: MarketView,
  symbol: string,
  options?: Partial<SymbolAnalysisOptions>,
): SymbolAnalysis {
  return analyzeResolved(view, symbol, resolvedFor(options));
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

function analyzeResolved(view: MarketView, symbol: string, o: Resolved): SymbolAnalysis {
  const now = view.now();
  const cache = seriesCacheOf(view);
  // Series with indicators are read ANCHOR_SPAN candles further back, so their indicators can start at the anchor
  // before the window and be carried forward from one analysis to the next (indicator-streams.ts); the agents see
  // the window, exactly the candles they read before.
  const windows = new Map<Interval, CandleSeries>();
  for (const [tf, count] of o.reads) {
    const key = `${symbol}|${tf}`;
    const label = `${symbol} ${tf}`;
    if (o.indicatorIntervals.has(tf)) {
      const full = cache.series(key, view.closed(symbol, tf, count + ANCHOR_SPAN), label);
      windows.set(tf, full.indicatorWindow(count, tf));
    } else {
      windows.set(tf, cache.series(key, view.closed(symbol, tf, count), label));
    }
  }
  const raw = new Map<Interval, readonly Candle[]>();
  for (const [tf, w] of windows) raw.set(tf, w.candles);
  const baseCandles = raw.get(o.baseInterval)!;
  if (baseCandles.length < o.baseNeed) {
    throw insufficientHistory(
      "the price-action and volume analysis",
      symbol,
      o.baseInterval,
      baseCandles.length,
      o.baseNeed,
      now,
    );
  }
  const series = (tf: Interval): CandleSeries => windows.get(tf)!;

  const { price, priceSource } = latestPrice(view, symbol, raw);

  const missing: MissingPart[] = [];
  const timeframes: Partial<Record<Interval, TimeframeSnapshot>> = {};
  for (const tf of o.timeframes) {
    const have = raw.get(tf)!.length;
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

  const srCandles: Partial<Record<Interval, CandleSeries>> = {};
  for (const tf of o.srDetector.timeframes) srCandles[tf] = series(tf);
  const sr = analyzeSupportResistance({ candles: srCandles, price, now }, o.srDetector);
  for (const m of sr.timeframesMissing) {
    missing.push({
      part: "zones",
      interval: m.interval,
      candles: m.candles,
      needed: m.needed,
      reason: `${m.candles} closed ${m.interval} candles, one swing pivot needs ${m.needed}`,
    });
  }
  const zones = sr.zones.map(zoneSummary);

  const momentumCandles: Partial<Record<Interval, CandleSeries>> = {};
  for (const tf of o.momentum.timeframes) momentumCandles[tf] = series(tf);

  const base = series(o.baseInterval);
  return checked({
    symbol,
    time: now,
    baseInterval: o.baseInterval,
    price,
    priceSource,
    timeframes,
    missing,
    priceAction: analyzePriceAction({ candles: base, zones }, o.priceAction),
    momentum: analyzeMomentum({ candles: momentumCandles }, o.momentum),
    volume: analyzeVolumeSpike({ candles: base }, o.volume),
    orderFlow: analyzeOrderFlow({ candles: series(o.orderFlow.interval) }, o.orderFlow),
    volumeProfile: profileSummary(series(o.volumeProfile.interval), o.volumeProfile),
    zones,
    nearestSupport: sr.nearestSupport ? zoneSummary(sr.nearestSupport) : null,
    nearestResistance: sr.nearestResistance ? zoneSummary(sr.nearestResistance) : null,
  });
}

function checked(a: SymbolAnalysis): SymbolAnalysis {
  assertJsonSafe(a, () => `The analysis of ${a.symbol} at ${new Date(a.time).toISOString()}`);
  return a;
}

/** See the module comment: the forming close of the finest interval that has one, else the latest close. */
function latestPrice(
  view: MarketView,
  symbol: string,
  raw: ReadonlyMap<Interval, readonly Candle[]>,
): { price: number; priceSource: "forming" | "closed" } {
  const finestFirst = [...raw.keys()].sort((a, b) => intervalMs(a) - intervalMs(b));
  for (const tf of finestFirst) {
    const f = view.forming(symbol, tf);
    if (f) return { price: f.close, priceSource: "forming" };
  }
  let latest: Candle | undefined;
  for (const tf of finestFirst) {
    const c = raw.get(tf)!.at(-1);
    if (c && (!latest || c.closeTime > latest.closeTime)) latest = c;
  }
  // The base interval has candles (checked before), so `latest` exists.
  return { price: latest!.close, priceSource: "closed" };
}

function snapshot(s: CandleSeries, o: Resolved): TimeframeSnapshot {
  const last = s.length - 1;
  const m = s.macd(o.momentum.macdFast, o.momentum.macdSlow, o.momentum.macdSignal);
  return {
    openTime: s.openTime[last]!,
    close: s.close[last]!,
    rsi: s.rsi(o.momentum.rsiPeriod)[last]!,
    macd: { line: m.macd[last]!, signal: m.signal[last]!, histogram: m.histogram[last]! },
    atr: s.atr(o.priceAction.atrPeriod)[last]!,
    obv: s.obv()[last]!,
  };
}

/** The reported fields of a zone (the detector's zones carry more: levels, touches by timeframe, …). */
export function zoneSummary(z: ZoneSummary): ZoneSummary {
  return {
    low: z.low,
    high: z.high,
    price: z.price,
    type: z.type,
    touches: z.touches,
    // Shared, not copied: the detector's arrays are frozen (sr-layout.ts).
    timeframes: z.timeframes,
    score: z.score,
  };
}

function profileSummary(candles: CandleSeries, o: VolumeProfileOptions): VolumeProfileSummary {
  const p = analyzeVolumeProfile({ candles }, o);
  if (!p.available) {
    return {
      available: false,
      reason: p.reason,
      candles: p.candles,
      poc: null,
      pocVolume: null,
      valueAreaLow: null,
      valueAreaHigh: null,
      binSize: null,
      position: null,
      highVolumeNodes: [],
      lowVolumeNodes: [],
      sweeps: [],
    };
  }
  return {
    available: true,
    reason: null,
    candles: p.candles,
    poc: p.poc.price,
    pocVolume: p.poc.volume,
    valueAreaLow: p.valueArea.low,
    valueAreaHigh: p.valueArea.high,
    binSize: p.binSize,
    position: p.position,
    highVolumeNodes: p.highVolumeNodes,
    lowVolumeNodes: p.lowVolumeNodes,
    sweeps: p.sweeps,
  };
}

/** analyzeSymbol as an Agent (options resolved and checked once). */
export function createSymbolAnalysisAgent(options?: Partial<SymbolAnalysisOptions>): Agent<SymbolAnalysis> {
  const o = resolve(options);
  return {
    name: "symbol-analysis",
    analyze: (view: MarketView, symbol: string) => analyzeResolved(view, symbol, o),
  };
}
