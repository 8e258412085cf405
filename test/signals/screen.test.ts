/**
 * The exact pre-filter's ceiling (src/signals/screen.ts) is sound: walked through real history, no analysis gets
 * more confidence from synthesis, with any insight within the ceiling's, than the ceiling of its screen; an analysis
 * screened out never signals; and price action's screen bounds the breakouts the full analysis finds. The replay
 * equivalence (the same signals and trades with and without the pre-filter) is in test/app/pipeline-digest.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentDefinition } from "../../src/agents/agent.js";
import { orderFlowAgent } from "../../src/agents/order-flow.js";
import { type AnalysisMemory, rememberedScreen } from "../../src/app/orchestrator/index.js";
import type { PriceActionScreen } from "../../src/agents/price-action.js";
import { AGENTS } from "../../src/agents/registry.js";
import { srDetectorAgent } from "../../src/agents/sr-detector.js";
import {
  analyzeSymbol,
  DEFAULT_SYMBOL_ANALYSIS_OPTIONS,
  type SymbolAnalysis,
  screenSymbol,
  type SymbolScreen,
} from "../../src/agents/symbol-analysis.js";
import { SimulatedClock } from "../../src/core/clock.js";
import { UsageError } from "../../src/core/errors.js";
import { DAY, HOUR, MINUTE } from "../../src/core/interval.js";
import { StoreMarketView } from "../../src/market/market-view.js";
import { type InsightCeiling, MAX_CONTEXT_MULTIPLIER, NO_INSIGHT } from "../../src/signals/learning-insight.js";
import { confidenceCeiling, evidenceCeilings, screenedOut } from "../../src/signals/screen.js";
import type { Direction } from "../../src/signals/signal.js";
import { DEFAULT_SYNTHESIS_OPTIONS, synthesizeSignal } from "../../src/signals/synthesis.js";
import { at, bundled, key, type TempStore, tempStore } from "../market/helpers.js";
import { z } from "zod";

let t: TempStore;
beforeAll(() => {
  t = tempStore();
  for (const symbol of ["BTCUSDT", "SOLUSDT"]) {
    for (const tf of ["1h", "1d"] as const) t.store.upsert(key(symbol, tf), bundled("spot", symbol, tf));
  }
});
afterAll(() => t.close());

const OPTIONS = { momentum: { timeframes: ["1h", "4h"] as const } } as const;
const WIDEST: InsightCeiling = {
  adjust: DEFAULT_SYNTHESIS_OPTIONS.weights.learning,
  multiplier: MAX_CONTEXT_MULTIPLIER,
};
/** Insights an analysis may get, each with the ceiling that covers it. */
const INSIGHTS: readonly { adjust: number; multiplier: number }[] = [
  { adjust: 0.2, multiplier: 1.5 },
  { adjust: 0.05, multiplier: 1.2 },
  { adjust: -0.1, multiplier: 0.7 },
  { adjust: 0.2, multiplier: 0.5 },
];
const insight = (i: { adjust: number; multiplier: number }) => ({
  confidenceAdjustment: i.adjust,
  contextMultiplier: i.multiplier,
  winRate: 0.5,
  n: 30,
  low: 0.3,
  high: 0.7,
});

interface Walked {
  readonly screen: SymbolScreen;
  readonly analysis: SymbolAnalysis;
}

/** Every hour of 30 days for both symbols: the screen and the full analysis at each step, on one walked view. */
function walk(): Walked[] {
  const from = at("2025-04-01T00:00:00Z");
  const clock = new SimulatedClock(from);
  const view = new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot" });
  const out: Walked[] = [];
  for (let now = from; now < from + 30 * DAY; now += HOUR) {
    clock.set(now);
    for (const symbol of ["BTCUSDT", "SOLUSDT"]) {
      const screen = screenSymbol(view, symbol, OPTIONS);
      out.push({ screen, analysis: analyzeSymbol(view, symbol, OPTIONS) });
    }
  }
  return out;
}

