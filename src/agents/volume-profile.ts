/**
 * Volume profile of the last `window` closed candles (lower timeframe, default 1h over 7 days): where volume traded.
 *
 * - Bins: width `binSize`, or automatically `binPct` × the last close rounded UP to a 1-2-2.5-5 × 10^k step (so
 *   bins are readable prices: 0.2 % of 95 000 = 190 → 200), then to a whole multiple of `tickSize` when given. Edges
 *   sit on multiples of the width, so a sliding window keeps its grid. If the range would need more than `maxBins`
 *   bins the width grows (same rounding) until it fits, bounding the cost of everything below.
 * - Distribution: each candle's volume is spread uniformly over its high–low range (the only assumption a candle
 *   allows without its trades); a candle with high = low puts it all in one bin. Σ bins = Σ volume.
 * - Point of control (POC): the bin with the most volume; on a tie, the one nearest the middle of the profile
 *   (the Market Profile convention), then the lower.
 * - Value area (default 70 %): the CBOT procedure — start at the POC and repeatedly add the two bins above or the two
 *   bins below, whichever pair holds more volume (both on a tie; one side only once the other is exhausted), until
 *   the area holds at least `valueArea` of the volume. It can overshoot by at most the last step (≤ 2 bins per side).
 * - High- and low-volume nodes: peaks and troughs of the smoothed profile with prominence ≥ `nodeProminence` × its
 *   maximum (profile-nodes.ts), strongest first, at most `maxNodes` each — the liquidity zones (HVN: price
 *   accepted, likely support/resistance; LVN: thin, price tends to move through quickly).
 * - Swept levels: swing highs/lows of the window pierced by a wick and closed back inside (liquidity-sweeps.ts),
 *   most recent first.
 */
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { type Interval, isInterval } from "../core/interval.js";
import { z } from "zod";
import { int, interval, num } from "../core/config-schema.js";
import type { AgentDefinition } from "./agent.js";
import { checkInRange, checkPositive, checkWhole, withDefaults, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";
import { type LiquiditySweep, liquiditySweeps } from "./liquidity-sweeps.js";
import { type NodeCandidate, profileNodes, smoothProfile } from "./profile-nodes.js";

export type { LiquiditySweep } from "./liquidity-sweeps.js";

const AGENT = "volume profile";

export interface VolumeProfileOptions {
  /** Interval the agent reads (default "1h"). */
  readonly interval: Interval;
  /** Candles in the profile (default 168: 7 days of 1h). */
  readonly window: number;
  /** Fixed bin width in price units; null (default) sizes bins from `binPct`. */
  readonly binSize: number | null;
  /** Automatic bin width as a fraction of the last close (default 0.002 = 0.2 %). */
  readonly binPct: number;
  /** The market's tick size; bins are whole multiples of it when given (default null). */
  readonly tickSize: number | null;
  /** Most bins a profile may have (default 400). */
  readonly maxBins: number;
  /** Share of the volume in the value area (default 0.7). */
  readonly valueArea: number;
  /** Half-width, in bins, of the moving average the nodes are found on (default 1: 3 bins). */
  readonly smoothing: number;
  /** Minimum prominence of a node, as a fraction of the smoothed profile's maximum (default 0.1). */
  readonly nodeProminence: number;
  /** Most high- and most low-volume nodes reported, each (default 5). */
  readonly maxNodes: number;
  /** Swing-pivot window of the levels watched for sweeps (default 5 bars each side). */
  readonly sweepPivot: { readonly left: number; readonly right: number };
}

export const DEFAULT_VOLUME_PROFILE_OPTIONS: VolumeProfileOptions = {
  interval: "1h",
  window: 168,
  binSize: null,
  binPct: 0.002,
  tickSize: null,
  maxBins: 400,
  valueArea: 0.7,
  smoothing: 1,
  nodeProminence: 0.1,
  maxNodes: 5,
  sweepPivot: { left: 5, right: 5 },
};

export interface VolumeProfileInput {
  /** Closed candles of one interval, oldest first; the last `window` are used. */
  readonly candles: readonly Candle[] | CandleSeries;
}

export interface PriceBin {
  /** Centre of the bin. */
  readonly price: number;
  readonly low: number;
  readonly high: number;
  readonly volume: number;
}

export interface VolumeNode {
  /** Centre of the node's bin. */
  readonly price: number;
  /** Its band: the bins within half its prominence of it. */
  readonly low: number;
  readonly high: number;
  /** Smoothed volume per bin at the node. */
  readonly volume: number;
  /** Prominence as a fraction of the smoothed profile's maximum (0–1). */
  readonly prominence: number;
}

export interface ValueArea {
  readonly low: number;
  readonly high: number;
  readonly volume: number;
  /** volume / total volume (≥ the valueArea option). */
  readonly share: number;
}

export interface VolumeProfileAvailable {
  readonly available: true;
  readonly reason: null;
  readonly candles: number;
  /** Open time of the first candle, close time of the last. */
  readonly from: number;
  readonly to: number;
  readonly totalVolume: number;
  readonly binSize: number;
  /** Lower edge of the first bin; bin k spans [origin + k·binSize, origin + (k+1)·binSize). */
  readonly origin: number;
  /** Volume per bin, lowest price first. */
  readonly volumes: readonly number[];
  readonly poc: PriceBin;
  readonly valueArea: ValueArea;
  readonly lastClose: number;
  /** Where the last close is relative to the value area. */
  readonly position: "above" | "inside" | "below";
  readonly highVolumeNodes: readonly VolumeNode[];
  readonly lowVolumeNodes: readonly VolumeNode[];
  /** Most recent first. */
  readonly sweeps: readonly LiquiditySweep[];
}

export interface VolumeProfileUnavailable {
  readonly available: false;
  readonly reason: string;
  readonly candles: number;
}

export type VolumeProfileResult = VolumeProfileAvailable | VolumeProfileUnavailable;

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<VolumeProfileOptions>();

export function resolveVolumeProfileOptions(given?: Partial<VolumeProfileOptions>): VolumeProfileOptions {
  if (RESOLVED.has(given)) return given;
  const o = withDefaults(DEFAULT_VOLUME_PROFILE_OPTIONS, given);
  if (typeof o.interval !== "string" || !isInterval(o.interval)) {
    throw new UsageError(`${AGENT}: option interval "${String(o.interval)}" is not an interval.`);
  }
  checkWhole(AGENT, "window", o.window, 1);
  if (o.binSize !== null) checkPositive(AGENT, "binSize", o.binSize);
  checkPositive(AGENT, "binPct", o.binPct);
  checkInRange(AGENT, "binPct", o.binPct, 0, 1);
  if (o.tickSize !== null) checkPositive(AGENT, "tickSize", o.tickSize);
  checkWhole(AGENT, "maxBins", o.maxBins, 3);
  checkPositive(AGENT, "valueArea", o.valueArea);
  checkInRange(AGENT, "valueArea", o.valueArea, 0, 1);
  checkWhole(AGENT, "smoothing", o.smoothing, 0);
  checkInRange(AGENT, "nodeProminence", o.nodeProminence, 0, 1);
  checkWhole(AGENT, "maxNodes", o.maxNodes, 0);
  checkWhole(AGENT, "sweepPivot.left", o.sweepPivot.left, 1);
  checkWhole(AGENT, "sweepPivot.right", o.sweepPivot.right, 0);
  return RESOLVED.add(o);
}

const NICE_STEPS = [1, 2, 2.5, 5, 10];
const EDGES: number[] = [];

/** The smallest 1, 2, 2.5 or 5 × 10^k that is ≥ x (x > 0). */
export function niceCeil(x: number): number {
  const k = Math.floor(Math.log10(x));
  const unit = 10 ** k;
  for (const m of NICE_STEPS) {
    // Relative slack: 0.3 / 0.1 is 2.9999999999999996, which should give 3 → 5, not jump on rounding noise.
    if (m * unit >= x * (1 - 1e-12)) return m * unit;
  }
  return 10 * unit;
}

/** Rounds a width up to a whole number of ticks (at least one). */
function toTicks(width: number, tick: number | null): number {
  if (tick === null) return width;
  return Math.max(1, Math.ceil(width / tick - 1e-9)) * tick;
}

function binCount(width: number, minLow: number, maxHigh: number): number {
  return Math.floor(maxHigh / width) - Math.floor(minLow / width) + 1;
}

function binWidth(o: VolumeProfileOptions, lastClose: number, minLow: number, maxHigh: number): number {
  let width = o.binSize ?? toTicks(niceCeil(o.binPct * lastClose), o.tickSize);
  const range = maxHigh - minLow;
  if (binCount(width, minLow, maxHigh) > o.maxBins) {
    const fit = range / (o.maxBins - 1);
    width = o.binSize !== null ? o.binSize * Math.ceil(fit / o.binSize) : toTicks(niceCeil(fit), o.tickSize);
    // Flooring at both ends can still leave one bin too many; one more step always fits.
    while (binCount(width, minLow, maxHigh) > o.maxBins)
      width = o.binSize !== null ? width + o.binSize : toTicks(niceCeil(width * 1.01), o.tickSize);
  }
  return width;
}

export function analyzeVolumeProfile(
  input: VolumeProfileInput,
  options?: Partial<VolumeProfileOptions>,
): VolumeProfileResult {
  const o = resolveVolumeProfileOptions(options);
  const given = input.candles;
  // A series is read in place, rows [start, end): a tail() of it would be a new series (and columns) per call.
  const s =
    given instanceof CandleSeries ? given : new CandleSeries(given.slice(Math.max(0, given.length - o.window)), AGENT);
  const end = s.length;
  const start = Math.max(0, end - o.window);
  const n = end - start;
  if (n === 0) return { available: false, reason: "no closed candles", candles: 0 };
  const { high, low, close, volume, openTime, closeTime } = s;
  let minLow = Number.POSITIVE_INFINITY;
  let maxHigh = Number.NEGATIVE_INFINITY;
  // Only whether anything traded matters here: the reported total is the binned one, summed bin by bin below.
  let traded = false;
  for (let i = start; i < end; i++) {
    if (volume[i]! <= 0) continue;
    if (low[i]! < minLow) minLow = low[i]!;
    if (high[i]! > maxHigh) maxHigh = high[i]!;
    traded = true;
  }
  if (!traded) return { available: false, reason: "no volume traded in the window", candles: n };
  const lastClose = close[end - 1]!;
  if (!(minLow > 0)) {
    return { available: false, reason: "prices at or below zero cannot be binned", candles: n };
  }
  const width = binWidth(o, lastClose > 0 ? lastClose : maxHigh, minLow, maxHigh);
  const first = Math.floor(minLow / width);
  const origin = first * width;
  const nb = Math.floor(maxHigh / width) - first + 1;
  // A plain array, preallocated: at a few hundred bins a typed array (or growing by push) costs more than the binning.
  const bins: number[] = new Array<number>(nb).fill(0);
  // edges[k] = origin + k·width, computed once instead of twice per bin a candle touches (same expression, so the
  // same value). Scratch shared across calls: it does not outlive this one.
  const edges = EDGES;
  while (edges.length <= nb) edges.push(0);
  for (let k = 0; k <= nb; k++) edges[k] = origin + k * width;

  for (let i = start; i < end; i++) {
    const v = volume[i]!;
    if (v <= 0) continue;
    const lo = low[i]!;
    const hi = high[i]!;
    let kLo = Math.floor(lo / width) - first;
    kLo = kLo < 0 ? 0 : kLo >= nb ? nb - 1 : kLo;
    let kHi = Math.floor(hi / width) - first;
    kHi = kHi < 0 ? 0 : kHi >= nb ? nb - 1 : kHi;
    if (kLo === kHi || hi <= lo) {
      bins[kLo]! += v;
      continue;
    }
    // Price range ∩ bin, times volume per unit of price: the partial first and last bins, the full ones between.
    // The checks skip empty intersections (an edge rounded onto the candle's low or high).
    const perPrice = v / (hi - lo);
    const firstTop = edges[kLo + 1]!;
    if (firstTop > lo) bins[kLo]! += perPrice * (firstTop - lo);
    for (let k = kLo + 1; k < kHi; k++) {
      const a = edges[k]!;
      const b = edges[k + 1]!;
      if (b > a) bins[k]! += perPrice * (b - a);
    }
    const lastBottom = edges[kHi]!;
    if (hi > lastBottom) bins[kHi]! += perPrice * (hi - lastBottom);
  }
  let binned = 0;
  for (let k = 0; k < nb; k++) binned += bins[k]!;

  // POC.
  let poc = 0;
  const middle = (nb - 1) / 2;
  for (let k = 1; k < nb; k++) {
    const d = bins[k]! - bins[poc]!;
    if (d > 0 || (d === 0 && Math.abs(k - middle) < Math.abs(poc - middle))) poc = k;
  }

  // Value area.
  const target = o.valueArea * binned;
  let vaLo = poc;
  let vaHi = poc;
  let acc = bins[poc]!;
  while (acc < target && (vaLo > 0 || vaHi < nb - 1)) {
    const upN = Math.min(2, nb - 1 - vaHi);
    const downN = Math.min(2, vaLo);
    let up = 0;
    for (let k = 1; k <= upN; k++) up += bins[vaHi + k]!;
    let down = 0;
    for (let k = 1; k <= downN; k++) down += bins[vaLo - k]!;
    const takeUp = upN > 0 && (downN === 0 || up >= down);
    const takeDown = downN > 0 && (upN === 0 || down >= up);
    if (takeUp) {
      vaHi += upN;
      acc += up;
    }
    if (takeDown) {
      vaLo -= downN;
      acc += down;
    }
  }
  const valueArea: ValueArea = { low: edges[vaLo]!, high: edges[vaHi + 1]!, volume: acc, share: acc / binned };

  // Nodes.
  const smooth = smoothProfile(bins, o.smoothing);
  let smoothMax = 0;
  for (let k = 0; k < nb; k++) if (smooth[k]! > smoothMax) smoothMax = smooth[k]!;
  const minProminence = o.nodeProminence * smoothMax;
  const highVolumeNodes = toNodes(profileNodes(smooth, 1, minProminence), o.maxNodes, edges, width, smoothMax);
  const lowVolumeNodes = toNodes(profileNodes(smooth, -1, minProminence), o.maxNodes, edges, width, smoothMax);

  const sweeps = liquiditySweeps(s, start, end, o.sweepPivot).reverse();

  return {
    available: true,
    reason: null,
    candles: n,
    from: openTime[start]!,
    to: closeTime[end - 1]!,
    totalVolume: binned,
    binSize: width,
    origin,
    volumes: bins,
    poc: { price: edges[poc]! + width / 2, low: edges[poc]!, high: edges[poc + 1]!, volume: bins[poc]! },
    valueArea,
    lastClose,
    position: lastClose > valueArea.high ? "above" : lastClose < valueArea.low ? "below" : "inside",
    highVolumeNodes,
    lowVolumeNodes,
    sweeps,
  };
}

/** The strongest `max` candidates as nodes: price band from the bin edges, prominence relative to the maximum. */
function toNodes(
  candidates: readonly NodeCandidate[],
  max: number,
  edges: readonly number[],
  width: number,
  smoothMax: number,
): VolumeNode[] {
  const out: VolumeNode[] = [];
  for (let i = 0; i < candidates.length && i < max; i++) {
    const c = candidates[i]!;
    out.push({
      price: edges[c.bin]! + width / 2,
      low: edges[c.from]!,
      high: edges[c.to + 1]!,
      volume: c.value,
      prominence: smoothMax > 0 ? c.prominence / smoothMax : 0,
    });
  }
  return out;
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

/** What the volume profile publishes on the symbol analysis: the profile summarised (no per-bin volumes). */
export interface VolumeProfileOutput {
  readonly volumeProfile: VolumeProfileSummary;
}

export function profileSummary(p: VolumeProfileResult): VolumeProfileSummary {
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

const configSection = z.strictObject({
  interval: interval().default("1h"),
  window: int(10, 5000, "of candles").default(168),
  value_area: num({ above: 0, max: 1 }).default(0.7),
});

/** The volume profile of the last `window` closed candles of `interval`. */
export const volumeProfileAgent: AgentDefinition<
  VolumeProfileOptions,
  VolumeProfileOutput,
  "volume_profile",
  typeof configSection
> = {
  name: "volume-profile",
  title: "Volume Profile Agent",
  icon: "📐",
  role: "point of control, value area, sweeps",
  publishes: ["volumeProfile"],
  optionsKey: "volumeProfile",
  config: {
    key: "volume_profile",
    section: configSection,
    intervalKeys: ["interval"],
    fromConfig: (p) => ({
      interval: p.interval,
      window: p.window,
      valueArea: p.value_area,
    }),
  },
  resolve: (given) => resolveVolumeProfileOptions(given),
  reads: (o) => [{ interval: o.interval, candles: o.window, indicators: false }],
  analyze: (ctx, o) => ({
    volumeProfile: profileSummary(analyzeVolumeProfile({ candles: ctx.series(o.interval) }, o)),
  }),
  evidence: ({ volumeProfile: p }) => ({
    position: p.position,
    sweeps: p.available ? p.sweeps.length : null,
  }),
  unavailable: (out) => (out.volumeProfile.available ? null : out.volumeProfile.reason),
};
