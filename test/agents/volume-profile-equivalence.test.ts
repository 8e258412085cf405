/**
 * The volume-profile agent was rewritten for speed (bins and edges in plain arrays, O(bins) node prominence, sweeps
 * without pivot objects or a tail() series) with the promise that every result stays bit-identical. Two proofs:
 * - digests of the results the code gave BEFORE the rewrite (fixtures/volume-profile-digests.json, made by running
 *   the old code over the windows each entry describes) must be reproduced exactly;
 * - the old analyzeVolumeProfile body and the old pivot-object sweeps, kept below as oracles, must deep-equal the
 *   new code on real candles and on random bars.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CandleSeries } from "../../src/agents/candle-series.js";
import { type LiquiditySweep, liquiditySweeps, type SweepColumns } from "../../src/agents/liquidity-sweeps.js";
import { profileNodes, smoothProfile } from "../../src/agents/profile-nodes.js";
import {
  analyzeVolumeProfile,
  niceCeil,
  type PriceBin,
  resolveVolumeProfileOptions,
  type ValueArea,
  type VolumeNode,
  type VolumeProfileInput,
  type VolumeProfileOptions,
  type VolumeProfileResult,
} from "../../src/agents/volume-profile.js";
import type { Candle } from "../../src/core/candle.js";
import type { Interval } from "../../src/core/interval.js";
import { type SwingPivot, swingPivots } from "../../src/indicators/index.js";
import { testCandle } from "../learning/fixtures/signals.js";
import { bundled } from "../market/helpers.js";

// ---- Oracles: the code as it was before the rewrite (profile-nodes.test.ts proves the new node finder equal to the
// old one, so it is used here; the fixture digests cover the old node finder end to end).

function oracleSweeps(
  cols: SweepColumns,
  from: number,
  to: number,
  pivot: { readonly left: number; readonly right: number },
): LiquiditySweep[] {
  const out: LiquiditySweep[] = [];
  if (to - from < pivot.left + pivot.right + 1) return out;
  const high = cols.high.subarray(from, to);
  const low = cols.low.subarray(from, to);
  const pivots = swingPivots(high, low, pivot);
  const highs: SwingPivot[] = [];
  const lows: SwingPivot[] = [];
  const sweep = (
    side: "high" | "low",
    lv: SwingPivot,
    levelTime: number,
    sweptAt: number,
    extreme: number,
    close: number,
  ) => ({
    side,
    level: lv.price,
    levelTime,
    sweptAt,
    extreme,
    close,
    depthPct: lv.price > 0 ? (Math.abs(extreme - lv.price) / lv.price) * 100 : 0,
  });
  let p = 0;
  for (let i = 0; i < to - from; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const c = cols.close[from + i]!;
    const t = cols.openTime[from + i]!;
    while (highs.length > 0 && highs[highs.length - 1]!.price < h) {
      const lv = highs.pop()!;
      if (c <= lv.price) out.push(sweep("high", lv, cols.openTime[from + lv.index]!, t, h, c));
    }
    while (lows.length > 0 && lows[lows.length - 1]!.price > l) {
      const lv = lows.pop()!;
      if (c >= lv.price) out.push(sweep("low", lv, cols.openTime[from + lv.index]!, t, l, c));
    }
    while (p < pivots.length && pivots[p]!.confirmIndex === i) {
      const pv = pivots[p++]!;
      (pv.kind === "high" ? highs : lows).push(pv);
    }
  }
  return out;
}

function oracleToTicks(width: number, tick: number | null): number {
  if (tick === null) return width;
  return Math.max(1, Math.ceil(width / tick - 1e-9)) * tick;
}

function oracleBinWidth(o: VolumeProfileOptions, lastClose: number, minLow: number, maxHigh: number): number {
  let width = o.binSize ?? oracleToTicks(niceCeil(o.binPct * lastClose), o.tickSize);
  const range = maxHigh - minLow;
  const bins = (w: number) => Math.floor(maxHigh / w) - Math.floor(minLow / w) + 1;
  if (bins(width) > o.maxBins) {
    const fit = range / (o.maxBins - 1);
    width = o.binSize !== null ? o.binSize * Math.ceil(fit / o.binSize) : oracleToTicks(niceCeil(fit), o.tickSize);
    while (bins(width) > o.maxBins)
      width = o.binSize !== null ? width + o.binSize : oracleToTicks(niceCeil(width * 1.01), o.tickSize);
  }
  return width;
}

function oracleProfile(input: VolumeProfileInput, options?: Partial<VolumeProfileOptions>): VolumeProfileResult {
  const o = resolveVolumeProfileOptions(options);
  const given = input.candles;
  const s =
    given instanceof CandleSeries
      ? given.tail(o.window)
      : new CandleSeries(given.slice(Math.max(0, given.length - o.window)), "volume profile");
  const n = s.length;
  if (n === 0) return { available: false, reason: "no closed candles", candles: 0 };
  const { high, low, close, volume, openTime, closeTime } = s;
  let minLow = Number.POSITIVE_INFINITY;
  let maxHigh = Number.NEGATIVE_INFINITY;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (volume[i]! <= 0) continue;
    if (low[i]! < minLow) minLow = low[i]!;
    if (high[i]! > maxHigh) maxHigh = high[i]!;
    total += volume[i]!;
  }
  if (total <= 0) return { available: false, reason: "no volume traded in the window", candles: n };
  const lastClose = close[n - 1]!;
  if (!(minLow > 0)) return { available: false, reason: "prices at or below zero cannot be binned", candles: n };
  const width = oracleBinWidth(o, lastClose > 0 ? lastClose : maxHigh, minLow, maxHigh);
  const first = Math.floor(minLow / width);
  const origin = first * width;
  const nb = Math.floor(maxHigh / width) - first + 1;
  const bins = new Float64Array(nb);
  const binOf = (x: number): number => {
    const k = Math.floor(x / width) - first;
    return k < 0 ? 0 : k >= nb ? nb - 1 : k;
  };
  for (let i = 0; i < n; i++) {
    const v = volume[i]!;
    if (v <= 0) continue;
    const lo = low[i]!;
    const hi = high[i]!;
    const kLo = binOf(lo);
    const kHi = binOf(hi);
    if (kLo === kHi || hi <= lo) {
      bins[kLo]! += v;
      continue;
    }
    const perPrice = v / (hi - lo);
    for (let k = kLo; k <= kHi; k++) {
      const a = k === kLo ? lo : origin + k * width;
      const b = k === kHi ? hi : origin + (k + 1) * width;
      if (b > a) bins[k]! += perPrice * (b - a);
    }
  }
  let binned = 0;
  for (let k = 0; k < nb; k++) binned += bins[k]!;
  const edge = (k: number) => origin + k * width;
  const bin = (k: number): PriceBin => ({
    price: edge(k) + width / 2,
    low: edge(k),
    high: edge(k + 1),
    volume: bins[k]!,
  });
  let poc = 0;
  const middle = (nb - 1) / 2;
  for (let k = 1; k < nb; k++) {
    const d = bins[k]! - bins[poc]!;
    if (d > 0 || (d === 0 && Math.abs(k - middle) < Math.abs(poc - middle))) poc = k;
  }
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
  const valueArea: ValueArea = { low: edge(vaLo), high: edge(vaHi + 1), volume: acc, share: acc / binned };
  const smooth = smoothProfile(bins, o.smoothing);
  let smoothMax = 0;
  for (let k = 0; k < nb; k++) if (smooth[k]! > smoothMax) smoothMax = smooth[k]!;
  const minProminence = o.nodeProminence * smoothMax;
  const node = (c: { bin: number; from: number; to: number; value: number; prominence: number }): VolumeNode => ({
    price: edge(c.bin) + width / 2,
    low: edge(c.from),
    high: edge(c.to + 1),
    volume: c.value,
    prominence: smoothMax > 0 ? c.prominence / smoothMax : 0,
  });
  const highVolumeNodes = profileNodes(smooth, 1, minProminence).slice(0, o.maxNodes).map(node);
  const lowVolumeNodes = profileNodes(smooth, -1, minProminence).slice(0, o.maxNodes).map(node);
  const sweeps = oracleSweeps(s, 0, n, o.sweepPivot).reverse();
  return {
    available: true,
    reason: null,
    candles: n,
    from: openTime[0]!,
    to: closeTime[n - 1]!,
    totalVolume: binned,
    binSize: width,
    origin,
    volumes: Array.from(bins),
    poc: bin(poc),
    valueArea,
    lastClose,
    position: lastClose > valueArea.high ? "above" : lastClose < valueArea.low ? "below" : "inside",
    highVolumeNodes,
    lowVolumeNodes,
    sweeps,
  };
}

/** JSON that tells -0 from 0 and keeps non-finite numbers, so equal digests mean bit-identical numbers. */
const canonical = (r: VolumeProfileResult) =>
  JSON.stringify(r, (_k, v: unknown) =>
    typeof v === "number" ? (Object.is(v, -0) ? "-0" : Number.isFinite(v) ? v : String(v)) : v,
  );

