/**
 * The price-independent half of the support/resistance analysis (sr-detector.ts): every swing pivot of the analysed
 * windows as a level, the levels sorted by price and clustered into bands (sr-zones.ts), and per band what its zone
 * would report — weighted centre, levels, timeframes, timeframe weight. None of it reads the price, so one layout
 * serves every analysis whose windows hold the same pivots: a 1h window that moved on by one candle usually keeps
 * its pivots (a pivot enters or leaves it every few hours), and the higher timeframes keep theirs for days.
 *
 * A layout remembers what it was built from by value (tolerance; per timeframe its interval, weight and every
 * pivot's kind, price and open time), and `layoutFits` compares exactly that, so a reused layout is the one a fresh
 * build would make. Numbers are kept in plain arrays throughout: at these sizes (tens of levels and clusters) a typed
 * array costs ten times as much to allocate, and a layout is built whenever a pivot enters or leaves a window.
 * Everything a layout holds or hands out (into results, shared by the analyses that reuse it) is never written after
 * it is built.
 */
import { INTERVALS, type Interval } from "../core/interval.js";
import type { SwingPivot } from "../indicators/index.js";
import type { ZoneBands } from "./sr-touches.js";
import { clusterSortedLevels } from "./sr-zones.js";

/** One swing pivot that is part of a zone. */
export interface SrLevel {
  readonly interval: Interval;
  readonly kind: "high" | "low";
  readonly price: number;
  /** Open time of the pivot candle. */
  readonly time: number;
}

/** One window's pivots as levels: columns in the pivots' (bar) order. Built once per window (frameLevels). */
export interface FrameLevels {
  readonly price: readonly number[];
  readonly time: readonly number[];
  readonly kind: readonly ("high" | "low")[];
  /** Pivot numbers ordered by price (ties: bar order). */
  readonly byPrice: readonly number[];
}

/** One timeframe's levels, as the layout reads them. */
export interface LayoutFrame {
  readonly interval: Interval;
  readonly weight: number;
  readonly levels: FrameLevels;
}

export interface ZoneLayout {
  readonly tolerance: number;
  /** What it was built from: the frames' intervals, weights and levels. */
  readonly keys: readonly LayoutFrame[];
  /** One band per cluster, ascending and disjoint (what touch counting needs). */
  readonly bands: ZoneBands;
  /** Per frame (in the order given): the cluster of each of its pivots. */
  readonly pivotZone: readonly (readonly number[])[];
  /** Frame indexes, highest timeframe first. */
  readonly desc: readonly number[];
  /** Levels in price order as [frame, pivot number] pairs, flattened; cluster g holds starts[g] .. starts[g+1] − 1. */
  readonly sorted: readonly number[];
  readonly starts: readonly number[];
  /** Per cluster, built when first asked for (most clusters never become a reported zone): see clusterZone. */
  readonly zones: (ClusterZone | undefined)[];
}

/** What a cluster's zone reports that does not depend on the price. */
export interface ClusterZone {
  /** Its levels, highest timeframe first, then by time (then price). */
  readonly levels: readonly SrLevel[];
  /** The timeframes of its levels, highest first. */
  readonly timeframes: readonly Interval[];
  /** Σ of the weights of `timeframes`. */
  readonly timeframeWeight: number;
}

const INTERVAL_ORDER = new Map<Interval, number>(INTERVALS.map((tf, i) => [tf, i]));

/** Comparator: higher timeframe first. */
export function byTimeframeDesc(a: Interval, b: Interval): number {
  return INTERVAL_ORDER.get(b)! - INTERVAL_ORDER.get(a)!;
}

/** The levels of a window's pivots (`openTime`: the window's open times, which a pivot's `index` points into). */
export function frameLevels(pivots: readonly SwingPivot[], openTime: ArrayLike<number>): FrameLevels {
  const price: number[] = [];
  const time: number[] = [];
  const kind: ("high" | "low")[] = [];
  const byPrice: number[] = [];
  for (let k = 0; k < pivots.length; k++) {
    const p = pivots[k]!;
    price.push(p.price);
    time.push(openTime[p.index]!);
    kind.push(p.kind);
    byPrice.push(k);
  }
  byPrice.sort((a, b) => price[a]! - price[b]! || a - b);
  return { price, time, kind, byPrice };
}

