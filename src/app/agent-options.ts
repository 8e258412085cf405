/**
 * The configuration's agent sections as analyzeSymbol options: the one place where snake_case config keys meet the
 * agents' option names. Options the config does not expose keep the agents' documented defaults.
 */
import type { Config } from "./config.js";
import { type Interval, intervalMs } from "../core/interval.js";
import type { AnyAgent, SharedSettings } from "../agents/agent.js";
import { AGENTS } from "../agents/registry.js";
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

/**
 * The analysis options for `config`: each registered agent's section turned into its options by the agent itself
 * (its definition's `config.fromConfig`), under its `optionsKey`.
 */
export function agentOptionsFromConfig(config: Config, agents: readonly AnyAgent[] = AGENTS): SymbolAnalysisOptions {
  const sections = config as unknown as Readonly<Record<string, unknown>>;
  const shared: SharedSettings = { minQuoteVolume24h: config.universe.min_quote_volume_24h };
  const perAgent: Record<string, unknown> = {};
  for (const a of agents) {
    const section = sections[a.config.key];
    // A config loaded without this agent's section (not in its schema) gets the section's defaults.
    perAgent[a.optionsKey] = a.config.fromConfig(section ?? a.config.section.parse({}), shared);
  }
  const options = {
    ...DEFAULT_SYMBOL_ANALYSIS_OPTIONS,
    ...perAgent,
    baseInterval: config.price_action.interval,
    // The per-timeframe table shows every momentum timeframe too: they are read anyway, so it costs nothing.
    timeframes: [
      ...new Set<Interval>([...DEFAULT_SYMBOL_ANALYSIS_OPTIONS.timeframes, ...config.momentum.timeframes]),
    ].sort(byDuration),
    candles: DEFAULT_SYMBOL_ANALYSIS_OPTIONS.candles,
  } as SymbolAnalysisOptions;
  return agents === AGENTS ? options : { ...options, agents };
}

/**
 * The config keys that make the analysis read `interval`, e.g. ["momentum.timeframes"], so an interval the exchange
 * refuses can be traced back to the setting that asked for it (the agents declare which of their keys hold intervals).
 */
export function configKeysUsingInterval(
  config: Config,
  interval: Interval,
  agents: readonly AnyAgent[] = AGENTS,
): string[] {
  const sections = config as unknown as Readonly<Record<string, Readonly<Record<string, unknown>> | undefined>>;
  const keys: string[] = [];
  for (const a of agents) {
    const section = sections[a.config.key];
    if (!section) continue;
    for (const k of a.config.intervalKeys) {
      const v = section[k];
      if (v === interval || (Array.isArray(v) && v.includes(interval))) keys.push(`${a.config.key}.${k}`);
    }
  }
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
