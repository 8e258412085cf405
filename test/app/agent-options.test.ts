import { describe, expect, it } from "vitest";
import { DEFAULT_MOMENTUM_OPTIONS, resolveMomentumOptions } from "../../src/agents/momentum.js";
import { DEFAULT_ORDER_FLOW_OPTIONS, resolveOrderFlowOptions } from "../../src/agents/order-flow.js";
import { DEFAULT_PRICE_ACTION_OPTIONS, resolvePriceActionOptions } from "../../src/agents/price-action.js";
import { DEFAULT_SR_DETECTOR_OPTIONS, resolveSrDetectorOptions } from "../../src/agents/sr-detector.js";
import { DEFAULT_SYMBOL_ANALYSIS_OPTIONS, symbolAnalysisReads } from "../../src/agents/symbol-analysis.js";
import { DEFAULT_VOLUME_PROFILE_OPTIONS, resolveVolumeProfileOptions } from "../../src/agents/volume-profile.js";
import { DEFAULT_VOLUME_SPIKE_OPTIONS, resolveVolumeSpikeOptions } from "../../src/agents/volume-spike.js";
import {
  agentOptionsFromConfig,
  configKeysUsingInterval,
  synthesisOptionsFromConfig,
} from "../../src/app/agent-options.js";
import { defaultConfig, loadConfig } from "../../src/app/config.js";
import { DEFAULT_SYNTHESIS_OPTIONS } from "../../src/signals/synthesis.js";

const fromEnv = (env: Record<string, string>) => loadConfig({ env, file: false, cwd: "/tmp" });