/** True when `layout` was built from exactly these frames (same order, same levels) and this tolerance. */
export function layoutFits(layout: ZoneLayout, frames: readonly LayoutFrame[], tolerance: number): boolean {
  if (layout.tolerance !== tolerance || layout.keys.length !== frames.length) return false;
  for (let f = 0; f < frames.length; f++) {
    const k = layout.keys[f]!;
    const { interval, weight, levels } = frames[f]!;
    if (k.interval !== interval || k.weight !== weight) return false;
    // The same window's levels: the same object (never written), no need to look inside.
    if (k.levels === levels) continue;
    const a = k.levels;
    const n = levels.price.length;
    if (a.price.length !== n) return false;
    for (let i = 0; i < n; i++) {
      if (a.price[i] !== levels.price[i] || a.time[i] !== levels.time[i] || a.kind[i] !== levels.kind[i]) return false;
    }
  }
  return true;
}

/** The layout of these frames' levels at this clustering tolerance. */
export function buildZoneLayout(frames: readonly LayoutFrame[], tolerance: number): ZoneLayout {
  // Ties in price: higher timeframe first, then earlier — only the order inside a zone depends on it.
  const desc = frames.map((_, i) => i).sort((a, b) => byTimeframeDesc(frames[a]!.interval, frames[b]!.interval));
  const rank: number[] = new Array(frames.length);
  for (let r = 0; r < desc.length; r++) rank[desc[r]!] = r;
  // Levels numbered frame by frame, each frame's in bar order; `order` starts as each frame's run in price order.
  const bounds: number[] = [0];
  const levelPrice: number[] = [];
  const levelRank: number[] = [];
  const order: number[] = [];
  for (let f = 0; f < frames.length; f++) {
    const { price, byPrice } = frames[f]!.levels;
    const offset = levelPrice.length;
    for (let k = 0; k < price.length; k++) {
      levelPrice.push(price[k]!);
      levelRank.push(rank[f]!);
      order.push(offset + byPrice[k]!);
    }
    bounds.push(levelPrice.length);
  }
  const levelCount = levelPrice.length;
  const byLevel = mergeRuns(order, bounds, levelPrice, levelRank);
  const sortedPrice: number[] = new Array(levelCount);
  for (let k = 0; k < levelCount; k++) sortedPrice[k] = levelPrice[byLevel[k]!]!;

  // Clusters: band and weighted centre.
  const starts = clusterSortedLevels(sortedPrice, tolerance);
  const clusters = starts.length;
  const low: number[] = new Array(clusters);
  const high: number[] = new Array(clusters);
  const centre: number[] = new Array(clusters);
  const pivotZone: number[][] = frames.map((f) => new Array(f.levels.price.length));
  const sorted: number[] = new Array(2 * levelCount);
  let f = 0;
  for (let g = 0; g < clusters; g++) {
    const s = starts[g]!;
    const e = g + 1 < clusters ? starts[g + 1]! : levelCount;
    let wSum = 0;
    let pwSum = 0;
    for (let k = s; k < e; k++) {
      const l = byLevel[k]!;
      // The frame holding level l: bounds[f] ≤ l < bounds[f + 1].
      f = 0;
      while (bounds[f + 1]! <= l) f++;
      const i = l - bounds[f]!;
      pivotZone[f]![i] = g;
      sorted[2 * k] = f;
      sorted[2 * k + 1] = i;
      const w = frames[f]!.weight;
      wSum += w;
      pwSum += w * sortedPrice[k]!;
    }
    low[g] = sortedPrice[s]!;
    high[g] = sortedPrice[e - 1]!;
    // The weighted mean can land a rounding error outside the band; the touch search relies on low ≤ centre ≤ high.
    centre[g] = Math.min(high[g]!, Math.max(low[g]!, pwSum / wSum));
  }
  const keys = frames.map(({ interval, weight, levels }) => ({ interval, weight, levels }));
  return { tolerance, keys, bands: { low, high, centre }, pivotZone, desc, sorted, starts, zones: new Array(clusters) };
}

/**
 * Merges runs of level numbers into one order by price, then rank (higher timeframe first), then number — within one
 * timeframe numbers follow the pivots' bar order, so that is the earlier first. `order[bounds[r] .. bounds[r+1] − 1]`
 * is run r, already in this order (one frame's levels: one rank). A total order, so the result is the sort of all
 * the numbers by it; merging the frames' presorted runs pairwise, with the comparison inline, is several times
 * faster than Array.prototype.sort calling a comparator.
 */
