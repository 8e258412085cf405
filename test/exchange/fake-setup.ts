/**
 * A Binance adapter wired to the project's fake Binance on a random loopback port, sharing one simulated clock.
 * Every wait of the adapter (budget, 429 pause, backoff) advances that clock instead of sleeping, so nothing in
 * these tests waits for real except the few socket-level timeouts that have to.
 */
import { SimulatedClock } from "../../src/core/clock.js";
import { MemoryLogger } from "../../src/core/log.js";
import { type BinanceOptions, BinanceExchange } from "../../src/exchange/binance/binance-exchange.js";
import type { MarketType } from "../../src/exchange/exchange.js";
import {
  bundledMarketData,
  type FakeBinance,
  type FakeBinanceOptions,
  type FakeMarketData,
  startFakeBinance,
} from "../../src/sim/fake-binance/index.js";

/** Parsed once per test file: the bundled CSVs are the slow part of starting a fake. */
const bundled: Partial<Record<MarketType, FakeMarketData>> = {};
function data(market: MarketType): FakeMarketData {
  bundled[market] ??= bundledMarketData(market);
  return bundled[market];
}

/** 2024-06-15 12:30 UTC: inside every bundled 1h/1d series, half-way through an hour. */
export const NOW = Date.UTC(2024, 5, 15, 12, 30);

/**
 * Moves simulated time instead of waiting. It still yields one real millisecond first: responses in flight on the
 * loopback socket must be able to arrive, or a waiting budget would spin the clock forward without end.
 */
export async function simulatedSleep(clock: SimulatedClock, ms: number, log?: number[]): Promise<void> {
  log?.push(ms);
  await new Promise((r) => setTimeout(r, 1));
  clock.advance(ms);
}

export interface Harness {
  clock: SimulatedClock;
  fake: FakeBinance;
  ex: BinanceExchange;
  logger: MemoryLogger;
  slept: number[];
  close(): Promise<void>;
}

export async function harness(
  market: MarketType,
  opts: Partial<BinanceOptions> = {},
  fakeOpts: Partial<FakeBinanceOptions> = {},
  start = NOW,
): Promise<Harness> {
  const clock = new SimulatedClock(start);
  const fake = await startFakeBinance({ clock, spot: data("spot"), futures: data("futures"), ...fakeOpts });
  const logger = new MemoryLogger();
  const slept: number[] = [];
  const ex = new BinanceExchange({
    market,
    restUrl: fake.restUrl,
    wsUrl: market === "spot" ? fake.wsUrl : `${fake.wsUrl}/market`,
    clock,
    sleep: (ms) => simulatedSleep(clock, ms, slept),
    random: () => 0.5,
    logger,
    backoff: { baseMs: 100, maxMs: 2000 },
    ...opts,
  });
  return {
    clock,
    fake,
    ex,
    logger,
    slept,
    async close() {
      await ex.close();
      await fake.close();
    },
  };
}

/** Requests the fake received for a path (after the last reset). */
export function hits(fake: FakeBinance, path: string): number {
  return fake.requests.filter((r) => r.path === path).length;
}
