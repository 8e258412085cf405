/**
 * An endless, deterministic market of any number of symbols for benchmarks (a scanner watching 300+ pairs) without
 * storing a single candle. Each symbol's log-price is a sum of value-noise octaves (hash-based random values at knots
 * every 1m, 2m, 4m … ~2 years, smoothly interpolated) with amplitudes growing like √(knot spacing): it looks and
 * scales like a random walk, and the price at any instant costs ~40 hash evaluations. Candles are built from prices
 * at their boundaries, so a candle's close is the next one's open at every interval; volume and trade counts come
 * from closed-form cumulative functions, so they add up exactly across intervals. High/low are an envelope around
 * open/close that widens with the candle's duration (always consistent within the candle, not exactly the max of
 * finer candles).
 */
import type { Candle } from "../../core/candle.js";
import { UsageError } from "../../core/errors.js";
import { alignDown, DAY, INTERVALS, MINUTE, nextOpenTime, WEEK } from "../../core/interval.js";
import { fnv1a, hash01, mix, mixSeed } from "./hash.js";
import type { FakeMarketData, SymbolPrecision, WindowStats } from "./market-data.js";

export interface SyntheticMarketDataOptions {
  /** How many symbols (named SYN001USDT, SYN002USDT, …) or the exact names. */
  readonly symbols: number | readonly string[];
  /** Different seeds give different markets; the same seed always the same one. Default 1. */
  readonly seed?: number;
  /** When trading starts (epoch ms, rounded down to the minute); default 2020-01-01. */
  readonly start?: number;
}

const OCTAVES = 21; // knots from 1 minute to 2^20 minutes (about two years)
/** Scales the octave sum so that the standard deviation of log returns over a day is about the daily volatility. */
const NOISE_SCALE = 0.6;
/** Intraday/weekly/monthly seasonality of the volume rate; |sum of amplitudes| < 1 keeps the rate positive. */
const VOLUME_CYCLES: readonly { period: number; amp: number }[] = [
  { period: DAY, amp: 0.35 },
  { period: WEEK, amp: 0.2 },
  { period: 37 * DAY, amp: 0.25 },
  { period: 3.3 * 60 * MINUTE, amp: 0.1 },
];
const SYMBOL_PATTERN = /^[A-Z0-9]{2,20}$/;
const WINDOW_SALT = 0x24;

