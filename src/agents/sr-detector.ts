/**
 * Support/resistance detector: swing pivots on several timeframes, clustered into zones, each scored for confluence.
 *
 * 1. Per timeframe, the last `lookback` candles closed by `now` (nothing later is read) and their swing pivots
 *    (src/indicators' swing-pivot definition, left/right bars per timeframe; every pivot of that window is confirmed
 *    by its last candle, so none can change later); a timeframe with fewer candles than one pivot needs
 *    (left + right + 1) is skipped and reported in `timeframesMissing` — a new listing gets the zones its history
 *    supports, never an error.
 * 2. All pivots of all timeframes are clustered into zones by price (sr-zones.ts: sorted sweep, band width ≤
 *    tolerance × its midpoint). A zone's centre is the mean of its levels weighted by their timeframe weights, so a
 *    monthly level pulls the centre more than an hourly one. Zones whose centre lies more than `max_distance` from
 *    the price are dropped.
 * 3. Touches per timeframe (sr-touches.ts): pivot candles and wick tests, each candle once per zone. The zone's
 *    `touches` is the sum over timeframes: the same swing seen as a pivot on 1d, 1w and 1M counts on each, which is
 *    exactly what makes a higher-timeframe level stronger (and with the default `min_touches: 2`, a swing confirmed
 *    on two timeframes already qualifies).
 * 4. `timeframeWeight` = Σ of the weights of the distinct timeframes whose pivots form the zone (not the max:
 *    confluence across timeframes is the point). Score: see sr-score.ts. Zones with fewer than `min_touches` are
 *    dropped; the rest are sorted by score (then distance, then price).
 * Type: a zone whose centre is at or below the price is support, above it resistance — also when the price is inside
 * the band (`containsPrice` says so): the side of the centre is the side the market is defending.
 *
 * Between analyses (a replay hands in the same CandleSeries while its timeframe has no new candle), what does not
 * depend on the price is reused: pivots per series window, the clustered levels (sr-layout.ts) while the windows'
 * pivots are the same values, and touch counts per window and zone while that zone's band and pivots are. Each reuse
 * is checked against exact values, never assumed, so a result is exactly what a fresh analysis of the same input
 * gives; candles passed as arrays are always analysed afresh. Memos are the series' own (CandleSeries.derived), so
 * they go with it.
 */
