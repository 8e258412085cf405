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
 *    exactly what makes a higher-timeframe level stronger (and matches the spec's `min_touches: 2`: a swing confirmed
 *    on two timeframes already qualifies).
 * 4. `timeframeWeight` = Σ of the weights of the distinct timeframes whose pivots form the zone (not the max:
 *    confluence across timeframes is the point). Score: see sr-score.ts. Zones with fewer than `min_touches` are
 *    dropped; the rest are sorted by score (then distance, then price).
 * Type: a zone whose centre is at or below the price is support, above it resistance — also when the price is inside
 * the band (`containsPrice` says so): the side of the centre is the side the market is defending.
 */
import type { Candle } from "../core/candle.js";
import { UsageError } from "../core/errors.js";
import { INTERVALS, type Interval, intervalMs, isInterval } from "../core/interval.js";
import { type SwingPivot, swingPivots } from "../indicators/index.js";
import type { MarketView } from "../market/market-view.js";
import type { Agent } from "./agent.js";
import { checkInRange, checkPositive, checkWhole, ResolvedOptions } from "./agent-options.js";
import { CandleSeries } from "./candle-series.js";
import { closedWindow } from "./closed-window.js";
import { confluenceScore, DEFAULT_SR_SCORING, type SrScoring } from "./sr-score.js";
import { type TouchColumns, type TouchTally, tallyTouches, touchColumns, type ZoneBands } from "./sr-touches.js";
import { clusterSortedLevels } from "./sr-zones.js";

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

/** One swing pivot that is part of a zone. */
export interface SrLevel {
  readonly interval: Interval;
  readonly kind: "high" | "low";
  readonly price: number;
  /** Open time of the pivot candle. */
  readonly time: number;
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

const INTERVAL_ORDER = new Map<Interval, number>(INTERVALS.map((tf, i) => [tf, i]));

function byTimeframeDesc(a: Interval, b: Interval): number {
  return INTERVAL_ORDER.get(b)! - INTERVAL_ORDER.get(a)!;
}

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
  pivotIndex?: Int32Array;
  /** The touches last counted on this window, with what they were counted against (see windowTouches). */
  touches?: CountedTouches;
}

interface CountedTouches {
  readonly bands: ZoneBands;
  readonly tolerance: number;
  readonly pivotZone: Int32Array;
  readonly tally: TouchTally;
}

interface UsedTimeframe {
  readonly data: PivotWindowData;
  readonly length: number;
  readonly cols: PivotWindowData["cols"];
  readonly pivots: readonly SwingPivot[];
  readonly interval: Interval;
  readonly weight: number;
  /** Rank in descending timeframe order (0 = highest). */
  rank: number;
  /** Index of this timeframe's first level in the flat level arrays. */
  readonly levelOffset: number;
}

/**
 * Windows and pivots already found on a series, by window and pivot size. A series handed in again (analyzeSymbol
 * reuses a 1w series until the next weekly close) then costs a lookup; the pivots of a given window never change,
 * so this is a pure memo.
 */
const seriesWindows = new WeakMap<CandleSeries, Map<string, PivotWindowData>>();

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
  let memo = seriesWindows.get(s);
  if (memo === undefined) {
    memo = new Map();
    seriesWindows.set(s, memo);
  }
  const key = `${start}:${end}:${pw.left}:${pw.right}`;
  let w = memo.get(key);
  if (w === undefined) {
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
    w = { length: end - start, cols, pivots };
    memo.set(key, w);
  }
  return w;
}

/**
 * One window's touches of these zones. Counting depends only on the window, the zones' bands, which zone each of
 * its pivots joined and the tolerance; when all of those equal the last count on this window (a weekly window
 * between weekly closes while the zones stay put, two analyses in three), that count is the answer.
 */
function windowTouches(
  w: PivotWindowData,
  pivotZone: Int32Array,
  bands: ZoneBands,
  tolerance: number,
  seen: Int32Array,
): TouchTally {
  const last = w.touches;
  if (
    last !== undefined &&
    last.tolerance === tolerance &&
    sameValues(last.pivotZone, pivotZone) &&
    sameValues(last.bands.low, bands.low) &&
    sameValues(last.bands.high, bands.high) &&
    sameValues(last.bands.centre, bands.centre)
  ) {
    return last.tally;
  }
  if (w.pivotIndex === undefined) w.pivotIndex = Int32Array.from(w.pivots, (p) => p.index);
  const zones = bands.low.length;
  const tally = {
    counts: new Int32Array(zones),
    first: new Float64Array(zones).fill(Number.POSITIVE_INFINITY),
    last: new Float64Array(zones).fill(Number.NEGATIVE_INFINITY),
  };
  tallyTouches(w.cols, w.pivotIndex, pivotZone, bands, tolerance, tally, seen);
  // The analysis never writes to its bands or pivot zones after this step, so they are kept as they are.
  w.touches = { bands, tolerance, pivotZone, tally };
  return tally;
}

