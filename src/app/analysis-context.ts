/**
 * What `cma analyze` and `cma levels` analyse: a market view over the candle store at one instant, with the
 * configured agent options.
 *
 * Live: the instant is the exchange's time, read once; the store is first synced up to it (only what is missing),
 * and the view's clock stays pinned there, so "closed" means exactly the candles the sync could store — a candle
 * closing while the command runs cannot be half-seen. Replay (`--at`): the store only, under a clock at that
 * instant; no request is made and the view shows nothing that closed later.
 */
import type { AnyAgent } from "../agents/agent.js";
import type { Candle } from "../core/candle.js";
import { SimulatedClock } from "../core/clock.js";
import type { Config } from "./config.js";
import { DataError, InvalidIntervalError, UsageError } from "../core/errors.js";
import { closeTimeOf, type Interval, intervalMs } from "../core/interval.js";
import type { Logger } from "../core/log.js";
import type { Exchange, ExchangeId, MarketType } from "../exchange/exchange.js";
import type { CandleStore } from "../market/candle-store.js";
import { StoreMarketView } from "../market/market-view.js";
import { type SymbolAnalysisOptions, symbolAnalysisReads } from "../agents/symbol-analysis.js";
import { analyzeSupportResistance, resolveSrDetectorOptions, type SrResult } from "../agents/sr-detector.js";
import { agentOptionsFromConfig, configKeysUsingInterval } from "./agent-options.js";
import {
  type AnalysisHistoryReport,
  type HistoryFailure,
  planAnalysisHistory,
  syncAnalysisHistory,
} from "./analysis-history.js";

export interface AnalysisContext {
  readonly view: StoreMarketView;
  /** The analysis instant (epoch ms). */
  readonly time: number;
  readonly options: SymbolAnalysisOptions;
  /** What the live sync did; undefined for a replay. */
  readonly history: AnalysisHistoryReport | undefined;
}

export interface LiveAnalysisParams {
  readonly exchange: Exchange;
  readonly store: CandleStore;
  readonly symbol: string;
  readonly config: Config;
  /** The analysis agents (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly logger?: Logger | undefined;
}

export async function liveAnalysisContext(p: LiveAnalysisParams): Promise<AnalysisContext> {
  const options = agentOptionsFromConfig(p.config, p.agents);
  // Options are checked before anything is asked of the exchange.
  const reads = symbolAnalysisReads(options);
  const time = await p.exchange.serverTime();
  const groups = planAnalysisHistory(reads, time, p.exchange, options.baseInterval);
  const history = await syncAnalysisHistory(p.exchange, p.store, p.symbol, groups, time, {
    signal: p.signal,
    logger: p.logger,
  });
  if (history.aborted || p.signal?.aborted) {
    throw p.signal?.reason ?? new DOMException("Interrupted", "AbortError");
  }
  const failure = history.failures[0];
  if (failure) await throwRefusal(p, failure);
  const view = new StoreMarketView({
    store: p.store,
    clock: new SimulatedClock(time),
    exchange: p.exchange.id,
    market: p.exchange.market,
  });
  return { view, time, options, history };
}

/**
 * The sync keeps going past a refused series and reports it as text; one cheap request for that series brings back
 * the exchange's typed error (UnknownSymbolError with its message and hint), which is what the user should see.
 */
async function throwRefusal(p: LiveAnalysisParams, failure: HistoryFailure): Promise<never> {
  try {
    await p.exchange.candles({ symbol: p.symbol, interval: failure.interval, limit: 1 });
  } catch (e) {
    if (e instanceof InvalidIntervalError) {
      const keys = configKeysUsingInterval(p.config, failure.interval, p.agents);
      throw new UsageError(
        `${p.exchange.id} ${p.exchange.market} does not offer ${failure.interval} candles` +
          (keys.length ? `, which ${keys.join(" and ")} ask${keys.length === 1 ? "s" : ""} for` : "") +
          ".",
        {
          hint: `Use another interval${keys.length ? ` in ${keys.join(", ")}` : ""}. ${e.hint ?? ""}`.trim(),
          cause: e,
        },
      );
    }
    throw e;
  }
  throw new DataError(`${p.symbol} ${failure.interval}: ${failure.error}`);
}

export interface StoredAnalysisParams {
  readonly store: CandleStore;
  readonly exchange: ExchangeId;
  readonly market: MarketType;
  readonly config: Config;
  /** The analysis agents (default: the registry's). */
  readonly agents?: readonly AnyAgent[] | undefined;
  /** The analysis instant (epoch ms). */
  readonly at: number;
}

export function storedAnalysisContext(p: StoredAnalysisParams): AnalysisContext {
  const options = agentOptionsFromConfig(p.config, p.agents);
  symbolAnalysisReads(options);
  const view = new StoreMarketView({
    store: p.store,
    clock: new SimulatedClock(p.at),
    exchange: p.exchange,
    market: p.market,
  });
  return { view, time: p.at, options, history: undefined };
}

/**
 * The S/R detector's full result (touches per timeframe, the pivots of each zone, coverage) for the candles and the
 * price the symbol analysis used, so its zones are exactly the analysis's zones with more detail.
 */
export function supportResistanceDetail(ctx: AnalysisContext, symbol: string, price: number): SrResult {
  const sr = resolveSrDetectorOptions(ctx.options.srDetector);
  const candles: Partial<Record<Interval, readonly Candle[]>> = {};
  for (const tf of sr.timeframes) candles[tf] = ctx.view.closed(symbol, tf, sr.lookback);
  return analyzeSupportResistance({ candles, price, now: ctx.time }, sr);
}

/**
 * When the latest closed candle of `interval` ended well before the analysis instant (more than one candle of
 * silence): the close time of that candle, else undefined. A halted or delisted market, or a replay past the end of
 * the stored history, analyses old candles; the user should be told.
 */
export function historyEndsEarly(ctx: AnalysisContext, symbol: string, interval: Interval): number | undefined {
  const last = ctx.view.closed(symbol, interval, 1)[0];
  if (!last) return undefined;
  const end = closeTimeOf(interval, last.openTime) + 1;
  return ctx.time - end >= intervalMs(interval, last.openTime) ? end : undefined;
}
