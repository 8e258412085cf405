import { describe, expect, it } from "vitest";
import type { ZoneSummary } from "../../src/agents/symbol-analysis.js";
import { UsageError } from "../../src/core/errors.js";
import {
  type AgentKnowledge,
  buildKnowledge,
  type KnowledgeEntry,
  type SymbolObservations,
} from "../../src/learning/knowledge.js";
import type { TradeSetup } from "../../src/learning/setup-context.js";
import { wilson } from "../../src/learning/stats.js";

const HOUR = 3_600_000;
const D0 = Date.UTC(2024, 0, 1);
const PERIOD = { from: D0, to: D0 + 1000 * HOUR };

let seq = 0;
function trade(win: boolean, extra: Partial<TradeSetup> = {}): TradeSetup {
  const i = seq++;
  const r = win ? 2 : -1;
  return {
    id: `k${i}`,
    symbol: "BTCUSDT",
    entryTime: D0 + i * HOUR,
    exitTime: D0 + i * HOUR + HOUR,
    pnl: r * 10,
    pnlPercent: r,
    rMultiple: r,
    riskReward: 2,
    outcome: win ? "WIN" : "LOSS",
    notional: 1000,
    direction: "LONG",
    entryPrice: 1000,
    signalType: "reversal_at_zone",
    zoneTimeframe: "1d",
    zoneTimeframeCount: 1,
    atZone: true,
    volumeConfirmed: false,
    rsiState: "neutral",
    agents: ["sr"],
    ...extra,
  };
}

function batch(n: number, wins: number, extra: Partial<TradeSetup> = {}): TradeSetup[] {
  return Array.from({ length: n }, (_, i) => trade(i < wins, extra));
}

function find(list: readonly KnowledgeEntry[], key: string): KnowledgeEntry {
  const e = list.find((x) => x.key === key);
  if (!e) throw new Error(`no entry ${key} in ${list.map((x) => x.key).join(", ")}`);
  return e;
}

/** Every entry of the knowledge, wherever it sits. */
function allEntries(k: AgentKnowledge): KnowledgeEntry[] {
  return [
    ...k.order_flow.entries,
    ...k.price_action.breakouts,
    ...k.price_action.reversals,
    ...k.price_action.consolidations.entries,
    ...k.liquidity.swept_levels,
    ...k.liquidity.high_liquidity_zones,
    ...k.liquidity.thin_zones,
    ...k.indicators.rsi.optimal_settings.entries,
    ...k.indicators.rsi.failure_modes,
    ...k.indicators.momentum,
    ...k.indicators.obv.entries,
    ...k.indicators.macd.entries,
    ...k.support_resistance.daily_levels,
    ...k.support_resistance.h4_levels,
    ...k.support_resistance.confluence_zones,
    ...k.poc.trading_rules,
  ];
}

