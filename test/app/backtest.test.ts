/**
 * Backtests on real recorded candles (bundled BTC and ETH spot), through the same orchestrator as live, and the
 * no-lookahead property: what happened before T does not change when the history goes on past T.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BacktestResult, runBacktest } from "../../src/app/backtest.js";
import { type Config, defaultConfig } from "../../src/app/config.js";
import { DAY } from "../../src/core/interval.js";
import { CandleStore } from "../../src/market/candle-store.js";
import { openDatabase } from "../../src/storage/database.js";
import { fillBundledHistory } from "../market/helpers.js";

const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const FROM = Date.parse("2025-03-01T00:00:00Z");
/** T: the end of the short history. */
const T = Date.parse("2025-04-01T00:00:00Z");
const LATER = T + 30 * DAY;

function storeWith(dir: string, name: string, until: number): CandleStore {
  return fillBundledHistory(new CandleStore(openDatabase(join(dir, name))), SYMBOLS, { until });
}

describe("backtest on the live pipeline", () => {
  const dir = mkdtempSync(join(tmpdir(), "cma-backtest-"));
  let config: Config;
  let short: BacktestResult;
  let long: BacktestResult;

  beforeAll(async () => {
    const base = defaultConfig(dir);
    // The bundled 2025 spring has 1h and 1d candles: analyse on 1h (momentum 1h and 4h), as a user would.
    config = { ...base, momentum: { ...base.momentum, timeframes: ["1h", "4h"] } };
    const broker = { taker_fee: 0.001 };
    short = await runBacktest({
      store: storeWith(dir, "short.db", T),
      exchange: "binance",
      market: "spot",
      config,
      symbols: SYMBOLS,
      from: FROM,
      to: T,
      broker,
    });
    long = await runBacktest({
      store: storeWith(dir, "long.db", LATER),
      exchange: "binance",
      market: "spot",
      config,
      symbols: SYMBOLS,
      from: FROM,
      to: LATER,
      broker,
    });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runs hourly cycles, trades every signal it can and accounts for every trade", () => {
    // 31 days of hourly closes plus the analysis at the start.
    expect(short.cycles).toBe(31 * 24 + 1);
    expect(short.signals.length).toBeGreaterThan(0);
    // One open trade per symbol and direction: a signal while one is open is not traded.
    expect(short.trades.length).toBeLessThanOrEqual(short.signals.length);
    expect(short.trades.length).toBeGreaterThan(0);
    for (const t of short.trades) {
      expect(t.status).toBe("CLOSED");
      expect(t.fees).toBeGreaterThan(0);
      expect(t.entryTime).toBeGreaterThanOrEqual(FROM);
      expect(t.exitTime!).toBeLessThanOrEqual(T);
    }
    const m = short.metrics;
    expect(m.n).toBe(short.trades.length);
    expect(m.wins + m.losses + m.breakevens).toBe(m.n);
    expect(m.totalPnl).toBeCloseTo(
      short.trades.reduce((a, t) => a + t.pnl, 0),
      6,
    );
    expect(short.perSymbol.reduce((a, r) => a + r.n, 0)).toBe(m.n);
    expect(short.perMonth.map((r) => r.key)).toEqual(["2025-03"]);
  });

  it("no lookahead: signals and trades opened before T are identical when the history goes on a month longer", () => {
    const earlier = (r: BacktestResult) => r.signals.filter((s) => s.time < T);
    expect(earlier(long)).toEqual(earlier(short));
    const key = (t: BacktestResult["trades"][number]) => ({
      id: t.tradeId,
      entryTime: t.entryTime,
      entryPrice: t.entryPrice,
      qty: t.qty,
      stop: t.initialStop,
      targets: t.targets,
    });
    const opened = (r: BacktestResult) => r.trades.filter((t) => t.entryTime < T).map(key);
    expect(opened(long)).toEqual(opened(short));
    // Trades the short history closed by itself (not at its end) close the same way in the longer one.
    const settled = short.trades.filter((t) => t.exitReason !== "end_of_data");
    expect(settled.length).toBeGreaterThan(0);
    for (const t of settled) expect(long.trades.find((u) => u.tradeId === t.tradeId)).toEqual(t);
    expect(long.signals.length).toBeGreaterThan(short.signals.length);
  });
});
