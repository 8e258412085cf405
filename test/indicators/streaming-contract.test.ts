/** Every streaming indicator, registered with the one shared contract (see contract.ts), on real BTCUSDT 1h candles. */
import fc from "fast-check";
import type { Candle } from "../../src/core/candle.js";
import {
  ATR,
  atr,
  candleColumns,
  EMA,
  ema,
  MACD,
  type MacdValue,
  macd,
  OBV,
  obv,
  PercentRank,
  percentRank,
  RSI,
  rsi,
  SMA,
  sma,
  SwingPivots,
  swingPivots,
  type TimedSwingPivot,
  ZScore,
  zScore,
} from "../../src/indicators/index.js";
import { streamingContract } from "./contract.js";
import { btc1hSample, perIndex } from "./fixtures/real-candles.js";

const closes = () => btc1hSample().map((c) => c.close);
const volumes = () => btc1hSample().map((c) => c.volume);
const varyNumber = (x: number, i: number) => x * 1.0137 + (i % 7) + 0.5;
const varyCandle = (c: Candle, i: number): Candle => {
  const f = 1 + ((i % 5) - 2) / 100;
  return {
    ...c,
    open: c.open * f,
    high: c.high * f * 1.001,
    low: c.low * f * 0.999,
    close: c.close * f,
    volume: c.volume * 1.3 + 1,
  };
};
/** Prices from cents to tens of thousands, repeats likely (flat markets), as doubles. */
const price = fc.oneof(fc.double({ min: 0.01, max: 50_000, noNaN: true }), fc.constantFrom(100, 100.5, 101));
const volume = fc.oneof(fc.double({ min: 0, max: 1e9, noNaN: true }), fc.constant(0));
const candle = fc
  .record({
    open: price,
    close: price,
    up: fc.double({ min: 0, max: 0.05, noNaN: true }),
    down: fc.double({ min: 0, max: 0.05, noNaN: true }),
    volume,
  })
  .map(
    ({ open, close, up, down, volume }): Candle => ({
      ...btc1hSample()[0]!,
      open,
      close,
      high: Math.max(open, close) * (1 + up),
      low: Math.min(open, close) * (1 - down),
      volume,
    }),
  );
const badCandle: Candle = { ...btc1hSample()[0]!, close: Number.NaN, high: Number.NaN };

for (const period of [2, 14]) {
  streamingContract({
    name: `RSI(${period})`,
    create: () => new RSI(period),
    inputs: closes,
    batch: (xs) => perIndex(rsi(xs, period)),
    vary: varyNumber,
    arbitrary: price,
    invalid: Number.NaN,
  });
}

for (const period of [1, 20]) {
  streamingContract({
    name: `SMA(${period})`,
    create: () => new SMA(period),
    inputs: closes,
    batch: (xs) => perIndex(sma(xs, period)),
    vary: varyNumber,
    invalid: Number.POSITIVE_INFINITY,
    arbitrary: volume,
  });
  streamingContract({
    name: `EMA(${period})`,
    create: () => new EMA(period),
    inputs: closes,
    batch: (xs) => perIndex(ema(xs, period)),
    vary: varyNumber,
    invalid: Number.NaN,
    arbitrary: price,
  });
}

streamingContract({
  name: "ATR(14)",
  create: () => new ATR(14),
  inputs: btc1hSample,
  batch: (cs) => {
    const col = candleColumns(cs);
    return perIndex(atr(col.high, col.low, col.close, 14));
  },
  vary: varyCandle,
  invalid: badCandle,
  arbitrary: candle,
});

for (const opts of [{}, { fast: 5, slow: 13, signal: 1 }]) {
  streamingContract<number, MacdValue>({
    name: `MACD(${JSON.stringify(opts)})`,
    create: () => new MACD(opts),
    inputs: closes,
    batch: (xs) => {
      const m = macd(xs, opts);
      return Array.from(m.macd, (v, i) =>
        Number.isNaN(v) ? undefined : { macd: v, signal: m.signal[i]!, histogram: m.histogram[i]! },
      );
    },
    vary: varyNumber,
    invalid: Number.NaN,
    arbitrary: price,
    same: (a, b) => Object.is(a.macd, b.macd) && Object.is(a.signal, b.signal) && Object.is(a.histogram, b.histogram),
  });
}

streamingContract({
  name: "OBV",
  create: () => new OBV(),
  inputs: btc1hSample,
  batch: (cs) => {
    const col = candleColumns(cs);
    return perIndex(obv(col.close, col.volume));
  },
  vary: varyCandle,
  arbitrary: candle,
  invalid: { ...badCandle, close: 1, volume: Number.NaN },
});

streamingContract({
  name: "ZScore(20) of volume",
  create: () => new ZScore(20),
  inputs: volumes,
  batch: (xs) => perIndex(zScore(xs, 20)),
  vary: varyNumber,
  invalid: Number.NaN,
  arbitrary: volume,
});

// Volume with a 1e8× spike every 500 hours: the rolling sums must rebuild themselves after each spike leaves the
// window, and update/replace must step through those rebuilds exactly as the batch form does.
const spikyVolumes = () => volumes().map((v, i) => (i % 500 === 250 ? v * 1e8 : v));
streamingContract({
  name: "SMA(20) of spiky volume",
  create: () => new SMA(20),
  inputs: spikyVolumes,
  batch: (xs) => perIndex(sma(xs, 20)),
  vary: varyNumber,
  invalid: Number.NaN,
});
streamingContract({
  name: "ZScore(20) of spiky volume",
  create: () => new ZScore(20),
  inputs: spikyVolumes,
  batch: (xs) => perIndex(zScore(xs, 20)),
  vary: (x, i) => (i % 3 === 0 ? x * 1e9 : varyNumber(x, i)),
  invalid: Number.NaN,
});

streamingContract({
  name: "PercentRank(50) of volume",
  create: () => new PercentRank(50),
  inputs: volumes,
  batch: (xs) => perIndex(percentRank(xs, 50)),
  vary: varyNumber,
  invalid: Number.NEGATIVE_INFINITY,
  arbitrary: volume,
});

for (const opts of [
  { left: 5, right: 5 },
  { left: 3, right: 0 },
]) {
  streamingContract<Candle, readonly TimedSwingPivot[]>({
    name: `SwingPivots(${opts.left}/${opts.right})`,
    create: () => new SwingPivots(opts),
    inputs: btc1hSample,
    batch: (cs) => {
      const col = candleColumns(cs);
      const out: (TimedSwingPivot[] | undefined)[] = cs.map((_, i) => (i < opts.left + opts.right ? undefined : []));
      for (const p of swingPivots(col.high, col.low, opts)) {
        out[p.confirmIndex]!.push({
          ...p,
          openTime: cs[p.index]!.openTime,
          confirmedAt: cs[p.confirmIndex]!.closeTime + 1,
        });
      }
      return out;
    },
    vary: varyCandle,
    invalid: badCandle,
    same: (a, b) =>
      a.length === b.length &&
      a.every(
        (p, k) =>
          p.kind === b[k]!.kind &&
          p.index === b[k]!.index &&
          Object.is(p.price, b[k]!.price) &&
          p.confirmIndex === b[k]!.confirmIndex &&
          p.openTime === b[k]!.openTime &&
          p.confirmedAt === b[k]!.confirmedAt,
      ),
  });
}