interface Boundary {
  /** Price in ticks. */
  readonly price: number;
  /** Cumulative volume in lot steps. */
  readonly steps: number;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

interface SymbolModel {
  readonly key: number;
  readonly logBase: number;
  /** Octave amplitudes in log-price. */
  readonly amps: Float64Array;
  /** Per-octave hash keys: a knot's value is one `mix` of key ^ knot index. */
  readonly octaveKeys: Uint32Array;
  readonly dailyVol: number;
  readonly precision: SymbolPrecision;
  readonly step: number;
  /** 10^decimals: prices, quantities and quote amounts are whole multiples of their reciprocals. */
  readonly ticksPerUnit: number;
  readonly stepsPerUnit: number;
  readonly quotePerUnit: number;
  /** Base-asset volume per millisecond on average. */
  readonly rate: number;
  readonly phases: Float64Array;
  readonly avgTradeSize: number;
}

function modelFor(name: string, seed: number): SymbolModel {
  const key = (fnv1a(name) ^ mixSeed(seed)) >>> 0;
  const u = (i: number) => hash01(key, 0x5eed, i, 0);
  const base = 10 ** (-2 + 6.7 * u(1)); // 0.01 … 50 000 USDT
  const dailyVol = 0.02 + 0.04 * u(2);
  const minuteVol = dailyVol / Math.sqrt(1440);
  const amps = new Float64Array(OCTAVES);
  const octaveKeys = new Uint32Array(OCTAVES);
  for (let j = 0; j < OCTAVES; j++) {
    amps[j] = NOISE_SCALE * minuteVol * Math.sqrt(2 ** j);
    octaveKeys[j] = mix(key ^ Math.imul(j + 1, 0x9e3779b1));
  }
  const magnitude = Math.floor(Math.log10(base));
  const price = clamp(6 - Math.ceil(Math.log10(base)), 0, 8);
  const quantity = clamp(magnitude + 1, 0, 8);
  const dailyQuoteVolume = 10 ** (5 + 4 * u(3)); // 100k … 1bn USDT a day
  const phases = new Float64Array(VOLUME_CYCLES.length);
  for (let k = 0; k < phases.length; k++) phases[k] = 2 * Math.PI * u(10 + k);
  return {
    key,
    logBase: Math.log(base),
    amps,
    octaveKeys,
    dailyVol,
    precision: { price, quantity, quote: Math.min(8, price + quantity) },
    step: 10 ** -quantity,
    ticksPerUnit: 10 ** price,
    stepsPerUnit: 10 ** quantity,
    quotePerUnit: 10 ** Math.min(8, price + quantity),
    rate: dailyQuoteVolume / base / DAY,
    phases,
    avgTradeSize: (200 + 3000 * u(4)) / base,
  };
}

/** Synthetic markets: `syntheticMarketData({ symbols: 300 })` serves SYN001USDT … SYN300USDT at any interval. */
export function syntheticMarketData(opts: SyntheticMarketDataOptions): FakeMarketData {
  const seed = opts.seed ?? 1;
  const start = alignDown("1m", opts.start ?? Date.UTC(2020, 0, 1));
  let names: string[];
  if (typeof opts.symbols === "number") {
    if (!Number.isInteger(opts.symbols) || opts.symbols < 1) {
      throw new UsageError(`syntheticMarketData: symbols must be a positive integer, got ${opts.symbols}`);
    }
    const width = Math.max(3, String(opts.symbols).length);
    names = Array.from({ length: opts.symbols }, (_, i) => `SYN${String(i + 1).padStart(width, "0")}USDT`);
  } else {
    names = [...new Set(opts.symbols)];
    const bad = names.filter((s) => !SYMBOL_PATTERN.test(s));
    if (bad.length > 0 || names.length === 0) {
      throw new UsageError(`syntheticMarketData: invalid symbol names ${bad.join(", ") || "(empty list)"}`, {
        hint: "Use 2-20 upper-case letters and digits, e.g. ABCUSDT.",
      });
    }
  }
  const models = new Map(names.map((n) => [n, modelFor(n, seed)]));
  const symbols = Object.freeze(names);

  const logNoise = (m: SymbolModel, t: number): number => {
    let sum = 0;
    let spacing = MINUTE;
    for (let j = 0; j < OCTAVES; j++, spacing *= 2) {
      const x = t / spacing;
      const n = Math.floor(x);
      const f = x - n;
      const k = m.octaveKeys[j] as number;
      const a = mix(k ^ n) / 2147483648 - 1;
      const b = mix(k ^ (n + 1)) / 2147483648 - 1;
      sum += (m.amps[j] as number) * (a + (b - a) * f * f * (3 - 2 * f));
    }
    return sum;
  };
  /** Cumulative base volume since `start`, in lot steps (an integer, so volumes of adjacent candles add up). */
  const cumulativeSteps = (m: SymbolModel, t: number): number => {
    let v = t - start;
    for (let k = 0; k < VOLUME_CYCLES.length; k++) {
      const c = VOLUME_CYCLES[k] as { period: number; amp: number };
      const w = (2 * Math.PI) / c.period;
      const ph = m.phases[k] as number;
      v += (c.amp / w) * (Math.sin(w * t + ph) - Math.sin(w * start + ph));
    }
    return Math.floor((m.rate * v) / m.step);
  };
  /** Price and cumulative volume at an instant; a candle's end is the next one's start, so each is computed once. */
  const at = (m: SymbolModel, t: number): Boundary => ({
    price: Math.max(1, Math.round(Math.exp(m.logBase + logNoise(m, t)) * m.ticksPerUnit)),
    steps: cumulativeSteps(m, t),
  });
  /** Everything about [a, b): prices in ticks, the high/low envelope, exact volume and trade counts. */
  const span = (m: SymbolModel, a: Boundary, b: Boundary, from: number, duration: number, salt: number) => {
    const spread = m.dailyVol * Math.sqrt(duration / DAY) * 0.8;
    const hiTicks = Math.ceil(Math.max(a.price, b.price) * Math.exp(spread * hash01(m.key, salt, 2, from)) - 1e-9);
    const loTicks = Math.max(
      1,
      Math.floor(Math.min(a.price, b.price) * Math.exp(-spread * hash01(m.key, salt, 3, from)) + 1e-9),
    );
    const open = a.price / m.ticksPerUnit;
    const close = b.price / m.ticksPerUnit;
    const high = hiTicks / m.ticksPerUnit;
    const low = loTicks / m.ticksPerUnit;
    const volume = (b.steps - a.steps) / m.stepsPerUnit;
    const tradeSteps = m.avgTradeSize * m.stepsPerUnit;
    const trades = Math.floor(b.steps / tradeSteps) - Math.floor(a.steps / tradeSteps);
    const typical = (open + high + low + close) / 4;
    return { open, high, low, close, volume, trades, typical };
  };
  const quote = (m: SymbolModel, v: number) => Math.round(v * m.quotePerUnit) / m.quotePerUnit;

  return {
    symbols: () => symbols,
    firstOpenTime: (symbol) => (models.has(symbol) ? start : undefined),
    precision: (symbol) => models.get(symbol)?.precision ?? { price: 8, quantity: 8, quote: 8 },
    window(symbol, from, now): WindowStats | undefined {
      const m = models.get(symbol);
      if (!m || now < start) return undefined;
      const a = Math.max(from, start);
      const s = span(m, at(m, a), at(m, now), a, now - a, WINDOW_SALT);
      return {
        open: s.open,
        high: s.high,
        low: s.low,
        close: s.close,
        volume: s.volume,
        quoteVolume: quote(m, s.volume * s.typical),
        trades: s.trades,
        prevClose: s.open,
      };
    },
    candles(symbol, interval, startTime, endTime, limit, now) {
      const m = models.get(symbol);
      const out: Candle[] = [];
      if (!m) return out;
      const hi = Math.min(endTime, now);
      let t = Math.max(alignDown(interval, Math.max(startTime, start)), alignDown(interval, start));
      if (t < startTime) t = nextOpenTime(interval, t);
      const salt = INTERVALS.indexOf(interval) + 1;
      let a = at(m, Math.max(t, start));
      while (t <= hi && out.length < limit) {
        const next = nextOpenTime(interval, t);
        const from = Math.max(t, start);
        const closed = next - 1 < now;
        const to = closed ? next : now;
        const b = at(m, to);
        const s = span(m, a, b, from, to - from, salt);
        const share = 0.5 + 0.15 * (2 * hash01(m.key, salt, 4, t) - 1);
        const takerBuyBase = Math.round(s.volume * share * m.stepsPerUnit) / m.stepsPerUnit;
        out.push({
          openTime: t,
          closeTime: next - 1,
          open: s.open,
          high: s.high,
          low: s.low,
          close: s.close,
          volume: s.volume,
          quoteVolume: quote(m, s.volume * s.typical),
          trades: s.trades,
          takerBuyBase,
          takerBuyQuote: quote(m, takerBuyBase * s.typical),
          closed,
        });
        a = b;
        t = next;
      }
      return out;
    },
  };
}
