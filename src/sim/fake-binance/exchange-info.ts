/**
 * exchangeInfo bodies: rate limits (with the server's configured weight limit) and one realistic symbol object per
 * listed symbol, its filters derived from the symbol's print precision and current price.
 */
import type { MarketType } from "../../exchange/exchange.js";
import type { FakeMarketData } from "./market-data.js";
import { lastPrice } from "./market-stats.js";
import { plainDecimal } from "./wire-format.js";

const QUOTE_ASSETS = ["USDT", "USDC", "FDUSD", "BUSD", "TUSD", "BTC", "ETH", "BNB", "EUR", "TRY"];
/** Perpetuals carry this placeholder delivery date (year 2100). */
const PERPETUAL_DELIVERY = 4133404800000;

export function splitSymbol(symbol: string): { base: string; quote: string } {
  const quote = QUOTE_ASSETS.find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? "USDT";
  return { base: symbol.endsWith(quote) ? symbol.slice(0, -quote.length) : symbol, quote };
}

export function rateLimits(market: MarketType, weightLimit: number) {
  const weight = { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: weightLimit };
  return market === "spot"
    ? [
        weight,
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
        { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: 200000 },
        { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 300000 },
      ]
    : [
        weight,
        { rateLimitType: "ORDERS", interval: "MINUTE", intervalNum: 1, limit: 1200 },
        { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 300 },
      ];
}

/** A power of ten well above the current price, so the price filter never rejects a realistic price. */
function maxPriceFor(price: number): number {
  return 10 ** Math.max(3, Math.ceil(Math.log10(Math.max(price, 1e-8) * 1000)));
}

function maxQtyFor(price: number, step: number): number {
  return Math.max(step, Math.round(9e8 / Math.max(price, 1e-8) / step) * step);
}

export function spotSymbol(md: FakeMarketData, symbol: string, now: number) {
  const p = md.precision?.(symbol) ?? { price: 8, quantity: 8, quote: 8 };
  const price = lastPrice(md, symbol, now) ?? 1;
  const tick = 10 ** -p.price;
  const step = 10 ** -p.quantity;
  const maxQty = maxQtyFor(price, step);
  const e = (v: number) => v.toFixed(8);
  const { base, quote } = splitSymbol(symbol);
  return {
    symbol,
    status: "TRADING",
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    opoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    amendAllowed: true,
    pegInstructionsAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: true,
    filters: [
      { filterType: "PRICE_FILTER", minPrice: e(tick), maxPrice: e(maxPriceFor(price)), tickSize: e(tick) },
      { filterType: "LOT_SIZE", minQty: e(step), maxQty: e(maxQty), stepSize: e(step) },
      { filterType: "ICEBERG_PARTS", limit: 10 },
      { filterType: "MARKET_LOT_SIZE", minQty: e(0), maxQty: e(maxQty / 75), stepSize: e(0) },
      {
        filterType: "TRAILING_DELTA",
        minTrailingAboveDelta: 10,
        maxTrailingAboveDelta: 2000,
        minTrailingBelowDelta: 10,
        maxTrailingBelowDelta: 2000,
      },
      {
        filterType: "PERCENT_PRICE_BY_SIDE",
        bidMultiplierUp: "5",
        bidMultiplierDown: "0.2",
        askMultiplierUp: "5",
        askMultiplierDown: "0.2",
        avgPriceMins: 5,
      },
      {
        filterType: "NOTIONAL",
        minNotional: e(5),
        applyMinToMarket: true,
        maxNotional: e(9000000),
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
      { filterType: "MAX_NUM_ORDERS", maxNumOrders: 200 },
      { filterType: "MAX_NUM_ALGO_ORDERS", maxNumAlgoOrders: 5 },
    ],
    permissions: [],
    permissionSets: [["SPOT", "MARGIN"]],
    defaultSelfTradePreventionMode: "EXPIRE_MAKER",
    allowedSelfTradePreventionModes: ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
  };
}

export function futuresSymbol(md: FakeMarketData, symbol: string, now: number) {
  const p = md.precision?.(symbol) ?? { price: 8, quantity: 8, quote: 8 };
  const price = lastPrice(md, symbol, now) ?? 1;
  const tick = 10 ** -p.price;
  const step = 10 ** -p.quantity;
  const maxQty = maxQtyFor(price, step) / 10;
  const { base, quote } = splitSymbol(symbol);
  return {
    symbol,
    pair: symbol,
    contractType: "PERPETUAL",
    deliveryDate: PERPETUAL_DELIVERY,
    onboardDate: md.firstOpenTime(symbol) ?? now,
    status: "TRADING",
    maintMarginPercent: "2.5000",
    requiredMarginPercent: "5.0000",
    baseAsset: base,
    quoteAsset: quote,
    marginAsset: quote,
    pricePrecision: p.price,
    quantityPrecision: p.quantity,
    baseAssetPrecision: 8,
    quotePrecision: 8,
    underlyingType: "COIN",
    underlyingSubType: [],
    settlePlan: 0,
    triggerProtect: "0.0500",
    liquidationFee: "0.015000",
    marketTakeBound: "0.05",
    maxMoveOrderLimit: 10000,
    filters: [
      {
        minPrice: tick.toFixed(p.price),
        maxPrice: plainDecimal(maxPriceFor(price), 0),
        filterType: "PRICE_FILTER",
        tickSize: tick.toFixed(p.price),
      },
      {
        stepSize: step.toFixed(p.quantity),
        filterType: "LOT_SIZE",
        maxQty: plainDecimal(maxQty, p.quantity),
        minQty: step.toFixed(p.quantity),
      },
      {
        stepSize: step.toFixed(p.quantity),
        filterType: "MARKET_LOT_SIZE",
        maxQty: plainDecimal(maxQty / 10, p.quantity),
        minQty: step.toFixed(p.quantity),
      },
      { limit: 200, filterType: "MAX_NUM_ORDERS" },
      { limit: 10, filterType: "MAX_NUM_ALGO_ORDERS" },
      { notional: "5", filterType: "MIN_NOTIONAL" },
      { multiplierDown: "0.9500", multiplierUp: "1.0500", multiplierDecimal: "4", filterType: "PERCENT_PRICE" },
    ],
    orderTypes: ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
    timeInForce: ["GTC", "IOC", "FOK", "GTX", "GTD"],
    permissionSets: ["GRID", "COPY"],
  };
}

export function futuresAssets() {
  return [
    { asset: "USDT", marginAvailable: true, autoAssetExchange: "-10000" },
    { asset: "USDC", marginAvailable: true, autoAssetExchange: "-10000" },
    { asset: "BTC", marginAvailable: true, autoAssetExchange: "-0.10000000" },
  ];
}