import type { Price } from "../core/units.js";
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { INTERVALS, type Interval, isInterval } from "../core/interval.js";
import { type SwingPivot, swingPivots } from "../indicators/index.js";
import { z } from "zod";
import { bool, int, interval, list, num } from "../core/config-schema.js";
import { round } from "../core/round.js";
import type { AgentContext, AgentDefinition } from "./agent.js";
import { checkInRange, checkPositive, checkWhole, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";
import { closedWindow } from "./closed-window.js";
import { confluenceScore, DEFAULT_SR_SCORING, type SrScoring } from "./sr-score.js";
import {
  buildZoneLayout,
  byTimeframeDesc,
  type ClusterMatch,
  clusterZone,
  type FrameLevels,
  frameLevels,
  matchClusters,
  type LayoutFrame,
  layoutFits,
  type SrLevel,
  type ZoneLayout,
} from "./sr-layout.js";
import { type TouchColumns, type TouchTally, tallyTouches, touchColumns, type ZoneBands } from "./sr-touches.js";

export type { SrLevel } from "./sr-layout.js";
export { confluenceScore, DEFAULT_SR_SCORING, type SrScoring } from "./sr-score.js";

const AGENT = "sr-detector";

export interface PivotWindow {
  /** Bars before the pivot that it must exceed. */
  readonly left: number;
  /** Bars after it that must not exceed it; also how many bars late it is confirmed. */
  readonly right: number;
}

export type SrZoneType = "support" | "resistance";

export interface SrDetectorOptions {
  /** Timeframes scanned for swing pivots (default 1M, 1w, 3d, 1d, 4h, 1h). */
  readonly timeframes: readonly Interval[];
  /** Closed candles per timeframe (default 100). */
  readonly lookback: number;
  /** Zones with fewer touches are dropped (default 2). */
  readonly min_touches: number;
  /** Levels within this fraction of their zone's midpoint form one zone (default 0.015 = 1.5 %). */
  readonly confluence_tolerance: number;
  /** Weight per timeframe (default 1M 10, 1w 8, 3d 6, 1d 5, 4h 3, 1h 2); every configured timeframe needs one. */
  readonly weights: Readonly<Partial<Record<Interval, number>>>;
  /**
   * Pivot window per timeframe. Defaults: 1M 2/2, 1w and 3d 3/3, everything else 5/5 — fewer bars on the highest
   * timeframes, whose history is short (100 months is most of a coin's life) and whose bars each span weeks, so a
   * monthly pivot is confirmed two months after it formed rather than five.
   */
  readonly pivots: Readonly<Partial<Record<Interval, PivotWindow>>>;
  /** Zones whose centre is farther than this fraction of the price are ignored (default 0.5 = 50 %). */
  readonly max_distance: number;
  readonly scoring: SrScoring;
}

export type SrDetectorOptionsInput = {
  readonly [K in keyof Omit<SrDetectorOptions, "scoring">]?: SrDetectorOptions[K];
} & { readonly scoring?: Partial<SrScoring> };

export const DEFAULT_SR_WEIGHTS: Readonly<Partial<Record<Interval, number>>> = {
  "1M": 10,
  "1w": 8,
  "3d": 6,
  "1d": 5,
  "4h": 3,
  "1h": 2,
};

/** For timeframes not listed in DEFAULT_SR_PIVOTS. */
const FALLBACK_PIVOT: PivotWindow = { left: 5, right: 5 };

export const DEFAULT_SR_PIVOTS: Readonly<Partial<Record<Interval, PivotWindow>>> = {
  "1M": { left: 2, right: 2 },
  "1w": { left: 3, right: 3 },
  "3d": { left: 3, right: 3 },
  "1d": FALLBACK_PIVOT,
  "4h": FALLBACK_PIVOT,
  "1h": FALLBACK_PIVOT,
};

export const DEFAULT_SR_DETECTOR_OPTIONS: SrDetectorOptions = {
  timeframes: ["1M", "1w", "3d", "1d", "4h", "1h"],
  lookback: 100,
  min_touches: 2,
  confluence_tolerance: 0.015,
  weights: DEFAULT_SR_WEIGHTS,
  pivots: DEFAULT_SR_PIVOTS,
  max_distance: 0.5,
  scoring: DEFAULT_SR_SCORING,
};

export interface SrInput {
  /** Candles per timeframe, oldest first; only those closed by `now` are used, so passing more is harmless. */
  readonly candles: Readonly<Partial<Record<Interval, readonly Candle[] | CandleSeries>>>;
  /** The current price (last trade or last close). */
  readonly price: number;
  /** Epoch ms; the analysis sees candles with closeTime < now. */
  readonly now: number;
}

export interface SrZone {
  /** The band spanned by the zone's levels. */
  readonly low: number;
  readonly high: number;
  /** Centre: the levels' prices weighted by their timeframe weights. */
  readonly price: number;
  /** Relative to the analysed price: centre ≤ price → support. */
  readonly type: SrZoneType;
  /** True when the price is inside [low, high]. */
  readonly containsPrice: boolean;
  /** Σ over timeframes of the candles touching the zone (pivots and wick tests, each candle once). */
  readonly touches: number;
  /** Touches per timeframe, highest timeframe first; timeframes without a touch are left out. */
  readonly touchesByTimeframe: readonly { readonly interval: Interval; readonly touches: number }[];
  /** Timeframes whose pivots form the zone, highest first. */
  readonly timeframes: readonly Interval[];
  /** Σ of the weights of `timeframes`. */
  readonly timeframeWeight: number;
  /** Confluence score 0–100 (sr-score.ts). */
  readonly score: number;
  /** |centre − price| / price, in percent. */
  readonly distancePct: number;
  /** Open time of the earliest / latest candle touching the zone, any timeframe. */
  readonly firstSeen: number;
  readonly lastTouched: number;
  /** The pivots forming the zone, highest timeframe first, then by time. */
  readonly levels: readonly SrLevel[];
}

export interface SrTimeframeMissing {
  readonly interval: Interval;
  readonly reason: "not enough history" | "no candles supplied";
  /** Closed candles available. */
  readonly candles: number;
  /** Candles needed for one confirmed pivot. */
  readonly needed: number;
}

export interface SrTimeframeCoverage {
  readonly interval: Interval;
  /** Candles analysed (≤ lookback; fewer for a young market). */
  readonly candles: number;
  readonly pivots: number;
  /** Open time of the first candle, close time of the last. */
  readonly from: number;
  readonly to: number;
}

export interface SrResult {
  readonly asOf: number;
  /** The price the zones are typed and scored against; null only when there were no candles at all. */
  readonly price: number | null;
  /** The confluence tolerance used (htfConfluence's default proximity). */
  readonly tolerance: number;
  /** Highest score first. */
  readonly zones: readonly SrZone[];
  /** The support zone closest below (or at) the price, the resistance zone closest above. */
  readonly nearestSupport: SrZone | null;
  readonly nearestResistance: SrZone | null;
  /** Highest first. */
  readonly timeframesUsed: readonly Interval[];
  readonly timeframesMissing: readonly SrTimeframeMissing[];
  readonly coverage: readonly SrTimeframeCoverage[];
}

// ---------- options ----------

export function pivotWindowFor(options: Pick<SrDetectorOptions, "pivots">, interval: Interval): PivotWindow {
  return options.pivots[interval] ?? DEFAULT_SR_PIVOTS[interval] ?? FALLBACK_PIVOT;
}

// Resolved once, returned as is when handed back (agent-options.ts).
const RESOLVED = new ResolvedOptions<SrDetectorOptions>();

/** Defaults overlaid with `input` (weights, pivots and scoring merged per key), validated. */
export function resolveSrDetectorOptions(input: SrDetectorOptionsInput = {}): SrDetectorOptions {
  if (RESOLVED.has(input)) return input;
  const d = DEFAULT_SR_DETECTOR_OPTIONS;
  const o: SrDetectorOptions = {
    timeframes: input.timeframes ?? d.timeframes,
    lookback: input.lookback ?? d.lookback,
    min_touches: input.min_touches ?? d.min_touches,
    confluence_tolerance: input.confluence_tolerance ?? d.confluence_tolerance,
    weights: { ...d.weights, ...input.weights },
    pivots: { ...d.pivots, ...input.pivots },
    max_distance: input.max_distance ?? d.max_distance,
    scoring: { ...d.scoring, ...input.scoring },
  };
  validate(o);
  return RESOLVED.add(o);
}

function validate(o: SrDetectorOptions): void {
  if (!Array.isArray(o.timeframes) || o.timeframes.length === 0) {
    throw new UsageError(`${AGENT}: option timeframes must list at least one interval.`);
  }
  const seen = new Set<string>();
  for (const tf of o.timeframes) {
    if (typeof tf !== "string" || !isInterval(tf)) {
      throw new UsageError(`${AGENT}: timeframes contains "${String(tf)}", which is not an interval.`, {
        hint: `Valid intervals: ${INTERVALS.join(", ")}.`,
      });
    }
    if (seen.has(tf)) throw new UsageError(`${AGENT}: timeframes lists ${tf} twice.`);
    seen.add(tf);
  }
  checkWhole(AGENT, "lookback", o.lookback, 3);
  checkWhole(AGENT, "min_touches", o.min_touches, 1);
  checkPositive(AGENT, "confluence_tolerance", o.confluence_tolerance);
  checkInRange(AGENT, "confluence_tolerance", o.confluence_tolerance, 0, 0.2);
  checkPositive(AGENT, "max_distance", o.max_distance);
  for (const tf of o.timeframes as readonly Interval[]) {
    const w = o.weights[tf];
    if (w === undefined) {
      throw new UsageError(`${AGENT}: timeframe ${tf} has no weight.`, {
        hint: `Add weights.${tf} (the defaults cover ${Object.keys(DEFAULT_SR_WEIGHTS).join(", ")}).`,
      });
    }
    checkPositive(AGENT, `weights.${tf}`, w);
    const pw = pivotWindowFor(o, tf);
    checkWhole(AGENT, `pivots.${tf}.left`, pw.left, 1);
    checkWhole(AGENT, `pivots.${tf}.right`, pw.right, 0);
    if (pw.left + pw.right + 1 > o.lookback) {
      throw new UsageError(
        `${AGENT}: lookback ${o.lookback} is shorter than the ${pw.left + pw.right + 1} candles one ${tf} pivot needs.`,
        { hint: `Raise lookback or lower pivots.${tf}.left/right.` },
      );
    }
  }
  const s = o.scoring;
  for (const k of ["touch_points", "timeframe_points", "distance_points"] as const) {
    checkPositive(AGENT, `scoring.${k}`, s[k], true);
  }
  const sum = s.touch_points + s.timeframe_points + s.distance_points;
  if (Math.abs(sum - 100) > 1e-9) {
    throw new UsageError(`${AGENT}: scoring points must sum to 100, got ${sum}.`);
  }
  checkPositive(AGENT, "scoring.touches_half", s.touches_half);
  checkPositive(AGENT, "scoring.distance_half", s.distance_half);
}

// ---------- analysis ----------

/** One timeframe's analysed window: the candles as columns and their swing pivots. */
interface PivotWindowData {
  readonly length: number;
  readonly cols: TouchColumns & { readonly closeTime: Float64Array };
  readonly pivots: readonly SwingPivot[];
  /** The pivots' candle indexes, built on first use. */
  pivotIndex?: number[];
  /** The touches last counted on this window, with what they were counted against (see windowTouches). */
  touches?: CountedTouches;
  /** The pivots as levels, built on first use. */
  levels?: FrameLevels;
  /** The level layout of the last analysis that used this window: the first candidate for the next one. */
  layout?: ZoneLayout;
}

interface CountedTouches {
  readonly bands: ZoneBands;
  readonly tolerance: number;
  readonly pivotZone: ArrayLike<number>;
  readonly tally: TouchTally;
}

interface UsedTimeframe extends LayoutFrame {
  readonly data: PivotWindowData;
}

/** The last `lookback` candles of a series closed by `now` (closedWindow's cut; a series holds closed candles only). */
function seriesWindow(s: CandleSeries, now: number, lookback: number, pw: PivotWindow): PivotWindowData {
  let end = 0;
  let hi = s.length;
  while (end < hi) {
    const mid = (end + hi) >> 1;
    if (s.closeTime[mid]! < now) end = mid + 1;
    else hi = mid;
  }
  const start = Math.max(0, end - lookback);
  // Windows and pivots already found on this series (a 1w series is handed in again until the next weekly close):
  // the pivots of a given window never change, so this is a pure memo on the series.
  return s.derived(`sr-window:${start}:${end}:${pw.left}:${pw.right}`, () => {
    const cols = {
      openTime: s.openTime.subarray(start, end),
      closeTime: s.closeTime.subarray(start, end),
      open: s.open.subarray(start, end),
      high: s.high.subarray(start, end),
      low: s.low.subarray(start, end),
      close: s.close.subarray(start, end),
    };
    // Fewer candles than one pivot needs: the caller reports the timeframe missing and reads no pivots.
    const pivots = end - start >= pw.left + pw.right + 1 ? swingPivots(cols.high, cols.low, pw) : [];
    const w: PivotWindowData = { length: end - start, cols, pivots };
    return w;
  });
}

/**
 * One window's touches of these zones. Counting depends only on the window, the zones' bands, which zone each of
 * its pivots joined and the tolerance; when all of those equal the last count on this window (a weekly window
 * between weekly closes while the layout stays put), that count is the answer. When the layout changed, `carry`
 * pairs its zones with the previous layout's, and the zones that did not change keep their counts (carryTouches).
 */
function windowTouches(
  w: PivotWindowData,
  pivotZone: ArrayLike<number>,
  bands: ZoneBands,
  tolerance: number,
  seen: number[],
  carry?: ClusterMatch,
): TouchTally {
  const last = w.touches;
  if (
    last !== undefined &&
    last.tolerance === tolerance &&
    (last.bands === bands || sameBands(last.bands, bands)) &&
    sameValues(last.pivotZone, pivotZone)
  ) {
    return last.tally;
  }
  if (w.pivotIndex === undefined) w.pivotIndex = w.pivots.map((p) => p.index);
  const zones = bands.low.length;
  const tally = { counts: filled(zones, 0), first: filled(zones, Infinity), last: filled(zones, -Infinity) };
  if (carry !== undefined && last !== undefined && last.tolerance === tolerance && last.bands === carry.from.bands) {
    carryTouches(w, pivotZone, bands, tolerance, seen, carry, last, tally);
  } else {
    tallyTouches(w.cols, w.pivotIndex, pivotZone, bands, tolerance, tally, seen);
  }
  // The analysis never writes to its bands or pivot zones after this step, so they are kept as they are.
  w.touches = { bands, tolerance, pivotZone, tally };
  return tally;
}

/**
 * Fills `tally` from the window's last count, made against the layout `carry` matches these bands to: a zone's count
 * depends only on its own band, the tolerance, the window and which of the window's pivots joined it (sr-touches.ts),
 * so a zone whose band matched and whose pivots of this window are the same as then keeps its count; the others
 * are counted afresh, as a subset of the bands.
 */
function carryTouches(
  w: PivotWindowData,
  pivotZone: ArrayLike<number>,
  bands: ZoneBands,
  tolerance: number,
  seen: number[],
  carry: ClusterMatch,
  last: CountedTouches,
  tally: TouchTally,
): void {
  const zones = bands.low.length;
  const from: number[] = carry.match.slice();
  // A pivot of this window in a zone now but not in its match then (or the reverse) unpairs that zone. Paired
  // clusters hold equal level lists, so this already holds; it is checked because the reuse rests on it.
  for (let k = 0; k < pivotZone.length; k++) {
    const z = pivotZone[k]!;
    const q = last.pivotZone[k]!;
    if (z >= 0 && from[z] !== q) from[z] = -1;
    if (q >= 0) {
      const g = carry.back[q]!;
      if (g >= 0 && g !== z) from[g] = -1;
    }
  }
  const fresh: number[] = [];
  for (let z = 0; z < zones; z++) {
    const q = from[z]!;
    if (q < 0) {
      fresh.push(z);
      continue;
    }
    tally.counts[z] = last.tally.counts[q]!;
    tally.first[z] = last.tally.first[q]!;
    tally.last[z] = last.tally.last[q]!;
  }
  if (fresh.length === 0) return;
  const sub = filled(zones, -1);
  for (let k = 0; k < fresh.length; k++) sub[fresh[k]!] = k;
  const subZone: number[] = [];
  for (let k = 0; k < pivotZone.length; k++) {
    const z = pivotZone[k]!;
    subZone.push(z >= 0 ? sub[z]! : -1);
  }
  const subBands = {
    low: fresh.map((z) => bands.low[z]!),
    high: fresh.map((z) => bands.high[z]!),
    centre: fresh.map((z) => bands.centre[z]!),
  };
  const m = fresh.length;
  const part = { counts: filled(m, 0), first: filled(m, Infinity), last: filled(m, -Infinity) };
  tallyTouches(w.cols, w.pivotIndex!, subZone, subBands, tolerance, part, seen);
  for (let k = 0; k < m; k++) {
    const z = fresh[k]!;
    tally.counts[z] = part.counts[k]!;
    tally.first[z] = part.first[k]!;
    tally.last[z] = part.last[k]!;
  }
}

/** A plain array of `n` copies of `v` (see Numbers in sr-touches.ts for why not a typed one). */
function filled(n: number, v: number): number[] {
  const a: number[] = [];
  for (let i = 0; i < n; i++) a.push(v);
  return a;
}

function sameBands(a: ZoneBands, b: ZoneBands): boolean {
  return sameValues(a.low, b.low) && sameValues(a.high, b.high) && sameValues(a.centre, b.centre);
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The same for candles given as an array: checked for order here, as nothing has checked them yet. */
function arrayWindow(
  candles: readonly Candle[],
  now: number,
  lookback: number,
  pw: PivotWindow,
  interval: Interval,
): PivotWindowData {
  const window = closedWindow(candles, now, lookback);
  const n = window.length;
  const cols = { ...touchColumns(window), closeTime: new Float64Array(n) };
  if (n < pw.left + pw.right + 1) return { length: n, cols, pivots: [] };
  for (let i = 0; i < n; i++) {
    const c = window[i]!;
    if (i > 0 && !(c.openTime > window[i - 1]!.openTime)) {
      throw new UsageError(`${AGENT}: ${interval} candles must be in increasing open-time order (they are not).`, {
        hint: "Pass candles oldest first, e.g. as MarketView.closed() returns them.",
      });
    }
    cols.closeTime[i] = c.closeTime;
  }
  return { length: n, cols, pivots: swingPivots(cols.high, cols.low, pw) };
}

/** Zones for `input.price` as of `input.now`. Throws only for invalid options or a non-positive price. */
export function analyzeSupportResistance(input: SrInput, options?: SrDetectorOptionsInput): SrResult {
  return analyzeResolved(input, resolveSrDetectorOptions(options));
}

function analyzeResolved(input: SrInput, o: SrDetectorOptions): SrResult {
  const f = frames(input, o);
  const { price, now } = input;
  const { used, missing, layout, tallies } = f;
  const { bands, desc } = layout;
  const out: SrZone[] = [];
  eachZone(f, price, o, (z, centre, distance, touches) => {
    const touchesByTimeframe: { interval: Interval; touches: number }[] = [];
    for (const u of desc) {
      const n = tallies[u]!.counts[z]!;
      if (n !== 0) touchesByTimeframe.push({ interval: used[u]!.interval, touches: n });
    }
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const t of tallies) {
      if (t.first[z]! < first) first = t.first[z]!;
      if (t.last[z]! > last) last = t.last[z]!;
    }
    const low = bands.low[z]!;
    const high = bands.high[z]!;
    const { levels, timeframes, timeframeWeight } = clusterZone(layout, z);
    out.push({
      low,
      high,
      price: centre,
      type: centre <= price ? "support" : "resistance",
      containsPrice: low <= price && price <= high,
      touches,
      touchesByTimeframe,
      timeframes,
      timeframeWeight,
      score: confluenceScore(touches, timeframeWeight, f.totalWeight, distance, o.scoring),
      distancePct: distance * 100,
      firstSeen: first,
      lastTouched: last,
      levels,
    });
  });
  return finish(out, price, now, o, used, missing);
}

/**
 * Step 4's selection, shared by both results: each band whose centre is within max_distance of the price and that
 * has min_touches, with its centre, distance (a fraction of the price) and touches over all timeframes.
 */
function eachZone(
  f: ReturnType<typeof frames>,
  price: number,
  o: SrDetectorOptions,
  visit: (z: number, centre: number, distance: number, touches: number) => void,
): void {
  const { bands, desc } = f.layout;
  for (let z = 0; z < bands.low.length; z++) {
    const centre = bands.centre[z]!;
    const distance = Math.abs(centre - price) / price;
    if (distance > o.max_distance) continue;
    let touches = 0;
    for (const u of desc) touches += f.tallies[u]!.counts[z]!;
    if (touches < o.min_touches) continue;
    visit(z, centre, distance, touches);
  }
}

/**
 * The zones as the symbol analysis reports them (ZoneSummary), without building what only the full result carries
 * (touches by timeframe, levels, first and last touch, coverage): the same steps as analyzeResolved and the same
 * values, field for field, in the same order.
 */
function zoneSummaries(input: SrInput, o: SrDetectorOptions): SrOutput & { missing: SrTimeframeMissing[] } {
  const f = frames(input, o);
  const { price } = input;
  const { layout } = f;
  const { bands } = layout;
  const out: { zone: ZoneSummary; distancePct: number }[] = [];
  let nearestSupport: ZoneSummary | null = null;
  let nearestResistance: ZoneSummary | null = null;
  eachZone(f, price, o, (z, centre, distance, touches) => {
    const { timeframes, timeframeWeight } = clusterZone(layout, z);
    const zone: ZoneSummary = {
      low: bands.low[z]!,
      high: bands.high[z]!,
      price: centre,
      type: centre <= price ? "support" : "resistance",
      touches,
      timeframes,
      score: confluenceScore(touches, timeframeWeight, f.totalWeight, distance, o.scoring),
    };
    out.push({ zone, distancePct: distance * 100 });
    if (zone.type === "support" && (nearestSupport === null || zone.price > nearestSupport.price))
      nearestSupport = zone;
    if (zone.type === "resistance" && (nearestResistance === null || zone.price < nearestResistance.price)) {
      nearestResistance = zone;
    }
  });
  out.sort((a, b) => b.zone.score - a.zone.score || a.distancePct - b.distancePct || a.zone.price - b.zone.price);
  return {
    zones: out.map((e) => e.zone),
    nearestSupport,
    nearestResistance,
    missing: f.missing.sort((a, b) => byTimeframeDesc(a.interval, b.interval)),
  };
}

/** Steps 1–3 of the module comment: windows and pivots, the zone layout, and the touches of every band. */
function frames(input: SrInput, o: SrDetectorOptions) {
  const tol = o.confluence_tolerance;
  const { used, missing, layout, carry } = zoneLayout(input, o);
  const { bands } = layout;
  const clusters = bands.low.length;

  // 3. Touches per timeframe, of every band: a band's count depends only on its own bounds (sr-touches.ts), so the
  // bands dropped below change nothing for the others, and the counts outlive a price move across max_distance.
  const tallies: TouchTally[] = [];
  const seen = filled(clusters, -1);
  for (let u = 0; u < used.length; u++) {
    tallies.push(windowTouches(used[u]!.data, layout.pivotZone[u]!, bands, tol, seen, carry));
  }

  // 4. (the callers) Zones: the bands whose centre is within max_distance and that have min_touches; first and last
  // touch are the min and max over the timeframes.
  const totalWeight = o.timeframes.reduce((acc, tf) => acc + o.weights[tf]!, 0);
  return { used, missing, layout, tallies, totalWeight };
}

/**
 * The bands the zones can come from, for the exact pre-filter (screenSymbol): every band of steps 1–2 whose centre
 * is within max_distance of the price. The zones are those of them with min_touches (step 4), with the same low and
 * high, so whatever a zone's band could cause (a breakout through it, say), one of these bands can too. The
 * expensive part, counting touches, is left out.
 */
export interface SrScreen {
  readonly bands: readonly { readonly low: Price; readonly high: Price }[];
}

export function srCandidateBands(input: SrInput, options?: SrDetectorOptionsInput): SrScreen {
  return candidateBands(input, resolveSrDetectorOptions(options));
}

function candidateBands(input: SrInput, o: SrDetectorOptions): SrScreen {
  const { bands } = zoneLayout(input, o).layout;
  const out: { low: Price; high: Price }[] = [];
  for (let z = 0; z < bands.low.length; z++) {
    if (Math.abs(bands.centre[z]! - input.price) / input.price > o.max_distance) continue;
    out.push({ low: bands.low[z]!, high: bands.high[z]! });
  }
  return { bands: out };
}

/** Steps 1–2 of the module comment: windows and pivots, and the zone layout (reused while it fits). */
function zoneLayout(input: SrInput, o: SrDetectorOptions) {
  const { price, now } = input;
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
    throw new UsageError(`${AGENT}: price must be a finite number > 0, got ${String(price)}.`);
  }
  if (typeof now !== "number" || !Number.isFinite(now)) {
    throw new UsageError(`${AGENT}: now must be a finite epoch-ms time, got ${String(now)}.`);
  }
  const tol = o.confluence_tolerance;

  // 1. Windows and pivots.
  const used: UsedTimeframe[] = [];
  const missing: SrTimeframeMissing[] = [];
  for (const interval of o.timeframes) {
    const pw = pivotWindowFor(o, interval);
    const needed = pw.left + pw.right + 1;
    const given = input.candles[interval];
    if (given === undefined) {
      missing.push({ interval, reason: "no candles supplied", candles: 0, needed });
      continue;
    }
    const w =
      given instanceof CandleSeries
        ? seriesWindow(given, now, o.lookback, pw)
        : arrayWindow(given, now, o.lookback, pw, interval);
    if (w.length < needed) {
      missing.push({ interval, reason: "not enough history", candles: w.length, needed });
      continue;
    }
    // swingPivots over typed columns is swingPivotsOfCandles without building a timed object per pivot (15× faster);
    // every pivot of a closed window is confirmed by its last candle, so confirmation times are not needed here.
    w.levels ??= frameLevels(w.pivots, w.cols.openTime);
    used.push({ data: w, interval, weight: o.weights[interval]!, levels: w.levels });
  }

  // 2. Levels clustered into bands, with what each band's zone reports (sr-layout.ts). None of it depends on the
  // price: the layout a window was last analysed with is reused when it was built from exactly these pivots.
  let layout: ZoneLayout | undefined;
  let rejected: ZoneLayout | undefined;
  for (const u of used) {
    const c = u.data.layout;
    if (c === undefined || c === rejected) continue;
    if (layoutFits(c, used, tol)) {
      layout = c;
      break;
    }
    rejected = c;
  }
  // A new layout adopts what it shares with the rejected one (zone fields, and below, touch counts per zone).
  let carry: ClusterMatch | undefined;
  if (layout === undefined) {
    layout = buildZoneLayout(used, tol);
    if (rejected !== undefined) carry = matchClusters(layout, rejected);
  }
  for (const u of used) u.data.layout = layout;
  return { used, missing, layout, carry };
}

