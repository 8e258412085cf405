/**
 * Real BTCUSDT spot candles on every S/R timeframe: 1d (full history) and 1h (2023+) as recorded, 1M/1w/3d derived
 * from 1d and 4h from 1h with `resample` (the exact way the system derives them). Read once per test file.
 */
import type { Candle } from "../../src/core/candle.js";
import type { Interval } from "../../src/core/interval.js";
import { resample } from "../../src/market/resample.js";
import { bundled } from "../market/helpers.js";

export type Timeframes = Partial<Record<Interval, readonly Candle[]>>;

let cache: Timeframes | undefined;

export function btcTimeframes(): Timeframes {
  if (!cache) {
    const d = bundled("spot", "BTCUSDT", "1d");
    const h = bundled("spot", "BTCUSDT", "1h");
    cache = {
      "1M": resample(d, "1d", "1M"),
      "1w": resample(d, "1d", "1w"),
      "3d": resample(d, "1d", "3d"),
      "1d": d,
      "4h": resample(h, "1h", "4h"),
      "1h": h,
    };
  }
  return cache;
}

/** Close of the last 1h candle closed before `now`: the price an analysis at `now` sees. */
export function btcPriceAt(now: number): number {
  const h = btcTimeframes()["1h"]!;
  let last: Candle | undefined;
  for (const c of h) {
    if (c.closeTime >= now) break;
    last = c;
  }
  if (!last) throw new Error(`no 1h candle before ${new Date(now).toISOString()}`);
  return last.close;
}

/** Every series cut to the candles closed before `now`: the data as it existed then. */
export function cutAt(tfs: Timeframes, now: number): Timeframes {
  const out: Timeframes = {};
  for (const [tf, cs] of Object.entries(tfs) as [Interval, readonly Candle[]][]) {
    out[tf] = cs.filter((c) => c.closeTime < now);
  }
  return out;
}
