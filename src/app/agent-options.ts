/**
 * The configuration's agent sections as analyzeSymbol options: the one place where snake_case config keys meet the
 * agents' option names. Options the config does not expose keep the agents' documented defaults.
 */
import type { Config } from "../core/config.js";
import { type Interval, intervalMs } from "../core/interval.js";
import { DEFAULT_SYMBOL_ANALYSIS_OPTIONS, type SymbolAnalysisOptions } from "../agents/symbol-analysis.js";
import { HOUR, MINUTE } from "../core/interval.js";
import type { MarketType } from "../exchange/exchange.js";
import { defaultFeeFor, type PaperBrokerOptions, resolvePaperBrokerOptions } from "../learning/paper-broker-options.js";
import { resolveSynthesisOptions, type SynthesisOptions } from "../signals/synthesis.js";

/** Finest first; 1M sorts last whatever month it is. */
function byDuration(a: Interval, b: Interval): number {
  const ms = (i: Interval) => (i === "1M" ? Number.MAX_SAFE_INTEGER : intervalMs(i));
  return ms(a) - ms(b);
}

export function agentOptionsFromConfig(config: Config): SymbolAnalysisOptions {
  const pa = config.price_action;
  const m = config.momentum;
  const v = config.volume_spike;
  const sr = config.sr_detector;
  return {
    baseInterval: pa.interval,
    // The per-timeframe table shows every momentum timeframe too: they are read anyway, so it costs nothing.
    timeframes: [...new Set<Interval>([...DEFAULT_SYMBOL_ANALYSIS_OPTIONS.timeframes, ...m.timeframes])].sort(
      byDuration,
    ),
    candles: DEFAULT_SYMBOL_ANALYSIS_OPTIONS.candles,
    priceAction: {
      changeWindows: [...pa.change_windows],
      rangeLookback: pa.range_candles,
      threshold: { unit: pa.breakout_threshold_unit, value: pa.breakout_threshold },
      atrPeriod: pa.atr_period,
      emaPeriod: pa.ema_period,
    },
    momentum: {
      timeframes: [...m.timeframes],
      rsiPeriod: m.rsi_period,
      oversold: m.oversold,
      overbought: m.overbought,
      macdFast: m.macd_fast,
      macdSlow: m.macd_slow,
      macdSignal: m.macd_signal,
    },
    volume: {
      baselinePeriod: v.baseline_candles,
      spikeRatio: v.spike_ratio,
      spikeZ: v.spike_z,
      // One liquidity floor for the whole program: the universe's.
      minQuoteVolume24h: config.universe.min_quote_volume_24h,
    },
    srDetector: {
      timeframes: [...sr.timeframes],
      lookback: sr.lookback,
      min_touches: sr.min_touches,
      confluence_tolerance: sr.confluence_tolerance,
    },
    orderFlow: { interval: config.order_flow.interval, window: config.order_flow.window },
    volumeProfile: {
      interval: config.volume_profile.interval,
      window: config.volume_profile.window,
      valueArea: config.volume_profile.value_area,
    },
  };
}

/**
 * The config keys that make the analysis read `interval`, e.g. ["momentum.timeframes"], so an interval the exchange
 * refuses can be traced back to the setting that asked for it.
 */
export function configKeysUsingInterval(config: Config, interval: Interval): string[] {
  const keys: string[] = [];
  if (config.price_action.interval === interval) keys.push("price_action.interval");
  if (config.momentum.timeframes.includes(interval)) keys.push("momentum.timeframes");
  if (config.sr_detector.timeframes.includes(interval)) keys.push("sr_detector.timeframes");
  if (config.order_flow.interval === interval) keys.push("order_flow.interval");
  if (config.volume_profile.interval === interval) keys.push("volume_profile.interval");
  return keys;
}

/** The signal_synthesis section as synthesis options (validated again by synthesis, which names the bad option). */
export function synthesisOptionsFromConfig(config: Config): SynthesisOptions {
  const s = config.signal_synthesis;
  return resolveSynthesisOptions({
    weights: { ...s.weights },
    min_confidence: s.min_confidence,
    reward_risk: s.reward_risk,
    max_stop_pct: s.max_stop_pct,
    stop_atr_buffer: s.stop_atr_buffer,
    cooldown_ms: s.cooldown_minutes * MINUTE,
    zone_atr_distance: s.zone_atr_distance,
    zone_tolerance: s.zone_tolerance,
    macd_cross_max_bars: s.macd_cross_max_bars,
    breakout_max_bars: s.breakout_max_bars,
    position: {
      min_pct: s.min_position_pct,
      max_pct: s.max_position_pct,
      at_min_confidence: s.position_pct_at_min_confidence,
      full_confidence: s.full_position_confidence,
    },
  });
}

/**
 * The paper_trading section as paper broker options for `market` (the market the signals are traded on: futures
 * unless exchange.use_futures is false). A null taker_fee is that market's VIP 0 taker fee; time_stop_hours becomes
 * time_stop_ms. Options the config does not expose (breakeven_epsilon_r) keep the broker's default.
 */
export function paperBrokerOptionsFromConfig(config: Config, market: MarketType): PaperBrokerOptions {
  const p = config.paper_trading;
  return resolvePaperBrokerOptions({
    taker_fee: p.taker_fee ?? defaultFeeFor(market),
    slippage: p.slippage,
    notional: p.notional,
    // The schema has checked there are three; resolvePaperBrokerOptions checks again and names the option.
    partials: [p.partials[0], p.partials[1], p.partials[2]] as [number, number, number],
    breakeven_after_t1: p.breakeven_after_t1,
    time_stop_ms: p.time_stop_hours === null ? null : p.time_stop_hours * HOUR,
    max_open_per_symbol_direction: p.max_open_per_symbol_direction,
  });
}
