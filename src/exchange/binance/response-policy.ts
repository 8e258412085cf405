/**
 * What Binance's responses mean (its spot API docs, rest-api.md "LIMITS" and errors.md): the used-weight header,
 * 429/418 with Retry-After, the -1003 body code, 5xx "status unknown" answers, and 4xx error bodies
 * `{"code": -1121, "msg": "Invalid symbol."}`.
 */
import { BadResponseError } from "../../core/errors.js";
import type { MarketType } from "../exchange.js";
import { parseRetryAfter } from "../http/fetch-text.js";
import type { ResponsePolicy, Verdict, VerdictContext } from "../http/rate-safe-client.js";
import type { RawResponse } from "../http/fetch-text.js";
import { binanceApiError, isTransientCode } from "./error-codes.js";

/** Binance's shortest ban; used when a 418 says neither Retry-After nor "banned until". */
const DEFAULT_BAN_MS = 2 * 60_000;

function errorBody(json: VerdictContext["json"]): { code: number; msg: string } | undefined {
  if (!json.ok || json.value === null || typeof json.value !== "object" || Array.isArray(json.value)) return undefined;
  const { code, msg } = json.value as { code?: unknown; msg?: unknown };
  if (typeof code !== "number" || !Number.isInteger(code)) return undefined;
  return { code, msg: typeof msg === "string" ? msg : "" };
}

/** "IP banned until 1700000000000" in a -1003 message (epoch ms). */
export function parseBannedUntil(msg: string): number | undefined {
  const m = /banned until (\d{10,16})/i.exec(msg);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n < 1e12 ? n * 1000 : n;
}

/** The `X-MBX-USED-WEIGHT-1M` header (Headers are case-insensitive), else spot's legacy `X-MBX-USED-WEIGHT`. */
export function usedWeightHeader(headers: Headers): number | undefined {
  const v = headers.get("x-mbx-used-weight-1m") ?? headers.get("x-mbx-used-weight");
  if (v === null || !/^\s*\d+\s*$/.test(v)) return undefined;
  return Number(v);
}

export function binanceResponsePolicy(market: MarketType): ResponsePolicy {
  return {
    usedWeight: usedWeightHeader,
    verdict(res: RawResponse, ctx: VerdictContext): Verdict {
      const { status } = res;
      const err = errorBody(ctx.json);
      const retryAfterMs = parseRetryAfter(res.headers, ctx.now);
      const detail = `HTTP ${status}${err ? ` ${err.code} ${err.msg}` : ""}`;
      const bannedUntil = err ? parseBannedUntil(err.msg) : undefined;

      if (status === 418 || (err?.code === -1003 && bannedUntil !== undefined)) {
        const until = retryAfterMs !== undefined ? ctx.now + retryAfterMs : (bannedUntil ?? ctx.now + DEFAULT_BAN_MS);
        return { kind: "banned", until, retryAfterMs: until - ctx.now, detail };
      }
      if (status === 429 || err?.code === -1003) return { kind: "rate-limited", retryAfterMs, detail };
      if (status >= 500 || status === 408) {
        const body = err || ctx.json.ok ? "" : ` with ${ctx.json.problem}`;
        return { kind: "retry", status, detail: `${detail}${body}` };
      }
      if (err && isTransientCode(err.code)) return { kind: "retry", status, detail };
      if (status >= 400) {
        return {
          kind: "fail",
          error: binanceApiError({
            status,
            code: err?.code,
            msg: err?.msg ?? "",
            market,
            request: ctx.request,
            query: ctx.query,
          }),
        };
      }
      if (status >= 200 && status < 300) {
        if (!ctx.json.ok) return { kind: "retry", status, badBody: true, detail: ctx.json.problem };
        if (err && err.code < 0) {
          return {
            kind: "fail",
            error: binanceApiError({
              status,
              code: err.code,
              msg: err.msg,
              market,
              request: ctx.request,
              query: ctx.query,
            }),
          };
        }
        return { kind: "ok", body: ctx.json.value };
      }
      return {
        kind: "fail",
        error: new BadResponseError(`Binance ${market} ${ctx.request.path} answered with unexpected HTTP ${status}`, {
          request: ctx.request,
        }),
      };
    },
  };
}