describe("buildKnowledge: setup categories", () => {
  // 24 breakouts away from zones (15 win, 12 of them volume-confirmed), 5 breakouts at a zone (1 win),
  // 30 LONG reversals at support (12 win, RSI oversold), 10 SHORT reversals (6 win).
  const trades = [
    ...batch(12, 12, { signalType: "breakout", volumeConfirmed: true, atZone: false, zoneTimeframe: "4h" }),
    ...batch(12, 3, { signalType: "breakout", atZone: false, zoneTimeframe: "4h" }),
    ...batch(5, 1, { signalType: "breakout_at_zone" }),
    ...batch(30, 12, { rsiState: "oversold", agents: ["momentum", "sr"], zoneTimeframeCount: 2 }),
    ...batch(10, 6, { direction: "SHORT" }),
  ];
  const k = buildKnowledge(trades, {}, { period: PERIOD, minTrades: 20 });

  it("states a rate with its Wilson interval from minTrades up", () => {
    const b = find(k.price_action.breakouts, "breakout");
    const { low, high } = wilson(15, 24);
    // 15 of 24 = 0.625; mean R = (15·2 − 9·1)/24 = 0.875.
    expect(b).toEqual({
      key: "breakout",
      description: "Breakouts away from any zone",
      success_rate: 0.625,
      evidence: { n: 24, wins: 15, rate: 0.625, low, high, expectancy_r: 0.875, period: PERIOD },
      note: null,
    });
  });

  it("says 'not enough trades (n of min)' and states nothing below minTrades", () => {
    const z = find(k.price_action.breakouts, "breakout_at_zone");
    expect(z.success_rate).toBeNull();
    expect(z.evidence).toEqual({
      n: 5,
      wins: 1,
      rate: null,
      low: null,
      high: null,
      expectancy_r: null,
      period: PERIOD,
    });
    expect(z.note).toBe("not enough trades (5 of 20)");
    // Volume-confirmed breakouts: 12 (all won) — still below 20.
    expect(find(k.price_action.breakouts, "breakout_volume_confirmed").note).toBe("not enough trades (12 of 20)");
  });

  it("splits reversals by direction and RSI", () => {
    expect(find(k.price_action.reversals, "reversal_at_zone").evidence.n).toBe(40);
    // 30 LONG reversals, 12 wins → 0.4.
    expect(find(k.price_action.reversals, "reversal_long_at_support").success_rate).toBe(0.4);
    expect(find(k.price_action.reversals, "reversal_short_at_resistance").evidence.n).toBe(10);
    expect(find(k.price_action.reversals, "reversal_rsi_extreme").evidence.n).toBe(30);
  });

  it("RSI: entries per state, the best by lower bound, failure modes wholly below the overall rate", () => {
    // Overall: 12 + 3 + 1 + 12 + 6 = 34 wins of 12 + 12 + 5 + 30 + 10 = 69 → 0.49275.
    expect(k.overall.rate).toBeCloseTo(34 / 69, 12);
    const os = find(k.indicators.rsi.optimal_settings.entries, "long_oversold");
    expect(os.success_rate).toBe(0.4);
    // Neutral: 69 − 30 = 39 trades, 34 − 12 = 22 wins (0.564, low 0.410) beats oversold (0.4, low 0.246).
    expect(find(k.indicators.rsi.optimal_settings.entries, "rsi_neutral").evidence.wins).toBe(22);
    expect(k.indicators.rsi.optimal_settings.best).toBe("rsi_neutral");
    // RSI extreme at a zone without volume: the 30 oversold reversals, 0.4 with CI 0.246–0.577, straddling 0.493.
    expect(k.indicators.rsi.failure_modes).toEqual([]);
  });

  it("zone timeframe and confluence aggregates", () => {
    // zoneTimeframe 1d: 5 + 30 + 10 = 45 trades; 4h: the 24 breakouts.
    expect(find(k.support_resistance.daily_levels, "zone_1d").evidence.n).toBe(45);
    expect(find(k.support_resistance.h4_levels, "zone_4h").evidence.n).toBe(24);
    expect(find(k.support_resistance.confluence_zones, "confluence").evidence.n).toBe(30);
    expect(find(k.support_resistance.confluence_zones, "single_timeframe").evidence.n).toBe(39);
  });

  it("leaves what signals do not record empty, with a note", () => {
    expect(k.order_flow).toEqual({ observations: 0, entries: [], note: expect.stringMatching(/order flow/) });
    expect(k.indicators.obv.entries).toEqual([]);
    expect(k.indicators.macd.entries).toEqual([]);
    expect(k.price_action.consolidations.entries).toEqual([]);
  });

  it("counts as observations exactly the entries that state a rate", () => {
    const all = allEntries(k);
    const stated = all.filter((e) => e.success_rate !== null).length;
    expect(k.observations).toBe(stated);
    expect(k.price_action.observations).toBe(
      [...k.price_action.breakouts, ...k.price_action.reversals].filter((e) => e.success_rate !== null).length,
    );
    // breakout (24), reversal_at_zone (40), reversal_long_at_support (30), reversal_rsi_extreme (30): 4.
    expect(k.price_action.observations).toBe(4);
  });

  it("backs every entry by evidence and is plain JSON", () => {
    for (const e of allEntries(k)) {
      expect(e.success_rate).toBe(e.evidence.rate);
      expect(e.evidence.period).toEqual(PERIOD);
      expect(e.note === null).toBe(e.evidence.n >= 20);
    }
    expect(JSON.parse(JSON.stringify(k))).toEqual(k);
  });
});

describe("buildKnowledge: failure modes", () => {
  it("lists an RSI-extreme context whose interval lies wholly below the overall win rate", () => {
    // RSI extreme away from zones without volume: 2 of 25 win (CI 0.022–0.250); everything else 40 of 60.
    // Overall 42/85 = 0.494 > 0.250.
    const trades = [...batch(25, 2, { rsiState: "oversold", atZone: false }), ...batch(60, 40)];
    const k = buildKnowledge(trades, {}, { period: PERIOD, minTrades: 20 });
    expect(k.indicators.rsi.failure_modes.map((e) => e.key)).toEqual(["rsi_extreme_away_no_volume"]);
    expect(k.indicators.rsi.failure_modes[0]!.evidence.high).toBeLessThan(42 / 85);
  });
});