function finish(
  zones: SrZone[],
  price: number | null,
  now: number,
  o: SrDetectorOptions,
  used: readonly UsedTimeframe[],
  missing: SrTimeframeMissing[],
): SrResult {
  let nearestSupport: SrZone | null = null;
  let nearestResistance: SrZone | null = null;
  for (const z of zones) {
    if (z.type === "support" && (nearestSupport === null || z.price > nearestSupport.price)) nearestSupport = z;
    if (z.type === "resistance" && (nearestResistance === null || z.price < nearestResistance.price))
      nearestResistance = z;
  }
  zones.sort((a, b) => b.score - a.score || a.distancePct - b.distancePct || a.price - b.price);
  const coverage = used
    .map((u) => ({
      interval: u.interval,
      candles: u.data.length,
      pivots: u.data.pivots.length,
      from: u.data.cols.openTime[0]!,
      to: u.data.cols.closeTime[u.data.length - 1]!,
    }))
    .sort((a, b) => byTimeframeDesc(a.interval, b.interval));
  return {
    asOf: now,
    price,
    tolerance: o.confluence_tolerance,
    zones,
    nearestSupport,
    nearestResistance,
    timeframesUsed: coverage.map((c) => c.interval),
    timeframesMissing: missing.sort((a, b) => byTimeframeDesc(a.interval, b.interval)),
    coverage,
  };
}

