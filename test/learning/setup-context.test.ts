import { describe, expect, it } from "vitest";
import type { ZoneSummary } from "../../src/agents/symbol-analysis.js";
import { UsageError } from "../../src/core/errors.js";
import { HOUR } from "../../src/core/interval.js";
import { strategyAnalysis } from "../../src/learning/breakdowns.js";
import { closePaperTrade, openPaperTrade } from "../../src/learning/paper-broker.js";
import { coarsest, setupContext, tradeContext } from "../../src/learning/setup-context.js";
import type { Direction, Signal, SignalEvidence } from "../../src/signals/signal.js";
import { T0, testSignal } from "./fixtures/signals.js";

function zone(timeframes: ZoneSummary["timeframes"], type: ZoneSummary["type"] = "support"): ZoneSummary {
  return { low: 94, high: 96, price: 95, type, touches: 3, timeframes, score: 60 };
}

function signal(direction: Direction, evidence: Partial<SignalEvidence> = {}): Signal {
  return testSignal({
    direction,
    stop: direction === "LONG" ? 95 : 105,
    targets: direction === "LONG" ? [110, 115, 120] : [90, 85, 80],
    evidence: { zones: [zone(["4h"])], ...evidence },
  });
}

const comps = (c: Partial<SignalEvidence["components"]>): SignalEvidence["components"] => ({
  price_action: 0,
  momentum: 0,
  volume: 0,
  sr: 0,
  learning: 0,
  ...c,
});

describe("setupContext: signal type", () => {
  it.each([
    // breakoutPct set and S/R > 0 → both.
    ["breakout_at_zone", { breakoutPct: 1.2, components: comps({ price_action: 0.15, sr: 0.1 }) }],
    ["breakout", { breakoutPct: 0.8, components: comps({ price_action: 0.2 }) }],
    ["reversal_at_zone", { components: comps({ sr: 0.12, momentum: 0.1 }) }],
    ["momentum", { components: comps({ momentum: 0.16 }) }],
    // A resistance zone against a LONG gives a negative S/R component: not "at a zone" for this trade.
    ["momentum", { components: comps({ momentum: 0.2, sr: -0.05 }) }],
  ] as const)("%s", (want, ev) => {
    expect(setupContext(signal("LONG", ev)).signalType).toBe(want);
  });

  it("atZone follows the S/R component's sign", () => {
    expect(setupContext(signal("SHORT", { components: comps({ sr: 0.01 }) })).atZone).toBe(true);
    expect(setupContext(signal("SHORT", { components: comps({ sr: 0 }) })).atZone).toBe(false);
  });
});

describe("setupContext: zone timeframe", () => {
  it("takes the coarsest timeframe of the first (justifying) zone only", () => {
    const s = signal("LONG", { zones: [zone(["4h", "1w", "1d"]), zone(["1M"], "resistance")] });
    const c = setupContext(s);
    expect(c.zoneTimeframe).toBe("1w");
    expect(c.zoneTimeframeCount).toBe(3);
  });

  it("ranks 1M > 1w > 3d > 1d > 4h > 1h", () => {
    expect(coarsest(["1h", "4h"])).toBe("4h");
    expect(coarsest(["1d", "3d", "4h"])).toBe("3d");
    expect(coarsest(["1w", "1M", "1d"])).toBe("1M");
    expect(coarsest(["1h"])).toBe("1h");
    expect(coarsest([])).toBeNull();
  });

  it("is null without a zone or without timeframes", () => {
    expect(setupContext(signal("LONG", { zones: [] })).zoneTimeframe).toBeNull();
    const none = setupContext(signal("LONG", { zones: [zone([])] }));
    expect(none.zoneTimeframe).toBeNull();
    expect(none.zoneTimeframeCount).toBe(0);
  });
});

describe("setupContext: volume, RSI, agents", () => {
  it("volume is confirmed from a z-score of 2 up", () => {
    expect(setupContext(signal("LONG", { volumeZScore: 2 })).volumeConfirmed).toBe(true);
    expect(setupContext(signal("LONG", { volumeZScore: 1.99 })).volumeConfirmed).toBe(false);
    expect(setupContext(signal("LONG", { volumeZScore: null, volumeRatio: 5 })).volumeConfirmed).toBe(false);
  });

  it("RSI state is the extreme on the trade's side, else neutral", () => {
    expect(setupContext(signal("LONG", { rsiExtremeOn: ["4h"] })).rsiState).toBe("oversold");
    expect(setupContext(signal("SHORT", { rsiExtremeOn: ["1h", "4h"] })).rsiState).toBe("overbought");
    expect(setupContext(signal("SHORT", { rsiExtremeOn: [] })).rsiState).toBe("neutral");
  });

  it("agents are the components > 0 in a fixed order; learning is not one", () => {
    const c = setupContext(
      signal("LONG", {
        components: comps({ sr: 0.2, volume: 0.05, price_action: 0.1, momentum: -0.04, learning: 0.1 }),
      }),
    );
    expect(c.agents).toEqual(["price_action", "volume", "sr"]);
    expect(setupContext(signal("LONG")).agents).toEqual([]);
  });

  it("throws a UsageError for a signal without evidence", () => {
    const bad = { ...signal("LONG"), evidence: undefined } as unknown as Signal;
    expect(() => setupContext(bad)).toThrow(UsageError);
  });
});

describe("tradeContext", () => {
  const opts = { taker_fee: 0, slippage: 0, notional: 1000 };
  const s = signal("LONG", {
    breakoutPct: null,
    components: comps({ sr: 0.15, momentum: 0.1 }),
    zones: [zone(["1d", "4h"])],
    rsiExtremeOn: ["1h"],
    volumeZScore: 2.5,
  });

  it("maps a closed paper trade to the metrics fields plus its setup", () => {
    const open = openPaperTrade(s, 100, T0, opts);
    const { trade } = closePaperTrade(open, 104, T0 + HOUR, "manual", opts);
    // qty = 1000 / 100 = 10; pnl = (104 − 100) × 10 = 40 (no fees, no slippage); 1 R = (100 − 95) × 10 = 50.
    expect(tradeContext(trade)).toEqual({
      agentEvidence: {},
      id: trade.tradeId,
      symbol: "BTCUSDT",
      entryTime: T0,
      exitTime: T0 + HOUR,
      pnl: 40,
      pnlPercent: 4,
      rMultiple: 0.8,
      riskReward: 2,
      outcome: "WIN",
      notional: 1000,
      direction: "LONG",
      entryPrice: 100,
      signalType: "reversal_at_zone",
      zoneTimeframe: "1d",
      zoneTimeframeCount: 2,
      atZone: true,
      volumeConfirmed: true,
      rsiState: "oversold",
      agents: ["momentum", "sr"],
    });
  });

  it("is accepted by the strategy analysis as a TradeContext", () => {
    const { trade } = closePaperTrade(openPaperTrade(s, 100, T0, opts), 97, T0 + HOUR, "manual", opts);
    const a = strategyAnalysis([tradeContext(trade)], { minTrades: 1 });
    expect(a.dimensions.signal_type).toEqual([
      // pnl (97 − 100) × 10 = −30 → LOSS, −0.6 R.
      {
        key: "reversal_at_zone",
        n: 1,
        wins: 0,
        winRate: 0,
        low: 0,
        high: expect.any(Number),
        expectancy: -30,
        expectancyR: -0.6,
        enough: true,
      },
    ]);
  });

  it("refuses an open trade", () => {
    expect(() => tradeContext(openPaperTrade(s, 100, T0, opts))).toThrow(/still OPEN/);
  });
});
