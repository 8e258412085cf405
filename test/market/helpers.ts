/** Shared test setup: a real SQLite candle store in a temp folder, and the bundled real Binance candles. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle } from "../../src/core/candle.js";
import type { Interval } from "../../src/core/interval.js";
import { BUNDLED_CANDLES_DIR } from "../../src/core/paths.js";
import type { MarketType } from "../../src/exchange/exchange.js";
import { readKlineFile } from "../../src/market/binance-csv.js";
import { CandleStore } from "../../src/market/candle-store.js";
import type { SeriesKey } from "../../src/market/series.js";
import { openDatabase } from "../../src/storage/database.js";

export interface TempStore {
  readonly dir: string;
  readonly store: CandleStore;
  close(): void;
}

export function tempStore(name = "cma.db"): TempStore {
  const dir = mkdtempSync(join(tmpdir(), "cma-market-"));
  const db = openDatabase(join(dir, name));
  return {
    dir,
    store: new CandleStore(db),
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const cache = new Map<string, Candle[]>();

/** The bundled real candles, e.g. bundled("spot", "BTCUSDT", "1h"). */
export function bundled(market: MarketType, symbol: string, interval: Interval): Candle[] {
  const file = join(BUNDLED_CANDLES_DIR, `binance-${market}`, `${symbol}-${interval}.csv.gz`);
  let c = cache.get(file);
  if (!c) {
    c = readKlineFile(file);
    cache.set(file, c);
  }
  return c;
}

export function bundledPath(market: MarketType, symbol: string, interval: Interval): string {
  return join(BUNDLED_CANDLES_DIR, `binance-${market}`, `${symbol}-${interval}.csv.gz`);
}

export function key(symbol: string, interval: Interval, market: MarketType = "spot"): SeriesKey {
  return { exchange: "binance", market, symbol, interval };
}

export const iso = (t: number) => new Date(t).toISOString();
export const at = (s: string) => Date.parse(s);

/**
 * A store holding the bundled real spot 1h and 1d candles of `symbols` that closed before `until` (and opened at or
 * after `from`): the history backtests, optimisation and restarts are tested on.
 */
export function fillBundledHistory(
  store: CandleStore,
  symbols: readonly string[],
  opts: { until: number; from?: number },
): CandleStore {
  for (const symbol of symbols) {
    for (const interval of ["1h", "1d"] as const) {
      const cs = bundled("spot", symbol, interval).filter(
        (c) => c.closeTime < opts.until && c.openTime >= (opts.from ?? Number.NEGATIVE_INFINITY),
      );
      store.upsert(key(symbol, interval), cs);
    }
  }
  return store;
}
