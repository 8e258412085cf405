/**
 * Chooses the symbols to watch: tradeable markets in one quote asset, liquid enough by 24 h quote volume, plus
 * the user's include list, minus the exclude list, most liquid first.
 *
 * Rules: `include` wins over the volume floor (a symbol the user names is watched even when quiet) and takes its
 * slots first under `maxSymbols`; `exclude` removes a symbol whatever else applies; naming a symbol in both lists,
 * or including one the exchange does not list, is a usage error (a typo would otherwise go unnoticed).
 * Stablecoin-to-stablecoin pairs (USDCUSDT, FDUSDUSDT, ...) are left out unless included: they never set up trades.
 */
import { UsageError } from "../core/errors.js";
import type { Market, Ticker24h } from "../exchange/exchange.js";

export interface UniverseFilter {
  /** Default "USDT". */
  readonly quoteAsset?: string;
  /** Minimum 24 h quote volume (in the quote asset); default 0. */
  readonly minQuoteVolume?: number;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  /** At most this many symbols (default: no limit). */
  readonly maxSymbols?: number;
  /** Keep stablecoin/stablecoin pairs (default false). */
  readonly includeStablecoins?: boolean;
}

export interface UniverseEntry {
  readonly symbol: string;
  readonly market: Market;
  /** Undefined only for an included symbol that had no 24 h ticker. */
  readonly ticker: Ticker24h | undefined;
  /** 24 h quote volume (0 without a ticker): the sort key. */
  readonly quoteVolume: number;
  /** Why it is in: named in `include`, or by volume. */
  readonly reason: "included" | "volume";
}

export const STABLECOINS: readonly string[] = [
  "USDT",
  "USDC",
  "FDUSD",
  "TUSD",
  "BUSD",
  "USDP",
  "DAI",
  "PYUSD",
  "USDE",
  "USD1",
  "EURI",
  "AEUR",
  "XUSD",
  "RLUSD",
  "BFUSD",
  "USDS",
];

export function selectUniverse(
  markets: readonly Market[],
  tickers: readonly Ticker24h[],
  f: UniverseFilter = {},
): UniverseEntry[] {
  const quote = (f.quoteAsset ?? "USDT").toUpperCase();
  const minVol = f.minQuoteVolume ?? 0;
  if (!Number.isFinite(minVol) || minVol < 0)
    throw new UsageError(`minQuoteVolume must be a number >= 0, got ${minVol}.`);
  const max = f.maxSymbols ?? Number.POSITIVE_INFINITY;
  if (max !== Number.POSITIVE_INFINITY && (!Number.isInteger(max) || max < 1)) {
    throw new UsageError(`maxSymbols must be a whole number >= 1, got ${max}.`);
  }
  const include = new Set((f.include ?? []).map((s) => s.trim().toUpperCase()));
  const exclude = new Set((f.exclude ?? []).map((s) => s.trim().toUpperCase()));
  const both = [...include].filter((s) => exclude.has(s));
  if (both.length > 0) {
    throw new UsageError(`${both.join(", ")} ${both.length === 1 ? "is" : "are"} both included and excluded.`, {
      hint: "Remove the symbol from one of the two lists.",
    });
  }
  const bySymbol = new Map(markets.map((m) => [m.symbol, m]));
  const unknown = [...include].filter((s) => !bySymbol.has(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `Included symbol${unknown.length === 1 ? "" : "s"} not listed on the exchange: ${unknown.join(", ")}.`,
      {
        hint: "Check the spelling (e.g. BTCUSDT) and the market (spot or futures); delisted symbols must be removed.",
      },
    );
  }
  if (include.size > max) {
    throw new UsageError(`${include.size} symbols are included but maxSymbols is ${max}.`, {
      hint: "Raise maxSymbols or shorten the include list.",
    });
  }
  const tickerBy = new Map(tickers.map((t) => [t.symbol, t]));
  const entry = (m: Market, reason: UniverseEntry["reason"]): UniverseEntry => {
    const ticker = tickerBy.get(m.symbol);
    const qv = ticker && Number.isFinite(ticker.quoteVolume) ? ticker.quoteVolume : 0;
    return { symbol: m.symbol, market: m, ticker, quoteVolume: qv, reason };
  };
  const byVolume = (a: UniverseEntry, b: UniverseEntry) =>
    b.quoteVolume - a.quoteVolume || a.symbol.localeCompare(b.symbol);

  const included = [...include].map((s) => entry(bySymbol.get(s) as Market, "included"));
  const candidates: UniverseEntry[] = [];
  for (const m of markets) {
    if (include.has(m.symbol) || exclude.has(m.symbol)) continue;
    if (m.quoteAsset.toUpperCase() !== quote || m.status !== "TRADING") continue;
    if (m.type === "futures" && m.contractType !== undefined && m.contractType !== "PERPETUAL") continue;
    if (!f.includeStablecoins && STABLECOINS.includes(m.baseAsset.toUpperCase()) && STABLECOINS.includes(quote))
      continue;
    const e = entry(m, "volume");
    if (!e.ticker || e.quoteVolume < minVol) continue;
    candidates.push(e);
  }
  candidates.sort(byVolume);
  const room = Math.max(0, max - included.length);
  return [...included, ...candidates.slice(0, room)].sort(byVolume);
}
