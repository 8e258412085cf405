/**
 * High- and low-volume nodes of a volume profile: the peaks and troughs of its smoothed histogram, kept when they
 * stand out by their topographic prominence (as in scipy.signal.find_peaks), so that ripples from the binning are
 * not nodes but a shelf of volume with a clear gap next to it is.
 *
 * - Smoothing: centred moving average over 2·halfWidth + 1 bins, averaging only the bins that exist at the edges.
 * - Peak (HVN): a bin, or the middle of a run of equal bins, higher than its neighbours on both sides; outside the
 *   profile counts as 0 (no volume traded there), so a shelf at the edge of the range can be a node.
 *   Prominence = peak − max(left base, right base), a base being the lowest value between the peak and the nearest
 *   higher bin on that side (or the edge).
 * - Trough (LVN): mirrored, but only strictly inside the profile (volume on both sides): a thin area at the end of the
 *   range is the tail of the distribution, not a gap between two areas of acceptance.
 *   Prominence = min(left top, right top) − trough.
 * - A node's band: the bins around it within half its prominence of its value (the peak's "width at half
 *   prominence").
 * The bases of every bin come from one pass per side with a monotonic stack (O(bins)); walking outward from each
 * candidate instead was O(bins²) in the worst case and a large share of the agent's time. Only comparisons and
 * negation are involved, so the prominences are exactly what the walks gave.
 */

export interface NodeCandidate {
  /** Bin index of the node. */
  readonly bin: number;
  /** First and last bin of its band. */
  readonly from: number;
  readonly to: number;
  /** Smoothed value at the node. */
  readonly value: number;
  readonly prominence: number;
}

/**
 * Centred moving average of `values` over 2·halfWidth + 1 bins (fewer at the edges). A preallocated plain array: at a
 * few hundred bins, allocating a typed array costs more than the averaging.
 */
export function smoothProfile(values: ArrayLike<number>, halfWidth: number): number[] {
  const n = values.length;
  const out = new Array<number>(n);
  if (halfWidth === 0) {
    for (let i = 0; i < n; i++) out[i] = values[i]!;
    return out;
  }
  // Running window sum; recomputed per bin would be O(n · width).
  let sum = 0;
  let lo = 0;
  let hi = -1;
  for (let i = 0; i < n; i++) {
    const wantLo = Math.max(0, i - halfWidth);
    const wantHi = Math.min(n - 1, i + halfWidth);
    while (hi < wantHi) sum += values[++hi]!;
    while (lo < wantLo) sum -= values[lo++]!;
    out[i] = sum / (hi - lo + 1);
  }
  return out;
}

// Scratch reused across calls (single-threaded; nothing here calls out while they are in use): per-bin bases and the
// stack of the base pass. Fresh arrays per call were a measurable share of the cost at this size.
const LEFT: number[] = [];
const RIGHT: number[] = [];
const STACK_VALUE: number[] = [];
const STACK_GAP: number[] = [];

function reserve(a: number[], n: number): void {
  while (a.length < n) a.push(0);
}

/**
 * For every bin k, into `out[k]`: the lowest (mirrored) value strictly between k and the nearest bin beyond it in
 * direction `dir` whose value is above k's, or up to the profile's edge — Infinity when there is no bin in between.
 * Past the edge a peak falls to 0 (no volume traded there), so for sign 1 a walk that reaches the edge also counts 0;
 * a trough has no wall there, so only the bins count.
 * The stack holds the bins not yet passed by a higher one, values strictly decreasing from the bottom, each with the
 * lowest value between it and the entry below it; a new bin pops the entries it is at least as high as, and what they
 * covered is exactly the stretch back to the first higher bin.
 */
function bases(s: ArrayLike<number>, sign: 1 | -1, dir: 1 | -1, out: number[]): void {
  const n = s.length;
  let top = 0;
  for (let step = 0; step < n; step++) {
    const k = dir === 1 ? n - 1 - step : step;
    const y = sign * s[k]!;
    let m = Number.POSITIVE_INFINITY;
    while (top > 0 && STACK_VALUE[top - 1]! <= y) {
      top--;
      const pv = STACK_VALUE[top]!;
      const gap = STACK_GAP[top]!;
      if (pv < m) m = pv;
      if (gap < m) m = gap;
    }
    out[k] = top === 0 && sign === 1 && m > 0 ? 0 : m;
    STACK_VALUE[top] = y;
    STACK_GAP[top] = m;
    top++;
  }
}

/** Peaks (sign 1) or troughs (sign −1) whose prominence is at least `minProminence`, strongest first. */
export function profileNodes(s: ArrayLike<number>, sign: 1 | -1, minProminence: number): NodeCandidate[] {
  const n = s.length;
  const out: NodeCandidate[] = [];
  reserve(LEFT, n);
  reserve(RIGHT, n);
  reserve(STACK_VALUE, n);
  reserve(STACK_GAP, n);
  bases(s, sign, -1, LEFT);
  bases(s, sign, 1, RIGHT);
  // For troughs the profile is mirrored; "outside" then has no value at all (edges are never troughs).
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && s[j + 1] === s[i]) j++;
    const x = sign * s[i]!;
    const leftOk = i > 0 ? sign * s[i - 1]! < x : sign === 1 && x > 0;
    const rightOk = j < n - 1 ? sign * s[j + 1]! < x : sign === 1 && x > 0;
    if (leftOk && rightOk) {
      // A base is never above the node itself (the walk started from its value).
      const left = LEFT[i]! < x ? LEFT[i]! : x;
      const right = RIGHT[j]! < x ? RIGHT[j]! : x;
      const prominence = x - Math.max(left, right);
      if (prominence >= minProminence && prominence > 0) {
        const half = x - prominence / 2;
        let from = i;
        while (from > 0 && sign * s[from - 1]! >= half) from--;
        let to = j;
        while (to < n - 1 && sign * s[to + 1]! >= half) to++;
        const mid = (i + j) >> 1;
        out.push({ bin: mid, from, to, value: s[mid]!, prominence });
      }
    }
    i = j + 1;
  }
  out.sort(strongestFirst);
  return out;
}

function strongestFirst(a: NodeCandidate, b: NodeCandidate): number {
  return b.prominence - a.prominence || a.bin - b.bin;
}
