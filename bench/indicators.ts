/**
 * Indicator throughput, for the bench runner to call: `benchIndicators()` returns one row per indicator and form.
 * Prints nothing; the input is a deterministic random walk, so runs are comparable. Each figure is the best of
 * `repeats` runs (the least disturbed by other work on the machine); `cpuMs` is the process CPU time of that best run,
 * which stays meaningful when other processes compete for the cores.
 */
import {
  atr,
  EMA,
  ema,
  macd,
  obv,
  percentRank,
  RSI,
  rsi,
  SMA,
  sma,
  swingPivots,
  zScore,
} from "../src/indicators/index.js";
import { bestOf } from "./timing.js";

export interface IndicatorBenchResult {
  readonly name: string;
  readonly values: number;
  /** Best wall time of one run over all values. */
  readonly ms: number;
  /** CPU time of the process during the best run (includes any garbage collection it triggered). */
  readonly cpuMs: number;
  readonly valuesPerSecond: number;
}

export interface SyntheticOhlcv {
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** A multiplicative random walk with plausible ranges and volumes (Park–Miller generator, fixed seed). */
export function syntheticOhlcv(n: number, seed = 42): SyntheticOhlcv {
  let s = seed;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const out = {
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
  let price = 30_000;
  for (let i = 0; i < n; i++) {
    price *= 1 + (rnd() - 0.5) * 0.01;
    out.close[i] = price;
    out.high[i] = price * (1 + rnd() * 0.004);
    out.low[i] = price * (1 - rnd() * 0.004);
    out.volume[i] = 100 + 1000 * rnd() ** 3;
  }
  return out;
}

export function benchIndicators(opts: { values?: number; repeats?: number } = {}): IndicatorBenchResult[] {
  const n = opts.values ?? 1_000_000;
  const repeats = opts.repeats ?? 7;
  const d = syntheticOhlcv(n);
  const closes = Array.from(d.close);
  const cases: [string, () => unknown][] = [
    ["rsi(14) batch", () => rsi(d.close, 14)],
    ["atr(14) batch", () => atr(d.high, d.low, d.close, 14)],
    ["macd(12,26,9) batch", () => macd(d.close)],
    ["ema(20) batch", () => ema(d.close, 20)],
    ["sma(20) batch", () => sma(d.close, 20)],
    ["obv batch", () => obv(d.close, d.volume)],
    ["zScore(20) batch", () => zScore(d.volume, 20)],
    ["percentRank(20) batch", () => percentRank(d.volume, 20)],
    ["swingPivots(5/5) batch", () => swingPivots(d.high, d.low, { left: 5, right: 5 })],
    [
      "RSI(14) streaming update",
      () => {
        const ind = new RSI(14);
        for (const x of closes) ind.update(x);
      },
    ],
    [
      "EMA(20) streaming update+replace",
      () => {
        const ind = new EMA(20);
        for (const x of closes) {
          ind.update(x);
          ind.replace(x);
        }
      },
    ],
    [
      "SMA(20) streaming update",
      () => {
        const ind = new SMA(20);
        for (const x of closes) ind.update(x);
      },
    ],
  ];
  return cases.map(([name, run]) => {
    const { ms, cpuMs } = bestOf(repeats, run);
    return { name, values: n, ms, cpuMs, valuesPerSecond: n / (ms / 1000) };
  });
}