describe("the pre-filter's ceiling on 30 days of real hourly history", () => {
  let walked: Walked[];
  beforeAll(() => {
    walked = walk();
  });

  it("bounds the confidence synthesis gives every analysis, with every insight within the ceiling's", () => {
    const anyConfidence = { ...DEFAULT_SYNTHESIS_OPTIONS, min_confidence: 0 };
    let checked = 0;
    for (const { screen, analysis } of walked) {
      for (const i of [null, ...INSIGHTS]) {
        const r = synthesizeSignal(analysis, anyConfidence, i === null ? null : insight(i));
        const direction: Direction | null = r.signal ? r.signal.direction : r.direction;
        if (direction === null) continue;
        const confidence = r.signal ? r.signal.confidence : r.confidence;
        const ceiling = confidenceCeiling(screen, direction, anyConfidence, i ?? NO_INSIGHT);
        expect(confidence).toBeLessThanOrEqual(ceiling * (1 + 1e-9) + 1e-12);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(walked.length * 3);
  });

  it("screens out only analyses that cannot signal, and most of those that do not", () => {
    let out = 0;
    let signals = 0;
    for (const { screen, analysis } of walked) {
      const signal = synthesizeSignal(analysis, DEFAULT_SYNTHESIS_OPTIONS, null).signal;
      if (signal) signals++;
      if (!screenedOut(screen, DEFAULT_SYNTHESIS_OPTIONS, () => NO_INSIGHT)) continue;
      out++;
      expect(signal).toBeNull();
    }
    expect(signals).toBeGreaterThan(0);
    expect(out).toBeGreaterThan(walked.length / 2);
    // With the widest insight any learning agent could give, little can be ruled out.
    const widest = walked.filter((w) => screenedOut(w.screen, DEFAULT_SYNTHESIS_OPTIONS, () => WIDEST)).length;
    expect(widest).toBeLessThan(out);
  });

  it("price action's screen bounds the breakouts the analysis finds, at every candle they count from", () => {
    let breakouts = 0;
    for (const { screen, analysis } of walked) {
      const pa = screen.screens.get("price-action") as PriceActionScreen;
      const found = analysis.priceAction;
      for (const b of found.breakouts) {
        expect(b.strength).toBeLessThanOrEqual(pa.strongest(0)[b.direction]);
        breakouts++;
      }
      const last = found.lastBreakout;
      if (last) expect(last.strength).toBeLessThanOrEqual(pa.strongest(last.barsAgo)[last.direction]);
      expect(pa.strongest(pa.recentBars)).toEqual({ up: -1, down: -1 });
    }
    expect(breakouts).toBeGreaterThan(0);
  });

  it("momentum's screen is what synthesis reads of the analysis's momentum; volume is screened in full", () => {
    for (const { screen, analysis } of walked.slice(0, 50)) {
      const m = analysis.momentum;
      const timeframes = Object.fromEntries(
        Object.entries(m.timeframes).map(([tf, f]) => [
          tf,
          { rsiStatus: f.rsiStatus, macdCross: f.macdCross, divergence: f.divergence },
        ]),
      );
      expect(screen.screens.get("momentum")).toEqual({
        oversoldOn: m.oversoldOn,
        overboughtOn: m.overboughtOn,
        timeframes,
      });
      expect(screen.outputs.volume).toEqual(analysis.volume);
      expect(screen.price).toBe(analysis.price);
    }
  });
});

describe("agents and screening", () => {
  const now = at("2025-04-10T00:00:00Z");
  const view = () =>
    new StoreMarketView({ store: t.store, clock: new SimulatedClock(now), exchange: "binance", market: "spot" });
  const base = {
    title: "Test Agent",
    icon: "🧪",
    role: "tests",
    optionsKey: "testAgent",
    config: { key: "test_agent", section: z.object({}), intervalKeys: [], fromConfig: () => ({}) },
    resolve: () => ({}),
    reads: () => [{ interval: "1h" as const, candles: 10, indicators: false }],
    unavailable: () => null,
  };

  it("an agent without a screen does not run while screening, and does in the analysis", () => {
    let runs = 0;
    const counting: AgentDefinition<object, { counted: number }> = {
      ...base,
      name: "counting",
      publishes: ["counted"],
      analyze: () => ({ counted: ++runs }),
    };
    const options = { ...OPTIONS, agents: [...AGENTS, counting] };
    const s = screenSymbol(view(), "BTCUSDT", options);
    expect(runs).toBe(0);
    expect(s.outputs.counted).toBeUndefined();
    const a = analyzeSymbol(view(), "BTCUSDT", options) as SymbolAnalysis & { counted: number };
    expect(a.counted).toBe(1);
  });

  it("refuses an agent screened in full after one that is not, naming both", () => {
    const late: AgentDefinition<object, { late: number }> = {
      ...base,
      name: "late",
      publishes: ["late"],
      screen: "full",
      after: [srDetectorAgent],
      analyze: () => ({ late: 1 }),
    };
    const run = () => screenSymbol(view(), "BTCUSDT", { ...OPTIONS, agents: [...AGENTS, late] });
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/late is screened in full but runs after sr-detector, which is not/);
  });

  it("a screen reads the screens of the agents it runs after", () => {
    const reader: AgentDefinition<object, { bands: number }> = {
      ...base,
      name: "band-reader",
      publishes: ["bands"],
      after: [srDetectorAgent, orderFlowAgent],
      screen: (ctx) => ({ bands: ctx.screenOf<{ bands: unknown[] }>(srDetectorAgent).bands.length }),
      analyze: () => ({ bands: 0 }),
    };
    const refused = () => screenSymbol(view(), "BTCUSDT", { ...OPTIONS, agents: [...AGENTS, reader] });
    // Order flow has no screen: screening does not run it, so nothing could wait for it.
    expect(refused).toThrow(/band-reader has a screen but runs after order-flow, which has none/);
    const ok = { ...reader, after: [srDetectorAgent] };
    const s = screenSymbol(view(), "BTCUSDT", { ...OPTIONS, agents: [...AGENTS, ok] });
    const bands = (s.screens.get("sr-detector") as { bands: unknown[] }).bands.length;
    expect(bands).toBeGreaterThan(0);
    expect(s.screens.get("band-reader")).toEqual({ bands });
  });
});

describe("a screen is remembered while nothing it read has changed", () => {
  it("a 15m pass over unchanged hourly candles reuses the screen; the next close makes a new one", () => {
    const start = at("2025-04-10T00:00:00Z");
    const clock = new SimulatedClock(start);
    const view = new StoreMarketView({ store: t.store, clock, exchange: "binance", market: "spot" });
    const memory: AnalysisMemory = new Map();
    const timings = new Map<string, number>();
    const options = { ...DEFAULT_SYMBOL_ANALYSIS_OPTIONS, momentum: { timeframes: ["1h", "4h"] } } as const;
    const first = rememberedScreen(view, "BTCUSDT", options, DEFAULT_SYNTHESIS_OPTIONS, memory, timings);
    expect(first).not.toBeNull();
    clock.set(start + 15 * MINUTE);
    expect(rememberedScreen(view, "BTCUSDT", options, DEFAULT_SYNTHESIS_OPTIONS, memory, timings)).toBe(first);
    clock.set(start + HOUR);
    const next = rememberedScreen(view, "BTCUSDT", options, DEFAULT_SYNTHESIS_OPTIONS, memory, timings);
    expect(next).not.toBe(first);
    expect(next).toEqual(evidenceCeilings(screenSymbol(view, "BTCUSDT", options), DEFAULT_SYNTHESIS_OPTIONS));
  });
});