/**
 * The zone at or near `price`: among the zones whose band, widened by `tolerance × price` on each side, contains the
 * price, the one with the highest score (ties: the closer centre). Its type, containsPrice and distancePct are
 * re-derived for `price` (the entry being considered may differ from the analysed price); its score is kept.
 * A function over the result rather than a method, so that results stay plain JSON.
 */
export function htfConfluence(result: SrResult, price: number, tolerance: number = result.tolerance): SrZone | null {
  if (typeof price !== "number" || !Number.isFinite(price) || price <= 0) {
    throw new UsageError(`htfConfluence: price must be a finite number > 0, got ${String(price)}.`);
  }
  if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0) {
    throw new UsageError(`htfConfluence: tolerance must be a finite number ≥ 0, got ${String(tolerance)}.`);
  }
  const margin = tolerance * price;
  let best: SrZone | null = null;
  for (const z of result.zones) {
    if (price < z.low - margin || price > z.high + margin) continue;
    if (
      best === null ||
      z.score > best.score ||
      (z.score === best.score && Math.abs(z.price - price) < Math.abs(best.price - price))
    )
      best = z;
  }
  if (best === null) return null;
  return {
    ...best,
    type: best.price <= price ? "support" : "resistance",
    containsPrice: best.low <= price && price <= best.high,
    distancePct: (Math.abs(best.price - price) / price) * 100,
  };
}