function sameValues(a: Float64Array | Int32Array, b: Float64Array | Int32Array): boolean {
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
  let levelCount = 0;
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
    const pivots = w.pivots;
    used.push({
      data: w,
      length: w.length,
      cols: w.cols,
      pivots,
      interval,
      weight: o.weights[interval]!,
      rank: 0,
      levelOffset: levelCount,
    });
    levelCount += pivots.length;
  }

  // 2. Levels, sorted by price (ties: higher timeframe, then earlier — only the order inside a zone depends on it).
  const usedDesc = used.map((_, i) => i).sort((a, b) => byTimeframeDesc(used[a]!.interval, used[b]!.interval));
  usedDesc.forEach((u, rank) => {
    used[u]!.rank = rank;
  });
  const levelPrice = new Float64Array(levelCount);
  const levelTf = new Int32Array(levelCount);
  const levelRank = new Int32Array(levelCount);
  for (let u = 0; u < used.length; u++) {
    const { pivots, levelOffset, rank } = used[u]!;
    for (let k = 0; k < pivots.length; k++) {
      levelPrice[levelOffset + k] = pivots[k]!.price;
      levelTf[levelOffset + k] = u;
      levelRank[levelOffset + k] = rank;
    }
  }
  const pivotOf = (l: number): SwingPivot => {
    const u = used[levelTf[l]!]!;
    return u.pivots[l - u.levelOffset]!;
  };
  // Within one timeframe, level numbers follow the pivots' bar order, so `a − b` orders by time.
  // A plain array: a typed array's sort with a comparator is several times slower. The comparator is a total order
  // (ties end at the level number), so the result does not depend on the sort algorithm.
  const order: number[] = new Array(levelCount);
  for (let i = 0; i < levelCount; i++) order[i] = i;
  order.sort((a, b) => levelPrice[a]! - levelPrice[b]! || levelRank[a]! - levelRank[b]! || a - b);
  const sortedPrice = new Float64Array(levelCount);
  for (let k = 0; k < levelCount; k++) sortedPrice[k] = levelPrice[order[k]!]!;

  // 3. Zones within max_distance.
  const starts = clusterSortedLevels(sortedPrice, tol);
  const levelZone = new Int32Array(levelCount).fill(-1);
  const keptStart: number[] = [];
  const keptEnd: number[] = [];
  const zLow: number[] = [];
  const zHigh: number[] = [];
  const zCentre: number[] = [];
  for (let g = 0; g < starts.length; g++) {
    const s = starts[g]!;
    const e = g + 1 < starts.length ? starts[g + 1]! : levelCount;
    let wSum = 0;
    let pwSum = 0;
    for (let k = s; k < e; k++) {
      const w = used[levelTf[order[k]!]!]!.weight;
      wSum += w;
      pwSum += w * sortedPrice[k]!;
    }
    const low = sortedPrice[s]!;
    const high = sortedPrice[e - 1]!;
    // The weighted mean can land a rounding error outside the band; the touch search relies on low ≤ centre ≤ high.
    const centre = Math.min(high, Math.max(low, pwSum / wSum));
    if (Math.abs(centre - price) / price > o.max_distance) continue;
    const z = zLow.length;
    for (let k = s; k < e; k++) levelZone[order[k]!] = z;
    keptStart.push(s);
    keptEnd.push(e);
    zLow.push(low);
    zHigh.push(high);
    zCentre.push(centre);
  }
  const zones = zLow.length;
  const bands = { low: new Float64Array(zLow), high: new Float64Array(zHigh), centre: new Float64Array(zCentre) };

  // 4. Touches, per timeframe; first and last touch are the min and max over the timeframes.
  const counts = new Int32Array(zones * used.length);
  const first = new Float64Array(zones).fill(Number.POSITIVE_INFINITY);
  const last = new Float64Array(zones).fill(Number.NEGATIVE_INFINITY);
  const seen = new Int32Array(zones);
  for (let u = 0; u < used.length; u++) {
    const { data, pivots, levelOffset } = used[u]!;
    const pivotZone = levelZone.subarray(levelOffset, levelOffset + pivots.length);
    const t = windowTouches(data, pivotZone, bands, tol, seen);
    counts.set(t.counts, u * zones);
    for (let z = 0; z < zones; z++) {
      if (t.first[z]! < first[z]!) first[z] = t.first[z]!;
      if (t.last[z]! > last[z]!) last[z] = t.last[z]!;
    }
  }

  // 5. Zone objects.
  const totalWeight = o.timeframes.reduce((acc, tf) => acc + o.weights[tf]!, 0);
  const out: SrZone[] = [];
  for (let z = 0; z < zones; z++) {
    let touches = 0;
    const touchesByTimeframe: { interval: Interval; touches: number }[] = [];
    for (const u of usedDesc) {
      const n = counts[u * zones + z]!;
      if (n === 0) continue;
      touches += n;
      touchesByTimeframe.push({ interval: used[u]!.interval, touches: n });
    }
    if (touches < o.min_touches) continue;
    const levels: SrLevel[] = [];
    const tfs: Interval[] = [];
    let timeframeWeight = 0;
    for (let k = keptStart[z]!; k < keptEnd[z]!; k++) {
      const l = order[k]!;
      const u = used[levelTf[l]!]!;
      const p = pivotOf(l);
      levels.push({ interval: u.interval, kind: p.kind, price: p.price, time: u.cols.openTime[p.index]! });
      if (!tfs.includes(u.interval)) {
        tfs.push(u.interval);
        timeframeWeight += u.weight;
      }
    }
    levels.sort((a, b) => byTimeframeDesc(a.interval, b.interval) || a.time - b.time || a.price - b.price);
    tfs.sort(byTimeframeDesc);
    const centre = zCentre[z]!;
    const distance = Math.abs(centre - price) / price;
    out.push({
      low: zLow[z]!,
      high: zHigh[z]!,
      price: centre,
      type: centre <= price ? "support" : "resistance",
      containsPrice: zLow[z]! <= price && price <= zHigh[z]!,
      touches,
      touchesByTimeframe,
      timeframes: tfs,
      timeframeWeight,
      score: confluenceScore(touches, timeframeWeight, totalWeight, distance, o.scoring),
      distancePct: distance * 100,
      firstSeen: first[z]!,
      lastTouched: last[z]!,
      levels,
    });
  }
  return finish(out, price, now, o, used, missing);
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
      candles: u.length,
      pivots: u.pivots.length,
      from: u.cols.openTime[0]!,
      to: u.cols.closeTime[u.length - 1]!,
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
 * This is the spec's `get_htf_confluence(current_price)`; a function over the result so that results stay plain JSON.
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