interface DigestCase {
  readonly symbol: string;
  readonly interval: Interval;
  readonly options: Partial<VolumeProfileOptions>;
  /** Window ends (exclusive candle index) from, from + step, … ≤ to. */
  readonly from: number;
  readonly to: number;
  readonly step: number;
  readonly windows: number;
  readonly sha256: string;
}

/** The inputs each digest covers: `window` + (end mod 5) candles before `end`, every 7th end as a CandleSeries. */
function windowInputs(candles: readonly Candle[], c: DigestCase): Array<readonly Candle[] | CandleSeries> {
  const window = c.options.window ?? 168;
  const out: Array<readonly Candle[] | CandleSeries> = [];
  for (let end = c.from; end <= Math.min(c.to, candles.length); end += c.step) {
    const slice = candles.slice(Math.max(0, end - window - (end % 5)), end);
    out.push(end % 7 === 0 ? new CandleSeries(slice) : slice);
  }
  return out;
}

const CASES = JSON.parse(
  readFileSync(new URL("./fixtures/volume-profile-digests.json", import.meta.url), "utf8"),
) as DigestCase[];

describe("volume profile results are bit-identical to the code before the speed-up", () => {
  it("reproduces the recorded digests (5 symbols, 4 intervals, 9 option sets, 16 998 windows)", () => {
    expect(CASES.length).toBe(33);
    let nodes = 0;
    let sweeps = 0;
    for (const c of CASES) {
      const h = createHash("sha256");
      const inputs = windowInputs(bundled("spot", c.symbol, c.interval), c);
      for (const candles of inputs) {
        const r = analyzeVolumeProfile({ candles }, c.options);
        if (r.available) {
          nodes += r.highVolumeNodes.length + r.lowVolumeNodes.length;
          sweeps += r.sweeps.length;
        }
        h.update(canonical(r));
        h.update("\n");
      }
      expect({ case: c, windows: inputs.length, sha256: h.digest("hex") }).toEqual({
        case: c,
        windows: c.windows,
        sha256: c.sha256,
      });
    }
    // The cases exercise what changed: many nodes and sweeps, not just empty lists.
    expect(nodes).toBeGreaterThan(50_000);
    expect(sweeps).toBeGreaterThan(50_000);
  }, 120_000);

  it("deep-equals the old body on consecutive real windows (arrays and series, several option sets)", () => {
    const optionSets: Partial<VolumeProfileOptions>[] = [
      {},
      { smoothing: 0, nodeProminence: 0, maxNodes: 50 },
      { binPct: 0.0003, maxBins: 50, sweepPivot: { left: 3, right: 0 } },
      { window: 60, tickSize: 0.5, valueArea: 0.9 },
    ];
    let compared = 0;
    for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "BNBUSDT"]) {
      const candles = bundled("spot", symbol, "1h");
      // A series the windows are cut from, as the pipeline does (reused columns, tail in place).
      const series = new CandleSeries(candles.slice(5000, 5600));
      for (const options of optionSets) {
        for (let end = 5001; end <= 5600; end += 3) {
          const slice = candles.slice(Math.max(0, end - 200), end);
          expect(analyzeVolumeProfile({ candles: slice }, options)).toEqual(oracleProfile({ candles: slice }, options));
          compared++;
        }
        for (let cut = 1; cut <= 600; cut += 37) {
          const s = new CandleSeries(series.candles.slice(0, cut), "x", { series, from: 0 });
          expect(analyzeVolumeProfile({ candles: s }, options)).toEqual(oracleProfile({ candles: s }, options));
          compared++;
        }
      }
    }
    expect(compared).toBe(5 * 4 * (200 + 17));
  }, 120_000);
});

