/**
 * Binance error codes we can meet on public market-data endpoints, each with what it means for the user
 * (Binance's spot API docs, errors.md, and its USDⓈ-M futures error-code page; codes are stable, messages vary).
 * `transient`: the server failed, not the request, so the request may be retried with backoff.
 */
import { ExchangeApiError, InvalidIntervalError, type RequestInfo, UnknownSymbolError } from "../../core/errors.js";
import { INTERVALS } from "../../core/interval.js";
import type { MarketType } from "../exchange.js";

export interface BinanceCode {
  readonly name: string;
  readonly transient?: boolean;
  readonly hint?: string;
}

export const BINANCE_ERROR_CODES: Readonly<Record<number, BinanceCode>> = {
  [-1000]: { name: "UNKNOWN", transient: true, hint: "An unknown error on Binance's side; try again later." },
  [-1001]: { name: "DISCONNECTED", transient: true },
  [-1003]: { name: "TOO_MANY_REQUESTS" },
  [-1006]: { name: "UNEXPECTED_RESP", transient: true },
  [-1007]: { name: "TIMEOUT", transient: true },
  [-1008]: { name: "SERVER_BUSY", transient: true },
  [-1021]: {
    name: "INVALID_TIMESTAMP",
    hint: "Your computer's clock is off; enable automatic time synchronisation (NTP).",
  },
  [-1100]: {
    name: "ILLEGAL_CHARS",
    hint: "Symbols are upper-case letters and digits, like BTCUSDT; numbers must be plain integers.",
  },
  [-1101]: { name: "TOO_MANY_PARAMETERS" },
  [-1102]: { name: "MANDATORY_PARAM_EMPTY_OR_MALFORMED" },
  [-1104]: { name: "UNREAD_PARAMETERS" },
  [-1105]: { name: "PARAM_EMPTY" },
  [-1120]: {
    name: "BAD_INTERVAL",
    hint: `Valid intervals: ${INTERVALS.join(", ")} (futures has no 1s). Month is 1M, minute is 1m.`,
  },
  [-1121]: { name: "BAD_SYMBOL", hint: "`cma markets` lists the valid symbols." },
  [-1122]: { name: "INVALID_SYMBOLSTATUS" },
  [-1128]: { name: "OPTIONAL_PARAMS_BAD_COMBO" },
  [-1130]: {
    name: "INVALID_PARAMETER",
    hint: "A parameter is out of range, e.g. a kline limit above 1000 (spot) or 1500 (futures).",
  },
  [-1139]: { name: "INVALID_TICKER_TYPE" },
  [-1151]: { name: "DUPLICATE_SYMBOLS", hint: "Each symbol may appear only once in the list." },
  [-1220]: { name: "SYMBOL_DOES_NOT_MATCH_STATUS", hint: "The symbol is not trading right now." },
};

/** Whether a code means a server-side failure worth retrying. */
export function isTransientCode(code: number): boolean {
  return BINANCE_ERROR_CODES[code]?.transient === true;
}

/** The typed error for a 4xx with a Binance error code. */
export function binanceApiError(args: {
  status: number;
  code: number | undefined;
  msg: string;
  market: MarketType;
  request: RequestInfo;
  query?: Readonly<Record<string, string | number | undefined>>;
}): ExchangeApiError {
  const { status, code, msg, market, request, query } = args;
  const known = code === undefined ? undefined : BINANCE_ERROR_CODES[code];
  const opts = { request, ...(known?.hint ? { hint: known.hint } : {}) };
  const symbol = query?.symbol;
  if (code === -1121) {
    const what = symbol === undefined ? "Unknown symbol" : `Unknown symbol ${symbol}`;
    return new UnknownSymbolError(`${what} on Binance ${market} (${msg})`, status, code, msg, opts);
  }
  if (code === -1120) {
    const iv = query?.interval;
    const what = iv === undefined ? "Invalid interval" : `Interval ${iv} is not supported`;
    return new InvalidIntervalError(`${what} on Binance ${market} (${msg})`, status, code, msg, opts);
  }
  const label = code === undefined ? `HTTP ${status}` : `error ${code}${known ? ` ${known.name}` : ""}`;
  let hint = known?.hint;
  if (code === undefined && status === 403) {
    hint =
      "Binance's firewall rejected the request (HTTP 403), which it also does for abusive request rates. Wait a few minutes before trying again.";
  } else if (code === undefined && status === 451) {
    hint = "Binance does not serve this region (HTTP 451). Use a Binance domain available where you are.";
  }
  return new ExchangeApiError(
    `Binance ${market} rejected ${request.method} ${request.path}: ${label}${msg ? `: ${msg}` : ""}`,
    status,
    code,
    msg,
    { request, ...(hint ? { hint } : {}) },
  );
}