/** A result with no zones: what a symbol without any closed candle gets. */
function emptyResult(o: SrDetectorOptions, now: number, candles: Partial<Record<Interval, number>>): SrResult {
  const missing = o.timeframes.map((interval) => {
    const pw = pivotWindowFor(o, interval);
    return {
      interval,
      reason: "not enough history" as const,
      candles: candles[interval] ?? 0,
      needed: pw.left + pw.right + 1,
    };
  });
  return finish([], null, now, o, [], missing);
}

/**
 * The detector as an Agent. The price is the close of the forming candle of the finest configured timeframe (the
 * latest trade the view knows), else the last close of the finest timeframe that has one.
 */
export function createSrDetectorAgent(options?: SrDetectorOptionsInput): Agent<SrResult> {
  const o = resolveSrDetectorOptions(options);
  const finestFirst = [...o.timeframes].sort((a, b) => intervalMs(a) - intervalMs(b));
  return {
    name: AGENT,
    analyze(view: MarketView, symbol: string): SrResult {
      const now = view.now();
      const candles: Partial<Record<Interval, Candle[]>> = {};
      for (const tf of o.timeframes) candles[tf] = view.closed(symbol, tf, o.lookback);
      let price: number | undefined = view.forming(symbol, finestFirst[0]!)?.close;
      for (const tf of finestFirst) {
        if (price !== undefined) break;
        price = candles[tf]!.at(-1)?.close;
      }
      if (price === undefined || !(price > 0)) {
        const counts: Partial<Record<Interval, number>> = {};
        for (const tf of o.timeframes) counts[tf] = candles[tf]!.length;
        return emptyResult(o, now, counts);
      }
      return analyzeResolved({ candles, price, now }, o);
    },
  };
}
