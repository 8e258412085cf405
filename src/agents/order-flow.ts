/**
 * Order flow from klines: who was aggressive, buyers or sellers. Binance klines carry the base volume bought by
 * takers (market orders lifting the ask); the rest of the volume was sold by takers. Per candle:
 *   buy = takerBuyBase,  sell = volume − takerBuyBase,  delta = buy − sell,  imbalance = delta / volume ∈ [−1, 1]
 * Over the last `window` candles: the sums, cumulative delta (Σ delta, plus its running series for charts) and the
 * window's imbalance = Σ delta / Σ volume. `bias` is "buying" / "selling" when that imbalance reaches ±biasThreshold.
 *
 * Divergence (only when clear): price rose by at least `divergenceMinMove` over the window (first open → last close)
 * while takers were net sellers by at least `divergenceMinImbalance` of the volume — "bearish": the rally is being
 * sold into (passive sellers absorbing it). Mirrored, "bullish". Weaker disagreement is not reported.
 *
 * Not every source records the taker split (the bundled spot dumps have zeros there): when any candle with volume in
 * the window lacks it (`hasTakerVolume`), the result is `available: false` with the reason, never a fake zero delta.
 */
import { type Candle, hasTakerVolume } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { type Interval, isInterval } from "../core/interval.js";
import { z } from "zod";
import { int, interval } from "../core/config-schema.js";
import { round } from "../core/round.js";
import type { AgentDefinition } from "./agent.js";
import { checkInRange, checkWhole, withDefaults, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";

const AGENT = "order flow";

export interface OrderFlowOptions {
  /** Interval the agent reads (default "1h"). */
  readonly interval: Interval;
  /** Candles in the window (default 24: one day of 1h candles). */
  readonly window: number;
  /** |window imbalance| from which the bias is "buying"/"selling" (default 0.05: 52.5 % of volume one side). */
  readonly biasThreshold: number;
  /** Minimum |price change| over the window, as a fraction, for a divergence (default 0.01). */
  readonly divergenceMinMove: number;
  /** Minimum opposite window imbalance for a divergence (default 0.05). */
  readonly divergenceMinImbalance: number;
}

export const DEFAULT_ORDER_FLOW_OPTIONS: OrderFlowOptions = {
  interval: "1h",
  window: 24,
  biasThreshold: 0.05,
  divergenceMinMove: 0.01,
  divergenceMinImbalance: 0.05,
};

export interface OrderFlowInput {
  /** Closed candles of one interval, oldest first; the last `window` are used. */
  readonly candles: readonly Candle[] | CandleSeries;
}

export interface OrderFlowCandle {
  readonly openTime: number;
  readonly buyVolume: number;
  readonly sellVolume: number;
  readonly delta: number;
  /** delta / volume, 0 for a candle without volume. */
  readonly imbalance: number;
}

export type OrderFlowBias = "buying" | "selling" | "balanced";

export interface OrderFlowDivergence {
  /** "bearish": price up on net taker selling; "bullish": price down on net taker buying. */
  readonly kind: "bullish" | "bearish";
  readonly priceChangePct: number;
  readonly imbalance: number;
}

export interface OrderFlowAvailable {
  readonly available: true;
  readonly reason: null;
  /** Candles in the window (fewer than `window` when the history is shorter). */
  readonly candles: number;
  /** Open time of the first candle, close time of the last. */
  readonly from: number;
  readonly to: number;
  readonly buyVolume: number;
  readonly sellVolume: number;
  /** Σ delta over the window. */
  readonly cumulativeDelta: number;
  /** Running Σ delta after each candle of the window, oldest first (last = cumulativeDelta). */
  readonly cumulativeDeltaSeries: readonly number[];
  /** cumulativeDelta / Σ volume ∈ [−1, 1]. */
  readonly imbalance: number;
  /** Σ buy / Σ sell; null when nothing was sold by takers. */
  readonly buySellRatio: number | null;
  readonly bias: OrderFlowBias;
  /** First open → last close, in percent. */
  readonly priceChangePct: number;
  readonly last: OrderFlowCandle;
  readonly divergence: OrderFlowDivergence | null;
}

export interface OrderFlowUnavailable {
  readonly available: false;
  readonly reason: string;
  readonly candles: number;
}

export type OrderFlowResult = OrderFlowAvailable | OrderFlowUnavailable;

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<OrderFlowOptions>();

export function resolveOrderFlowOptions(given?: Partial<OrderFlowOptions>): OrderFlowOptions {
  if (RESOLVED.has(given)) return given;
  const o = withDefaults(DEFAULT_ORDER_FLOW_OPTIONS, given);
  if (typeof o.interval !== "string" || !isInterval(o.interval)) {
    throw new UsageError(`${AGENT}: option interval "${String(o.interval)}" is not an interval.`);
  }
  checkWhole(AGENT, "window", o.window, 1);
  checkInRange(AGENT, "biasThreshold", o.biasThreshold, 0, 1);
  checkInRange(AGENT, "divergenceMinMove", o.divergenceMinMove, 0, 10);
  checkInRange(AGENT, "divergenceMinImbalance", o.divergenceMinImbalance, 0, 1);
  return RESOLVED.add(o);
}

/** Taker buy/sell split of one candle; taker buy is clamped into [0, volume] against rounding in the source. */
export function orderFlowOfCandle(c: Candle): OrderFlowCandle {
  const buy = Math.min(c.volume, Math.max(0, c.takerBuyBase));
  const sell = c.volume - buy;
  const delta = buy - sell;
  return {
    openTime: c.openTime,
    buyVolume: buy,
    sellVolume: sell,
    delta,
    imbalance: c.volume > 0 ? delta / c.volume : 0,
  };
}

export function analyzeOrderFlow(input: OrderFlowInput, options?: Partial<OrderFlowOptions>): OrderFlowResult {
  const o = resolveOrderFlowOptions(options);
  const given = input.candles;
  // A series is checked already; an array is checked for order and closedness in just the window (the whole
  // history may be long).
  const candles =
    given instanceof CandleSeries
      ? given.tail(o.window).candles
      : new CandleSeries(given.slice(Math.max(0, given.length - o.window)), AGENT).candles;
  const n = candles.length;
  if (n === 0) return { available: false, reason: "no closed candles", candles: 0 };
  let lacking = 0;
  for (const c of candles) if (c.volume > 0 && !hasTakerVolume(c)) lacking++;
  if (lacking > 0) {
    return {
      available: false,
      reason: `no taker buy/sell split in the data (${lacking} of ${n} candles lack it; spot dump files do not record it)`,
      candles: n,
    };
  }
  let buyVolume = 0;
  let sellVolume = 0;
  let cumulativeDelta = 0;
  const cumulativeDeltaSeries: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const f = orderFlowOfCandle(candles[i]!);
    buyVolume += f.buyVolume;
    sellVolume += f.sellVolume;
    cumulativeDelta += f.delta;
    cumulativeDeltaSeries[i] = cumulativeDelta;
  }
  const volume = buyVolume + sellVolume;
  const imbalance = volume > 0 ? cumulativeDelta / volume : 0;
  const first = candles[0]!;
  const lastCandle = candles[n - 1]!;
  const priceChange = (lastCandle.close - first.open) / first.open;
  const bias: OrderFlowBias =
    volume > 0 && imbalance >= o.biasThreshold
      ? "buying"
      : volume > 0 && imbalance <= -o.biasThreshold
        ? "selling"
        : "balanced";
  let divergence: OrderFlowDivergence | null = null;
  if (priceChange >= o.divergenceMinMove && imbalance <= -o.divergenceMinImbalance && volume > 0) {
    divergence = { kind: "bearish", priceChangePct: priceChange * 100, imbalance };
  } else if (priceChange <= -o.divergenceMinMove && imbalance >= o.divergenceMinImbalance && volume > 0) {
    divergence = { kind: "bullish", priceChangePct: priceChange * 100, imbalance };
  }
  return {
    available: true,
    reason: null,
    candles: n,
    from: first.openTime,
    to: lastCandle.closeTime,
    buyVolume,
    sellVolume,
    cumulativeDelta,
    cumulativeDeltaSeries,
    imbalance,
    buySellRatio: sellVolume > 0 ? buyVolume / sellVolume : null,
    bias,
    priceChangePct: priceChange * 100,
    last: orderFlowOfCandle(lastCandle),
    divergence,
  };
}