describe("agentOptionsFromConfig", () => {
  it("the config's defaults are the agents' own defaults", () => {
    const o = agentOptionsFromConfig(defaultConfig("/tmp"));
    expect(o.baseInterval).toBe(DEFAULT_SYMBOL_ANALYSIS_OPTIONS.baseInterval);
    expect(o.timeframes).toEqual(DEFAULT_SYMBOL_ANALYSIS_OPTIONS.timeframes);
    expect(o.candles).toBe(DEFAULT_SYMBOL_ANALYSIS_OPTIONS.candles);
    expect(resolvePriceActionOptions(o.priceAction)).toEqual(DEFAULT_PRICE_ACTION_OPTIONS);
    expect(resolveMomentumOptions(o.momentum)).toEqual(DEFAULT_MOMENTUM_OPTIONS);
    expect(resolveVolumeSpikeOptions(o.volume)).toEqual(DEFAULT_VOLUME_SPIKE_OPTIONS);
    expect(resolveSrDetectorOptions(o.srDetector)).toEqual(DEFAULT_SR_DETECTOR_OPTIONS);
    expect(resolveOrderFlowOptions(o.orderFlow)).toEqual(DEFAULT_ORDER_FLOW_OPTIONS);
    expect(resolveVolumeProfileOptions(o.volumeProfile)).toEqual(DEFAULT_VOLUME_PROFILE_OPTIONS);
  });

  it("maps every agent key to its option", () => {
    const o = agentOptionsFromConfig(
      fromEnv({
        CMA_SR_DETECTOR__TIMEFRAMES: "1w,1d,4h",
        CMA_SR_DETECTOR__LOOKBACK: "60",
        CMA_SR_DETECTOR__MIN_TOUCHES: "3",
        CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0.01",
        CMA_PRICE_ACTION__INTERVAL: "4h",
        CMA_PRICE_ACTION__CHANGE_WINDOWS: "4h,1d,7d",
        CMA_PRICE_ACTION__RANGE_CANDLES: "30",
        CMA_PRICE_ACTION__BREAKOUT_THRESHOLD: "0.003",
        CMA_PRICE_ACTION__BREAKOUT_THRESHOLD_UNIT: "fraction",
        CMA_PRICE_ACTION__ATR_PERIOD: "10",
        CMA_PRICE_ACTION__EMA_PERIOD: "50",
        CMA_MOMENTUM__TIMEFRAMES: "5m,1h",
        CMA_MOMENTUM__RSI_PERIOD: "7",
        CMA_MOMENTUM__OVERSOLD: "25",
        CMA_MOMENTUM__OVERBOUGHT: "75",
        CMA_MOMENTUM__MACD_FAST: "8",
        CMA_MOMENTUM__MACD_SLOW: "21",
        CMA_MOMENTUM__MACD_SIGNAL: "5",
        CMA_VOLUME_SPIKE__BASELINE_CANDLES: "50",
        CMA_VOLUME_SPIKE__SPIKE_RATIO: "3",
        CMA_VOLUME_SPIKE__SPIKE_Z: "2.5",
        CMA_UNIVERSE__MIN_QUOTE_VOLUME_24H: "20000000",
        CMA_ORDER_FLOW__INTERVAL: "15m",
        CMA_ORDER_FLOW__WINDOW: "96",
        CMA_VOLUME_PROFILE__INTERVAL: "30m",
        CMA_VOLUME_PROFILE__WINDOW: "336",
        CMA_VOLUME_PROFILE__VALUE_AREA: "0.68",
      }),
    );
    expect(o.baseInterval).toBe("4h");
    // The table shows the default timeframes plus the momentum ones, finest first.
    expect(o.timeframes).toEqual(["5m", "15m", "1h", "4h", "1d"]);
    expect(resolvePriceActionOptions(o.priceAction)).toEqual({
      ...DEFAULT_PRICE_ACTION_OPTIONS,
      changeWindows: ["4h", "1d", "7d"],
      rangeLookback: 30,
      threshold: { unit: "fraction", value: 0.003 },
      atrPeriod: 10,
      emaPeriod: 50,
    });
    expect(resolveMomentumOptions(o.momentum)).toEqual({
      ...DEFAULT_MOMENTUM_OPTIONS,
      timeframes: ["5m", "1h"],
      rsiPeriod: 7,
      oversold: 25,
      overbought: 75,
      macdFast: 8,
      macdSlow: 21,
      macdSignal: 5,
    });
    expect(resolveVolumeSpikeOptions(o.volume)).toEqual({
      ...DEFAULT_VOLUME_SPIKE_OPTIONS,
      baselinePeriod: 50,
      spikeRatio: 3,
      spikeZ: 2.5,
      minQuoteVolume24h: 20_000_000,
    });
    expect(resolveSrDetectorOptions(o.srDetector)).toEqual({
      ...DEFAULT_SR_DETECTOR_OPTIONS,
      timeframes: ["1w", "1d", "4h"],
      lookback: 60,
      min_touches: 3,
      confluence_tolerance: 0.01,
    });
    expect(resolveOrderFlowOptions(o.orderFlow)).toEqual({
      ...DEFAULT_ORDER_FLOW_OPTIONS,
      interval: "15m",
      window: 96,
    });
    expect(resolveVolumeProfileOptions(o.volumeProfile)).toEqual({
      ...DEFAULT_VOLUME_PROFILE_OPTIONS,
      interval: "30m",
      window: 336,
      valueArea: 0.68,
    });
    // What the analysis then reads: the base and table timeframes 500 each, S/R 60, the windows.
    expect(Object.fromEntries(symbolAnalysisReads(o))).toEqual({
      "4h": 500,
      "5m": 500,
      "15m": 500,
      "1h": 500,
      "1d": 500,
      "1w": 60,
      "30m": 336,
    });
  });

  it("every value the config allows is one the agents accept (lowest and highest ends)", () => {
    const low = fromEnv({
      CMA_SR_DETECTOR__TIMEFRAMES: "1h",
      CMA_SR_DETECTOR__LOOKBACK: "11",
      CMA_SR_DETECTOR__MIN_TOUCHES: "1",
      CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0.0001",
      CMA_PRICE_ACTION__RANGE_CANDLES: "2",
      CMA_PRICE_ACTION__BREAKOUT_THRESHOLD: "0",
      CMA_PRICE_ACTION__ATR_PERIOD: "1",
      CMA_PRICE_ACTION__EMA_PERIOD: "2",
      CMA_MOMENTUM__RSI_PERIOD: "2",
      CMA_MOMENTUM__OVERSOLD: "0",
      CMA_MOMENTUM__OVERBOUGHT: "0.5",
      CMA_MOMENTUM__MACD_FAST: "2",
      CMA_MOMENTUM__MACD_SLOW: "3",
      CMA_MOMENTUM__MACD_SIGNAL: "1",
      CMA_VOLUME_SPIKE__BASELINE_CANDLES: "2",
      CMA_VOLUME_SPIKE__SPIKE_RATIO: "0.01",
      CMA_VOLUME_SPIKE__SPIKE_Z: "0",
      CMA_UNIVERSE__MIN_QUOTE_VOLUME_24H: "0",
      CMA_ORDER_FLOW__WINDOW: "1",
      CMA_VOLUME_PROFILE__WINDOW: "10",
      CMA_VOLUME_PROFILE__VALUE_AREA: "0.01",
    });
    const high = fromEnv({
      CMA_SR_DETECTOR__LOOKBACK: "5000",
      CMA_SR_DETECTOR__MIN_TOUCHES: "50",
      CMA_SR_DETECTOR__CONFLUENCE_TOLERANCE: "0.2",
      CMA_PRICE_ACTION__RANGE_CANDLES: "400",
      CMA_PRICE_ACTION__BREAKOUT_THRESHOLD: "10",
      CMA_PRICE_ACTION__ATR_PERIOD: "200",
      CMA_PRICE_ACTION__EMA_PERIOD: "200",
      CMA_MOMENTUM__RSI_PERIOD: "200",
      CMA_MOMENTUM__OVERSOLD: "99",
      CMA_MOMENTUM__OVERBOUGHT: "100",
      CMA_MOMENTUM__MACD_FAST: "100",
      CMA_MOMENTUM__MACD_SLOW: "200",
      CMA_MOMENTUM__MACD_SIGNAL: "100",
      CMA_VOLUME_SPIKE__BASELINE_CANDLES: "400",
      CMA_VOLUME_SPIKE__SPIKE_RATIO: "100",
      CMA_VOLUME_SPIKE__SPIKE_Z: "20",
      CMA_ORDER_FLOW__WINDOW: "5000",
      CMA_VOLUME_PROFILE__WINDOW: "5000",
      CMA_VOLUME_PROFILE__VALUE_AREA: "1",
    });
    for (const config of [low, high]) {
      expect(() => symbolAnalysisReads(agentOptionsFromConfig(config))).not.toThrow();
    }
  });

  it("names the settings that ask for an interval", () => {
    const c = fromEnv({ CMA_MOMENTUM__TIMEFRAMES: "1s,1h", CMA_ORDER_FLOW__INTERVAL: "1s" });
    expect(configKeysUsingInterval(c, "1s")).toEqual(["momentum.timeframes", "order_flow.interval"]);
    expect(configKeysUsingInterval(c, "1h")).toEqual([
      "sr_detector.timeframes",
      "price_action.interval",
      "momentum.timeframes",
      "volume_profile.interval",
    ]);
    expect(configKeysUsingInterval(c, "2h")).toEqual([]);
  });
});

describe("synthesisOptionsFromConfig", () => {
  it("maps the signal_synthesis section, minutes to ms and the position keys to their group", () => {
    const config = fromEnv({
      CMA_SIGNAL_SYNTHESIS__COOLDOWN_MINUTES: "90",
      CMA_SIGNAL_SYNTHESIS__WEIGHTS__SR: "0.4",
      CMA_SIGNAL_SYNTHESIS__MIN_POSITION_PCT: "10",
    });
    const o = synthesisOptionsFromConfig(config);
    expect(o.cooldown_ms).toBe(90 * 60_000);
    expect(o.weights).toEqual({ price_action: 0.2, momentum: 0.2, volume: 0.15, sr: 0.4, learning: 0.2 });
    expect(o.position).toEqual({ min_pct: 10, max_pct: 100, at_min_confidence: 50, full_confidence: 0.8 });
    expect(o.min_confidence).toBe(0.55);
  });

  it("with defaults equals synthesis's own defaults", () => {
    expect(synthesisOptionsFromConfig(defaultConfig("/tmp"))).toEqual(DEFAULT_SYNTHESIS_OPTIONS);
  });
});
