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
 * Worst case O(bins²) for the prominence walks, with bins bounded by the profile's maxBins.
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

export function smoothProfile(values: Float64Array, halfWidth: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (halfWidth === 0) {
    out.set(values);
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

/** Peaks (sign 1) or troughs (sign −1) whose prominence is at least `minProminence`, strongest first. */
export function profileNodes(s: Float64Array, sign: 1 | -1, minProminence: number): NodeCandidate[] {
  const n = s.length;
  const out: NodeCandidate[] = [];
  // For troughs the profile is mirrored; "outside" then has no value at all (edges are never troughs).
  const v = (i: number): number => sign * s[i]!;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && s[j + 1] === s[i]) j++;
    const x = v(i);
    const leftOk = i > 0 ? v(i - 1) < x : sign === 1 && x > 0;
    const rightOk = j < n - 1 ? v(j + 1) < x : sign === 1 && x > 0;
    if (leftOk && rightOk) {
      const mid = (i + j) >> 1;
      const prominence = x - Math.max(base(v, n, i, -1, x, sign), base(v, n, j, 1, x, sign));
      if (prominence >= minProminence && prominence > 0) {
        const half = x - prominence / 2;
        let from = i;
        while (from > 0 && v(from - 1) >= half) from--;
        let to = j;
        while (to < n - 1 && v(to + 1) >= half) to++;
        out.push({ bin: mid, from, to, value: s[mid]!, prominence });
      }
    }
    i = j + 1;
  }
  out.sort((a, b) => b.prominence - a.prominence || a.bin - b.bin);
  return out;
}

/**
 * The lowest (mirrored) value between `start` and the first value above `x` in direction `dir`, or the profile's edge.
 * Past the edge a peak falls to 0 (no volume traded there); a trough has no wall there, so only the bins count.
 */
function base(v: (i: number) => number, n: number, start: number, dir: 1 | -1, x: number, sign: 1 | -1): number {
  let lowest = x;
  for (let k = start + dir; k >= 0 && k < n; k += dir) {
    const y = v(k);
    if (y > x) return lowest;
    if (y < lowest) lowest = y;
  }
  return sign === 1 ? Math.min(lowest, 0) : lowest;
}