/** What order flow publishes on the symbol analysis. */
export interface OrderFlowOutput {
  readonly orderFlow: OrderFlowResult;
}

const configSection = z.strictObject({
  interval: interval().default("1h"),
  window: int(1, 5000, "of candles").default(24),
});

/** Order flow over the last `window` closed candles of `interval`. */
export const orderFlowAgent: AgentDefinition<OrderFlowOptions, OrderFlowOutput, "order_flow", typeof configSection> = {
  name: "order-flow",
  title: "Order Flow Agent",
  icon: "🌊",
  role: "taker buy/sell imbalance",
  publishes: ["orderFlow"],
  optionsKey: "orderFlow",
  config: {
    key: "order_flow",
    section: configSection,
    intervalKeys: ["interval"],
    fromConfig: (f) => ({ interval: f.interval, window: f.window }),
  },
  resolve: (given) => resolveOrderFlowOptions(given),
  reads: (o) => [{ interval: o.interval, candles: o.window, indicators: false }],
  analyze: (ctx, o) => ({ orderFlow: analyzeOrderFlow({ candles: ctx.series(o.interval) }, o) }),
  evidence: ({ orderFlow: f }) =>
    f.available
      ? { bias: f.bias, imbalance: round(f.imbalance, 3), divergence: f.divergence ? f.divergence.kind : "none" }
      : { bias: null, imbalance: null, divergence: null },
  unavailable: (out) => (out.orderFlow.available ? null : out.orderFlow.reason),
};