export function mergeRuns(
  order: readonly number[],
  bounds: readonly number[],
  price: readonly number[],
  rank: readonly number[],
): number[] {
  const n = order.length;
  let src = order.slice();
  let dst: number[] = new Array(n);
  let runs = bounds.slice();
  while (runs.length > 2) {
    const next = [0];
    for (let r = 0; r + 1 < runs.length; r += 2) {
      const lo = runs[r]!;
      const mid = runs[r + 1]!;
      const hi = r + 2 < runs.length ? runs[r + 2]! : mid;
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        if ((price[a]! - price[b]! || rank[a]! - rank[b]! || a - b) <= 0) {
          dst[k++] = a;
          i++;
        } else {
          dst[k++] = b;
          j++;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
      next.push(hi);
    }
    const t = src;
    src = dst;
    dst = t;
    runs = next;
  }
  return src;
}

/** The price-independent part of cluster `g`'s zone (built once per layout and cluster). */
export function clusterZone(layout: ZoneLayout, g: number): ClusterZone {
  const done = layout.zones[g];
  if (done !== undefined) return done;
  const { sorted, starts, keys } = layout;
  const s = starts[g]!;
  const e = g + 1 < starts.length ? starts[g + 1]! : sorted.length / 2;
  const levels: SrLevel[] = [];
  const timeframes: Interval[] = [];
  let timeframeWeight = 0;
  for (let k = s; k < e; k++) {
    const key = keys[sorted[2 * k]!]!;
    const i = sorted[2 * k + 1]!;
    const { kind, price, time } = key.levels;
    levels.push({ interval: key.interval, kind: kind[i]!, price: price[i]!, time: time[i]! });
    if (!timeframes.includes(key.interval)) {
      timeframes.push(key.interval);
      timeframeWeight += key.weight;
    }
  }
  levels.sort((a, b) => byTimeframeDesc(a.interval, b.interval) || a.time - b.time || a.price - b.price);
  timeframes.sort(byTimeframeDesc);
  // Frozen: these arrays are shared by every result built on this layout (and by symbol-analysis's summaries), so
  // a caller sorting one in place would change the others.
  for (const l of levels) Object.freeze(l);
  const zone = { levels: Object.freeze(levels), timeframes: Object.freeze(timeframes), timeframeWeight };
  layout.zones[g] = zone;
  return zone;
}

/** Clusters of one layout matched to those of an earlier one (see matchClusters). */
export interface ClusterMatch {
  readonly from: ZoneLayout;
  /** Per cluster of the new layout: the cluster of `from` with exactly the same levels, or −1. */
  readonly match: readonly number[];
  /** Per cluster of `from`: the cluster of the new layout it matched, or −1. */
  readonly back: readonly number[];
}

/**
 * Pairs each cluster of `next` with the cluster of `prev` made of exactly the same levels (timeframe, weight, kind,
 * price, open time, in the same order) — and so with the same band, centre and zone fields, which are computed from
 * nothing else. When one pivot enters or leaves a window, every cluster but the one or two around it pairs up. The
 * zone fields already built for a paired cluster are adopted by `next` rather than built again.
 */
export function matchClusters(next: ZoneLayout, prev: ZoneLayout): ClusterMatch {
  const n = next.starts.length;
  const m = prev.starts.length;
  const match: number[] = [];
  const back: number[] = [];
  for (let g = 0; g < n; g++) match.push(-1);
  for (let q = 0; q < m; q++) back.push(-1);
  if (next.tolerance === prev.tolerance) {
    const a = next.bands;
    const b = prev.bands;
    let q = 0;
    for (let g = 0; g < n && q < m; g++) {
      // Both ascending by low: advance through `prev` to the first band not below this one.
      while (q < m && b.low[q]! < a.low[g]!) q++;
      if (q === m || b.low[q] !== a.low[g] || b.high[q] !== a.high[g] || b.centre[q] !== a.centre[g]) continue;
      if (!sameLevels(next, g, prev, q)) continue;
      match[g] = q;
      back[q] = g;
      if (next.zones[g] === undefined) next.zones[g] = prev.zones[q];
    }
  }
  return { from: prev, match, back };
}

function sameLevels(a: ZoneLayout, g: number, b: ZoneLayout, q: number): boolean {
  const s = a.starts[g]!;
  const e = g + 1 < a.starts.length ? a.starts[g + 1]! : a.sorted.length / 2;
  const t = b.starts[q]!;
  const u = q + 1 < b.starts.length ? b.starts[q + 1]! : b.sorted.length / 2;
  if (e - s !== u - t) return false;
  for (let k = 0; k < e - s; k++) {
    const ka = a.keys[a.sorted[2 * (s + k)]!]!;
    const ia = a.sorted[2 * (s + k) + 1]!;
    const kb = b.keys[b.sorted[2 * (t + k)]!]!;
    const ib = b.sorted[2 * (t + k) + 1]!;
    if (
      ka.interval !== kb.interval ||
      ka.weight !== kb.weight ||
      ka.levels.kind[ia] !== kb.levels.kind[ib] ||
      ka.levels.price[ia] !== kb.levels.price[ib] ||
      ka.levels.time[ia] !== kb.levels.time[ib]
    ) {
      return false;
    }
  }
  return true;
}
