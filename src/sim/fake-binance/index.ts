/** The fake Binance server and its market-data sources (see server.ts). */
export { acceleratedClock } from "./accelerated-clock.js";
export { bundledMarketData, type BundledMarketDataOptions } from "./bundled-data.js";
export type { Fault } from "./faults.js";
export {
  type FakeMarketData,
  latestCandles,
  type SymbolPrecision,
  type WindowStats,
} from "./market-data.js";
export { type FakeBinance, type FakeBinanceOptions, type FakeRequest, startFakeBinance } from "./server.js";
export { syntheticMarketData, type SyntheticMarketDataOptions } from "./synthetic-data.js";
export { futuresKlineWeight } from "./rest-futures.js";
export type { StreamOptions } from "./ws-streams.js";