describe("buildKnowledge: price levels from the latest analyses", () => {
  const zone = (low: number, high: number, timeframes: ZoneSummary["timeframes"]): ZoneSummary => ({
    low,
    high,
    price: (low + high) / 2,
    type: "support",
    touches: 4,
    timeframes,
    score: 70,
  });
  // Zone 990–1010 (1d + 4h): tolerance 1.5 % × 1000 = 15 → entries 975..1025 count.
  const obs: SymbolObservations = {
    symbol: "BTCUSDT",
    zones: [zone(990, 1010, ["1d", "4h"]), zone(1200, 1210, ["4h"])],
    sweeps: [
      {
        side: "low",
        level: 900,
        levelTime: D0,
        sweptAt: D0 + 5 * HOUR,
        extreme: 895,
        close: 905,
        depthPct: 0.5556,
      },
    ],
    highVolumeNodes: [{ price: 1000, low: 995, high: 1005, volume: 50, prominence: 0.8 }],
    lowVolumeNodes: [{ price: 1100, low: 1095, high: 1105, volume: 2, prominence: 0.3 }],
    poc: 1000,
  };

  it("relates trades to levels by symbol and entry price within the tolerance", () => {
    seq = 0;
    const trades = [
      trade(true, { entryPrice: 975.5 }), // in (975..1025)
      trade(false, { entryPrice: 1025 }), // in, on the edge
      trade(true, { entryPrice: 974 }), // out
      trade(true, { entryPrice: 1000, symbol: "ETHUSDT" }), // other symbol
      trade(false, { entryPrice: 901 }), // #4, entry D0 + 4 h: before the sweep → not counted for it
      ...Array.from({ length: 12 }, (_, i) => trade(i < 9, { entryPrice: 902 })), // after the sweep
    ];
    const k = buildKnowledge(trades, { symbols: [obs] }, { period: PERIOD, minTrades: 2 });
    const daily = k.support_resistance.daily_levels.filter((e) => e.level);
    expect(daily.map((e) => e.key)).toEqual(["BTCUSDT:1d+4h support zone@1000"]);
    expect(daily[0]!.evidence).toMatchObject({ n: 2, wins: 1, rate: 0.5 });
    expect(daily[0]!.level).toEqual({ symbol: "BTCUSDT", price: 1000, low: 990, high: 1010 });
    expect(daily[0]!.description).toBe("BTCUSDT entries within 1.5% of the 1d+4h support zone at $990.00–$1,010.00");
    // Both zones are on 4h; only the first is a confluence (two timeframes).
    expect(k.support_resistance.h4_levels.filter((e) => e.level)).toHaveLength(2);
    expect(k.support_resistance.confluence_zones.filter((e) => e.level).map((e) => e.level!.price)).toEqual([1000]);
    // Sweep at 900 (tolerance 13.5), swept at D0 + 5 h: trade #4 (entered D0 + 4 h) is too early; the 12 at 902
    // (#5..#16) count, 9 wins.
    expect(k.liquidity.swept_levels).toHaveLength(1);
    expect(k.liquidity.swept_levels[0]!.evidence).toMatchObject({ n: 12, wins: 9, rate: 0.75 });
    // HVN 995–1005, tolerance 1.5 % × 1000 = 15 → 980..1020: none of 975.5, 1025, 974.
    expect(k.liquidity.high_liquidity_zones[0]!.evidence.n).toBe(0);
    expect(k.liquidity.thin_zones[0]!.evidence.n).toBe(0);
    // POC 1000 ± 15: 975.5 and 974 are out, 1025 out → 0 near; away = the other 16 BTC trades.
    expect(find(k.poc.trading_rules, "near_poc").evidence.n).toBe(0);
    expect(find(k.poc.trading_rules, "away_from_poc").evidence.n).toBe(16);
    expect(k.poc.observations).toBe(k.poc.trading_rules.filter((e) => e.success_rate !== null).length);
  });

  it("uses the given tolerance", () => {
    const trades = [trade(true, { entryPrice: 1016 }), trade(false, { entryPrice: 984 })];
    // 2 % of 1000 = 20 around the HVN 995–1005 → 975..1025.
    const k = buildKnowledge(trades, { symbols: [obs] }, { period: PERIOD, minTrades: 1, levelTolerance: 0.02 });
    expect(k.liquidity.high_liquidity_zones[0]!.evidence).toMatchObject({ n: 2, wins: 1 });
  });
});

describe("buildKnowledge: period and arguments", () => {
  it("counts only trades that exited within the period", () => {
    seq = 0;
    const trades = batch(30, 10);
    // Trade i exits at D0 + (i + 1) h: from D0 + 11 h to D0 + 20 h holds trades 10..19.
    const k = buildKnowledge(trades, {}, { period: { from: D0 + 11 * HOUR, to: D0 + 20 * HOUR }, minTrades: 5 });
    expect(k.overall.n).toBe(10);
    expect(k.overall.wins).toBe(0);
  });

  it("rejects bad options and extras with a UsageError", () => {
    expect(() => buildKnowledge([], {}, { period: { from: 10, to: 5 } })).toThrow(/swap/);
    expect(() => buildKnowledge([], {}, { period: PERIOD, minTrades: 0 })).toThrow(/minTrades/);
    expect(() => buildKnowledge([], {}, { period: PERIOD, levelTolerance: 1 })).toThrow(/levelTolerance/);
    const badZone = { symbol: "X", zones: [{ low: 5, high: 4, price: 4.5 }] } as unknown as SymbolObservations;
    expect(() => buildKnowledge([], { symbols: [badZone] }, { period: PERIOD })).toThrow(UsageError);
    const noPrice = [{ ...trade(true), entryPrice: Number.NaN }];
    expect(() => buildKnowledge(noPrice, {}, { period: PERIOD })).toThrow(/entryPrice/);
  });
});
