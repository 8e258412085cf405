/**
 * Binance's error answers: `{"code": -1121, "msg": "Invalid symbol."}` with HTTP 400 (or 429/418 for rate limits).
 * Messages follow the official error list and, where marked in the reference, the wording observed in real replies.
 */
import type { MarketType } from "../../exchange/exchange.js";

export class BinanceApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    msg: string,
  ) {
    super(msg);
  }
  body(): { code: number; msg: string } {
    return { code: this.code, msg: this.message };
  }
}

const bad = (code: number, msg: string) => new BinanceApiError(400, code, msg);

export const NUMBER_RANGE = "^[0-9]{1,20}$";
export const SYMBOL_RANGE = "^[A-Z0-9-_.]{1,20}$";
export const SYMBOLS_RANGE = '^\\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\\]$';

export const apiErrors = {
  illegalChars: (param: string, range: string) =>
    bad(-1100, `Illegal characters found in parameter '${param}'; legal range is '${range}'.`),
  mandatory: (param: string) =>
    bad(-1102, `Mandatory parameter '${param}' was not sent, was empty/null, or malformed.`),
  unreadParams: (read: number, sent: number) =>
    bad(-1104, `Not all sent parameters were read; read '${read}' parameter(s) but was sent '${sent}'.`),
  emptyParam: (param: string) => bad(-1105, `Parameter '${param}' was empty.`),
  badInterval: () => bad(-1120, "Invalid interval."),
  badSymbol: () => bad(-1121, "Invalid symbol."),
  badSymbolStatus: () => bad(-1122, "Invalid symbolStatus."),
  badCombination: () => bad(-1128, "Combination of optional parameters invalid."),
  invalidParam: (param: string) => bad(-1130, `Data sent for parameter '${param}' is not valid.`),
  badTickerType: () => bad(-1139, "Invalid ticker type."),
  duplicateSymbols: () => bad(-1151, "Symbol is present multiple times in the list."),
  statusMismatch: () => bad(-1220, "The symbol's status does not match the requested symbolStatus."),
  startAfterEnd: () => bad(-1023, "Start time is greater than end time."),
  badDepthLimit: (limit: string) => bad(-4021, `${limit} is not valid depth limit`),
} as const;

/** The -1003 body of a 429: the limit and the advice to use WebSocket streams, in each market's own words. */
export function tooMuchWeightMessage(market: MarketType, limit: number): string {
  return market === "spot"
    ? `Too much request weight used; current limit is ${limit} request weight per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.`
    : `Too many requests; current limit is ${limit} requests per minute. Please use the websocket for live updates to avoid polling the API.`;
}

/** The -1003 body of a 418; `until` is epoch ms. */
export function bannedMessage(market: MarketType, until: number): string {
  return market === "spot"
    ? `Way too much request weight used; IP banned until ${until}. Please use WebSocket Streams for live updates to avoid bans.`
    : `Way too many requests; IP banned until ${until}. Please use the websocket for live updates to avoid bans.`;
}

/** Defaults for injected error statuses, from Binance's documented 5XX answers. */
export function defaultErrorBody(status: number): { code: number; msg: string } {
  if (status === 503) return { code: -1008, msg: "Service Unavailable." };
  if (status === 504 || status === 408)
    return {
      code: -1007,
      msg: "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
    };
  if (status >= 500) return { code: -1001, msg: "Internal error; unable to process your request. Please try again." };
  if (status === 429) return { code: -1003, msg: "Too many requests." };
  if (status === 403) return { code: -1000, msg: "Forbidden." };
  return { code: -1000, msg: "An unknown error occurred while processing the request." };
}