/** The reported fields of a zone (the detector's zones carry more: levels, touches by timeframe, …). */
export interface ZoneSummary {
  readonly low: Price;
  readonly high: Price;
  readonly price: Price;
  readonly type: SrZoneType;
  readonly touches: number;
  readonly timeframes: readonly Interval[];
  readonly score: number;
}

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

/** What the detector publishes on the symbol analysis. */
export interface SrOutput {
  /** Highest score first. */
  readonly zones: readonly ZoneSummary[];
  readonly nearestSupport: ZoneSummary | null;
  readonly nearestResistance: ZoneSummary | null;
}

/** The timeframes S/R levels are weighted on, heaviest first (monthly 10, hourly 2): the default and the only ones. */
export const DEFAULT_TIMEFRAMES: readonly Interval[] = ["1M", "1w", "3d", "1d", "4h", "1h"];

const configSection = z
  .strictObject({
    enabled: bool().default(true),
    timeframes: list(interval(), `a list of intervals (${INTERVALS.join(", ")})`, { min: 1 }).default(() => [
      ...DEFAULT_TIMEFRAMES,
    ]),
    // 11: a swing pivot on 1w and below needs 5 candles on each side of it.
    lookback: int(11, 5000, "of candles").default(100),
    min_touches: int(1, 50).default(2),
    confluence_tolerance: num({ above: 0, max: 0.2 }).default(0.015),
  })
  .superRefine((s, ctx) => {
    // Each timeframe's levels are weighted (1M 10 … 1h 2); a timeframe without a weight has no place in the score.
    s.timeframes.forEach((tf, i) => {
      if (!DEFAULT_TIMEFRAMES.includes(tf))
        ctx.addIssue({
          code: "custom",
          path: ["timeframes", i],
          message: `${tf} has no S/R weight; use timeframes from ${DEFAULT_TIMEFRAMES.join(", ")}`,
        });
    });
  });

