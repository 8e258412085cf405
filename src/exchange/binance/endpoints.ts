/**
 * Binance public market-data endpoints and their request weights, as data (ccxt-style). The weight is a function
 * of the parameters because Binance charges by `limit` or by how many symbols are asked for.
 * Each entry's `source` cites by tag: [SPOT-REST] Binance's spot API docs, rest-api.md
 * (github.com/binance/binance-spot-api-docs, also at developers.binance.com/docs/binance-spot-api-docs/rest-api);
 * [SPOT-CL] the CHANGELOG.md of that repository; [FUT-MD] Binance's USDⓈ-M futures market-data pages
 * (developers.binance.com/docs/derivatives/usds-margined-futures/market-data/rest-api); [OBS-FUT] a third-party
 * measurement of fapi.binance.com (github.com/dilettante-trading/polyoxide, docs/specs/binance/OBSERVED.md).
 *
 * Where the docs and observation disagree, the HIGHER weight is used: over-counting costs a little throughput,
 * under-counting can cost the user's IP.
 */
import type { ExchangeCapabilities, MarketType } from "../exchange.js";

export type EndpointParams = Readonly<Record<string, string | number | undefined>>;

export type EndpointId = "time" | "exchangeInfo" | "klines" | "ticker24h";

export interface Endpoint {
  readonly id: EndpointId;
  readonly market: MarketType;
  readonly path: string;
  readonly weight: (params: EndpointParams) => number;
  /** Largest `limit` the endpoint accepts, where it has one. */
  readonly maxLimit?: number;
  readonly source: string;
}

/** Banded weight: the first band whose `upTo` (inclusive) is >= n. */
function band(n: number, bands: readonly (readonly [upTo: number, weight: number])[]): number {
  for (const [upTo, w] of bands) if (n <= upTo) return w;
  return bands[bands.length - 1]![1];
}

/** Number of symbols in a `symbols` JSON-array parameter. */
function symbolsCount(p: EndpointParams): number | undefined {
  if (p.symbols === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(String(p.symbols));
    return Array.isArray(v) ? v.length : 1;
  } catch {
    return 1;
  }
}

export const SPOT_KLINES_MAX = 1000;
export const FUTURES_KLINES_MAX = 1500;

export const ENDPOINTS: Readonly<Record<MarketType, Readonly<Record<EndpointId, Endpoint>>>> = {
  spot: {
    time: {
      id: "time",
      market: "spot",
      path: "/api/v3/time",
      weight: () => 1,
      source: "[SPOT-REST] Check server time: weight 1",
    },
    exchangeInfo: {
      id: "exchangeInfo",
      market: "spot",
      path: "/api/v3/exchangeInfo",
      weight: () => 20,
      source: "[SPOT-REST] Exchange information: weight 20 (10 before 2023-08-25 [SPOT-CL])",
    },
    klines: {
      id: "klines",
      market: "spot",
      path: "/api/v3/klines",
      weight: () => 2,
      maxLimit: SPOT_KLINES_MAX,
      source: "[SPOT-REST] Kline/Candlestick data: weight 2 flat since 2023-08-25 [SPOT-CL]; limit max 1000",
    },
    ticker24h: {
      id: "ticker24h",
      market: "spot",
      path: "/api/v3/ticker/24hr",
      weight: (p) => {
        if (p.symbol !== undefined) return 2;
        const n = symbolsCount(p);
        if (n === undefined) return 80;
        return band(n, [
          [20, 2],
          [100, 40],
          [Number.POSITIVE_INFINITY, 80],
        ]);
      },
      source: "[SPOT-REST] 24hr ticker: symbol 2; symbols 1–20 → 2, 21–100 → 40, ≥101 → 80; none → 80",
    },
  },
  futures: {
    time: {
      id: "time",
      market: "futures",
      path: "/fapi/v1/time",
      weight: () => 1,
      source: "[OBS-FUT] weight 1",
    },
    exchangeInfo: {
      id: "exchangeInfo",
      market: "futures",
      path: "/fapi/v1/exchangeInfo",
      weight: () => 1,
      source: "[FUT-MD] Exchange Information: weight 1",
    },
    klines: {
      id: "klines",
      market: "futures",
      path: "/fapi/v1/klines",
      // The documented bands [1,100) → 1, [100,500) → 2, [500,1000] → 5, above → 10 charge 100 and 500 rows more
      // than Binance was observed to ([OBS-FUT]: inclusive at the top). Where the two disagree we count the higher
      // weight: over-counting only slows us a little, under-counting could push the IP over its limit. Without
      // `limit` the server returns 500 rows but charges 5 ([OBS-FUT]); we always send a limit.
      weight: (p) =>
        p.limit === undefined
          ? 5
          : band(Number(p.limit), [
              [99, 1],
              [499, 2],
              [1000, 5],
              [Number.POSITIVE_INFINITY, 10],
            ]),
      maxLimit: FUTURES_KLINES_MAX,
      source:
        "[FUT-MD] Kline/Candlestick Data: by limit [1,100) 1, [100,500) 2, [500,1000] 5, >1000 10 (observed inclusive at the top, [OBS-FUT]; the higher is counted); no limit → 5 per [OBS-FUT]; limit max 1500",
    },
    ticker24h: {
      id: "ticker24h",
      market: "futures",
      path: "/fapi/v1/ticker/24hr",
      weight: (p) => (p.symbol !== undefined ? 1 : 40),
      source: "[FUT-MD, OBS-FUT] 24hr Ticker: symbol 1, none 40",
    },
  },
};

export function endpoint(market: MarketType, id: EndpointId): Endpoint {
  return ENDPOINTS[market][id];
}

/**
 * The kline page size with the least weight per candle (ties → the larger page, fewer round trips).
 * Spot: 1000 (weight 2 flat). Futures: 499 (weight 2 under both the documented and the observed bands → 0.004 per
 * candle, against 1000 → 5 = 0.005 and 1500 → 10 ≈ 0.0067), so long ranges cost 40 % of 1500-row pages.
 */
export function binanceCapabilities(market: MarketType): ExchangeCapabilities {
  const klines = ENDPOINTS[market].klines;
  return {
    klines: {
      maxLimit: klines.maxLimit ?? 1000,
      bestPageSize: cheapestKlinePage(market),
      weight: (limit) => klines.weight({ limit }),
    },
  };
}

export function cheapestKlinePage(market: MarketType): number {
  const ep = ENDPOINTS[market].klines;
  const max = ep.maxLimit!;
  let best = max;
  let bestCost = ep.weight({ limit: max }) / max;
  for (let limit = max - 1; limit >= 1; limit--) {
    const cost = ep.weight({ limit }) / limit;
    if (cost < bestCost - 1e-12) {
      best = limit;
      bestCost = cost;
    }
  }
  return best;
}
