/**
 * Builds the adapter for an exchange by name. Only Binance exists so far; the others are named in ExchangeId
 * because the configuration already accepts them, and asking for one says so clearly instead of failing later.
 */
import { UsageError } from "../core/errors.js";
import { type BinanceOptions, BinanceExchange } from "./binance/binance-exchange.js";
import { binanceCapabilities } from "./binance/endpoints.js";
import type { Exchange, ExchangeCapabilities, ExchangeId, MarketType } from "./exchange.js";

export const SUPPORTED_EXCHANGES: readonly ExchangeId[] = ["binance"];

/** The capabilities the adapter for `name` declares for `market` (what a replay of its stored data reproduces). */
export function exchangeCapabilities(name: ExchangeId, market: MarketType): ExchangeCapabilities {
  if (name === "binance") return binanceCapabilities(market);
  throw unsupported(name);
}

function unsupported(name: ExchangeId): UsageError {
  return new UsageError(
    `Exchange "${String(name)}" is not supported yet; supported: ${SUPPORTED_EXCHANGES.join(", ")}.`,
    {
      hint: 'Set exchange.name to "binance" in your configuration.',
    },
  );
}

export function createExchange(opts: { name: ExchangeId } & BinanceOptions): Exchange {
  const { name, ...rest } = opts;
  switch (name) {
    case "binance":
      return new BinanceExchange(rest);
    default:
      throw unsupported(name);
  }
}