/**
 * The detector as a registered agent: zones of `timeframes` against the analysis's price (the forming close of the
 * finest interval read, else the latest close). A timeframe without enough candles for one pivot is listed in the
 * analysis's `missing`.
 */
function srInput(ctx: AgentContext, o: SrDetectorOptions): SrInput {
  const candles: Partial<Record<Interval, CandleSeries>> = {};
  for (const tf of o.timeframes) candles[tf] = ctx.series(tf);
  return { candles, price: ctx.price, now: ctx.now };
}

export const srDetectorAgent: AgentDefinition<SrDetectorOptions, SrOutput, "sr_detector", typeof configSection> = {
  name: AGENT,
  title: "S/R Detection Agent",
  icon: "🎯",
  role: "higher-timeframe support/resistance zones",
  publishes: ["zones", "nearestSupport", "nearestResistance"],
  optionsKey: "srDetector",
  config: {
    key: "sr_detector",
    section: configSection,
    intervalKeys: ["timeframes"],
    fromConfig: (sr) => ({
      timeframes: [...sr.timeframes],
      lookback: sr.lookback,
      min_touches: sr.min_touches,
      confluence_tolerance: sr.confluence_tolerance,
    }),
  },
  resolve: (given) => resolveSrDetectorOptions(given),
  reads: (o) => o.timeframes.map((interval) => ({ interval, candles: o.lookback, indicators: false })),
  analyze(ctx, o) {
    const sr = zoneSummaries(srInput(ctx, o), o);
    for (const m of sr.missing) {
      ctx.missing({
        part: "zones",
        interval: m.interval,
        candles: m.candles,
        needed: m.needed,
        reason: `${m.candles} closed ${m.interval} candles, one swing pivot needs ${m.needed}`,
      });
    }
    return { zones: sr.zones, nearestSupport: sr.nearestSupport, nearestResistance: sr.nearestResistance };
  },
  screen: (ctx, o) => candidateBands(srInput(ctx, o), o),
  evidence: (out) => {
    const strongest = out.zones[0];
    return {
      zones: out.zones.length,
      strongest_score: strongest ? round(strongest.score, 1) : null,
      strongest_type: strongest ? strongest.type : null,
      nearest_support_timeframes: out.nearestSupport ? out.nearestSupport.timeframes.length : null,
      nearest_resistance_timeframes: out.nearestResistance ? out.nearestResistance.timeframes.length : null,
    };
  },
  unavailable: (out) => (out.zones.length === 0 ? "no support/resistance zone" : null),
};