describe("liquidity sweeps equal the pivot-object version", () => {
  const HOUR = 3_600_000;
  const bar = (i: number, o: number, h: number, l: number, c: number): Candle => testCandle(i * HOUR, HOUR, o, h, l, c);

  it("on random bars (equal highs and lows common), any pivot window and sub-range, in the same order", () => {
    const barArb = fc.tuple(
      fc.integer({ min: 95, max: 105 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 0, max: 2 }),
      fc.integer({ min: 95, max: 105 }),
    );
    fc.assert(
      fc.property(
        fc.array(barArb, { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        fc.nat(),
        fc.nat(),
        (raw, left, right, a, b) => {
          const cs = raw.map(([o, up, down, c], i) => bar(i, o, Math.max(o, c) + up, Math.min(o, c) - down, c));
          const s = new CandleSeries(cs);
          const from = a % cs.length;
          const to = from + (b % (cs.length - from + 1));
          expect(liquiditySweeps(s, from, to, { left, right })).toEqual(oracleSweeps(s, from, to, { left, right }));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("on real candles, over the whole of SOLUSDT 1h in 500-bar ranges", () => {
    const s = new CandleSeries(bundled("spot", "SOLUSDT", "1h"));
    let found = 0;
    for (let from = 0; from + 500 <= s.length; from += 250) {
      const got = liquiditySweeps(s, from, from + 500, { left: 5, right: 5 });
      expect(got).toEqual(oracleSweeps(s, from, from + 500, { left: 5, right: 5 }));
      found += got.length;
    }
    expect(found).toBeGreaterThan(500);
  });

  it("rejects bad pivot options and non-finite prices as before, and not on a range too short to look", () => {
    const cs = Array.from({ length: 12 }, (_, i) => bar(i, 100, 101 + (i % 3), 99 - (i % 2), 100));
    const s = new CandleSeries(cs);
    // Too short for left 10 + right 5 + 1 bars: nothing to find, options not even looked at (old behaviour).
    expect(liquiditySweeps(s, 0, 12, { left: 10, right: 5 })).toEqual([]);
    expect(liquiditySweeps(s, 0, 12, { left: 0.5, right: 20 })).toEqual([]);
    const message = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return "no error";
    };
    const bad = { left: 1.5, right: 1 };
    expect(message(() => liquiditySweeps(s, 0, 12, bad))).toBe(message(() => oracleSweeps(s, 0, 12, bad)));
    expect(message(() => liquiditySweeps(s, 0, 12, bad))).not.toBe("no error");
    // A NaN high in the range: the same error, naming the same bar.
    const cols: SweepColumns = { openTime: s.openTime, high: Float64Array.from(s.high), low: s.low, close: s.close };
    (cols.high as Float64Array)[7] = Number.NaN;
    const pivot = { left: 2, right: 2 };
    expect(message(() => liquiditySweeps(cols, 2, 12, pivot))).toBe(message(() => oracleSweeps(cols, 2, 12, pivot)));
    expect(message(() => liquiditySweeps(cols, 2, 12, pivot))).toMatch(/high/);
  });
});
